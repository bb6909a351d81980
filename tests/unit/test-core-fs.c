/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path resolution inside an untrusted tree, in the spirit of systemd's
 * test-chase.c. Every case runs twice: with openat2 and with the forced
 * component-walk fallback, which must give the same answers.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"

struct tree {
	char top[64];
	int top_fd;
	int root_fd;
};

static int mkfile(int dfd, const char *name, const char *content)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, content, strlen(content));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int setup_tree(void **state, bool fallback)
{
	struct tree *t = calloc(1, sizeof(*t));
	snprintf(t->top, sizeof(t->top), "/tmp/berth-fs-XXXXXX");
	assert_non_null(mkdtemp(t->top));
	t->top_fd = open(t->top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->top_fd >= 0);
	/* top/secret is outside the root; top/root is the root */
	assert_int_equal(mkfile(t->top_fd, "secret", "outside"), 0);
	assert_int_equal(mkdirat(t->top_fd, "root", 0755), 0);
	t->root_fd = openat(t->top_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = t->root_fd;
	assert_int_equal(mkdirat(r, "etc", 0755), 0);
	assert_int_equal(mkfile(r, "etc/passwd", "root:x:0:0::/root:/bin/sh\n"), 0);
	assert_int_equal(mkdirat(r, "dir", 0755), 0);
	assert_int_equal(mkdirat(r, "dir/sub", 0755), 0);
	assert_int_equal(symlinkat("/etc", r, "abs"), 0);
	assert_int_equal(symlinkat("../../../..", r, "up"), 0);
	assert_int_equal(symlinkat("loop2", r, "loop1"), 0);
	assert_int_equal(symlinkat("loop1", r, "loop2"), 0);
	assert_int_equal(symlinkat("dir", r, "linkdir"), 0);
	assert_int_equal(symlinkat("../secret", r, "esc"), 0);
	assert_int_equal(symlinkat("/proc/self/root/etc", r, "magic"), 0);
	assert_int_equal(symlinkat("passwd", r, "etc/rel"), 0);
	berth_fs_force_fallback(fallback);
	*state = t;
	return 0;
}

static int setup_openat2(void **state)
{
	return setup_tree(state, false);
}

static int setup_fallback(void **state)
{
	return setup_tree(state, true);
}

static int teardown_tree(void **state)
{
	struct tree *t = *state;
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(berth_rm_rf_at(dfd, t->top + 5, NULL), 0);
	close(dfd);
	close(t->root_fd);
	close(t->top_fd);
	free(t);
	berth_fs_force_fallback(false);
	return 0;
}

/* The inode that path names inside the root (no links followed), for comparisons. */
static ino_t ino_at(int dfd, const char *path)
{
	struct stat st;
	assert_int_equal(fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_ino;
}

static ino_t ino_fd(int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static void expect_in_root(struct tree *t, const char *path, const char *want)
{
	struct berth_error *err = NULL;
	int fd = berth_open_in_root(t->root_fd, path, O_RDONLY, 0, &err);
	if (fd < 0)
		fail_msg("open_in_root '%s': %s", path, err->msg);
	assert_int_equal(ino_fd(fd), ino_at(t->root_fd, want));
	close(fd);
}

static void test_in_root_clamps(void **state)
{
	struct tree *t = *state;
	expect_in_root(t, "etc/passwd", "etc/passwd");
	expect_in_root(t, "/etc/passwd", "etc/passwd");
	expect_in_root(t, "///etc///passwd", "etc/passwd");
	expect_in_root(t, "abs/passwd", "etc/passwd");
	expect_in_root(t, "../../../etc/passwd", "etc/passwd");
	expect_in_root(t, "up/etc/passwd", "etc/passwd");
	expect_in_root(t, "linkdir/sub/../../etc/./passwd", "etc/passwd");
	expect_in_root(t, "etc/rel", "etc/passwd");
	expect_in_root(t, "dir/sub/../../up/up/abs/rel", "etc/passwd");
	expect_in_root(t, "", ".");
	expect_in_root(t, "..", ".");
}

static void test_in_root_never_leaves(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	/* top/secret exists, but only outside: clamped lookups must not find it */
	assert_int_equal(berth_open_in_root(t->root_fd, "../secret", O_RDONLY, 0, &err), -ENOENT);
	berth_error_free(&err);
	assert_int_equal(berth_open_in_root(t->root_fd, "esc", O_RDONLY, 0, &err), -ENOENT);
	berth_error_free(&err);
	assert_int_equal(berth_open_in_root(t->root_fd, "up/secret", O_RDONLY, 0, &err), -ENOENT);
	berth_error_free(&err);
	int r = berth_open_in_root(t->root_fd, "magic/passwd", O_RDONLY, 0, &err);
	assert_true(r < 0); /* /proc does not exist in the root, and magic links are refused */
	berth_error_free(&err);
}

static void test_loops_and_nofollow(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	assert_int_equal(berth_open_in_root(t->root_fd, "loop1", O_RDONLY, 0, &err), -ELOOP);
	berth_error_free(&err);
	assert_int_equal(berth_open_in_root(t->root_fd, "etc/rel", O_RDONLY | O_NOFOLLOW, 0, &err),
			 -ELOOP);
	berth_error_free(&err);
	int fd = berth_open_in_root(t->root_fd, "etc/rel", O_PATH | O_NOFOLLOW, 0, &err);
	assert_true(fd >= 0);
	assert_int_equal(ino_fd(fd), ino_at(t->root_fd, "etc/rel"));
	close(fd);
	assert_int_equal(berth_open_in_root(t->root_fd, "etc/passwd/x", O_RDONLY, 0, &err),
			 -ENOTDIR);
	berth_error_free(&err);
}

static void test_create_through_link_stays_inside(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	int fd = berth_open_in_root(t->root_fd, "abs/created", O_WRONLY | O_CREAT | O_EXCL, 0600,
				    &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(faccessat(t->root_fd, "etc/created", F_OK, 0), 0);
	assert_int_equal(faccessat(AT_FDCWD, "/etc/created", F_OK, 0), -1);
	assert_int_equal(berth_open_in_root(t->root_fd, "abs/created", O_WRONLY | O_CREAT | O_EXCL,
					    0600, &err),
			 -EEXIST);
	berth_error_free(&err);
}

static void test_beneath_refuses_escapes(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	const char *bad[] = {"../secret", "/etc/passwd", "abs/passwd",
			     "esc",	  "up/etc",	 "dir/../../secret"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = berth_open_beneath(t->root_fd, bad[i], O_RDONLY, 0, &err);
		if (r != -EXDEV)
			fail_msg("beneath '%s' gave %d, want -EXDEV", bad[i], r);
		berth_error_free(&err);
	}
	int fd = berth_open_beneath(t->root_fd, "linkdir/sub/../../etc/rel", O_RDONLY, 0, &err);
	assert_true(fd >= 0);
	assert_int_equal(ino_fd(fd), ino_at(t->root_fd, "etc/passwd"));
	close(fd);
}

/* Does this kernel (and any seccomp filter) let openat2 through? */
static bool have_openat2(void)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));
	if (fd < 0)
		return false;
	close((int)fd);
	return true;
}

/*
 * berth_fs_force_fallback (the CLI's BERTH_NO_OPENAT2=1) really routes
 * resolution through the component walk: the walk counter moves, and only
 * then, and the walk refuses the escape by itself.
 */
static void test_forced_fallback_walks(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;

	berth_fs_force_fallback(true);
	uint64_t before = berth_fs_fallback_walks();
	assert_int_equal(berth_open_beneath(t->root_fd, "dir/../../secret", O_RDONLY, 0, &err),
			 -EXDEV);
	assert_non_null(strstr(err->msg, "leads outside its root"));
	berth_error_free(&err);
	int fd = berth_open_in_root(t->root_fd, "abs/passwd", O_RDONLY, 0, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(berth_fs_fallback_walks(), before + 2);

	berth_fs_force_fallback(false);
	if (!have_openat2())
		skip(); /* every resolution walks here: nothing to compare with */
	before = berth_fs_fallback_walks();
	assert_int_equal(berth_open_beneath(t->root_fd, "dir/../../secret", O_RDONLY, 0, &err),
			 -EXDEV);
	berth_error_free(&err);
	assert_int_equal(berth_fs_fallback_walks(), before);
}

static void test_mkdirs_in_root(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	int fd = berth_mkdirs_in_root(t->root_fd, "a/b/c", 0755, &err);
	assert_true(fd >= 0);
	assert_int_equal(ino_fd(fd), ino_at(t->root_fd, "a/b/c"));
	close(fd);
	/* through an absolute link: lands in root/etc, never /etc */
	fd = berth_mkdirs_in_root(t->root_fd, "abs/berth-x/y", 0755, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(faccessat(t->root_fd, "etc/berth-x/y", F_OK, 0), 0);
	assert_int_equal(faccessat(AT_FDCWD, "/etc/berth-x", F_OK, 0), -1);
	/* up -> ../../.. clamps to the root */
	fd = berth_mkdirs_in_root(t->root_fd, "up/z", 0755, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(faccessat(t->root_fd, "z", F_OK, 0), 0);
	assert_int_equal(faccessat(t->top_fd, "z", F_OK, 0), -1);
	assert_true(berth_mkdirs_in_root(t->root_fd, "etc/passwd/x", 0755, &err) < 0);
	berth_error_free(&err);
}

static void test_verify_path(void **state)
{
	struct berth_error *err = NULL;
	assert_int_equal(berth_verify_path("a/b/c", &err), 0);
	assert_int_equal(berth_verify_path("a/b/", &err), 0);
	assert_int_equal(berth_verify_path(".hidden/..x", &err), 0);
	const char *bad[] = {"", "a//b", "../a", "a/../b", "a/..", "./a", "a/./b", "/a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (berth_verify_path(bad[i], &err) >= 0)
			fail_msg("verify_path accepted '%s'", bad[i]);
		berth_error_free(&err);
	}
	char longname[NAME_MAX + 2];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(berth_verify_path(longname, &err), -ENAMETOOLONG);
	berth_error_free(&err);
}

static void test_atomic_write_and_read(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	assert_int_equal(berth_write_file_atomic(t->root_fd, "f", "one", 3, 0644, &err), 0);
	assert_int_equal(berth_write_file_atomic(t->root_fd, "f", "two!", 4, 0600, &err), 0);
	char *s;
	size_t n;
	assert_int_equal(berth_read_file_at(t->root_fd, "f", 100, &s, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(s, "two!");
	free(s);
	assert_int_equal(berth_read_file_at(t->root_fd, "f", 2, &s, &n, &err), -E2BIG);
	berth_error_free(&err);
	/* no temp files left behind */
	assert_int_equal(berth_read_file_at(t->root_fd, "etc/rel", 100, &s, &n, &err), -ELOOP);
	berth_error_free(&err);
}

/* The unsynced replace: the new content and mode, and no temp file left. */
static void test_replace_write(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	assert_int_equal(berth_write_file_replace(t->root_fd, "r", "one", 3, 0644, &err), 0);
	assert_int_equal(berth_write_file_replace(t->root_fd, "r", "two!", 4, 0600, &err), 0);
	char *s;
	size_t n;
	assert_int_equal(berth_read_file_at(t->root_fd, "r", 100, &s, &n, &err), 0);
	assert_string_equal(s, "two!");
	free(s);
	struct stat st;
	assert_int_equal(fstatat(t->root_fd, "r", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	int fd = openat(t->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	DIR *d = fdopendir(fd);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)))
		assert_true(strncmp(de->d_name, ".tmp-", 5) != 0);
	closedir(d);
}

/*
 * The two steps: the temp file is complete (and stat'ed) before name
 * changes, and the rename keeps its inode, size and mtime (what a container
 * summary's stamp names); a commit that cannot rename leaves no temp file.
 */
static void test_temp_then_commit(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	assert_int_equal(berth_write_file_replace(t->root_fd, "c", "old", 3, 0600, &err), 0);
	char *tmp = NULL;
	struct stat before, after;
	assert_int_equal(
		berth_write_file_temp(t->root_fd, "c", "new!", 4, 0600, false, &tmp, &before, &err),
		0);
	char *s;
	size_t n;
	assert_int_equal(berth_read_file_at(t->root_fd, "c", 100, &s, &n, &err), 0);
	assert_string_equal(s, "old");
	free(s);
	assert_int_equal(berth_write_file_commit(t->root_fd, tmp, "c", true, &err), 0);
	free(tmp);
	assert_int_equal(fstatat(t->root_fd, "c", &after, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_size, 4);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(mkdirat(t->root_fd, "d", 0700), 0);
	assert_int_equal(mkfile(t->root_fd, "d/x", "x"), 0);
	assert_int_equal(
		berth_write_file_temp(t->root_fd, "d", "y", 1, 0600, false, &tmp, NULL, &err), 0);
	assert_true(berth_write_file_commit(t->root_fd, tmp, "d", false, &err) < 0);
	berth_error_free(&err);
	assert_int_equal(faccessat(t->root_fd, tmp, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	free(tmp);
}

static void test_rm_rf_does_not_follow(void **state)
{
	struct tree *t = *state;
	assert_int_equal(berth_rm_rf_at(t->top_fd, "root", NULL), 0);
	assert_int_equal(faccessat(t->top_fd, "root", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(t->top_fd, "secret", F_OK, 0), 0);
	assert_int_equal(berth_rm_rf_at(t->top_fd, "root", NULL), 0); /* ENOENT is fine */
	assert_int_equal(mkdirat(t->top_fd, "root", 0755), 0);
}

static size_t count_entries(DIR *d)
{
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n++;
	return n;
}

static void test_opendir_at(void **state)
{
	struct tree *t = *state;
	/* two streams on one fd each read the whole directory: positions are not shared */
	_cleanup_closedir_ DIR *a = berth_opendir_at(t->root_fd, ".");
	_cleanup_closedir_ DIR *b = berth_opendir_at(t->root_fd, ".");
	assert_non_null(a);
	assert_non_null(b);
	size_t n = count_entries(a);
	assert_true(n > 2);
	assert_int_equal(count_entries(b), n);
	/* a symlink to a directory is not followed, a file is not a directory */
	errno = 0;
	assert_null(berth_opendir_at(t->root_fd, "linkdir"));
	assert_true(errno == ELOOP || errno == ENOTDIR);
	errno = 0;
	assert_null(berth_opendir_at(t->root_fd, "etc/passwd"));
	assert_int_equal(errno, ENOTDIR);
	assert_null(berth_opendir_at(t->root_fd, "nothing-here"));
	assert_int_equal(errno, ENOENT);
}

static void test_dir_is_empty(void **state)
{
	struct tree *t = *state;
	assert_int_equal(berth_dir_is_empty(t->root_fd), 0);
	assert_int_equal(mkdirat(t->root_fd, "void", 0755), 0);
	_cleanup_close_ int fd = openat(t->root_fd, "void", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(berth_dir_is_empty(fd), 1);
	assert_int_equal(berth_dir_is_empty(-1), -EBADF);
}

/* Whether path is the root of a mount. */
static bool is_mounted(const char *path)
{
	struct statx stx;
	return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0 &&
	       (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* _cleanup_umount_: the mount goes with the scope unless it was taken. */
static void test_cleanup_umount(void **state)
{
	if (geteuid() != 0 || unit_private_mounts() < 0)
		skip();
	char dir[] = "/tmp/berth-umount-XXXXXX";
	assert_non_null(mkdtemp(dir));
	{
		_cleanup_umount_ char *mounted = NULL;
		assert_int_equal(mount("tmpfs", dir, "tmpfs", 0, NULL), 0);
		mounted = strdup(dir);
		assert_true(is_mounted(dir));
	}
	assert_false(is_mounted(dir));
	char *kept = NULL;
	{
		_cleanup_umount_ char *mounted = NULL;
		assert_int_equal(mount("tmpfs", dir, "tmpfs", 0, NULL), 0);
		mounted = strdup(dir);
		kept = TAKE_PTR(mounted);
	}
	assert_true(is_mounted(dir));
	berth_umount_freep(&kept);
	assert_null(kept);
	assert_false(is_mounted(dir));
	assert_int_equal(rmdir(dir), 0);
}

#define BOTH(f)                                                                                    \
	cmocka_unit_test_setup_teardown(f, setup_openat2, teardown_tree),                          \
		cmocka_unit_test_setup_teardown(f, setup_fallback, teardown_tree)

/* mkdir -p TOP/NAME and an fd of it; the temps a crashed writer left are swept, nothing else. */
static void test_mkdir_open_and_sweep(void **state)
{
	struct tree *t = *state;
	struct berth_error *err = NULL;
	_cleanup_free_ char *parent = berth_xasprintf("%s/recs", t->top);
	int fd = berth_mkdir_open(parent, "a/b", &err);
	assert_ok(fd, err);
	int again = berth_mkdir_open(parent, "a/b", &err);
	assert_ok(again, err);
	close(again);
	assert_int_equal(berth_write_file_atomic(fd, "keep.json", "{}", 2, 0600, &err), 0);
	assert_int_equal(mkfile(fd, ".tmp-dead1", "x"), 0);
	assert_int_equal(mkfile(fd, ".tmp-dead2", "y"), 0);
	assert_int_equal(mkfile(fd, ".hidden", "z"), 0);
	berth_remove_dead_atomic_temps(fd);
	struct stat st;
	assert_int_equal(fstatat(fd, ".tmp-dead1", &st, 0), -1);
	assert_int_equal(fstatat(fd, ".tmp-dead2", &st, 0), -1);
	assert_int_equal(fstatat(fd, "keep.json", &st, 0), 0);
	assert_int_equal(fstatat(fd, ".hidden", &st, 0), 0);
	close(fd);
	/* a file where the directory should be */
	assert_int_equal(mkfile(t->top_fd, "recs/file", "x"), 0);
	assert_true(berth_mkdir_open(parent, "file", &err) < 0);
	berth_error_free(&err);
	assert_int_equal(berth_rm_rf_at(t->top_fd, "recs", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_in_root_clamps),
		BOTH(test_in_root_never_leaves),
		BOTH(test_loops_and_nofollow),
		BOTH(test_create_through_link_stays_inside),
		BOTH(test_beneath_refuses_escapes),
		cmocka_unit_test_setup_teardown(test_forced_fallback_walks, setup_openat2,
						teardown_tree),
		BOTH(test_mkdirs_in_root),
		cmocka_unit_test(test_verify_path),
		BOTH(test_atomic_write_and_read),
		BOTH(test_replace_write),
		BOTH(test_temp_then_commit),
		BOTH(test_rm_rf_does_not_follow),
		BOTH(test_opendir_at),
		BOTH(test_dir_is_empty),
		cmocka_unit_test(test_cleanup_umount),
		cmocka_unit_test_setup_teardown(test_mkdir_open_and_sweep, setup_openat2,
						teardown_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
