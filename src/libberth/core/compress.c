/* SPDX-License-Identifier: Apache-2.0 */
#include "core/compress.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "core/alloc.h"
#include "core/cleanup.h"

#define CHUNK (128 * 1024)
/* zstd with workers: fixed jobs, so the frame does not depend on how many */
#define ZSTD_MAX_WORKERS 8
#define ZSTD_JOB_SIZE	 (4 << 20)

static const uint8_t gzip_magic[] = {0x1f, 0x8b};
static const uint8_t zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};

const char *berth_compression_name(enum berth_compression c)
{
	switch (c) {
	case BERTH_COMPRESSION_GZIP:
		return "gzip";
	case BERTH_COMPRESSION_ZSTD:
		return "zstd";
	case BERTH_COMPRESSION_NONE:
		break;
	}
	return "none";
}

int berth_compression_from_name(const char *name, enum berth_compression *ret,
				struct berth_error **err)
{
	if (strcmp(name, "none") == 0 || strcmp(name, "uncompressed") == 0)
		*ret = BERTH_COMPRESSION_NONE;
	else if (strcmp(name, "gzip") == 0)
		*ret = BERTH_COMPRESSION_GZIP;
	else if (strcmp(name, "zstd") == 0)
		*ret = BERTH_COMPRESSION_ZSTD;
	else
		return berth_error_set(err, EINVAL,
				       "unknown compression '%s' (use gzip, zstd or none)", name);
	return 0;
}

enum berth_compression berth_compression_detect(const void *head, size_t n)
{
	if (n >= sizeof(gzip_magic) && memcmp(head, gzip_magic, sizeof(gzip_magic)) == 0)
		return BERTH_COMPRESSION_GZIP;
	if (n >= sizeof(zstd_magic) && memcmp(head, zstd_magic, sizeof(zstd_magic)) == 0)
		return BERTH_COMPRESSION_ZSTD;
	return BERTH_COMPRESSION_NONE;
}

struct berth_compressor {
	enum berth_compression kind;
	berth_sink_fn sink;
	void *ctx;
	z_stream z;
	bool z_init;
	ZSTD_CStream *zc;
	uint8_t *out;
	uint64_t bytes_in;
	bool finished;
	int failed; /* sticky error code */
};

int berth_compressor_new(enum berth_compression c, int level, berth_sink_fn sink, void *ctx,
			 struct berth_compressor **ret, struct berth_error **err)
{
	struct berth_compressor *k = berth_xcalloc(1, sizeof(*k));
	k->kind = c;
	k->sink = sink;
	k->ctx = ctx;
	switch (c) {
	case BERTH_COMPRESSION_GZIP:
		if (level < 0)
			level = Z_DEFAULT_COMPRESSION;
		if (level > 9)
			level = 9;
		/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
		if (deflateInit2(&k->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
		    Z_OK) {
			free(k);
			return berth_error_set(err, ENOMEM, "initialise gzip compressor");
		}
		k->z_init = true;
		break;
	case BERTH_COMPRESSION_ZSTD: {
		k->zc = ZSTD_createCStream();
		if (!k->zc)
			berth_oom();
		/* a content checksum, so corruption inside a frame is caught on read */
		size_t z = ZSTD_CCtx_setParameter(k->zc, ZSTD_c_compressionLevel,
						  level < 0 ? ZSTD_CLEVEL_DEFAULT : level);
		if (!ZSTD_isError(z))
			z = ZSTD_CCtx_setParameter(k->zc, ZSTD_c_checksumFlag, 1);
		if (ZSTD_isError(z)) {
			ZSTD_freeCStream(k->zc);
			free(k);
			return berth_error_set(err, EINVAL, "initialise zstd compressor: %s",
					       ZSTD_getErrorName(z));
		}
		break;
	}
	case BERTH_COMPRESSION_NONE:
		break;
	}
	k->out = berth_xmalloc(CHUNK);
	*ret = k;
	return 0;
}

static int emit(struct berth_compressor *k, size_t n, struct berth_error **err)
{
	if (n == 0)
		return 0;
	int r = k->sink(k->ctx, k->out, n, err);
	if (r < 0)
		k->failed = -r;
	return r;
}

static int gzip_step(struct berth_compressor *k, const void *data, size_t len, int flush,
		     struct berth_error **err)
{
	k->z.next_in = (Bytef *)data;
	size_t left = len;
	for (;;) {
		/* avail_in is 32-bit: feed big buffers in slices */
		uInt slice = left > UINT_MAX / 2 ? UINT_MAX / 2 : (uInt)left;
		k->z.avail_in = slice;
		int f = (left - slice) > 0 ? Z_NO_FLUSH : flush;
		int zr;
		do {
			k->z.next_out = k->out;
			k->z.avail_out = CHUNK;
			zr = deflate(&k->z, f);
			if (zr == Z_STREAM_ERROR) {
				k->failed = EIO;
				return berth_error_set(err, EIO, "gzip compression failed");
			}
			int r = emit(k, CHUNK - k->z.avail_out, err);
			if (r < 0)
				return r;
		} while (k->z.avail_out == 0 || (f == Z_FINISH && zr != Z_STREAM_END));
		left -= slice;
		if (left == 0)
			return 0;
	}
}

static int zstd_step(struct berth_compressor *k, const void *data, size_t len, bool end,
		     struct berth_error **err)
{
	ZSTD_inBuffer in = {data, len, 0};
	for (;;) {
		ZSTD_outBuffer out = {k->out, CHUNK, 0};
		size_t z =
			ZSTD_compressStream2(k->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(z)) {
			k->failed = EIO;
			return berth_error_set(err, EIO, "zstd compression failed: %s",
					       ZSTD_getErrorName(z));
		}
		int r = emit(k, out.pos, err);
		if (r < 0)
			return r;
		if (end ? z == 0 : in.pos == in.size)
			return 0;
	}
}

int berth_compressor_set_threads(struct berth_compressor *k, unsigned threads,
				 struct berth_error **err)
{
	if (k->kind != BERTH_COMPRESSION_ZSTD || k->bytes_in)
		return 0;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > ZSTD_MAX_WORKERS)
		threads = ZSTD_MAX_WORKERS;
	/* a libzstd built without threads refuses: it then compresses on this one */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(k->zc, ZSTD_c_nbWorkers, (int)threads)))
		return 0;
	size_t z = ZSTD_CCtx_setParameter(k->zc, ZSTD_c_jobSize, ZSTD_JOB_SIZE);
	if (ZSTD_isError(z))
		return berth_error_set(err, EINVAL, "zstd job size: %s", ZSTD_getErrorName(z));
	return 0;
}

