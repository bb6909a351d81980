/* SPDX-License-Identifier: Apache-2.0 */
#include "lint/lint-internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"

/* Sorted by id. docs/lint.md has one section per entry; keep them in step. */
static const struct berth_lint_rule rules[] = {
	{"BL001", "base-image-untagged", BERTH_LINT_WARNING,
	 "Base image is not pinned to a tag or digest", "pin a version tag or a digest"},
	{"BL002", "base-image-latest", BERTH_LINT_WARNING, "Base image uses the 'latest' tag",
	 "pin a release tag or a digest"},
	{"BL003", "base-image-not-slim", BERTH_LINT_WARNING,
	 "Final image uses a full variant of an official image that has a slim or alpine variant",
	 "use the -slim or -alpine variant (or distroless)"},
	{"BL004", "compiled-final-stage", BERTH_LINT_WARNING,
	 "Compiled program shipped with its tool chain",
	 "build in one stage, copy the binary into scratch, distroless or alpine"},
	{"BL005", "untrusted-base-image", BERTH_LINT_WARNING,
	 "Base image is not an official image or from a trusted registry",
	 "use an official image or list the source in .berthlint"},
	{"BL010", "merge-run", BERTH_LINT_INFO, "Consecutive RUN instructions could be one layer",
	 "join the commands with '&&' in one RUN"},
	{"BL011", "chown-after-copy", BERTH_LINT_WARNING,
	 "RUN chown/chmod of files a COPY or ADD added stores them twice",
	 "use COPY --chown / --chmod"},
	{"BL012", "apt-lists-left", BERTH_LINT_WARNING,
	 "apt-get leaves /var/lib/apt/lists in the layer",
	 "end the RUN with 'rm -rf /var/lib/apt/lists/*'"},
	{"BL013", "apk-cache", BERTH_LINT_WARNING, "apk add without --no-cache",
	 "use 'apk add --no-cache'"},
	{"BL014", "pip-cache", BERTH_LINT_WARNING, "pip install without --no-cache-dir",
	 "use 'pip install --no-cache-dir'"},
	{"BL015", "npm-install", BERTH_LINT_WARNING, "npm install instead of npm ci",
	 "use 'npm ci'"},
	{"BL016", "package-upgrade", BERTH_LINT_WARNING,
	 "Upgrading all packages (apt-get upgrade, apk upgrade, yum update)",
	 "use a newer base image tag"},
	{"BL017", "delete-in-later-layer", BERTH_LINT_WARNING,
	 "Files deleted in a later layer than the one that added them",
	 "add, use and delete in one RUN, or use a build stage"},
	{"BL018", "apt-update-alone", BERTH_LINT_WARNING,
	 "apt-get update in a RUN without the install that uses it",
	 "combine update and install in one RUN"},
	{"BL020", "copy-before-install", BERTH_LINT_WARNING,
	 "Whole context copied before the dependency install",
	 "copy the manifest files, install, then copy the rest"},
	{"BL021", "no-dockerignore", BERTH_LINT_WARNING,
	 "No .dockerignore while the context has .git, node_modules or similar folders",
	 "add a .dockerignore"},
	{"BL030", "no-user", BERTH_LINT_WARNING, "Final stage has no USER: runs as root",
	 "add a non-root USER"},
	{"BL031", "user-root", BERTH_LINT_WARNING, "Final image runs as root (USER root or 0)",
	 "end with a non-root USER"},
	{"BL032", "secret-in-env", BERTH_LINT_ERROR, "Secret in an ENV instruction",
	 "pass secrets at run time or with RUN --mount=type=secret"},
	{"BL033", "secret-in-arg", BERTH_LINT_WARNING, "Secret-looking build argument",
	 "use RUN --mount=type=secret"},
	{"BL034", "add-url", BERTH_LINT_WARNING, "ADD of a URL without a checksum",
	 "download with a checksum check, or ADD --checksum"},
	{"BL035", "add-instead-of-copy", BERTH_LINT_WARNING, "ADD where COPY would do", "use COPY"},
	{"BL036", "curl-pipe-shell", BERTH_LINT_WARNING, "Script piped from the network to a shell",
	 "download, verify, then run"},
	{"BL037", "sudo", BERTH_LINT_WARNING, "sudo in a RUN instruction", "drop sudo; use USER"},
	{"BL038", "expose-ssh", BERTH_LINT_WARNING, "EXPOSE 22: an SSH server in the image",
	 "use exec instead of sshd"},
	{"BL039", "world-writable", BERTH_LINT_WARNING, "chmod makes files writable by everyone",
	 "grant write access to the owner only"},
	{"BL040", "multiple-processes", BERTH_LINT_WARNING,
	 "Entrypoint starts several long-running processes (supervisord, '&')",
	 "one process per container"},
	{"BL041", "shell-form-entrypoint", BERTH_LINT_WARNING,
	 "Shell-form ENTRYPOINT: signals do not reach the application", "use the exec (JSON) form"},
	{"BL042", "shell-form-cmd", BERTH_LINT_INFO,
	 "Shell-form CMD: signals do not reach the application", "use the exec (JSON) form"},
	{"BL043", "no-healthcheck", BERTH_LINT_INFO, "Service image without a HEALTHCHECK",
	 "add a HEALTHCHECK"},
	{"BL050", "mutable-tag", BERTH_LINT_WARNING,
	 "Image tagged without a version or only ':latest'",
	 "tag with an immutable version such as the commit sha"},
};

