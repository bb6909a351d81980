/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"
#include "berth/lint-check.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"
#include "image/image.h"
#include "lint/lint.h"
#include "store/store.h"

static const char lint_usage[] =
	"Usage: berth lint [OPTIONS] [PATH]\n"
	"\n"
	"Check a Dockerfile against the image guidelines (rules in docs/lint.md).\n"
	"PATH is the build context (default '.'); .berthlint there is read.\n"
	"\n"
	"Options:\n"
	"  -f, --file FILE       the Dockerfile (default PATH/Dockerfile; '-' reads stdin)\n"
	"      --format FORMAT   text, json or sarif (default text)\n"
	"      --ignore RULE     do not report RULE (id or name; repeatable)\n"
	"      --error-on LEVEL  exit 1 when a finding at or above LEVEL is reported:\n"
	"                        error (default), warning or info\n"
	"  -t, --tag REF         check the tag the image will get (repeatable)\n"
	"      --config FILE     read this config file instead of PATH/.berthlint\n"
	"      --list-rules      print the rules and exit\n";

static int read_dockerfile(const char *path, char **ret, size_t *ret_len, struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	int in = STDIN_FILENO;
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", path);
		in = fd;
	}
	int r = berth_read_fd(in, BERTH_DOCKERFILE_MAX_SIZE, ret, ret_len, err);
	if (r < 0)
		return berth_error_prefix(err, "read '%s'", path);
	return 0;
}

/* The Dockerfile's path relative to the context, when it lies inside it; NULL otherwise. */
static char *relative_to(const char *context, const char *file)
{
	_cleanup_free_ char *c = realpath(context, NULL);
	_cleanup_free_ char *f = realpath(file, NULL);
	if (!c || !f)
		return NULL;
	size_t l = strlen(c);
	if (strncmp(f, c, l) != 0 || f[l] != '/')
		return NULL;
	return berth_xstrdup(f + l + 1);
}

int cli_lint_load_config(int ctx_fd, const char *dockerfile, const char *config,
			 struct berth_lint_options *o, struct berth_error **err)
{
	int r;

	if (config) {
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		r = read_dockerfile(config, &data, &len, err);
		if (r < 0)
			return r;
		return berth_lint_config_parse(data, len, config, o, err);
	}
	/* beside the Dockerfile first (like <Dockerfile>.dockerignore), then the context's */
	if (dockerfile && strcmp(dockerfile, "-") != 0) {
		_cleanup_free_ char *copy = berth_xstrdup(dockerfile);
		const char *dir = dirname(copy);
		_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return berth_error_syscall(err, errno, "open '%s'", dir);
		r = berth_lint_config_load(dfd, ".berthlint", o, err);
		if (r != 0)
			return r;
	}
	if (ctx_fd < 0)
		return 0;
	r = berth_lint_config_load(ctx_fd, ".berthlint", o, err);
	return r < 0 ? r : 0;
}

