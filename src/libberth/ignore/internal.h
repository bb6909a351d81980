/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Helpers shared by the files of src/libberth/ignore; not for other subsystems. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Go's path/filepath.Match on Unix: 1 when name matches pattern, 0 when
 * not, -EINVAL when the pattern is malformed (ErrBadPattern).
 */
int berth_ignore_go_match(const char *pattern, const char *name);

/* Go's strings.TrimSpace (Unicode white space) of s[0..*len): returns the start, sets *len. */
const char *berth_ignore_trim_space(const char *s, size_t *len);

/* A compiled RE2-subset expression (regex.c). */
enum rx_kind {
	RX_CHAR,
	RX_ANY,
	RX_CLASS,
	RX_DSTAR_DIR,
	RX_BOT,
	RX_EOT,
	RX_WORDB,
	RX_NWORDB
};

struct rx_item {
	enum rx_kind kind;
	char rep;    /* 0, '*', '+' or '?' */
	size_t slot; /* memo slot of a repeating item */
	uint32_t cp;
	size_t cls, ncls; /* ranges[cls .. cls+ncls) */
};

struct rx {
	struct rx_item *items;
	size_t n, alloc;
	/* literal bytes every match starts / ends with, for a quick reject */
	char *prefix, *suffix;
	size_t prefix_len, suffix_len;
	/*
	 * With more than one item that can repeat, failures are memoised per
	 * (repeating item, position) so matching stays polynomial; nslots is
	 * the number of such items and each has its slot.
	 */
	bool memo;
	size_t nslots;
	uint32_t (*ranges)[2];
	size_t nranges, ranges_alloc;
};

/* Parses the expression s[0..len) into rx: 0, or -EINVAL (a bad pattern) / -ENOTSUP. */
int berth_ignore_rx_parse(const char *s, size_t len, struct rx *rx);
/* The literal prefix and suffix and the memo slots of a parsed rx, for rx_match. */
void berth_ignore_rx_optimise(struct rx *rx);
/* 1 when rx matches all of s, 0 when not, -E2BIG when the memo would be too big. */
int berth_ignore_rx_match(const struct rx *rx, const char *s, size_t len);
void berth_ignore_rx_release(struct rx *rx);