static const char *const severity_names[] = {
	[BERTH_LINT_INFO] = "info",
	[BERTH_LINT_WARNING] = "warning",
	[BERTH_LINT_ERROR] = "error",
};

const char *berth_lint_severity_name(enum berth_lint_severity s)
{
	if ((unsigned)s >= _BERTH_LINT_SEVERITY_MAX)
		return NULL;
	return severity_names[s];
}

int berth_lint_severity_parse(const char *s, enum berth_lint_severity *ret,
			      struct berth_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(severity_names); i++)
		if (strcasecmp(s, severity_names[i]) == 0) {
			*ret = (enum berth_lint_severity)i;
			return 0;
		}
	if (strcasecmp(s, "warn") == 0) {
		*ret = BERTH_LINT_WARNING;
		return 0;
	}
	return berth_error_set(err, EINVAL, "invalid severity '%s' (error, warning or info)", s);
}

const struct berth_lint_rule *berth_lint_rules(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(rules);
	return rules;
}

const struct berth_lint_rule *berth_lint_rule_find(const char *id)
{
	for (size_t i = 0; i < ELEMENTSOF(rules); i++)
		if (strcasecmp(rules[i].id, id) == 0 || strcasecmp(rules[i].name, id) == 0)
			return &rules[i];
	return NULL;
}

void berth_lint_options_init(struct berth_lint_options *o)
{
	*o = (struct berth_lint_options){.context_fd = -EBADF, .error_on = BERTH_LINT_ERROR};
}

void berth_lint_options_release(struct berth_lint_options *o)
{
	berth_strv_free(o->ignore);
	berth_strv_free(o->trusted_registries);
	berth_strv_free(o->trusted_namespaces);
	berth_strv_free(o->tags);
	berth_strv_free(o->severity_overrides);
	berth_lint_options_init(o);
}

/* ---- .berthlint ------------------------------------------------------------ */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l > 0 && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	return s;
}

/* Splits a list value on commas and whitespace into *v. */
static void push_list(char ***v, char *value)
{
	for (char *save = NULL, *t = strtok_r(value, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save))
		berth_strv_push(v, t);
}

static int check_rule_ids(char **ids, const char *filename, int line, struct berth_error **err)
{
	BERTH_STRV_FOREACH (id, ids)
		if (!berth_lint_rule_find(*id))
			return berth_error_set(err, EINVAL, "%s:%d: unknown rule '%s'", filename,
					       line, *id);
	return 0;
}

