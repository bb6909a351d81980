/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compressed form of a layer the store keeps uncompressed (what a build
 * writes): a push sends it compressed, as Docker and BuildKit do. The
 * mapping from the uncompressed blob (its digest is the layer's diff ID) to
 * the compressed blob is a function of the bytes and the compressor, so it
 * is recorded once per diff ID and compression as
 * cache/compressed/<gzip.3|zstd.2>-<hex> ("sha256:<digest> <size>\n") below
 * the store root. A second push of the layer then compresses nothing: the
 * registry is asked for the recorded digest. The compressed blob itself is
 * an ordinary store blob that no manifest references, so the next gc
 * removes it; a push that needs its bytes again compresses again (the
 * compressor and its level are fixed, so the bytes and the digest are the
 * same).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/pgzip.h"
#include "image/image.h"
#include "store/store.h"

#define COMPRESSED_DIR "compressed"
#define CHUNK	       (1u << 20)
/*
 * gzip: core/pgzip.h, level 1 (about the size builds wrote before layers
 * were kept uncompressed; the default levels cost several times the CPU
 * for a few percent) in 1 MiB blocks compressed by libdeflate on all CPUs,
 * a block whose first 64 KiB level 1 does not shrink stored as it is. zstd: its default level 3 on libzstd's worker
 * threads. Both give the same bytes for any thread count, so a layer
 * compressed again gives the recorded digest. The record names say which
 * rule made the bytes: "gzip.3" (the parallel blocks; "gzip.2", one stream
 * switching to stored chunks, and "gzip", plain level 1, are not read any
 * more) and "zstd.2" (the threaded frame; "zstd", one thread, not read).
 */
#define GZIP_RECORD "gzip.3"
#define ZSTD_RECORD "zstd.2"

static uint64_t compressed_counter;

uint64_t berth_image_layers_compressed(void)
{
	return __atomic_load_n(&compressed_counter, __ATOMIC_RELAXED);
}

static int mapping_dir(struct berth_store *s, bool create, struct berth_error **err)
{
	int cache = berth_store_dir_fd(s, "cache");
	if (cache < 0)
		return berth_error_set(err, ENOENT, "the store has no cache directory");
	if (create && mkdirat(cache, COMPRESSED_DIR, 0755) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create 'cache/%s'", COMPRESSED_DIR);
	int fd = openat(cache, COMPRESSED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open 'cache/%s'", COMPRESSED_DIR);
	return fd;
}

static void mapping_name(const struct berth_digest *diff_id, enum berth_compression c, char ret[80])
{
	char hex[65];
	berth_digest_hex(diff_id, hex);
	snprintf(ret, 80, "%s-%s", c == BERTH_COMPRESSION_GZIP ? GZIP_RECORD : ZSTD_RECORD, hex);
}

static int check_compression(enum berth_compression c, struct berth_error **err)
{
	if (c != BERTH_COMPRESSION_GZIP && c != BERTH_COMPRESSION_ZSTD)
		return berth_error_set(err, EINVAL, "a layer is pushed gzip or zstd compressed");
	return 0;
}

int berth_image_layer_compressed_lookup(struct berth_store *s, const struct berth_digest *diff_id,
					enum berth_compression c,
					struct berth_compressed_layer *ret,
					struct berth_error **err)
{
	int r = check_compression(c, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = mapping_dir(s, false, NULL);
	if (fd < 0)
		return -ENOENT;
	char name[80];
	mapping_name(diff_id, c, name);
	_cleanup_free_ char *text = NULL;
	struct berth_error *e = NULL;
	r = berth_read_file_at(fd, name, 128, &text, NULL, &e);
	if (r < 0) {
		berth_error_free(&e);
		return -ENOENT;
	}
	/* "sha256:<64 hex> <size>\n" */
	char *sp = strchr(text, ' ');
	if (!sp)
		return berth_error_set(err, EBADMSG, "compressed layer record '%s' is damaged",
				       name);
	*sp = '\0';
	struct berth_compressed_layer got = {.media_type = berth_media_type_oci_layer((int)c)};
	r = berth_digest_parse(text, &got.digest, NULL);
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(sp + 1, &end, 10);
	if (r < 0 || errno || end == sp + 1 || *end != '\n' || sp[1] == '-')
		return berth_error_set(err, EBADMSG, "compressed layer record '%s' is damaged",
				       name);
	got.size = (uint64_t)v;
	*ret = got;
	return 0;
}

static int mapping_record(struct berth_store *s, const struct berth_digest *diff_id,
			  enum berth_compression c, const struct berth_compressed_layer *l,
			  struct berth_error **err)
{
	_cleanup_close_ int fd = mapping_dir(s, true, err);
	if (fd < 0)
		return fd;
	char name[80], dg[BERTH_DIGEST_STRLEN + 1], text[128];
	mapping_name(diff_id, c, name);
	int n = snprintf(text, sizeof(text), "%s %" PRIu64 "\n", berth_digest_fmt(&l->digest, dg),
			 l->size);
	return berth_write_file_atomic(fd, name, text, (size_t)n, 0644, err);
}

struct watched {
	struct berth_blob_writer *w;
	const struct berth_compress_watch *watch;
};

/* The blob writer's sink, then the watcher told the new size. */
static int watched_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	struct watched *x = ctx;
	int r = berth_blob_writer_write(x->w, data, len, err);
	if (r >= 0 && x->watch && x->watch->written)
		x->watch->written(x->watch->ctx, berth_blob_writer_size(x->w));
	return r;
}

/* Streams the blob of fd through a compressor into the blob writer of x. */
static int compress_fd(int fd, enum berth_compression c, struct watched *x,
		       struct berth_error **err)
{
	if (c == BERTH_COMPRESSION_GZIP) {
		struct berth_pgzip_stats st;
		int r = berth_pgzip_fd(fd, 0, watched_sink, x, &st, err);
		if (r >= 0)
			berth_debug("gzip: %" PRIu64 " blocks, %" PRIu64 " stored, %" PRIu64
				    " -> %" PRIu64 " bytes",
				    st.blocks, st.stored_blocks, st.bytes_in, st.bytes_out);
		return r;
	}
	_cleanup_(berth_compressor_freep) struct berth_compressor *k = NULL;
	int r = berth_compressor_new(c, -1, watched_sink, x, &k, err);
	if (r >= 0)
		r = berth_compressor_set_threads(k, 0, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = berth_xmalloc(CHUNK);
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_syscall(err, errno, "read the layer");
		if (n == 0)
			break;
		r = berth_compressor_write(k, buf, (size_t)n, err);
		if (r < 0)
			return r;
	}
	return berth_compressor_finish(k, err);
}

int berth_image_layer_compress(struct berth_store *s, const struct berth_digest *diff_id,
			       enum berth_compression c, struct berth_compressed_layer *ret,
			       struct berth_error **err)
{
	return berth_image_layer_compress_watched(s, diff_id, c, NULL, ret, err);
}

int berth_image_layer_compress_watched(struct berth_store *s, const struct berth_digest *diff_id,
				       enum berth_compression c,
				       const struct berth_compress_watch *watch,
				       struct berth_compressed_layer *ret, struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(diff_id, hex);
	int r = check_compression(c, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = -EBADF;
	r = berth_store_blob_open(s, diff_id, &fd, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "layer %s", hex);
	_cleanup_(berth_blob_writer_abortp) struct berth_blob_writer *w = NULL;
	r = berth_store_blob_begin(s, &w, err);
	if (r < 0)
		return r;
	berth_debug("compressing layer %s (%s)", hex, berth_compression_name(c));
	__atomic_add_fetch(&compressed_counter, 1, __ATOMIC_RELAXED);
	if (watch && watch->started) {
		int rfd = berth_blob_writer_open_read(w, err);
		if (rfd < 0)
			return rfd;
		watch->started(watch->ctx, rfd);
	}
	struct watched x = {w, watch};
	r = compress_fd(fd, c, &x, err);
	if (r < 0)
		return berth_error_prefix(err, "compress layer %s", hex);
	struct berth_compressed_layer l = {.media_type = berth_media_type_oci_layer((int)c)};
	if (watch && watch->whole) {
		struct berth_compressed_layer now = l;
		berth_blob_writer_digest(w, &now.digest);
		now.size = berth_blob_writer_size(w);
		watch->whole(watch->ctx, &now);
	}
	r = berth_blob_writer_commit(TAKE_PTR(w), NULL, &l.digest, &l.size, err);
	if (r < 0)
		return r;
	r = mapping_record(s, diff_id, c, &l, err);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}
