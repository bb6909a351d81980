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

/* Docker's formatter.Ellipsis for text without wide characters: max-1 runes and "…". */
static char *ellipsis(const char *s, size_t max)
{
	size_t runes = 0, i = 0, cut = 0;
	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && runes++ == max - 1)
			cut = i;
	if (runes <= max)
		return berth_xstrdup(s);
	return berth_xasprintf("%.*s…", (int)cut, s);
}

/* The daemon's Command of a container: path and args, args with a space in single quotes. */
static char *container_command(const json_t *c)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	size_t i;
	json_t *a;
	berth_buf_addstr(&b, str(c, "Path"));
	json_array_foreach (json_object_get(c, "Args"), i, a) {
		const char *s = json_string_value(a);
		berth_buf_addf(&b, strchr(s ? s : "", ' ') ? " '%s'" : " %s", s ? s : "");
	}
	return berth_buf_detach(&b, NULL);
}

/* strconv.Quote for the printable text commands hold. */
static char *go_quote(const char *s)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addch(&b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			berth_buf_addf(&b, "\\%c", c);
		else if (c == '\n' || c == '\t')
			berth_buf_addstr(&b, c == '\n' ? "\\n" : "\\t");
		else if (c < 0x20 || c == 0x7f)
			berth_buf_addf(&b, "\\x%02x", c);
		else
			berth_buf_addch(&b, (char)c);
	}
	berth_buf_addch(&b, '"');
	return berth_buf_detach(&b, NULL);
}

/* The daemon's State.String(): "Up 5 minutes", "Exited (0) 2 minutes ago", "Created". */
static void container_status(const json_t *st, char *out, size_t n)
{
	const char *status = str(st, "Status");
	time_t t;
	char d[48] = "";
	bool running = json_is_true(json_object_get(st, "Running"));
	const char *when = str(st, running ? "StartedAt" : "FinishedAt");
	if (cli_parse_time(when, &t) && t > 0)
		cli_human_duration(d, sizeof(d), difftime(time(NULL), t));
	if (running)
		snprintf(out, n, "Up %s", *d ? d : "Less than a second");
	else if (strcmp(status, "created") == 0)
		snprintf(out, n, "Created");
	else
		snprintf(out, n, "Exited (%lld) %s ago",
			 (long long)json_integer_value(json_object_get(st, "ExitCode")),
			 *d ? d : "Less than a second");
}

/* Labels as Docker's formatter joins them: k=v,k=v (sorted here; Go's map order is random). */
static char *container_labels(const json_t *c)
{
	json_t *labels = json_object_get(json_object_get(c, "Config"), "Labels");
	_cleanup_strv_free_ char **kv = NULL;
	const char *k;
	json_t *v;
	json_object_foreach (labels, k, v)
		berth_strv_consume(&kv, berth_xasprintf("%s=%s", k, json_string_value(v) ?: ""));
	berth_strv_sort(kv);
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH(l, kv)
	berth_buf_addf(&b, "%s%s", b.len ? "," : "", *l);
	return berth_buf_detach(&b, NULL);
}

static char *container_mounts(const json_t *c, bool trunc, int *ret_volumes)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	size_t i;
	json_t *m;
	*ret_volumes = 0;
	json_array_foreach (json_object_get(c, "Mounts"), i, m) {
		const char *name = *str(m, "Name") ? str(m, "Name") : str(m, "Source");
		_cleanup_free_ char *shown = trunc ? ellipsis(name, 15) : berth_xstrdup(name);
		berth_buf_addf(&b, "%s%s", b.len ? "," : "", shown);
		*ret_volumes += strcmp(str(m, "Type"), "volume") == 0;
	}
	return berth_buf_detach(&b, NULL);
}

/* One container as Docker's formatter names its fields (keys sorted, as its JSON). */
static json_t *ps_row(const json_t *c, bool trunc)
{
	const char *id = str(c, "Id");
	const char *image = *str(c, "ImageRef") ? str(c, "ImageRef") : str(c, "Rootfs");
	const char *name = str(c, "Name");
	json_t *st = json_object_get(c, "State");
	_cleanup_free_ char *cmd = container_command(c);
	_cleanup_free_ char *shown = trunc ? ellipsis(cmd, 20) : berth_xstrdup(cmd);
	_cleanup_free_ char *quoted = go_quote(shown);
	_cleanup_free_ char *labels = container_labels(c);
	int volumes = 0;
	_cleanup_free_ char *mounts = container_mounts(c, trunc, &volumes);
	char status[96], since[64], at[64], nvol[16];
	container_status(st, status, sizeof(status));
	cli_human_since(since, sizeof(since), str(c, "Created"));
	cli_created_at(at, sizeof(at), str(c, "Created"));
	snprintf(nvol, sizeof(nvol), "%d", volumes);
	const char *net = str(json_object_get(c, "HostConfig"), "NetworkMode");
	size_t idlen = trunc && strlen(id) > 12 ? 12 : strlen(id);
	return json_pack("{s:s, s:s, s:s%, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "Command", quoted, "CreatedAt", at, "ID", id, idlen, "Image", image,
			 "Labels", labels, "LocalVolumes", nvol, "Mounts", mounts, "Names",
			 name[0] == '/' ? name + 1 : name, "Networks", net, "Ports", "",
			 "RunningFor", since, "Size", "0B", "State", str(st, "Status"), "Status",
			 status);
}

static json_t *ps_titles(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "Command", "COMMAND", "CreatedAt", "CREATED AT", "ID", "CONTAINER ID",
			 "Image", "IMAGE", "Labels", "LABELS", "LocalVolumes", "LOCAL VOLUMES",
			 "Mounts", "MOUNTS", "Names", "NAMES", "Networks", "NETWORKS", "Ports",
			 "PORTS", "RunningFor", "CREATED", "Size", "SIZE", "State", "STATE",
			 "Status", "STATUS");
}

/* --format json, a template or `table TEMPLATE` over the listed containers. */
static int ps_print_formatted(const char *format, const json_t *list, bool all,
			      struct berth_error **err)
{
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	int r = cli_format_init(&fmt, format, err);
	size_t i;
	json_t *c;
	if (r < 0)
		return r;
	json_array_foreach (list, i, c) {
		if (!all && !json_is_true(json_object_get(json_object_get(c, "State"), "Running")))
			continue;
		_cleanup_json_ json_t *row = ps_row(c, true);
		r = cli_format_row(&fmt, row, err);
		if (r < 0)
			return r;
	}
	_cleanup_json_ json_t *titles = ps_titles();
	return cli_format_flush(&fmt, titles, err);
}

int cmd_ps(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool all = false, quiet = false;
	const char *format = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else if (strcmp(argv[i], "-aq") == 0 || strcmp(argv[i], "-qa") == 0)
			all = quiet = true;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			format = argv[i] + 9;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	_cleanup_json_ json_t *list = NULL;
	int r = berth_container_list(cli->root, &list, err);
	if (r < 0)
		return r;
	if (!quiet && format && *format && strcmp(format, "table") != 0)
		return ps_print_formatted(format, list, all, err);
	if (!quiet)
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
