/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's transport end to end on a real socket (api/server.c, reply.c,
 * hijack.c, system.c): the service runs in a thread over a temp store; the
 * client is a plain socket speaking HTTP/1.1. Test routes (api_routes_extra)
 * exercise JSON and file bodies, streams, a client leaving mid-stream, the
 * mux frame and the hijack.
 */
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "api/api.h"
#include "api/transport.h"
#include "core/buf.h"
#include "core/json.h"
#include "store-fixture.h"

static atomic_int stream_result = 1;

static int echo_json(struct api_req *req)
{
	json_t *b = api_req_json(req);
	return api_reply_json(req, 201,
			      json_pack("{s:O?, s:s, s:s?, s:b}", "body", b, "param",
					api_req_param(req, 0), "q", api_req_query(req, "q"), "flag",
					api_req_query_bool(req, "flag", false)));
}

static int file_size(struct api_req *req)
{
	int fd = api_req_body_fd(req);
	off_t n = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
	return api_reply_json(req, 200, json_pack("{s:I}", "size", (json_int_t)n));
}

static int stream_forever(struct api_req *req)
{
	int r = api_stream_begin(req, 200, "application/json");
	if (r < 0)
		return r;
	for (;;) {
		r = api_stream_json(req, json_pack("{s:s}", "status", "tick"));
		if (r < 0)
			break;
		usleep(20000);
	}
	atomic_store(&stream_result, r);
	return 0;
}

static int mux(struct api_req *req)
{
	api_stream_begin(req, 200, "application/vnd.docker.multiplexed-stream");
	api_stream_mux(req, 1, "out\n", 4);
	api_stream_mux(req, 2, "err\n", 4);
	return 0;
}

static int hijack_echo(struct api_req *req)
{
	char buf[256];
	ssize_t n;
	int fd = api_hijack(req);
	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	if (write(fd, "END", 3) < 0) {
		/* the client may be gone */
	}
	close(fd);
	return 0;
}

static int berror(struct api_req *req)
{
	struct berth_error *err = NULL;
	berth_error_set(&err, EEXIST, "thing '%s' exists", api_req_param(req, 0));
	return api_reply_berror(req, &err);
}

static const struct api_route test_routes[] = {
	{"POST", "/test/json/{}", API_BODY_JSON, echo_json},
	{"PUT", "/test/file", API_BODY_FILE, file_size},
	{"GET", "/test/stream", API_BODY_NONE, stream_forever},
	{"GET", "/test/mux", API_BODY_NONE, mux},
	{"POST", "/test/hijack", API_BODY_NONE, hijack_echo},
	{"DELETE", "/test/err/{}", API_BODY_NONE, berror},
	{0},
};

struct service {
	struct fixture *f;
	char sock[128];
	int stop;
	pthread_t t;
	int r;
};

static void *serve(void *arg)
{
	struct service *s = arg;
	struct berth_error *err = NULL;
	int fd = -1;
	bool tcp;
	_cleanup_free_ char *url = berth_xasprintf("unix://%s", s->sock);
	if (berth_api_listen(url, &fd, &tcp, &err) < 0) {
		s->r = -1;
		return NULL;
	}
	struct berth_api_serve_options o = {
		.store = s->f->s, .root = s->f->root, .listen_fd = fd, .stop_fd = s->stop};
	s->r = berth_api_serve(&o, &err);
	berth_error_free(&err);
	close(fd);
	return NULL;
}

static int svc_setup(void **state)
{
	setup(state);
	struct service *s = calloc(1, sizeof(*s));
	s->f = *state;
	snprintf(s->sock, sizeof(s->sock), "%s/d.sock", s->f->root);
	s->stop = eventfd(0, EFD_CLOEXEC);
	api_routes_extra = test_routes;
	assert_int_equal(pthread_create(&s->t, NULL, serve, s), 0);
	for (int i = 0; i < 200 && access(s->sock, F_OK) < 0; i++)
		usleep(10000);
	*state = s;
	return 0;
}

static int svc_teardown(void **state)
{
	struct service *s = *state;
	uint64_t one = 1;
	assert_int_equal(write(s->stop, &one, sizeof(one)), (ssize_t)sizeof(one));
	pthread_join(s->t, NULL);
	assert_int_equal(s->r, 0);
	close(s->stop);
	*state = s->f;
	free(s);
	return teardown(state);
}

