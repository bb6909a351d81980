/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the files of src/libberth/layer; not part of the public API. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "core/error.h"
#include "layer/layer.h"

/*
 * The compression stage of a layer writer: push-style, compressed bytes go
 * to sink. An adapter over core/compress.h so write.c does not depend on
 * its details.
 */
struct layer_compressor;
int layer_compressor_new(enum berth_layer_compression c, int level, berth_layer_sink_fn sink,
			 void *ctx, struct layer_compressor **ret, struct berth_error **err);
int layer_compressor_write(struct layer_compressor *c, const void *data, size_t len,
			   struct berth_error **err);
int layer_compressor_finish(struct layer_compressor *c, struct berth_error **err);
void layer_compressor_free(struct layer_compressor *c);

/*
 * The decompression stage of an unpack: pull-style over fd, compression
 * detected from the first bytes. read returns bytes > 0, 0 at the end, -errno.
 */
struct layer_decompressor;
int layer_decompressor_new(int fd, struct layer_decompressor **ret, struct berth_error **err);
ssize_t layer_decompressor_read(struct layer_decompressor *d, void *buf, size_t len,
				struct berth_error **err);
void layer_decompressor_free(struct layer_decompressor *d);

/* mkdirat (when create) + open of dir_fd/name as an O_PATH directory fd, never following a symlink. */
int layer_open_subdir(int dir_fd, const char *name, bool create, struct berth_error **err);
/* The absolute path of fd (from /proc/self/fd), for overlay options. */
int layer_fd_path(int fd, char **ret, struct berth_error **err);

/* A berth_layer_open_fn over the blobs of a store: ctx is a struct layer_store_blobs. */
struct berth_store;
struct layer_store_blobs {
	struct berth_store *s;
	const struct berth_digest *blobs;
};
int layer_open_store_blob(void *ctx, size_t i, struct berth_error **err);

/*
 * Opens and flocks layers/<hex>.lock (op: LOCK_SH or LOCK_EX, maybe |
 * LOCK_NB), retrying when a gc unlinked the file while we waited; returns
 * the fd, or -EWOULDBLOCK (no message) when LOCK_NB finds it busy.
 */
int layer_lock(int layers_fd, const char *hex, int op, struct berth_error **err);
/* Removes layers/<hex>/, its .tmp- leftovers and its lock file; the caller holds the lock exclusively. */
int layer_cache_remove_locked(int layers_fd, const char *hex, struct berth_error **err);
/* verify.c: writes layer_fd/files, the listing of the unpacked tree diff_fd. */
int layer_write_files(int layer_fd, int diff_fd, struct berth_error **err);
/* gc.c: whether s[0, len) is 64 lowercase hex digits (a chain ID's hex). */
bool layer_is_hex64(const char *s, size_t len);
/* layers/mnt/<image-id-hex>.chains: the chain IDs of a mounted image, one per line. */
#define LAYER_MOUNT_CHAINS_SUFFIX ".chains"

/*
 * filedata.c: one data block of an unpacked file at off, blocks of zeros
 * skipped (left as holes); raw names the entry in messages.
 */
int layer_write_block(int fd, const char *p, size_t len, off_t off, const char *raw,
		      struct berth_error **err);

/*
 * filedata.c: files of an earlier layer on the same parent, linked instead of
 * written again when their bytes and metadata are the same.
 * layer_reuse_dir: the diff dir (an fd) of the newest complete layer other
 * than self_hex recorded in layers/<parent_hex>/children, or -EBADF.
 * layer_reuse_record: puts child_hex first in that record (a hint).
 */
int layer_reuse_dir(int layers_fd, const char *parent_hex, const char *self_hex);
void layer_reuse_record(int layers_fd, const char *parent_hex, const char *child_hex);

/* Files at least this big are compared with the earlier layer's; smaller ones are written. */
#define LAYER_REUSE_MIN (64 * 1024)

/* What an unpacked regular file must be to be reused. */
struct layer_reuse_want {
	off_t size;
	mode_t mode; /* permission bits */
	bool check_owner;
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
};
/* name beneath dir_fd opened when it is a regular file as want says, without xattrs; else -EBADF. */
int layer_reuse_open(int dir_fd, const char *name, const struct layer_reuse_want *want);
/* Whether fd holds exactly data[0, len) at off. */
bool layer_reuse_same(int fd, const void *data, size_t len, off_t off);
/* Copies [0, len) of src_fd to dst_fd (the part found equal before a difference). */
int layer_reuse_copy_prefix(int src_fd, int dst_fd, off_t len, struct berth_error **err);
/* Hard links the file open as fd as dir_fd/name; 0 or -errno (the caller then writes it). */
int layer_reuse_link(int fd, int dir_fd, const char *name);

/*
 * filedata.c: the files an unpack wrote, held (at most LAYER_WRITEBACK_MAX
 * at a time: then the held ones are waited for) with their writeback
 * started; wait waits for it. Only where layer_writeback_targeted(fd) says
 * a later fsync then makes them durable (ext4, XFS); else syncfs.
 */
#define LAYER_WRITEBACK_MAX 256
/* ext4 keeps a shorter symlink target in the inode; a longer one is data: then syncfs */
#define LAYER_INLINE_SYMLINK_MAX 60
struct layer_writeback {
	int fds[LAYER_WRITEBACK_MAX];
	size_t n;
	bool need_syncfs; /* something written is not in fds */
};
bool layer_writeback_targeted(int fd);
int layer_writeback_add(struct layer_writeback *wb, int fd, struct berth_error **err);
int layer_writeback_wait(struct layer_writeback *wb, struct berth_error **err);
void layer_writeback_release(struct layer_writeback *wb);

/*
 * berth_layer_unpack that reuses files from reuse_dir_fd (an earlier layer's
 * diff dir, or -EBADF): the reused bytes are added to ret->reused_bytes;
 * every file it writes goes to wb (when not NULL).
 */
int layer_unpack_reusing(int fd, int root_fd, unsigned flags,
			 const struct berth_digest *expect_diff_id, int reuse_dir_fd,
			 struct layer_writeback *wb, struct berth_layer_unpack_stats *ret,
			 struct berth_error **err);

/*
 * berth_layer_cache_ensure of a layer unpacked on top of parent (NULL for a
 * base layer): files it shares with the last layer unpacked on the same
 * parent are linked from it (filedata.c).
 */
int layer_cache_ensure_on(int store_fd, const struct berth_digest *parent,
			  const struct berth_digest *chain_id, const struct berth_digest *diff_id,
			  int blob_fd, unsigned flags, char **ret_path, struct berth_error **err);
