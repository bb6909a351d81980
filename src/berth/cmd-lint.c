/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"
#include "lint/lint.h"

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
		{"help", no_argument, NULL, 'h'},
		{},
	};
	if (cli_wants_help(argc, argv, lint_usage))
		return 0;

	_cleanup_(berth_lint_options_release) struct berth_lint_options o;
	berth_lint_options_init(&o);
	_cleanup_strv_free_ char **ignore = NULL;
	const char *file = NULL, *config = NULL, *error_on = NULL;
	enum berth_lint_format format = BERTH_LINT_FORMAT_TEXT;
	int c, r;

	while ((c = getopt_long(argc, argv, "+f:t:h", opts, NULL)) != -1) {
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
		case 'h':
			fputs(lint_usage, stdout);
			return 0;
		default:
			return cli_usage_error(cli, err, "invalid option");
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "at most one PATH expected");
	const char *context = optind < argc ? argv[optind] : ".";
	_cleanup_free_ char *default_file = NULL;
	if (!file)
		file = default_file = strcmp(context, ".") == 0
					      ? berth_xstrdup("Dockerfile")
					      : berth_xasprintf("%s/Dockerfile", context);

	_cleanup_close_ int ctx_fd = open(context, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx_fd < 0)
		return berth_error_syscall(err, errno, "open context '%s'", context);

	/* the config file first, so that flags override it */
	if (config) {
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		r = read_dockerfile(config, &data, &len, err);
		if (r < 0)
			return r;
		r = berth_lint_config_parse(data, len, config, &o, err);
		if (r < 0)
			return r;
	} else {
		r = berth_lint_config_load(ctx_fd, ".berthlint", &o, err);
		if (r < 0)
			return r;
	}
	BERTH_STRV_FOREACH(i, ignore)
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
	o.context_fd = ctx_fd;
	o.dockerfile_name = rel;
	_cleanup_lint_report_ struct berth_lint_report *rep = NULL;
	r = berth_lint_run(df, &o, &rep, err);
	o.context_fd = -EBADF;
	o.dockerfile_name = NULL;
	if (r < 0)
		return r;

	_cleanup_free_ char *out = berth_lint_report_format(rep, format);
	fputs(out, stdout);
	return berth_lint_report_fails(rep, o.error_on) ? 1 : 0;
}

int cmd_analyze(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 8, err);
}
