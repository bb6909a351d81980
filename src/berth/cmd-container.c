/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "berth/inspect.h"
#include "berth/ps.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/runspec.h"
#include "core/bool.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"
#include "store/store.h"

/* Docker's default `ps` table (cli/command/formatter: defaultContainerTableFormat). */
static const char ps_table[] = "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t"
			       "{{.Status}}\\t{{.Ports}}\\t{{.Names}}";
static const char ps_table_size[] = "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t"
				    "{{.Status}}\\t{{.Ports}}\\t{{.Names}}\\t{{.Size}}";
/* podman's --pod columns, after the others */
static const char ps_pod_columns[] = "\\t{{.Pod}}\\t{{.PodName}}";

/* Docker's Size field: "2B (virtual 1.2MB)", the virtual part when there is one. */
static void ps_size(struct berth_store *s, const json_t *c, char *out, size_t n)
{
	struct berth_container_size size;
	char rw[16], virt[16];
	berth_container_size(s, c, &size);
	berth_format_size(size.rw, rw);
	if (size.rootfs > 0)
		snprintf(out, n, "%s (virtual %s)", rw, berth_format_size(size.rootfs, virt));
	else
		snprintf(out, n, "%s", rw);
}

/* The selected containers through the table, --format or -q, as Docker's formatter. */
static int ps_print(struct berth_cli *cli, const json_t *selected, const struct ps_options *o,
		    struct berth_error **err)
{
	/* as Docker's NewContainerFormat, -q wins over any format; -s adds SIZE to the table */
	const char *format = o->size ? ps_table_size : ps_table;
	_cleanup_free_ char *with_pod = NULL;
	if (o->pod) {
		with_pod = berth_xasprintf("%s%s", format, ps_pod_columns);
		format = with_pod;
	}
	if (o->quiet)
		format = "{{.ID}}";
	else if (o->format && *o->format && strcmp(o->format, "table") != 0)
		format = o->format;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	int r = cli_format_init(&fmt, format, err);
	size_t i;
	json_t *c;
	if (r < 0)
		return r;
	json_array_foreach (selected, i, c) {
		char size[48];
		if (o->size && !o->quiet)
			ps_size(cli->store, c, size, sizeof(size));
		_cleanup_json_ json_t *row = ps_row(c, !o->no_trunc, o->size ? size : NULL);
		if (o->pods)
			ps_row_add_pod(row, c, !o->no_trunc, o->pods);
		r = cli_format_row(&fmt, row, err);
		if (r < 0)
			return r;
	}
	_cleanup_json_ json_t *titles = ps_titles();
	return cli_format_flush(&fmt, titles, err);
}

static const char ps_usage[] =
	"Usage:  berth ps [OPTIONS]\n\n"
	"List containers\n\n"
	"Options:\n"
	"  -a, --all             Show all containers (default shows just running)\n"
	"  -f, --filter filter   Filter output based on conditions provided\n"
	"      --format string   Format output: table (default), json or a Go template\n"
	"  -n, --last int        Show n last created containers (includes all states)\n"
	"      --pod             Show the pod of each container: POD ID and PODNAME\n"
	"  -l, --latest          Show the latest created container (includes all states)\n"
	"      --no-trunc        Don't truncate output\n"
	"  -q, --quiet           Only display container IDs\n"
	"  -s, --size            Display total file sizes\n";

static int ps_parse_args(struct berth_cli *cli, int argc, char **argv, struct ps_options *o,
			 bool *ret_help, struct berth_error **err)
{
	enum {
		OPT_FORMAT = 256,
		OPT_NO_TRUNC,
		OPT_POD
	};
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"latest", no_argument, NULL, 'l'},
		{"last", required_argument, NULL, 'n'},
		{"filter", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
		{"size", no_argument, NULL, 's'},
		{"pod", no_argument, NULL, OPT_POD},
		{0},
	};
	struct cli_flags f = {.usage = ps_usage, .shortopts = "aqln:f:s", .longopts = opts};
	char *end = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 's':
			o->size = true;
			break;
		case 'l':
			o->last = 1;
			break;
		case 'n':
			o->last = strtol(optarg, &end, 10);
			if (!*optarg || *end)
				return cli_usage_error(cli, err, "invalid argument '%s' for '-n'",
						       optarg);
			break;
		case 'f':
			berth_strv_push(&o->filters, optarg);
			break;
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case OPT_NO_TRUNC:
			o->no_trunc = true;
			break;
		case OPT_POD:
			o->pod = true;
			break;
		}
	}
	*ret_help = f.help;
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	/* as Docker's ps: a template that shows .Size computes it */
	if (o->format && strstr(o->format, ".Size"))
		o->size = true;
	return 0;
}

