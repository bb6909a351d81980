/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/units.h"

/* Docker's formatter: `table ` prefix, trimmed spaces, \t and \n written as two characters. */
static char *docker_template_text(const char *format, bool *ret_table)
{
	const char *s = format;
	*ret_table = strncmp(s, "table", 5) == 0;
	if (*ret_table)
		s += 5;
	while (*s == ' ')
		s++;
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		len--;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			berth_buf_addch(&b, s[++i] == 't' ? '\t' : '\n');
			continue;
		}
		berth_buf_addch(&b, s[i]);
	}
	return berth_buf_detach(&b, NULL);
}

static int parse_template(const char *text, struct berth_template **ret, struct berth_error **err)
{
	int r = berth_template_parse(text, ret, err);
	if (r < 0)
		berth_error_prefix(err, "template parsing error");
	return r;
}

int cli_format_init(struct cli_format *f, const char *format, struct berth_error **err)
{
	*f = (struct cli_format){.out = BERTH_BUF_INIT};
	if (!format || !*format || strcmp(format, "table") == 0)
		return 0;
	if (strcmp(format, "json") == 0) {
		f->kind = CLI_FORMAT_JSON;
		return 0;
	}
	bool table;
	_cleanup_free_ char *text = docker_template_text(format, &table);
	f->kind = table ? CLI_FORMAT_TABLE : CLI_FORMAT_TEMPLATE;
	return parse_template(text, &f->tmpl, err);
}

int cli_format_row(struct cli_format *f, const json_t *row, struct berth_error **err)
{
	if (f->kind == CLI_FORMAT_JSON) {
		_cleanup_free_ char *s = berth_json_dump(row, NULL);
		berth_buf_addstr(&f->out, s);
	} else {
		/* Docker's rows are structs: a field they do not have is an error, not <no value> */
		int r = berth_template_execute(f->tmpl, row, BERTH_TEMPLATE_MISSINGKEY_ERROR,
					       &f->out, err);
		if (r < 0)
			return berth_error_prefix(err, "template parsing error");
	}
	berth_buf_addch(&f->out, '\n');
	return 0;
}

int cli_format_flush(struct cli_format *f, const json_t *titles, struct berth_error **err)
{
	if (f->kind != CLI_FORMAT_TABLE) {
		fwrite(f->out.buf, 1, f->out.len, stdout);
		return 0;
	}
	_cleanup_buf_ struct berth_buf all = BERTH_BUF_INIT;
	struct berth_error *e = NULL;
	/* as Docker's formatter, a header the template cannot make is left as far as it got */
	if (berth_template_execute(f->tmpl, titles, BERTH_TEMPLATE_HEADER, &all, &e) < 0)
		berth_error_free(&e);
	berth_buf_addch(&all, '\n');
	berth_buf_add(&all, f->out.buf, f->out.len);
	cli_tabwrite(stdout, all.buf, all.len);
	return 0;
}

void cli_format_release(struct cli_format *f)
{
	berth_template_free(f->tmpl);
	berth_buf_release(&f->out);
	*f = (struct cli_format){.out = BERTH_BUF_INIT};
}

int cli_format_inspect(const char *format, const json_t *objects, struct berth_error **err)
{
	if (!format || !*format || strcmp(format, "json") == 0) {
		/* Docker: indented by default, compact for `json` */
		_cleanup_free_ char *s = format && *format ? berth_json_dump(objects, NULL)
							   : berth_json_dump_pretty(objects);
		printf("%s\n", s);
		return 0;
	}
	_cleanup_(berth_template_freep) struct berth_template *t = NULL;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	int r = parse_template(format, &t, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *o;
	json_array_foreach (objects, i, o) {
		size_t before = out.len;
		/* Docker's inspect falls back to the JSON map with missingkey=error */
		r = berth_template_execute(t, o, BERTH_TEMPLATE_MISSINGKEY_ERROR, &out, err);
		if (r < 0) {
			berth_buf_setlen(&out, before);
			berth_error_prefix(err, "template parsing error");
			break;
		}
		berth_buf_addch(&out, '\n');
	}
	/* Docker prints what the objects before a failing one made */
	fwrite(out.buf, 1, out.len, stdout);
	return r < 0 ? r : 0;
}

/* ---- Go's text/tabwriter ---- */

#define TAB_MINWIDTH 10
#define TAB_PADDING  3

struct tab_line {
	const char **cells; /* each cell's start; a cell ends at the next tab or line end */
	size_t *lens;
	size_t n; /* cells, the last one not tab-terminated */
};

static size_t runes(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static void split_line(const char *s, size_t len, struct tab_line *l)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\t')
			continue;
		l->cells = berth_xreallocarray(l->cells, l->n + 1, sizeof(*l->cells));
		l->lens = berth_xreallocarray(l->lens, l->n + 1, sizeof(*l->lens));
		l->cells[l->n] = s + start;
		l->lens[l->n++] = i - start;
		start = i + 1;
	}
}

