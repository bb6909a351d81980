/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport: libmicrohttpd, one thread per connection, on a socket the
 * caller opened. Each request's handler runs in a thread of its own, so that
 * it can stream (the connection thread reads what it writes) or take over
 * the socket (hijack) while libmicrohttpd owns the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/api.h"
#include "api/transport.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/lazylib.h"
#include "core/log.h"
#include "core/strv.h"
#include "layer/layer.h"
#include "store/store.h"

/*
 * A JSON body above this is refused (413); file bodies have no limit but the
 * disk. Whatever is accepted is read back: container records may be larger.
 */
#define API_JSON_BODY_MAX (10u * 1024 * 1024)
_Static_assert(API_JSON_BODY_MAX < BERTH_CONTAINER_RECORD_MAX,
	       "a container created through the API must be readable back");

struct api_server {
	struct berth_store *store;
	const char *root;
	int stop_evfd;
	atomic_bool stopping;
	atomic_int active; /* open connections and live requests */
	atomic_int relays;
	atomic_llong last_active_ms;
	/* handlers running: the last to end drops the process's layer locks */
	pthread_mutex_t handlers_lock;
	unsigned handlers;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool api_server_stopping(const struct api_server *srv)
{
	return atomic_load(&srv->stopping);
}

int api_server_stop_fd(const struct api_server *srv)
{
	return srv->stop_evfd;
}

void api_server_relay(struct api_server *srv, bool running)
{
	atomic_fetch_add(&srv->relays, running ? 1 : -1);
	atomic_fetch_add(&srv->active, running ? 1 : -1);
	atomic_store(&srv->last_active_ms, now_ms());
}

struct berth_store *api_req_store(const struct api_req *req)
{
	return req->srv->store;
}

const char *api_req_root(const struct api_req *req)
{
	return req->srv->root;
}

void api_req_unref(struct api_req *req)
{
	struct api_server *srv = req->srv;
	unsigned left;

	pthread_mutex_lock(&req->lock);
	left = --req->refs;
	pthread_mutex_unlock(&req->lock);
	if (left)
		return;
	free(req->method);
	free(req->path);
	api_params_free(req->params);
	berth_strv_free(req->query);
	berth_strv_free(req->headers);
	berth_buf_release(&req->body);
	if (req->body_fd >= 0)
		close(req->body_fd);
	if (req->raw_fd >= 0)
		close(req->raw_fd);
	if (req->hijack_fd >= 0)
		close(req->hijack_fd);
	json_decref(req->json);
	if (req->response) /* answered after its client left */
		MHD_destroy_response(req->response);
	pthread_cond_destroy(&req->cond);
	pthread_mutex_destroy(&req->lock);
	free(req);
	/* the stamp first: once active is 0 the server may be gone (berth_api_serve returns) */
	atomic_store(&srv->last_active_ms, now_ms());
	atomic_fetch_sub(&srv->active, 1);
}

struct kv_collect {
	char **list;
	size_t n;
};

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct kv_collect *c = cls;

	c->list = berth_xreallocarray(c->list, c->n + 3, sizeof(char *));
	c->list[c->n++] = berth_xstrdup(key);
	c->list[c->n++] = berth_xstrdup(value ? value : "");
	c->list[c->n] = NULL;
	return MHD_YES;
}

static char **collect(struct MHD_Connection *conn, enum MHD_ValueKind kind)
{
	struct kv_collect c = {.list = berth_xcalloc(1, sizeof(char *))};

	MHD_get_connection_values(conn, kind, collect_kv, &c);
	return c.list;
}

/* An answer the transport gives itself (routing, body), before any handler runs. */
static enum MHD_Result answer_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	json_t *o = json_pack("{s:s}", "message", msg);
	char *s = json_dumps(o, JSON_COMPACT);
	size_t len = strlen(s);
	struct MHD_Response *resp;
	enum MHD_Result r;

	json_decref(o);
	s = berth_xrealloc(s, len + 2);
	s[len++] = '\n';
	resp = MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(s);
		return MHD_NO;
	}
	api_response_add_common(resp);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static struct api_req *req_new(struct api_server *srv, struct MHD_Connection *conn,
			       const char *method, const char *url)
{
	struct api_req *req = berth_xcalloc(1, sizeof(*req));
	const union MHD_ConnectionInfo *ci;

	pthread_mutex_init(&req->lock, NULL);
	pthread_cond_init(&req->cond, NULL);
	req->refs = 1;
	req->srv = srv;
	req->conn = conn;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	req->conn_fd = ci ? ci->connect_fd : -1;
	req->method = berth_xstrdup(method);
	req->path = berth_xstrdup(url);
	req->query = collect(conn, MHD_GET_ARGUMENT_KIND);
	req->headers = collect(conn, MHD_HEADER_KIND);
	berth_buf_init(&req->body, 0);
	req->body_fd = -1;
	req->raw_fd = -1;
	req->hijack_fd = -1;
	atomic_fetch_add(&srv->active, 1);
	atomic_store(&srv->last_active_ms, now_ms());
	return req;
}

