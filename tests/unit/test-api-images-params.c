/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "api/images-params.h"
#include "core/alloc.h"
#include "core/base64.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

static const char *const keys[] = {"name", "dangling", "reference", NULL};

/* the filters api_req_filters read: the keys allowed, the values matched */
static void test_filters(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *f = NULL;
	assert_int_equal(
		api_filters_parse("{\"name\":{\"ab\":true,\"no\":false},\"dangling\":[\"true\"]}",
				  &f, &err),
		0);
	assert_int_equal(api_filters_check(f, keys, &err), 0);
	assert_string_equal(api_filters_first(f, "name"), "ab");
	assert_null(api_filters_first(f, "reference"));
	assert_true(api_filters_match_substring(f, "name", "xaby"));
	assert_false(api_filters_match_substring(f, "name", "ba"));
	assert_true(api_filters_match_prefix(f, "name", "abc"));
	assert_false(api_filters_match_prefix(f, "name", "xab"));
	assert_true(api_filters_match_exact(f, "name", "ab"));
	assert_false(api_filters_match_exact(f, "name", "abc"));
	assert_true(api_filters_bool(f, "dangling"));
	assert_false(api_filters_bool(f, "name"));
	/* a key given no value matches everything */
	assert_true(api_filters_match_substring(f, "reference", "anything"));

	_cleanup_json_ json_t *g = NULL;
	assert_int_equal(api_filters_parse("{\"label\":{\"a\":true}}", &g, &err), 0);
	assert_int_equal(api_filters_check(g, keys, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), "invalid filter 'label'");
	berth_error_free(&err);
	const char *const none[] = {NULL};
	assert_int_equal(api_filters_check(g, none, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_version_before(void **state)
{
	assert_true(api_version_before("1.41", 1, 42));
	assert_false(api_version_before("1.42", 1, 42));
	assert_false(api_version_before("1.43", 1, 42));
	assert_true(api_version_before("0.99", 1, 0));
	assert_false(api_version_before("garbage", 1, 42));
}

static void test_labels_and_optional_fields(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *body = json_pack("{s:{s:s, s:s}, s:n, s:i}", "Labels", "b", "2", "a",
						"1", "Driver", "Num", 3);
	json_t *l = NULL;
	assert_int_equal(api_json_labels(body, "Labels", &l, &err), 0);
	_cleanup_strv_free_ char **kv = api_labels_to_strv(l);
	json_decref(l);
	berth_strv_sort(kv);
	assert_string_equal(kv[0], "a=1");
	assert_string_equal(kv[1], "b=2");
	assert_null(kv[2]);
	assert_int_equal(api_json_labels(body, "Missing", &l, &err), 0);
	assert_null(l);
	assert_int_equal(api_json_labels(body, "Num", &l, &err), -EINVAL);
	berth_error_free(&err);

	const char *s = "x";
	assert_int_equal(api_json_string(body, "Driver", &s, &err), 0); /* null */
	assert_null(s);
	assert_int_equal(api_json_string(body, "Nothing", &s, &err), 0);
	assert_null(s);
	assert_int_equal(api_json_string(body, "Num", &s, &err), -EINVAL);
	berth_error_free(&err);
	json_t *o = NULL;
	assert_int_equal(api_json_object(body, "Labels", &o, &err), 0);
	assert_non_null(o);
	assert_int_equal(api_json_object(NULL, "Labels", &o, &err), 0);
	assert_null(o);
}

static void test_build_args(void **state)
{
	struct berth_error *err = NULL;
	char **args = NULL;
	assert_int_equal(api_build_args_parse("{\"A\":\"1\",\"B\":\"x=y\"}", &args, &err), 0);
	assert_string_equal(args[0], "A=1");
	assert_string_equal(args[1], "B=x=y");
	assert_null(args[2]);
	berth_strv_free(args);
	assert_int_equal(api_build_args_parse("", &args, &err), 0);
	assert_null(args);
	/* null: "from the daemon's environment", which the service does not lend */
	assert_int_equal(api_build_args_parse("{\"A\":null}", &args, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "'A'"));
	berth_error_free(&err);
	assert_int_equal(api_build_args_parse("[]", &args, &err), -EINVAL);
	berth_error_free(&err);
}

/* The header as a client would send it: base64url of json, padding as asked. */
static char *header_of(const char *json, bool url, bool padded)
{
	char *h = berth_base64_encode(json, strlen(json));
	for (char *p = h; url && *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	if (!padded)
		h[strcspn(h, "=")] = '\0';
	return h;
}

static void assert_refused(const char *header, int code, const char *words)
{
	struct berth_error *err = NULL;
	struct api_registry_auth a;
	assert_int_equal(api_registry_auth_parse(header, &a, &err), -code);
	assert_non_null(strstr(berth_error_msg(err), "X-Registry-Auth"));
	if (!strstr(berth_error_msg(err), words))
		fail_msg("%s: %s", header, berth_error_msg(err));
	/* one line, and no secret in it */
	assert_null(strchr(berth_error_msg(err), '\n'));
	assert_null(strstr(berth_error_msg(err), "s3cret"));
	berth_error_free(&err);
}

static void test_registry_auth(void **state)
{
	struct berth_error *err = NULL;
	struct api_registry_auth a;
	struct berth_registry_credentials c;
	assert_int_equal(api_registry_auth_parse(NULL, &a, &err), 0);
	assert_false(api_registry_auth_credentials(&a, &c));
	/* "{}", what docker sends without credentials */
	assert_int_equal(api_registry_auth_parse("e30=", &a, &err), 0);
	assert_false(api_registry_auth_credentials(&a, &c));
	assert_int_equal(api_registry_auth_parse("e30", &a, &err), 0);
	/* {"username":"u","password":"p"} in base64url without padding */
	assert_int_equal(
		api_registry_auth_parse("eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAifQ", &a, &err), 0);
	assert_true(api_registry_auth_credentials(&a, &c));
	assert_string_equal(c.username, "u");
	assert_string_equal(c.password, "p");
	assert_null(c.identity_token);
	api_registry_auth_release(&a);
	/* both alphabets, padded or not: '?' and '~' make '/' and '+' appear */
	const char *json = "{\"username\":\"u?>\",\"password\":\"s3cret~~\",\"serveraddress\":"
			   "\"127.0.0.1:5000\",\"email\":null}";
	for (int i = 0; i < 4; i++) {
		_cleanup_free_ char *h = header_of(json, i & 1, i & 2);
		assert_int_equal(api_registry_auth_parse(h, &a, &err), 0);
		assert_true(api_registry_auth_credentials(&a, &c));
		assert_string_equal(c.username, "u?>");
		assert_string_equal(c.password, "s3cret~~");
		assert_string_equal(a.server, "127.0.0.1:5000");
		api_registry_auth_release(&a);
	}
	/* an identity token alone; "auth" standing for username and password */
	_cleanup_free_ char *tok = header_of("{\"identitytoken\":\"t0k\"}", true, false);
	assert_int_equal(api_registry_auth_parse(tok, &a, &err), 0);
	assert_true(api_registry_auth_credentials(&a, &c));
	assert_null(c.username);
	assert_string_equal(c.identity_token, "t0k");
	api_registry_auth_release(&a);
	/* a registry token alone: the registry's bearer token itself */
	_cleanup_free_ char *rt = header_of("{\"registrytoken\":\"b3arer\"}", true, false);
	assert_int_equal(api_registry_auth_parse(rt, &a, &err), 0);
	assert_true(api_registry_auth_credentials(&a, &c));
	assert_null(c.username);
	assert_null(c.identity_token);
	assert_string_equal(c.registry_token, "b3arer");
	api_registry_auth_release(&a);
	_cleanup_free_ char *pair = header_of("{\"auth\":\"dTpzM2NyZXQ6eA==\"}", true, true);
	assert_int_equal(api_registry_auth_parse(pair, &a, &err), 0);
	assert_true(api_registry_auth_credentials(&a, &c));
	assert_string_equal(c.username, "u");
	assert_string_equal(c.password, "s3cret:x");
	api_registry_auth_release(&a);
	/* {"serveraddress":"h"}: no credential */
	assert_int_equal(api_registry_auth_parse("eyJzZXJ2ZXJhZGRyZXNzIjoiaCJ9", &a, &err), 0);
	assert_false(api_registry_auth_credentials(&a, &c));
	api_registry_auth_release(&a);

	/* hostile headers: one clear line each */
	assert_refused("!!!", EINVAL, "not base64");
	assert_refused("e30=x", EINVAL, "not base64");
	assert_refused("e30===", EINVAL, "not base64");
	assert_refused("e3=0", EINVAL, "not base64");
	assert_refused("e30 ", EINVAL, "not base64");
	assert_refused("e", EINVAL, "not base64");
	assert_refused("bm90IGpzb24", EINVAL, "not a JSON object");
	_cleanup_free_ char *huge = berth_xmalloc(API_REGISTRY_AUTH_MAX + 2);
	memset(huge, 'A', API_REGISTRY_AUTH_MAX + 1);
	huge[API_REGISTRY_AUTH_MAX + 1] = '\0';
	assert_refused(huge, EINVAL, "longer than");
	const struct {
		const char *json, *words;
		int code;
	} bad[] = {
		{"[\"u\",\"s3cret\"]", "not a JSON object", EINVAL},
		{"\"s3cret\"", "not a JSON object", EINVAL},
		{"{\"password\":\"s3cret", "not a JSON object", EINVAL},
		{"{\"username\":1,\"password\":\"s3cret\"}", "'username' is not a string", EINVAL},
		{"{\"username\":\"u\",\"password\":{\"s3cret\":1}}", "'password' is not a string",
		 EINVAL},
		{"{\"identitytoken\":true}", "'identitytoken' is not a string", EINVAL},
		{"{\"password\":\"s3cret\"}", "a password without a username", EINVAL},
		{"{\"auth\":\"s3cret\"}", "'auth' is not base64 of user:password", EINVAL},
		{"{\"auth\":\"OnMzY3JldA==\"}", "'auth' is not base64", EINVAL},
		{"{\"registrytoken\":[\"s3cret\"]}", "'registrytoken' is not a string", EINVAL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_free_ char *h = header_of(bad[i].json, true, false);
		assert_refused(h, bad[i].code, bad[i].words);
	}
}

static void test_progress_messages(void **state)
{
	_cleanup_json_ json_t *a = api_progress_message("Pulling fs layer", "abc", 0, 0);
	assert_string_equal(json_string_value(json_object_get(a, "status")), "Pulling fs layer");
	assert_string_equal(json_string_value(json_object_get(a, "id")), "abc");
	assert_null(json_object_get(a, "progressDetail"));
	_cleanup_json_ json_t *b = api_progress_message("Downloading", "abc", 500, 1000);
	json_t *d = json_object_get(b, "progressDetail");
	assert_int_equal(json_integer_value(json_object_get(d, "current")), 500);
	assert_int_equal(json_integer_value(json_object_get(d, "total")), 1000);
	const char *bar = json_string_value(json_object_get(b, "progress"));
	assert_non_null(strstr(bar, "[=========================>"));
	assert_non_null(strstr(bar, "] 500B/1kB"));
	_cleanup_json_ json_t *c = api_progress_message("Digest: x", NULL, 0, 0);
	assert_null(json_object_get(c, "id"));
	_cleanup_json_ json_t *e = api_stream_error_message("boom");
	assert_string_equal(json_string_value(json_object_get(e, "error")), "boom");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(e, "errorDetail"), "message")),
		"boom");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_version_before),
		cmocka_unit_test(test_labels_and_optional_fields),
		cmocka_unit_test(test_build_args),
		cmocka_unit_test(test_registry_auth),
		cmocka_unit_test(test_progress_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
