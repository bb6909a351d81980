/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing layers: a PAX tar made with libarchive from held directory fds,
 * hashed, compressed and hashed again on its way to the sink in one pass.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer-internal.h"
#include "layer/layer.h"
#include "store/store.h"

#define READ_CHUNK	     (256 * 1024)
#define MAX_DEPTH	     2048
#define XATTR_LIST_MAX_BYTES (64 * 1024)

struct berth_layer_writer {
	struct berth_layer_write_options opts;
	struct archive *a;
	struct archive_entry_linkresolver *lr;
	struct layer_compressor *comp;
	struct berth_sha256 *tar_hash;
	struct berth_sha256 *blob_hash;
	uint64_t tar_size;
	uint64_t size;
	berth_layer_sink_fn sink;
	void *sink_ctx;
	struct berth_error *cb_err; /* the error of a libarchive callback */
	char **emitted_dirs;	    /* parents added by add_entries */
	char *buf;
	struct berth_blob_writer *blob; /* when writing into a store */
	int store_fd;			/* its root, for the size record; else -EBADF */
	bool finished;
};

enum walk_kind {
	WALK_TREE,
	WALK_UPPER,
};

struct override {
	bool set_owner;
	uid_t uid;
	gid_t gid;
	bool set_mode;
	mode_t mode;
};

int berth_layer_compression_parse(const char *s, enum berth_layer_compression *ret,
				  struct berth_error **err)
{
	if (strcmp(s, "gzip") == 0)
		*ret = BERTH_LAYER_GZIP;
	else if (strcmp(s, "zstd") == 0)
		*ret = BERTH_LAYER_ZSTD;
	else if (strcmp(s, "none") == 0 || strcmp(s, "uncompressed") == 0)
		*ret = BERTH_LAYER_UNCOMPRESSED;
	else
		return berth_error_set(err, EINVAL, "unknown compression '%s' (gzip, zstd or none)",
				       s);
	return 0;
}

const char *berth_layer_compression_media_type(enum berth_layer_compression c)
{
	switch (c) {
	case BERTH_LAYER_ZSTD:
		return BERTH_MEDIA_TYPE_LAYER_ZSTD;
	case BERTH_LAYER_UNCOMPRESSED:
		return BERTH_MEDIA_TYPE_LAYER_TAR;
	case BERTH_LAYER_GZIP:
	default:
		return BERTH_MEDIA_TYPE_LAYER_GZIP;
	}
}

void berth_layer_write_options_default(struct berth_layer_write_options *o)
{
	*o = (struct berth_layer_write_options){.compression = BERTH_LAYER_GZIP};
}

int berth_layer_sink_fd(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	return berth_write_all(*(int *)ctx, data, len, err);
}

/*
 * Compressed bytes: hash them (the blob digest) and hand them to the sink.
 * An uncompressed blob is the tar, whose hash is the diffID already.
 */
static int to_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	struct berth_layer_writer *w = ctx;
	if (w->blob_hash)
		berth_sha256_update(w->blob_hash, data, len);
	w->size += len;
	return w->sink(w->sink_ctx, data, len, err);
}

/* Tar bytes from libarchive: the diffID hash, then the compressor. */
static la_ssize_t on_write(struct archive *a, void *ctx, const void *data, size_t len)
{
	struct berth_layer_writer *w = ctx;
	berth_sha256_update(w->tar_hash, data, len);
	w->tar_size += len;
	int r = layer_compressor_write(w->comp, data, len, &w->cb_err);
	if (r < 0) {
		archive_set_error(a, -r, "%s", berth_error_msg(w->cb_err));
		return -1;
	}
	return (la_ssize_t)len;
}

/* The error of a failed archive_* call: the callback's own, else libarchive's. */
static int archive_fail(struct berth_layer_writer *w, struct berth_error **err, const char *what,
			const char *path)
{
	if (w->cb_err) {
		int code = berth_error_code(w->cb_err);
		if (err) {
			berth_error_free(err);
			*err = TAKE_PTR(w->cb_err);
			berth_error_prefix(err, "%s '%s'", what, path);
		}
		return BERTH_ERROR_NEGATIVE(-code);
	}
	int code = archive_errno(w->a);
	if (code <= 0)
		code = EIO;
	return berth_error_set(err, code, "%s '%s': %s", what, path,
			       archive_error_string(w->a) ? archive_error_string(w->a)
							  : "libarchive error");
}