int berth_lint_config_parse(const char *data, size_t len, const char *filename,
			    struct berth_lint_options *o, struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrndup(data, len);
	if (strlen(copy) != len)
		return berth_error_set(err, EINVAL, "%s: NUL byte in the file", filename);
	int lineno = 0;
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *l = trim(line);
		if (!*l)
			continue;
		char *eq = strchr(l, '=');
		if (!eq)
			return berth_error_set(err, EINVAL,
					       "%s:%d: expected 'key = value', got '%s'", filename,
					       lineno, l);
		*eq = '\0';
		char *key = trim(l), *value = trim(eq + 1);
		int r;
		if (strcmp(key, "ignore") == 0) {
			_cleanup_strv_free_ char **ids = NULL;
			push_list(&ids, value);
			r = check_rule_ids(ids, filename, lineno, err);
			if (r < 0)
				return r;
			BERTH_STRV_FOREACH (id, ids)
				berth_strv_push(&o->ignore, *id);
		} else if (strcmp(key, "error-on") == 0) {
			r = berth_lint_severity_parse(value, &o->error_on, err);
			if (r < 0)
				return berth_error_prefix(err, "%s:%d", filename, lineno);
			o->error_on_set = true;
		} else if (strcmp(key, "trusted-registries") == 0 ||
			   strcmp(key, "trusted-registry") == 0) {
			push_list(&o->trusted_registries, value);
		} else if (strcmp(key, "trusted-namespaces") == 0 ||
			   strcmp(key, "trusted-namespace") == 0) {
			push_list(&o->trusted_namespaces, value);
		} else if (strncmp(key, "severity.", 9) == 0) {
			const struct berth_lint_rule *rule = berth_lint_rule_find(key + 9);
			if (!rule)
				return berth_error_set(err, EINVAL, "%s:%d: unknown rule '%s'",
						       filename, lineno, key + 9);
			if (strcasecmp(value, "off") == 0) {
				berth_strv_push(&o->ignore, rule->id);
				continue;
			}
			enum berth_lint_severity sev;
			r = berth_lint_severity_parse(value, &sev, err);
			if (r < 0)
				return berth_error_prefix(err, "%s:%d", filename, lineno);
			berth_strv_consume(&o->severity_overrides,
					   berth_xasprintf("%s=%s", rule->id, severity_names[sev]));
		} else {
			return berth_error_set(err, EINVAL, "%s:%d: unknown key '%s'", filename,
					       lineno, key);
		}
	}
	return 0;
}

int berth_lint_config_load(int dir_fd, const char *name, struct berth_lint_options *o,
			   struct berth_error **err)
{
	_cleanup_close_ int fd = berth_open_beneath(dir_fd, name, O_RDONLY, 0, err);
	if (fd < 0) {
		if (fd != -ENOENT)
			return fd;
		berth_error_free(err);
		return 0;
	}
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_fd(fd, 1024 * 1024, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "read '%s'", name);
	r = berth_lint_config_parse(data, len, name, o, err);
	if (r < 0)
		return r;
	return 1;
}

/* ---- findings ----------------------------------------------------------------- */

void lint_report(struct lint_ctx *ctx, const char *rule_id, int line, int end_line, int column,
		 const char *fix, const char *fmt, ...)
{
	const struct berth_lint_rule *rule = berth_lint_rule_find(rule_id);
	if (!rule)
		return;
	BERTH_STRV_FOREACH (id, ctx->o->ignore) {
		const struct berth_lint_rule *ig = berth_lint_rule_find(*id);
		if (ig == rule)
			return;
	}
	struct berth_lint_report *r = ctx->r;
	enum berth_lint_severity sev = rule->severity;
	BERTH_STRV_FOREACH (ov, ctx->o->severity_overrides) {
		size_t l = strlen(rule->id);
		if (strncmp(*ov, rule->id, l) == 0 && (*ov)[l] == '=')
			(void)berth_lint_severity_parse(*ov + l + 1, &sev, NULL);
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		berth_oom();
	va_end(ap);

	r->findings = berth_xreallocarray(r->findings, r->n_findings + 1, sizeof(*r->findings));
	r->findings[r->n_findings++] = (struct berth_lint_finding){
		.rule = rule,
		.severity = sev,
		.line = line,
		.end_line = end_line < line ? line : end_line,
		.column = column,
		.message = msg,
		.fix = berth_xstrdup(fix ? fix : rule->fix),
	};
}

static void finding_release(struct berth_lint_finding *f)
{
	free(f->message);
	free(f->fix);
}

void berth_lint_report_free(struct berth_lint_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_findings; i++)
		finding_release(&r->findings[i]);
	free(r->findings);
	free(r->filename);
	free(r);
}

