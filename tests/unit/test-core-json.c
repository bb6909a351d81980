/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"

static void test_parse_and_get(void **state)
{
	_cleanup_json_ json_t *j = NULL;
	struct berth_error *err = NULL;
	const char *doc = "{\"a\":\"x\",\"n\":3,\"o\":{},\"l\":[1],\"z\":null}";
	assert_int_equal(berth_json_parse(doc, strlen(doc), "test", &j, &err), 0);
	const char *s;
	int64_t n;
	json_t *o;
	assert_int_equal(berth_json_get_string(j, "a", true, &s, &err), 0);
	assert_string_equal(s, "x");
	assert_int_equal(berth_json_get_int(j, "n", true, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(berth_json_get_object(j, "o", true, &o, &err), 0);
	assert_int_equal(berth_json_get_array(j, "l", true, &o, &err), 0);
	assert_int_equal(berth_json_get_string(j, "missing", false, &s, &err), -ENOENT);
	assert_null(err);
	assert_int_equal(berth_json_get_string(j, "z", false, &s, &err), -ENOENT);
	assert_int_equal(berth_json_get_string(j, "missing", true, &s, &err), -ENOENT);
	assert_string_equal(err->msg, "missing field 'missing'");
	berth_error_free(&err);
	assert_int_equal(berth_json_get_string(j, "n", true, &s, &err), -EINVAL);
	assert_string_equal(err->msg, "field 'n' is not a string");
	berth_error_free(&err);
}

static void test_invalid(void **state)
{
	json_t *j = NULL;
	struct berth_error *err = NULL;
	assert_int_equal(berth_json_parse("{\"a\":", 5, "manifest", &j, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "invalid JSON in manifest"));
	berth_error_free(&err);
	assert_int_equal(berth_json_parse("{\"a\":1,\"a\":2}", 13, "config", &j, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_dump_keeps_order(void **state)
{
	_cleanup_json_ json_t *j = json_object();
	json_object_set_new(j, "schemaVersion", json_integer(2));
	json_object_set_new(j, "mediaType", json_string("m"));
	_cleanup_free_ char *s = berth_json_dump(j, NULL);
	assert_string_equal(s, "{\"schemaVersion\":2,\"mediaType\":\"m\"}");
	_cleanup_free_ char *p = berth_json_dump_pretty(j);
	assert_non_null(strstr(p, "\n    \"mediaType\""));
}

/* A record file: read whole and parsed; too big, absent or broken fail. */
static void test_read_at(void **state)
{
	char dir[] = "/tmp/berth-json-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct berth_error *err = NULL;
	assert_int_equal(berth_write_file_atomic(dfd, "r.json", "{\"a\":1}", 7, 0600, &err), 0);
	assert_int_equal(berth_write_file_atomic(dfd, "bad.json", "{\"a\":", 5, 0600, &err), 0);
	json_t *j = NULL;
	assert_ok(berth_json_read_at(dfd, "r.json", 100, &j, &err), err);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	json_decref(j);
	assert_int_equal(berth_json_read_at(dfd, "r.json", 3, &j, &err), -E2BIG);
	berth_error_free(&err);
	assert_int_equal(berth_json_read_at(dfd, "none.json", 100, &j, &err), -ENOENT);
	berth_error_free(&err);
	assert_int_equal(berth_json_read_at(dfd, "bad.json", 100, &j, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "bad.json"));
	berth_error_free(&err);
	assert_int_equal(unlinkat(dfd, "r.json", 0), 0);
	assert_int_equal(unlinkat(dfd, "bad.json", 0), 0);
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

static void test_strv_round_trip(void **state)
{
	char *v[] = {"a", "", "b c", NULL};
	_cleanup_json_ json_t *a = berth_json_strv(v);
	_cleanup_free_ char *text = berth_json_dump(a, NULL);
	assert_string_equal(text, "[\"a\",\"\",\"b c\"]");
	_cleanup_strv_free_ char **back = berth_json_to_strv(a);
	assert_int_equal(berth_strv_len(back), 3);
	assert_string_equal(back[2], "b c");
	/* NULL is an empty array; members that are no strings are skipped */
	_cleanup_json_ json_t *empty = berth_json_strv(NULL);
	assert_int_equal(json_array_size(empty), 0);
	assert_null(berth_json_to_strv(empty));
	_cleanup_json_ json_t *mixed = json_pack("[i, s, n]", 1, "x");
	_cleanup_strv_free_ char **strs = berth_json_to_strv(mixed);
	assert_int_equal(berth_strv_len(strs), 1);
	assert_string_equal(strs[0], "x");
	assert_null(berth_json_to_strv(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_get),	 cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_dump_keeps_order), cmocka_unit_test(test_read_at),
		cmocka_unit_test(test_strv_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
