/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Progress of long operations (layer writes, pulls, pushes, build steps).
 * Library code reports to a struct berth_progress it is handed (NULL means
 * nobody listens); the library never draws: each report goes to the
 * callbacks the program gave (berth's are in src/berth/progress.c, bars on a
 * terminal, plain lines otherwise). Reports may come from several threads;
 * the callbacks are called one at a time.
 */

#include <stdbool.h>
#include <stdint.h>

/* The receiver of the reports; every callback may be NULL. Items are
 * numbered from 0 in the order they start. */
struct berth_progress_ops {
	void (*start)(void *data, int item, const char *label, uint64_t total);
	void (*set_total)(void *data, int item, uint64_t total);
	void (*update)(void *data, int item, uint64_t current);
	void (*done)(void *data, int item, const char *status);
	/* a free-form line, to show above the items */
	void (*line)(void *data, const char *text);
	/* berth_progress_free(): the receiver's data goes */
	void (*free)(void *data);
};

struct berth_progress;

/* ops and data are borrowed until berth_progress_free(), which calls ops->free(data). */
struct berth_progress *berth_progress_new(const struct berth_progress_ops *ops, void *data);
void berth_progress_free(struct berth_progress *p);

/* Starts an item; total 0 means unknown. Returns a handle >= 0 (or -1 when p is NULL). */
int berth_progress_start(struct berth_progress *p, const char *label, uint64_t total);
void berth_progress_set_total(struct berth_progress *p, int item, uint64_t total);
/* Sets the bytes done so far. */
void berth_progress_update(struct berth_progress *p, int item, uint64_t current);
/* Ends an item with a short status ("done", "exists", "CACHED", "error"); NULL: "done". */
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