/*
 * The ids named by `# berth:ignore=ID[,ID…]` comment lines directly above
 * the instruction that starts at line start ("all" ignores every rule).
 */
static bool ignored_inline(const struct berth_dockerfile *df, int start, const char *id)
{
	for (int n = start - 1; n >= 1; n--) {
		size_t len = 0;
		const char *p = berth_dockerfile_line(df, n, &len);
		if (!p)
			break;
		_cleanup_free_ char *l = berth_xstrndup(p, len);
		char *t = trim(l);
		if (t[0] != '#')
			break;
		t = trim(t + 1);
		if (strncmp(t, "berth:ignore=", 13) != 0)
			continue;
		for (char *save = NULL, *w = strtok_r(t + 13, ", \t", &save); w;
		     w = strtok_r(NULL, ", \t", &save)) {
			const struct berth_lint_rule *a = berth_lint_rule_find(w),
						     *b = berth_lint_rule_find(id);
			if (strcasecmp(w, "all") == 0 || (a && a == b))
				return true;
		}
	}
	return false;
}

static int finding_cmp(const void *a, const void *b)
{
	const struct berth_lint_finding *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	int c = strcmp(x->rule->id, y->rule->id);
	if (c)
		return c;
	return strcmp(x->message, y->message);
}

char *berth_lint_tag_hint(char *const *tags)
{
	if (!tags || !tags[0])
		return berth_xstrdup(
			"no tag given: the image is only reachable as 'latest'; tag it "
			"with an immutable version such as the commit sha "
			"(-t app:$(git rev-parse --short HEAD))");
	BERTH_STRV_FOREACH (t, tags) {
		const char *slash = strrchr(*t, '/');
		const char *colon = strrchr(slash ? slash : *t, ':');
		if (strchr(*t, '@'))
			return NULL;
		if (colon && strcmp(colon + 1, "latest") != 0)
			return NULL;
	}
	const char *slash = strrchr(tags[0], '/');
	const char *colon = strrchr(slash ? slash : tags[0], ':');
	int name_len = (int)(colon ? (size_t)(colon - tags[0]) : strlen(tags[0]));
	return berth_xasprintf("'%s' has no version tag (only 'latest'): tag it with an immutable "
			       "version such as the commit sha, e.g. '%.*s:<sha>'",
			       tags[0], name_len, tags[0]);
}

int berth_lint_run(const struct berth_dockerfile *df, const struct berth_lint_options *o,
		   struct berth_lint_report **ret, struct berth_error **err)
{
	BERTH_STRV_FOREACH (id, o->ignore)
		if (!berth_lint_rule_find(*id))
			return berth_error_set(err, EINVAL, "unknown rule '%s'", *id);

	_cleanup_lint_report_ struct berth_lint_report *r = berth_xcalloc(1, sizeof(*r));
	r->filename = berth_xstrdup(df->filename ? df->filename : "Dockerfile");
	struct lint_ctx ctx = {.df = df, .o = o, .r = r};
	lint_stages_build(&ctx);
	lint_check_all(&ctx);

	if (o->tags && o->tags[0]) {
		_cleanup_free_ char *hint = berth_lint_tag_hint(o->tags);
		if (hint)
			lint_report(&ctx, "BL050", 0, 0, 0,
				    "tag with an immutable version, e.g. the commit sha "
				    "(-t app:$(git rev-parse --short HEAD))",
				    "%s", hint);
	}

