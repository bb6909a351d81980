/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer writing: the tar is read back with libarchive and checked entry by
 * entry (order, ids, names, links, xattrs, whiteouts), and digests are
 * checked against the bytes written.
 */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer.h"

struct ctx {
	char top[64];
	int top_fd;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	snprintf(c->top, sizeof(c->top), "/tmp/berth-lw-XXXXXX");
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

static void mkfile(int dfd, const char *name, const char *content, mode_t mode)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int subdir(struct ctx *c, const char *name)
{
	mkdirat(c->top_fd, name, 0755);
	int fd = openat(c->top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

typedef int (*add_fn)(struct berth_layer_writer *w, int fd, void *arg, struct berth_error **err);

static int add_tree(struct berth_layer_writer *w, int fd, void *arg, struct berth_error **err)
{
	return berth_layer_writer_add_tree(w, fd, arg, err);
}

static int add_upper(struct berth_layer_writer *w, int fd, void *arg, struct berth_error **err)
{
	return berth_layer_writer_add_upper(w, fd, err);
}

/* Writes a layer of dir_fd into top/<out> and returns its info. */
static void write_layer(struct ctx *c, int dir_fd, const char *out,
			const struct berth_layer_write_options *o, add_fn add, void *arg,
			struct berth_layer_info *info)
{
	struct berth_error *err = NULL;
	_cleanup_close_ int ofd =
		openat(c->top_fd, out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(ofd >= 0);
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	assert_ok(berth_layer_writer_new(o, berth_layer_sink_fd, &ofd, &w, &err), err);
	assert_ok(add(w, dir_fd, arg, &err), err);
	assert_ok(berth_layer_writer_finish(w, info, &err), err);
}

struct entry {
	char *path;
	mode_t mode;
	int64_t uid, gid;
	bool has_uname;
	char *hardlink;
	char *symlink;
	int64_t size;
	time_t mtime;
	char *xattrs; /* "name=value;" */
	dev_t rdev;
};

/* Reads every entry of a (compressed) layer file. */
static size_t read_entries(struct ctx *c, const char *name, struct entry **ret)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	int fd = openat(c->top_fd, name, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(archive_read_open_fd(a, fd, 65536), ARCHIVE_OK);
	struct entry *v = NULL;
	size_t n = 0;
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		v = berth_xreallocarray(v, n + 1, sizeof(*v));
		struct entry *x = &v[n++];
		memset(x, 0, sizeof(*x));
		x->path = berth_xstrdup(archive_entry_pathname(e));
		x->mode = archive_entry_mode(e);
		x->uid = archive_entry_uid(e);
		x->gid = archive_entry_gid(e);
		x->has_uname = (archive_entry_uname(e) && *archive_entry_uname(e)) ||
			       (archive_entry_gname(e) && *archive_entry_gname(e));
		x->hardlink =
			archive_entry_hardlink(e) ? berth_xstrdup(archive_entry_hardlink(e)) : NULL;
		x->symlink =
			archive_entry_symlink(e) ? berth_xstrdup(archive_entry_symlink(e)) : NULL;
		x->size = archive_entry_size(e);
		x->mtime = archive_entry_mtime(e);
		x->rdev = archive_entry_rdev(e);
		struct berth_buf b = BERTH_BUF_INIT;
		const char *xn;
		const void *xv;
		size_t xl;
		archive_entry_xattr_reset(e);
		while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK)
			berth_buf_addf(&b, "%s=%.*s;", xn, (int)xl, (const char *)xv);
		x->xattrs = berth_buf_detach(&b, NULL);
	}
	archive_read_free(a);
	close(fd);
	*ret = v;
	return n;
}

static void free_entries(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].hardlink);
		free(v[i].symlink);
		free(v[i].xattrs);
	}
	free(v);
}

static struct entry *find(struct entry *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i].path);
		if (strcmp(v[i].path, path) == 0 ||
		    (l && v[i].path[l - 1] == '/' && strncmp(v[i].path, path, l - 1) == 0 &&
		     path[l - 1] == 0))
			return &v[i];
	}
	fail_msg("no entry '%s'", path);
	return NULL;
}

static struct berth_layer_write_options plain(void)
{
	return (struct berth_layer_write_options){.compression = BERTH_LAYER_UNCOMPRESSED};
}

