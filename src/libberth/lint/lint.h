/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * berth lint: the team's image guidelines as rules over a parsed Dockerfile
 * (dockerfile/dockerfile.h), and berth analyze: wasted bytes and efficiency
 * of an image's layers, with dive's definitions.
 *
 * Rules are data (berth_lint_rules()): an id "BL001", a slug, a default
 * severity, a one-line summary and a fix. docs/lint.md explains each one.
 * berth_lint_run() applies them and returns a report whose findings are
 * sorted by line, then rule id. The library never prints: the report is
 * turned into text, JSON or SARIF by berth_lint_report_format().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cleanup.h"
#include "core/error.h"

struct berth_dockerfile;

enum berth_lint_severity {
	BERTH_LINT_INFO = 0,
	BERTH_LINT_WARNING,
	BERTH_LINT_ERROR,
	_BERTH_LINT_SEVERITY_MAX,
};

/* "info", "warning", "error"; NULL when out of range. */
const char *berth_lint_severity_name(enum berth_lint_severity s);
/* Parses "info", "warning" (or "warn"), "error"; -EINVAL with a message otherwise. */
int berth_lint_severity_parse(const char *s, enum berth_lint_severity *ret,
			      struct berth_error **err);

struct berth_lint_rule {
	const char *id;	  /* "BL001" */
	const char *name; /* "base-image-untagged" */
	enum berth_lint_severity severity;
	const char *summary; /* one line, for SARIF and `berth lint --list` */
	const char *fix;     /* generic fix suggestion */
};

/* The rule table, sorted by id; *ret_n gets its length. Static storage. */
const struct berth_lint_rule *berth_lint_rules(size_t *ret_n);
/* The rule with this id (case-insensitive) or slug; NULL when none. */
const struct berth_lint_rule *berth_lint_rule_find(const char *id);

/*
 * What a run may be told. Every vector is NULL-terminated and may be NULL.
 * Fill it by hand, from the CLI, and/or with berth_lint_config_parse() /
 * berth_lint_config_load() (the .berthlint file); release with
 * berth_lint_options_release().
 */
struct berth_lint_options {
	char **ignore;		   /* rule ids or slugs never reported */
	char **trusted_registries; /* registries other than Docker Hub allowed (BL005) */
	char **trusted_namespaces; /* Docker Hub namespaces allowed besides official images */
	char **tags;		   /* the -t/--tag values of the build (BL050) */
	/* per-rule severity overrides from the config: "BL010=warning" */
	char **severity_overrides;
	/*
	 * The build context as an O_PATH/O_DIRECTORY fd, -EBADF when unknown
	 * (BL021 is then skipped). dockerfile_name is the Dockerfile's path
	 * relative to the context dir when it lies inside it (for the
	 * <Dockerfile>.dockerignore lookup), or NULL.
	 */
	int context_fd;
	const char *dockerfile_name;
	enum berth_lint_severity error_on; /* threshold for berth_lint_report_fails() */
	bool error_on_set;		   /* error_on came from somewhere, not the default */
};

/* No allocation: context_fd = -EBADF, error_on = ERROR. */
void berth_lint_options_init(struct berth_lint_options *o);
void berth_lint_options_release(struct berth_lint_options *o);

/*
 * Parses a .berthlint file (format in docs/lint.md: `key = value` lines,
 * `#` comments) into o, adding to what is there. filename names it in
 * messages. -EINVAL with "<file>:<line>: ..." on a bad line or unknown key.
 */
int berth_lint_config_parse(const char *data, size_t len, const char *filename,
			    struct berth_lint_options *o, struct berth_error **err);
/*
 * Reads dir_fd/name (beneath dir_fd) and parses it. Returns 1 when the file
 * was read, 0 when it does not exist.
 */
int berth_lint_config_load(int dir_fd, const char *name, struct berth_lint_options *o,
			   struct berth_error **err);

struct berth_lint_finding {
	const struct berth_lint_rule *rule;
	enum berth_lint_severity severity; /* after overrides */
	int line;			   /* 1-based; 0 when not tied to a line (tags) */
	int end_line;
	int column;
	char *message; /* one line, specific to this finding */
	char *fix;     /* specific fix suggestion, never NULL */
};

struct berth_lint_report {
	char *filename;
	struct berth_lint_finding *findings;
	size_t n_findings;
	size_t counts[_BERTH_LINT_SEVERITY_MAX];
	size_t n_suppressed; /* findings dropped by inline `# berth:ignore=` comments */
};

void berth_lint_report_free(struct berth_lint_report *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct berth_lint_report *, berth_lint_report_free);
#define _cleanup_lint_report_ _cleanup_(berth_lint_report_freep)

/*
 * Applies every rule to df (which the caller parsed and validated) and the
 * tag check to o->tags. *ret is owned by the caller. Fails only on a
 * malformed option (an unknown rule id in o->ignore: -EINVAL).
 */
int berth_lint_run(const struct berth_dockerfile *df, const struct berth_lint_options *o,
		   struct berth_lint_report **ret, struct berth_error **err);

/*
 * The tag check alone, for `berth build`: when no tag in tags (NULL-terminated,
 * may be NULL or empty) names an immutable version (no tag given, or only
 * `:latest`), returns a one-line hint owned by the caller; NULL otherwise.
 */
char *berth_lint_tag_hint(char *const *tags);

/* True when a finding at or above threshold is in r. */
bool berth_lint_report_fails(const struct berth_lint_report *r, enum berth_lint_severity threshold);

enum berth_lint_format {
	BERTH_LINT_FORMAT_TEXT,
	BERTH_LINT_FORMAT_JSON,
	BERTH_LINT_FORMAT_SARIF,
};
int berth_lint_format_parse(const char *s, enum berth_lint_format *ret, struct berth_error **err);

