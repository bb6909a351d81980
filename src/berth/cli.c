/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/units.h"
#include "store/store.h"

int cli_store_open(struct berth_cli *cli, struct berth_store **ret, struct berth_error **err)
{
	if (!cli->store) {
		int r = berth_store_open(cli->root, &cli->store, err);
		if (r < 0)
			return r;
	}
	if (ret)
		*ret = cli->store;
	return 0;
}

int cli_usage_error(struct berth_cli *cli, struct berth_error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m;
	if (vasprintf(&m, fmt, ap) < 0)
		berth_oom();
	va_end(ap);
	/* no command yet: a flag of berth itself */
	int r = cli->cmd ? berth_error_set(err, EINVAL, "%s: %s (see 'berth %s --help')", cli->cmd,
					   m, cli->cmd)
			 : berth_error_set(err, EINVAL, "%s (see 'berth --help')", m);
	free(m);
	return r;
}

/* getopt_long's code for the --help every command gets; no command uses it. */
#define CLI_FLAG_HELP 0x7ffe

/* Builds the command's getopt tables with --help (and -h when free) added. */
static void flags_start(struct cli_flags *f)
{
	const char *s = f->shortopts ? f->shortopts : "";
	bool posix = s[0] == '+';
	size_t n = 0;

	/* ':' first (after '+'): a missing value returns ':' instead of '?' */
	snprintf(f->all_short, sizeof(f->all_short), "%s:%s%s", posix ? "+" : "", s + posix,
		 strchr(s, 'h') ? "" : "h");
	assert(strlen(f->all_short) + 1 < sizeof(f->all_short));
	for (const struct option *o = f->longopts; o && o->name; o++) {
		/* --help is the parser's, a .flag would make getopt return 0 */
		assert(!o->flag && strcmp(o->name, "help") != 0 && n + 2 < ELEMENTSOF(f->all_long));
		f->all_long[n++] = *o;
	}
	f->all_long[n++] = (struct option){"help", no_argument, NULL, CLI_FLAG_HELP};
	f->all_long[n] = (struct option){0};
	f->started = true;
	optind = 0; /* glibc: a full re-initialisation of getopt for this argv */
	opterr = 0; /* every complaint is ours, on one line */
}

static bool is_unsupported(const struct cli_flags *f, const char *name)
{
	for (const char *const *u = f->unsupported; u && *u; u++)
		if (strcmp(*u, name) == 0)
			return true;
	return false;
}

/* The long option "--name[=value]" spells out exactly (Docker takes no abbreviations), or NULL. */
static const struct option *long_option_of(const struct cli_flags *f, const char *arg)
{
	size_t len = strcspn(arg, "=");
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	for (const struct option *o = f->all_long; o->name; o++)
		if (strlen(o->name) == len - 2 && strncmp(o->name, arg + 2, len - 2) == 0)
			return o;
	return NULL;
}

static int unknown_flag(struct berth_cli *cli, const struct cli_flags *f, const char *name,
			struct berth_error **err)
{
	if (is_unsupported(f, name))
		return cli_usage_error(cli, err, "'%s' is not supported yet", name);
	return cli_usage_error(cli, err, "unknown flag: %s", name);
}

/*
 * The one-line error for what getopt refused (c is '?' or ':'), naming the
 * flag from getopt's state: an unknown or ambiguous long flag leaves optopt
 * 0 and optind past it; a long flag's missing or unwanted value leaves its
 * code in optopt and optind past it; a short one leaves its letter in optopt
 * (optind moves only once its cluster "-xyz" is done).
 */
static int flag_error(struct berth_cli *cli, const struct cli_flags *f, int c, const char *arg,
		      struct berth_error **err)
{
	const struct option *o = long_option_of(f, arg);
	int len = (int)strcspn(arg, "=");
	char name[128];

