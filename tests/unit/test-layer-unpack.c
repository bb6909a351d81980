/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking: a layer written by the writer comes back as the same tree;
 * crafted tars check whiteouts, implicit parents, diffID verification and
 * the refusals (tests/layer-hostile/hostile.py has the full hostile suite).
 */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "layer/layer.h"

struct ctx {
	char top[64];
	int top_fd;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	snprintf(c->top, sizeof(c->top), "/tmp/berth-lu-XXXXXX");
	assert_non_null(mkdtemp(c->top));
	c->top_fd = open(c->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(c->top_fd >= 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(berth_rm_rf_at(dfd, c->top + 5, NULL), 0);
	close(dfd);
	close(c->top_fd);
	free(c);
	return 0;
}

static int subdir(struct ctx *c, const char *name)
{
	mkdirat(c->top_fd, name, 0755);
	int fd = openat(c->top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* A crafted tar: entries "type path [arg]" with type f (file, arg = content), d, l (symlink), h (hard link). */
struct spec {
	char type;
	const char *path;
	const char *arg;
	mode_t perm;
	int64_t uid;
};

static void craft(struct ctx *c, const char *out, const struct spec *s, size_t n, int filter)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (filter == 1)
		archive_write_add_filter_gzip(a);
	else if (filter == 2)
		archive_write_add_filter_zstd(a);
	else if (filter == 3)
		archive_write_add_filter_bzip2(a);
	else if (filter == 4)
		archive_write_add_filter_xz(a);
	int fd = openat(c->top_fd, out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, s[i].path);
		archive_entry_set_perm(e, s[i].perm ? s[i].perm : 0644);
		archive_entry_set_uid(e, s[i].uid);
		archive_entry_set_gid(e, s[i].uid);
		archive_entry_set_mtime(e, 1600000000, 0);
		size_t len = 0;
		switch (s[i].type) {
		case 'f':
			archive_entry_set_filetype(e, AE_IFREG);
			len = s[i].arg ? strlen(s[i].arg) : 0;
			archive_entry_set_size(e, (la_int64_t)len);
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, s[i].arg);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, s[i].arg);
			break;
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, s[i].arg, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	archive_write_free(a);
	close(fd);
}

static int unpack(struct ctx *c, const char *in, const char *dir, unsigned flags,
		  const struct berth_digest *expect, struct berth_layer_unpack_stats *st,
		  struct berth_error **err)
{
	_cleanup_close_ int fd = openat(c->top_fd, in, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	_cleanup_close_ int root = subdir(c, dir);
	return berth_layer_unpack(fd, root, flags, expect, st, err);
}

static void test_round_trip(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_close_ int src = subdir(c, "src");
	int fd;

	assert_int_equal(mkdirat(src, "d", 0711), 0);
	fd = openat(src, "d/file", O_WRONLY | O_CREAT | O_CLOEXEC, 04755);
	assert_int_equal(write(fd, "data", 4), 4);
	assert_int_equal(fchmod(fd, 04755), 0);
	assert_int_equal(fsetxattr(fd, "user.k", "v", 1, 0), 0);
	static const unsigned char cap[20] = {1, 0, 0, 2, 0, 0x20};
	assert_int_equal(fsetxattr(fd, "security.capability", cap, sizeof(cap), 0), 0);
	close(fd);
	assert_int_equal(linkat(src, "d/file", src, "hard", 0), 0);
	fd = openat(src, "sparse", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(pwrite(fd, "x", 1, 32 << 20), 1);
	close(fd);
	assert_int_equal(symlinkat("/abs/target", src, "abs"), 0);
	assert_int_equal(mkfifoat(src, "fifo", 0640), 0);
	assert_int_equal(mknodat(src, "tty", S_IFCHR | 0620, makedev(5, 0)), 0);
	struct timespec ts[2] = {{1500000000, 0}, {1500000000, 0}};
	assert_int_equal(utimensat(src, "d", ts, 0), 0);

	struct berth_layer_write_options o = {.compression = BERTH_LAYER_ZSTD};
	_cleanup_close_ int ofd = openat(c->top_fd, "l.tzst", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	assert_ok(berth_layer_writer_new(&o, berth_layer_sink_fd, &ofd, &w, &err), err);
	assert_ok(berth_layer_writer_add_tree(w, src, "", &err), err);
	assert_ok(berth_layer_writer_finish(w, &info, &err), err);

	struct berth_layer_unpack_stats st;
	assert_ok(unpack(c, "l.tzst", "dst", 0, &info.diff_id, &st, &err), err);
	assert_true(berth_digest_eq(&st.diff_id, &info.diff_id));
	assert_int_equal(st.tar_size, info.tar_size);
	assert_int_equal(st.entries, 7);

	_cleanup_close_ int dst = subdir(c, "dst");
	struct stat a, b;
	assert_int_equal(fstatat(dst, "d/file", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(a.st_mode & 07777, 04755);
	assert_int_equal(fstatat(dst, "hard", &b, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	char v[32];
	fd = openat(dst, "d/file", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fgetxattr(fd, "user.k", v, sizeof(v)), 1);
	assert_int_equal(fgetxattr(fd, "security.capability", v, sizeof(v)), 20);
	assert_memory_equal(v, cap, 20);
	close(fd);
	assert_int_equal(fstatat(dst, "d", &a, 0), 0);
	assert_int_equal(a.st_mode & 07777, 0711);
	assert_int_equal(a.st_mtim.tv_sec, 1500000000); /* restored after its children */
	assert_int_equal(fstatat(dst, "sparse", &a, 0), 0);
	assert_int_equal(a.st_size, (32 << 20) + 1);
	assert_true(a.st_blocks * 512 < 1 << 20); /* holes stay holes */
	assert_int_equal(readlinkat(dst, "abs", v, sizeof(v)), 11);
	assert_int_equal(fstatat(dst, "fifo", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(a.st_mode));
	assert_int_equal(a.st_mode & 07777, 0640);
	assert_int_equal(fstatat(dst, "tty", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(a.st_mode));
	assert_int_equal(a.st_rdev, makedev(5, 0));

	/* a wrong diffID is corrupt data */
	struct berth_digest wrong = info.diff_id;
	wrong.bytes[0] ^= 1;
	assert_int_equal(unpack(c, "l.tzst", "dst2", 0, &wrong, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "diffID is"));
	berth_error_free(&err);
}

static void test_whiteouts_and_parents(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	const struct spec s[] = {
		{'f', "./a/b/file", "x", 0600, 0},   {'d', "a/", NULL, 0750, 7},
		{'f', "a/.wh.gone", NULL, 0, 0},     {'d', "o", NULL, 0755, 0},
		{'f', "o/.wh..wh..opq", NULL, 0, 0}, {'f', ".wh..wh.plnk", NULL, 0, 0},
		{'f', "o/kept", "k", 0644, 0},
	};
	craft(c, "w.tgz", s, ELEMENTSOF(s), 1);
	assert_ok(unpack(c, "w.tgz", "dst", 0, NULL, NULL, &err), err);
	_cleanup_close_ int dst = subdir(c, "dst");
	struct stat st;
	/* a/ came after its child: created implicitly, then given its own metadata */
	assert_int_equal(fstatat(dst, "a", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(fstatat(dst, "a/b", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(fstatat(dst, "a/gone", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	assert_int_equal(fstatat(dst, ".wh..wh.plnk", &st, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(fstatat(dst, "o/.wh..wh..opq", &st, AT_SYMLINK_NOFOLLOW), -1);
	int fd = openat(dst, "o", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char v[4];
	assert_int_equal(fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)), 1);
	assert_int_equal(v[0], 'y');
	close(fd);

	/* a second explicit a/ is a duplicate */
	const struct spec dup[] = {{'d', "a", NULL, 0755, 0}, {'d', "a/", NULL, 0755, 0}};
	craft(c, "dup.tar", dup, ELEMENTSOF(dup), 0);
	assert_int_equal(unpack(c, "dup.tar", "dst3", 0, NULL, NULL, &err), -EEXIST);
	assert_string_equal(err->msg, "unpack layer: entry 'a/': duplicate entry");
	berth_error_free(&err);
}

static void test_refusals(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	const struct spec s1[] = {{'l', "x", "/etc", 0777, 0}, {'f', "x/passwd", "evil", 0, 0}};
	craft(c, "1.tar", s1, ELEMENTSOF(s1), 2);
	assert_int_equal(unpack(c, "1.tar", "d1", 0, NULL, NULL, &err), -EXDEV);
	assert_string_equal(err->msg, "unpack layer: entry 'x/passwd': goes through symlink 'x'");
	berth_error_free(&err);

	const struct spec s2[] = {{'f', "../../etc/passwd", "evil", 0, 0}};
	craft(c, "2.tar", s2, ELEMENTSOF(s2), 0);
	assert_int_equal(unpack(c, "2.tar", "d2", 0, NULL, NULL, &err), -EXDEV);
	assert_string_equal(err->msg, "unpack layer: entry '../../etc/passwd': '..' component");
	berth_error_free(&err);

	const struct spec s3[] = {{'h', "h", "/etc/passwd", 0, 0}};
	craft(c, "3.tar", s3, ELEMENTSOF(s3), 0);
	assert_int_equal(unpack(c, "3.tar", "d3", 0, NULL, NULL, &err), -EXDEV);
	assert_non_null(strstr(err->msg, "entry 'h'"));
	berth_error_free(&err);

	const struct spec s4[] = {{'f', "f", "x", 0644, 1234}};
	craft(c, "4.tar", s4, ELEMENTSOF(s4), 0);
	assert_ok(unpack(c, "4.tar", "d4", BERTH_LAYER_UNPACK_NO_CHOWN, NULL, NULL, &err), err);
	_cleanup_close_ int d4 = subdir(c, "d4");
	struct stat st;
	assert_int_equal(fstatat(d4, "f", &st, 0), 0);
	assert_int_equal(st.st_uid, getuid());

	/* not a tar at all */
	int fd = openat(c->top_fd, "junk", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(write(fd, "this is not a tar archive, not even close to one", 48), 48);
	close(fd);
	assert_int_equal(unpack(c, "junk", "d5", 0, NULL, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "unpack layer"));
	berth_error_free(&err);
}

static int extract(struct ctx *c, const char *in, const char *dir,
		   const struct berth_layer_extract_options *o, struct berth_error **err)
{
	_cleanup_close_ int fd = openat(c->top_fd, in, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	_cleanup_close_ int root = subdir(c, dir);
	return berth_layer_extract(fd, root, o, err);
}

/* ADD's extraction: every compression by content, ownership, the refusals, no whiteouts. */
static void test_extract(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	const struct spec s[] = {{'d', "top", NULL, 0750, 7},
				 {'f', "top/a.txt", "alpha", 0640, 7},
				 {'l', "top/link", "a.txt", 0777, 7},
				 {'f', "deep/er/b.txt", "beta", 0644, 8}};
	for (int filter = 0; filter <= 4; filter++) {
		char name[32], dir[32];
		snprintf(name, sizeof(name), "x%d.bin", filter); /* the name says nothing */
		snprintf(dir, sizeof(dir), "e%d", filter);
		craft(c, name, s, ELEMENTSOF(s), filter);
		_cleanup_close_ int fd = openat(c->top_fd, name, O_RDONLY | O_CLOEXEC);
		assert_int_equal(berth_layer_is_archive(fd, &err), 1);
		assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
		assert_ok(extract(c, name, dir, NULL, &err), err);
		_cleanup_close_ int d = subdir(c, dir);
		_cleanup_free_ char *data = NULL;
		size_t len;
		assert_ok(berth_read_file_at(d, "top/a.txt", 100, &data, &len, &err), err);
		assert_string_equal(data, "alpha");
		struct stat st;
		assert_int_equal(fstatat(d, "top", &st, 0), 0);
		assert_int_equal(st.st_mode & 07777, 0750);
		assert_int_equal(fstatat(d, "top/a.txt", &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
		if (geteuid() == 0)
			assert_int_equal(st.st_uid, 7);
		assert_int_equal(st.st_mtim.tv_sec, 1600000000);
		assert_int_equal(fstatat(d, "top/link", &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_true(S_ISLNK(st.st_mode));
		assert_int_equal(fstatat(d, "deep/er/b.txt", &st, 0), 0);
	}

	/* --chown: every node, the implicit parents too */
	if (geteuid() == 0) {
		struct berth_layer_extract_options o = {.set_owner = true, .uid = 55, .gid = 66};
		assert_ok(extract(c, "x1.bin", "own", &o, &err), err);
		_cleanup_close_ int d = subdir(c, "own");
		const char *paths[] = {"top",  "top/a.txt", "top/link",
				       "deep", "deep/er",   "deep/er/b.txt"};
		for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
			struct stat st;
			assert_int_equal(fstatat(d, paths[i], &st, AT_SYMLINK_NOFOLLOW), 0);
			assert_int_equal(st.st_uid, 55);
			assert_int_equal(st.st_gid, 66);
		}
	}

	/* not archives: plain bytes, gzip of a non-tar, an empty tar */
	int fd = openat(c->top_fd, "plain", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(write(fd, "just some text that is not a tar header", 39), 39);
	assert_int_equal(berth_layer_is_archive(fd, &err), 0);
	close(fd);
	craft(c, "empty.tar", NULL, 0, 0);
	fd = openat(c->top_fd, "empty.tar", O_RDONLY | O_CLOEXEC);
	assert_int_equal(berth_layer_is_archive(fd, &err), 0);
	close(fd);

	/* hostile: escapes are refused, whiteout names too */
	const struct spec h1[] = {{'f', "../../etc/passwd", "evil", 0, 0}};
	craft(c, "h1.tar", h1, ELEMENTSOF(h1), 1);
	assert_int_equal(extract(c, "h1.tar", "h1", NULL, &err), -EXDEV);
	assert_string_equal(err->msg, "extract archive: entry '../../etc/passwd': '..' component");
	berth_error_free(&err);
	const struct spec h2[] = {{'l', "x", "/etc", 0777, 0}, {'f', "x/passwd", "evil", 0, 0}};
	craft(c, "h2.tar", h2, ELEMENTSOF(h2), 3);
	assert_int_equal(extract(c, "h2.tar", "h2", NULL, &err), -EXDEV);
	assert_string_equal(err->msg,
			    "extract archive: entry 'x/passwd': goes through symlink 'x'");
	berth_error_free(&err);
	const struct spec h3[] = {{'f', "etc/.wh.passwd", "", 0, 0}};
	craft(c, "h3.tar", h3, ELEMENTSOF(h3), 4);
	assert_int_equal(extract(c, "h3.tar", "h3", NULL, &err), -EINVAL);
	assert_string_equal(err->msg, "extract archive: entry 'etc/.wh.passwd': whiteout names "
				      "are not allowed in an archive");
	berth_error_free(&err);
	const struct spec h4[] = {{'f', "/abs", "x", 0, 0}};
	craft(c, "h4.tar", h4, ELEMENTSOF(h4), 0);
	assert_int_equal(extract(c, "h4.tar", "h4", NULL, &err), -EXDEV);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteouts_and_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
