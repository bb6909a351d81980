/* SPDX-License-Identifier: Apache-2.0 */
/* save (and load back): docker-archive and oci-archive round trips; the format names. */
#include "unit.h"

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "image-fixture.h"

static void roundtrip(struct fixture *f, enum berth_archive_format fmt)
{
	struct berth_error *err = NULL;
	struct berth_digest id;
	import_one(f, "rt:1", "content", &id);
	int fd = memfd_create("save", MFD_CLOEXEC);
	char *const whats[] = {"rt:1", NULL};
	assert_ok(berth_image_save(f->s, whats, fmt, fd, &err), err);
	lseek(fd, 0, SEEK_SET);

	/* into a second store */
	char root2[128];
	snprintf(root2, sizeof(root2), "%s/second", f->root);
	struct berth_store *s2 = NULL;
	assert_ok(berth_store_open(root2, &s2, &err), err);
	char **lines = NULL;
	assert_ok(berth_image_load(s2, fd, &lines, &err), err);
	assert_string_equal(lines[0], "Loaded image: rt:1");
	berth_strv_free(lines);
	close(fd);
	struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(s2, "rt:1", &img, &err), err);
	/* the image ID (config digest) survives both formats */
	assert_true(berth_digest_eq(&img->id, &id));
	berth_image_free(img);
	struct berth_store_check_result res;
	assert_ok(berth_image_store_check(s2, false, NULL, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.orphans, 0);
	berth_store_free(s2);
}

static void test_docker_roundtrip(void **state)
{
	roundtrip(*state, BERTH_ARCHIVE_DOCKER);
}

static void test_oci_roundtrip(void **state)
{
	roundtrip(*state, BERTH_ARCHIVE_OCI);
}

static void test_archive_format(void **state)
{
	struct berth_error *err = NULL;
	enum berth_archive_format fmt;
	assert_ok(berth_archive_format_parse("oci-archive", &fmt, &err), err);
	assert_int_equal(fmt, BERTH_ARCHIVE_OCI);
	assert_int_equal(berth_archive_format_parse("tar", &fmt, &err), -EINVAL);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_docker_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_roundtrip, setup, teardown),
		cmocka_unit_test(test_archive_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