	for (size_t i = 0; i < ctx.n_stages; i++) {
		free(ctx.stages[i].image);
		free(ctx.stages[i].alias);
	}
	free(ctx.stages);
	berth_strv_free(ctx.global_args);

	/* inline ignores: comments above the instruction a finding points at */
	size_t kept = 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		struct berth_lint_finding *f = &r->findings[i];
		int start = 0;
		for (size_t k = 0; k < df->n_instructions && f->line > 0; k++)
			if (df->instructions[k].start_line <= f->line &&
			    f->line <= df->instructions[k].end_line)
				start = df->instructions[k].start_line;
		if (start > 0 && ignored_inline(df, start, f->rule->id)) {
			finding_release(f);
			r->n_suppressed++;
			continue;
		}
		r->findings[kept++] = *f;
	}
	r->n_findings = kept;
	berth_qsort(r->findings, r->n_findings, sizeof(*r->findings), finding_cmp);
	for (size_t i = 0; i < r->n_findings; i++)
		r->counts[r->findings[i].severity]++;
	*ret = TAKE_PTR(r);
	return 0;
}

bool berth_lint_report_fails(const struct berth_lint_report *r, enum berth_lint_severity threshold)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].severity >= threshold)
			return true;
	return false;
}

/* ---- output ------------------------------------------------------------------ */

int berth_lint_format_parse(const char *s, enum berth_lint_format *ret, struct berth_error **err)
{
	if (strcmp(s, "text") == 0)
		*ret = BERTH_LINT_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*ret = BERTH_LINT_FORMAT_JSON;
	else if (strcmp(s, "sarif") == 0)
		*ret = BERTH_LINT_FORMAT_SARIF;
	else
		return berth_error_set(err, EINVAL, "invalid format '%s' (text, json or sarif)", s);
	return 0;
}

static char *format_text(const struct berth_lint_report *r)
{
	struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct berth_lint_finding *f = &r->findings[i];
		if (f->line > 0)
			berth_buf_addf(&b, "%s:%d:%d: ", r->filename, f->line, f->column);
		else
			berth_buf_addstr(&b, "--tag: ");
		berth_buf_addf(&b, "%s: %s [%s]\n    fix: %s\n", severity_names[f->severity],
			       f->message, f->rule->id, f->fix);
	}
	if (r->n_findings == 0)
		berth_buf_addf(&b, "%s: no findings\n", r->filename);
	else
		berth_buf_addf(
			&b, "%s: %zu finding%s (%zu error%s, %zu warning%s, %zu info)\n",
			r->filename, r->n_findings, r->n_findings == 1 ? "" : "s",
			r->counts[BERTH_LINT_ERROR], r->counts[BERTH_LINT_ERROR] == 1 ? "" : "s",
			r->counts[BERTH_LINT_WARNING],
			r->counts[BERTH_LINT_WARNING] == 1 ? "" : "s", r->counts[BERTH_LINT_INFO]);
	return berth_buf_detach(&b, NULL);
}

static char *dump_nl(json_t *j)
{
	_cleanup_free_ char *s = berth_json_dump_pretty(j);
	json_decref(j);
	return berth_xasprintf("%s\n", s);
}

static char *format_json(const struct berth_lint_report *r)
{
	json_t *root = json_object(), *arr = json_array();
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "file", json_string(r->filename));
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct berth_lint_finding *f = &r->findings[i];
		json_t *o = json_object();
		json_object_set_new(o, "rule", json_string(f->rule->id));
		json_object_set_new(o, "name", json_string(f->rule->name));
		json_object_set_new(o, "severity", json_string(severity_names[f->severity]));
		json_object_set_new(o, "line", json_integer(f->line));
		json_object_set_new(o, "endLine", json_integer(f->end_line));
		json_object_set_new(o, "column", json_integer(f->column));
		json_object_set_new(o, "message", json_string(f->message));
		json_object_set_new(o, "fix", json_string(f->fix));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "findings", arr);
	json_t *sum = json_object();
	json_object_set_new(sum, "errors", json_integer((json_int_t)r->counts[BERTH_LINT_ERROR]));
	json_object_set_new(sum, "warnings",
			    json_integer((json_int_t)r->counts[BERTH_LINT_WARNING]));
	json_object_set_new(sum, "infos", json_integer((json_int_t)r->counts[BERTH_LINT_INFO]));
	json_object_set_new(sum, "suppressed", json_integer((json_int_t)r->n_suppressed));
	json_object_set_new(root, "summary", sum);
	return dump_nl(root);
}

