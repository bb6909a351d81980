/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a handler sees of its request, and how it answers: whole replies,
 * chunked streams handed over one write at a time to the connection thread,
 * and the hijack of attach and exec.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/transport.h"
#include "core/alloc.h"
#include "core/bool.h"
#include "core/cleanup.h"
#include "core/strv.h"

const char *api_kv_get(char *const *kv, const char *key, bool icase)
{
	for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2)
		if (icase ? strcasecmp(kv[i], key) == 0 : strcmp(kv[i], key) == 0)
			return kv[i + 1];
	return NULL;
}

const char *api_req_method(const struct api_req *req)
{
	return req->method;
}

const char *api_req_path(const struct api_req *req)
{
	return req->path;
}

const char *api_req_version(const struct api_req *req)
{
	return req->version[0] ? req->version : API_VERSION_MAX;
}

const char *api_req_param(const struct api_req *req, unsigned i)
{
	return i < API_PARAMS_MAX ? req->params[i] : NULL;
}

const char *api_req_query(const struct api_req *req, const char *key)
{
	return api_kv_get(req->query, key, false);
}

char **api_req_query_all(const struct api_req *req, const char *key)
{
	char **out = NULL;
	for (size_t i = 0; req->query && req->query[i] && req->query[i + 1]; i += 2)
		if (strcmp(req->query[i], key) == 0)
			berth_strv_push(&out, req->query[i + 1]);
	return out;
}

bool api_req_query_bool(const struct api_req *req, const char *key, bool dflt)
{
	const char *v = api_req_query(req, key);

	if (!v)
		return dflt;
	/* Docker's boolValue: everything but "", "0", "no", "false", "none" is true. */
	return !(strcmp(v, "") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 ||
		 strcasecmp(v, "false") == 0 || strcasecmp(v, "none") == 0);
}

const char *api_req_header(const struct api_req *req, const char *name)
{
	return api_kv_get(req->headers, name, true);
}

json_t *api_req_json(const struct api_req *req)
{
	return req->json;
}

int api_req_body_fd(const struct api_req *req)
{
	return req->body_fd;
}

bool api_req_gone(struct api_req *req)
{
	bool gone;

	pthread_mutex_lock(&req->lock);
	gone = req->gone || api_server_stopping(req->srv);
	pthread_mutex_unlock(&req->lock);
	return gone;
}

void api_response_add_common(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Api-Version", API_VERSION_MAX);
	MHD_add_response_header(resp, "Docker-Experimental", "false");
	MHD_add_response_header(resp, "Ostype", "linux");
	MHD_add_response_header(resp, "Server", "berth/" BERTH_VERSION " (linux)");
}

int api_reply_header(struct api_req *req, const char *name, const char *value)
{
	for (size_t i = 0; i < API_REPLY_HEADERS_MAX; i++)
		if (!req->reply_headers[i][0]) {
			req->reply_headers[i][0] = name;
			req->reply_headers[i][1] = value;
			return 0;
		}
	return -E2BIG;
}

void api_req_answer(struct api_req *req, enum api_req_state state, unsigned status,
		    struct MHD_Response *resp)
{
	api_response_add_common(resp);
	for (size_t i = 0; i < API_REPLY_HEADERS_MAX && req->reply_headers[i][0]; i++) {
		MHD_add_response_header(resp, req->reply_headers[i][0], req->reply_headers[i][1]);
		req->reply_headers[i][0] = req->reply_headers[i][1] = NULL;
	}
	pthread_mutex_lock(&req->lock);
	req->response = resp;
	req->status = status;
	req->state = state;
	pthread_cond_broadcast(&req->cond);
	pthread_mutex_unlock(&req->lock);
}

