/* SPDX-License-Identifier: Apache-2.0 */
/* load: a bad archive (a blob not matching its name, neither format, an empty index, a missing config) changes nothing. */
#include "unit.h"

#include "core/alloc.h"
#include "core/cleanup.h"
#include "image-fixture.h"

static void test_load_bad(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	/* a tar with a blob whose name is not its digest */
	const char *files[] = {
		"oci-layout",
		"{\"imageLayoutVersion\":\"1.0.0\"}",
		"blobs/sha256/1111111111111111111111111111111111111111111111111111111111111111",
		"not matching",
		"index.json",
		"{\"schemaVersion\":2,\"manifests\":[]}",
	};
	int fd = make_tar(files, 6);
	char **lines = NULL;
	assert_int_equal(berth_image_load(f->s, fd, &lines, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	berth_error_free(&err);
	close(fd);

	/* neither format */
	const char *other[] = {"hello", "world"};
	fd = make_tar(other, 2);
	assert_int_equal(berth_image_load(f->s, fd, &lines, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "no manifest.json or index.json"));
	berth_error_free(&err);
	close(fd);

	/* an empty index */
	fd = make_tar(files + 4, 2);
	assert_int_equal(berth_image_load(f->s, fd, &lines, &err), -EINVAL);
	berth_error_free(&err);
	close(fd);

	/* a docker manifest.json naming a missing config */
	const char *docker[] = {"manifest.json",
				"[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[]}]"};
	fd = make_tar(docker, 2);
	assert_int_equal(berth_image_load(f->s, fd, &lines, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "'c.json', which is not in the archive"));
	berth_error_free(&err);
	close(fd);

	struct berth_image_list *l = NULL;
	assert_ok(berth_image_list(f->s, &l, &err), err);
	assert_int_equal(l->n, 0);
	berth_image_list_free(l);
	size_t blobs;
	assert_ok(berth_store_blob_usage(f->s, &blobs, NULL, &err), err);
	assert_int_equal(blobs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_bad, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