/* Routes a new request; a nonzero status is the answer the transport gives. */
static unsigned route(struct api_req *req, char **ret_msg)
{
	const char *rest;
	unsigned status = 0;

	if (api_path_split_version(req->path, req->version, &rest) < 0) {
		*ret_msg = berth_xstrdup("page not found");
		return 404;
	}
	*ret_msg = api_version_check(req->version);
	if (*ret_msg)
		return 400;
	memmove(req->path, rest, strlen(rest) + 1);
	req->route = api_route_find(req->method, req->path, req->params, &status);
	if (!req->route) {
		*ret_msg = berth_xstrdup(status == 405 ? "method not allowed" : "page not found");
		return status;
	}
	return 0;
}

static int body_file_open(struct api_req *req)
{
	int dfd = berth_store_dir_fd(req->srv->store, "tmp");

	if (dfd < 0)
		return -ENOENT;
	/* Unlinked from the start: nothing is left behind whatever happens. */
	req->body_fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return req->body_fd < 0 ? -errno : 0;
}

static int body_add(struct api_req *req, const char *data, size_t len)
{
	switch (req->route->body) {
	case API_BODY_NONE:
		return 0; /* as Docker: a body where none is read is ignored */
	case API_BODY_JSON:
		if (req->body_too_big || req->body.len + len > API_JSON_BODY_MAX) {
			req->body_too_big = true;
			berth_buf_release(&req->body);
			berth_buf_init(&req->body, 0);
			return 0;
		}
		berth_buf_add(&req->body, data, len);
		return 0;
	case API_BODY_FILE:
		if (req->body_fd < 0) {
			int r = body_file_open(req);
			if (r < 0)
				return r;
		}
		return berth_write_all(req->body_fd, data, len, NULL);
	}
	return 0;
}

/*
 * The library keeps a shared lock on every layer this process prepared
 * (create, run, build) until the process exits (berth_layer_cache_*), so
 * a gc never removes a layer under an operation. A CLI process exits; the
 * service would hold one lock fd per layer it ever used, and keep other
 * processes' gc from removing those layers, for its whole life. What an
 * operation needs is recorded (container records, image tags) by the time
 * its handler returns, so the locks are dropped when no handler runs; the
 * mutex makes that drop and a new handler's start exclusive, so no
 * operation in flight loses a lock it took. A container's monitor (a fork)
 * keeps its own hold.
 */
static void handlers_enter(struct api_server *srv)
{
	pthread_mutex_lock(&srv->handlers_lock);
	srv->handlers++;
	pthread_mutex_unlock(&srv->handlers_lock);
}

static void handlers_leave(struct api_server *srv)
{
	pthread_mutex_lock(&srv->handlers_lock);
	if (--srv->handlers == 0)
		berth_layer_cache_release_all();
	pthread_mutex_unlock(&srv->handlers_lock);
}

static void *handler_thread(void *arg)
{
	struct api_req *req = arg;
	struct api_server *srv = req->srv;
	int r;

	handlers_enter(srv);
	r = req->route->handler(req);
	handlers_leave(srv);

	pthread_mutex_lock(&req->lock);
	req->stream_end = true;
	pthread_cond_broadcast(&req->cond);
	pthread_mutex_unlock(&req->lock);
	if (req->state == API_REQ_PENDING) {
		if (r < 0)
			api_reply_error(req, 500, "%s", strerror(-r));
		else
			api_reply_error(req, 500, "the handler sent no reply");
	}
	api_req_unref(req);
	return NULL;
}

/* The whole request is in: parse the body, run the handler, send what it answers. */
static enum MHD_Result dispatch(struct api_req *req)
{
	struct MHD_Connection *conn = req->conn;
	pthread_attr_t attr;
	pthread_t t;
	enum MHD_Result ret;