int berth_compressor_write(struct berth_compressor *k, const void *data, size_t len,
			   struct berth_error **err)
{
	if (k->failed)
		return berth_error_set(err, k->failed, "compressor already failed");
	if (k->finished)
		return berth_error_set(err, EINVAL, "write after the end of the compressed stream");
	if (len == 0)
		return 0;
	k->bytes_in += len;
	switch (k->kind) {
	case BERTH_COMPRESSION_GZIP:
		return gzip_step(k, data, len, Z_NO_FLUSH, err);
	case BERTH_COMPRESSION_ZSTD:
		return zstd_step(k, data, len, false, err);
	case BERTH_COMPRESSION_NONE:
		break;
	}
	int r = k->sink(k->ctx, data, len, err);
	if (r < 0)
		k->failed = -r;
	return r;
}

int berth_compressor_finish(struct berth_compressor *k, struct berth_error **err)
{
	if (k->failed)
		return berth_error_set(err, k->failed, "compressor already failed");
	if (k->finished)
		return 0;
	int r = 0;
	switch (k->kind) {
	case BERTH_COMPRESSION_GZIP:
		r = gzip_step(k, NULL, 0, Z_FINISH, err);
		break;
	case BERTH_COMPRESSION_ZSTD:
		r = zstd_step(k, NULL, 0, true, err);
		break;
	case BERTH_COMPRESSION_NONE:
		break;
	}
	if (r >= 0)
		k->finished = true;
	return r;
}

uint64_t berth_compressor_bytes_in(const struct berth_compressor *k)
{
	return k->bytes_in;
}

void berth_compressor_free(struct berth_compressor *k)
{
	if (!k)
		return;
	if (k->z_init)
		deflateEnd(&k->z);
	if (k->zc)
		ZSTD_freeCStream(k->zc);
	free(k->out);
	free(k);
}

struct berth_decompress_reader {
	int fd;
	enum berth_compression kind;
	uint8_t *in;
	size_t in_pos, in_len;
	bool eof;	 /* fd reached EOF */
	bool done;	 /* clean end returned */
	bool member_end; /* gzip: between members; zstd: between frames */
	z_stream z;
	bool z_init;
	ZSTD_DStream *zd;
};

/* Refills the input buffer when it is empty; returns bytes available, 0 at EOF. */
static ssize_t fill(struct berth_decompress_reader *r, struct berth_error **err)
{
	if (r->in_pos < r->in_len)
		return (ssize_t)(r->in_len - r->in_pos);
	if (r->eof)
		return 0;
	for (;;) {
		ssize_t n = read(r->fd, r->in, CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_syscall(err, errno, "read compressed stream");
		}
		r->in_pos = 0;
		r->in_len = (size_t)n;
		if (n == 0)
			r->eof = true;
		return n;
	}
}

