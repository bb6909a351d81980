/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Streaming compression for layers: a push-style compressor that hands its
 * output to a sink callback, and a pull-style reader that detects gzip or
 * zstd by magic bytes and decompresses (or passes plain data through).
 *
 * gzip goes through zlib (streaming); zstd through libzstd's streaming API.
 * A compressed stream that ends before its end marker is -EBADMSG, never a
 * silent short read. Multi-member gzip and multi-frame zstd are read whole.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

enum berth_compression {
	BERTH_COMPRESSION_NONE,
	BERTH_COMPRESSION_GZIP,
	BERTH_COMPRESSION_ZSTD,
};

/* "none", "gzip" or "zstd". */
const char *berth_compression_name(enum berth_compression c);

/* Parses "none"/"gzip"/"zstd" (also "uncompressed"); -EINVAL otherwise. */
int berth_compression_from_name(const char *name, enum berth_compression *ret,
				struct berth_error **err);

/* What the first n bytes of a stream look like (NONE when neither magic matches). */
enum berth_compression berth_compression_detect(const void *head, size_t n);

/*
 * Where a compressor's output goes. Returns >= 0 or -errno with *err set;
 * an error stops the compressor and is returned by the call that wrote.
 */
typedef int (*berth_sink_fn)(void *ctx, const void *data, size_t len, struct berth_error **err);

struct berth_compressor;

/*
 * A compressor writing c-compressed data to sink(ctx, ...). level -1 is the
 * library default (gzip 6, zstd 3). NONE passes the data through unchanged.
 * The compressor is owned by the caller (berth_compressor_free).
 */
int berth_compressor_new(enum berth_compression c, int level, berth_sink_fn sink, void *ctx,
			 struct berth_compressor **ret, struct berth_error **err);
int berth_compressor_write(struct berth_compressor *c, const void *data, size_t len,
			   struct berth_error **err);
/*
 * zstd: compress on threads workers (0: the online CPUs, at most 8) in
 * jobs of 4 MiB; libzstd's output is then the same for any count >= 1
 * (but not the same as with none). Before the first write. A libzstd
 * built without threads stays on the caller's. gzip and none: nothing.
 */
int berth_compressor_set_threads(struct berth_compressor *c, unsigned threads,
				 struct berth_error **err);
/* Flushes the end of the stream to the sink; no write after it. */
int berth_compressor_finish(struct berth_compressor *c, struct berth_error **err);
/* Uncompressed bytes written so far. */
uint64_t berth_compressor_bytes_in(const struct berth_compressor *c);
void berth_compressor_free(struct berth_compressor *c);
static inline void berth_compressor_freep(struct berth_compressor **c)
{
	if (*c)
		berth_compressor_free(*c);
	*c = NULL;
}

struct berth_decompress_reader;

/*
 * A reader over fd (borrowed: it is not closed, and must stay open while the
 * reader is used). The kind is detected from the first bytes; plain data is
 * passed through. Opening reads from fd (the magic bytes), so it can fail.
 */
int berth_decompress_reader_open(int fd, struct berth_decompress_reader **ret,
				 struct berth_error **err);
/*
 * Reads up to len decompressed bytes. Returns the number read, 0 at a clean
 * end, -EBADMSG for corrupt data or a stream that ends early, other -errno
 * for read errors.
 */
ssize_t berth_decompress_reader_read(struct berth_decompress_reader *r, void *buf, size_t len,
				     struct berth_error **err);
enum berth_compression berth_decompress_reader_kind(const struct berth_decompress_reader *r);
void berth_decompress_reader_free(struct berth_decompress_reader *r);
static inline void berth_decompress_reader_freep(struct berth_decompress_reader **r)
{
	if (*r)
		berth_decompress_reader_free(*r);
	*r = NULL;
}