int cli_lint_check(int ctx_fd, const char *context, const char *dockerfile, const char *data,
		   size_t len, bool quiet, FILE *out, struct berth_error **err)
{
	_cleanup_(berth_lint_options_release) struct berth_lint_options o;
	berth_lint_options_init(&o);
	const char *name = dockerfile ? dockerfile : "Dockerfile";
	int r;

	r = cli_lint_load_config(ctx_fd, dockerfile, NULL, &o, err);
	if (r < 0)
		return berth_error_prefix(err, "--check");
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	r = berth_dockerfile_parse(data, len, name, &df, err);
	if (r < 0)
		return r;
	r = berth_dockerfile_validate(df, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *rel = dockerfile && context ? relative_to(context, dockerfile) : NULL;
	_cleanup_lint_report_ struct berth_lint_report *rep = NULL;
	o.context_fd = ctx_fd; /* berth_lint_options_release neither closes nor frees these */
	o.dockerfile_name = rel;
	r = berth_lint_run(df, &o, &rep, err);
	if (r < 0)
		return berth_error_prefix(err, "--check");
	if (!quiet || rep->n_findings > 0) {
		_cleanup_free_ char *text = berth_lint_report_format(rep, BERTH_LINT_FORMAT_TEXT);
		fputs(text, out);
		fflush(out);
	}
	if (!berth_lint_report_fails(rep, o.error_on))
		return 0;
	size_t n = 0;
	for (int s = o.error_on; s < _BERTH_LINT_SEVERITY_MAX; s++)
		n += rep->counts[s];
	return berth_error_set(err, EINVAL,
			       "build --check: %zu finding%s at or above '%s' in '%s': nothing "
			       "was built",
			       n, n == 1 ? "" : "s", berth_lint_severity_name(o.error_on), name);
}

static void list_rules(void)
{
	size_t n;
	const struct berth_lint_rule *rules = berth_lint_rules(&n);
	printf("%-6s %-8s %-24s %s\n", "ID", "SEVERITY", "NAME", "SUMMARY");
	for (size_t i = 0; i < n; i++)
		printf("%-6s %-8s %-24s %s\n", rules[i].id,
		       berth_lint_severity_name(rules[i].severity), rules[i].name,
		       rules[i].summary);
}

int cmd_lint(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	enum {
		OPT_FORMAT = 256,
		OPT_IGNORE,
		OPT_ERROR_ON,
		OPT_CONFIG,
		OPT_LIST
	};
	static const struct option opts[] = {
		{"file", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"ignore", required_argument, NULL, OPT_IGNORE},
		{"error-on", required_argument, NULL, OPT_ERROR_ON},
		{"tag", required_argument, NULL, 't'},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"list-rules", no_argument, NULL, OPT_LIST},
		{},
	};
	struct cli_flags f = {.usage = lint_usage, .shortopts = "+f:t:", .longopts = opts};

	_cleanup_(berth_lint_options_release) struct berth_lint_options o;
	berth_lint_options_init(&o);
	_cleanup_strv_free_ char **ignore = NULL;
	const char *file = NULL, *config = NULL, *error_on = NULL;
	enum berth_lint_format format = BERTH_LINT_FORMAT_TEXT;
	int c, r;

	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 't':
			berth_strv_push(&o.tags, optarg);
			break;
		case OPT_FORMAT:
			r = berth_lint_format_parse(optarg, &format, err);
			if (r < 0)
				return cli_usage_error(cli, err, "%s", berth_error_msg(*err));
			break;
		case OPT_IGNORE:
			if (!berth_lint_rule_find(optarg))
				return cli_usage_error(cli, err, "unknown rule '%s'", optarg);
			berth_strv_push(&ignore, optarg);
			break;
		case OPT_ERROR_ON:
			error_on = optarg;
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_LIST:
			list_rules();
			return 0;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "at most one PATH expected");
	const char *context = optind < argc ? argv[optind] : ".";
	_cleanup_free_ char *default_file = NULL;
	if (!file) {
		default_file = strcmp(context, ".") == 0
				       ? berth_xstrdup("Dockerfile")
				       : berth_xasprintf("%s/Dockerfile", context);
		file = default_file;
	}

	_cleanup_close_ int ctx_fd = open(context, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx_fd < 0)
		return berth_error_syscall(err, errno, "open context '%s'", context);

	/* the config file first, so that flags override it */
	r = cli_lint_load_config(ctx_fd, file, config, &o, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (i, ignore)
		berth_strv_push(&o.ignore, *i);
	if (error_on) {
		r = berth_lint_severity_parse(error_on, &o.error_on, err);
		if (r < 0)
			return cli_usage_error(cli, err, "--error-on: %s", berth_error_msg(*err));
	}

	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	r = read_dockerfile(file, &data, &len, err);
	if (r < 0)
		return r;
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	r = berth_dockerfile_parse(data, len, file, &df, err);
	if (r < 0)
		return r;
	r = berth_dockerfile_validate(df, err);
	if (r < 0)
		return r;

	_cleanup_free_ char *rel = strcmp(file, "-") == 0 ? NULL : relative_to(context, file);
	_cleanup_lint_report_ struct berth_lint_report *rep = NULL;
	o.context_fd = ctx_fd; /* berth_lint_options_release neither closes nor frees these */
	o.dockerfile_name = rel;
	r = berth_lint_run(df, &o, &rep, err);
	if (r < 0)
		return r;

	_cleanup_free_ char *out = berth_lint_report_format(rep, format);
	fputs(out, stdout);
	return berth_lint_report_fails(rep, o.error_on) ? 1 : 0;
}

