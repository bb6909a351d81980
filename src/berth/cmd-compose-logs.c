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
#include "core/json.h"
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

/* The flags of `compose logs` (and of `up` attached: --no-color, --no-log-prefix, -t). */
struct logs_flags {
	struct berth_compose_logs_options o;
	struct log_printer lp;
	char since[40], until[40];
};

enum {
	OPT_NO_COLOR = 256,
	OPT_NO_PREFIX,
	OPT_SINCE,
	OPT_UNTIL,
};

static int logs_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		     struct berth_error **err)
{
	struct logs_flags *l = cmd->opts;
	switch (c) {
	case 'f':
		l->o.follow = true;
		return 0;
	case 't':
		l->lp.timestamps = true;
		return 0;
	case 'n':
		return parse_tail(cli, optarg, &l->o.tail, err);
	case OPT_NO_COLOR:
		l->lp.color = false;
		return 0;
	case OPT_NO_PREFIX:
		l->lp.prefix = false;
		return 0;
	case OPT_SINCE:
		l->o.since = l->since;
		return berth_compose_log_time(optarg, now_ns(), l->since, err);
	default:
		l->o.until = l->until;
		return berth_compose_log_time(optarg, now_ns(), l->until, err);
	}
}

int compose_logs(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
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
	struct logs_flags l = {
		.o = {.tail = -1, .on_record = print_record},
		.lp = {.color = isatty(STDOUT_FILENO), .prefix = true},
	};
	l.o.userdata = &l.lp;
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = logs_usage,
			  .shortopts = "ftn:",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = logs_flag,
		.opts = &l,
		.all_profiles = true,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	struct berth_compose_log_source *src = NULL;
	size_t n = 0;
	r = berth_compose_log_sources(cli->store, cmd.project->name, cmd.args, &src, &n, err);
	if (r < 0)
		return r;
	printer_init(&l.lp, src, n);
	r = berth_compose_logs(cli->store, src, n, &l.o, err);
	berth_compose_log_sources_free(src, n);
	return r;
}

/* ---- up attached ---- */

/* The first SIGINT/SIGTERM of an attached up; a second one sets up_force. */
static volatile sig_atomic_t up_signal, up_force;

static void on_up_signal(int sig)
{
	if (up_signal)
		up_force = 1;
	else
		up_signal = sig;
}

/* An attached up: the printer first (print_record's userdata), then what it waits for. */
struct up_attach {
	struct log_printer lp;
	const struct compose_attach *a;
	ssize_t first_exit; /* the source that exited first; -1: none yet */
	int first_code;
	berth_compose_event_fn on_event; /* up's progress printer */
	struct berth_cli *cli;
	const struct berth_compose_project *p;
	bool stopping, aborted;
	int stop_r; /* stopping failed: -errno, stop_err says why */
	struct berth_error *stop_err;
};

/* "demo-web-1 exited with code 0", in the container's colour, as v2. */
static void on_container_exit(size_t i, int code, void *userdata)
{
	struct up_attach *ua = userdata;
	if (ua->lp.color)
		printf("\033[%sm%s exited with code %d\033[0m\n", palette[i % ELEMENTSOF(palette)],
		       ua->lp.src[i].name, code);
	else
		printf("%s exited with code %d\n", ua->lp.src[i].name, code);
	fflush(stdout);
	if (ua->first_exit < 0) {
		ua->first_exit = (ssize_t)i;
		ua->first_code = code;
	}
}

/* Whether the container id is one of the attached ones. */
static bool is_attached(const struct up_attach *ua, const char *id)
{
	for (size_t i = 0; i < ua->lp.n; i++)
		if (strcmp(ua->lp.src[i].id, id) == 0)
			return true;
	return false;
}

/*
 * Stops the attached containers still running, dependents first (as
 * `compose stop`); after a second signal (up_force) without a grace period.
 */
static int stop_attached(const struct up_attach *ua, struct berth_error **err)
{
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	int r = berth_compose_project_containers(ua->cli->store, ua->p->name, NULL, &cs, &n, err);
	if (r >= 0)
		r = berth_compose_order_containers(ua->p, cs, n, true, err);
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (strcmp(cs[i].state, "running") != 0 || !is_attached(ua, cs[i].id))
			continue;
		int t = up_force ? 0 : berth_compose_stop_timeout(ua->p, cs[i].service);
		r = berth_container_stop(ua->cli->store, cs[i].id, t, err);
		if (r >= 0)
			ua->on_event("Container", cs[i].name, "Stopped", NULL);
	}
	berth_compose_containers_free(cs, n);
	return r;
}

