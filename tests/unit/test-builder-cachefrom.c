/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "builder/internal.h"
#include "core/json.h"

static json_t *parse(const char *s)
{
	struct berth_error *err = NULL;
	json_t *j = NULL;
	assert_ok(berth_json_parse(s, strlen(s), "test", &j, &err), err);
	return j;
}

static void digest_str(const char *what, struct berth_digest *d, char *out)
{
	berth_digest_of(what, strlen(what), d);
	berth_digest_fmt(d, out);
}

static void test_keys_record_aligns_with_history(void **state)
{
	(void)state;
	struct berth_digest k;
	char ks[BERTH_DIGEST_STRLEN + 1];
	json_t *cfg = parse("{\"history\":[{\"created_by\":\"base\"},{\"created_by\":\"base2\"},"
			    "{\"created_by\":\"RUN x\"}]}");
	digest_str("k", &k, ks);

	/* a base without keys: nulls up to the new entry */
	cache_keys_record(cfg, &k);
	json_t *keys = json_object_get(cfg, CACHE_KEYS_FIELD);
	assert_int_equal(json_array_size(keys), 3);
	assert_true(json_is_null(json_array_get(keys, 0)));
	assert_true(json_is_null(json_array_get(keys, 1)));
	assert_string_equal(json_string_value(json_array_get(keys, 2)), ks);

	/* a keys array longer than the history (hostile) is cut back */
	json_array_remove(json_object_get(cfg, "history"), 2);
	cache_keys_record(cfg, &k);
	assert_int_equal(json_array_size(keys), 2);
	assert_string_equal(json_string_value(json_array_get(keys, 1)), ks);
	json_decref(cfg);

	/* no history: nothing to key */
	cfg = parse("{}");
	cache_keys_record(cfg, &k);
	assert_null(json_object_get(cfg, CACHE_KEYS_FIELD));
	json_decref(cfg);
}

static void test_match_by_exact_key(void **state)
{
	(void)state;
	struct berth_digest k1, k2, k3, other;
	char s1[BERTH_DIGEST_STRLEN + 1], s2[BERTH_DIGEST_STRLEN + 1], s3[BERTH_DIGEST_STRLEN + 1],
		so[BERTH_DIGEST_STRLEN + 1];
	char buf[2048];
	struct cmatch m;

	digest_str("k1", &k1, s1);
	digest_str("k2", &k2, s2);
	digest_str("k3", &k3, s3);
	digest_str("other", &other, so);
	snprintf(
		buf, sizeof(buf),
		"{\"history\":[{\"created_by\":\"base\"},{\"created_by\":\"COPY a /a # buildkit\"},"
		"{\"created_by\":\"ENV A=1\",\"empty_layer\":true},"
		"{\"created_by\":\"RUN /bin/sh -c x # buildkit\"}],"
		"\"" CACHE_KEYS_FIELD "\":[null,\"%s\",\"%s\",\"%s\"]}",
		s1, s2, s3);
	json_t *src = parse(buf);
	json_t *cur = parse("{\"history\":[]}");

	/* a COPY matches by its key, whatever text_only says */
	assert_int_equal(cache_source_match(src, 3, cur, &k1, "COPY a /a", false, &m), 1);
	assert_int_equal(m.hist, 1);
	assert_int_equal(m.layer, 1);
	assert_true(m.has_layer);
	assert_true(m.by_key);
	/* a metadata entry has no layer */
	assert_int_equal(cache_source_match(src, 3, cur, &k2, "ENV A=1", true, &m), 1);
	assert_int_equal(m.hist, 2);
	assert_false(m.has_layer);
	/* the layer after a metadata entry is counted right */
	assert_int_equal(cache_source_match(src, 3, cur, &k3, "RUN /bin/sh -c x", true, &m), 1);
	assert_int_equal(m.hist, 3);
	assert_int_equal(m.layer, 2);
	/* with keys present, the same text under another key is a miss: no guessing */
	assert_int_equal(cache_source_match(src, 3, cur, &other, "RUN /bin/sh -c x", true, &m), 0);
	/* a history that names more layers than the image has is not trusted */
	assert_int_equal(cache_source_match(src, 2, cur, &k3, "RUN /bin/sh -c x", true, &m), 0);
	json_decref(src);
	json_decref(cur);
}

static void test_match_by_history(void **state)
{
	(void)state;
	struct berth_digest k;
	struct cmatch m;
	char d0[] = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	char d1[] = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	char buf[2048];

	berth_digest_of("k", 1, &k);
	/* Docker-built: no keys */
	snprintf(buf, sizeof(buf),
		 "{\"rootfs\":{\"diff_ids\":[\"%s\",\"%s\"]},"
		 "\"history\":[{\"created_by\":\"base\"},"
		 "{\"created_by\":\"ENV A=1\",\"empty_layer\":true},"
		 "{\"created_by\":\"RUN /bin/sh -c make # buildkit\"}]}",
		 d0, d1);
	json_t *src = parse(buf);
	snprintf(buf, sizeof(buf),
		 "{\"rootfs\":{\"diff_ids\":[\"%s\"]},\"history\":[{\"created_by\":\"base\"}]}",
		 d0);
	json_t *cur = parse(buf);

	/* the metadata step after the same parent */
	assert_int_equal(cache_source_match(src, 2, cur, &k, "ENV A=1", true, &m), 1);
	assert_int_equal(m.hist, 1);
	assert_false(m.has_layer);
	assert_false(m.by_key);
	/* another text: a miss */
	assert_int_equal(cache_source_match(src, 2, cur, &k, "ENV A=2", true, &m), 0);
	/* a step whose key is more than its text (COPY contents, ARGs): never by history */
	assert_int_equal(cache_source_match(src, 2, cur, &k, "ENV A=1", false, &m), 0);

	/* after the ENV, the RUN: its layer is the source's second */
	json_array_append_new(json_object_get(cur, "history"),
			      parse("{\"created_by\":\"ENV A=1\",\"empty_layer\":true}"));
	assert_int_equal(cache_source_match(src, 2, cur, &k, "RUN /bin/sh -c make", true, &m), 1);
	assert_int_equal(m.hist, 2);
	assert_int_equal(m.layer, 1);
	assert_true(m.has_layer);
	/* "RUN /bin/sh -c ma" is not a prefix match */
	assert_int_equal(cache_source_match(src, 2, cur, &k, "RUN /bin/sh -c ma", true, &m), 0);

	/* a parent with other layers does not match */
	json_array_set_new(json_object_get(json_object_get(cur, "rootfs"), "diff_ids"), 0,
			   json_string(d1));
	assert_int_equal(cache_source_match(src, 2, cur, &k, "RUN /bin/sh -c make", true, &m), 0);
	json_array_set_new(json_object_get(json_object_get(cur, "rootfs"), "diff_ids"), 0,
			   json_string(d0));
	/* nor a parent with another history */
	json_object_set_new(json_array_get(json_object_get(cur, "history"), 1), "created_by",
			    json_string("ENV A=3"));
	assert_int_equal(cache_source_match(src, 2, cur, &k, "RUN /bin/sh -c make", true, &m), 0);
	json_decref(src);
	json_decref(cur);

	/* a source without history matches nothing */
	src = parse("{}");
	cur = parse("{}");
	assert_int_equal(cache_source_match(src, 0, cur, &k, "ENV A=1", true, &m), 0);
	json_decref(src);
	json_decref(cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_record_aligns_with_history),
		cmocka_unit_test(test_match_by_exact_key),
		cmocka_unit_test(test_match_by_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
