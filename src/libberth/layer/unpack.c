/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking a layer that came from anywhere. Every byte of the tar is
 * hostile; the rules (docs/layers.md):
 *
 *  - names are cleaned component by component; ".." and absolute names are
 *    refused, never clamped, and nothing is compared as a string prefix;
 *  - the parent of an entry is reached from the held root fd one component
 *    at a time with O_NOFOLLOW, so an entry can never be written through a
 *    symlink (planted by this layer or any other: each layer has its own
 *    directory) and nothing outside root_fd is ever opened for writing;
 *  - the entry itself is created with O_EXCL / mknodat / symlinkat /
 *    linkat on that parent fd: an existing name is a duplicate, refused;
 *  - hard link targets are resolved the same way inside this layer and
 *    must be non-directories created earlier in it;
 *  - ownership and modes (setuid included) are applied with f*() calls on
 *    fds of the nodes just created, so they can only land inside the root;
 *  - symlink targets are data: stored as they are, never followed here.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer-internal.h"
#include "layer/layer.h"

#define IN_CHUNK       (256 * 1024)
#define MAX_ENTRY_SIZE (1ULL << 40) /* 1 TiB: anything bigger is an attack or a bug */
#define MAX_XATTR_SIZE (64 * 1024)
#define WHITEOUT       ".wh."
#define OPAQUE	       ".wh..wh..opq"

struct dir_time {
	char *path;
	struct timespec mtime;
};

struct unpacker {
	int root_fd;
	unsigned flags;
	struct archive *a;
	struct layer_decompressor *dec;
	struct berth_sha256 *hash;
	uint64_t tar_size;
	char *inbuf;
	struct berth_error *cb_err;
	char **implicit_dirs; /* parents created before (or without) their own entry */
	struct dir_time *dirs;
	size_t n_dirs;
	char *parent_path; /* the parent of the last entry, and its fd */
	int parent_fd;
	/* berth_layer_extract: raw reads (libarchive decompresses), ids forced, no whiteouts */
	int in_fd;
	bool extract;
	bool set_owner;
	uid_t uid;
	gid_t gid;
	/* an earlier layer's diff dir whose equal files are linked, or -EBADF */
	int reuse_fd;
	uint64_t reused_bytes;
	struct layer_writeback *wb; /* the files written, for a targeted sync, or NULL */
};

