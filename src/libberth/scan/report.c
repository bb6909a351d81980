/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The findings of a scan as people and tools read them: a table like
 * Trivy's, JSON (docs/scan.md gives its schema) and SARIF 2.1.0 for code
 * scanning dashboards. Each finding names the layer that brought its
 * package and that layer's history instruction.
 */
#include "scan/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"

int berth_scan_parse_format(const char *s, enum berth_scan_format *ret, struct berth_error **err)
{
	if (strcmp(s, "table") == 0)
		*ret = BERTH_SCAN_FORMAT_TABLE;
	else if (strcmp(s, "json") == 0)
		*ret = BERTH_SCAN_FORMAT_JSON;
	else if (strcmp(s, "sarif") == 0)
		*ret = BERTH_SCAN_FORMAT_SARIF;
	else
		return berth_error_set(err, EINVAL, "invalid format '%s' (table, json or sarif)",
				       s);
	return 0;
}

int berth_scan_parse_severities(const char *list, unsigned *ret, struct berth_error **err)
{
	unsigned mask = 0;
	_cleanup_free_ char *copy = berth_xstrdup(list);
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int rank = berth_severity_rank(w);
		if (rank < 0)
			return berth_error_set(err, EINVAL, "invalid severity '%s' (%s)", w,
					       BERTH_SEVERITY_NAMES);
		mask |= 1u << rank;
	}
	if (mask == 0)
		return berth_error_set(err, EINVAL, "no severity in '%s'", list);
	*ret = mask;
	return 0;
}

static const struct berth_sbom_package *package_of(const struct berth_scan_report *r,
						   const struct berth_finding *f)
{
	return f->package < r->sbom->n ? &r->sbom->pkgs[f->package] : NULL;
}

static const struct berth_sbom_layer *layer_of(const struct berth_scan_report *r,
					       const struct berth_finding *f)
{
	const struct berth_sbom_package *p = package_of(r, f);
	return p && p->layer < r->sbom->n_layers ? &r->sbom->layers[p->layer] : NULL;
}

/* "3 sha256:0123456789ab RUN apt-get install -y curl" cut to a table cell. */
static char *layer_cell(const struct berth_scan_report *r, const struct berth_finding *f)
{
	const struct berth_sbom_package *p = package_of(r, f);
	const struct berth_sbom_layer *l = layer_of(r, f);
	if (!l)
		return berth_xstrdup("-");
	const char *d = l->digest ? l->digest : "";
	const char *hex = strchr(d, ':') ? strchr(d, ':') + 1 : d;
	const char *cmd = l->created_by ? l->created_by : "";
	return berth_xasprintf("%zu %.12s%s%.40s%s", p->layer, hex, *cmd ? " " : "", cmd,
			       strlen(cmd) > 40 ? "..." : "");
}

static const char *const columns[] = {"LIBRARY",	   "VULNERABILITY ID", "SEVERITY",
				      "INSTALLED VERSION", "FIXED VERSION",    "LAYER"};
enum {
	N_COLUMNS = ELEMENTSOF(columns)
};

static void table_row(struct berth_buf *b, char *const *cells, const size_t *width)
{
	for (size_t c = 0; c + 1 < N_COLUMNS; c++)
		berth_buf_addf(b, "%-*s   ", (int)width[c], cells[c]);
	berth_buf_addf(b, "%s\n", cells[N_COLUMNS - 1]);
}