	if (o && o->val == optopt && c == '?' && arg[len] == '=')
		return cli_usage_error(cli, err, "flag %.*s does not take a value", len, arg);
	if (o && o->val == optopt && c == ':')
		return cli_usage_error(cli, err, "flag needs a value: %.*s", len, arg);
	if (strncmp(arg, "--", 2) == 0 && arg[2] && (!optopt || c == ':'))
		snprintf(name, sizeof(name), "%.*s", len, arg);
	else if (c == ':')
		return cli_usage_error(cli, err, "flag needs a value: -%c", optopt);
	else if (isgraph(optopt))
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "%s", arg);
	return unknown_flag(cli, f, name, err);
}

int cli_flag_next(struct berth_cli *cli, struct cli_flags *f, int argc, char **argv,
		  struct berth_error **err)
{
	if (!f->started)
		flags_start(f);
	int idx = -1;
	int c = getopt_long(argc, argv, f->all_short, f->all_long, &idx);
	if (c == -1)
		return 0;
	/* the argument getopt just read: a long flag's separate value comes after it */
	const char *arg = optind < 1						? ""
			  : optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2]
										: argv[optind - 1];
	if (idx >= 0 && !long_option_of(f, arg)) { /* getopt took an abbreviation */
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
		return unknown_flag(cli, f, name, err);
	}
	if (c == CLI_FLAG_HELP || (c == 'h' && !strchr(f->shortopts ? f->shortopts : "", 'h'))) {
		fputs(f->usage, stdout);
		f->help = true;
		return 0;
	}
	if (c == '?' || c == ':')
		return flag_error(cli, f, c, arg, err);
	return c;
}

int cli_no_flags(struct berth_cli *cli, const char *usage, const char *const *unsupported, int argc,
		 char **argv, bool *ret_help, struct berth_error **err)
{
	struct cli_flags f = {.usage = usage, .unsupported = unsupported};
	int c = cli_flag_next(cli, &f, argc, argv, err);
	/* no flag of its own: anything but the end is --help or an error */
	assert(c <= 0);
	*ret_help = f.help;
	return c;
}

int cli_format_flag_only(struct berth_cli *cli, const char *usage, const char *const *unsupported,
			 int argc, char **argv, const char **ret_format, bool *ret_help,
			 struct berth_error **err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{0},
	};
	struct cli_flags f = {
		.usage = usage, .shortopts = "f:", .longopts = opts, .unsupported = unsupported};
	int c;
	*ret_format = NULL;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		*ret_format = optarg;
	*ret_help = f.help;
	return c;
}

/* ---- the resource flags of run and update ---- */

int cli_parse_memory(struct berth_cli *cli, const char *v, int64_t *ret, struct berth_error **err)
{
	int r = berth_parse_bytes(v, ret, err);
	if (r < 0)
		return r;
	if (*ret < 6 * 1024 * 1024)
		return cli_usage_error(cli, err, "minimum memory limit allowed is 6MB");
	return 0;
}

int cli_parse_cpus(struct berth_cli *cli, const char *v, int64_t *ret, struct berth_error **err)
{
	char *end = NULL;
	double d = strtod(v, &end);
	if (end == v || *end || !(d > 0) || d > 4096)
		return cli_usage_error(cli, err, "invalid --cpus '%s'", v);
	*ret = (int64_t)(d * 1e9 + 0.5);
	return 0;
}

int cli_parse_pids_limit(struct berth_cli *cli, const char *v, int64_t *ret,
			 struct berth_error **err)
{
	char *end = NULL;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return cli_usage_error(cli, err, "invalid --pids-limit '%s'", v);
	*ret = n <= 0 ? -1 : n;
	return 0;
}

int cli_source_date_epoch(bool *ret_set, int64_t *ret, struct berth_error **err)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	*ret_set = false;
	if (!e || !*e)
		return 0;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(e, &end, 10);
	if (errno || *end || v < 0)
		return berth_error_set(err, EINVAL, "invalid SOURCE_DATE_EPOCH '%s'", e);
	*ret_set = true;
	*ret = v;
	return 0;
}