static int dial(struct service *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, s->sock, strlen(s->sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static size_t last_len; /* of the last reply request() read */

/* One request with Connection: close; the whole reply, headers and body. */
static char *request(struct service *s, const char *head, const void *body, size_t len)
{
	int fd = dial(s);
	_cleanup_free_ char *h = berth_xasprintf("%s\r\nHost: d\r\nConnection: close\r\n"
						 "Content-Length: %zu\r\n\r\n",
						 head, len);
	struct berth_buf out;
	char buf[4096];
	ssize_t n;
	send_all(fd, h, strlen(h));
	if (len)
		send_all(fd, body, len);
	berth_buf_init(&out, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		berth_buf_add(&out, buf, (size_t)n);
	close(fd);
	return berth_buf_detach(&out, &last_len);
}

static void test_system_routes(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *ping = request(s, "GET /_ping HTTP/1.1", NULL, 0);
	assert_non_null(strstr(ping, "HTTP/1.1 200"));
	assert_non_null(strstr(ping, "Api-Version: 1.41"));
	assert_non_null(strstr(ping, "\r\n\r\nOK"));
	_cleanup_free_ char *v = request(s, "GET /v1.40/version HTTP/1.1", NULL, 0);
	assert_non_null(strstr(v, "\"ApiVersion\":\"1.41\""));
	_cleanup_free_ char *info = request(s, "GET /info HTTP/1.1", NULL, 0);
	assert_non_null(strstr(info, "\"Containers\":0"));
	assert_non_null(strstr(info, s->f->root));
	_cleanup_free_ char *df = request(s, "GET /system/df HTTP/1.1", NULL, 0);
	assert_non_null(strstr(df, "\"LayersSize\":"));
	_cleanup_free_ char *nf = request(s, "GET /nope HTTP/1.1", NULL, 0);
	assert_non_null(strstr(nf, "HTTP/1.1 404"));
	assert_non_null(strstr(nf, "{\"message\":\"page not found\"}"));
	_cleanup_free_ char *ev = request(s, "GET /events?until=1&filters=%7Bx HTTP/1.1", NULL, 0);
	assert_non_null(strstr(ev, "HTTP/1.1 400"));
	assert_non_null(strstr(ev, "invalid filters"));
}

static void test_bodies(void **state)
{
	struct service *s = *state;
	const char *j = "{\"a\":[1,2]}";
	_cleanup_free_ char *r =
		request(s, "POST /test/json/x%20y?q=v%26w&flag=True HTTP/1.1", j, strlen(j));
	assert_non_null(strstr(r, "HTTP/1.1 201"));
	assert_non_null(strstr(r, "\"body\":{\"a\":[1,2]}"));
	assert_non_null(strstr(r, "\"param\":\"x y\""));
	assert_non_null(strstr(r, "\"q\":\"v&w\""));
	assert_non_null(strstr(r, "\"flag\":true"));
	_cleanup_free_ char *bad = request(s, "POST /test/json/x HTTP/1.1", "{\"a\":", 5);
	assert_non_null(strstr(bad, "HTTP/1.1 400"));
	assert_non_null(strstr(bad, "invalid JSON: "));
	_cleanup_free_ char *arr = request(s, "POST /test/json/x HTTP/1.1", "[1]", 3);
	assert_non_null(strstr(arr, "HTTP/1.1 400"));
	assert_non_null(strstr(arr, "invalid JSON: the body must be an object"));
	size_t big = 11u * 1024 * 1024;
	_cleanup_free_ char *zeros = calloc(1, big);
	_cleanup_free_ char *huge = request(s, "POST /test/json/x HTTP/1.1", zeros, big);
	assert_non_null(strstr(huge, "HTTP/1.1 413"));
	_cleanup_free_ char *file = request(s, "PUT /test/file HTTP/1.1", zeros, big);
	assert_non_null(strstr(file, "\"size\":11534336"));
	_cleanup_free_ char *err = request(s, "DELETE /test/err/t HTTP/1.1", NULL, 0);
	assert_non_null(strstr(err, "HTTP/1.1 409"));
	assert_non_null(strstr(err, "{\"message\":\"thing 't' exists\"}"));
}

static void test_streams(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *m = request(s, "GET /test/mux HTTP/1.1", NULL, 0);
	assert_non_null(strstr(m, "Transfer-Encoding: chunked"));
	assert_non_null(memmem(m, last_len, "\x01\0\0\0\0\0\0\x04out\n", 12));
	/* a client that leaves mid-stream: the handler's next write is -EPIPE */
	int fd = dial(s);
	const char *h = "GET /test/stream HTTP/1.1\r\nHost: d\r\n\r\n";
	char buf[512];
	send_all(fd, h, strlen(h));
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	close(fd);
	for (int i = 0; i < 500 && atomic_load(&stream_result) > 0; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&stream_result), -EPIPE);
}

static void test_hijack(void **state)
{
	struct service *s = *state;
	int fd = dial(s);
	const char *h = "POST /test/hijack HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\n"
			"Upgrade: tcp\r\nContent-Length: 0\r\n\r\nearly";
	struct berth_buf out;
	char buf[1024];
	ssize_t n;
	send_all(fd, h, strlen(h));
	send_all(fd, "-late", 5);
	shutdown(fd, SHUT_WR); /* end of stdin: the handler reads EOF, still writes */
	berth_buf_init(&out, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		berth_buf_add(&out, buf, (size_t)n);
	close(fd);
	assert_non_null(strstr(out.buf, "HTTP/1.1 101"));
	assert_non_null(strstr(out.buf, "Upgrade: tcp"));
	assert_non_null(strstr(out.buf, "application/vnd.docker.raw-stream"));
	assert_non_null(strstr(out.buf, "\r\n\r\nearly-lateEND"));
	berth_buf_release(&out);
	/* without the upgrade: 200 and the raw output, no stdin */
	_cleanup_free_ char *plain = request(s, "POST /test/hijack HTTP/1.1", NULL, 0);
	assert_non_null(strstr(plain, "HTTP/1.1 200"));
	assert_non_null(strstr(plain, "END"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_system_routes, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_bodies, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_streams, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_hijack, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