static const char *sarif_level(enum berth_lint_severity s)
{
	return s == BERTH_LINT_ERROR ? "error" : s == BERTH_LINT_WARNING ? "warning" : "note";
}

static char *format_sarif(const struct berth_lint_report *r)
{
	json_t *root = json_object();
	json_object_set_new(root, "$schema",
			    json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_t *runs = json_array(), *run = json_object(), *tool = json_object(),
	       *driver = json_object(), *jrules = json_array(), *results = json_array();
	json_object_set_new(driver, "name", json_string("berth-lint"));
	json_object_set_new(driver, "version", json_string(BERTH_VERSION));
	for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
		json_t *o = json_object(), *d = json_object(), *h = json_object(),
		       *c = json_object();
		json_object_set_new(o, "id", json_string(rules[i].id));
		json_object_set_new(o, "name", json_string(rules[i].name));
		json_object_set_new(d, "text", json_string(rules[i].summary));
		json_object_set_new(o, "shortDescription", d);
		_cleanup_free_ char *help =
			berth_xasprintf("%s. See docs/lint.md#%s", rules[i].fix, rules[i].id);
		for (char *p = help + strlen(help) - strlen(rules[i].id); *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_object_set_new(h, "text", json_string(help));
		json_object_set_new(o, "help", h);
		json_object_set_new(c, "level", json_string(sarif_level(rules[i].severity)));
		json_object_set_new(o, "defaultConfiguration", c);
		json_array_append_new(jrules, o);
	}
	json_object_set_new(driver, "rules", jrules);
	json_object_set_new(tool, "driver", driver);
	json_object_set_new(run, "tool", tool);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct berth_lint_finding *f = &r->findings[i];
		json_t *o = json_object(), *m = json_object(), *locs = json_array(),
		       *loc = json_object(), *phys = json_object(), *art = json_object(),
		       *props = json_object();
		json_object_set_new(o, "ruleId", json_string(f->rule->id));
		json_object_set_new(o, "ruleIndex", json_integer(f->rule - rules));
		json_object_set_new(o, "level", json_string(sarif_level(f->severity)));
		json_object_set_new(m, "text", json_string(f->message));
		json_object_set_new(o, "message", m);
		json_object_set_new(art, "uri", json_string(r->filename));
		json_object_set_new(phys, "artifactLocation", art);
		if (f->line > 0) {
			json_t *reg = json_object();
			json_object_set_new(reg, "startLine", json_integer(f->line));
			json_object_set_new(reg, "endLine", json_integer(f->end_line));
			json_object_set_new(reg, "startColumn",
					    json_integer(f->column > 0 ? f->column : 1));
			json_object_set_new(phys, "region", reg);
		}
		json_object_set_new(loc, "physicalLocation", phys);
		json_array_append_new(locs, loc);
		json_object_set_new(o, "locations", locs);
		json_object_set_new(props, "fix", json_string(f->fix));
		json_object_set_new(o, "properties", props);
		json_array_append_new(results, o);
	}
	json_object_set_new(run, "results", results);
	json_array_append_new(runs, run);
	json_object_set_new(root, "runs", runs);
	return dump_nl(root);
}

char *berth_lint_report_format(const struct berth_lint_report *r, enum berth_lint_format f)
{
	switch (f) {
	case BERTH_LINT_FORMAT_JSON:
		return format_json(r);
	case BERTH_LINT_FORMAT_SARIF:
		return format_sarif(r);
	case BERTH_LINT_FORMAT_TEXT:
	default:
		return format_text(r);
	}
}
