/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader of a container's json-file log (containers/<id>/<id>-json.log,
 * written by the monitor): one record per line, as Docker's json-file
 * driver. `logs`, `attach` and `compose logs` all read through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/container.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"

struct berth_log_reader {
	char *path;
	int fd; /* -1 until the log exists */
	struct berth_buf buf;
	size_t pos; /* the first byte of buf not yet returned */
};

void berth_log_record_release(struct berth_log_record *rec)
{
	free(rec->text);
	*rec = (struct berth_log_record){0};
}

int berth_log_record_parse(const char *line, size_t len, struct berth_log_record *ret)
{
	_cleanup_json_ json_t *j = NULL;
	if (berth_json_parse(line, len, "log", &j, NULL) < 0 || !json_is_object(j))
		return -EINVAL;
	json_t *log = json_object_get(j, "log");
	const char *stream = json_string_value(json_object_get(j, "stream"));
	const char *time = json_string_value(json_object_get(j, "time"));
	if (!json_is_string(log))
		return -EINVAL;
	*ret = (struct berth_log_record){0};
	ret->len = json_string_length(log);
	ret->text = berth_xmalloc(ret->len + 1);
	memcpy(ret->text, json_string_value(log), ret->len);
	ret->text[ret->len] = '\0';
	ret->is_stderr = stream && strcmp(stream, "stderr") == 0;
	snprintf(ret->time, sizeof(ret->time), "%s", time ? time : "");
	return 0;
}

int berth_log_reader_open(struct berth_store *store, const char *id, bool from_end,
			  struct berth_log_reader **ret, struct berth_error **err)
{
	_cleanup_free_ char *path = berth_container_log_path(store, id);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "open '%s'", path);
	/* from now on: what is there was written before */
	if (fd >= 0 && from_end && lseek(fd, 0, SEEK_END) < 0) {
		int e = errno;
		close(fd);
		return berth_error_syscall(err, e, "seek '%s'", path);
	}
	struct berth_log_reader *r = berth_xcalloc(1, sizeof(*r));
	r->path = TAKE_PTR(path);
	r->fd = fd;
	*ret = r;
	return 0;
}

void berth_log_reader_free(struct berth_log_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	berth_buf_release(&r->buf);
	free(r->path);
	free(r);
}

/* Appends what the log holds beyond what was read; a log made since is opened. */
static void reader_fill(struct berth_log_reader *r)
{
	char chunk[65536];
	ssize_t n;
	if (r->fd < 0)
		r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	/* drop what was returned, so the buffer holds one unread tail */
	if (r->pos > 0 && r->pos == r->buf.len) {
		berth_buf_reset(&r->buf);
		r->pos = 0;
	}
	while (r->fd >= 0 && (n = read(r->fd, chunk, sizeof(chunk))) > 0)
		berth_buf_add(&r->buf, chunk, (size_t)n);
}

void berth_log_reader_tail(struct berth_log_reader *r, long n)
{
	reader_fill(r);
	if (n < 0)
		return;
	/* the last n complete lines: back from the end over n newlines */
	long seen = 0;
	size_t p = r->buf.len;
	while (p > r->pos && n > 0) {
		if (r->buf.buf[p - 1] == '\n' && p != r->buf.len && ++seen == n)
			break;
		p--;
	}
	r->pos = n == 0 ? r->buf.len : p;
}

int berth_log_reader_next(struct berth_log_reader *r, struct berth_log_record *ret)
{
	for (int pass = 0; pass < 2; pass++) {
		char *nl;
		while (r->pos < r->buf.len &&
		       (nl = memchr(r->buf.buf + r->pos, '\n', r->buf.len - r->pos))) {
			size_t start = r->pos;
			r->pos = (size_t)(nl - r->buf.buf) + 1;
			/* a line that is no record (a torn write) is skipped */
			if (berth_log_record_parse(r->buf.buf + start, r->pos - start - 1, ret) >=
			    0)
				return 1;
		}
		if (pass == 0)
			reader_fill(r);
	}
	return 0;
}