int cmd_ps(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	struct ps_options o = {.last = -1};
	bool help = false;
	int r = ps_parse_args(cli, argc, argv, &o, &help, err);
	_cleanup_strv_free_ char **filters = o.filters;
	if (help)
		return 0;
	if (r < 0)
		return r;
	r = berth_container_filters_check(filters, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *list = NULL;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_list_summary(cli->store, &list, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *pods = NULL;
	if (ps_needs_pods(&o)) {
		r = berth_pod_list(cli->store, &pods, err);
		if (r < 0)
			return r;
		o.pods = pods;
	}
	_cleanup_json_ json_t *selected = ps_select(list, &o);
	return ps_print(cli, selected, &o, err);
}

/* Prints one log record where the container wrote it; -t: its time first. */
static void print_log_record(const struct berth_log_record *rec, bool timestamps)
{
	FILE *out = rec->is_stderr ? stderr : stdout;
	if (timestamps)
		fprintf(out, "%s ", rec->time);
	fwrite(rec->text, 1, rec->len, out);
	fflush(out);
}

/* What log_print prints and how long. */
struct log_follow {
	const char *id;
	bool follow;	 /* until the container stops */
	bool timestamps; /* -t */
};

/* Prints r's records; with lf->follow, those written later too, until the container stops. */
static void log_print(struct berth_cli *cli, const struct log_follow *lf,
		      struct berth_log_reader *r)
{
	struct berth_log_record rec;
	for (;;) {
		while (berth_log_reader_next(r, &rec) > 0) {
			print_log_record(&rec, lf->timestamps);
			berth_log_record_release(&rec);
		}
		if (!lf->follow)
			break;
		_cleanup_json_ json_t *st = NULL;
		bool running =
			berth_container_inspect(cli->store, lf->id, &st, NULL) >= 0 &&
			json_is_true(json_object_get(json_object_get(st, "State"), "Running"));
		/* what it wrote before it stopped is still shown */
		if (berth_log_reader_next(r, &rec) > 0) {
			print_log_record(&rec, lf->timestamps);
			berth_log_record_release(&rec);
			continue;
		}
		if (!running)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
}

static const char logs_usage[] =
	"Usage:  berth logs [OPTIONS] CONTAINER\n\n"
	"Fetch the logs of a container\n\n"
	"Options:\n"
	"  -f, --follow         Follow log output\n"
	"  -n, --tail string    Number of lines to show from the end of the logs\n"
	"                       (default \"all\")\n"
	"  -t, --timestamps     Show timestamps\n";

static const char *const logs_unsupported[] = {"--since", "--until", "--details", NULL};

int cmd_logs(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},
		{"timestamps", no_argument, NULL, 't'},
		{"tail", required_argument, NULL, 'n'},
		{0},
	};
	struct cli_flags f = {.usage = logs_usage,
			      .shortopts = "ftn:",
			      .longopts = opts,
			      .unsupported = logs_unsupported};
	bool follow = false, timestamps = false;
	long tail = -1;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'f')
			follow = true;
		else if (c == 't')
			timestamps = true;
		else
			tail = strcmp(optarg, "all") == 0 ? -1 : strtol(optarg, NULL, 10);
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
	const char *what = argv[optind];
	_cleanup_free_ char *id = NULL;
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_find(cli->store, what, &id, err);
	if (r < 0)
		return r;
	_cleanup_(berth_log_reader_freep) struct berth_log_reader *reader = NULL;
	r = berth_log_reader_open(cli->store, id, false, &reader, err);
	if (r < 0)
		return r;
	berth_log_reader_tail(reader, tail);
	struct log_follow lf = {.id = id, .follow = follow, .timestamps = timestamps};
	log_print(cli, &lf, reader);
	return 0;
}

/* ---- attach ---- */

static const char attach_usage[] =
	"Usage:  berth attach [OPTIONS] CONTAINER\n\n"
	"Attach local standard input, output, and error streams to a running container\n\n"
	"Options:\n"
	"      --detach-keys string   Override the key sequence for detaching a container\n"
	"                             (default \"ctrl-p,ctrl-q\")\n"
	"      --no-stdin             Do not attach STDIN\n"
	"      --sig-proxy            Proxy all received signals to the process (default true)\n";