static la_ssize_t on_read(struct archive *a, void *ctx, const void **buf)
{
	struct unpacker *u = ctx;
	ssize_t n;
	if (u->dec) {
		n = layer_decompressor_read(u->dec, u->inbuf, IN_CHUNK, &u->cb_err);
	} else {
		do
			n = read(u->in_fd, u->inbuf, IN_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = berth_error_syscall(&u->cb_err, errno, "read archive");
	}
	if (n < 0) {
		archive_set_error(a, (int)-n, "%s", berth_error_msg(u->cb_err));
		return -1;
	}
	berth_sha256_update(u->hash, u->inbuf, (size_t)n);
	u->tar_size += (uint64_t)n;
	*buf = u->inbuf;
	return n;
}

static void unpacker_release(struct unpacker *u)
{
	if (u->a)
		archive_read_free(u->a);
	layer_decompressor_free(u->dec);
	berth_sha256_free(u->hash);
	free(u->inbuf);
	berth_error_free(&u->cb_err);
	berth_strv_free(u->implicit_dirs);
	for (size_t i = 0; i < u->n_dirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	free(u->parent_path);
	if (u->parent_fd >= 0)
		close(u->parent_fd);
}

/*
 * Cleans a tar name: "./a//b/" -> "a/b". Absolute names and ".." components
 * are refused (EXDEV), whatever follows them. "" means the layer root.
 */
static int clean_name(const char *raw, const char *what, char **ret, struct berth_error **err)
{
	if (raw[0] == '/')
		return berth_error_set(err, EXDEV, "%s '%s': absolute name", what, raw);
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	const char *p = raw;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		size_t l = (size_t)(e - p);
		if (l == 2 && p[0] == '.' && p[1] == '.')
			return berth_error_set(err, EXDEV, "%s '%s': '..' component", what, raw);
		if (!(l == 1 && p[0] == '.')) {
			if (b.len)
				berth_buf_addch(&b, '/');
			berth_buf_add(&b, p, l);
		}
		p = e;
	}
	if (b.len) {
		struct berth_error *verr = NULL;
		int r = berth_verify_path(b.buf, &verr);
		if (r < 0) {
			r = berth_error_set(err, -r, "%s '%.200s%s': %s", what, raw,
					    strlen(raw) > 200 ? "..." : "", berth_error_msg(verr));
			berth_error_free(&verr);
			return r;
		}
	}
	*ret = berth_buf_detach(&b, NULL);
	return 0;
}

/*
 * Opens the directory path (relative, cleaned) below the root, one
 * component at a time with O_NOFOLLOW. With create, missing components are
 * made (0755) and remembered as implicit. A symlink in the way is EXDEV:
 * nothing is ever written through one. Returns an O_PATH fd.
 */
static int walk_dir(struct unpacker *u, const char *path, bool create, const char *entry,
		    struct berth_error **err)
{
	_cleanup_close_ int cur = fcntl(u->root_fd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return berth_error_syscall(err, errno, "dup root fd");
	const char *p = path;
	while (*p) {
		const char *e = strchrnul(p, '/');
		_cleanup_free_ char *comp = berth_xstrndup(p, (size_t)(e - p));
		_cleanup_free_ char *sofar = berth_xstrndup(path, (size_t)(e - path));
		int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, comp, 0755) < 0)
				return berth_error_syscall(err, errno, "entry '%s': create '%s'",
							   entry, sofar);
			berth_strv_push(&u->implicit_dirs, sofar);
			fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0 && u->set_owner &&
			    fchownat(fd, "", u->uid, u->gid, AT_EMPTY_PATH) < 0) {
				int saved = errno;
				close(fd);
				return berth_error_syscall(err, saved, "entry '%s': chown '%s'",
							   entry, sofar);
			}
		}
		if (fd < 0) {
			int saved = errno;
			struct stat st;
			if (saved == ENOTDIR && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				return berth_error_set(err, EXDEV,
						       "entry '%s': goes through symlink '%s'",
						       entry, sofar);
			return berth_error_syscall(err, saved, "entry '%s': open '%s'", entry,
						   sofar);
		}
		close(cur);
		cur = fd;
		p = *e ? e + 1 : e;
	}
	return TAKE_FD(cur);
}

/* The parent fd of name (cached across entries of the same directory); *ret_base points into name. */
static int open_parent(struct unpacker *u, const char *name, const char *raw, const char **ret_base,
		       struct berth_error **err)
{
	const char *slash = strrchr(name, '/');
	_cleanup_free_ char *parent =
		slash ? berth_xstrndup(name, (size_t)(slash - name)) : berth_xstrdup("");
	*ret_base = slash ? slash + 1 : name;
	if (u->parent_path && strcmp(u->parent_path, parent) == 0)
		return u->parent_fd;
	int fd = walk_dir(u, parent, true, raw, err);
	if (fd < 0)
		return fd;
	free(u->parent_path);
	if (u->parent_fd >= 0)
		close(u->parent_fd);
	u->parent_path = TAKE_PTR(parent);
	u->parent_fd = fd;
	return fd;
}

/* Forget the cached parent: needed after anything that may replace a directory. */
static void drop_parent_cache(struct unpacker *u)
{
	free(u->parent_path);
	u->parent_path = NULL;
	if (u->parent_fd >= 0)
		close(u->parent_fd);
	u->parent_fd = -EBADF;
}

static bool take_implicit(struct unpacker *u, const char *path)
{
	for (char **s = u->implicit_dirs; s && *s; s++)
		if (strcmp(*s, path) == 0) {
			free(*s);
			/* keep the vector NULL-terminated: move the last one here */
			char **last = s;
			while (last[1])
				last++;
			*s = *last;
			*last = NULL;
			return true;
		}
	return false;
}