int berth_layer_writer_new(const struct berth_layer_write_options *o, berth_layer_sink_fn sink,
			   void *sink_ctx, struct berth_layer_writer **ret,
			   struct berth_error **err)
{
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w =
		berth_xcalloc(1, sizeof(*w));
	int r;

	w->opts = *o;
	w->sink = sink;
	w->sink_ctx = sink_ctx;
	w->tar_hash = berth_sha256_new();
	if (o->compression != BERTH_LAYER_UNCOMPRESSED)
		w->blob_hash = berth_sha256_new();
	w->buf = berth_xmalloc(READ_CHUNK);
	r = layer_compressor_new(o->compression, o->level, to_sink, w, &w->comp, err);
	if (r < 0)
		return r;

	w->a = archive_write_new();
	if (!w->a)
		berth_oom();
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_options(w->a, "xattrheader=SCHILY,hdrcharset=BINARY") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK)
		return berth_error_set(err, EINVAL, "set up tar writer: %s",
				       archive_error_string(w->a));
	if (archive_write_open2(w->a, w, NULL, on_write, NULL, NULL) != ARCHIVE_OK)
		return archive_fail(w, err, "open", "tar writer");

	w->lr = archive_entry_linkresolver_new();
	if (!w->lr)
		berth_oom();
	archive_entry_linkresolver_set_strategy(w->lr, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	*ret = TAKE_PTR(w);
	return 0;
}

void berth_layer_writer_free(struct berth_layer_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	if (w->lr)
		archive_entry_linkresolver_free(w->lr);
	layer_compressor_free(w->comp);
	berth_sha256_free(w->tar_hash);
	berth_sha256_free(w->blob_hash);
	berth_error_free(&w->cb_err);
	berth_strv_free(w->emitted_dirs);
	berth_blob_writer_abort(w->blob);
	free(w->buf);
	free(w);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The xattrs a layer keeps, sorted by name so the tar is reproducible:
 * user.*, security.capability and other security.* but selinux labels
 * (they belong to the host). Overlay's own (trusted.overlay.*) and other
 * trusted.* / system.* are dropped. fd must be a real open fd (not O_PATH).
 */
static int add_xattrs(struct archive_entry *e, int fd, const char *path, struct berth_error **err)
{
	char list[XATTR_LIST_MAX_BYTES];
	ssize_t n = flistxattr(fd, list, sizeof(list));
	if (n < 0) {
		if (errno == ENOTSUP || errno == EOPNOTSUPP)
			return 0;
		return berth_error_syscall(err, errno, "list xattrs of '%s'", path);
	}
	_cleanup_free_ char **names = NULL;
	size_t count = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		const char *name = list + i;
		bool keep =
			strncmp(name, "user.", 5) == 0 || (strncmp(name, "security.", 9) == 0 &&
							   strcmp(name, "security.selinux") != 0);
		if (!keep)
			continue;
		names = berth_xreallocarray(names, count + 1, sizeof(*names));
		names[count++] = list + i;
	}
	if (count == 0)
		return 0;
	berth_qsort(names, count, sizeof(*names), name_cmp);
	for (size_t i = 0; i < count; i++) {
		char value[XATTR_SIZE_MAX > 65536 ? 65536 : XATTR_SIZE_MAX];
		ssize_t vl = fgetxattr(fd, names[i], value, sizeof(value));
		if (vl < 0) {
			if (errno == ENODATA)
				continue;
			return berth_error_syscall(err, errno, "read xattr '%s' of '%s'", names[i],
						   path);
		}
		archive_entry_xattr_add_entry(e, names[i], value, (size_t)vl);
	}
	return 0;
}