static void counts_line(struct berth_buf *b, const struct berth_finding *f, size_t n)
{
	static const char *const shown[] = {"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
	berth_buf_addf(b, "Total: %zu (", n);
	for (size_t s = 0; s < ELEMENTSOF(shown); s++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			k += strcmp(f[i].severity, shown[s]) == 0;
		berth_buf_addf(b, "%s%s: %zu", s ? ", " : "", shown[s], k);
	}
	berth_buf_addstr(b, ")\n");
}

static char *format_table(const struct berth_scan_report *r)
{
	struct berth_buf b = BERTH_BUF_INIT;
	const struct berth_os_release *os = &r->sbom->os;
	berth_buf_addf(&b, "%s (%s %s)\n", r->image, os->id ? os->id : "unknown",
		       os->version_id ? os->version_id : "");
	counts_line(&b, r->findings, r->n);
	if (r->n == 0)
		return berth_buf_detach(&b, NULL);
	berth_buf_addch(&b, '\n');
	char ***rows = berth_xcalloc(r->n, sizeof(*rows));
	size_t width[N_COLUMNS];
	for (size_t c = 0; c < N_COLUMNS; c++)
		width[c] = strlen(columns[c]);
	for (size_t i = 0; i < r->n; i++) {
		const struct berth_finding *f = &r->findings[i];
		rows[i] = berth_xcalloc(N_COLUMNS, sizeof(char *));
		rows[i][0] = berth_xstrdup(f->name);
		rows[i][1] = berth_xstrdup(f->id);
		rows[i][2] = berth_xstrdup(f->severity);
		rows[i][3] = berth_xstrdup(f->installed);
		rows[i][4] = berth_xstrdup(f->fixed ? f->fixed : "");
		rows[i][5] = layer_cell(r, f);
		for (size_t c = 0; c < N_COLUMNS; c++)
			if (strlen(rows[i][c]) > width[c])
				width[c] = strlen(rows[i][c]);
	}
	table_row(&b, (char *const *)columns, width);
	for (size_t i = 0; i < r->n; i++) {
		table_row(&b, rows[i], width);
		for (size_t c = 0; c < N_COLUMNS; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	free(rows);
	return berth_buf_detach(&b, NULL);
}

static json_t *layer_json(const struct berth_scan_report *r, const struct berth_finding *f)
{
	const struct berth_sbom_package *p = package_of(r, f);
	const struct berth_sbom_layer *l = layer_of(r, f);
	if (!l)
		return json_null();
	return json_pack("{s:I,s:s?,s:s?}", "Index", (json_int_t)p->layer, "Digest", l->digest,
			 "CreatedBy", l->created_by);
}

static json_t *finding_json(const struct berth_scan_report *r, const struct berth_finding *f)
{
	const struct berth_sbom_package *p = package_of(r, f);
	_cleanup_free_ char *purl = p ? berth_package_purl(&p->pkg, &r->sbom->os) : NULL;
	json_t *o = json_pack("{s:s,s:o,s:s,s:s,s:s?,s:s?,s:s,s:s,s:s?,s:s?,s:o}",
			      "VulnerabilityID", f->id, "Aliases", berth_json_strv(f->aliases),
			      "PkgName", f->name, "InstalledVersion", f->installed, "FixedVersion",
			      f->fixed, "PkgPURL", purl, "Ecosystem", f->ecosystem, "Severity",
			      f->severity, "Title", f->summary, "Location", p ? p->location : NULL,
			      "Layer", layer_json(r, f));
	if (!o)
		berth_oom();
	if (f->score >= 0)
		json_object_set_new(o, "CVSSScore", json_real(f->score));
	return o;
}

static char *dump(json_t *j)
{
	if (!j)
		berth_oom();
	_cleanup_free_ char *s = berth_json_dump_pretty(j);
	json_decref(j);
	return berth_xasprintf("%s\n", s);
}

static char *format_json(const struct berth_scan_report *r)
{
	json_t *list = json_array(), *summary = json_object();
	for (size_t i = 0; i < r->n; i++) {
		json_array_append_new(list, finding_json(r, &r->findings[i]));
		json_int_t k =
			json_integer_value(json_object_get(summary, r->findings[i].severity));
		json_object_set_new(summary, r->findings[i].severity, json_integer(k + 1));
	}
	const struct berth_os_release *os = &r->sbom->os;
	return dump(json_pack("{s:i,s:s,s:s?,s:{s:s?,s:s?},s:o,s:o}", "SchemaVersion", 1, "Image",
			      r->image, "ImageID", r->sbom->image_id, "OS", "Family", os->id,
			      "Name", os->version_id, "Summary", summary, "Vulnerabilities", list));
}

static const char *sarif_level(const char *severity)
{
	int rank = berth_severity_rank(severity);
	return rank >= berth_severity_rank("HIGH")     ? "error"
	       : rank == berth_severity_rank("MEDIUM") ? "warning"
						       : "note";
}

/* The rules: one per record id, in the findings' order; *ret_index maps findings to them. */
static json_t *sarif_rules(const struct berth_scan_report *r, size_t *ret_index)
{
	json_t *rules = json_array(), *seen = json_object();
	for (size_t i = 0; i < r->n; i++) {
		const struct berth_finding *f = &r->findings[i];
		json_t *at = json_object_get(seen, f->id);
		if (at) {
			ret_index[i] = (size_t)json_integer_value(at);
			continue;
		}
		ret_index[i] = json_array_size(rules);
		json_object_set_new(seen, f->id, json_integer((json_int_t)ret_index[i]));
		_cleanup_free_ char *sec = f->score >= 0 ? berth_xasprintf("%.1f", f->score) : NULL;
		json_array_append_new(
			rules, json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:[s],s:s?}}", "id", f->id,
					 "name", f->id, "shortDescription", "text",
					 f->summary ? f->summary : f->id, "defaultConfiguration",
					 "level", sarif_level(f->severity), "properties", "tags",
					 "vulnerability", "security-severity", sec));
	}
	json_decref(seen);
	return rules;
}

static json_t *sarif_result(const struct berth_scan_report *r, const struct berth_finding *f,
			    size_t rule)
{
	const struct berth_sbom_package *p = package_of(r, f);
	const struct berth_sbom_layer *l = layer_of(r, f);
	_cleanup_free_ char *text = berth_xasprintf(
		"Package: %s\nInstalled Version: %s\nVulnerability %s\nSeverity: %s\n"
		"Fixed Version: %s\nLayer: %s",
		f->name, f->installed, f->id, f->severity, f->fixed ? f->fixed : "none",
		l && l->created_by ? l->created_by
		: l && l->digest   ? l->digest
				   : "unknown");
	_cleanup_free_ char *uri = berth_xasprintf("%s", p && p->location ? p->location : r->image);
	return json_pack("{s:s,s:I,s:s,s:{s:s},s:[{s:{s:{s:s}},s:{s:s}}]}", "ruleId", f->id,
			 "ruleIndex", (json_int_t)rule, "level", sarif_level(f->severity),
			 "message", "text", text, "locations", "physicalLocation",
			 "artifactLocation", "uri", uri, "message", "text", r->image);
}

static char *format_sarif(const struct berth_scan_report *r)
{
	_cleanup_free_ size_t *index = berth_xcalloc(r->n ? r->n : 1, sizeof(*index));
	json_t *rules = sarif_rules(r, index), *results = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(results, sarif_result(r, &r->findings[i], index[i]));
	return dump(json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:o}},s:o}]}", "version", "2.1.0",
			      "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "runs",
			      "tool", "driver", "name", "berth", "version", r->version, "rules",
			      rules, "results", results));
}

char *berth_scan_report_format(const struct berth_scan_report *r, enum berth_scan_format format)
{
	switch (format) {
	case BERTH_SCAN_FORMAT_JSON:
		return format_json(r);
	case BERTH_SCAN_FORMAT_SARIF:
		return format_sarif(r);
	case BERTH_SCAN_FORMAT_TABLE:
		break;
	}
	return format_table(r);
}
