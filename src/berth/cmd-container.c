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
#include "berth/ps.h"
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

/* Docker's default `ps` table (cli/command/formatter: defaultContainerTableFormat). */
static const char ps_table[] = "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t"
			       "{{.Status}}\\t{{.Ports}}\\t{{.Names}}";

/* The selected containers through the table, --format or -q, as Docker's formatter. */
static int ps_print(const json_t *selected, const struct ps_options *o, struct berth_error **err)
{
	/* as Docker's NewContainerFormat, -q wins over any format */
	const char *format = ps_table;
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
		_cleanup_json_ json_t *row = ps_row(c, !o->no_trunc);
		r = cli_format_row(&fmt, row, err);
		if (r < 0)
			return r;
	}
	_cleanup_json_ json_t *titles = ps_titles();
	return cli_format_flush(&fmt, titles, err);
}

/* The value of a flag taking one: `--flag V`, `--flag=V` (and `-f V`, `-fV` with a short name). */
static const char *flag_value(int argc, char **argv, int *i, const char *lng, const char *shrt)
{
	size_t n = strlen(lng);
	if ((strcmp(argv[*i], lng) == 0 || (shrt && strcmp(argv[*i], shrt) == 0)) && *i + 1 < argc)
		return argv[++*i];
	if (strncmp(argv[*i], lng, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (shrt && strncmp(argv[*i], shrt, 2) == 0 && argv[*i][2])
		return argv[*i] + 2;
	return NULL;
}

static int ps_parse_args(struct berth_cli *cli, int argc, char **argv, struct ps_options *o,
			 struct berth_error **err)
{
	const char *v;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
			o->all = true;
		else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			o->quiet = true;
		else if (strcmp(argv[i], "-aq") == 0 || strcmp(argv[i], "-qa") == 0)
			o->all = o->quiet = true;
		else if (strcmp(argv[i], "--no-trunc") == 0)
			o->no_trunc = true;
		else if (strcmp(argv[i], "-l") == 0 || strcmp(argv[i], "--latest") == 0)
			o->last = 1;
		else if ((v = flag_value(argc, argv, &i, "--last", "-n"))) {
			char *end = NULL;
			o->last = strtol(v, &end, 10);
			if (!*v || *end)
				return cli_usage_error(cli, err, "invalid argument '%s' for '-n'",
						       v);
		} else if ((v = flag_value(argc, argv, &i, "--filter", "-f")))
			berth_strv_push(&o->filters, v);
		else if ((v = flag_value(argc, argv, &i, "--format", NULL)))
			o->format = v;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	return 0;
}

int cmd_ps(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	struct ps_options o = {.last = -1};
	int r = ps_parse_args(cli, argc, argv, &o, err);
	_cleanup_strv_free_ char **filters = o.filters;
	if (r < 0)
		return r;
	r = ps_filters_check(filters, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *list = NULL;
	r = berth_container_list(cli->root, &list, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *selected = ps_select(list, &o);
	return ps_print(selected, &o, err);
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

int cmd_logs(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool follow = false, timestamps = false;
	long tail = -1;
	const char *what = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
			follow = true;
		else if (strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--timestamps") == 0)
			timestamps = true;
		else if ((strcmp(argv[i], "--tail") == 0 || strcmp(argv[i], "-n") == 0) &&
			 i + 1 < argc)
			tail = strcmp(argv[++i], "all") == 0 ? -1 : strtol(argv[i], NULL, 10);
		else if (strncmp(argv[i], "--tail=", 7) == 0)
			tail = strtol(argv[i] + 7, NULL, 10);
		else if (argv[i][0] != '-' && !what)
			what = argv[i];
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	if (!what)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
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

int cmd_stop(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	int timeout = 10, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--time") == 0) && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	return for_each(cli, i, argc, argv, do_stop, &timeout, err);
}

static int do_kill(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	return berth_container_kill(cli->root, what, *(int *)ctx, err);
}

int cmd_kill(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	int sig = SIGKILL, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--signal") == 0) &&
		    i + 1 < argc)
			sig = parse_signal(argv[++i]);
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
		if (sig < 0)
			return cli_usage_error(cli, err, "invalid signal '%s'", argv[i]);
	}
	return for_each(cli, i, argc, argv, do_kill, &sig, err);
}

int cmd_wait(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	if (argc < 2)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	for (int i = 1; i < argc; i++) {
		int code = 0;
		int r = berth_container_wait(cli->root, argv[i], -1, &code, err);
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

int cmd_rm(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool force = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--volumes") == 0)
			continue;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	return for_each(cli, i, argc, argv, do_rm, &force, err);
}

static int do_start(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	return berth_container_start(cli->root, what, err);
}

int cmd_start(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return for_each(cli, 1, argc, argv, do_start, NULL, err);
}

static int do_restart(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = berth_container_stop(cli->root, what, *(int *)ctx, err);
	if (r < 0)
		return r;
	return berth_container_start(cli->root, what, err);
}

int cmd_restart(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	int timeout = 10, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--time") == 0) && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	return for_each(cli, i, argc, argv, do_restart, &timeout, err);
}

/* -f/--format before the operands (Docker's inspect flag); *ret_first is the first operand. */
static int inspect_format_flag(struct berth_cli *cli, int argc, char **argv,
			       const char **ret_format, int *ret_first, struct berth_error **err)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--format") == 0) &&
		    i + 1 < argc)
			*ret_format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			*ret_format = argv[i] + 9;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	*ret_first = i;
	return 0;
}

int cmd_container_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	const char *format = NULL;
	int first = 1;
	int r = inspect_format_flag(cli, argc, argv, &format, &first, err);
	if (r < 0)
		return r;
	if (first >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	_cleanup_json_ json_t *all = json_array();
	int ret = 0;
	for (int i = first; i < argc; i++) {
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
	r = cli_format_inspect(format, all, err);
	return r < 0 ? r : ret;
}