static bool is_opaque(int dir_fd)
{
	char v[4];
	ssize_t n = fgetxattr(dir_fd, "trusted.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/*
 * Names go in as the bytes on disk: with hdrcharset=BINARY libarchive does
 * no locale conversion, so the same tree gives the same tar under any
 * locale (and names that are not UTF-8 survive).
 */
static void set_name(struct archive_entry *e, const char *name,
		     void (*raw)(struct archive_entry *, const char *))
{
	raw(e, name);
}

static void set_mtime(const struct berth_layer_writer *w, struct archive_entry *e,
		      const struct stat *st)
{
	int64_t s = st->st_mtim.tv_sec;
	long ns = st->st_mtim.tv_nsec;
	if (w->opts.clamp_mtime && s >= w->opts.source_date_epoch) {
		s = w->opts.source_date_epoch;
		ns = 0;
	}
	archive_entry_set_mtime(e, (time_t)s, ns);
}

static int write_header(struct berth_layer_writer *w, struct archive_entry *e, const char *path,
			struct berth_error **err)
{
	if (archive_write_header(w->a, e) < ARCHIVE_WARN)
		return archive_fail(w, err, "write tar header of", path);
	return 0;
}

/* Streams the file's bytes; a size change during the read is an error, not a torn entry. */
static int write_data(struct berth_layer_writer *w, int fd, uint64_t size, const char *path,
		      struct berth_error **err)
{
	uint64_t done = 0;
	for (;;) {
		ssize_t n = read(fd, w->buf, READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_syscall(err, errno, "read '%s'", path);
		}
		if (n == 0)
			break;
		if (done + (uint64_t)n > size)
			return berth_error_set(err, EBUSY, "file '%s' grew while it was read",
					       path);
		la_ssize_t wn = archive_write_data(w->a, w->buf, (size_t)n);
		if (wn < 0 || (size_t)wn != (size_t)n)
			return archive_fail(w, err, "write tar data of", path);
		done += (uint64_t)n;
	}
	if (done != size)
		return berth_error_set(err, EBUSY, "file '%s' shrank while it was read", path);
	return 0;
}

/*
 * One entry. dir_fd/name is the node (never followed); fd, when >= 0, is
 * that node opened for reading (regular file or directory). dest is its
 * path in the layer.
 */
static int add_node(struct berth_layer_writer *w, int fd, const struct stat *st, int dir_fd,
		    const char *name, const char *dest, const struct override *ov,
		    struct berth_error **err)
{
	struct archive_entry *e = archive_entry_new();
	struct archive_entry *spare = NULL;
	int r = 0;

	if (!e)
		berth_oom();
	if (w->opts.name_prefix) {
		_cleanup_free_ char *named = berth_xasprintf("%s%s", w->opts.name_prefix, dest);
		set_name(e, named, archive_entry_set_pathname);
	} else {
		set_name(e, dest, archive_entry_set_pathname);
	}
	archive_entry_set_mode(e, st->st_mode);
	if (ov && ov->set_mode)
		archive_entry_set_perm(e, ov->mode & 07777);
	archive_entry_set_uid(e, ov && ov->set_owner ? ov->uid : st->st_uid);
	archive_entry_set_gid(e, ov && ov->set_owner ? ov->gid : st->st_gid);
	set_mtime(w, e, st);

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		archive_entry_set_size(e, st->st_size);
		break;
	case S_IFLNK: {
		/* a symlink is never opened: every caller names it by dir_fd/name */
		assert(name);
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(dir_fd, name, target, sizeof(target));
		if (n < 0) {
			r = berth_error_syscall(err, errno, "readlink '%s'", dest);
			goto out;
		}
		if ((size_t)n >= sizeof(target)) {
			r = berth_error_set(err, ENAMETOOLONG, "symlink '%s' target too long",
					    dest);
			goto out;
		}
		target[n] = 0;
		set_name(e, target, archive_entry_set_symlink);
		break;
	}
	case S_IFCHR:
	case S_IFBLK:
		archive_entry_set_rdevmajor(e, major(st->st_rdev));
		archive_entry_set_rdevminor(e, minor(st->st_rdev));
		break;
	default:
		break;
	}

	if (fd >= 0) {
		r = add_xattrs(e, fd, dest, err);
		if (r < 0)
			goto out;
	}

	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1) {
		archive_entry_set_dev(e, st->st_dev);
		archive_entry_set_ino64(e, (int64_t)st->st_ino);
		archive_entry_set_nlink(e, (unsigned)st->st_nlink);
		archive_entry_linkify(w->lr, &e, &spare);
	}
	r = write_header(w, e, dest, err);
	if (r < 0)
		goto out;
	if (S_ISREG(st->st_mode) && !archive_entry_hardlink(e) && fd >= 0) {
		r = write_data(w, fd, (uint64_t)st->st_size, dest, err);
		if (r < 0)
			goto out;
	}
	if (archive_write_finish_entry(w->a) < ARCHIVE_WARN)
		r = archive_fail(w, err, "finish tar entry", dest);
out:
	archive_entry_free(e);
	if (spare)
		archive_entry_free(spare);
	return r;
}

