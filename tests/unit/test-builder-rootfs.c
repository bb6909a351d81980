/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include "builder/internal.h"
#include "layer/layer.h"

/*
 * rootfs.c: read-only overlay views of an image (mounted below the
 * build's tmp dir and unmounted again), the lower dirs of its layers,
 * user lookups in the image's /etc files, writing a layer, and WORKDIR.
 * The images come from real builds; a builder is set up by hand around
 * the same store for the internal functions.
 */

struct rfix {
	struct bfix f;
	struct berth_build_options o;
	struct builder b;
};

static int setup(void **state)
{
	struct rfix *x = calloc(1, sizeof(*x));
	bfix_setup(&x->f);
	ctx_mkdir(&x->f, "etc");
	ctx_write(&x->f, "etc/passwd",
		  "root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/home/app:/bin/sh\n");
	ctx_write(&x->f, "etc/group", "root:x:0:\nstaff:x:50:\napp:x:2345:\n");
	ctx_write(&x->f, "hello", "hello from the image");
	ctx_mkdir(&x->f, "links");
	ctx_symlink(&x->f, "/hello", "links/abs-link");
	*state = x;
	return 0;
}

/* The builder around the store, with its tmp dir, once the store exists. */
static void builder_open(struct rfix *x)
{
	struct berth_error *err = NULL;
	x->b = (struct builder){.o = &x->o, .tmp_fd = -EBADF};
	pthread_mutex_init(&x->b.lock, NULL);
	assert_ok(bstore_open(x->f.handle, &x->b.store, &err), err);
	x->b.tmp_path = berth_xasprintf("%s/tmp", x->f.dir);
	assert_int_equal(mkdir(x->b.tmp_path, 0700), 0);
	x->b.tmp_fd = open(x->b.tmp_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(x->b.tmp_fd >= 0);
}

static int teardown(void **state)
{
	struct rfix *x = *state;
	if (x->b.store) {
		bstore_free(x->b.store);
		close(x->b.tmp_fd);
		free(x->b.tmp_path);
		pthread_mutex_destroy(&x->b.lock);
	}
	bfix_teardown(&x->f);
	free(x);
	return 0;
}

/* Builds an image of the context's etc/ and hello (two layers) and opens the builder. */
static void base_image(struct rfix *x, struct bimage *ret)
{
	struct berth_build_result r;
	struct berth_error *err = NULL;
	bfix_build_ok(&x->f, "FROM scratch\nCOPY etc /etc/\nCOPY hello links /\n", NULL, &r);
	builder_open(x);
	assert_ok(bstore_resolve(x->b.store, "test:latest", ret, &err), err);
	assert_int_equal(ret->n_layers, 2);
}

static char *read_in(int root, const char *path)
{
	struct berth_error *err = NULL;
	char *data = NULL;
	size_t len;
	int fd = berth_open_in_root(root, path, O_RDONLY, 0, &err);
	assert_ok(fd, err);
	assert_ok(berth_read_fd(fd, 1 << 20, &data, &len, &err), err);
	close(fd);
	return data;
}

static void test_image_view(void **state)
{
	struct rfix *x = *state;
	struct berth_error *err = NULL;
	struct bimage im;
	char *path = NULL;
	int fd = -EBADF;

	base_image(x, &im);
	assert_ok(image_view(&x->b, &im, &path, &fd, &err), err);
	assert_int_equal(strncmp(path, x->b.tmp_path, strlen(x->b.tmp_path)), 0);
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 1);
	char *s = read_in(fd, "hello");
	assert_string_equal(s, "hello from the image");
	free(s);
	/* the image's absolute link resolves inside the view */
	s = read_in(fd, "abs-link");
	assert_string_equal(s, "hello from the image");
	free(s);
	s = read_in(fd, "../../../etc/group");
	assert_non_null(strstr(s, "staff:x:50:"));
	free(s);
	/* read-only */
	char *p = berth_xasprintf("%s/new", path);
	assert_true(open(p, O_WRONLY | O_CREAT, 0644) < 0);
	assert_int_equal(errno, EROFS);
	free(p);
	image_view_release(path, fd);
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 0);

	/* an image without layers is an empty directory, nothing mounted */
	struct bimage empty;
	bimage_init_scratch(&empty);
	assert_ok(image_view(&x->b, &empty, &path, &fd, &err), err);
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 0);
	assert_true(berth_open_in_root(fd, "hello", O_RDONLY, 0, NULL) < 0);
	image_view_release(path, fd);
	bimage_release(&empty);

	/* a layer blob that is gone: an error, and nothing left mounted or created */
	char hex[65];
	char *blob = berth_xasprintf("%s/blobs/sha256/%s", x->f.store,
				     berth_digest_hex(&im.layers[1].digest, hex));
	assert_int_equal(unlink(blob), 0);
	free(blob);
	char *layers = berth_xasprintf("%s/layers", x->f.store);
	(void)berth_rm_rf_at(AT_FDCWD, layers, NULL);
	free(layers);
	path = NULL;
	assert_true(image_view(&x->b, &im, &path, &fd, &err) < 0);
	berth_error_free(&err);
	assert_null(path);
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 0);
	image_view_release(NULL, -EBADF);
	bimage_release(&im);
}

