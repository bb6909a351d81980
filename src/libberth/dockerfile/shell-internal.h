/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Shared between the files of the shell-word expansion: shell.c (the
 * lexer) and shellpattern.c (the glob patterns of ${V#pat}, ${V%pat} and
 * ${V/pat/repl}); not a public header.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/utf8.h"

#define SC_EOF (-1)

/*
 * ${V//pat/repl} can multiply the length of a word, and nested ones
 * multiply again. BuildKit has no bound; berth refuses a word longer than
 * MAX_WORD and stops after MAX_REPLACE bytes produced by replacements in
 * one expansion, so a hostile Dockerfile cannot exhaust memory or time.
 */
#define MAX_WORD    (1u << 20)
#define MAX_REPLACE (8u << 20)
/* The failure memo of one pattern match: (tokens + 1) x (value length + 1) bits. */
#define MAX_MEMO_BITS (256u << 20)

/*
 * A code-point reader with Go text/scanner's behaviour where it shows in
 * results: a leading byte-order mark is skipped and an invalid byte reads
 * as U+FFFD.
 */
struct scanner {
	const char *s;
	size_t len;
	size_t pos;
};

static inline void scanner_init(struct scanner *sc, const char *s, size_t len)
{
	sc->s = s;
	sc->len = len;
	sc->pos = 0;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		sc->pos = 3;
}

static inline int32_t sc_peek(const struct scanner *sc)
{
	uint32_t cp;
	if (sc->pos >= sc->len)
		return SC_EOF;
	berth_utf8_decode(sc->s + sc->pos, sc->len - sc->pos, &cp);
	return (int32_t)cp;
}

static inline int32_t sc_next(struct scanner *sc)
{
	uint32_t cp;
	if (sc->pos >= sc->len)
		return SC_EOF;
	sc->pos += berth_utf8_decode(sc->s + sc->pos, sc->len - sc->pos, &cp);
	return (int32_t)cp;
}

static inline void buf_add_cp(struct berth_buf *b, int32_t cp)
{
	char tmp[4];
	/* Go's string(rune(-1)) is U+FFFD; only error messages see it. */
	size_t n = berth_utf8_encode(cp < 0 ? BERTH_UTF8_REPLACEMENT : (uint32_t)cp, tmp);
	berth_buf_add(b, tmp, n);
}

/* ${V#pat} and ${V##pat} (greedy) of value into out. */
int shell_trim_prefix(const char *pat, const char *value, size_t value_len, bool greedy,
		      struct berth_buf *out, struct berth_error **err);
/* ${V%pat} and ${V%%pat} (greedy) of value into out. */
int shell_trim_suffix(const char *pat, const char *value, bool greedy, struct berth_buf *out,
		      struct berth_error **err);
/*
 * ${V/pat/repl} (${V//pat/repl}: all) of value into out; *budget is what
 * replacements may still produce in this expansion (MAX_REPLACE at first).
 */
int shell_replace(const char *pat, const char *repl, bool all, const char *value, size_t *budget,
		  struct berth_buf *out, struct berth_error **err);
/* The error of a word over MAX_WORD: -E2BIG. */
int shell_too_large(struct berth_error **err);
