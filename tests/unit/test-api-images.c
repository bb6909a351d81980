/* SPDX-License-Identifier: Apache-2.0 */
/* The image endpoints (api/images.c) on a real socket over a temp store. */
#include "unit.h"

#include "api-img-fixture.h"

static void test_list_inspect_history(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *built = svc_build(s, "img", "&t=img:2");
	_cleanup_json_ json_t *list = NULL, *ref = NULL, *dang = NULL, *img = NULL, *hist = NULL;
	assert_int_equal(svc_get_json(s, "GET", "/images/json", &list), 200);
	/* one summary per ID, both names in RepoTags */
	assert_int_equal(json_array_size(list), 1);
	json_t *one = json_array_get(list, 0);
	assert_int_equal(json_array_size(json_object_get(one, "RepoTags")), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(one, "Labels"), "made")), "test");
	assert_true(json_integer_value(json_object_get(one, "Created")) > 1700000000);
	assert_int_equal(
		svc_get_json(s, "GET",
			     "/images/json?filters=%7B%22reference%22%3A%5B%22nope%22%5D%7D", &ref),
		200);
	assert_int_equal(json_array_size(ref), 0);
	assert_int_equal(
		svc_get_json(s, "GET",
			     "/images/json?filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D", &dang),
		200);
	assert_int_equal(json_array_size(dang), 0);
	assert_int_equal(svc_get_json(s, "GET", "/images/img:2/json", &img), 200);
	assert_string_equal(json_string_value(json_object_get(img, "Id")),
			    json_string_value(json_object_get(one, "Id")));
	assert_int_equal(svc_get_json(s, "GET", "/images/img/history", &hist), 200);
	assert_true(json_array_size(hist) >= 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "Id")),
			    json_string_value(json_object_get(one, "Id")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 1), "Id")),
			    "<missing>");

	_cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL;
	assert_int_equal(svc_call(s, "GET", "/images/nosuch/json", NULL, false, NULL, &e1), 404);
	assert_int_equal(svc_call(s, "GET", "/images/search?term=x", NULL, false, NULL, &e2), 501);
	assert_int_equal(svc_call(s, "GET", "/images/json?filters=%7B%22label%22%3A%5B%5D%7D", NULL,
				  false, NULL, &e3),
			 400);
}

static void test_tag_delete_prune(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *built = svc_build(s, "img", NULL);
	_cleanup_free_ char *t = NULL, *t2 = NULL, *gone = NULL;
	/* a name with slashes reaches its route whole */
	assert_int_equal(svc_call(s, "POST", "/images/img/tag?repo=127.0.0.1:5000/a/b&tag=3", NULL,
				  false, NULL, &t),
			 201);
	_cleanup_json_ json_t *img = NULL, *del = NULL, *del2 = NULL, *pr = NULL;
	assert_int_equal(svc_get_json(s, "GET", "/images/127.0.0.1:5000/a/b:3/json", &img), 200);
	assert_int_equal(svc_call(s, "POST", "/images/img/tag", NULL, false, NULL, &t2), 400);
	assert_int_equal(svc_get_json(s, "DELETE", "/images/127.0.0.1:5000/a/b:3", &del), 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(del, 0), "Untagged")),
			    "127.0.0.1:5000/a/b:3");
	assert_int_equal(json_array_size(del), 1);
	assert_int_equal(svc_get_json(s, "DELETE", "/images/img", &del2), 200);
	assert_non_null(json_object_get(json_array_get(del2, 1), "Deleted"));
	assert_int_equal(svc_call(s, "DELETE", "/images/img", NULL, false, NULL, &gone), 404);
	assert_int_equal(
		svc_get_json(s, "POST",
			     "/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D", &pr),
		200);
	assert_true(json_is_array(json_object_get(pr, "ImagesDeleted")));
}

static void test_save_load(void **state)
{
	struct service *s = *state;
	_cleanup_free_ char *built = svc_build(s, "img", NULL);
	_cleanup_free_ char *archive = NULL, *missing = NULL, *del = NULL, *loaded = NULL,
			    *empty = NULL;
	assert_int_equal(svc_call(s, "GET", "/images/get?names=img", NULL, false, NULL, &archive),
			 200);
	assert_int_equal(svc_call(s, "GET", "/images/img/get", NULL, false, NULL, &missing), 200);
	_cleanup_free_ char *path = berth_xasprintf("%s/../saved.tar", s->f->root);
	_cleanup_free_ char *cmd = berth_xasprintf("curl -s --unix-socket '%s' -o '%s' "
						   "'http://d/images/get?names=img'",
						   s->sock, path);
	assert_int_equal(system(cmd), 0);
	free(missing);
	missing = NULL;
	assert_int_equal(
		svc_call(s, "GET", "/images/get?names=nosuch", NULL, false, NULL, &missing), 404);
	assert_int_equal(svc_call(s, "DELETE", "/images/img", NULL, false, NULL, &del), 200);
	assert_int_equal(svc_call(s, "POST", "/images/load", path, true, NULL, &loaded), 200);
	assert_non_null(strstr(loaded, "Loaded image: img:latest"));
	assert_int_equal(svc_call(s, "POST", "/images/load", NULL, false, NULL, &empty), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_inspect_history, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_tag_delete_prune, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_save_load, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