/*
 * Between reads of the attached output: after a signal (or the first exit
 * with --abort-on-container-exit) stops the containers once, then goes on
 * reading, so that what they write while stopping and their exits are
 * shown as v2 shows them; the output ends when they have all stopped.
 */
static bool up_between_reads(void *userdata)
{
	struct up_attach *ua = userdata;
	if (ua->stopping || ua->stop_r < 0 ||
	    !(up_signal || (ua->a->abort_on_exit && ua->first_exit >= 0)))
		return ua->stop_r < 0;
	ua->stopping = true;
	ua->aborted = !up_signal;
	/* v2's words */
	puts(up_signal ? "Gracefully stopping... (press Ctrl+C again to force)"
		       : "Aborting on container exit...");
	fflush(stdout);
	ua->stop_r = stop_attached(ua, &ua->stop_err);
	return ua->stop_r < 0;
}

/* The last exit code of service's container; -1 when it has none. */
static int service_exit_code(struct berth_cli *cli, const struct up_attach *ua, const char *service)
{
	for (size_t i = 0; i < ua->lp.n; i++) {
		_cleanup_json_ json_t *st = NULL;
		if (strcmp(ua->lp.src[i].service, service) == 0 &&
		    berth_container_inspect(cli->store, ua->lp.src[i].id, &st, NULL) >= 0)
			return (int)json_integer_value(
				json_object_get(json_object_get(st, "State"), "ExitCode"));
	}
	return -1;
}

/* "Attaching to demo-api-1, demo-web-1" */
static void print_attaching(const struct log_printer *lp)
{
	printf("Attaching to ");
	for (size_t i = 0; i < lp->n; i++)
		printf("%s%s", i ? ", " : "", lp->src[i].name);
	printf("\n");
	fflush(stdout);
}

int compose_up_attached(struct berth_cli *cli, const struct berth_compose_project *p,
			struct berth_compose_up_options *o, const struct compose_attach *a,
			struct berth_error **err)
{
	if (a->exit_code_from && !berth_compose_find_service(p, a->exit_code_from))
		return berth_error_set(err, ENOENT, "%s: no such service: %s", cli->cmd,
				       a->exit_code_from);
	struct up_attach ua = {
		.lp = {.color = !a->no_color && isatty(STDOUT_FILENO),
		       .prefix = !a->no_prefix,
		       .timestamps = a->timestamps},
		.a = a,
		.first_exit = -1,
		.on_event = o->on_event,
		.cli = cli,
		.p = p,
	};
	/*
	 * what the containers write from now on, as v2 attaches before it
	 * starts them: not the earlier output of a container up leaves running
	 * or starts again
	 */
	char since[40];
	int r = berth_compose_log_time("0s", now_ns(), since, err);
	if (r >= 0)
		r = berth_compose_up(cli->store, p, o, err);
	if (r < 0)
		return r;
	struct berth_compose_log_source *src = NULL;
	size_t n = 0;
	r = berth_compose_log_sources(cli->store, p->name, o->services, &src, &n, err);
	if (r < 0)
		return r;
	printer_init(&ua.lp, src, n);
	print_attaching(&ua.lp);
	signal(SIGINT, on_up_signal);
	signal(SIGTERM, on_up_signal);
	struct berth_compose_logs_options lo = {.tail = -1,
						.since = since,
						.follow = true,
						.on_record = print_record,
						.on_exit = on_container_exit,
						.stop = up_between_reads,
						.userdata = &ua};
	r = berth_compose_logs(cli->store, src, n, &lo, err);
	if (r >= 0 && ua.stop_r < 0) {
		r = ua.stop_r;
		if (err)
			*err = TAKE_PTR(ua.stop_err);
	}
	berth_error_free(&ua.stop_err);
	int code = 0;
	if (up_signal)
		code = 130;
	else if (a->exit_code_from)
		code = service_exit_code(cli, &ua, a->exit_code_from);
	else if (ua.aborted)
		code = ua.first_code;
	berth_compose_log_sources_free(src, n);
	return r < 0 ? r : code;
}
