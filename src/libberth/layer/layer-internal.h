/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the files of src/libberth/layer; not part of the public API. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
/* layers/mnt/<image-id-hex>.chains: the chain IDs of a mounted image, one per line. */
#define LAYER_MOUNT_CHAINS_SUFFIX ".chains"
