/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The data of unpacked regular files: written block by block with the
 * blocks of zeros left as holes (sparse files stay sparse), or reused.
 *
 * Reuse of unpacked files across layers: when a layer is unpacked on top of
 * a parent, the layer last unpacked on top of the same parent (a rebuild of
 * the same step after one file of its context changed, a new version of an
 * image on the same base) often holds the same big files at the same names.
 * Such a file is not written again: the unpack compares the tar's bytes
 * with the earlier layer's file as it reads them and, when every byte and
 * the metadata (size, mode, owner, mtime, no xattrs) are the same, hard
 * links it. The content is compared, never trusted from stat data, so an
 * edited file is never reused, whatever its size, mtime or ctime say.
 *
 * The record: layers/<parent-hex>/children, the chain IDs unpacked on top
 * of the parent, newest first (a hint, written without fsync: a lost or
 * stale one only means a file is written instead of linked). Unpacked
 * layers are never written after they are complete (overlay lower dirs), so
 * a file linked into two of them stays what both tars say; removing one
 * layer drops one link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer-internal.h"

#define CHILDREN_MAX 4
#define CMP_CHUNK    (64 * 1024)

/* The chain hexes of layers/<parent_hex>/children, newest first (NULL-terminated, owned). */
static char **read_children(int layers_fd, const char *parent_hex)
{
	_cleanup_free_ char *name = berth_xasprintf("%s/children", parent_hex);
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (berth_read_file_at(layers_fd, name, 4096, &data, &len, NULL) < 0)
		return berth_xcalloc(1, sizeof(char *));
	char **v = berth_xcalloc(CHILDREN_MAX + 1, sizeof(char *));
	size_t n = 0;
	for (char *line = data, *nl; *line && n < CHILDREN_MAX; line = nl + 1) {
		nl = strchrnul(line, '\n');
		if (layer_is_hex64(line, (size_t)(nl - line)))
			v[n++] = berth_xstrndup(line, 64);
		if (!*nl)
			break;
	}
	return v;
}

