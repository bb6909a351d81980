/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's replies (api/reply.c): errors with Docker's statuses, chunked
 * streams with the mux frame, a client leaving mid-stream (-EPIPE), and
 * the headers a handler adds to its reply.
 */
#include "unit.h"

#include <stdatomic.h>

#include "api-fixture.h"
#include "core/json.h"

static atomic_int stream_result = 1;

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

static int berror(struct api_req *req)
{
	struct berth_error *err = NULL;
	berth_error_set(&err, EEXIST, "thing '%s' exists", api_req_param(req, 0));
	return api_reply_berror(req, &err);
}

/* api_reply_header: on a reply, on a stream, and no more than four */
static int headers(struct api_req *req)
{
	static const char *const names[] = {"X-One", "X-Two", "X-Three", "X-Four"};
	for (size_t i = 0; i < 4; i++)
		if (api_reply_header(req, names[i], "v") < 0)
			return api_reply_error(req, 500, "header %zu refused", i);
	if (api_reply_header(req, "X-Five", "v") != -E2BIG)
		return api_reply_error(req, 500, "a fifth header was taken");
	if (strcmp(api_req_query(req, "as"), "stream") != 0)
		return api_reply_empty(req, 200);
	api_stream_begin(req, 200, "text/plain");
	api_stream_write(req, "body", 4);
	return 0;
}

static const struct api_route test_routes[] = {
	{"GET", "/test/headers", API_BODY_NONE, headers},
	{"GET", "/test/stream", API_BODY_NONE, stream_forever},
	{"GET", "/test/mux", API_BODY_NONE, mux},
	{"DELETE", "/test/err/{}", API_BODY_NONE, berror},
	{0},
};

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
	_cleanup_free_ char *err = request(s, "DELETE /test/err/t HTTP/1.1", NULL, 0);
	assert_non_null(strstr(err, "HTTP/1.1 409"));
	assert_non_null(strstr(err, "{\"message\":\"thing 't' exists\"}"));
}

static void test_reply_header(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *r = request(s, "GET /test/headers?as=reply HTTP/1.1", NULL, 0);
	assert_non_null(strstr(r, "HTTP/1.1 200"));
	assert_non_null(strstr(r, "X-One: v\r\n"));
	assert_non_null(strstr(r, "X-Four: v\r\n"));
	assert_null(strstr(r, "X-Five"));
	_cleanup_free_ char *st = request(s, "GET /test/headers?as=stream HTTP/1.1", NULL, 0);
	assert_non_null(strstr(st, "Transfer-Encoding: chunked"));
	assert_non_null(strstr(st, "X-Three: v\r\n"));
	/* the next request starts without them */
	_cleanup_free_ char *m = request(s, "GET /test/mux HTTP/1.1", NULL, 0);
	assert_null(strstr(m, "X-One"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_streams, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_reply_header, svc_setup, svc_teardown),
	};
	api_routes_extra = test_routes;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