static int attach_parse(struct berth_cli *cli, int argc, char **argv,
			struct berth_container_attach_options *o, bool *ret_help,
			struct berth_error **err)
{
	enum {
		OPT_NO_STDIN = 256,
		OPT_SIG_PROXY,
		OPT_DETACH_KEYS
	};
	static const struct option opts[] = {
		{"no-stdin", no_argument, NULL, OPT_NO_STDIN},
		{"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
		{"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
		{0},
	};
	struct cli_flags f = {.usage = attach_usage, .shortopts = "", .longopts = opts};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == OPT_NO_STDIN)
			o->in = -1;
		else if (c == OPT_DETACH_KEYS)
			o->detach_keys = optarg;
		else if (c == OPT_SIG_PROXY && optarg &&
			 berth_parse_bool(optarg, &o->sig_proxy) < 0)
			return cli_usage_error(cli, err, "invalid argument '%s' for '--sig-proxy'",
					       optarg);
	}
	*ret_help = f.help;
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
	return 0;
}

/*
 * berth attach: the running container's output from now on, its input
 * when it was run with -i, until it exits (its exit code) or the detach
 * keys are typed, as `docker attach`.
 */
int cmd_attach(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	struct berth_container_attach_options o = {
		.in = STDIN_FILENO, .out = STDOUT_FILENO, .err = STDERR_FILENO, .sig_proxy = true};
	bool help = false;
	int r = attach_parse(cli, argc, argv, &o, &help, err);
	if (r < 0 || help)
		return r;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	int code = 0;
	r = berth_container_attach(cli->store, argv[optind], &o, &code, err);
	if (r == 1)
		fprintf(stderr, "read escape sequence\n");
	return r < 0 ? r : r == 1 ? 1 : code;
}

/* Runs fn on each operand, printing it on success, as Docker's multi-container verbs. */
int cli_for_each(struct berth_cli *cli, int first, int argc, char **argv,
		 int (*fn)(struct berth_cli *, const char *, void *, struct berth_error **),
		 void *ctx, struct berth_error **err)
{
	if (first >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	int ret = 0;
	for (int i = first; i < argc; i++) {
		struct berth_error *e = NULL;
		if (fn(cli, argv[i], ctx, &e) < 0) {
			fprintf(stderr, "berth: %s\n", berth_error_msg(e));
			ret = 1;
		} else {
			printf("%s\n", argv[i]);
		}
		berth_error_free(&e);
	}
	return ret;
}

static int do_stop(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_stop(cli->store, what, *(int *)ctx, err);
}

/* The flags of stop and restart: -t/--time/--timeout SECONDS. */
static int parse_stop_flags(struct berth_cli *cli, const char *usage, int argc, char **argv,
			    int *timeout, bool *ret_help, struct berth_error **err)
{
	static const struct option opts[] = {
		{"time", required_argument, NULL, 't'},
		{"timeout", required_argument, NULL, 't'},
		{0},
	};
	static const char *const unsupported[] = {"-s", "--signal", NULL};
	struct cli_flags f = {
		.usage = usage, .shortopts = "t:", .longopts = opts, .unsupported = unsupported};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		*timeout = atoi(optarg);
	*ret_help = f.help;
	return c;
}

static const char stop_usage[] =
	"Usage:  berth stop [OPTIONS] CONTAINER [CONTAINER...]\n\n"
	"Stop one or more running containers\n\n"
	"Options:\n"
	"  -t, --timeout int   Seconds to wait before killing the container "
	"(default 10)\n";

int cmd_stop(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	int timeout = 10;
	bool help;
	int r = parse_stop_flags(cli, stop_usage, argc, argv, &timeout, &help, err);
	if (r < 0 || help)
		return r;
	return cli_for_each(cli, optind, argc, argv, do_stop, &timeout, err);
}

static int do_kill(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_kill(cli->store, what, *(int *)ctx, err);
}

static const char kill_usage[] = "Usage:  berth kill [OPTIONS] CONTAINER [CONTAINER...]\n\n"
				 "Kill one or more running containers\n\n"
				 "Options:\n"
				 "  -s, --signal string   Signal to send to the container (default "
				 "\"KILL\")\n";

int cmd_kill(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"signal", required_argument, NULL, 's'},
		{0},
	};
	struct cli_flags f = {.usage = kill_usage, .shortopts = "s:", .longopts = opts};
	int sig = SIGKILL, c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		sig = berth_runspec_parse_signal(optarg);
		if (sig < 0)
			return cli_usage_error(cli, err, "invalid signal '%s'", optarg);
	}
	if (c < 0 || f.help)
		return c;
	return cli_for_each(cli, optind, argc, argv, do_kill, &sig, err);
}