int layer_reuse_dir(int layers_fd, const char *parent_hex, const char *self_hex)
{
	char **v = read_children(layers_fd, parent_hex);
	int fd = -EBADF;
	for (size_t i = 0; v[i] && fd < 0; i++) {
		if (strcmp(v[i], self_hex) == 0)
			continue;
		_cleanup_free_ char *marker = berth_xasprintf("%s/complete", v[i]);
		_cleanup_free_ char *diff = berth_xasprintf("%s/diff", v[i]);
		struct stat st;
		/* only a complete layer: its files are what its tar says, for good */
		if (fstatat(layers_fd, marker, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		fd = openat(layers_fd, diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			fd = -EBADF;
	}
	berth_strv_free(v);
	return fd;
}

void layer_reuse_record(int layers_fd, const char *parent_hex, const char *child_hex)
{
	char **v = read_children(layers_fd, parent_hex);
	_cleanup_free_ char *name = berth_xasprintf("%s/children", parent_hex);
	char data[CHILDREN_MAX * 65 + 1];
	size_t len = (size_t)snprintf(data, sizeof(data), "%s\n", child_hex);
	for (size_t i = 0, n = 1; v[i] && n < CHILDREN_MAX; i++) {
		if (strcmp(v[i], child_hex) == 0)
			continue;
		len += (size_t)snprintf(data + len, sizeof(data) - len, "%s\n", v[i]);
		n++;
	}
	berth_strv_free(v);
	/* a hint: not durable, and a failure (a parent being removed) is no error */
	(void)berth_write_file_replace(layers_fd, name, data, len, 0644, NULL);
}

int layer_reuse_open(int dir_fd, const char *name, const struct layer_reuse_want *want)
{
	struct berth_error *e = NULL;
	/* O_PATH first: a FIFO or a device there (a hostile layer's) is never opened for real */
	_cleanup_close_ int pfd = berth_open_in_root(dir_fd, name, O_PATH | O_NOFOLLOW, 0, &e);
	berth_error_free(&e);
	struct stat st;
	if (pfd < 0 || fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != want->size ||
	    (st.st_mode & 07777) != want->mode || st.st_mtim.tv_sec != want->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != want->mtime.tv_nsec ||
	    (want->check_owner && (st.st_uid != want->uid || st.st_gid != want->gid)))
		return -EBADF;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* the magic link: followed */
	if (fd < 0)
		return -EBADF;
	struct stat again;
	if (fstat(fd, &again) < 0 || again.st_ino != st.st_ino || again.st_dev != st.st_dev ||
	    flistxattr(fd, NULL, 0) != 0) {
		close(fd);
		return -EBADF;
	}
	return fd;
}

bool layer_reuse_same(int fd, const void *data, size_t len, off_t off)
{
	char buf[CMP_CHUNK]; /* on the stack: called per block, no allocation each time */
	const char *p = data;
	while (len > 0) {
		size_t want = len < CMP_CHUNK ? len : CMP_CHUNK;
		ssize_t n = pread(fd, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || memcmp(buf, p, (size_t)n) != 0)
			return false;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return true;
}

int layer_reuse_copy_prefix(int src_fd, int dst_fd, off_t len, struct berth_error **err)
{
	off_t in = 0, out = 0;
	while (in < len) {
		ssize_t n = copy_file_range(src_fd, &in, dst_fd, &out, (size_t)(len - in), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_syscall(err, errno,
						   "copy the unchanged start of a file");
		if (n == 0)
			return berth_error_set(err, EIO,
					       "copy the unchanged start of a file: "
					       "its source got shorter");
	}
	return 0;
}

int layer_reuse_link(int fd, int dir_fd, const char *name)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	/* the fd's inode itself: never a path that could have been swapped meanwhile */
	if (linkat(AT_FDCWD, proc, dir_fd, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

static bool all_zero(const char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int pwrite_all(int fd, const char *p, size_t n, off_t off, const char *raw,
		      struct berth_error **err)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_syscall(err, errno, "entry '%s': write", raw);
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

int layer_write_block(int fd, const char *p, size_t len, off_t off, const char *raw,
		      struct berth_error **err)
{
	size_t run_start = 0, pos = 0;
	bool in_run = false;
	int r;
	while (pos < len) {
		size_t chunk = 4096 - (size_t)(((uint64_t)off + pos) % 4096);
		if (chunk > len - pos)
			chunk = len - pos;
		if (all_zero(p + pos, chunk)) {
			if (in_run) {
				r = pwrite_all(fd, p + run_start, pos - run_start,
					       off + (off_t)run_start, raw, err);
				if (r < 0)
					return r;
				in_run = false;
			}
		} else if (!in_run) {
			run_start = pos;
			in_run = true;
		}
		pos += chunk;
	}
	if (in_run)
		return pwrite_all(fd, p + run_start, len - run_start, off + (off_t)run_start, raw,
				  err);
	return 0;
}

/*
 * The targeted sync of an unpack: instead of a syncfs (which waits for
 * every dirty page of the filesystem, other processes' too), the
 * writeback of each file the unpack wrote starts when it is written and is
 * waited for at the end; the fsync of the `complete` marker, written after,
 * then commits the journal up to it, with the cache flush that makes the
 * data written before durable. That holds where a fsync commits every
 * earlier metadata change and page writeback ends only once the file's
 * size and extents are logged: ext4 and XFS. Elsewhere: syncfs.
 */
bool layer_writeback_targeted(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return false;
	return sf.f_type == EXT4_SUPER_MAGIC || sf.f_type == XFS_SUPER_MAGIC;
}

/* Waits for the writeback of every file held, and closes them. */
static int writeback_drain(struct layer_writeback *wb, struct berth_error **err)
{
	int r = 0;
	for (size_t i = 0; i < wb->n; i++) {
		if (r >= 0 && sync_file_range(wb->fds[i], 0, 0,
					      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
						      SYNC_FILE_RANGE_WAIT_AFTER) < 0)
			r = berth_error_syscall(err, errno, "write back unpacked files");
		close(wb->fds[i]);
	}
	wb->n = 0;
	return r;
}

int layer_writeback_add(struct layer_writeback *wb, int fd, struct berth_error **err)
{
	if (wb->n == LAYER_WRITEBACK_MAX) {
		int r = writeback_drain(wb, err);
		if (r < 0)
			return r;
	}
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return berth_error_syscall(err, errno, "hold an unpacked file");
	(void)sync_file_range(d, 0, 0, SYNC_FILE_RANGE_WRITE);
	wb->fds[wb->n++] = d;
	return 0;
}

int layer_writeback_wait(struct layer_writeback *wb, struct berth_error **err)
{
	return writeback_drain(wb, err);
}

void layer_writeback_release(struct layer_writeback *wb)
{
	for (size_t i = 0; i < wb->n; i++)
		close(wb->fds[i]);
	wb->n = 0;
}
