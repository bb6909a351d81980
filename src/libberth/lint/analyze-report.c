/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth analyze's report (docs/analyze.md): the --ci thresholds (sizes and
 * ratios as dive's flags take them, and the check) and the text and JSON
 * output of a result analyze.c made.
 */
#include "lint/lint.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/strv.h"

/* ---- thresholds ------------------------------------------------------------ */

int berth_analyze_parse_size(const char *s, int64_t *ret, struct berth_error **err)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{"", 1},
		{"b", 1},
		{"k", 1e3},
		{"kb", 1e3},
		{"kib", 1024.0},
		{"ki", 1024.0},
		{"m", 1e6},
		{"mb", 1e6},
		{"mib", 1048576.0},
		{"mi", 1048576.0},
		{"g", 1e9},
		{"gb", 1e9},
		{"gib", 1073741824.0},
		{"gi", 1073741824.0},
		{"t", 1e12},
		{"tb", 1e12},
		{"tib", 1099511627776.0},
		{"ti", 1099511627776.0},
	};
	_cleanup_free_ char *num = berth_xstrdup(s);
	size_t k = 0;
	const char *p = s;
	while (*p == ' ')
		p++;
	for (; *p && (isdigit((unsigned char)*p) || *p == '.' || *p == ','); p++)
		if (*p != ',')
			num[k++] = *p;
	num[k] = '\0';
	while (*p == ' ')
		p++;
	char *end = NULL;
	errno = 0;
	double v = k ? strtod(num, &end) : 0;
	if (k == 0 || errno || !end || *end)
		return berth_error_set(err, EINVAL, "invalid size '%s'", s);
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (strcasecmp(p, units[i].unit) == 0) {
			double b = v * units[i].mult;
			if (!(b < 9.2e18))
				return berth_error_set(err, EINVAL, "size '%s' is too large", s);
			*ret = (int64_t)b;
			return 0;
		}
	return berth_error_set(err, EINVAL, "invalid size '%s' (unknown unit '%s')", s, p);
}

int berth_analyze_parse_ratio(const char *s, double *ret, struct berth_error **err)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || errno || !end || *end || isnan(v))
		return berth_error_set(err, EINVAL, "invalid ratio '%s'", s);
	if (v < 0 || v > 1)
		return berth_error_set(err, EINVAL, "ratio '%s' is outside 0..1", s);
	*ret = v;
	return 0;
}

bool berth_analyze_ci_check(const struct berth_analyze_result *a, const struct berth_analyze_ci *ci,
			    char **ret_report)
{
	struct berth_buf b = BERTH_BUF_INIT;
	bool ok = true;
	if (ci->efficiency_set) {
		bool fail = ci->lowest_efficiency > a->efficiency;
		ok &= !fail;
		berth_buf_addf(&b, "%s: lowest-efficiency: efficiency %.4f %s threshold %g\n",
			       fail ? "FAIL" : "PASS", a->efficiency,
			       fail ? "<" : ">=", ci->lowest_efficiency);
	} else {
		berth_buf_addstr(&b, "SKIP: lowest-efficiency: disabled\n");
	}
	if (ci->wasted_bytes_set) {
		bool fail = a->wasted_bytes > ci->highest_wasted_bytes;
		ok &= !fail;
		berth_buf_addf(&b,
			       "%s: highest-wasted-bytes: wasted %lld bytes %s threshold %lld\n",
			       fail ? "FAIL" : "PASS", (long long)a->wasted_bytes,
			       fail ? ">" : "<=", (long long)ci->highest_wasted_bytes);
	} else {
		berth_buf_addstr(&b, "SKIP: highest-wasted-bytes: disabled\n");
	}
	if (ci->wasted_percent_set) {
		bool fail = a->wasted_user_percent > ci->highest_user_wasted_percent;
		ok &= !fail;
		berth_buf_addf(&b, "%s: highest-user-wasted-percent: %.4f %s threshold %g\n",
			       fail ? "FAIL" : "PASS", a->wasted_user_percent,
			       fail ? ">" : "<=", ci->highest_user_wasted_percent);
	} else {
		berth_buf_addstr(&b, "SKIP: highest-user-wasted-percent: disabled\n");
	}
	if (ret_report)
		*ret_report = berth_buf_detach(&b, NULL);
	else
		berth_buf_release(&b);
	return ok;
}

/* ---- output ------------------------------------------------------------------ */