/*
 * The report as text (one finding per line plus a fix line, then a summary),
 * JSON (docs/lint.md: "JSON output") or SARIF 2.1.0. Newline-terminated,
 * owned by the caller.
 */
char *berth_lint_report_format(const struct berth_lint_report *r, enum berth_lint_format f);

/* ---- berth analyze ---------------------------------------------------- */

/*
 * Image efficiency with dive's definitions (docs/analyze.md): every layer
 * tar is read into its own tree; each leaf of each layer is a "visit" of
 * its path, sized by its tar header (a whiteout of a directory counts the
 * bytes of what it hides, a whiteout of a file 0); a path visited twice or
 * more is waste. efficiency = sum of each path's smallest visit / sum of all
 * visits; wasted bytes = sum of all visits of the wasted paths.
 */

struct berth_store;
struct berth_image;

/* A tar entry as the analysis needs it; path as in the tar (cleaned on use). */
struct berth_analyze_entry {
	const char *path;
	int64_t size; /* the tar header size */
	bool is_dir;
};

struct berth_analyze_layer {
	char *digest;  /* the layer blob's digest, or NULL */
	char *command; /* the history entry that made it ("/bin/sh -c " dropped), or NULL */
	int64_t size;  /* sum of its entries' sizes */
	size_t n_entries;
	/* regular files, links, … (not directories) against the layers below */
	size_t n_added, n_modified;
	size_t n_removed; /* whiteouts */
	int64_t hidden;	  /* bytes of its files that a higher layer replaced or removed */
};

struct berth_analyze_waste {
	char *path; /* "/root/saved.txt" */
	size_t count;
	int64_t cumulative; /* every visit, the first copy included */
	int64_t min;
	size_t last_layer; /* the layer of the last visit: the one that wasted it */
};

struct berth_analyze_file {
	char *path;
	int64_t size;
	size_t layer; /* the layer that wrote it last */
};

struct berth_analyze_result {
	struct berth_analyze_layer *layers;
	size_t n_layers;
	int64_t size_bytes;	 /* all layers */
	int64_t user_size_bytes; /* all but layer 0 (the base) */
	int64_t wasted_bytes;
	int64_t efficiency_num, efficiency_den; /* efficiency = num / den, 1 when den is 0 */
	double efficiency;
	double wasted_user_percent; /* wasted_bytes / user_size_bytes, a ratio; 0 when no user bytes */
	/*
	 * berth's own figure, not dive's: bytes of files in the layers that the
	 * final filesystem does not show (replaced or deleted above), whole
	 * deleted directories included, which dive's score does not see.
	 */
	int64_t hidden_bytes;
	struct berth_analyze_waste *waste; /* by cumulative size, descending */
	size_t n_waste;
	struct berth_analyze_file *largest; /* the largest files of the final view, descending */
	size_t n_largest;
	void *priv; /* the layer trees until berth_analyze_finish() */
};

/*
 * An empty analysis; add layers bottom-up with berth_analyze_add_layer_tar()
 * or berth_analyze_add_layer(), then call berth_analyze_finish() once.
 */
struct berth_analyze_result *berth_analyze_new(void);
void berth_analyze_result_free(struct berth_analyze_result *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct berth_analyze_result *, berth_analyze_result_free);
#define _cleanup_analyze_result_ _cleanup_(berth_analyze_result_freep)

/*
 * Adds a layer read from fd (borrowed), a tar stream, plain or compressed
 * (gzip, zstd, xz, bzip2). digest and command may be NULL; they are copied.
 * -EBADMSG for a corrupt tar.
 */
int berth_analyze_add_layer_tar(struct berth_analyze_result *a, int fd, const char *digest,
				const char *command, struct berth_error **err);
/* Adds a layer from n entries (copied). */
void berth_analyze_add_layer(struct berth_analyze_result *a, const struct berth_analyze_entry *e,
			     size_t n, const char *digest, const char *command);
/* Computes efficiency, waste, per-layer changes and the top_n largest files. */
void berth_analyze_finish(struct berth_analyze_result *a, size_t top_n);

/* The whole analysis of an image of the store, layers in manifest order. */
int berth_analyze_image(struct berth_store *s, const struct berth_image *img, size_t top_n,
			struct berth_analyze_result **ret, struct berth_error **err);

/*
 * Parses a size as dive does (humanize): "1B", "50kB" (SI, 1000), "20MB",
 * "1.5GiB" (IEC, 1024), "1024". -EINVAL otherwise.
 */
int berth_analyze_parse_size(const char *s, int64_t *ret, struct berth_error **err);
/* Parses a ratio in [0, 1]; -EINVAL otherwise. */
int berth_analyze_parse_ratio(const char *s, double *ret, struct berth_error **err);

/* dive's CI gates; a gate that is not set is disabled. */
struct berth_analyze_ci {
	bool efficiency_set, wasted_bytes_set, wasted_percent_set;
	double lowest_efficiency;	    /* fails when lowest_efficiency > efficiency */
	int64_t highest_wasted_bytes;	    /* fails when wasted bytes > this */
	double highest_user_wasted_percent; /* fails when wasted_user_percent > this */
};

/*
 * Evaluates the gates: true when every enabled one passes. *ret_report gets
 * one line per gate ("PASS: lowest-efficiency: 0.9844 >= 0.9"), owned by
 * the caller.
 */
bool berth_analyze_ci_check(const struct berth_analyze_result *a, const struct berth_analyze_ci *ci,
			    char **ret_report);

/* The result as text (for a terminal) or JSON (docs/analyze.md); owned by the caller. */
char *berth_analyze_format_text(const struct berth_analyze_result *a, const char *image);
char *berth_analyze_format_json(const struct berth_analyze_result *a, const char *image);
