/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/internal.h"
#include "registry-fake.h"

/*
 * A bearer-token registry in one fake server: /token hands out T<n>; the
 * registry accepts only the newest token, so a client holding an older one
 * gets a 401 and must fetch a new token (an expired token).
 */
struct reg {
	int port;
	int tokens;
	int valid; /* the token number the registry accepts */
	char blob[3000];
	bool cut_first;
	int ranges;
	int posts;
};

static void handler(void *ctx, const struct fake_req *req, struct fake_reply *rep)
{
	struct reg *r = ctx;
	static __thread char body[4096];
	if (strncmp(req->path, "/token", 6) == 0) {
		if (!strstr(req->path, "scope=repository%3Aa%2Fb%3Apull") &&
		    !strstr(req->path, "scope=repository%3Aa%2Fb%3Apull%2Cpush")) {
			rep->status = 400;
			return;
		}
		r->tokens++;
		r->valid = r->tokens;
		snprintf(body, sizeof(body), "{\"token\":\"T%d\",\"expires_in\":300}", r->tokens);
		rep->body = body;
		rep->body_len = strlen(body);
		return;
	}
	const char *a = fake_header(req, "Authorization");
	char want[32];
	snprintf(want, sizeof(want), "Bearer T%d", r->valid);
	if (!a || strcmp(a, want) != 0) {
		rep->status = 401;
		snprintf(rep->headers, sizeof(rep->headers),
			 "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%d/token\","
			 "service=\"fake\",scope=\"repository:a/b:pull\"\r\n",
			 r->port);
		rep->body = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication "
			    "required\"}]}";
		rep->body_len = strlen(rep->body);
		return;
	}
	if (strcmp(req->path, "/v2/") == 0)
		return;
	if (strstr(req->path, "/manifests/missing")) {
		rep->status = 404;
		rep->body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
			    "unknown\"}]}";
		rep->body_len = strlen(rep->body);
		return;
	}
	if (strcmp(req->method, "POST") == 0 && strstr(req->path, "/blobs/uploads/")) {
		/* "created" with nowhere to upload to: a broken or hostile registry */
		r->posts++;
		rep->status = 201;
		return;
	}
	if (strstr(req->path, "/blobs/")) {
		const char *range = fake_header(req, "Range");
		size_t start = 0;
		if (range) {
			r->ranges++;
			start = strtoul(range + 6, NULL, 10);
			rep->status = 206;
			snprintf(rep->headers, sizeof(rep->headers),
				 "Content-Range: bytes %zu-%zu/%zu\r\n", start, sizeof(r->blob) - 1,
				 sizeof(r->blob));
		}
		rep->body = r->blob + start;
		rep->body_len = sizeof(r->blob) - start;
		if (r->cut_first) {
			r->cut_first = false;
			rep->cut_after = 1000;
		}
		return;
	}
	rep->status = 404;
}

static struct fake_server f;
static struct reg r;

static int setup(void **state)
{
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < sizeof(r.blob); i++)
		r.blob[i] = (char)('a' + i % 26);
	fake_start(&f, handler, &r);
	r.port = f.port;
	struct berth_registry_settings s = {.retries = 3, .auth_file = "/nonexistent/auth.json"};
	berth_registry_configure(&s);
	return 0;
}

static int teardown(void **state)
{
	fake_stop(&f);
	return 0;
}

static int collect(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	berth_buf_add(ctx, data, len);
	return 0;
}

static int reset(void *ctx, struct berth_error **err)
{
	berth_buf_reset(ctx);
	return 0;
}

static void test_token_flow_and_refresh(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = 1000};
	struct http_response resp = {0};
	assert_ok(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err), err);
	assert_string_equal(reg->scheme, "http");
	assert_string_equal(reg->challenge.scheme, "bearer");
	assert_int_equal(r.tokens, 1);
	http_response_release(&resp);
	/* the cached token is reused */
	assert_ok(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err), err);
	assert_int_equal(r.tokens, 1);
	http_response_release(&resp);
	/* the registry no longer accepts T1: one 401, a new token, success */
	r.valid = 99;
	assert_ok(registry_request(reg, "pull", NULL, &req, "/v2/a/b/tags/list", &resp, &err), err);
	assert_int_equal(r.tokens, 2);
	assert_int_equal(reg->token_fetches, 2);
	http_response_release(&resp);
}