/* A `.wh.<name>` or `.wh..wh..opq` entry: an empty regular file, root-owned, mode 0. */
static int add_whiteout(struct berth_layer_writer *w, const char *dest, const struct stat *st,
			struct berth_error **err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		berth_oom();
	set_name(e, dest, archive_entry_set_pathname);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_size(e, 0);
	set_mtime(w, e, st);
	int r = write_header(w, e, dest, err);
	if (r >= 0 && archive_write_finish_entry(w->a) < ARCHIVE_WARN)
		r = archive_fail(w, err, "finish tar entry", dest);
	archive_entry_free(e);
	return r;
}

static char *join(const char *prefix, const char *name)
{
	if (!prefix || !*prefix)
		return berth_xstrdup(name);
	return berth_xasprintf("%s/%s", prefix, name);
}

/* The names of a directory, sorted bytewise: the order entries go into the tar. */
static int list_sorted(int dir_fd, const char *path, char ***ret, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(dir_fd, ".");
	if (!d)
		return berth_error_syscall(err, errno, "open directory '%s'", path);
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		berth_strv_push(&names, de->d_name);
		errno = 0;
	}
	if (errno)
		return berth_error_syscall(err, errno, "read directory '%s'", path);
	if (names)
		berth_strv_sort(names);
	*ret = TAKE_PTR(names);
	return 0;
}

static int add_dir_contents(struct berth_layer_writer *w, int dir_fd, const char *dest,
			    enum walk_kind kind, const struct override *ov, unsigned depth,
			    struct berth_error **err);

/*
 * Adds dir_fd/name (a node of the walked tree) and, for a directory, what
 * is below it. Nothing is followed: the node is opened with O_NOFOLLOW and
 * checked to be what lstat said, so a swap during the walk is an error.
 */
static int add_child(struct berth_layer_writer *w, int dir_fd, const char *name, const char *dest,
		     enum walk_kind kind, const struct override *ov, unsigned depth,
		     struct berth_error **err)
{
	struct stat st;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_syscall(err, errno, "stat '%s'", dest);

	switch (st.st_mode & S_IFMT) {
	case S_IFSOCK:
		return 0; /* sockets cannot be carried in a layer */
	case S_IFCHR:
		if (kind == WALK_UPPER && st.st_rdev == makedev(0, 0)) {
			_cleanup_free_ char *wh = NULL;
			const char *slash = strrchr(dest, '/');
			if (slash)
				wh = berth_xasprintf("%.*s/.wh.%s", (int)(slash - dest), dest,
						     slash + 1);
			else
				wh = berth_xasprintf(".wh.%s", dest);
			return add_whiteout(w, wh, &st, err);
		}
		return add_node(w, -EBADF, &st, dir_fd, name, dest, ov, err);
	case S_IFREG:
		fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", dest);
		if (fstat(fd, &st) < 0)
			return berth_error_syscall(err, errno, "stat '%s'", dest);
		if (!S_ISREG(st.st_mode))
			return berth_error_set(err, EBUSY, "'%s' changed while it was read", dest);
		return add_node(w, fd, &st, dir_fd, name, dest, ov, err);
	case S_IFDIR:
		if (depth >= MAX_DEPTH)
			return berth_error_set(err, ELOOP, "directory '%s' is nested too deep",
					       dest);
		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open directory '%s'", dest);
		if (fstat(fd, &st) < 0)
			return berth_error_syscall(err, errno, "stat '%s'", dest);
		r = add_node(w, fd, &st, dir_fd, name, dest, ov, err);
		if (r < 0)
			return r;
		if (kind == WALK_UPPER && is_opaque(fd)) {
			_cleanup_free_ char *opq = join(dest, ".wh..wh..opq");
			r = add_whiteout(w, opq, &st, err);
			if (r < 0)
				return r;
		}
		return add_dir_contents(w, fd, dest, kind, ov, depth + 1, err);
	default:
		return add_node(w, -EBADF, &st, dir_fd, name, dest, ov, err);
	}
}

