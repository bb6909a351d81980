/* SPDX-License-Identifier: Apache-2.0 */
/* Images in a store: write, resolve by name/ID/digest, list, tag, remove, prune, inspect. */
#include "unit.h"

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "image-fixture.h"

static void test_write_resolve(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_image_config *c = berth_image_config_new("linux", "amd64");
	struct berth_descriptor layer = {.media_type = BERTH_MT_OCI_LAYER};
	struct berth_digest md, id, diff;
	assert_ok(berth_store_blob_put(f->s, "not really a tar", 16, &layer.digest, &err), err);
	layer.size = 16;
	berth_digest_of("not really a tar", 16, &diff);
	/* a layer count that does not match the config is refused */
	assert_int_equal(berth_image_write(f->s, c, &layer, 1, "w:1", &md, &id, &err), -EINVAL);
	berth_error_free(&err);
	struct berth_history h = {.created_by = "test"};
	berth_image_config_add_layer(c, &diff, &h);
	assert_ok(berth_image_write(f->s, c, &layer, 1, "w:1", &md, &id, &err), err);
	berth_image_config_free(c);

	char hex[65], full[BERTH_DIGEST_STRLEN + 1];
	berth_digest_hex(&id, hex);
	berth_digest_fmt(&md, full);
	_cleanup_free_ char *short_id = berth_xstrndup(hex, 12);
	_cleanup_free_ char *by_digest = berth_xasprintf("w@%s", full);
	const char *ways[] = {"w:1", "docker.io/library/w:1", short_id, hex, by_digest};
	for (size_t i = 0; i < ELEMENTSOF(ways); i++) {
		struct berth_image *img = NULL;
		assert_ok(berth_image_resolve(f->s, ways[i], &img, &err), err);
		assert_true(berth_digest_eq(&img->id, &id));
		assert_true(berth_digest_eq(&img->top_digest, &md));
		assert_string_equal(img->names[0], "docker.io/library/w:1");
		uint64_t size = 0;
		assert_ok(berth_image_size(f->s, img, &size, &err), err);
		assert_int_equal(size, 16);
		berth_image_free(img);
	}
	/* its one layer's blob opens by index; there is no second */
	struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(f->s, "w:1", &img, &err), err);
	int fd = -1;
	assert_ok(berth_image_layer_open(f->s, img, 0, &fd, &err), err);
	char buf[32];
	assert_int_equal(read(fd, buf, sizeof(buf)), 16);
	assert_memory_equal(buf, "not really a tar", 16);
	close(fd);
	assert_int_equal(berth_image_layer_open(f->s, img, 1, &fd, &err), -EINVAL);
	berth_error_free(&err);
	berth_image_free(img);
	img = NULL;
	assert_int_equal(berth_image_resolve(f->s, "w:2", &img, &err), -ENOENT);
	assert_string_equal(err->msg, "no such image: 'w:2'");
	berth_error_free(&err);
	assert_int_equal(berth_image_resolve(f->s, "W", &img, &err), -EINVAL);
	berth_error_free(&err);
	/* writing with a digest as the name is refused */
	assert_int_equal(berth_image_tag(f->s, "w:1", by_digest, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_list_tag_remove(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest a, b;
	import_one(f, "a:1", "one", &a);
	import_one(f, "b:1", "two", &b);
	assert_ok(berth_image_tag(f->s, "a:1", "host:5000/x/a:2", &err), err);
	struct berth_image_list *l = NULL;
	assert_ok(berth_image_list(f->s, &l, &err), err);
	assert_int_equal(l->n, 3);
	berth_image_list_free(l);

	/* an ID with two names needs force */
	char hex[65];
	berth_digest_hex(&a, hex);
	char **lines = NULL;
	assert_int_equal(berth_image_remove(f->s, hex, false, &lines, &err), -EEXIST);
	berth_error_free(&err);
	assert_ok(berth_image_remove(f->s, "a:1", false, &lines, &err), err);
	assert_string_equal(lines[0], "Untagged: a:1");
	assert_null(lines[1]);
	berth_strv_free(lines);
	assert_ok(berth_image_remove(f->s, hex, false, &lines, &err), err);
	assert_string_equal(lines[0], "Untagged: host:5000/x/a:2");
	assert_true(strncmp(lines[1], "Deleted: sha256:", 16) == 0);
	berth_strv_free(lines);
	struct berth_image *img = NULL;
	assert_int_equal(berth_image_resolve(f->s, hex, &img, &err), -ENOENT);
	berth_error_free(&err);

	/* a moved tag leaves a dangling image that prune removes */
	struct berth_digest b2;
	import_one(f, "b:1", "three", &b2);
	assert_ok(berth_image_list(f->s, &l, &err), err);
	assert_int_equal(l->n, 2);
	size_t untagged = 0;
	for (size_t i = 0; i < l->n; i++)
		untagged += l->items[i].name == NULL;
	assert_int_equal(untagged, 1);
	berth_image_list_free(l);
	uint64_t reclaimed = 0;
	assert_ok(berth_image_prune(f->s, false, NULL, 0, &lines, &reclaimed, &err), err);
	assert_true(reclaimed > 0);
	berth_strv_free(lines);
	assert_ok(berth_image_list(f->s, &l, &err), err);
	assert_int_equal(l->n, 1);
	berth_image_list_free(l);
	/* an image a container uses (its ID kept) stays, even with all */
	assert_ok(berth_image_prune(f->s, true, &b2, 1, &lines, &reclaimed, &err), err);
	assert_null(lines);
	assert_ok(berth_image_list(f->s, &l, &err), err);
	assert_int_equal(l->n, 1);
	berth_image_list_free(l);
	assert_ok(berth_image_prune(f->s, true, NULL, 0, &lines, &reclaimed, &err), err);
	assert_string_equal(lines[0], "untagged: b:1");
	berth_strv_free(lines);
	assert_ok(berth_image_list(f->s, &l, &err), err);
	assert_int_equal(l->n, 0);
	berth_image_list_free(l);
	size_t blobs;
	assert_ok(berth_store_blob_usage(f->s, &blobs, NULL, &err), err);
	assert_int_equal(blobs, 0);
}

static void test_inspect(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest id;
	import_one(f, "user/app:v1", "x", &id);
	struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(f->s, "user/app:v1", &img, &err), err);
	json_t *j = NULL;
	assert_ok(berth_image_inspect_json(f->s, img, &j, &err), err);
	char hex[BERTH_DIGEST_STRLEN + 1];
	assert_string_equal(json_string_value(json_object_get(j, "Id")),
			    berth_digest_fmt(&id, hex));
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "RepoTags"), 0)),
			    "user/app:v1");
	/* not pulled: no registry digest to show */
	assert_int_equal(json_array_size(json_object_get(j, "RepoDigests")), 0);
	json_decref(j);
	berth_image_free(img);
	img = NULL;
	/* a pulled name shows the digest the registry gave its tag (an index's, say) */
	struct berth_digest index_digest;
	berth_digest_of("an index", 8, &index_digest);
	char idx[BERTH_DIGEST_STRLEN + 1];
	assert_ok(berth_store_ref_annotate(f->s, "docker.io/user/app:v1",
					   BERTH_REF_REPO_DIGEST_ANNOTATION,
					   berth_digest_fmt(&index_digest, idx), &err),
		  err);
	assert_ok(berth_image_resolve(f->s, "user/app:v1", &img, &err), err);
	assert_ok(berth_image_inspect_json(f->s, img, &j, &err), err);
	_cleanup_free_ char *want = berth_xasprintf("user/app@%s", idx);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "RepoDigests"), 0)),
			    want);
	assert_string_equal(json_string_value(json_object_get(j, "Os")), "linux");
	assert_non_null(json_object_get(json_object_get(j, "Config"), "Env"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "RootFS"), "Layers")),
			 1);
	json_decref(j);
	berth_image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_tag_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
