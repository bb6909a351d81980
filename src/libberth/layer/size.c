/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's size of a layer: the bytes of its uncompressed tar, the content
 * its diff ID names, whatever compression its blob has. It is a function of
 * the diff ID alone, so it is recorded once per diff ID as
 * cache/layer-sizes/<hex> (a decimal number) below the store root: when a layer
 * is written or unpacked, else measured from its blob the first time it is
 * asked for. Listing images then decompresses nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "layer/layer-internal.h"
#include "layer/layer.h"
#include "store/store.h"

#define SIZES_DIR "layer-sizes"

static int sizes_dir(int store_fd, bool create, struct berth_error **err)
{
	_cleanup_close_ int cache_fd = layer_open_subdir(store_fd, "cache", create, err);
	if (cache_fd < 0)
		return cache_fd;
	return layer_open_subdir(cache_fd, SIZES_DIR, create, err);
}

int berth_layer_size_record(int store_fd, const struct berth_digest *diff_id, uint64_t size,
			    struct berth_error **err)
{
	_cleanup_close_ int fd = sizes_dir(store_fd, true, err);
	if (fd < 0)
		return fd;
	char hex[65], text[32];
	berth_digest_hex(diff_id, hex);
	int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", size);
	return berth_write_file_atomic(fd, hex, text, (size_t)n, 0644, err);
}

/* The recorded size; -ENOENT (no message) when none is, -EBADMSG for a damaged record. */
static int size_lookup(int store_fd, const struct berth_digest *diff_id, uint64_t *ret,
		       struct berth_error **err)
{
	_cleanup_close_ int fd = sizes_dir(store_fd, false, NULL);
	if (fd < 0)
		return -ENOENT;
	char hex[65];
	berth_digest_hex(diff_id, hex);
	_cleanup_free_ char *text = NULL;
	struct berth_error *e = NULL;
	int r = berth_read_file_at(fd, hex, 32, &text, NULL, &e);
	if (r < 0) {
		berth_error_free(&e);
		return -ENOENT;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || *end != '\n' || text[0] == '-')
		return berth_error_set(err, EBADMSG, "layer size record '%s' is damaged", hex);
	*ret = (uint64_t)v;
	return 0;
}

/* Decompresses the blob, checking that its tar is diff_id, and counts the tar's bytes. */
static int measure_blob(int blob_fd, const struct berth_digest *diff_id, uint64_t *ret,
			struct berth_error **err)
{
	struct layer_decompressor *d = NULL;
	int r = layer_decompressor_new(blob_fd, &d, err);
	if (r < 0)
		return r;
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	_cleanup_free_ char *buf = berth_xmalloc(1 << 16);
	uint64_t total = 0;
	for (;;) {
		ssize_t n = layer_decompressor_read(d, buf, 1 << 16, err);
		if (n < 0) {
			layer_decompressor_free(d);
			return (int)n;
		}
		if (n == 0)
			break;
		berth_sha256_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	layer_decompressor_free(d);
	struct berth_digest got;
	berth_sha256_final(h, &got);
	if (!berth_digest_eq(&got, diff_id)) {
		char want[BERTH_DIGEST_STRLEN + 1];
		return berth_error_set(err, EBADMSG, "layer %s: its blob's tar has another digest",
				       berth_digest_fmt(diff_id, want));
	}
	*ret = total;
	return 0;
}

int berth_layer_store_tar_size(struct berth_store *s, const struct berth_digest *diff_id,
			       const struct berth_digest *blob, uint64_t *ret,
			       struct berth_error **err)
{
	int store_fd = berth_store_root_fd(s);
	int r = size_lookup(store_fd, diff_id, ret, err);
	if (r != -ENOENT)
		return r;
	_cleanup_close_ int fd = -EBADF;
	uint64_t size = 0;
	r = berth_store_blob_open(s, blob, &fd, &size, err);
	if (r < 0)
		return r;
	/* an uncompressed blob is its tar: named by its hash when the store wrote it */
	if (!berth_digest_eq(blob, diff_id))
		r = measure_blob(fd, diff_id, &size, err);
	if (r < 0)
		return r;
	/* a cache: a store we cannot write to only measures again next time */
	(void)berth_layer_size_record(store_fd, diff_id, size, NULL);
	*ret = size;
	return 0;
}
