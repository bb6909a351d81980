/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's server (api/server.c) on a real socket: routing, query
 * arguments, JSON bodies (bad ones 400, huge ones 413), file bodies spooled
 * whole, a handler that waits learning that its client left, and the
 * layer locks a handler took dropped once no handler runs.
 */
#include "unit.h"

#include <stdatomic.h>

#include "api-fixture.h"
#include "core/json.h"
#include "layer/layer.h"

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

static atomic_int slow_saw_gone;

/* Waits before answering (as wait or a long pull do), until its client leaves. */
static int slow(struct api_req *req)
{
	for (int i = 0; i < 1000 && !api_req_gone(req); i++)
		usleep(10000);
	atomic_store(&slow_saw_gone, api_req_gone(req) && *api_req_stop_flag(req) ? 1 : -1);
	return api_reply_empty(req, 204);
}

/* The chain of the fake unpacked layer the "layer" route prepares. */
static struct berth_digest test_chain;

/* A layer prepared as create or build do: this process then holds its lock. */
static int layer(struct api_req *req)
{
	struct berth_error *err = NULL;
	_cleanup_close_ int root = open(api_req_root(req), O_PATH | O_DIRECTORY | O_CLOEXEC);
	char hex[65];
	berth_digest_hex(&test_chain, hex);
	_cleanup_free_ char *diff = berth_xasprintf("%s/layers/%s/diff", api_req_root(req), hex);
	_cleanup_free_ char *done =
		berth_xasprintf("%s/layers/%s/complete", api_req_root(req), hex);
	assert_ok(berth_mkdir_p(diff, 0700, &err), err);
	assert_ok(berth_write_file_atomic(AT_FDCWD, done, "", 0, 0600, &err), err);
	_cleanup_free_ char *path = NULL;
	assert_ok(berth_layer_cache_ensure(root, &test_chain, &test_chain, -1, 0, &path, &err),
		  err);
	return api_reply_json(req, 200,
			      json_pack("{s:b}", "held", berth_layer_cache_held(&test_chain)));
}

static const struct api_route test_routes[] = {
	{"POST", "/test/json/{}", API_BODY_JSON, echo_json},
	{"PUT", "/test/file", API_BODY_FILE, file_size},
	{"POST", "/test/slow", API_BODY_NONE, slow},
	{"POST", "/test/layer", API_BODY_NONE, layer},
	{0},
};

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
	/* a client that leaves before the answer: the waiting handler sees it */
	int fd = dial(s);
	const char *h = "POST /test/slow HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n";
	send_all(fd, h, strlen(h));
	usleep(200000);
	close(fd);
	for (int i = 0; i < 500 && atomic_load(&slow_saw_gone) == 0; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&slow_saw_gone), 1);
}

static bool held_within(bool want)
{
	for (int i = 0; i < 300 && berth_layer_cache_held(&test_chain) != want; i++)
		usleep(10000);
	return berth_layer_cache_held(&test_chain) == want;
}

static void test_layer_locks_dropped(void **state)
{
	struct service *s = *state;
	berth_digest_of("a layer", 7, &test_chain);
	/* alone: held while its handler ran, dropped once it returned */
	_cleanup_free_ char *r = request(s, "POST /test/layer HTTP/1.1", NULL, 0);
	assert_non_null(strstr(r, "\"held\":true"));
	assert_true(held_within(false));
	/* beside a handler still running: kept until that one ends too */
	atomic_store(&slow_saw_gone, 0);
	int fd = dial(s);
	const char *h = "POST /test/slow HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n";
	send_all(fd, h, strlen(h));
	usleep(200000);
	_cleanup_free_ char *r2 = request(s, "POST /test/layer HTTP/1.1", NULL, 0);
	assert_non_null(strstr(r2, "\"held\":true"));
	usleep(200000);
	assert_true(berth_layer_cache_held(&test_chain));
	close(fd);
	assert_true(held_within(false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bodies, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_layer_locks_dropped, svc_setup, svc_teardown),
	};
	api_routes_extra = test_routes;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