static void test_tree_entries(void **state)
{
	struct ctx *c = *state;
	_cleanup_close_ int src = subdir(c, "src");
	/* created out of order: the tar must still be sorted */
	mkfile(src, "zeta", "z", 0644);
	mkfile(src, "alpha", "a", 0600);
	assert_int_equal(mkdirat(src, "mid", 0750), 0);
	mkfile(src, "mid/inner", "i", 0644);
	assert_int_equal(linkat(src, "alpha", src, "mid/alpha-link", 0), 0);
	assert_int_equal(symlinkat("/etc/passwd", src, "abs"), 0);
	assert_int_equal(mkfifoat(src, "fifo", 0600), 0);
	assert_int_equal(mknodat(src, "null", S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(fchownat(src, "zeta", 4242, 4343, 0), 0);
	mkfile(src, "suid", "#!", 04755);
	{
		int fd = openat(src, "alpha", O_RDONLY | O_CLOEXEC);
		assert_int_equal(fsetxattr(fd, "user.test", "v1", 2, 0), 0);
		assert_int_equal(fsetxattr(fd, "trusted.overlay.origin", "x", 1, 0), 0);
		close(fd);
	}
	/* a socket is skipped */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/src/sock", c->top);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);

	struct berth_layer_write_options o = plain();
	struct berth_layer_info info;
	write_layer(c, src, "l.tar", &o, add_tree, "", &info);
	assert_string_equal(info.media_type, BERTH_MEDIA_TYPE_LAYER_TAR);
	assert_true(berth_digest_eq(&info.diff_id, &info.digest));
	assert_int_equal(info.size, info.tar_size);

	struct entry *v;
	size_t n = read_entries(c, "l.tar", &v);
	assert_int_equal(n, 9); /* no socket */
	for (size_t i = 0; i + 1 < n; i++)
		assert_true(strcmp(v[i].path, v[i + 1].path) < 0);
	for (size_t i = 0; i < n; i++) {
		assert_false(v[i].has_uname);
		assert_true(strcmp(v[i].path, "sock") != 0);
	}
	struct entry *e = find(v, n, "zeta");
	assert_int_equal(e->uid, 4242);
	assert_int_equal(e->gid, 4343);
	e = find(v, n, "mid/alpha-link");
	assert_string_equal(e->hardlink, "alpha");
	assert_int_equal(e->size, 0);
	e = find(v, n, "alpha");
	assert_null(e->hardlink);
	assert_int_equal(e->size, 1);
	assert_string_equal(e->xattrs, "user.test=v1;"); /* overlay's own xattr dropped */
	assert_string_equal(find(v, n, "abs")->symlink, "/etc/passwd");
	assert_true(S_ISFIFO(find(v, n, "fifo")->mode));
	e = find(v, n, "null");
	assert_true(S_ISCHR(e->mode));
	assert_int_equal(e->rdev, makedev(1, 3));
	assert_int_equal(find(v, n, "suid")->mode & 07777, 04755);
	assert_int_equal(find(v, n, "mid")->mode & 07777, 0750);
	free_entries(v, n);

	/* the diffID is the sha256 of the file written */
	struct berth_error *err = NULL;
	int fd = openat(c->top_fd, "l.tar", O_RDONLY | O_CLOEXEC);
	struct berth_digest d;
	assert_ok(berth_digest_fd(fd, &d, NULL, &err), err);
	close(fd);
	assert_true(berth_digest_eq(&d, &info.diff_id));

	/* a prefix puts the tree below a directory */
	write_layer(c, src, "p.tar", &o, add_tree, "/app//bin/", &info);
	n = read_entries(c, "p.tar", &v);
	find(v, n, "app/bin/zeta");
	free_entries(v, n);

	/* name_prefix goes before every name as is, hard link targets too, not symlinks' */
	o.name_prefix = "./";
	write_layer(c, src, "dot.tar", &o, add_tree, "", &info);
	n = read_entries(c, "dot.tar", &v);
	assert_int_equal(n, 9);
	for (size_t i = 0; i < n; i++)
		assert_true(strncmp(v[i].path, "./", 2) == 0);
	assert_string_equal(find(v, n, "./mid/alpha-link")->hardlink, "./alpha");
	assert_string_equal(find(v, n, "./abs")->symlink, "/etc/passwd");
	free_entries(v, n);
}

static void make_tree_at(struct ctx *c, const char *name, time_t when)
{
	_cleanup_close_ int d = subdir(c, name);
	mkfile(d, "a", "same content", 0644);
	assert_int_equal(mkdirat(d, "dir", 0755), 0);
	mkfile(d, "dir/b", "more", 0600);
	assert_int_equal(symlinkat("a", d, "link"), 0);
	struct timespec ts[2] = {{when, 123}, {when, 456}};
	const char *names[] = {"a", "dir/b", "link", "dir"};
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		assert_int_equal(utimensat(d, names[i], ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void test_reproducible(void **state)
{
	struct ctx *c = *state;
	make_tree_at(c, "t1", 1800000000);
	make_tree_at(c, "t2", 1900000000);
	_cleanup_close_ int t1 = subdir(c, "t1");
	_cleanup_close_ int t2 = subdir(c, "t2");
	struct berth_error *err = NULL;
	struct berth_layer_write_options o;
	struct berth_layer_info i1, i2;

	/* without a clamp (SOURCE_DATE_EPOCH) the mtimes differ, and so do the layers */
	berth_layer_write_options_default(&o);
	assert_false(o.clamp_mtime);
	write_layer(c, t1, "1.tgz", &o, add_tree, "", &i1);
	write_layer(c, t2, "2.tgz", &o, add_tree, "", &i2);
	assert_false(berth_digest_eq(&i1.diff_id, &i2.diff_id));

	o.clamp_mtime = true;
	o.source_date_epoch = 1700000000;
	assert_int_equal(o.compression, BERTH_LAYER_GZIP);
	write_layer(c, t1, "1.tgz", &o, add_tree, "", &i1);
	write_layer(c, t2, "2.tgz", &o, add_tree, "", &i2);
	assert_true(berth_digest_eq(&i1.diff_id, &i2.diff_id));
	assert_true(berth_digest_eq(&i1.digest, &i2.digest));
	assert_string_equal(i1.media_type, BERTH_MEDIA_TYPE_LAYER_GZIP);
	struct entry *v;
	size_t n = read_entries(c, "1.tgz", &v);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].mtime, 1700000000);
	free_entries(v, n);

	/* zstd: same tar (diffID), another blob */
	o.compression = BERTH_LAYER_ZSTD;
	write_layer(c, t1, "1.tzst", &o, add_tree, "", &i2);
	assert_true(berth_digest_eq(&i1.diff_id, &i2.diff_id));
	assert_false(berth_digest_eq(&i1.digest, &i2.digest));
	assert_string_equal(i2.media_type, BERTH_MEDIA_TYPE_LAYER_ZSTD);
	int fd = openat(c->top_fd, "1.tzst", O_RDONLY | O_CLOEXEC);
	struct berth_digest d;
	uint64_t size;
	assert_ok(berth_digest_fd(fd, &d, &size, &err), err);
	close(fd);
	assert_true(berth_digest_eq(&d, &i2.digest));
	assert_int_equal(size, i2.size);
}

static void test_upper(void **state)
{
	struct ctx *c = *state;
	_cleanup_close_ int up = subdir(c, "upper");
	assert_int_equal(mknodat(up, "deleted", S_IFCHR | 0, makedev(0, 0)), 0);
	assert_int_equal(mkdirat(up, "opq", 0755), 0);
	mkfile(up, "opq/new", "n", 0644);
	assert_int_equal(mkdirat(up, "sub", 0755), 0);
	assert_int_equal(mknodat(up, "sub/gone", S_IFCHR | 0, makedev(0, 0)), 0);
	assert_int_equal(mknodat(up, "realdev", S_IFCHR | 0600, makedev(1, 5)), 0);
	{
		int fd = openat(up, "opq", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_int_equal(fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0), 0);
		close(fd);
	}
	struct berth_layer_write_options o = plain();
	struct berth_layer_info info;
	write_layer(c, up, "u.tar", &o, add_upper, NULL, &info);
	struct entry *v;
	size_t n = read_entries(c, "u.tar", &v);
	struct entry *e = find(v, n, ".wh.deleted");
	assert_true(S_ISREG(e->mode));
	assert_int_equal(e->size, 0);
	find(v, n, "sub/.wh.gone");
	e = find(v, n, "opq/.wh..wh..opq");
	assert_true(S_ISREG(e->mode));
	assert_string_equal(find(v, n, "opq")->xattrs, "");
	assert_true(S_ISCHR(find(v, n, "realdev")->mode)); /* a real device stays a device */
	/* the opaque marker comes right after its directory, before the contents */
	for (size_t i = 0; i + 2 < n; i++)
		if (strncmp(v[i].path, "opq", 3) == 0 && S_ISDIR(v[i].mode)) {
			assert_string_equal(v[i + 1].path, "opq/.wh..wh..opq");
			assert_string_equal(v[i + 2].path, "opq/new");
		}
	free_entries(v, n);
}

static int add_copy(struct berth_layer_writer *w, int fd, void *arg, struct berth_error **err)
{
	struct berth_layer_entry *e = arg;
	size_t n = 0;
	while (e[n].dest)
		n++;
	for (size_t i = 0; i < n; i++)
		e[i].src_dir_fd = fd;
	return berth_layer_writer_add_entries(w, e, n, err);
}

static void test_entries(void **state)
{
	struct ctx *c = *state;
	_cleanup_close_ int ctxd = subdir(c, "context");
	mkfile(ctxd, "main.go", "package main", 0600);
	assert_int_equal(mkdirat(ctxd, "static", 0700), 0);
	mkfile(ctxd, "static/index.html", "<html>", 0600);
	assert_int_equal(symlinkat("../../../etc/passwd", ctxd, "escape"), 0);

	struct berth_layer_entry entries[] = {
		{.src_path = "static", .dest = "/srv/www", .uid = 33, .gid = 33, .set_owner = true},
		{.src_path = "main.go", .dest = "app/src/main.go", .mode = 0644, .set_mode = true},
		{0},
	};
	struct berth_layer_write_options o = plain();
	struct berth_layer_info info;
	write_layer(c, ctxd, "c.tar", &o, add_copy, entries, &info);
	struct entry *v;
	size_t n = read_entries(c, "c.tar", &v);
	assert_int_equal(n, 6); /* app app/src app/src/main.go srv srv/www srv/www/index.html */
	struct entry *e = find(v, n, "app/src/main.go");
	assert_int_equal(e->mode & 07777, 0644);
	assert_int_equal(e->uid, getuid());
	e = find(v, n, "app");
	assert_true(S_ISDIR(e->mode));
	assert_int_equal(e->mode & 07777, 0755);
	assert_int_equal(e->uid, 0);
	e = find(v, n, "srv/www/index.html");
	assert_int_equal(e->uid, 33);
	assert_int_equal(e->gid, 33);
	assert_int_equal(find(v, n, "srv/www")->uid, 33);
	free_entries(v, n);

	/* a source that escapes the context through a symlink is refused */
	struct berth_error *err = NULL;
	_cleanup_close_ int ofd = openat(c->top_fd, "x.tar", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	assert_ok(berth_layer_writer_new(&o, berth_layer_sink_fd, &ofd, &w, &err), err);
	struct berth_layer_entry bad[] = {{.src_dir_fd = ctxd, .src_path = "escape", .dest = "x"}};
	assert_int_equal(berth_layer_writer_add_entries(w, bad, 1, &err), -EXDEV);
	assert_non_null(strstr(err->msg, "'escape'"));
	berth_error_free(&err);
	struct berth_layer_entry dup[] = {
		{.src_dir_fd = ctxd, .src_path = "main.go", .dest = "a"},
		{.src_dir_fd = ctxd, .src_path = "main.go", .dest = "/a"},
	};
	assert_int_equal(berth_layer_writer_add_entries(w, dup, 2, &err), -EEXIST);
	berth_error_free(&err);
	/* nofollow: a symlink source is stored as a symlink */
	struct berth_layer_entry link[] = {
		{.src_dir_fd = ctxd, .src_path = "escape", .dest = "lnk", .nofollow = true}};
	assert_ok(berth_layer_writer_add_entries(w, link, 1, &err), err);
	struct berth_layer_entry dotdot[] = {
		{.src_dir_fd = ctxd, .src_path = "main.go", .dest = "../a"}};
	assert_int_equal(berth_layer_writer_add_entries(w, dotdot, 1, &err), -EXDEV);
	berth_error_free(&err);
}

static void test_compression_parse(void **state)
{
	struct berth_error *err = NULL;
	enum berth_layer_compression cmp;
	assert_ok(berth_layer_compression_parse("zstd", &cmp, &err), err);
	assert_int_equal(cmp, BERTH_LAYER_ZSTD);
	assert_ok(berth_layer_compression_parse("gzip", &cmp, &err), err);
	assert_int_equal(cmp, BERTH_LAYER_GZIP);
	assert_ok(berth_layer_compression_parse("none", &cmp, &err), err);
	assert_int_equal(cmp, BERTH_LAYER_UNCOMPRESSED);
	assert_int_equal(berth_layer_compression_parse("lz4", &cmp, &err), -EINVAL);
	assert_string_equal(err->msg, "unknown compression 'lz4' (gzip, zstd or none)");
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reproducible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries, setup, teardown),
		cmocka_unit_test(test_compression_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