/*
 * Go's tabwriter aligns a column over each block of consecutive lines that
 * have a tab-terminated cell in it: widths[line][col] gets the block's width.
 */
static void column_widths(struct tab_line *lines, size_t first, size_t end, size_t col,
			  size_t minwidth, size_t **widths)
{
	for (size_t i = first; i < end;) {
		if (col + 1 >= lines[i].n) {
			i++;
			continue;
		}
		size_t block = i, width = minwidth;
		for (; i < end && col + 1 < lines[i].n; i++) {
			size_t w = runes(lines[i].cells[col], lines[i].lens[col]) + TAB_PADDING;
			if (w > width)
				width = w;
		}
		for (size_t k = block; k < i; k++)
			widths[k][col] = width;
		column_widths(lines, block, i, col + 1, minwidth, widths);
	}
}

void cli_tabwrite(FILE *out, const char *text, size_t len)
{
	cli_tabwrite_min(out, text, len, TAB_MINWIDTH);
}

void cli_tabwrite_min(FILE *out, const char *text, size_t len, size_t minwidth)
{
	struct tab_line *lines = NULL;
	size_t n = 0;
	for (size_t start = 0; start < len;) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		lines = berth_xreallocarray(lines, n + 1, sizeof(*lines));
		lines[n] = (struct tab_line){0};
		split_line(text + start, end - start, &lines[n++]);
		start = end + 1;
	}
	size_t **widths = berth_xcalloc(n ? n : 1, sizeof(*widths));
	for (size_t i = 0; i < n; i++)
		widths[i] = berth_xcalloc(lines[i].n, sizeof(**widths));
	column_widths(lines, 0, n, 0, minwidth, widths);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < lines[i].n; c++) {
			fwrite(lines[i].cells[c], 1, lines[i].lens[c], out);
			if (c + 1 < lines[i].n)
				fprintf(out, "%*s",
					(int)(widths[i][c] -
					      runes(lines[i].cells[c], lines[i].lens[c])),
					"");
		}
		fputc('\n', out);
		free(lines[i].cells);
		free(lines[i].lens);
		free(widths[i]);
	}
	free(lines);
	free(widths);
}

/* ---- Docker's human units ---- */

void cli_human_since(char *out, size_t n, const char *created)
{
	time_t t;
	char d[48];
	if (!berth_time_parse_rfc3339(created, &t)) {
		snprintf(out, n, "N/A");
		return;
	}
	berth_human_duration(d, sizeof(d), difftime(time(NULL), t));
	snprintf(out, n, "%s ago", d);
}

/* created in UTC as Go's time.String() or RFC 3339; N/A if it does not parse */
static void created_fmt(char *out, size_t n, const char *created, bool rfc3339)
{
	time_t t;
	struct tm tm;
	if (!berth_time_parse_rfc3339(created, &t)) {
		snprintf(out, n, "N/A");
		return;
	}
	gmtime_r(&t, &tm);
	if (rfc3339)
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		strftime(out, n, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
}

void cli_created_at(char *out, size_t n, const char *created)
{
	created_fmt(out, n, created, false);
}

void cli_created_rfc3339(char *out, size_t n, const char *created)
{
	created_fmt(out, n, created, true);
}
