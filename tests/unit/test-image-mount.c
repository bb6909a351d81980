/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include "image/image.h"

/*
 * image/mount.c: an image of the store, by reference, mounted read-only at
 * layers/mnt/<image-id-hex>/ and unmounted again. The images are built
 * for real (FROM scratch, two layers); every test unmounts in teardown.
 */

static int setup(void **state)
{
	struct bfix *f = calloc(1, sizeof(*f));
	struct berth_build_result r;
	bfix_setup(f);
	ctx_write(f, "one", "first layer");
	ctx_write(f, "two", "second layer");
	bfix_build_ok(f, "FROM scratch\nCOPY one /etc/one\nCOPY two /two\n", NULL, &r);
	*state = f;
	return 0;
}

static char *slurp(const char *path)
{
	struct berth_error *err = NULL;
	char *data = NULL;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_ok(berth_read_fd(fd, 1 << 20, &data, &len, &err), err);
	close(fd);
	return data;
}

static void test_mount_and_umount(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct berth_store *s = NULL;
	char *path = NULL, hex[65];
	struct berth_image *img = bfix_image(f, "test:latest");

	assert_ok(berth_store_open(f->store, &s, &err), err);
	assert_ok(berth_image_mount(s, "test:latest", &path, &err), err);
	char *want = berth_xasprintf("%s/layers/mnt/%s", f->store, berth_digest_hex(&img->id, hex));
	assert_string_equal(path, want);
	assert_int_equal(bfix_mounts_below(f->store), 1);
	/* both layers, merged */
	char *p = berth_xasprintf("%s/etc/one", path);
	char *s1 = slurp(p);
	assert_string_equal(s1, "first layer");
	free(s1);
	free(p);
	p = berth_xasprintf("%s/two", path);
	s1 = slurp(p);
	assert_string_equal(s1, "second layer");
	free(s1);
	/* read-only */
	assert_true(open(p, O_WRONLY | O_CLOEXEC) < 0);
	assert_int_equal(errno, EROFS);
	free(p);

	/* by image id too: the same mount point */
	char *path2 = NULL, id[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&img->id, id);
	assert_ok(berth_image_mount(s, id, &path2, &err), err);
	assert_string_equal(path2, path);
	free(path2);

	assert_ok(berth_image_umount(s, "test:latest", &err), err);
	assert_int_equal(bfix_mounts_below(f->store), 0);
	free(want);
	free(path);
	berth_image_free(img);
	berth_store_free(s);
}

static void test_errors(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct berth_store *s = NULL;
	char *path = NULL;

	assert_ok(berth_store_open(f->store, &s, &err), err);
	assert_int_equal(berth_image_mount(s, "nope:1", &path, &err), -ENOENT);
	assert_null(path);
	berth_error_free(&err);
	assert_int_equal(berth_image_umount(s, "nope:1", &err), -ENOENT);
	berth_error_free(&err);

	/* a layer blob that is gone and not unpacked: the error names the image */
	struct berth_image *img = bfix_image(f, "test:latest");
	char hex[65];
	char *blob = berth_xasprintf("%s/blobs/sha256/%s", f->store,
				     berth_digest_hex(&img->manifest->layers[1].digest, hex));
	assert_int_equal(unlink(blob), 0);
	free(blob);
	char *layers = berth_xasprintf("%s/layers", f->store);
	(void)berth_rm_rf_at(AT_FDCWD, layers, NULL);
	free(layers);
	assert_true(berth_image_mount(s, "test:latest", &path, &err) < 0);
	assert_non_null(strstr(berth_error_msg(err), "image 'test:latest'"));
	berth_error_free(&err);
	assert_null(path);
	assert_int_equal(bfix_mounts_below(f->store), 0);
	berth_image_free(img);
	berth_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mount_and_umount, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, bfix_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