static void test_lowerdirs(void **state)
{
	struct rfix *x = *state;
	struct berth_error *err = NULL;
	struct bimage im, empty;
	char **dirs = NULL;

	base_image(x, &im);
	assert_ok(image_lowerdirs(x->b.store, &im, &dirs, &err), err);
	assert_int_equal(berth_strv_len(dirs), 2);
	/* bottom first: the first layer holds etc, the second hello */
	char *p = berth_xasprintf("%s/etc/passwd", dirs[0]);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	p = berth_xasprintf("%s/hello", dirs[1]);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	berth_strv_free(dirs);
	bimage_init_scratch(&empty);
	dirs = (char **)1;
	assert_ok(image_lowerdirs(x->b.store, &empty, &dirs, &err), err);
	assert_null(dirs);
	bimage_release(&empty);
	bimage_release(&im);
}

static void test_resolve_user(void **state)
{
	struct rfix *x = *state;
	struct berth_error *err = NULL;
	struct bstage st = {.label = "test"};
	struct sstate ss = {.b = &x->b, .st = &st, .view_fd = -EBADF};
	uid_t u;
	gid_t g;

	base_image(x, &ss.img);
	/* numbers need no lookup (and no mount) */
	assert_ok(sstate_resolve_user(&ss, "42", &u, &g, &err), err);
	assert_int_equal(u, 42);
	assert_int_equal(g, 42);
	assert_ok(sstate_resolve_user(&ss, "42:7", &u, &g, &err), err);
	assert_int_equal(u, 42);
	assert_int_equal(g, 7);
	assert_null(ss.view_path);
	/* names come from the image's /etc/passwd and /etc/group */
	assert_ok(sstate_resolve_user(&ss, "app", &u, &g, &err), err);
	assert_int_equal(u, 1234);
	assert_int_equal(g, 2345);
	assert_ok(sstate_resolve_user(&ss, "app:staff", &u, &g, &err), err);
	assert_int_equal(u, 1234);
	assert_int_equal(g, 50);
	assert_ok(sstate_resolve_user(&ss, "0:staff", &u, &g, &err), err);
	assert_int_equal(u, 0);
	assert_int_equal(g, 50);
	/* one view serves every lookup of the same layers */
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 1);
	assert_true(sstate_resolve_user(&ss, "nobody-here", &u, &g, &err) < 0);
	assert_non_null(strstr(berth_error_msg(err), "unable to resolve user 'nobody-here'"));
	berth_error_free(&err);
	assert_true(sstate_resolve_user(&ss, "app:nogroup", &u, &g, &err) < 0);
	berth_error_free(&err);
	sstate_unmount(&ss);
	assert_null(ss.view_path);
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 0);
	bimage_release(&ss.img);
}

struct fill_one {
	struct builder *b;
};

static int fill_dir(void *ctx, struct berth_layer_writer *w, struct berth_error **err)
{
	struct fill_one *f = ctx;
	struct berth_layer_entry e = {.src_dir_fd = f->b->tmp_fd,
				      .src_path = "empty",
				      .dest = "made/by/test",
				      .mode = 0710,
				      .set_mode = true,
				      .uid = 7,
				      .gid = 8,
				      .set_owner = true};
	return berth_layer_writer_add_entries(w, &e, 1, err);
}

static int fill_fail(void *ctx, struct berth_layer_writer *w, struct berth_error **err)
{
	(void)ctx;
	(void)w;
	return berth_error_set(err, EIO, "the fill failed");
}

