/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * --format as Docker's CLI reads it (cli/command/formatter), shared by the
 * listing commands (ps, images, history, volume ls) and by inspect.
 *
 * Listing: "" or "table" is the command's own table; "json" prints each row
 * as one JSON object; "table TEMPLATE" prints a header row (the template run
 * over the column titles with Docker's header functions) then one row per
 * item, aligned as Go's tabwriter does (min width 10, padding 3); any other
 * text is a template printed once per row. As Docker does, the literal
 * two-character sequences \t and \n in the text become a tab and a newline.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/template.h"

enum cli_format_kind {
	CLI_FORMAT_DEFAULT, /* the command's own table */
	CLI_FORMAT_JSON,
	CLI_FORMAT_TEMPLATE,
	CLI_FORMAT_TABLE,
};

struct cli_format {
	enum cli_format_kind kind;
	struct berth_template *tmpl;
	struct berth_buf out; /* the rows so far */
};

/* Parses format (may be NULL); -EINVAL with Docker's "template parsing error: ..." */
int cli_format_init(struct cli_format *f, const char *format, struct berth_error **err);
/* Formats one row (a JSON object of Docker's field names) after the others. */
int cli_format_row(struct cli_format *f, const json_t *row, struct berth_error **err);
/*
 * Prints what the rows made to stdout; for a table, the header first, made
 * from titles (an object mapping each field name to its column title).
 */
int cli_format_flush(struct cli_format *f, const json_t *titles, struct berth_error **err);
void cli_format_release(struct cli_format *f);

/*
 * inspect's --format: NULL or "" prints objects (an array) as indented
 * JSON, "json" as compact JSON on one line; otherwise the template runs over each object, one output
 * line per object (no \t rewriting, as Docker's inspect). As Docker's inspect
 * (which falls back to the JSON map with missingkey=error), a field naming a
 * missing key is an error. Errors read "template parsing error: ...".
 */
int cli_format_inspect(const char *format, const json_t *objects, struct berth_error **err);

/* Go's text/tabwriter(minwidth 10, tabwidth 1, padding 3, ' ', 0) over text, to out. */
void cli_tabwrite(FILE *out, const char *text, size_t len);
/* The same with another minimum cell width (`top`'s writer has 20). */
void cli_tabwrite_min(FILE *out, const char *text, size_t len, size_t minwidth);

/* HumanDuration since created, plus " ago", as `docker images` prints CREATED; N/A if unknown. */
void cli_human_since(char *out, size_t n, const char *created);
/* Go's time.Time.String() of created in UTC: "2024-01-02 15:04:05 +0000 UTC". */
void cli_created_at(char *out, size_t n, const char *created);
/* Go's time.Format(time.RFC3339) of created in UTC, whole seconds: "2024-01-02T15:04:05Z". */
void cli_created_rfc3339(char *out, size_t n, const char *created);
