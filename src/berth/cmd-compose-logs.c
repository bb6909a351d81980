/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose logs` and the attached (foreground) `compose up`: the flags and
 * the printing, as docker compose v2 prints ("NAME | line", a colour per
 * container on a terminal). Which containers, the merge in time order and
 * the following are the library's (compose/logs.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berth/cmd-compose.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"

/* docker compose v2's rainbow (cmd/formatter/colors.go): cyan, yellow, green, magenta, blue, then bold. */
static const char *const palette[] = {
	"36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1",
};

/* How records are printed: one prefix per source. */
struct log_printer {
	const struct berth_compose_log_source *src;
	size_t n;
	int width;	 /* the longest name shown */
	bool color;	 /* a tty and no --no-color */
	bool prefix;	 /* no --no-log-prefix */
	bool timestamps; /* -t */
};

static void print_prefix(const struct log_printer *lp, size_t i, FILE *out)
{
	if (!lp->prefix)
		return;
	if (lp->color)
		fprintf(out, "\033[%sm%-*s | \033[0m", palette[i % ELEMENTSOF(palette)], lp->width,
			lp->src[i].name);
	else
		fprintf(out, "%-*s | ", lp->width, lp->src[i].name);
}

/* One record, each of its lines prefixed, on the stream the container wrote it to. */
static void print_record(size_t i, const struct berth_log_record *rec, void *userdata)
{
	const struct log_printer *lp = userdata;
	FILE *out = rec->is_stderr ? stderr : stdout;
	const char *p = rec->text, *end = rec->text + rec->len;
	do {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		print_prefix(lp, i, out);
		if (lp->timestamps)
			fprintf(out, "%s ", rec->time);
		fwrite(p, 1, len, out);
		fputc('\n', out);
		p += len + (nl ? 1 : 0);
	} while (p < end);
	fflush(out);
}

static void printer_init(struct log_printer *lp, const struct berth_compose_log_source *src,
			 size_t n)
{
	lp->src = src;
	lp->n = n;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(src[i].name) > lp->width)
			lp->width = (int)strlen(src[i].name);
}

static const char logs_usage[] =
	"Usage:  berth compose logs [OPTIONS] [SERVICE...]\n\n"
	"View output from containers\n\n"
	"Options:\n"
	"  -f, --follow          Follow log output\n"
	"      --no-color        Produce monochrome output\n"
	"      --no-log-prefix   Don't print prefix in logs\n"
	"      --since string    Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or\n"
	"                        relative (e.g. 42m for 42 minutes)\n"
	"  -n, --tail string     Number of lines to show from the end of the logs for each\n"
	"                        container (default \"all\")\n"
	"  -t, --timestamps      Show timestamps\n"
	"      --until string    Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or\n"
	"                        relative (e.g. 42m for 42 minutes)\n";

static int parse_tail(struct berth_cli *cli, const char *v, long *ret, struct berth_error **err)
{
	char *end = NULL;
	if (strcmp(v, "all") == 0) {
		*ret = -1;
		return 0;
	}
	long n = strtol(v, &end, 10);
	if (end == v || *end)
		return cli_usage_error(cli, err, "invalid --tail '%s': a number or \"all\"", v);
	*ret = n < 0 ? -1 : n;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The flags of `compose logs`. */
struct logs_flags {
	struct berth_compose_logs_options o;
	struct log_printer lp;
	char since[40], until[40];
};

static int logs_parse(struct berth_cli *cli, int argc, char **argv, struct logs_flags *l,
		      bool *ret_help, struct berth_error **err)
{
	enum {
		OPT_NO_COLOR = 256,
		OPT_NO_PREFIX,
		OPT_SINCE,
		OPT_UNTIL,
	};
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{"timestamps", no_argument, NULL, 't'},
		{"tail", required_argument, NULL, 'n'},
		{"no-color", no_argument, NULL, OPT_NO_COLOR},
		{"no-log-prefix", no_argument, NULL, OPT_NO_PREFIX},
		{"since", required_argument, NULL, OPT_SINCE},
		{"until", required_argument, NULL, OPT_UNTIL},
		{0},
	};
	static const char *const unsupported[] = {"--index", NULL};
	struct cli_flags f = {.usage = logs_usage,
			      .shortopts = "ftn:",
			      .longopts = opts,
			      .unsupported = unsupported};
	int c, r = 0;
	while (r >= 0 && (c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'f')
			l->o.follow = true;
		else if (c == 't')
			l->lp.timestamps = true;
		else if (c == 'n')
			r = parse_tail(cli, optarg, &l->o.tail, err);
		else if (c == OPT_NO_COLOR)
			l->lp.color = false;
		else if (c == OPT_NO_PREFIX)
			l->lp.prefix = false;
		else if ((r = berth_compose_log_time(optarg, now_ns(),
						     c == OPT_SINCE ? l->since : l->until, err)) >=
			 0)
			*(c == OPT_SINCE ? &l->o.since : &l->o.until) =
				c == OPT_SINCE ? l->since : l->until;
	}
	*ret_help = f.help;
	return r < 0 ? r : c;
}

int compose_logs(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	struct logs_flags l = {
		.o = {.tail = -1, .on_record = print_record},
		.lp = {.color = isatty(STDOUT_FILENO), .prefix = true},
	};
	l.o.userdata = &l.lp;
	bool help = false;
	int r = logs_parse(cli, argc, argv, &l, &help, err);
	if (r < 0 || help)
		return r < 0 ? r : 0;
	_cleanup_strv_free_ char **services = NULL;
	for (int i = optind; i < argc; i++)
		berth_strv_push(&services, argv[i]);
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	r = compose_load_project(g, true, &p, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (s, services)
		if (!berth_compose_find_service(p, *s))
			return berth_error_set(err, ENOENT, "no such service: %s", *s);
	struct berth_compose_log_source *src = NULL;
	size_t n = 0;
	r = berth_compose_log_sources(cli->root, p->name, services, &src, &n, err);
	if (r < 0)
		return r;
	printer_init(&l.lp, src, n);
	r = berth_compose_logs(cli->root, src, n, &l.o, err);
	berth_compose_log_sources_free(src, n);
	return r;
}