static int add_dir_contents(struct berth_layer_writer *w, int dir_fd, const char *dest,
			    enum walk_kind kind, const struct override *ov, unsigned depth,
			    struct berth_error **err)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = list_sorted(dir_fd, dest && *dest ? dest : ".", &names, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (n, names) {
		_cleanup_free_ char *child = join(dest, *n);
		r = add_child(w, dir_fd, *n, child, kind, ov, depth, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Cleans a destination from a caller: no leading/trailing/double slashes, verified. */
static int clean_dest(const char *in, char **ret, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		if (!(e - p == 1 && p[0] == '.')) {
			if (b.len)
				berth_buf_addch(&b, '/');
			berth_buf_add(&b, p, (size_t)(e - p));
		}
		p = e;
	}
	if (b.len) {
		int r = berth_verify_path(b.buf, err);
		if (r < 0)
			return r;
	}
	*ret = berth_buf_detach(&b, NULL);
	return 0;
}

int berth_layer_writer_add_tree(struct berth_layer_writer *w, int dir_fd, const char *dest_prefix,
				struct berth_error **err)
{
	_cleanup_free_ char *prefix = NULL;
	int r = clean_dest(dest_prefix ? dest_prefix : "", &prefix, err);
	if (r < 0)
		return r;
	r = add_dir_contents(w, dir_fd, prefix, WALK_TREE, NULL, 0, err);
	return r < 0 ? berth_error_prefix(err, "add tree to layer") : 0;
}

int berth_layer_writer_add_upper(struct berth_layer_writer *w, int upper_fd,
				 struct berth_error **err)
{
	int r = add_dir_contents(w, upper_fd, "", WALK_UPPER, NULL, 0, err);
	return r < 0 ? berth_error_prefix(err, "add overlay upper dir to layer") : 0;
}

struct sorted_entry {
	const struct berth_layer_entry *e;
	char *dest;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sorted_entry *)a)->dest,
		      ((const struct sorted_entry *)b)->dest);
}

/* Adds the parents of dest not added yet, as root-owned 0755 directories. */
static int add_parents(struct berth_layer_writer *w, const char *dest, const struct stat *like,
		       struct berth_error **err)
{
	for (const char *s = strchr(dest, '/'); s; s = strchr(s + 1, '/')) {
		_cleanup_free_ char *parent = berth_xstrndup(dest, (size_t)(s - dest));
		if (berth_strv_contains(w->emitted_dirs, parent))
			continue;
		struct stat st = {.st_mode = S_IFDIR | 0755, .st_mtim = like->st_mtim};
		int r = add_node(w, -EBADF, &st, -EBADF, NULL, parent, NULL, err);
		if (r < 0)
			return r;
		berth_strv_push(&w->emitted_dirs, parent);
	}
	return 0;
}

static int add_one_entry(struct berth_layer_writer *w, const struct berth_layer_entry *e,
			 const char *dest, struct berth_error **err)
{
	struct override ov = {
		.set_owner = e->set_owner,
		.uid = e->uid,
		.gid = e->gid,
		.set_mode = e->set_mode,
		.mode = e->mode,
	};
	/*
	 * The source is resolved beneath its directory, following symlinks as
	 * BuildKit does for COPY sources: an escape is EXDEV, not a clamp.
	 */
	_cleanup_close_ int pfd = berth_open_beneath(
		e->src_dir_fd, e->src_path, O_PATH | (e->nofollow ? O_NOFOLLOW : 0), 0, err);
	if (pfd < 0)
		return berth_error_prefix(err, "copy source '%s'", e->src_path);
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return berth_error_syscall(err, errno, "stat '%s'", e->src_path);
	int r = add_parents(w, dest, &st, err);
	if (r < 0)
		return r;
	/* The node is addressed as (pfd, "") with AT_EMPTY_PATH-capable calls, or reopened. */
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open directory '%s'", e->src_path);
		if (!berth_strv_contains(w->emitted_dirs, dest)) {
			r = add_node(w, fd, &st, -EBADF, NULL, dest, &ov, err);
			if (r < 0)
				return r;
			berth_strv_push(&w->emitted_dirs, dest);
		}
		return add_dir_contents(w, fd, dest, WALK_TREE, &ov, 0, err);
	}
	if (S_ISREG(st.st_mode)) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		_cleanup_close_ int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", e->src_path);
		if (fstat(fd, &st) < 0)
			return berth_error_syscall(err, errno, "stat '%s'", e->src_path);
		st.st_nlink = 1; /* a COPY source is its own file, not a link to others */
		return add_node(w, fd, &st, -EBADF, NULL, dest, &ov, err);
	}
	if (S_ISSOCK(st.st_mode))
		return 0;
	/* Symlinks and special files: readlinkat(pfd, "") reads the O_PATH symlink itself. */
	st.st_nlink = 1;
	return add_node(w, -EBADF, &st, pfd, "", dest, &ov, err);
}

