/* SPDX-License-Identifier: Apache-2.0 */
/*
 * filedata.c: a file of a layer unpacked on the same parent as an earlier
 * one is linked from it only when its bytes and metadata are the same; an
 * edited file (same size and mtime, other bytes: at its start, in its
 * middle, in its last block) is written, whole and right; the helpers.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer-internal.h"
#include "layer/layer.h"

#define BIG (3 * LAYER_REUSE_MIN + 1234)

struct ctx {
	char top[64];
	int top_fd;
	int store_fd;
	const char *blob; /* the layer open_blob hands out */
};

static int open_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct ctx *c = ctx;
	_cleanup_free_ char *name = berth_xasprintf("%s.tar", i == 0 ? "base" : c->blob);
	int fd = openat(c->top_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	return fd;
}

/* The bytes of a big file: a pattern, with byte `flip` changed when >= 0. */
static char *big_data(long flip)
{
	char *p = berth_xmalloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		p[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	if (flip >= 0)
		p[flip] ^= 0x20;
	return p;
}

/* Writes layer top/<name>.tar: big (BIG bytes, byte flip changed, mode) and small, fixed mtimes. */
static void make_layer(struct ctx *c, const char *name, long flip, mode_t mode,
		       struct berth_digest *ret_diff_id)
{
	struct berth_error *err = NULL;
	assert_int_equal(mkdirat(c->top_fd, name, 0755), 0);
	_cleanup_close_ int d = openat(c->top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *data = big_data(flip);
	struct timespec ts[2] = {{1700000000, 5}, {1700000000, 5}};
	_cleanup_close_ int f = openat(d, "big", O_WRONLY | O_CREAT | O_CLOEXEC, mode);
	assert_int_equal(write(f, data, BIG), BIG);
	assert_int_equal(fchmod(f, mode), 0);
	assert_int_equal(futimens(f, ts), 0);
	_cleanup_close_ int s = openat(d, "small", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(write(s, name, strlen(name)), (ssize_t)strlen(name));
	_cleanup_free_ char *out = berth_xasprintf("%s.tar", name);
	_cleanup_close_ int ofd =
		openat(c->top_fd, out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct berth_layer_write_options o = {.compression = BERTH_LAYER_UNCOMPRESSED};
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	assert_ok(berth_layer_writer_new(&o, berth_layer_sink_fd, &ofd, &w, &err), err);
	assert_ok(berth_layer_writer_add_tree(w, d, "", &err), err);
	assert_ok(berth_layer_writer_finish(w, &info, &err), err);
	*ret_diff_id = info.diff_id;
}

static int mkfileat(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	snprintf(c->top, sizeof(c->top), "/tmp/berth-fd-XXXXXX");
	assert_non_null(mkdtemp(c->top));
	c->top_fd = open(c->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(mkdirat(c->top_fd, "store", 0700), 0);
	c->store_fd = openat(c->top_fd, "store", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

/* Unpacks layer name on top of the base layer; the stat of its big file into *st. */
static void unpack_on_base(struct ctx *c, const struct berth_digest *base, const char *name,
			   const struct berth_digest *diff_id, struct stat *st, long flip)
{
	struct berth_error *err = NULL;
	_cleanup_strv_free_ char **dirs = NULL;
	struct berth_digest ids[2] = {*base, *diff_id};
	c->blob = name;
	assert_ok(berth_layer_stack_prepare(c->store_fd, ids, 2, open_blob, c, 0, &dirs, &err),
		  err);
	_cleanup_free_ char *path = berth_xasprintf("%s/big", dirs[1]);
	assert_int_equal(stat(path, st), 0);
	/* whatever was reused or written, the bytes are the layer's */
	_cleanup_free_ char *want = big_data(flip), *got = NULL;
	size_t len;
	assert_ok(berth_read_file_at(AT_FDCWD, path, 2 * BIG, &got, &len, &err), err);
	assert_int_equal(len, BIG);
	assert_memory_equal(got, want, BIG);
}

static void test_reuse_rules(void **state)
{
	struct ctx *c = *state;
	struct berth_digest base, a, same, mid, first, last, mode;
	struct stat sa, ss, sm, sf, sl, so;
	make_layer(c, "base", -1, 0644, &base);
	make_layer(c, "a", -1, 0644, &a);
	make_layer(c, "same", -1, 0644, &same); /* other small file: another layer */
	make_layer(c, "mid", 2 * LAYER_REUSE_MIN, 0644, &mid);
	make_layer(c, "first", 0, 0644, &first);
	make_layer(c, "last", BIG - 1, 0644, &last);
	make_layer(c, "mode", -1, 0600, &mode);

	unpack_on_base(c, &base, "a", &a, &sa, -1);
	assert_int_equal(sa.st_nlink, 1);
	/* the same bytes and metadata on the same parent: linked, one inode */
	unpack_on_base(c, &base, "same", &same, &ss, -1);
	assert_int_equal(ss.st_ino, sa.st_ino);
	assert_int_equal(ss.st_nlink, 2);
	/* edited, same size and mtime: never the earlier file, wherever the change is */
	unpack_on_base(c, &base, "mid", &mid, &sm, 2 * LAYER_REUSE_MIN);
	assert_true(sm.st_ino != sa.st_ino);
	assert_int_equal(sm.st_nlink, 1);
	unpack_on_base(c, &base, "first", &first, &sf, 0);
	assert_true(sf.st_ino != sa.st_ino && sf.st_ino != sm.st_ino);
	unpack_on_base(c, &base, "last", &last, &sl, BIG - 1);
	assert_true(sl.st_ino != sa.st_ino && sl.st_ino != sf.st_ino);
	/* the same bytes with another mode: written (a link would share the mode) */
	unpack_on_base(c, &base, "mode", &mode, &so, -1);
	assert_true(so.st_ino != sa.st_ino && so.st_ino != sl.st_ino);
	assert_int_equal(so.st_mode & 07777, 0600);
	assert_int_equal(sa.st_mode & 07777, 0644);
}

static void test_helpers(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_free_ char *data = big_data(-1);
	_cleanup_close_ int f = openat(c->top_fd, "f", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	assert_int_equal(write(f, data, BIG), BIG);
	struct timespec ts[2] = {{1600000000, 7}, {1600000000, 7}};
	assert_int_equal(futimens(f, ts), 0);
	assert_true(layer_reuse_same(f, data, BIG, 0));
	assert_true(layer_reuse_same(f, data + 100, 50, 100));
	assert_false(layer_reuse_same(f, data, 50, 1));
	assert_false(layer_reuse_same(f, data, 10, BIG - 5)); /* past its end */

	struct layer_reuse_want w = {.size = BIG, .mode = 0640, .mtime = ts[0]};
	_cleanup_close_ int o = layer_reuse_open(c->top_fd, "f", &w);
	assert_true(o >= 0);
	w.mode = 0644;
	assert_int_equal(layer_reuse_open(c->top_fd, "f", &w), -EBADF);
	w.mode = 0640;
	w.mtime.tv_nsec = 8;
	assert_int_equal(layer_reuse_open(c->top_fd, "f", &w), -EBADF);
	w.mtime.tv_nsec = 7;
	w.size = BIG - 1;
	assert_int_equal(layer_reuse_open(c->top_fd, "f", &w), -EBADF);
	assert_int_equal(layer_reuse_open(c->top_fd, "missing", &w), -EBADF);
	assert_int_equal(symlinkat("f", c->top_fd, "sl"), 0);
	w.size = BIG;
	assert_int_equal(layer_reuse_open(c->top_fd, "sl", &w), -EBADF);
	/* a FIFO (a hostile earlier layer's) is never opened for real: no hang */
	assert_int_equal(mkfifoat(c->top_fd, "fifo", 0640), 0);
	struct layer_reuse_want wf = {.size = 0, .mode = 0640};
	assert_int_equal(layer_reuse_open(c->top_fd, "fifo", &wf), -EBADF);

	_cleanup_close_ int g = openat(c->top_fd, "g", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_ok(layer_reuse_copy_prefix(o, g, 1000, &err), err);
	struct stat st;
	assert_int_equal(fstat(g, &st), 0);
	assert_int_equal(st.st_size, 1000);
	assert_true(layer_reuse_same(g, data, 1000, 0));

	assert_int_equal(layer_reuse_link(o, c->top_fd, "h"), 0);
	assert_int_equal(layer_reuse_link(o, c->top_fd, "h"), -EEXIST);
	struct stat sf, sh;
	assert_int_equal(fstat(o, &sf), 0);
	assert_int_equal(fstatat(c->top_fd, "h", &sh, 0), 0);
	assert_int_equal(sf.st_ino, sh.st_ino);

	/* the zero blocks of a block are holes; the rest is written at its offset */
	char blk[3 * 4096];
	memset(blk, 0, sizeof(blk));
	memset(blk + 4096, 'x', 4096);
	_cleanup_close_ int z = openat(c->top_fd, "z", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_ok(layer_write_block(z, blk, sizeof(blk), 4096, "z", &err), err);
	assert_int_equal(ftruncate(z, 4 * 4096), 0);
	char back[4 * 4096];
	assert_int_equal(pread(z, back, sizeof(back), 0), (ssize_t)sizeof(back));
	assert_memory_equal(back + 4096, blk, sizeof(blk));
}

/* Unpacks a tar of one symlink to target with a writeback list: whether it asked for a syncfs. */
static bool symlink_needs_syncfs(struct ctx *c, const char *name, const char *target)
{
	struct berth_error *err = NULL;
	assert_int_equal(mkdirat(c->top_fd, name, 0755), 0);
	_cleanup_close_ int d = openat(c->top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(symlinkat(target, d, "l"), 0);
	assert_int_equal(mkfileat(d, "f"), 0);
	_cleanup_free_ char *tar = berth_xasprintf("%s.tar", name), *out = NULL;
	_cleanup_close_ int ofd =
		openat(c->top_fd, tar, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct berth_layer_write_options o = {.compression = BERTH_LAYER_UNCOMPRESSED};
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	assert_ok(berth_layer_writer_new(&o, berth_layer_sink_fd, &ofd, &w, &err), err);
	assert_ok(berth_layer_writer_add_tree(w, d, "", &err), err);
	assert_ok(berth_layer_writer_finish(w, &info, &err), err);
	assert_int_equal(lseek(ofd, 0, SEEK_SET), 0);
	out = berth_xasprintf("%s-out", name);
	assert_int_equal(mkdirat(c->top_fd, out, 0755), 0);
	_cleanup_close_ int od = openat(c->top_fd, out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct layer_writeback wb = {.n = 0};
	assert_ok(layer_unpack_reusing(ofd, od, 0, &info.diff_id, -EBADF, &wb, NULL, &err), err);
	assert_int_equal(wb.n, 1); /* the regular file, held */
	assert_ok(layer_writeback_wait(&wb, &err), err);
	assert_int_equal(wb.n, 0);
	return wb.need_syncfs;
}

static void test_writeback(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_close_ int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_false(layer_writeback_targeted(proc));
	/* more files than are held at once: the first ones are waited for on the way */
	struct layer_writeback wb = {.n = 0};
	for (int i = 0; i < LAYER_WRITEBACK_MAX + 10; i++) {
		char name[32];
		snprintf(name, sizeof(name), "w%d", i);
		_cleanup_close_ int f =
			openat(c->top_fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_int_equal(write(f, name, strlen(name)), (ssize_t)strlen(name));
		assert_ok(layer_writeback_add(&wb, f, &err), err);
	}
	assert_int_equal(wb.n, 10);
	assert_ok(layer_writeback_wait(&wb, &err), err);
	assert_int_equal(wb.n, 0);
	layer_writeback_release(&wb);
	/* a symlink whose target is not kept in the inode is data the list does not hold */
	assert_false(symlink_needs_syncfs(c, "short", "a/short/target"));
	char longt[200];
	memset(longt, 'x', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	assert_true(symlink_needs_syncfs(c, "long", longt));
}

static void test_children_record(void **state)
{
	struct ctx *c = *state;
	const char *p = "1111111111111111111111111111111111111111111111111111111111111111";
	char kids[6][65];
	assert_int_equal(mkdirat(c->top_fd, p, 0755), 0);
	for (int i = 0; i < 6; i++) {
		snprintf(kids[i], sizeof(kids[i]), "%064x", i + 1);
		layer_reuse_record(c->top_fd, p, kids[i]);
	}
	/* none is complete: no candidate */
	assert_int_equal(layer_reuse_dir(c->top_fd, p, kids[0]), -EBADF);
	/* the newest complete one other than the layer itself */
	for (int i = 3; i < 6; i++) {
		_cleanup_free_ char *diff = berth_xasprintf("%s/diff", kids[i]);
		_cleanup_free_ char *marker = berth_xasprintf("%s/complete", kids[i]);
		assert_int_equal(mkdirat(c->top_fd, kids[i], 0755), 0);
		assert_int_equal(mkdirat(c->top_fd, diff, 0755), 0);
		assert_int_equal(berth_write_file_replace(c->top_fd, marker, "x", 1, 0644, NULL),
				 0);
	}
	_cleanup_close_ int d = layer_reuse_dir(c->top_fd, p, kids[5]);
	assert_true(d >= 0);
	struct stat a, b;
	_cleanup_free_ char *diff4 = berth_xasprintf("%s/diff", kids[4]);
	assert_int_equal(fstat(d, &a), 0);
	assert_int_equal(fstatat(c->top_fd, diff4, &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	/* at most 4 are kept, newest first: the first two recorded are gone */
	_cleanup_free_ char *name = berth_xasprintf("%s/children", p), *data = NULL;
	size_t len;
	struct berth_error *err = NULL;
	assert_ok(berth_read_file_at(c->top_fd, name, 4096, &data, &len, &err), err);
	assert_int_equal(len, 4 * 65);
	assert_int_equal(strncmp(data, kids[5], 64), 0);
	assert_null(strstr(data, kids[1]));
	/* recording one again moves it first, once */
	layer_reuse_record(c->top_fd, p, kids[3]);
	free(data);
	data = NULL;
	assert_ok(berth_read_file_at(c->top_fd, name, 4096, &data, &len, &err), err);
	assert_int_equal(len, 4 * 65);
	assert_int_equal(strncmp(data, kids[3], 64), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reuse_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_children_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