static int reply_buffer(struct api_req *req, unsigned status, char *data, size_t len,
			const char *content_type)
{
	struct MHD_Response *resp;

	if (req->state != API_REQ_PENDING) {
		free(data);
		return -EALREADY;
	}
	resp = MHD_create_response_from_buffer(len, data ? data : (char *)"",
					       data ? MHD_RESPMEM_MUST_FREE
						    : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(data);
		return -ENOMEM;
	}
	if (content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	api_req_answer(req, API_REQ_REPLIED, status, resp);
	return 0;
}

int api_reply_json(struct api_req *req, unsigned status, json_t *body)
{
	char *s;
	size_t len;

	if (!body)
		return reply_buffer(req, status, NULL, 0, NULL);
	/* As Go's json.Encoder: compact, one line, a newline. */
	s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (!s)
		return reply_buffer(req, 500, NULL, 0, NULL);
	len = strlen(s);
	s = berth_xrealloc(s, len + 2);
	s[len++] = '\n';
	s[len] = '\0';
	return reply_buffer(req, status, s, len, "application/json");
}

int api_reply_empty(struct api_req *req, unsigned status)
{
	return reply_buffer(req, status, NULL, 0, NULL);
}

int api_reply_error(struct api_req *req, unsigned status, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return api_reply_json(req, status, json_pack("{s:s}", "message", msg ? msg : "error"));
}

unsigned api_status_of_errno(int code)
{
	switch (code) {
	case ENOENT:
		return 404;
	case EEXIST:
		return 409;
	case EINVAL:
		return 400;
	case ENOTSUP:
		return 501;
	default:
		return 500;
	}
}

int api_reply_berror(struct api_req *req, struct berth_error **err)
{
	int code = berth_error_code(*err);
	int r = api_reply_error(req, api_status_of_errno(code), "%s",
				berth_error_msg(*err) ? berth_error_msg(*err) : strerror(code));

	berth_error_free(err);
	return r;
}

/* Whether the client closed its end while the stream had nothing to send. */
static bool peer_closed(int fd)
{
	char c;
	ssize_t n;

	if (fd < 0)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool api_req_wait_answer(struct api_req *req)
{
	bool ok;

	pthread_mutex_lock(&req->lock);
	while (req->state == API_REQ_PENDING && !req->gone) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (pthread_cond_timedwait(&req->cond, &req->lock, &ts) == ETIMEDOUT &&
		    (api_server_stopping(req->srv) || peer_closed(req->conn_fd))) {
			req->gone = true;
			req->stop_flag = 1;
		}
	}
	ok = req->state != API_REQ_PENDING;
	pthread_mutex_unlock(&req->lock);
	return ok;
}

static ssize_t read_raw(struct api_req *req, char *buf, size_t max)
{
	for (;;) {
		struct pollfd p = {.fd = req->raw_fd, .events = POLLIN};
		int n = poll(&p, 1, 1000);
		if (n > 0) {
			ssize_t r = read(req->raw_fd, buf, max);
			if (r < 0 && errno == EINTR)
				continue;
			return r > 0 ? r : MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (api_req_gone(req) || peer_closed(req->conn_fd))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

/* libmicrohttpd's connection thread asks for the next bytes of a stream. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct api_req *req = cls;
	ssize_t ret;

	if (req->raw_fd >= 0)
		return read_raw(req, buf, max);
	pthread_mutex_lock(&req->lock);
	for (;;) {
		if (req->chunk_len > 0) {
			size_t n = req->chunk_len < max ? req->chunk_len : max;
			memcpy(buf, req->chunk, n);
			req->chunk += n;
			req->chunk_len -= n;
			if (req->chunk_len == 0)
				pthread_cond_broadcast(&req->cond);
			ret = (ssize_t)n;
			break;
		}
		if (req->stream_end) {
			ret = MHD_CONTENT_READER_END_OF_STREAM;
			break;
		}
		if (req->gone || api_server_stopping(req->srv)) {
			ret = MHD_CONTENT_READER_END_WITH_ERROR;
			break;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (pthread_cond_timedwait(&req->cond, &req->lock, &ts) == ETIMEDOUT &&
		    peer_closed(req->conn_fd)) {
			req->gone = true;
			req->stop_flag = 1;
			pthread_cond_broadcast(&req->cond);
		}
	}
	pthread_mutex_unlock(&req->lock);
	return ret;
}

static void stream_free(void *cls)
{
	struct api_req *req = cls;

	pthread_mutex_lock(&req->lock);
	req->gone = true;
	req->stop_flag = 1;
	pthread_cond_broadcast(&req->cond);
	pthread_mutex_unlock(&req->lock);
	api_req_unref(req);
}

static int stream_response(struct api_req *req, unsigned status, const char *content_type)
{
	struct MHD_Response *resp;

	if (req->state != API_REQ_PENDING)
		return -EALREADY;
	if (api_req_gone(req))
		return -EPIPE; /* nobody would read it */
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, req,
						 stream_free);
	if (!resp)
		return -ENOMEM;
	pthread_mutex_lock(&req->lock);
	req->refs++; /* the response's, dropped by stream_free */
	pthread_mutex_unlock(&req->lock);
	if (content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	api_req_answer(req, API_REQ_STREAM, status, resp);
	return 0;
}

int api_stream_begin(struct api_req *req, unsigned status, const char *content_type)
{
	return stream_response(req, status, content_type);
}

int api_stream_write(struct api_req *req, const void *buf, size_t len)
{
	int r = 0;

	if (req->state != API_REQ_STREAM || req->raw_fd >= 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	pthread_mutex_lock(&req->lock);
	req->chunk = buf;
	req->chunk_len = len;
	pthread_cond_broadcast(&req->cond);
	while (req->chunk_len > 0 && !req->gone && !api_server_stopping(req->srv))
		pthread_cond_wait(&req->cond, &req->lock);
	if (req->chunk_len > 0)
		r = -EPIPE;
	req->chunk = NULL;
	req->chunk_len = 0;
	pthread_mutex_unlock(&req->lock);
	return r;
}

int api_stream_json(struct api_req *req, json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t len;
	int r;

	json_decref(msg);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s = berth_xrealloc(s, len + 2);
	s[len++] = '\n';
	r = api_stream_write(req, s, len);
	free(s);
	return r;
}

/* Docker's frame: {stream, 0, 0, 0, size big-endian} then the bytes (owned by the caller). */
static unsigned char *mux_frame(int stream, const void *buf, size_t len)
{
	unsigned char *frame = berth_xmalloc(8 + len);

	frame[0] = (unsigned char)stream;
	frame[1] = frame[2] = frame[3] = 0;
	frame[4] = (unsigned char)(len >> 24);
	frame[5] = (unsigned char)(len >> 16);
	frame[6] = (unsigned char)(len >> 8);
	frame[7] = (unsigned char)len;
	memcpy(frame + 8, buf, len);
	return frame;
}

int api_stream_mux(struct api_req *req, int stream, const void *buf, size_t len)
{
	_cleanup_free_ unsigned char *frame = NULL;

	if (len > UINT32_MAX)
		return -EINVAL;
	frame = mux_frame(stream, buf, len);
	return api_stream_write(req, frame, 8 + len);
}

int api_fd_write_mux(int fd, int stream, const void *buf, size_t len)
{
	_cleanup_free_ unsigned char *frame = NULL;
	const unsigned char *p;
	size_t left = 8 + len;

	if (len > UINT32_MAX)
		return -EINVAL;
	frame = mux_frame(stream, buf, len);
	for (p = frame; left > 0;) {
		ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

const volatile sig_atomic_t *api_req_stop_flag(struct api_req *req)
{
	return &req->stop_flag;
}
