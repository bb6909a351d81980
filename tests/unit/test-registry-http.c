/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/internal.h"
#include "registry-fake.h"

struct seen {
	char method[16];
	char path[1024];
	char authorization[256];
	size_t body_len;
	char body[64];
};

static void handler(void *ctx, const struct fake_req *req, struct fake_reply *rep)
{
	struct seen *s = ctx;
	snprintf(s->method, sizeof(s->method), "%s", req->method);
	snprintf(s->path, sizeof(s->path), "%s", req->path);
	const char *a = fake_header(req, "Authorization");
	snprintf(s->authorization, sizeof(s->authorization), "%s", a ? a : "");
	s->body_len = req->body_len;
	snprintf(s->body, sizeof(s->body), "%.*s", (int)req->body_len, req->body);
	if (strcmp(req->path, "/big") == 0) {
		static char big[10000];
		memset(big, 'x', sizeof(big));
		rep->body = big;
		rep->body_len = sizeof(big);
		return;
	}
	if (strcmp(req->path, "/cut") == 0) {
		rep->body = "0123456789";
		rep->body_len = 10;
		rep->cut_after = 4;
		return;
	}
	rep->status = strcmp(req->method, "PUT") == 0 ? 201 : 200;
	snprintf(rep->headers, sizeof(rep->headers),
		 "Docker-Content-Digest: sha256:abc\r\nLocation: /v2/x/uploads/1?_state=s\r\n"
		 "WWW-Authenticate: Bearer realm=\"r\"\r\nWWW-Authenticate: Basic realm=\"b\"\r\n"
		 "Content-Type: application/json; charset=utf-8\r\n");
	rep->body = "hello";
	rep->body_len = 5;
}

static int collect(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	berth_buf_add(ctx, data, len);
	return 0;
}

static int started_status;
static int on_start(void *ctx, long status, const char *cr, struct berth_error **err)
{
	started_status = (int)status;
	return 0;
}

static void test_get_and_headers(void **state)
{
	struct seen s = {0};
	struct fake_server f;
	fake_start(&f, handler, &s);
	_cleanup_free_ char *url = berth_xasprintf("http://127.0.0.1:%d/v2/", f.port);
	char *hdrs[] = {"Accept: a/b", NULL};
	struct http_request req = {.method = "GET",
				   .url = url,
				   .headers = hdrs,
				   .authorization = "Bearer secret-token",
				   .body_fd = -1,
				   .max_body = 100};
	struct http_response resp = {0};
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(http_do(&req, &resp, &err), err);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.buf, "hello");
	assert_string_equal(resp.docker_content_digest, "sha256:abc");
	assert_string_equal(resp.location, "/v2/x/uploads/1?_state=s");
	assert_string_equal(resp.www_authenticate, "Bearer realm=\"r\"");
	assert_string_equal(resp.content_type, "application/json; charset=utf-8");
	assert_int_equal(resp.content_length, 5);
	assert_string_equal(s.authorization, "Bearer secret-token");
	http_response_release(&resp);
	fake_stop(&f);
}

static void test_body_limits_and_sink(void **state)
{
	struct seen s = {0};
	struct fake_server f;
	fake_start(&f, handler, &s);
	_cleanup_free_ char *url = berth_xasprintf("http://127.0.0.1:%d/big", f.port);
	struct http_request req = {.method = "GET", .url = url, .body_fd = -1, .max_body = 100};
	struct http_response resp = {0};
	_cleanup_error_ struct berth_error *err = NULL;
	assert_int_equal(http_do(&req, &resp, &err), -E2BIG);
	berth_error_free(&err);
	struct berth_buf b = BERTH_BUF_INIT;
	req.sink = collect;
	req.sink_ctx = &b;
	req.on_start = on_start;
	assert_ok(http_do(&req, &resp, &err), err);
	assert_int_equal(b.len, 10000);
	assert_int_equal(resp.received, 10000);
	assert_int_equal(started_status, 200);
	berth_buf_release(&b);
	http_response_release(&resp);
	/* a body cut short is a transient transport error */
	_cleanup_free_ char *cut = berth_xasprintf("http://127.0.0.1:%d/cut", f.port);
	req.url = cut;
	req.sink_ctx = &b;
	int r = http_do(&req, &resp, &err);
	assert_int_equal(r, -ECONNRESET);
	assert_true(http_error_is_transient(r));
	berth_buf_release(&b);
	fake_stop(&f);
}

static void test_upload_from_fd(void **state)
{
	struct seen s = {0};
	struct fake_server f;
	fake_start(&f, handler, &s);
	char path[] = "/tmp/berth-test-http-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	_cleanup_free_ char *url = berth_xasprintf("http://127.0.0.1:%d/up?x=1", f.port);
	struct http_request req = {.method = "PUT",
				   .url = url,
				   .has_body = true,
				   .body_fd = fd,
				   .body_off = 2,
				   .body_fd_len = 5};
	struct http_response resp = {0};
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(http_do(&req, &resp, &err), err);
	assert_int_equal(resp.status, 201);
	assert_string_equal(s.method, "PUT");
	assert_string_equal(s.body, "23456");
	http_response_release(&resp);
	/* memory body with PATCH */
	struct http_request req2 = {.method = "PATCH",
				    .url = url,
				    .has_body = true,
				    .body = "abc",
				    .body_len = 3,
				    .body_fd = -1};
	assert_ok(http_do(&req2, &resp, &err), err);
	assert_string_equal(s.method, "PATCH");
	assert_string_equal(s.body, "abc");
	http_response_release(&resp);
	close(fd);
	unlink(path);
	fake_stop(&f);
}

static void test_refused(void **state)
{
	struct fake_server f;
	struct seen s = {0};
	fake_start(&f, handler, &s);
	int port = f.port;
	fake_stop(&f);
	_cleanup_free_ char *url = berth_xasprintf("http://127.0.0.1:%d/v2/?secret=1", port);
	struct http_request req = {
		.method = "GET", .url = url, .authorization = "Basic c2VjcmV0", .body_fd = -1};
	struct http_response resp = {0};
	_cleanup_error_ struct berth_error *err = NULL;
	assert_int_equal(http_do(&req, &resp, &err), -ECONNREFUSED);
	/* the message names the URL without its query and never the credentials */
	assert_null(strstr(err->msg, "secret"));
	assert_null(strstr(err->msg, "c2VjcmV0"));
	assert_non_null(strstr(err->msg, "/v2/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_and_headers),
		cmocka_unit_test(test_body_limits_and_sink),
		cmocka_unit_test(test_upload_from_fd),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
