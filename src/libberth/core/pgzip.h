/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Parallel gzip of a file, in pigz's layout: the input is cut into 1 MiB
 * blocks, each compressed on its own (libdeflate level 1, raw deflate,
 * made to end non-final on a byte boundary as zlib's sync flush ends) by a
 * pool of threads, and the blocks are written in order as one ordinary
 * gzip member (one header, one deflate stream, one CRC-32). Data that does
 * not compress is stored instead: a block whose first 64 KiB level 1
 * shrinks by less than 1/32 is written as stored deflate blocks (a copy).
 * Every decision is a function of the block's bytes alone, so the output
 * is the same bytes for any thread count, on any machine with the same
 * libdeflate.
 */

#include <stdint.h>

#include "core/compress.h"
#include "core/error.h"

#define BERTH_PGZIP_BLOCK  (1u << 20)
#define BERTH_PGZIP_SAMPLE (64u << 10)

/* What a compression did (for tests and --debug). */
struct berth_pgzip_stats {
	uint64_t bytes_in, bytes_out;
	uint64_t blocks, stored_blocks;
};

/*
 * Reads fd to its end and writes the gzip stream to sink(ctx, ...), in
 * order. threads 0: the online CPUs, at most 8. ret_stats may be NULL.
 */
int berth_pgzip_fd(int fd, unsigned threads, berth_sink_fn sink, void *ctx,
		   struct berth_pgzip_stats *ret_stats, struct berth_error **err);