	berth_debug("api: %s %s (v%s)", req->method, req->path, req->version);
	if (req->body_too_big)
		return answer_error(conn, 413, "request body too large");
	if (req->route->body == API_BODY_JSON && req->body.len > 0) {
		json_error_t jerr;
		req->json = json_loadb(req->body.buf, req->body.len, JSON_DECODE_ANY, &jerr);
		if (!req->json) {
			_cleanup_free_ char *m = berth_xasprintf("invalid JSON: %s", jerr.text);
			return answer_error(conn, 400, m);
		}
		/* every JSON body of Docker's API is an object ([], "x", null are refused) */
		if (!json_is_object(req->json))
			return answer_error(conn, 400, "invalid JSON: the body must be an object");
	}
	if (req->body_fd >= 0 && lseek(req->body_fd, 0, SEEK_SET) < 0)
		return answer_error(conn, 500, "rewinding the request body failed");
	req->refs++; /* the handler thread's */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, handler_thread, req) != 0) {
		pthread_attr_destroy(&attr);
		req->refs--;
		return answer_error(conn, 503, "cannot start a handler thread");
	}
	pthread_attr_destroy(&attr);
	if (!api_req_wait_answer(req))
		return MHD_NO; /* the client left or the service stops: closed unanswered */
	berth_debug("api: %s %s: %u", req->method, req->path, req->status);
	ret = MHD_queue_response(conn, req->status, req->response);
	MHD_destroy_response(req->response);
	req->response = NULL;
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct api_server *srv = cls;
	struct api_req *req = *con_cls;

	if (!req) {
		_cleanup_free_ char *msg = NULL;
		unsigned status;

		req = req_new(srv, conn, method, url);
		*con_cls = req;
		status = route(req, &msg);
		if (status)
			berth_debug("api: %s %s: %u %s", method, url, status, msg);
		return status ? answer_error(conn, status, msg) : MHD_YES;
	}
	if (!req->route)
		return MHD_YES; /* answered already; the rest of the body is dropped */
	if (*upload_data_size > 0) {
		int r = body_add(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		if (r < 0) {
			_cleanup_free_ char *m =
				berth_xasprintf("storing the request body: %s", strerror(-r));
			req->route = NULL;
			return answer_error(conn, 500, m);
		}
		return MHD_YES;
	}
	if (req->state != API_REQ_PENDING || req->stream_end)
		return MHD_YES;
	return dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct api_req *req = *con_cls;

	if (!req)
		return;
	pthread_mutex_lock(&req->lock);
	req->gone = true;
	req->stop_flag = 1;
	pthread_cond_broadcast(&req->cond);
	pthread_mutex_unlock(&req->lock);
	*con_cls = NULL;
	api_req_unref(req);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct api_server *srv = cls;

	atomic_fetch_add(&srv->active, toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
	atomic_store(&srv->last_active_ms, now_ms());
}

static struct MHD_Daemon *start_daemon(unsigned flags, struct api_server *srv, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, srv);
	d = MHD_start_daemon_va(flags, 0, NULL, NULL, on_request, srv, ap);
	va_end(ap);
	return d;
}

/* Waits for stop_fd, the service's end, or timeout_s of idleness. */
static void serve_wait(struct api_server *srv, const struct berth_api_serve_options *o)
{
	for (;;) {
		struct pollfd p = {.fd = o->stop_fd, .events = POLLIN};
		int n = poll(&p, o->stop_fd >= 0 ? 1 : 0, 250);

		if (n > 0)
			return;
		if (o->timeout_s > 0 && atomic_load(&srv->active) == 0 &&
		    now_ms() - atomic_load(&srv->last_active_ms) >= (long long)o->timeout_s * 1000)
			return;
	}
}

int berth_api_serve(const struct berth_api_serve_options *o, struct berth_error **err)
{
	struct api_server srv = {
		.store = o->store, .root = o->root, .handlers_lock = PTHREAD_MUTEX_INITIALIZER};
	struct MHD_Daemon *d;
	uint64_t one = 1;
	int r;

	r = berth_lib_load(BERTH_LIB_MICROHTTPD, err);
	if (r < 0)
		return r;
	srv.stop_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv.stop_evfd < 0)
		return berth_error_syscall(err, errno, "eventfd");
	atomic_store(&srv.last_active_ms, now_ms());
	d = start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				 MHD_ALLOW_UPGRADE | MHD_USE_ITC | MHD_USE_POLL,
			 &srv, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)o->listen_fd,
			 MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
			 MHD_OPTION_NOTIFY_CONNECTION, on_connection, &srv,
			 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
			 /* X-Registry-Config of a build carries every credential */
			 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_END);
	if (!d) {
		close(srv.stop_evfd);
		return berth_error_set(err, EIO, "starting the API server failed");
	}
	serve_wait(&srv, o);
	/* Every stream and relay ends when it sees the stop; libmicrohttpd must
	 * not be stopped while an upgraded connection is open. */
	atomic_store(&srv.stopping, true);
	if (write(srv.stop_evfd, &one, sizeof(one)) < 0) {
		/* the flag alone stops streams at their next wake-up */
	}
	while (atomic_load(&srv.relays) > 0)
		usleep(10000);
	MHD_stop_daemon(d);
	/* detached handler threads still drop their requests' references to
	 * srv, which lives on this stack: wait for them (bounded: a handler
	 * stuck in a transfer sees the stop at its next wake-up) */
	for (int i = 0; i < 3000 && atomic_load(&srv.active) > 0; i++)
		usleep(10000);
	close(srv.stop_evfd);
	return 0;
}
