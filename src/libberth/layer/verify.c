/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an unpacked layer looked like when it was unpacked: layers/<hex>/files
 * lists every entry of diff/ (type and mode, owner, size, mtime, path), so
 * `system check` can tell that an unpacked layer was changed afterwards. No
 * mount lets a container write a lower dir; this is how a change made
 * behind berth's back (by hand, by an older berth) is found and repaired:
 * the unpacked copy is dropped and unpacked again from its blob when needed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer-internal.h"
#include "layer/layer.h"
#include "store/store.h"

#define FILES_NAME "files"
/* far more than any sane layer lists; a bound for reading it back */
#define FILES_MAX (256u << 20)

/* A path as one token: bytes outside printable ASCII, space, % and \ as %XX. */
static void add_escaped(struct berth_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '%' || *p == '\\')
			berth_buf_addf(b, "%%%02X", *p);
		else
			berth_buf_addch(b, (char)*p);
	}
}

static int list_tree(int dir_fd, const char *prefix, int depth, struct berth_buf *out,
		     struct berth_error **err)
{
	if (depth > 4096)
		return berth_error_set(err, ELOOP, "'%s': tree too deep", prefix);
	_cleanup_closedir_ DIR *d = berth_opendir_at(dir_fd, ".");
	_cleanup_strv_free_ char **names = NULL;
	if (!d)
		return berth_error_syscall(err, errno, "open '%s'", prefix);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			berth_strv_push(&names, de->d_name);
	/* readdir order is the filesystem's: sorted, two listings compare */
	berth_strv_sort(names);
	BERTH_STRV_FOREACH (n, names) {
		struct stat st;
		_cleanup_free_ char *path = berth_xasprintf("%s/%s", prefix, *n);
		if (fstatat(dirfd(d), *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_syscall(err, errno, "stat '%s'", path);
		berth_buf_addf(out, "%o %u %u %lld %lld.%09ld ", (unsigned)st.st_mode,
			       (unsigned)st.st_uid, (unsigned)st.st_gid, (long long)st.st_size,
			       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		add_escaped(out, path);
		berth_buf_addch(out, '\n');
		if (!S_ISDIR(st.st_mode))
			continue;
		_cleanup_close_ int sub =
			openat(dirfd(d), *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return berth_error_syscall(err, errno, "open '%s'", path);
		int r = list_tree(sub, path, depth + 1, out, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The listing of diff_fd's tree, its root first. */
static int listing(int diff_fd, struct berth_buf *out, struct berth_error **err)
{
	struct stat st;
	if (fstat(diff_fd, &st) < 0)
		return berth_error_syscall(err, errno, "stat 'diff'");
	berth_buf_addf(out, "%o %u %u 0 %lld.%09ld .\n", (unsigned)st.st_mode, (unsigned)st.st_uid,
		       (unsigned)st.st_gid, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return list_tree(diff_fd, ".", 0, out, err);
}

int layer_write_files(int layer_fd, int diff_fd, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	int r = listing(diff_fd, &b, err);
	if (r < 0)
		return berth_error_prefix(err, "list unpacked layer");
	return berth_write_file_atomic(layer_fd, FILES_NAME, b.buf, b.len, 0644, err);
}

/* The path of the first line where a and b differ (escaped as listed). */
static char *first_difference(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, line = 0;
	while (i < alen && i < blen && a[i] == b[i]) {
		if (a[i] == '\n')
			line = i + 1;
		i++;
	}
	/* the path is the last field of the line of the longer side at that point */
	const char *s = i < alen ? a : b;
	size_t len = i < alen ? alen : blen;
	const char *end = memchr(s + line, '\n', len - line);
	size_t l = end ? (size_t)(end - (s + line)) : len - line;
	_cleanup_free_ char *ln = berth_xstrndup(s + line, l);
	const char *sp = strrchr(ln, ' ');
	return berth_xstrdup(sp ? sp + 1 : ln);
}

/*
 * Compares layer hex's tree with its list. 1 when it differs (*ret_path
 * names the first difference), 0 when it matches or has no list (unpacked
 * by a berth that wrote none), -errno when it cannot be read.
 */
static int layer_changed(int layers_fd, const char *hex, char **ret_path, struct berth_error **err)
{
	_cleanup_close_ int layer_fd = layer_open_subdir(layers_fd, hex, false, err);
	if (layer_fd < 0)
		return layer_fd;
	_cleanup_free_ char *want = NULL;
	size_t want_len;
	_cleanup_close_ int files = openat(layer_fd, FILES_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (files < 0)
		return errno == ENOENT ? 0
				       : berth_error_syscall(err, errno, "open '%s'", FILES_NAME);
	int r = berth_read_fd(files, FILES_MAX, &want, &want_len, err);
	if (r < 0)
		return r;
	_cleanup_close_ int diff_fd =
		openat(layer_fd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (diff_fd < 0) {
		*ret_path = berth_xstrdup(".");
		return 1;
	}
	_cleanup_buf_ struct berth_buf got = BERTH_BUF_INIT;
	r = listing(diff_fd, &got, err);
	if (r < 0)
		return r;
	if (got.len == want_len && memcmp(got.buf, want, want_len) == 0)
		return 0;
	*ret_path = first_difference(want, want_len, got.buf, got.len);
	return 1;
}

static bool is_layer_name(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return n == 64 && s[n] == '\0';
}

static void report(const struct berth_store_problem_cb *cb, char *msg)
{
	if (cb && cb->problem)
		cb->problem(cb->ctx, msg);
	free(msg);
}

/* Checks (and with repair drops) one unpacked layer; 1 when it is a problem. */
static int check_one(int layers_fd, const char *hex, bool repair,
		     const struct berth_store_problem_cb *cb, struct berth_error **err)
{
	/* exclusive for a repair; busy (in use by a container or a build): checked, kept */
	_cleanup_close_ int lock_fd =
		layer_lock(layers_fd, hex, repair ? LOCK_EX | LOCK_NB : LOCK_SH, err);
	bool busy = lock_fd == -EWOULDBLOCK;
	if (busy)
		lock_fd = layer_lock(layers_fd, hex, LOCK_SH, err);
	if (lock_fd < 0)
		return lock_fd;
	_cleanup_free_ char *path = NULL;
	struct berth_error *e = NULL;
	int r = layer_changed(layers_fd, hex, &path, &e);
	if (r < 0) {
		report(cb,
		       berth_xasprintf("unpacked layer sha256:%s: %s", hex, berth_error_msg(e)));
		berth_error_free(&e);
		return 1;
	}
	if (r == 0)
		return 0;
	const char *what = !repair ? ""
			   : busy  ? " (in use: not removed)"
				   : " (removed: it is unpacked again when needed)";
	if (repair && !busy) {
		r = layer_cache_remove_locked(layers_fd, hex, &e);
		if (r < 0) {
			what = "";
			berth_error_free(&e);
		}
	}
	report(cb, berth_xasprintf("unpacked layer sha256:%s was changed after it was unpacked: "
				   "'%s'%s",
				   hex, path, what));
	return 1;
}

int berth_layer_cache_check(int store_fd, bool repair, const struct berth_store_problem_cb *cb,
			    size_t *ret_layers, size_t *ret_problems, struct berth_error **err)
{
	size_t layers = 0, problems = 0;
	_cleanup_close_ int layers_fd =
		openat(store_fd, "layers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (layers_fd < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "open 'layers'");
	_cleanup_strv_free_ char **names = NULL;
	if (layers_fd >= 0) {
		_cleanup_closedir_ DIR *d = berth_opendir_at(layers_fd, ".");
		if (!d)
			return berth_error_syscall(err, errno, "read 'layers'");
		struct dirent *de;
		while ((de = readdir(d)))
			if (is_layer_name(de->d_name))
				berth_strv_push(&names, de->d_name);
	}
	berth_strv_sort(names);
	BERTH_STRV_FOREACH (n, names) {
		_cleanup_free_ char *marker = berth_xasprintf("%s/complete", *n);
		struct stat st;
		if (fstatat(layers_fd, marker, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* not a layer (yet): the unpacker's to finish or remove */
		layers++;
		int r = check_one(layers_fd, *n, repair, cb, err);
		if (r < 0)
			return r;
		problems += (size_t)r;
	}
	if (ret_layers)
		*ret_layers = layers;
	if (ret_problems)
		*ret_problems = problems;
	return 0;
}
