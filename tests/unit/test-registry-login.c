/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "registry/internal.h"
#include "registry-fake.h"

/* A registry with basic auth for alice:wonder (YWxpY2U6d29uZGVy). */
static void handler(void *ctx, const struct fake_req *req, struct fake_reply *rep)
{
	const char *a = fake_header(req, "Authorization");
	if (!a || strcmp(a, "Basic YWxpY2U6d29uZGVy") != 0) {
		rep->status = 401;
		snprintf(rep->headers, sizeof(rep->headers),
			 "WWW-Authenticate: Basic realm=\"fake\"\r\n");
	}
}

static char tmpdir[] = "/tmp/berth-test-login-XXXXXX";

static void test_login_logout(void **state)
{
	assert_non_null(mkdtemp(tmpdir));
	_cleanup_free_ char *auth = berth_xasprintf("%s/conf/auth.json", tmpdir);
	struct berth_registry_settings s = {.auth_file = auth, .retries = 2};
	berth_registry_configure(&s);
	struct fake_server f;
	fake_start(&f, handler, NULL);
	_cleanup_free_ char *server = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_error_ struct berth_error *err = NULL;

	assert_int_equal(berth_registry_login(server, "alice", "wrong", &err), -EACCES);
	assert_non_null(strstr(err->msg, "incorrect username or password"));
	assert_null(strstr(err->msg, "wrong"));
	struct stat st;
	assert_int_equal(stat(auth, &st), -1);
	berth_error_free(&err);

	assert_int_equal(berth_registry_login(server, "alice", "", &err), -EINVAL);
	berth_error_free(&err);

	/* the check alone (the API's POST /auth): verified, nothing stored */
	assert_int_equal(berth_registry_login_check(server, "alice", "wrong", &err), -EACCES);
	/* in the words docker login prints */
	_cleanup_free_ char *docker_words = berth_xasprintf(
		"login attempt to http://%s/v2/ failed with status: 401 Unauthorized", server);
	assert_string_equal(err->msg, docker_words);
	berth_error_free(&err);
	assert_ok(berth_registry_login_check(server, "alice", "wonder", &err), err);
	assert_int_equal(stat(auth, &st), -1);

	assert_ok(berth_registry_login(server, "alice", "wonder", &err), err);
	assert_int_equal(stat(auth, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct registry_creds c = {0};
	assert_ok(registry_creds_lookup(server, &c, &err), err);
	assert_string_equal(c.username, "alice");
	assert_string_equal(c.password, "wonder");
	registry_creds_release(&c);

	/* the stored credentials are what a later request uses */
	_cleanup_(registry_freep) struct registry *r = NULL;
	assert_ok(registry_open(server, "a/b", &r, &err), err);
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = 100};
	struct http_response resp = {0};
	assert_ok(registry_request(r, "pull", NULL, &req, "/v2/", &resp, &err), err);
	assert_int_equal(resp.status, 200);
	http_response_release(&resp);

	/* an operation's own credentials win over the stored ones, and are not stored */
	struct berth_registry_credentials wrong = {.username = "alice", .password = "wrong"};
	_cleanup_(registry_freep) struct registry *w = NULL;
	assert_ok(registry_open(server, "a/b", &w, &err), err);
	registry_use_credentials(w, &wrong);
	assert_int_equal(registry_request(w, "pull", NULL, &req, "/v2/", &resp, &err), -EACCES);
	assert_non_null(strstr(err->msg, "incorrect username or password"));
	berth_error_free(&err);
	_cleanup_(registry_freep) struct registry *g = NULL;
	struct berth_registry_credentials right = {.username = "alice", .password = "wonder"};
	assert_ok(registry_open(server, "a/b", &g, &err), err);
	registry_use_credentials(g, &right);
	registry_use_credentials(g, NULL); /* none given: what was set stays */
	assert_ok(registry_request(g, "pull", NULL, &req, "/v2/", &resp, &err), err);
	assert_int_equal(resp.status, 200);
	http_response_release(&resp);
	/* empty credentials: anonymous, even with stored ones */
	_cleanup_(registry_freep) struct registry *anon = NULL;
	struct berth_registry_credentials none = {0};
	assert_ok(registry_open(server, "a/b", &anon, &err), err);
	registry_use_credentials(anon, &none);
	assert_int_equal(registry_request(anon, "pull", NULL, &req, "/v2/", &resp, &err), -EACCES);
	assert_non_null(strstr(err->msg, "required"));
	berth_error_free(&err);
	struct registry_creds after = {0};
	assert_ok(registry_creds_lookup(server, &after, &err), err);
	assert_string_equal(after.password, "wonder");
	registry_creds_release(&after);

	_cleanup_free_ char *url = berth_xasprintf("https://%s/v1/", server);
	assert_ok(berth_registry_logout(url, &err), err);
	assert_int_equal(berth_registry_logout(server, &err), -ENOENT);
	fake_stop(&f);
	berth_rm_rf_at(AT_FDCWD, tmpdir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_logout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
