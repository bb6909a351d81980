/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container endpoints that move bytes: logs (the json-file log as
 * Docker's multiplexed stream, raw with a tty), attach (the 101 hijack:
 * the output from the log, the client's stdin to the container's terminal
 * or stdin pipe through its console), export and the archive (docker cp) endpoints.
 */
#include "api/containers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "store/store.h"

/* Writes all of buf to fd; -EPIPE (or -errno) when the peer went away. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One frame of Docker's multiplexed stream on a hijacked socket. */
static int write_frame(int fd, int stream, const void *buf, size_t len)
{
	unsigned char h[8] = {(unsigned char)stream,
			      0,
			      0,
			      0,
			      (unsigned char)(len >> 24),
			      (unsigned char)(len >> 16),
			      (unsigned char)(len >> 8),
			      (unsigned char)len};
	int r = write_all(fd, h, sizeof(h));
	return r < 0 ? r : write_all(fd, buf, len);
}

/* What a log stream sends and to where (api stream or a hijacked socket). */
struct log_sink {
	struct api_req *req;
	int sock; /* >= 0: the hijacked socket */
	bool tty, out, err, timestamps;
	bool in; /* the client's stdin is read by stdin_pump: never read the socket here */
	double since, until; /* unix seconds, 0: none */
};

static double record_time(const struct berth_log_record *rec)
{
	struct tm tm = {0};
	const char *end = strptime(rec->time, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return 0;
	double frac = *end == '.' ? strtod(end, NULL) : 0;
	return (double)timegm(&tm) + frac;
}

/* 0, 1 when the record is filtered out, -EPIPE when the client left. */
static int send_record(const struct log_sink *s, const struct berth_log_record *rec)
{
	if ((rec->is_stderr && !s->err) || (!rec->is_stderr && !s->out))
		return 1;
	double t = s->since > 0 || s->until > 0 ? record_time(rec) : 0;
	if ((s->since > 0 && t < s->since) || (s->until > 0 && t > s->until))
		return 1;
	_cleanup_free_ char *text =
		s->timestamps ? berth_xasprintf("%s %.*s", rec->time, (int)rec->len, rec->text)
			      : NULL;
	const char *p = text ? text : rec->text;
	size_t len = text ? strlen(text) : rec->len;
	int stream = rec->is_stderr ? 2 : 1;
	if (s->sock >= 0)
		return s->tty ? write_all(s->sock, p, len) : write_frame(s->sock, stream, p, len);
	return s->tty ? api_stream_write(s->req, p, len) : api_stream_mux(s->req, stream, p, len);
}

static int drain(const struct log_sink *s, struct berth_log_reader *r)
{
	struct berth_log_record rec;
	while (berth_log_reader_next(r, &rec) > 0) {
		int ret = send_record(s, &rec);
		berth_log_record_release(&rec);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Whether the client went away. A hijacked client closes its writing half
 * when it attaches no stdin or its stdin ends: that end of input is not its
 * going, only a hang-up of both halves is; what it sends is dropped unless
 * stdin_pump takes it to the container. (A hijacked request is complete for
 * the transport: api_req_gone tells nothing of it.)
 */
static bool client_gone(const struct log_sink *s)
{
	char buf[4096];
	struct pollfd p = {.fd = s->sock, .events = POLLIN};
	if (s->sock < 0)
		return api_req_gone(s->req);
	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return true;
	if (s->in)
		return false;
	ssize_t n = recv(s->sock, buf, sizeof(buf), MSG_DONTWAIT);
	return n < 0 && errno != EAGAIN && errno != EINTR;
}

/*
 * Sends r's records; with follow, those written later too, until the
 * container stops: until_start is the StartedAt the container had when
 * following began, so a container not started yet (attach before start)
 * is followed through its next run.
 */
static void follow_log(struct api_req *req, const struct log_sink *s, const char *id, bool follow,
		       const char *until_start, struct berth_log_reader *r)
{
	for (;;) {
		if (drain(s, r) < 0 || !follow)
			return;
		_cleanup_json_ json_t *rec = NULL;
		bool gone = berth_container_inspect(api_req_store(req), id, &rec, NULL) < 0;
		json_t *st = json_object_get(rec, "State");
		const char *started = json_string_value(json_object_get(st, "StartedAt"));
		bool running = json_is_true(json_object_get(st, "Running"));
		bool waiting = !gone && !running && until_start && started &&
			       strcmp(started, until_start) == 0;
		/* what it wrote before it stopped is still sent */
		if (drain(s, r) < 0)
			return;
		if (gone || (!running && !waiting) || client_gone(s))
			return;
		nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
	}
}

static bool container_tty(struct api_req *req, const char *id, char **ret_started, bool *running)
{
	_cleanup_json_ json_t *rec = NULL;
	if (berth_container_inspect(api_req_store(req), id, &rec, NULL) < 0)
		return false;
	json_t *st = json_object_get(rec, "State");
	if (ret_started)
		*ret_started =
			berth_xstrdup(json_string_value(json_object_get(st, "StartedAt")) ?: "");
	if (running)
		*running = json_is_true(json_object_get(st, "Running"));
	return json_is_true(json_object_get(json_object_get(rec, "Config"), "Tty"));
}

int api_container_logs(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	_cleanup_(berth_log_reader_freep) struct berth_log_reader *reader = NULL;
	struct berth_error *err = NULL;
	const char *tail = api_req_query(req, "tail");
	const char *since = api_req_query(req, "since");
	const char *until = api_req_query(req, "until");
	struct log_sink s = {.req = req,
			     .sock = -1,
			     .out = api_req_query_bool(req, "stdout", false),
			     .err = api_req_query_bool(req, "stderr", false),
			     .timestamps = api_req_query_bool(req, "timestamps", false),
			     .since = since ? strtod(since, NULL) : 0,
			     .until = until ? strtod(until, NULL) : 0};
	if (!s.out && !s.err)
		return api_reply_error(req, 400,
				       "Bad parameters: you must choose at least one "
				       "stream");
	if (!api_container_id(req, &id))
		return 0;
	s.tty = container_tty(req, id, NULL, NULL);
	int r = berth_log_reader_open(api_req_store(req), id, false, &reader, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	berth_log_reader_tail(reader, !tail || strcmp(tail, "all") == 0 ? -1 : atol(tail));
	if (api_stream_begin(req, 200, "application/vnd.docker.raw-stream") < 0)
		return 0;
	follow_log(req, &s, id, api_req_query_bool(req, "follow", false), NULL, reader);
	return 0;
}

/* The client's stdin, on its way to a container's terminal or stdin pipe. */
struct stdin_pump {
	struct api_req *req;
	const char *id;
	int sock;
	atomic_bool stop;
};

/*
 * The container's console into *con: true once it is there, or with *con
 * still -1 when the container runs without one (no terminal, no -i, or its
 * StdinOnce input taken); false when the attach ended first. Attached
 * before the start (`docker run -i`), the console exists once the
 * container runs: its monitor listens before the record says running.
 */
static bool console_wait(struct stdin_pump *sp, int *con)
{
	for (;;) {
		struct berth_error *err = NULL;
		int r = berth_container_console(api_req_store(sp->req), sp->id, con, &err);
		berth_error_free(&err);
		if (r >= 0)
			return true;
		/* (a hijacked request is complete for the transport: api_req_gone says nothing) */
		if (atomic_load(&sp->stop))
			return false;
		bool running = false;
		(void)container_tty(sp->req, sp->id, NULL, &running);
		if (running) {
			/* it may have started between the two looks: one more */
			(void)berth_container_console(api_req_store(sp->req), sp->id, con, NULL);
			return true;
		}
		nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
	}
}

/*
 * Copies what the client sends to the container's input until the
 * client's stdin ends or the attach does (stop, then the socket shut for
 * reading); a container without input drops it. At the client's end of
 * input the copy is closed even when nothing was sent: with StdinOnce it
 * was the only writer, and the container reads EOF, as Docker closes it.
 */
static void *stdin_pump(void *arg)
{
	struct stdin_pump *sp = arg;
	_cleanup_close_ int con = -EBADF;
	bool looked = false;
	char buf[4096];
	for (;;) {
		ssize_t n = read(sp->sock, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || atomic_load(&sp->stop))
			break;
		if (!looked && !console_wait(sp, &con))
			break;
		looked = true;
		if (n == 0)
			break;
		/* EPIPE: the container closed its stdin; the rest is dropped */
		if (con >= 0 && berth_write_all(con, buf, (size_t)n, NULL) < 0)
			close(TAKE_FD(con));
	}
	return NULL;
}

/*
 * The output of the container from now on (with ?logs, what it wrote
 * before too) on the hijacked connection, until it stops. Attached before
 * its start (`docker run`), the log is made first, so that its reader
 * holds it even when an --rm container is gone before the first read.
 */
int api_container_attach(struct api_req *req)
{
	_cleanup_free_ char *id = NULL, *started = NULL, *log = NULL;
	_cleanup_(berth_log_reader_freep) struct berth_log_reader *reader = NULL;
	struct berth_error *err = NULL;
	bool running = false;
	struct log_sink s = {.req = req,
			     .out = api_req_query_bool(req, "stdout", false),
			     .err = api_req_query_bool(req, "stderr", false)};
	if (!api_container_id(req, &id))
		return 0;
	s.tty = container_tty(req, id, &started, &running);
	log = berth_container_log_path(api_req_store(req), id);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	int r = berth_log_reader_open(api_req_store(req), id,
				      !api_req_query_bool(req, "logs", false), &reader, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	s.sock = api_hijack(req);
	if (s.sock < 0)
		return 0;
	/* to the terminal, or the stdin pipe of a container created with OpenStdin */
	struct stdin_pump sp = {.req = req, .id = id, .sock = s.sock};
	pthread_t pump;
	s.in = api_req_query_bool(req, "stdin", false) &&
	       pthread_create(&pump, NULL, stdin_pump, &sp) == 0;
	if (api_req_query_bool(req, "stream", false))
		follow_log(req, &s, id, true, running ? NULL : started, reader);
	else
		(void)drain(&s, reader);
	if (s.in) {
		atomic_store(&sp.stop, true);
		shutdown(s.sock, SHUT_RD);
		pthread_join(pump, NULL);
	}
	close(s.sock);
	return 0;
}

/* An unlinked file beside the store's blobs, for what a library call writes to an fd. */
static int spool_open(struct api_req *req)
{
	return open(berth_store_root_path(api_req_store(req)), O_TMPFILE | O_RDWR | O_CLOEXEC,
		    0600);
}

/* Streams fd (from its start) as the reply's body. */
static int send_spool(struct api_req *req, int fd, const char *type)
{
	char buf[65536];
	ssize_t n;
	if (lseek(fd, 0, SEEK_SET) < 0 || api_stream_begin(req, 200, type) < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (api_stream_write(req, buf, (size_t)n) < 0)
			break;
	return 0;
}

int api_container_export(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct berth_error *err = NULL;
	if (!api_container_id(req, &id))
		return 0;
	fd = spool_open(req);
	if (fd < 0)
		return api_reply_error(req, 500, "export: temporary file: %s", strerror(errno));
	int r = berth_container_export(api_req_store(req), id, fd, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return send_spool(req, fd, "application/x-tar");
}

/* Go's os.FileMode of a stat mode (what Docker's PathStat carries). */
static unsigned long go_file_mode(mode_t m)
{
	unsigned long v = m & 0777;
	if (S_ISDIR(m))
		v |= 1UL << 31;
	else if (S_ISLNK(m))
		v |= 1UL << 27;
	else if (S_ISBLK(m))
		v |= 1UL << 26;
	else if (S_ISCHR(m))
		v |= 1UL << 26 | 1UL << 21;
	else if (S_ISFIFO(m))
		v |= 1UL << 25;
	else if (S_ISSOCK(m))
		v |= 1UL << 24;
	if (m & S_ISUID)
		v |= 1UL << 23;
	if (m & S_ISGID)
		v |= 1UL << 22;
	if (m & S_ISVTX)
		v |= 1UL << 20;
	return v;
}

/*
 * The path's stat as the X-Docker-Container-Path-Stat header: base64 of
 * the JSON {name, size, mode, mtime, linkTarget} that the docker CLI reads
 * to tell a directory, a file and a symlink apart. 1 with *ret set
 * (owned), or replied (404 for a path that is not there) and 0.
 */
static int archive_stat(struct api_req *req, const char *id, const char *path, char **ret)
{
	struct berth_error *err = NULL;
	struct berth_cp_stat st;
	int r = berth_container_cp_stat(api_req_store(req), id, path, &st, &err);
	if (r == -ENOENT) {
		berth_error_free(&err);
		api_reply_error(req, 404, "Could not find the file %s in container %s", path,
				api_req_param(req, 0));
		return 0;
	}
	if (r < 0) {
		api_reply_berror(req, &err);
		return 0;
	}
	struct tm tm;
	char when[32] = "", mtime[48];
	if (gmtime_r(&st.st.st_mtim.tv_sec, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(mtime, sizeof(mtime), "%s.%09ldZ", when, st.st.st_mtim.tv_nsec);
	json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s}", "name", st.name, "size",
			      (json_int_t)st.st.st_size, "mode",
			      (json_int_t)go_file_mode(st.st.st_mode), "mtime", mtime, "linkTarget",
			      st.link_target ? st.link_target : "");
	berth_cp_stat_release(&st);
	_cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s) {
		api_reply_error(req, 500, "archive: out of memory");
		return 0;
	}
	*ret = berth_base64_encode(s, strlen(s));
	return 1;
}

/*
 * HEAD: the stat of ?path= alone (`docker cp` asks before it copies); GET:
 * the stat, and ?path= as the tar `berth cp CONTAINER:PATH -` writes.
 */
static int archive(struct api_req *req, bool with_tar)
{
	_cleanup_free_ char *id = NULL;
	_cleanup_free_ char *stat = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct berth_error *err = NULL;
	const char *path = api_req_query(req, "path");
	if (!path || !*path)
		return api_reply_error(req, 400, "path is required");
	if (!api_container_id(req, &id) || !archive_stat(req, id, path, &stat))
		return 0;
	if (!with_tar) {
		api_reply_header(req, "X-Docker-Container-Path-Stat", stat);
		return api_reply_empty(req, 200);
	}
	fd = spool_open(req);
	if (fd < 0)
		return api_reply_error(req, 500, "archive: temporary file: %s", strerror(errno));
	struct berth_cp_options o = {0};
	int r = berth_container_cp_tar_out(api_req_store(req), id, path, &o, fd, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	api_reply_header(req, "X-Docker-Container-Path-Stat", stat);
	return send_spool(req, fd, "application/x-tar");
}

int api_container_archive_head(struct api_req *req)
{
	return archive(req, false);
}

int api_container_archive_get(struct api_req *req)
{
	return archive(req, true);
}

int api_container_archive_put(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	const char *path = api_req_query(req, "path");
	int fd = api_req_body_fd(req);
	if (!path || !*path)
		return api_reply_error(req, 400, "path is required");
	if (!api_container_id(req, &id))
		return 0;
	if (fd < 0)
		return api_reply_error(req, 400, "archive: the request has no tar body");
	struct berth_cp_options o = {0};
	int r = berth_container_cp_tar_in(api_req_store(req), id, fd, path, &o, &err);
	if (r == -ENOENT) {
		berth_error_free(&err);
		return api_reply_error(req, 404, "Could not find the file %s in container %s", path,
				       api_req_param(req, 0));
	}
	return r < 0 ? api_reply_berror(req, &err) : api_reply_empty(req, 200);
}
