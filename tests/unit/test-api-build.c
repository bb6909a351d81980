/* SPDX-License-Identifier: Apache-2.0 */
/* POST /build and /build/prune (api/build.c) on a real socket over a temp store. */
#include "unit.h"

#include "api-img-fixture.h"

static void test_build_stream(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *out = svc_build(s, "b1", "&t=b1:2&labels=%7B%22x%22%3A%22y%22%7D");
	/* the classic builder's stream: text lines, the aux ID, the last lines */
	assert_non_null(strstr(out, "{\"stream\":"));
	const char *aux = strstr(out, "{\"aux\":{\"ID\":\"sha256:");
	assert_non_null(aux);
	assert_non_null(strstr(out, "Successfully built "));
	assert_non_null(strstr(out, "Successfully tagged b1:latest"));
	assert_non_null(strstr(out, "Successfully tagged b1:2"));
	_cleanup_json_ json_t *img = NULL;
	assert_int_equal(svc_get_json(s, "GET", "/images/b1:2/json", &img), 200);
	json_t *labels = json_object_get(json_object_get(img, "Config"), "Labels");
	assert_string_equal(json_string_value(json_object_get(labels, "made")), "test");
	assert_string_equal(json_string_value(json_object_get(labels, "x")), "y");

	/* q: the ID alone */
	_cleanup_free_ char *q = svc_build(s, "b2", "&q=1");
	assert_null(strstr(q, "Successfully"));
	assert_non_null(strstr(q, "{\"stream\":\"sha256:"));
}

static void test_build_errors(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	/* no context, bad buildargs, a Dockerfile the context lacks (in the stream) */
	assert_int_equal(svc_call(s, "POST", "/build", NULL, false, NULL, &a), 400);
	_cleanup_free_ char *ctx = svc_build(s, "ok", NULL);
	_cleanup_free_ char *tar = berth_xasprintf("%s/../ctx-ok.tar", s->f->root);
	assert_int_equal(svc_call(s, "POST", "/build?buildargs=%5B%5D", tar, true, NULL, &b), 400);
	assert_int_equal(svc_call(s, "POST", "/build?dockerfile=Nope", tar, true, NULL, &c), 200);
	assert_non_null(strstr(c, "\"errorDetail\""));
	/* a dockerfile= that leaves the context is refused, never read from the host */
	assert_int_equal(svc_call(s, "POST", "/build?dockerfile=..%2F..%2F..%2Fetc%2Fpasswd", tar,
				  true, NULL, &d),
			 200);
	assert_non_null(strstr(d, "\"errorDetail\""));
	assert_null(strstr(d, "aux"));
}

static void test_build_prune(void **state)
{
	struct service *s = *state;
	_cleanup_json_ json_t *p = NULL;
	_cleanup_free_ char *e = NULL;
	assert_int_equal(svc_get_json(s, "POST", "/build/prune?all=1", &p), 200);
	assert_true(json_is_integer(json_object_get(p, "SpaceReclaimed")));
	assert_int_equal(svc_call(s, "POST", "/build/prune?keep-storage=x", NULL, false, NULL, &e),
			 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_stream, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_build_errors, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_build_prune, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
