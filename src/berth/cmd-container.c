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
#include "container/container.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static const char ps_usage[] =
	"Usage:  berth ps [OPTIONS]\n\n"
	"List containers\n\n"
	"Options:\n"
	"  -a, --all             Show all containers (default shows just running)\n"
	"      --format string   Format output: table (default) or json\n"
	"  -q, --quiet           Only display container IDs\n";

static const char *const ps_unsupported[] = {
	"-f", "--filter", "-n", "--last", "-l", "--latest", "--no-trunc", "-s", "--size", NULL,
};

int cmd_ps(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"format", required_argument, NULL, 'F'},
		{0},
	};
	struct cli_flags f = {.usage = ps_usage,
			      .shortopts = "aq",
			      .longopts = opts,
			      .unsupported = ps_unsupported};
	bool all = false, quiet = false, json = false;
	int opt;
	while ((opt = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (opt == 'a')
			all = true;
		else if (opt == 'q')
			quiet = true;
		else if (strcmp(optarg, "json") == 0)
			json = true;
		else if (strcmp(optarg, "table") != 0)
			return cli_usage_error(cli, err, "unsupported format '%s' (table or json)",
					       optarg);
	}
	if (opt < 0 || f.help)
		return opt;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	_cleanup_json_ json_t *list = NULL;
	int r = berth_container_list(cli->root, &list, err);
	if (r < 0)
		return r;
	if (!quiet && !json)
		printf("%-12s   %-20s   %-24s   %-10s   %s\n", "CONTAINER ID", "IMAGE", "COMMAND",
		       "STATUS", "NAMES");
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		json_t *st = json_object_get(c, "State");
		bool running = json_is_true(json_object_get(st, "Running"));
		if (!all && !running)
			continue;
		const char *id = str(c, "Id");
		if (quiet) {
			printf("%.12s\n", id);
			continue;
		}
		const char *image = *str(c, "ImageRef") ? str(c, "ImageRef") : str(c, "Rootfs");
		char status[64];
		if (running)
			snprintf(status, sizeof(status), "Up");
		else
			snprintf(status, sizeof(status), "Exited (%lld)",
				 (long long)json_integer_value(json_object_get(st, "ExitCode")));
		if (json) {
			json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ID", id, "Image",
						 image, "Names", str(c, "Name"), "State",
						 running ? "running" : "exited", "Status", status);
			_cleanup_free_ char *s = berth_json_dump(line, NULL);
			json_decref(line);
			printf("%s\n", s);
			continue;
		}
		printf("%.12s   %-20.20s   \"%-22.22s\"   %-10s   %s\n", id, image, str(c, "Path"),
		       status, str(c, "Name"));
	}
	return 0;
}