int berth_decompress_reader_open(int fd, struct berth_decompress_reader **ret,
				 struct berth_error **err)
{
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *r =
		berth_xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->in = berth_xmalloc(CHUNK);
	/* gather at least the 4 magic bytes (a pipe may deliver fewer per read) */
	while (r->in_len < sizeof(zstd_magic) && !r->eof) {
		ssize_t n = read(fd, r->in + r->in_len, CHUNK - r->in_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_syscall(err, errno, "read compressed stream");
		}
		if (n == 0)
			r->eof = true;
		r->in_len += (size_t)n;
	}
	r->kind = berth_compression_detect(r->in, r->in_len);
	switch (r->kind) {
	case BERTH_COMPRESSION_GZIP:
		/* 15 + 16: gzip wrapper only, so zlib or raw data is not mistaken for gzip */
		if (inflateInit2(&r->z, 15 + 16) != Z_OK)
			return berth_error_set(err, ENOMEM, "initialise gzip decompressor");
		r->z_init = true;
		break;
	case BERTH_COMPRESSION_ZSTD:
		r->zd = ZSTD_createDStream();
		if (!r->zd)
			berth_oom();
		ZSTD_initDStream(r->zd);
		break;
	case BERTH_COMPRESSION_NONE:
		break;
	}
	*ret = TAKE_PTR(r);
	return 0;
}

static ssize_t read_plain(struct berth_decompress_reader *r, void *buf, size_t len,
			  struct berth_error **err)
{
	ssize_t avail = fill(r, err);
	if (avail <= 0)
		return avail;
	size_t n = (size_t)avail < len ? (size_t)avail : len;
	memcpy(buf, r->in + r->in_pos, n);
	r->in_pos += n;
	return (ssize_t)n;
}

static ssize_t read_gzip(struct berth_decompress_reader *r, void *buf, size_t len,
			 struct berth_error **err)
{
	if (len > UINT_MAX)
		len = UINT_MAX;
	for (;;) {
		ssize_t avail = fill(r, err);
		if (avail < 0)
			return avail;
		if (r->member_end) {
			if (avail == 0)
				return 0; /* clean end after a whole member */
			/* another member must follow; anything else is garbage */
			if (r->in[r->in_pos] != gzip_magic[0])
				return berth_error_set(
					err, EBADMSG,
					"gzip stream: trailing garbage after the end");
			inflateReset(&r->z);
			r->member_end = false;
		}
		if (avail == 0)
			return berth_error_set(err, EBADMSG, "gzip stream ends early (truncated)");
		r->z.next_in = r->in + r->in_pos;
		r->z.avail_in = (uInt)(r->in_len - r->in_pos);
		r->z.next_out = buf;
		r->z.avail_out = (uInt)len;
		int zr = inflate(&r->z, Z_NO_FLUSH);
		r->in_pos = r->in_len - r->z.avail_in;
		size_t produced = len - r->z.avail_out;
		if (zr == Z_STREAM_END)
			r->member_end = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return berth_error_set(err, EBADMSG, "gzip stream is corrupt: %s",
					       r->z.msg ? r->z.msg : "inflate failed");
		if (produced > 0)
			return (ssize_t)produced;
	}
}

static ssize_t read_zstd(struct berth_decompress_reader *r, void *buf, size_t len,
			 struct berth_error **err)
{
	for (;;) {
		ssize_t avail = fill(r, err);
		if (avail < 0)
			return avail;
		if (avail == 0) {
			if (r->member_end)
				return 0;
			return berth_error_set(err, EBADMSG, "zstd stream ends early (truncated)");
		}
		ZSTD_inBuffer in = {r->in + r->in_pos, r->in_len - r->in_pos, 0};
		ZSTD_outBuffer out = {buf, len, 0};
		size_t z = ZSTD_decompressStream(r->zd, &out, &in);
		r->in_pos += in.pos;
		if (ZSTD_isError(z))
			return berth_error_set(err, EBADMSG, "zstd stream is corrupt: %s",
					       ZSTD_getErrorName(z));
		/* 0: a frame is complete and flushed; the next byte may start another */
		r->member_end = z == 0;
		if (out.pos > 0)
			return (ssize_t)out.pos;
	}
}

ssize_t berth_decompress_reader_read(struct berth_decompress_reader *r, void *buf, size_t len,
				     struct berth_error **err)
{
	if (len == 0 || r->done)
		return 0;
	ssize_t n;
	switch (r->kind) {
	case BERTH_COMPRESSION_GZIP:
		n = read_gzip(r, buf, len, err);
		break;
	case BERTH_COMPRESSION_ZSTD:
		n = read_zstd(r, buf, len, err);
		break;
	default:
		n = read_plain(r, buf, len, err);
		break;
	}
	if (n == 0)
		r->done = true;
	return n;
}

enum berth_compression berth_decompress_reader_kind(const struct berth_decompress_reader *r)
{
	return r->kind;
}

void berth_decompress_reader_free(struct berth_decompress_reader *r)
{
	if (!r)
		return;
	if (r->z_init)
		inflateEnd(&r->z);
	if (r->zd)
		ZSTD_freeDStream(r->zd);
	free(r->in);
	free(r);
}