static int check_ids(struct archive_entry *e, const char *raw, struct berth_error **err)
{
	int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
	if (uid < 0 || uid >= (int64_t)UINT32_MAX || gid < 0 || gid >= (int64_t)UINT32_MAX)
		return berth_error_set(err, EINVAL, "entry '%s': invalid uid/gid %lld/%lld", raw,
				       (long long)uid, (long long)gid);
	return 0;
}

/* xattrs of an entry on fd (a real fd of a file or directory). */
static int apply_xattrs(struct archive_entry *e, int fd, const char *raw, struct berth_error **err)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, "trusted.overlay.", 16) == 0 ||
		    strncmp(name, "user.overlay.", 13) == 0)
			return berth_error_set(
				err, EINVAL,
				"entry '%s': overlay xattr '%s' not allowed in a layer", raw, name);
		bool keep =
			strncmp(name, "user.", 5) == 0 || (strncmp(name, "security.", 9) == 0 &&
							   strcmp(name, "security.selinux") != 0);
		if (!keep || fd < 0)
			continue;
		if (size > MAX_XATTR_SIZE)
			return berth_error_set(err, E2BIG, "entry '%s': xattr '%s' too large", raw,
					       name);
		if (fsetxattr(fd, name, value, size, 0) < 0 && errno != ENOTSUP &&
		    errno != EOPNOTSUPP)
			return berth_error_syscall(err, errno, "entry '%s': set xattr '%s'", raw,
						   name);
	}
	return 0;
}

/* Owner, then mode (chown clears setuid, so the mode comes second), on a real or O_PATH fd. */
static uid_t entry_uid(struct unpacker *u, struct archive_entry *e)
{
	return u->set_owner ? u->uid : (uid_t)archive_entry_uid(e);
}

static gid_t entry_gid(struct unpacker *u, struct archive_entry *e)
{
	return u->set_owner ? u->gid : (gid_t)archive_entry_gid(e);
}

static int apply_owner_mode(struct unpacker *u, struct archive_entry *e, int fd, bool opath,
			    const char *raw, struct berth_error **err)
{
	if (!(u->flags & BERTH_LAYER_UNPACK_NO_CHOWN) &&
	    fchownat(fd, "", entry_uid(u, e), entry_gid(u, e), AT_EMPTY_PATH) < 0)
		return berth_error_syscall(err, errno, "entry '%s': chown", raw);
	mode_t mode = archive_entry_perm(e) & 07777;
	if (opath) {
		/* fchmod refuses O_PATH fds; the magic link names this very inode */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (chmod(proc, mode) < 0)
			return berth_error_syscall(err, errno, "entry '%s': chmod", raw);
	} else if (fchmod(fd, mode) < 0) {
		return berth_error_syscall(err, errno, "entry '%s': chmod", raw);
	}
	return 0;
}

static struct timespec entry_mtime(struct archive_entry *e)
{
	return (struct timespec){
		.tv_sec = archive_entry_mtime(e),
		.tv_nsec = archive_entry_mtime_is_set(e) ? archive_entry_mtime_nsec(e) : 0};
}

