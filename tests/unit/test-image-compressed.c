/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compressed form of an uncompressed layer (push): gzip that stores
 * incompressible blocks and compresses the others, zstd on threads; both
 * round-trip, are the same bytes every time (a push that compresses again
 * relies on it) and are recorded under their rule's name.
 */
#include "unit.h"

#include <sys/random.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "image-fixture.h"

#define MIB (1u << 20)

/* 2 MiB of random bytes then 19 MiB of zeros, as a store blob; its digest in *ret. */
static char *put_layer(struct fixture *f, size_t *ret_len, struct berth_digest *ret)
{
	struct berth_error *err = NULL;
	size_t len = 21 * MIB;
	char *data = berth_xcalloc(1, len);
	for (size_t off = 0; off < 2 * MIB;) {
		ssize_t n = getrandom(data + off, 2 * MIB - off, 0);
		assert_true(n > 0);
		off += (size_t)n;
	}
	assert_ok(berth_store_blob_put(f->s, data, len, ret, &err), err);
	*ret_len = len;
	return data;
}

/* The blob d of the store, decompressed (compressed as c). */
static char *inflate_blob(struct fixture *f, const struct berth_digest *d, enum berth_compression c,
			  size_t *ret_len)
{
	struct berth_error *err = NULL;
	_cleanup_close_ int fd = -EBADF;
	assert_ok(berth_store_blob_open(f->s, d, &fd, NULL, &err), err);
	struct berth_decompress_reader *r = NULL;
	assert_ok(berth_decompress_reader_open(fd, &r, &err), err);
	assert_int_equal(berth_decompress_reader_kind(r), c);
	size_t cap = 22 * MIB, len = 0;
	char *out = berth_xmalloc(cap);
	for (;;) {
		ssize_t n = berth_decompress_reader_read(r, out + len, cap - len, &err);
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
		assert_true(len < cap);
	}
	berth_decompress_reader_free(r);
	*ret_len = len;
	return out;
}

/* The record file cache/compressed/<name>-<diff id hex> exists. */
static void assert_record(struct fixture *f, const char *name, const struct berth_digest *diff_id)
{
	char hex[65];
	berth_digest_hex(diff_id, hex);
	_cleanup_free_ char *p = berth_xasprintf("%s/cache/compressed/%s-%s", f->root, name, hex);
	assert_int_equal(access(p, F_OK), 0);
}

/* Compressed as c, twice: the same bytes, recorded under record; *ret the first. */
static void compress_twice(struct fixture *f, const struct berth_digest *diff_id,
			   enum berth_compression c, const char *record,
			   struct berth_compressed_layer *ret)
{
	struct berth_error *err = NULL;
	struct berth_compressed_layer again, rec;
	assert_ok(berth_image_layer_compress(f->s, diff_id, c, ret, &err), err);
	assert_ok(berth_image_layer_compress(f->s, diff_id, c, &again, &err), err);
	assert_true(berth_digest_eq(&again.digest, &ret->digest));
	assert_int_equal(again.size, ret->size);
	assert_ok(berth_image_layer_compressed_lookup(f->s, diff_id, c, &rec, &err), err);
	assert_true(berth_digest_eq(&rec.digest, &ret->digest));
	assert_record(f, record, diff_id);
}

/*
 * The layer compressed as c: recorded as record, media type mt, under
 * 2 MiB + 128 KiB, and it decompresses to the layer. gzip: blocks 0 and 1
 * (random) are stored as they are, 2 MiB and a few bytes of framing; the
 * 19 blocks of zeros compress to under 5 KiB each.
 */
static void check_compressed(struct fixture *f, enum berth_compression c, const char *record,
			     const char *mt)
{
	struct berth_digest diff_id;
	size_t len = 0;
	_cleanup_free_ char *data = put_layer(f, &len, &diff_id);
	struct berth_compressed_layer l;
	compress_twice(f, &diff_id, c, record, &l);
	assert_string_equal(l.media_type, mt);
	assert_true(l.size < 2 * MIB + 128 * 1024);
	if (c == BERTH_COMPRESSION_GZIP)
		assert_true(l.size > 2 * MIB);
	size_t got_len = 0;
	_cleanup_free_ char *got = inflate_blob(f, &l.digest, c, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, data, len);
}

static void test_gzip_stores_incompressible_blocks(void **state)
{
	check_compressed(*state, BERTH_COMPRESSION_GZIP, "gzip.3", BERTH_MT_OCI_LAYER_GZIP);
}

static void test_zstd_threads(void **state)
{
	check_compressed(*state, BERTH_COMPRESSION_ZSTD, "zstd.2", BERTH_MT_OCI_LAYER_ZSTD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gzip_stores_incompressible_blocks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zstd_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