int berth_layer_writer_add_entries(struct berth_layer_writer *w,
				   const struct berth_layer_entry *entries, size_t n,
				   struct berth_error **err)
{
	_cleanup_free_ struct sorted_entry *v = berth_xcalloc(n ? n : 1, sizeof(*v));
	int r = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		v[i].e = &entries[i];
		r = clean_dest(entries[i].dest, &v[i].dest, err);
		if (r < 0)
			goto out;
		if (!*v[i].dest) {
			r = berth_error_set(err, EINVAL, "copy destination '%s' is the layer root",
					    entries[i].dest);
			goto out;
		}
	}
	berth_qsort(v, n, sizeof(*v), entry_cmp);
	for (i = 0; i + 1 < n; i++)
		if (strcmp(v[i].dest, v[i + 1].dest) == 0) {
			r = berth_error_set(err, EEXIST, "two copy sources for '%s'", v[i].dest);
			goto out;
		}
	for (i = 0; i < n; i++) {
		r = add_one_entry(w, v[i].e, v[i].dest, err);
		if (r < 0) {
			berth_error_prefix(err, "add '%s' to layer", v[i].dest);
			goto out;
		}
	}
out:
	for (i = 0; i < n; i++)
		free(v[i].dest);
	return r;
}

int berth_layer_writer_finish(struct berth_layer_writer *w, struct berth_layer_info *ret,
			      struct berth_error **err)
{
	if (w->finished)
		return berth_error_set(err, EINVAL, "layer writer already finished");
	w->finished = true;
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return archive_fail(w, err, "close", "tar writer");
	int r = layer_compressor_finish(w->comp, err);
	if (r < 0)
		return berth_error_prefix(err, "finish layer compression");
	struct berth_layer_info info = {
		.size = w->size,
		.tar_size = w->tar_size,
		.media_type = berth_layer_compression_media_type(w->opts.compression),
	};
	berth_sha256_final(w->tar_hash, &info.diff_id);
	if (w->blob_hash)
		berth_sha256_final(w->blob_hash, &info.digest);
	else
		info.digest = info.diff_id;
	if (w->blob) {
		/* the store hashes what it got too: both must agree */
		r = berth_blob_writer_commit(TAKE_PTR(w->blob), &info.digest, NULL, NULL, err);
		if (r < 0)
			return berth_error_prefix(err, "store layer blob");
		r = berth_layer_size_record(w->store_fd, &info.diff_id, info.tar_size, err);
		if (r < 0)
			return r;
	}
	*ret = info;
	return 0;
}

int berth_layer_writer_new_store(struct berth_store *s, const struct berth_layer_write_options *o,
				 struct berth_layer_writer **ret, struct berth_error **err)
{
	struct berth_blob_writer *blob = NULL;
	int r = berth_store_blob_begin(s, &blob, err);
	if (r < 0)
		return r;
	struct berth_layer_writer *w = NULL;
	r = berth_layer_writer_new(o, berth_blob_writer_sink, blob, &w, err);
	if (r < 0) {
		berth_blob_writer_abort(blob);
		return r;
	}
	w->blob = blob;
	w->store_fd = berth_store_root_fd(s);
	*ret = w;
	return 0;
}