static int set_times_at(int dir_fd, const char *name, struct timespec mtime, const char *raw,
			struct berth_error **err)
{
	struct timespec ts[2] = {mtime, mtime};
	if (utimensat(dir_fd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_syscall(err, errno, "entry '%s': set times", raw);
	return 0;
}

/* An entry being unpacked: its parent directory (borrowed), its cleaned
 * name, the last component of it, the name as the archive spells it (for
 * messages), its mtime. */
struct entry_at {
	struct archive_entry *e;
	int pfd;
	const char *name, *base, *raw;
	struct timespec mtime;
};

/* The next data block of the current entry: 1, 0 at its end, -errno. */
static int read_block(struct unpacker *u, int64_t size, const void **buf, size_t *len,
		      la_int64_t *off, const char *raw, struct berth_error **err)
{
	int r = archive_read_data_block(u->a, buf, len, off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		if (u->cb_err) {
			berth_error_free(err);
			*err = TAKE_PTR(u->cb_err);
			return berth_error_prefix(err, "entry '%s'", raw);
		}
		return berth_error_set(err, EBADMSG, "entry '%s': %s", raw,
				       archive_error_string(u->a));
	}
	if (*off < 0 || (uint64_t)*off + *len > (uint64_t)size)
		return berth_error_set(err, EBADMSG, "entry '%s': data beyond its size", raw);
	return 1;
}

/*
 * The data of a regular file (what is left of it to read). Sparse files
 * stay sparse; ftruncate gives the file its full size.
 */
static int write_file_data(struct unpacker *u, int fd, int64_t size, const char *raw,
			   struct berth_error **err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = read_block(u, size, &buf, &len, &off, raw, err)) > 0) {
		r = layer_write_block(fd, buf, len, off, raw, err);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (ftruncate(fd, size) < 0)
		return berth_error_syscall(err, errno, "entry '%s': truncate", raw);
	return 0;
}

/* Where reading a file's data while comparing it with an earlier layer's stopped. */
struct reuse_cmp {
	off_t same;	  /* bytes [0, same) are equal */
	const void *pend; /* the block that differs (not written yet), or NULL */
	size_t pend_len;
	la_int64_t pend_off;
};

/*
 * Reads the entry's data comparing it with cand_fd: 1 when all of it is
 * equal (then nothing is left to read), 0 at the first difference (c says
 * where), -errno.
 */
static int compare_data(struct unpacker *u, int cand_fd, int64_t size, struct reuse_cmp *c,
			const char *raw, struct berth_error **err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = read_block(u, size, &buf, &len, &off, raw, err)) > 0) {
		if (off != c->same || !layer_reuse_same(cand_fd, buf, len, off)) {
			*c = (struct reuse_cmp){c->same, buf, len, off};
			return 0;
		}
		c->same += (off_t)len;
	}
	return r < 0 ? r : c->same == size;
}

/* The earlier layer's file at this entry's name, when it may be the same; else -EBADF. */
static int reuse_candidate(struct unpacker *u, const struct entry_at *at)
{
	struct archive_entry *e = at->e;
	if (u->reuse_fd < 0 || archive_entry_size(e) < LAYER_REUSE_MIN ||
	    archive_entry_xattr_reset(e) > 0)
		return -EBADF;
	struct layer_reuse_want w = {
		.size = archive_entry_size(e),
		.mode = archive_entry_perm(e) & 07777,
		.check_owner = !(u->flags & BERTH_LAYER_UNPACK_NO_CHOWN),
		.uid = entry_uid(u, e),
		.gid = entry_gid(u, e),
		.mtime = at->mtime,
	};
	return layer_reuse_open(u->reuse_fd, at->name, &w);
}

static int exists_error(const char *raw, struct berth_error **err)
{
	return berth_error_set(err, EEXIST, "entry '%s': duplicate entry", raw);
}

