/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Go text/template, as Docker's `--format` uses it, evaluated over JSON
 * values (what a Go program sees after decoding JSON into interface{}:
 * objects are maps, arrays slices). Supported: text and actions with trim
 * markers and comments, fields and chains, variables, literals, pipelines,
 * parentheses, if/else if/else, range (arrays, maps, integers) with break
 * and continue, with/else with, Go's built-in functions (and, or, not, len,
 * index, slice, print, printf, println, eq, ne, lt, le, gt, ge) and Docker's
 * (json, join, split, lower, upper, title, pad, truncate). Not supported:
 * define, template, block, call, html, js, urlquery and methods.
 * Errors read as Go's: `template: :1:2: executing "" at <.X>: ...`.
 */

#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"

struct berth_template;

enum berth_template_flag {
	/*
	 * Docker's header functions: json, join, split, lower, upper, title
	 * and truncate return their first argument unchanged (pad still pads,
	 * to keep the columns aligned), so a `table` template run over a map of
	 * column titles prints the header row.
	 */
	BERTH_TEMPLATE_HEADER = 1 << 0,
	/*
	 * Go's Option("missingkey=error"), which Docker's inspect uses: a field
	 * naming a missing key fails (`map has no entry for key "X"`) instead
	 * of giving no value. index still gives no value, as in Go.
	 */
	BERTH_TEMPLATE_MISSINGKEY_ERROR = 1 << 1,
};

/* Parses text (NUL-terminated). *ret is owned by the caller; -EINVAL on a syntax error. */
int berth_template_parse(const char *text, struct berth_template **ret, struct berth_error **err);

/*
 * Appends the template's output for data (borrowed) to out. On an error
 * (-EINVAL, or -E2BIG when the output or the work passes the limits) out
 * may hold part of the output.
 */
int berth_template_execute(const struct berth_template *t, const json_t *data, unsigned flags,
			   struct berth_buf *out, struct berth_error **err);

void berth_template_free(struct berth_template *t);
static inline void berth_template_freep(struct berth_template **t)
{
	berth_template_free(*t);
	*t = NULL;
}

/*
 * Appends v as Go's fmt prints the decoded JSON value: strings bare,
 * arrays `[a b]`, objects `map[k:v]` with sorted keys, null `<nil>`,
 * NULL (no value) `<no value>`.
 */
void berth_template_print_value(struct berth_buf *out, const json_t *v);