static const char wait_usage[] =
	"Usage:  berth wait [OPTIONS] CONTAINER [CONTAINER...]\n\n"
	"Block until one or more containers stop, then print their exit codes\n\n"
	"Options:\n"
	"      --condition C   not-running (default), next-exit or removed (Docker's\n"
	"                      wait API conditions)\n";

int cmd_wait(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"condition", required_argument, NULL, 'C'},
		{0},
	};
	struct cli_flags f = {.usage = wait_usage, .shortopts = "", .longopts = opts};
	enum berth_wait_condition cond = BERTH_WAIT_NOT_RUNNING;
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (strcmp(optarg, "not-running") == 0)
			cond = BERTH_WAIT_NOT_RUNNING;
		else if (strcmp(optarg, "next-exit") == 0)
			cond = BERTH_WAIT_NEXT_EXIT;
		else if (strcmp(optarg, "removed") == 0)
			cond = BERTH_WAIT_REMOVED;
		else
			return cli_usage_error(cli, err,
					       "invalid condition '%s' (not-running, next-exit or "
					       "removed)",
					       optarg);
	}
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	for (int i = optind; i < argc; i++) {
		int code = 0;
		r = berth_container_wait_for(cli->store, argv[i], cond, -1, &code, err);
		if (r < 0)
			return r;
		printf("%d\n", code);
		fflush(stdout);
	}
	return 0;
}

static const char rm_usage[] =
	"Usage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]\n\n"
	"Remove one or more containers\n\n"
	"Options:\n"
	"  -f, --force     Force the removal of a running container (uses "
	"SIGKILL)\n"
	"  -v, --volumes   Accepted (the container's anonymous volumes always go "
	"with it)\n";

int cmd_rm(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"volumes", no_argument, NULL, 'v'},
		{0},
	};
	static const char *const unsupported[] = {"-l", "--link", NULL};
	struct cli_flags f = {
		.usage = rm_usage, .shortopts = "fv", .longopts = opts, .unsupported = unsupported};
	bool force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		force |= c == 'f';
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	/* one batch (the kills overlap); each operand still gets its own line, as cli_for_each */
	size_t n = (size_t)(argc - optind);
	_cleanup_free_ struct berth_error **errs = berth_xcalloc(n, sizeof(*errs));
	r = berth_container_remove_many(cli->store, argv + optind, n, force, errs);
	for (size_t i = 0; i < n; i++) {
		if (errs[i])
			fprintf(stderr, "berth: %s\n", berth_error_msg(errs[i]));
		else
			printf("%s\n", argv[optind + (int)i]);
		berth_error_free(&errs[i]);
	}
	return r < 0 ? 1 : 0;
}

static int do_start(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_start(cli->store, what, err);
}

static const char start_usage[] = "Usage:  berth start CONTAINER [CONTAINER...]\n\n"
				  "Start one or more stopped containers (in the background)\n";

int cmd_start(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {
		"-a", "--attach", "-i", "--interactive", "--detach-keys", NULL};
	bool help;
	int r = cli_no_flags(cli, start_usage, unsupported, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	return cli_for_each(cli, optind, argc, argv, do_start, NULL, err);
}

static int do_restart(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_stop(cli->store, what, *(int *)ctx, err);
	if (r < 0)
		return r;
	return berth_container_start(cli->store, what, err);
}

static const char restart_usage[] =
	"Usage:  berth restart [OPTIONS] CONTAINER [CONTAINER...]\n\n"
	"Restart one or more containers\n\n"
	"Options:\n"
	"  -t, --timeout int   Seconds to wait before killing the container (default 10)\n";

int cmd_restart(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	int timeout = 10;
	bool help;
	int r = parse_stop_flags(cli, restart_usage, argc, argv, &timeout, &help, err);
	if (r < 0 || help)
		return r;
	return cli_for_each(cli, optind, argc, argv, do_restart, &timeout, err);
}

static const char container_inspect_usage[] =
	"Usage:  berth container inspect [OPTIONS] CONTAINER [CONTAINER...]\n\n"
	"Display detailed information on one or more containers\n\n"
	"Options:\n"
	"  -f, --format string   Format output: json (default) or a Go template\n";

int cmd_container_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {"-s", "--size", NULL};
	return cli_inspect_command(cli, container_inspect_usage, "container", unsupported, argc,
				   argv, err);
}