static void test_status_error(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	char *data = NULL, *mt = NULL;
	size_t len = 0;
	struct berth_digest d;
	assert_int_equal(registry_get_manifest(reg, "missing", &data, &len, &mt, &d, &err),
			 -ENOENT);
	assert_non_null(strstr(err->msg, "manifest 'missing'"));
	assert_non_null(strstr(err->msg, "not found"));
}

static void test_blob_resume(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	struct berth_digest d;
	berth_digest_of(r.blob, sizeof(r.blob), &d);
	struct berth_buf b = BERTH_BUF_INIT;
	struct blob_target t = {.write = collect, .reset = reset, .ctx = &b};
	r.cut_first = true;
	r.ranges = 0;
	assert_ok(registry_get_blob(reg, &d, sizeof(r.blob), &t, &err), err);
	assert_int_equal(b.len, sizeof(r.blob));
	assert_memory_equal(b.buf, r.blob, sizeof(r.blob));
	assert_int_equal(r.ranges, 1);
	/* a descriptor that says fewer bytes than served is refused */
	berth_buf_reset(&b);
	assert_int_equal(registry_get_blob(reg, &d, 100, &t, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "larger than its descriptor"));
	berth_buf_release(&b);
}

/* an upload session answered 201 without a Location is refused, not followed to NULL */
static void test_upload_without_location(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	struct berth_digest d;
	berth_digest_of(r.blob, sizeof(r.blob), &d);
	_cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(registry_upload_blob(reg, &d, fd, 0, NULL, 0, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "without a Location"));
	assert_int_equal(r.posts, 1);
}

static void test_index_select(void **state)
{
	const char *idx =
		"{\"manifests\":["
		"{\"digest\":\"sha256:"
		"1111111111111111111111111111111111111111111111111111111111111111\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		"{\"digest\":\"sha256:"
		"2222222222222222222222222222222222222222222222222222222222222222\","
		"\"mediaType\":\"m\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
		"\"variant\":\"v6\"}},"
		"{\"digest\":\"sha256:"
		"3333333333333333333333333333333333333333333333333333333333333333\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
		"{\"digest\":\"sha256:"
		"4444444444444444444444444444444444444444444444444444444444444444\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
	struct berth_digest d;
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_error_ struct berth_error *err = NULL;
	char *mt = NULL;
	assert_ok(registry_index_select(idx, strlen(idx), "linux/x86_64", &d, &mt, &err), err);
	assert_int_equal(berth_digest_fmt(&d, hex)[7], '1');
	free(mt);
	assert_ok(registry_index_select(idx, strlen(idx), "linux/arm/v7", &d, &mt, &err), err);
	assert_int_equal(berth_digest_fmt(&d, hex)[7], '3');
	free(mt);
	assert_ok(registry_index_select(idx, strlen(idx), "linux/arm/v6", &d, &mt, &err), err);
	assert_string_equal(mt, "m");
	free(mt);
	assert_ok(registry_index_select(idx, strlen(idx), "linux/arm64/v8", &d, &mt, &err), err);
	assert_int_equal(berth_digest_fmt(&d, hex)[7], '4');
	free(mt);
	assert_int_equal(registry_index_select(idx, strlen(idx), "linux/s390x", &d, &mt, &err),
			 -ENOENT);
	assert_non_null(strstr(err->msg, "'linux/s390x'"));
	assert_int_equal(registry_index_select(idx, strlen(idx), "linux", &d, &mt, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_flow_and_refresh),
		cmocka_unit_test(test_status_error),
		cmocka_unit_test(test_blob_resume),
		cmocka_unit_test(test_upload_without_location),
		cmocka_unit_test(test_index_select),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
