/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Progress of long operations (layer writes, pulls, pushes, build steps).
 * Library code reports to a struct berth_progress it is handed (NULL means
 * nobody listens); the CLI creates one on stderr. On a terminal the
 * renderer redraws one bar per active item; otherwise it prints one plain
 * line when an item starts and one when it ends, so CI logs stay readable.
 * All calls are thread-safe.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum berth_progress_mode {
	BERTH_PROGRESS_AUTO, /* TTY when out is a terminal, else PLAIN */
	BERTH_PROGRESS_TTY,
	BERTH_PROGRESS_PLAIN,
	BERTH_PROGRESS_QUIET, /* nothing */
};

struct berth_progress;

/* out is borrowed. */
struct berth_progress *berth_progress_new(FILE *out, enum berth_progress_mode mode);
void berth_progress_free(struct berth_progress *p);
/* Parses "auto", "tty", "plain", "quiet"; -EINVAL otherwise. */
int berth_progress_mode_parse(const char *s, enum berth_progress_mode *ret);
bool berth_progress_is_tty(const struct berth_progress *p);

/* Starts an item; total 0 means unknown. Returns a handle >= 0 (or -1 when p is NULL). */
int berth_progress_start(struct berth_progress *p, const char *label, uint64_t total);
void berth_progress_set_total(struct berth_progress *p, int item, uint64_t total);
/* Sets the bytes done so far. */
void berth_progress_update(struct berth_progress *p, int item, uint64_t current);
/* Ends an item with a short status ("done", "exists", "CACHED", "error"). */
void berth_progress_done(struct berth_progress *p, int item, const char *status);
/* A free-form line, printed above the bars. */
void berth_progress_line(struct berth_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * "12.3MB" style, Docker's units (powers of 1000) with prec significant
 * digits (go-units' HumanSizeWithPrecision). out must hold 16 bytes.
 */
char *berth_format_size_prec(uint64_t bytes, int prec, char *out);
/* berth_format_size_prec with 3 digits, as Docker's HumanSize in listings. */
char *berth_format_size(uint64_t bytes, char *out);
/* Docker's units.BytesSize: 1024-based, four significant digits ("1.172MiB"); out[16]. */
char *berth_format_size_binary(uint64_t bytes, char *out);