static int unpack_whiteout(struct unpacker *u, int pfd, const char *name, const char *base,
			   const char *raw, struct berth_error **err)
{
	if (strcmp(base, OPAQUE) == 0) {
		/* the directory holding the marker: pfd, reopened for real to set the xattr */
		_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return berth_error_syscall(err, errno, "entry '%s': open", raw);
		if (fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return berth_error_syscall(err, errno, "entry '%s': mark opaque", raw);
		return 0;
	}
	if (strncmp(base, WHITEOUT WHITEOUT, 8) == 0)
		return 0; /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content */
	const char *victim = base + strlen(WHITEOUT);
	if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return berth_error_set(err, EINVAL, "entry '%s': invalid whiteout", raw);
	if (mknodat(pfd, victim, S_IFCHR | 0600, makedev(0, 0)) < 0) {
		if (errno == EEXIST)
			return exists_error(raw, err);
		return berth_error_syscall(err, errno, "entry '%s': create whiteout", raw);
	}
	(void)name;
	return 0;
}

static int unpack_hardlink(struct unpacker *u, int pfd, const char *base, const char *raw,
			   const char *target_raw, struct berth_error **err)
{
	_cleanup_free_ char *target = NULL;
	int r = clean_name(target_raw, "hard link target", &target, err);
	if (r < 0)
		return berth_error_prefix(err, "entry '%s'", raw);
	if (!*target)
		return berth_error_set(err, EINVAL, "entry '%s': hard link to the root", raw);
	const char *slash = strrchr(target, '/');
	_cleanup_free_ char *tparent =
		slash ? berth_xstrndup(target, (size_t)(slash - target)) : berth_xstrdup("");
	const char *tbase = slash ? slash + 1 : target;
	_cleanup_close_ int tfd = walk_dir(u, tparent, false, raw, err);
	if (tfd < 0) {
		if (tfd == -ENOENT)
			return berth_error_set(
				err, ENOENT, "entry '%s': hard link target '%s' not in this layer",
				raw, target_raw);
		return tfd;
	}
	struct stat st;
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return berth_error_set(
				err, ENOENT, "entry '%s': hard link target '%s' not in this layer",
				raw, target_raw);
		return berth_error_syscall(err, errno, "entry '%s': stat link target", raw);
	}
	if (S_ISDIR(st.st_mode))
		return berth_error_set(err, EINVAL,
				       "entry '%s': hard link to directory '%s' refused", raw,
				       target_raw);
	/* no AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself */
	if (linkat(tfd, tbase, pfd, base, 0) < 0) {
		if (errno == EEXIST)
			return exists_error(raw, err);
		return berth_error_syscall(err, errno, "entry '%s': link to '%s'", raw, target_raw);
	}
	return 0;
}

static int unpack_regular(struct unpacker *u, const struct entry_at *at, struct berth_error **err)
{
	const char *raw = at->raw;
	int64_t size = archive_entry_size(at->e);
	struct reuse_cmp c = {0};
	int r;
	_cleanup_close_ int cand = reuse_candidate(u, at);
	if (cand >= 0) {
		r = compare_data(u, cand, size, &c, raw, err);
		if (r < 0)
			return r;
		int linked = r > 0 ? layer_reuse_link(cand, at->pfd, at->base) : -1;
		if (linked == 0) {
			u->reused_bytes += (uint64_t)size;
			return 0; /* the same inode: its metadata is already this entry's */
		}
		if (linked == -EEXIST)
			return exists_error(raw, err);
	}
	_cleanup_close_ int fd = openat(at->pfd, at->base,
					O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return exists_error(raw, err);
		return berth_error_syscall(err, errno, "entry '%s': create", raw);
	}
	if (c.same > 0) {
		r = layer_reuse_copy_prefix(cand, fd, c.same, err);
		if (r < 0)
			return berth_error_prefix(err, "entry '%s'", raw);
	}
	if (c.pend) {
		r = layer_write_block(fd, c.pend, c.pend_len, c.pend_off, raw, err);
		if (r < 0)
			return r;
	}
	r = write_file_data(u, fd, size, raw, err);
	if (r < 0)
		return r;
	r = apply_owner_mode(u, at->e, fd, false, raw, err);
	if (r < 0)
		return r;
	r = apply_xattrs(at->e, fd, raw, err);
	if (r < 0)
		return r;
	struct timespec ts[2] = {at->mtime, at->mtime};
	if (futimens(fd, ts) < 0)
		return berth_error_syscall(err, errno, "entry '%s': set times", raw);
	return u->wb ? layer_writeback_add(u->wb, fd, err) : 0;
}