static void test_add_layer(void **state)
{
	struct rfix *x = *state;
	struct berth_error *err = NULL;
	struct bstage st = {.label = "test"};
	struct sstate ss = {.b = &x->b, .st = &st, .view_fd = -EBADF};
	struct fill_one f1 = {.b = &x->b};
	int root;

	base_image(x, &ss.img);
	assert_ok(builder_empty_dir(&x->b, &err), err);
	assert_ok(builder_empty_dir(&x->b, &err), err); /* twice is fine */
	assert_ok(sstate_rootfs(&ss, &root, &err), err);
	assert_ok(sstate_add_layer(&ss, fill_dir, &f1, &err), err);
	assert_int_equal(ss.img.n_layers, 3);
	json_t *ids = json_object_get(json_object_get(ss.img.config, "rootfs"), "diff_ids");
	assert_int_equal(json_array_size(ids), 3);
	assert_true(bstore_has_blob(x->b.store, &ss.img.layers[2].digest));
	/* the view follows the new layer: it is remounted with it */
	int root2;
	assert_ok(sstate_rootfs(&ss, &root2, &err), err);
	int fd = berth_open_in_root(root2, "made/by/test", O_PATH | O_DIRECTORY, 0, &err);
	assert_ok(fd, err);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0710);
	assert_int_equal(sb.st_uid, 7);
	assert_int_equal(sb.st_gid, 8);
	close(fd);
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 1);

	/* a failed fill adds nothing and leaves no blob writer behind */
	assert_int_equal(sstate_add_layer(&ss, fill_fail, NULL, &err), -EIO);
	berth_error_free(&err);
	assert_int_equal(ss.img.n_layers, 3);
	sstate_unmount(&ss);
	assert_int_equal(bfix_mounts_below(x->b.tmp_path), 0);
	bimage_release(&ss.img);
}

static void test_workdir(void **state)
{
	struct rfix *x = *state;
	struct berth_build_result r;

	bfix_build_ok(&x->f,
		      "FROM scratch\nCOPY hello /file\nWORKDIR /a/b/../c\nWORKDIR d\n"
		      "USER 1000:1001\nWORKDIR /owned\nWORKDIR ../../..\nWORKDIR /a\n",
		      NULL, &r);
	json_t *cfg = bfix_config(&x->f, "test:latest");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(cfg, "config"), "WorkingDir")),
		"/a");
	/* as BuildKit's mkdir -p: a layer for each WORKDIR but "/", empty when it exists */
	json_t *hist = json_object_get(cfg, "history");
	size_t n_layers = 0, i;
	json_t *h;
	json_array_foreach (hist, i, h)
		n_layers += !json_is_true(json_object_get(h, "empty_layer"));
	assert_int_equal(bfix_n_layers(&x->f, "test:latest"), 5);
	assert_int_equal(n_layers, 5);
	json_decref(cfg);
	/* ".." is clamped at "/"; missing parents are made, mode 0755 */
	char **l = bfix_layer(&x->f, "test:latest", 1);
	assert_has(l, "a/ d 0755 0:0");
	assert_has(l, "a/c/ d 0755 0:0");
	assert_no_prefix(l, "a/b");
	berth_strv_free(l);
	l = bfix_layer(&x->f, "test:latest", 2);
	assert_has(l, "a/c/d/ d 0755 0:0");
	assert_no_prefix(l, "file");
	berth_strv_free(l);
	/* after USER, the directories WORKDIR makes belong to that user */
	l = bfix_layer(&x->f, "test:latest", 3);
	assert_has(l, "owned/ d 0755 1000:1001");
	berth_strv_free(l);
	/* WORKDIR /a, which exists: an empty layer */
	l = bfix_layer(&x->f, "test:latest", 4);
	assert_true(l == NULL || l[0] == NULL);
	berth_strv_free(l);
	assert_int_equal(bfix_mounts_below(x->f.dir), 0);

	bfix_build_fails(&x->f, "FROM scratch\nCOPY hello /file\nWORKDIR /file/sub\n", NULL,
			 ENOTDIR,
			 "Dockerfile:3: 'WORKDIR /file/sub': WORKDIR '/file/sub' is not a "
			 "directory in the image");
	assert_int_equal(bfix_mounts_below(x->f.dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_image_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lowerdirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workdir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
