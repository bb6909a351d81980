/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Overlay mounts of unpacked layers: deletions and opaque directories
 * across three layers, 120 layers, the read-only image mount and a
 * writable overlay whose upper dir is read back as a layer diff, the
 * detached overlay a container's rootfs is. Runs in
 * its own mount namespace, so no mount outlives the test even on failure.
 */
#include "unit.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer.h"

struct ctx {
	char top[64];
	int top_fd;
	int store_fd;
	size_t n;
	struct berth_digest diff_ids[130];
};

static void mkfile(int dfd, const char *name, const char *content)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static int open_dir(int dfd, const char *name)
{
	mkdirat(dfd, name, 0755);
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* Writes layer <n> of the stack from the directory top/src<n>, as an upper dir. */
static void add_layer(struct ctx *c, int src)
{
	struct berth_error *err = NULL;
	_cleanup_free_ char *out = berth_xasprintf("l%zu.tar", c->n);
	_cleanup_close_ int ofd =
		openat(c->top_fd, out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct berth_layer_write_options o = {.compression = BERTH_LAYER_UNCOMPRESSED};
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	assert_ok(berth_layer_writer_new(&o, berth_layer_sink_fd, &ofd, &w, &err), err);
	assert_ok(berth_layer_writer_add_upper(w, src, &err), err);
	assert_ok(berth_layer_writer_finish(w, &info, &err), err);
	c->diff_ids[c->n++] = info.diff_id;
}

static int open_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct ctx *c = ctx;
	_cleanup_free_ char *name = berth_xasprintf("l%zu.tar", i);
	int fd = openat(c->top_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	return fd;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	snprintf(c->top, sizeof(c->top), "/tmp/berth-lm-XXXXXX");
	assert_non_null(mkdtemp(c->top));
	c->top_fd = open(c->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	c->store_fd = open_dir(c->top_fd, "store");
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(berth_rm_rf_at(dfd, c->top + 5, NULL), 0);
	close(dfd);
	close(c->store_fd);
	close(c->top_fd);
	free(c);
	return 0;
}

static bool exists_at(int dfd, const char *path)
{
	struct stat st;
	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_three_layers(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	{
		_cleanup_close_ int d = open_dir(c->top_fd, "src0");
		mkfile(d, "a", "a");
		_cleanup_close_ int dir = open_dir(d, "dir");
		mkfile(dir, "x", "x");
		mkfile(dir, "y", "y");
		_cleanup_close_ int keep = open_dir(d, "keep");
		mkfile(keep, "z", "z");
		mkfile(keep, "w", "w");
		add_layer(c, d);
	}
	{
		/* deletes a, replaces dir/ wholesale (opaque) */
		_cleanup_close_ int d = open_dir(c->top_fd, "src1");
		assert_int_equal(mknodat(d, "a", S_IFCHR, makedev(0, 0)), 0);
		_cleanup_close_ int dir = open_dir(d, "dir");
		mkfile(dir, "new", "new");
		assert_int_equal(fsetxattr(dir, "trusted.overlay.opaque", "y", 1, 0), 0);
		add_layer(c, d);
	}
	{
		/* deletes keep/z, brings a back as a directory */
		_cleanup_close_ int d = open_dir(c->top_fd, "src2");
		_cleanup_close_ int keep = open_dir(d, "keep");
		assert_int_equal(mknodat(keep, "z", S_IFCHR, makedev(0, 0)), 0);
		_cleanup_close_ int a = open_dir(d, "a");
		mkfile(a, "inside", "i");
		add_layer(c, d);
	}
	struct berth_digest image_id;
	berth_digest_of("image", 5, &image_id);
	_cleanup_free_ char *path = NULL, *again = NULL;
	assert_ok(berth_layer_image_mount(c->store_fd, &image_id, c->diff_ids, c->n, open_blob, c,
					  &path, &err),
		  err);
	_cleanup_close_ int m = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(m >= 0);
	assert_true(exists_at(m, "dir/new"));
	assert_false(exists_at(m, "dir/x"));
	assert_false(exists_at(m, "dir/y"));
	assert_true(exists_at(m, "keep/w"));
	assert_false(exists_at(m, "keep/z"));
	assert_true(exists_at(m, "a/inside"));
	/* read-only */
	assert_int_equal(mkdirat(m, "newdir", 0755), -1);
	assert_int_equal(errno, EROFS);
	close(m);
	m = -EBADF;
	/* mounting again is the same mount */
	assert_ok(berth_layer_image_mount(c->store_fd, &image_id, c->diff_ids, c->n, NULL, NULL,
					  &again, &err),
		  err);
	assert_string_equal(path, again);
	assert_ok(berth_layer_image_umount(c->store_fd, &image_id, &err), err);
	assert_false(exists_at(AT_FDCWD, path));
	assert_int_equal(berth_layer_image_umount(c->store_fd, &image_id, &err), -ENOENT);
	berth_error_free(&err);
}

static void test_many_layers(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	for (size_t i = 0; i < 120; i++) {
		_cleanup_free_ char *name = berth_xasprintf("src%zu", i);
		_cleanup_close_ int d = open_dir(c->top_fd, name);
		_cleanup_free_ char *file = berth_xasprintf("file-%03zu", i);
		mkfile(d, file, name);
		mkfile(d, "top", name); /* every layer overrides it */
		add_layer(c, d);
	}
	_cleanup_strv_free_ char **lowers = NULL;
	assert_ok(berth_layer_stack_prepare(c->store_fd, c->diff_ids, c->n, open_blob, c, 0,
					    &lowers, &err),
		  err);
	size_t total = 0;
	BERTH_STRV_FOREACH (l, lowers)
		total += strlen(*l) + 1;
	assert_true(total > 4096); /* an option string this long would not fit in a page */
	_cleanup_close_ int mnt = open_dir(c->top_fd, "mnt");
	_cleanup_free_ char *target = berth_xasprintf("%s/mnt", c->top);
	assert_ok(berth_overlay_mount(lowers, NULL, NULL, target, BERTH_OVERLAY_RDONLY, &err), err);
	_cleanup_close_ int m = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < 120; i++) {
		_cleanup_free_ char *file = berth_xasprintf("file-%03zu", i);
		assert_true(exists_at(m, file));
	}
	char buf[16] = {0};
	int fd = openat(m, "top", O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	close(fd);
	assert_string_equal(buf, "src119"); /* the top layer wins */
	close(m);
	m = -EBADF;
	assert_int_equal(umount2(target, 0), 0);
}

static void test_upper_diff(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	{
		_cleanup_close_ int d = open_dir(c->top_fd, "src0");
		mkfile(d, "old", "old");
		_cleanup_close_ int dir = open_dir(d, "dir");
		mkfile(dir, "x", "x");
		add_layer(c, d);
	}
	_cleanup_strv_free_ char **lowers = NULL;
	assert_ok(berth_layer_stack_prepare(c->store_fd, c->diff_ids, 1, open_blob, c, 0, &lowers,
					    &err),
		  err);
	_cleanup_close_ int upper = open_dir(c->top_fd, "upper");
	_cleanup_close_ int work = open_dir(c->top_fd, "work");
	_cleanup_close_ int mnt = open_dir(c->top_fd, "rw");
	_cleanup_free_ char *u = berth_xasprintf("%s/upper", c->top);
	_cleanup_free_ char *w = berth_xasprintf("%s/work", c->top);
	_cleanup_free_ char *t = berth_xasprintf("%s/rw", c->top);
	assert_ok(berth_overlay_mount(lowers, u, w, t, 0, &err), err);
	/* what a RUN step does: delete, replace a directory, add */
	_cleanup_close_ int m = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(unlinkat(m, "old", 0), 0);
	assert_int_equal(unlinkat(m, "dir/x", 0), 0);
	assert_int_equal(unlinkat(m, "dir", AT_REMOVEDIR), 0);
	assert_int_equal(mkdirat(m, "dir", 0755), 0);
	mkfile(m, "dir/fresh", "fresh");
	mkfile(m, "added", "added");
	close(m);
	m = -EBADF;
	assert_int_equal(umount2(t, 0), 0);
	/* the upper dir is the diff */
	add_layer(c, upper);
	_cleanup_strv_free_ char **all = NULL;
	assert_ok(
		berth_layer_stack_prepare(c->store_fd, c->diff_ids, 2, open_blob, c, 0, &all, &err),
		err);
	assert_ok(berth_overlay_mount(all, NULL, NULL, t, BERTH_OVERLAY_RDONLY, &err), err);
	m = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_false(exists_at(m, "old"));
	assert_false(exists_at(m, "dir/x"));
	assert_true(exists_at(m, "dir/fresh"));
	assert_true(exists_at(m, "added"));
	close(m);
	m = -EBADF;
	assert_int_equal(umount2(t, 0), 0);
}

static void test_single_layer(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_close_ int d = open_dir(c->top_fd, "src0");
	mkfile(d, "only", "1");
	add_layer(c, d);
	struct berth_digest image_id;
	berth_digest_of("one", 3, &image_id);
	_cleanup_free_ char *path = NULL;
	assert_ok(berth_layer_image_mount(c->store_fd, &image_id, c->diff_ids, 1, open_blob, c,
					  &path, &err),
		  err);
	_cleanup_close_ int m = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(exists_at(m, "only"));
	assert_int_equal(unlinkat(m, "only", 0), -1);
	assert_int_equal(errno, EROFS);
	close(m);
	m = -EBADF;
	assert_ok(berth_layer_image_umount(c->store_fd, &image_id, &err), err);
}

/* Whether /proc/self/mountinfo has a mount whose source or target names needle. */
static bool mounted_anywhere(const char *needle)
{
	_cleanup_free_ char *info = NULL;
	size_t len = 0;
	struct berth_error *err = NULL;
	assert_ok(berth_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, &info, &len, &err),
		  err);
	return strstr(info, needle) != NULL;
}

/*
 * The detached overlay a container's rootfs is: usable through its fd,
 * nowhere in the mount table until attached, gone when the fd closes. Lower
 * dirs may hold ',' and ':' (no option string), device nodes open only with
 * BERTH_OVERLAY_DEVICES.
 */
static void test_detached(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_close_ int a = open_dir(c->top_fd, "low,er:a");
	_cleanup_close_ int b = open_dir(c->top_fd, "low,er:b");
	mkfile(a, "which", "a");
	mkfile(a, "from-a", "a");
	mkfile(b, "which", "b");
	assert_int_equal(mknodat(a, "null", S_IFCHR | 0666, makedev(1, 3)), 0);
	_cleanup_close_ int u = open_dir(c->top_fd, "upper");
	_cleanup_close_ int w = open_dir(c->top_fd, "work");
	_cleanup_close_ int t = open_dir(c->top_fd, "target");
	_cleanup_free_ char *la = berth_xasprintf("%s/low,er:a", c->top);
	_cleanup_free_ char *lb = berth_xasprintf("%s/low,er:b", c->top);
	_cleanup_free_ char *up = berth_xasprintf("%s/upper", c->top);
	_cleanup_free_ char *wp = berth_xasprintf("%s/work", c->top);
	char *lowers[] = {la, lb, NULL}; /* bottom first: b is on top */
	struct berth_overlay ov = {.lowerdirs = lowers, .upper = up, .work = wp};

	int m = berth_overlay_open_cb(&ov, &err);
	assert_ok(m, err);
	assert_false(mounted_anywhere(c->top));
	char buf[8] = {0};
	int fd = openat(m, "which", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 1);
	close(fd);
	assert_string_equal(buf, "b");
	assert_true(exists_at(m, "from-a"));
	mkfile(m, "written", "w");
	/* nodev unless asked otherwise */
	assert_int_equal(openat(m, "null", O_WRONLY | O_CLOEXEC), -1);
	assert_int_equal(errno, EACCES);
	close(m);
	assert_true(exists_at(u, "written"));
	assert_false(exists_at(a, "written"));
	assert_false(mounted_anywhere(c->top));

	/* attached where the caller says, e.g. in a container's mount namespace */
	ov.flags = BERTH_OVERLAY_DEVICES;
	m = berth_overlay_open_cb(&ov, &err);
	assert_ok(m, err);
	assert_int_equal(move_mount(m, "", c->top_fd, "target", MOVE_MOUNT_F_EMPTY_PATH), 0);
	close(m);
	assert_true(mounted_anywhere(c->top));
	_cleanup_free_ char *tp = berth_xasprintf("%s/target", c->top);
	_cleanup_close_ int tm = open(tp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(exists_at(tm, "written"));
	fd = openat(tm, "null", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	close(TAKE_FD(tm));
	assert_int_equal(umount2(tp, 0), 0);
	assert_false(mounted_anywhere(c->top));
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP overlay mounts need root\n");
		return 0;
	}
	if (unit_private_mounts() < 0) {
		printf("1..0 # SKIP cannot make a private mount namespace\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_three_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upper_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detached, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
