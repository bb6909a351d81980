/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compressed form of a layer the store keeps uncompressed (what a build
 * writes): a push sends it compressed, as Docker and BuildKit do. The
 * mapping from the uncompressed blob (its digest is the layer's diff ID) to
 * the compressed blob is a function of the bytes and the compressor, so it
 * is recorded once per diff ID and compression as
 * cache/compressed/<gzip.2|zstd>-<hex> ("sha256:<digest> <size>\n") below
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
#include "image/image.h"
#include "store/store.h"

#define COMPRESSED_DIR "compressed"
#define CHUNK	       (1u << 20)
/*
 * gzip level 1: what builds wrote before layers were kept uncompressed, so
 * a pushed layer has the same size as then; the default levels cost several
 * times the CPU for a few percent. zstd at its default level 3 is cheap.
 */
#define GZIP_LEVEL 1
/*
 * Incompressible data (random bytes, files compressed already) costs zlib's
 * level 1 about 20 ns a byte (4 s for 200 MB) to come out no smaller: a 1 MiB
 * chunk that level 1 shrank by less than 1/32 switches the chunks after it
 * to stored blocks (level 0, a copy), and every PROBE_EVERY-th chunk is
 * tried at level 1 again, so compressible data after it is compressed.
 * This is a function of the bytes alone, so a layer compressed again gives
 * the recorded digest; the record's name says "gzip.2" since the bytes are
 * not those of plain level 1 ("gzip-" records are not read any more).
 */
#define PROBE_EVERY 16
#define GZIP_RECORD "gzip.2"

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
	snprintf(ret, 80, "%s-%s",
		 c == BERTH_COMPRESSION_GZIP ? GZIP_RECORD : berth_compression_name(c), hex);
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

/* gzip, storing (*stored): chunk i is tried at level 1 again when it is a probe. */
static int maybe_probe(struct berth_compressor *k, uint64_t i, bool *stored,
		       struct berth_error **err)
{
	if (!*stored || i % PROBE_EVERY != 0)
		return 0;
	*stored = false;
	return berth_compressor_set_level(k, GZIP_LEVEL, err);
}

/* Streams the blob of fd through a compressor into the blob writer w. */
static int compress_fd(int fd, enum berth_compression c, struct berth_blob_writer *w,
		       struct berth_error **err)
{
	_cleanup_(berth_compressor_freep) struct berth_compressor *k = NULL;
	bool gzip = c == BERTH_COMPRESSION_GZIP, stored = false;
	int r = berth_compressor_new(c, gzip ? GZIP_LEVEL : -1, berth_blob_writer_sink, w, &k, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = berth_xmalloc(CHUNK);
	for (uint64_t i = 0;; i++) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_syscall(err, errno, "read the layer");
		if (n == 0)
			break;
		if (gzip) {
			r = maybe_probe(k, i, &stored, err);
			if (r < 0)
				return r;
		}
		uint64_t before = berth_blob_writer_size(w);
		r = berth_compressor_write(k, buf, (size_t)n, err);
		if (r < 0)
			return r;
		/* out lags by what zlib holds (< 16 KiB at level 1): 1/32 leaves room for it */
		uint64_t out = berth_blob_writer_size(w) - before;
		if (gzip && !stored && out + (uint64_t)n / 32 >= (uint64_t)n) {
			stored = true;
			r = berth_compressor_set_level(k, 0, err);
			if (r < 0)
				return r;
		}
	}
	return berth_compressor_finish(k, err);
}

int berth_image_layer_compress(struct berth_store *s, const struct berth_digest *diff_id,
			       enum berth_compression c, struct berth_compressed_layer *ret,
			       struct berth_error **err)
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
	r = compress_fd(fd, c, w, err);
	if (r < 0)
		return berth_error_prefix(err, "compress layer %s", hex);
	struct berth_compressed_layer l = {.media_type = berth_media_type_oci_layer((int)c)};
	r = berth_blob_writer_commit(TAKE_PTR(w), NULL, &l.digest, &l.size, err);
	if (r < 0)
		return r;
	r = mapping_record(s, diff_id, c, &l, err);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}