/* "1.2 MB", "6.4 kB", "131 B": SI units with 2 significant decimals, as dive prints. */
static void add_human(struct berth_buf *b, int64_t n)
{
	static const char *const u[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t i = 0;
	while (v >= 1000 && i + 1 < ELEMENTSOF(u)) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		berth_buf_addf(b, "%lld B", (long long)n);
	else
		berth_buf_addf(b, "%.*f %s", v < 10 ? 1 : 0, v, u[i]);
}

char *berth_analyze_format_text(const struct berth_analyze_result *a, const char *image)
{
	struct berth_buf b = BERTH_BUF_INIT;
	size_t files = 0;
	for (size_t i = 0; i < a->n_layers; i++)
		files += a->layers[i].n_entries;
	berth_buf_addf(&b, "Image: %s [layers:%zu files:%zu size:", image, a->n_layers, files);
	add_human(&b, a->size_bytes);
	berth_buf_addstr(&b, "]\n\nLayers:\n");
	berth_buf_addf(&b, "%5s %10s %7s %8s %7s  %s\n", "INDEX", "SIZE", "ADDED", "CHANGED",
		       "REMOVED", "COMMAND");
	for (size_t i = 0; i < a->n_layers; i++) {
		const struct berth_analyze_layer *l = &a->layers[i];
		_cleanup_free_ char *cmd = berth_xstrdup(l->command ? l->command : "");
		for (char *p = cmd; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		berth_buf_addf(&b, "%5zu %10lld %7zu %8zu %7zu  %.80s\n", i, (long long)l->size,
			       l->n_added, l->n_modified, l->n_removed, cmd);
	}
	berth_buf_addf(&b, "\nefficiency: %.2f %%\n", a->efficiency * 100);
	berth_buf_addf(&b, "wastedBytes: %lld bytes (", (long long)a->wasted_bytes);
	add_human(&b, a->wasted_bytes);
	berth_buf_addf(&b, ")\nuserWastedPercent: %.2f %%\n", a->wasted_user_percent * 100);
	berth_buf_addf(&b, "hiddenBytes: %lld bytes (", (long long)a->hidden_bytes);
	add_human(&b, a->hidden_bytes);
	berth_buf_addstr(&b, ")\n");
	if (a->n_waste) {
		berth_buf_addf(&b, "\nInefficient files:\n%5s %10s %6s  %s\n", "COUNT", "WASTED",
			       "LAYER", "PATH");
		for (size_t i = 0; i < a->n_waste; i++) {
			const struct berth_analyze_waste *w = &a->waste[i];
			berth_buf_addf(&b, "%5zu %10lld %6zu  %s\n", w->count,
				       (long long)w->cumulative, w->last_layer, w->path);
		}
	}
	if (a->n_largest) {
		berth_buf_addf(&b, "\nLargest files:\n%10s %6s  %s\n", "SIZE", "LAYER", "PATH");
		for (size_t i = 0; i < a->n_largest; i++)
			berth_buf_addf(&b, "%10lld %6zu  %s\n", (long long)a->largest[i].size,
				       a->largest[i].layer, a->largest[i].path);
	}
	return berth_buf_detach(&b, NULL);
}

/* A JSON string of s; bytes that are not UTF-8 (tar names can be anything) become '?'. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	_cleanup_free_ char *c = berth_xstrdup(s);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	return json_string(c);
}

char *berth_analyze_format_json(const struct berth_analyze_result *a, const char *image)
{
	json_t *root = json_object(), *layers = json_array(), *img = json_object(),
	       *refs = json_array(), *largest = json_array();
	for (size_t i = 0; i < a->n_layers; i++) {
		const struct berth_analyze_layer *l = &a->layers[i];
		json_t *o = json_object();
		json_object_set_new(o, "index", json_integer((json_int_t)i));
		json_object_set_new(o, "digestId",
				    l->digest ? json_string(l->digest) : json_null());
		json_object_set_new(o, "sizeBytes", json_integer(l->size));
		json_object_set_new(o, "command", l->command ? jstr(l->command) : json_null());
		json_object_set_new(o, "files", json_integer((json_int_t)l->n_entries));
		json_object_set_new(o, "added", json_integer((json_int_t)l->n_added));
		json_object_set_new(o, "modified", json_integer((json_int_t)l->n_modified));
		json_object_set_new(o, "removed", json_integer((json_int_t)l->n_removed));
		json_object_set_new(o, "hiddenBytes", json_integer(l->hidden));
		json_array_append_new(layers, o);
	}
	json_object_set_new(img, "name", jstr(image ? image : ""));
	json_object_set_new(img, "sizeBytes", json_integer(a->size_bytes));
	json_object_set_new(img, "userSizeBytes", json_integer(a->user_size_bytes));
	json_object_set_new(img, "inefficientBytes", json_integer(a->wasted_bytes));
	json_object_set_new(img, "efficiencyScore", json_real(a->efficiency));
	json_object_set_new(img, "userWastedPercent", json_real(a->wasted_user_percent));
	json_object_set_new(img, "hiddenBytes", json_integer(a->hidden_bytes));
	for (size_t i = 0; i < a->n_waste; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "count", json_integer((json_int_t)a->waste[i].count));
		json_object_set_new(o, "sizeBytes", json_integer(a->waste[i].cumulative));
		json_object_set_new(o, "file", jstr(a->waste[i].path));
		json_object_set_new(o, "layer", json_integer((json_int_t)a->waste[i].last_layer));
		json_array_append_new(refs, o);
	}
	json_object_set_new(img, "fileReference", refs);
	for (size_t i = 0; i < a->n_largest; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "sizeBytes", json_integer(a->largest[i].size));
		json_object_set_new(o, "file", jstr(a->largest[i].path));
		json_object_set_new(o, "layer", json_integer((json_int_t)a->largest[i].layer));
		json_array_append_new(largest, o);
	}
	json_object_set_new(img, "largestFiles", largest);
	json_object_set_new(root, "layer", layers);
	json_object_set_new(root, "image", img);
	char *s = berth_json_dump_pretty(root);
	json_decref(root);
	char *out = berth_xasprintf("%s\n", s);
	free(s);
	return out;
}