/* Prints one json-file log line's text; false when the line is not one. */
static bool print_log_line(const char *line, size_t len, bool timestamps)
{
	json_t *j = NULL;
	if (berth_json_parse(line, len, "log", &j, NULL) < 0)
		return false;
	const char *stream = str(j, "stream");
	FILE *out = strcmp(stream, "stderr") == 0 ? stderr : stdout;
	if (timestamps)
		fprintf(out, "%s ", str(j, "time"));
	json_t *l = json_object_get(j, "log");
	fwrite(json_string_value(l), 1, json_string_length(l), out);
	fflush(out);
	json_decref(j);
	return true;
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
	int r = berth_container_find(cli->root, what, &id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = berth_container_log_path(cli->root, id);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !follow)
		return 0;
	struct berth_buf buf = BERTH_BUF_INIT;
	char chunk[65536];
	ssize_t n;
	while (fd >= 0 && (n = read(fd, chunk, sizeof(chunk))) > 0)
		berth_buf_add(&buf, chunk, (size_t)n);
	/* --tail: the last N complete lines */
	size_t start = 0;
	if (tail >= 0) {
		long seen = 0;
		size_t p = buf.len;
		while (p > 0) {
			if (buf.buf[p - 1] == '\n' && p != buf.len && ++seen == tail)
				break;
			p--;
		}
		start = tail == 0 ? buf.len : p;
	}
	size_t pos = start;
	for (;;) {
		char *nl;
		while (pos < buf.len && (nl = memchr(buf.buf + pos, '\n', buf.len - pos))) {
			print_log_line(buf.buf + pos, (size_t)(nl - buf.buf - pos), timestamps);
			pos = (size_t)(nl - buf.buf) + 1;
		}
		if (!follow)
			break;
		_cleanup_json_ json_t *st = NULL;
		bool running =
			berth_container_inspect(cli->root, id, &st, NULL) >= 0 &&
			json_is_true(json_object_get(json_object_get(st, "State"), "Running"));
		if (fd < 0)
			fd = open(path, O_RDONLY | O_CLOEXEC);
		bool got = false;
		while (fd >= 0 && (n = read(fd, chunk, sizeof(chunk))) > 0) {
			berth_buf_add(&buf, chunk, (size_t)n);
			got = true;
		}
		if (!got && !running)
			break;
		if (!got)
			nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	berth_buf_release(&buf);
	return 0;
}

static int parse_signal(const char *s)
{
	const char *n = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
	char *end = NULL;
	long v = strtol(n, &end, 10);
	if (end != n && !*end)
		return v > 0 && v < 65 ? (int)v : -1;
	for (int i = 1; i < 65; i++) {
		const char *a = sigabbrev_np(i);
		if (a && strcasecmp(a, n) == 0)
			return i;
	}
	return -1;
}

/* Runs fn on each operand, printing it on success, as Docker's multi-container verbs. */
static int for_each(struct berth_cli *cli, int first, int argc, char **argv,
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
	return berth_container_stop(cli->root, what, *(int *)ctx, err);
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
	return for_each(cli, optind, argc, argv, do_stop, &timeout, err);
}

static int do_kill(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	return berth_container_kill(cli->root, what, *(int *)ctx, err);
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
		sig = parse_signal(optarg);
		if (sig < 0)
			return cli_usage_error(cli, err, "invalid signal '%s'", optarg);
	}
	if (c < 0 || f.help)
		return c;
	return for_each(cli, optind, argc, argv, do_kill, &sig, err);
}

static const char wait_usage[] = "Usage:  berth wait CONTAINER [CONTAINER...]\n\n"
				 "Block until one or more containers stop, then print their exit "
				 "codes\n";

int cmd_wait(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool help;
	int r = cli_no_flags(cli, wait_usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	for (int i = optind; i < argc; i++) {
		int code = 0;
		r = berth_container_wait(cli->root, argv[i], -1, &code, err);
		if (r < 0)
			return r;
		printf("%d\n", code);
	}
	return 0;
}

static int do_rm(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	return berth_container_remove(cli->root, what, *(bool *)ctx, err);
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
	return for_each(cli, optind, argc, argv, do_rm, &force, err);
}

static int do_start(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	return berth_container_start(cli->root, what, err);
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
	return for_each(cli, optind, argc, argv, do_start, NULL, err);
}

static int do_restart(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = berth_container_stop(cli->root, what, *(int *)ctx, err);
	if (r < 0)
		return r;
	return berth_container_start(cli->root, what, err);
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
	return for_each(cli, optind, argc, argv, do_restart, &timeout, err);
}

static const char container_inspect_usage[] =
	"Usage:  berth container inspect CONTAINER [CONTAINER...]\n\n"
	"Display detailed information on one or more containers, as JSON\n";

int cmd_container_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {"-f", "--format", "-s", "--size", NULL};
	bool help;
	int r = cli_no_flags(cli, container_inspect_usage, unsupported, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	_cleanup_json_ json_t *all = json_array();
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		json_t *st = NULL;
		struct berth_error *e = NULL;
		if (berth_container_inspect(cli->root, argv[i], &st, &e) < 0) {
			fprintf(stderr, "berth: %s\n", berth_error_msg(e));
			berth_error_free(&e);
			ret = 1;
			continue;
		}
		json_array_append_new(all, st);
	}
	_cleanup_free_ char *s = berth_json_dump_pretty(all);
	printf("%s\n", s);
	return ret;
}