static const char analyze_usage[] =
	"Usage: berth analyze [OPTIONS] IMAGE\n"
	"\n"
	"Show each layer's size, command and changed files, the wasted bytes and the\n"
	"efficiency score of an image, as dive computes them (docs/analyze.md).\n"
	"\n"
	"Options:\n"
	"      --format FORMAT                 text (default) or json\n"
	"      --top N                         list the N largest files (default 10)\n"
	"      --ci                            check the gates below; exit 1 when one fails\n"
	"      --lowest-efficiency R           fail when efficiency < R (default 0.9)\n"
	"      --highest-wasted-bytes SIZE     fail when wasted bytes > SIZE (e.g. 20MB;\n"
	"                                      default disabled)\n"
	"      --highest-user-wasted-percent R fail when wasted / non-base bytes > R\n"
	"                                      (default 0.1)\n"
	"A gate set to 'disabled' (or 'off', 'false', '') is not checked.\n";

static bool gate_disabled(const char *v)
{
	return !*v || strcasecmp(v, "disabled") == 0 || strcasecmp(v, "off") == 0 ||
	       strcasecmp(v, "false") == 0;
}

int cmd_analyze(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	enum {
		OPT_FORMAT = 256,
		OPT_TOP,
		OPT_CI,
		OPT_EFF,
		OPT_BYTES,
		OPT_PCT
	};
	static const struct option opts[] = {
		{"format", required_argument, NULL, OPT_FORMAT},
		{"top", required_argument, NULL, OPT_TOP},
		{"ci", no_argument, NULL, OPT_CI},
		{"lowest-efficiency", required_argument, NULL, OPT_EFF},
		{"highest-wasted-bytes", required_argument, NULL, OPT_BYTES},
		{"highest-user-wasted-percent", required_argument, NULL, OPT_PCT},
		{},
	};
	struct cli_flags f = {.usage = analyze_usage, .shortopts = "+", .longopts = opts};
	const char *eff = "0.9", *bytes = "disabled", *pct = "0.1";
	bool json = false, ci = false;
	long top = 10;
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") != 0)
				return cli_usage_error(
					cli, err, "invalid format '%s' (text or json)", optarg);
			break;
		case OPT_TOP: {
			char *end = NULL;
			top = strtol(optarg, &end, 10);
			if (!*optarg || *end || top < 0 || top > 100000)
				return cli_usage_error(cli, err, "invalid --top '%s'", optarg);
			break;
		}
		case OPT_CI:
			ci = true;
			break;
		case OPT_EFF:
			eff = optarg;
			break;
		case OPT_BYTES:
			bytes = optarg;
			break;
		case OPT_PCT:
			pct = optarg;
			break;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "exactly one IMAGE expected");
	const char *what = argv[optind];

	/* the gates are checked before any work, as dive rejects a bad rule up front */
	struct berth_analyze_ci gates = {0};
	if (!gate_disabled(eff)) {
		r = berth_analyze_parse_ratio(eff, &gates.lowest_efficiency, err);
		if (r < 0)
			return cli_usage_error(cli, err, "--lowest-efficiency: %s",
					       berth_error_msg(*err));
		gates.efficiency_set = true;
	}
	if (!gate_disabled(bytes)) {
		r = berth_analyze_parse_size(bytes, &gates.highest_wasted_bytes, err);
		if (r < 0)
			return cli_usage_error(cli, err, "--highest-wasted-bytes: %s",
					       berth_error_msg(*err));
		gates.wasted_bytes_set = true;
	}
	if (!gate_disabled(pct)) {
		r = berth_analyze_parse_ratio(pct, &gates.highest_user_wasted_percent, err);
		if (r < 0)
			return cli_usage_error(cli, err, "--highest-user-wasted-percent: %s",
					       berth_error_msg(*err));
		gates.wasted_percent_set = true;
	}

	struct berth_store *s = NULL;
	r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	r = berth_image_resolve(s, what, &img, err);
	if (r < 0)
		return r;
	_cleanup_analyze_result_ struct berth_analyze_result *a = NULL;
	r = berth_analyze_image(s, img, (size_t)top, &a, err);
	if (r < 0)
		return berth_error_prefix(err, "analyze '%s'", what);

	_cleanup_free_ char *out =
		json ? berth_analyze_format_json(a, what) : berth_analyze_format_text(a, what);
	fputs(out, stdout);
	if (!ci)
		return 0;
	_cleanup_free_ char *report = NULL;
	bool pass = berth_analyze_ci_check(a, &gates, &report);
	/* with --format json stdout stays one JSON document: the gates go to stderr */
	fputs(report, json ? stderr : stdout);
	fprintf(json ? stderr : stdout, "Result: %s\n", pass ? "PASS" : "FAIL");
	return pass ? 0 : 1;
}