static int unpack_dir(struct unpacker *u, const struct entry_at *at, struct berth_error **err)
{
	const char *raw = at->raw;
	if (mkdirat(at->pfd, at->base, 0700) < 0) {
		if (errno != EEXIST || !take_implicit(u, at->name))
			return errno == EEXIST
				       ? exists_error(raw, err)
				       : berth_error_syscall(err, errno, "entry '%s': mkdir", raw);
	}
	_cleanup_close_ int fd =
		openat(at->pfd, at->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "entry '%s': open", raw);
	int r = apply_owner_mode(u, at->e, fd, false, raw, err);
	if (r < 0)
		return r;
	r = apply_xattrs(at->e, fd, raw, err);
	if (r < 0)
		return r;
	/* children change a directory's mtime: set it once they are all there */
	u->dirs = berth_xreallocarray(u->dirs, u->n_dirs + 1, sizeof(*u->dirs));
	u->dirs[u->n_dirs++] = (struct dir_time){berth_xstrdup(at->name), at->mtime};
	return 0;
}

static int unpack_symlink(struct unpacker *u, const struct entry_at *at, struct berth_error **err)
{
	const char *raw = at->raw;
	const char *target = archive_entry_symlink(at->e);
	if (!target || !*target || strlen(target) >= PATH_MAX)
		return berth_error_set(err, EINVAL, "entry '%s': invalid symlink target", raw);
	if (symlinkat(target, at->pfd, at->base) < 0) {
		if (errno == EEXIST)
			return exists_error(raw, err);
		return berth_error_syscall(err, errno, "entry '%s': symlink", raw);
	}
	if (u->wb && strlen(target) >= LAYER_INLINE_SYMLINK_MAX)
		u->wb->need_syncfs = true; /* its target is file data: not held in wb */
	if (!(u->flags & BERTH_LAYER_UNPACK_NO_CHOWN) &&
	    fchownat(at->pfd, at->base, entry_uid(u, at->e), entry_gid(u, at->e),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_syscall(err, errno, "entry '%s': chown", raw);
	int r = apply_xattrs(at->e, -EBADF, raw, err);
	if (r < 0)
		return r;
	return set_times_at(at->pfd, at->base, at->mtime, raw, err);
}

/* A device node or a FIFO. */
static int unpack_node(struct unpacker *u, const struct entry_at *at, mode_t type,
		       struct berth_error **err)
{
	const char *raw = at->raw;
	if (type != AE_IFIFO && (u->flags & BERTH_LAYER_UNPACK_NO_DEVICES))
		return berth_error_set(err, EPERM, "entry '%s': device nodes are refused here",
				       raw);
	dev_t dev = type == AE_IFIFO ? 0
				     : makedev(archive_entry_rdevmajor(at->e),
					       archive_entry_rdevminor(at->e));
	if (mknodat(at->pfd, at->base, type | 0600, dev) < 0) {
		if (errno == EEXIST)
			return exists_error(raw, err);
		return berth_error_syscall(err, errno, "entry '%s': mknod", raw);
	}
	_cleanup_close_ int fd = openat(at->pfd, at->base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "entry '%s': open", raw);
	int r = apply_owner_mode(u, at->e, fd, true, raw, err);
	if (r < 0)
		return r;
	r = apply_xattrs(at->e, -EBADF, raw, err);
	if (r < 0)
		return r;
	return set_times_at(at->pfd, at->base, at->mtime, raw, err);
}

static int unpack_entry(struct unpacker *u, struct archive_entry *e, struct berth_error **err)
{
	const char *raw = archive_entry_pathname(e);
	_cleanup_free_ char *name = NULL;
	const char *base;
	int r;

	if (!raw || !*raw)
		return berth_error_set(err, EINVAL, "entry without a name");
	r = clean_name(raw, "entry", &name, err);
	if (r < 0)
		return r;
	mode_t type = archive_entry_filetype(e);
	const char *hardlink = archive_entry_hardlink(e);

	if (!*name) {
		/* the layer root itself ("./"): its metadata is not the layer's to set */
		if (type != AE_IFDIR || hardlink)
			return berth_error_set(err, EINVAL, "entry '%s': not a directory", raw);
		return 0;
	}
	r = check_ids(e, raw, err);
	if (r < 0)
		return r;
	if (archive_entry_size_is_set(e) &&
	    (archive_entry_size(e) < 0 || (uint64_t)archive_entry_size(e) > MAX_ENTRY_SIZE))
		return berth_error_set(err, EFBIG, "entry '%s': size %lld over the limit", raw,
				       (long long)archive_entry_size(e));

	int pfd = open_parent(u, name, raw, &base, err);
	if (pfd < 0)
		return pfd;

	if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0) {
		/* an archive is not a layer: a whiteout name would delete below it */
		if (u->extract)
			return berth_error_set(err, EINVAL,
					       "entry '%s': whiteout names are not allowed in an "
					       "archive",
					       raw);
		return unpack_whiteout(u, pfd, name, base, raw, err);
	}
	if (hardlink)
		return unpack_hardlink(u, pfd, base, raw, hardlink, err);

	const struct entry_at at = {e, pfd, name, base, raw, entry_mtime(e)};
	switch (type) {
	case AE_IFREG:
		return unpack_regular(u, &at, err);
	case AE_IFDIR:
		return unpack_dir(u, &at, err);
	case AE_IFLNK:
		return unpack_symlink(u, &at, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return unpack_node(u, &at, type, err);
	case AE_IFSOCK:
		return 0;
	default:
		return berth_error_set(err, EINVAL, "entry '%s': unsupported file type 0%o", raw,
				       (unsigned)type);
	}
}

static int apply_dir_times(struct unpacker *u, struct berth_error **err)
{
	drop_parent_cache(u);
	for (size_t i = u->n_dirs; i-- > 0;) {
		const char *name = u->dirs[i].path;
		const char *base;
		int pfd = open_parent(u, name, name, &base, err);
		if (pfd < 0)
			return pfd;
		int r = set_times_at(pfd, base, u->dirs[i].mtime, name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int archive_read_fail(struct unpacker *u, struct berth_error **err, const char *after)
{
	if (u->cb_err) {
		berth_error_free(err);
		*err = TAKE_PTR(u->cb_err);
		return -berth_error_code(*err);
	}
	if (after)
		return berth_error_set(err, EBADMSG, "after entry '%s': %s", after,
				       archive_error_string(u->a) ? archive_error_string(u->a)
								  : "corrupt tar");
	return berth_error_set(err, EBADMSG, "%s",
			       archive_error_string(u->a) ? archive_error_string(u->a)
							  : "corrupt tar");
}

/*
 * Opens u->a (made by the caller with the formats and filters it accepts),
 * writes every entry below u->root_fd, then sets the directories' times.
 */
static int unpack_entries(struct unpacker *u, uint64_t *ret_entries, struct berth_error **err)
{
	_cleanup_free_ char *last = NULL;
	uint64_t entries = 0;

	/* without root there is no mknod of devices: refuse them up front, named */
	if (geteuid() != 0)
		u->flags |= BERTH_LAYER_UNPACK_NO_DEVICES;
	if (archive_read_open(u->a, u, NULL, on_read, NULL) != ARCHIVE_OK)
		return archive_read_fail(u, err, NULL);
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(u->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return archive_read_fail(u, err, last);
		r = unpack_entry(u, e, err);
		if (r < 0)
			return r;
		entries++;
		free(last);
		last = berth_xstrdup(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
	}
	if (ret_entries)
		*ret_entries = entries;
	return apply_dir_times(u, err);
}

int berth_layer_unpack(int fd, int root_fd, unsigned flags,
		       const struct berth_digest *expect_diff_id,
		       struct berth_layer_unpack_stats *ret, struct berth_error **err)
{
	return layer_unpack_reusing(fd, root_fd, flags, expect_diff_id, -EBADF, NULL, ret, err);
}

int layer_unpack_reusing(int fd, int root_fd, unsigned flags,
			 const struct berth_digest *expect_diff_id, int reuse_dir_fd,
			 struct layer_writeback *wb, struct berth_layer_unpack_stats *ret,
			 struct berth_error **err)
{
	_cleanup_(unpacker_release) struct unpacker u = {
		.root_fd = root_fd,
		.flags = flags,
		.parent_fd = -EBADF,
		.reuse_fd = reuse_dir_fd,
		.wb = wb,
	};
	uint64_t entries = 0;
	int r;

	r = layer_decompressor_new(fd, &u.dec, err);
	if (r < 0)
		return berth_error_prefix(err, "unpack layer");
	u.hash = berth_sha256_new();
	u.inbuf = berth_xmalloc(IN_CHUNK);
	u.a = archive_read_new();
	if (!u.a)
		berth_oom();
	archive_read_support_format_tar(u.a);
	r = unpack_entries(&u, &entries, err);
	if (r < 0)
		return berth_error_prefix(err, "unpack layer");

	/* what follows the end-of-archive blocks is part of the diffID too */
	for (;;) {
		ssize_t n = layer_decompressor_read(u.dec, u.inbuf, IN_CHUNK, err);
		if (n < 0)
			return berth_error_prefix(err, "unpack layer");
		if (n == 0)
			break;
		berth_sha256_update(u.hash, u.inbuf, (size_t)n);
		u.tar_size += (uint64_t)n;
	}
	struct berth_layer_unpack_stats stats = {
		.tar_size = u.tar_size, .entries = entries, .reused_bytes = u.reused_bytes};
	berth_sha256_final(u.hash, &stats.diff_id);
	if (expect_diff_id && !berth_digest_eq(expect_diff_id, &stats.diff_id)) {
		char want[BERTH_DIGEST_STRLEN + 1], got[BERTH_DIGEST_STRLEN + 1];
		return berth_error_set(err, EBADMSG, "unpack layer: diffID is %s, expected %s",
				       berth_digest_fmt(&stats.diff_id, got),
				       berth_digest_fmt(expect_diff_id, want));
	}
	if (ret)
		*ret = stats;
	return 0;
}

/* A libarchive reader of fd for the archives ADD extracts: tar, compressed or not. */
static struct archive *archive_reader_new(void)
{
	struct archive *a = archive_read_new();
	if (!a)
		berth_oom();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	return a;
}

int berth_layer_is_archive(int fd, struct berth_error **err)
{
	_cleanup_(unpacker_release) struct unpacker u = {
		.parent_fd = -EBADF,
		.reuse_fd = -EBADF,
		.in_fd = fd,
	};
	struct archive_entry *e;
	int r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return berth_error_syscall(err, errno, "seek archive");
	u.inbuf = berth_xmalloc(IN_CHUNK);
	u.hash = berth_sha256_new();
	u.a = archive_reader_new();
	/* as Docker: an archive is what yields a first tar header, whatever its name */
	r = archive_read_open(u.a, &u, NULL, on_read, NULL) == ARCHIVE_OK;
	if (r) {
		int h = archive_read_next_header(u.a, &e);
		r = h == ARCHIVE_OK || h == ARCHIVE_WARN;
	}
	if (u.cb_err) {
		berth_error_free(err);
		*err = TAKE_PTR(u.cb_err);
		return -berth_error_code(*err);
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berth_error_syscall(err, errno, "seek archive");
	return r ? 1 : 0;
}

int berth_layer_extract(int fd, int dir_fd, const struct berth_layer_extract_options *o,
			struct berth_error **err)
{
	_cleanup_(unpacker_release) struct unpacker u = {
		.root_fd = dir_fd,
		.flags = o ? o->flags : 0,
		.parent_fd = -EBADF,
		.reuse_fd = -EBADF,
		.in_fd = fd,
		.extract = true,
		.set_owner = o && o->set_owner,
		.uid = o ? o->uid : 0,
		.gid = o ? o->gid : 0,
	};
	u.hash = berth_sha256_new();
	u.inbuf = berth_xmalloc(IN_CHUNK);
	u.a = archive_reader_new();
	if (unpack_entries(&u, NULL, err) < 0)
		return berth_error_prefix(err, "extract archive");
	return 0;
}
