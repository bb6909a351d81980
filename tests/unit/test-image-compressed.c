/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compressed form of an uncompressed layer (push): gzip that stores
 * incompressible chunks, probes again, round-trips and is the same bytes
 * every time (a push that compresses again relies on it).
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

/* The blob d of the store, decompressed. */
static char *inflate_blob(struct fixture *f, const struct berth_digest *d, size_t *ret_len)
{
	struct berth_error *err = NULL;
	_cleanup_close_ int fd = -EBADF;
	assert_ok(berth_store_blob_open(f->s, d, &fd, NULL, &err), err);
	struct berth_decompress_reader *r = NULL;
	assert_ok(berth_decompress_reader_open(fd, &r, &err), err);
	assert_int_equal(berth_decompress_reader_kind(r), BERTH_COMPRESSION_GZIP);
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

static void test_gzip_stores_incompressible_and_probes(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest diff_id;
	size_t len = 0;
	_cleanup_free_ char *data = put_layer(f, &len, &diff_id);
	struct berth_compressed_layer l, again, rec;
	assert_ok(berth_image_layer_compress(f->s, &diff_id, BERTH_COMPRESSION_GZIP, &l, &err),
		  err);
	assert_string_equal(l.media_type, BERTH_MT_OCI_LAYER_GZIP);
	/*
	 * Chunk 0 (random) is tried at level 1 and shrinks by nothing, so chunks
	 * 1..15 are stored: 2 MiB of random bytes and 14 MiB of zeros as they
	 * are. Chunk 16 probes at level 1 and the 5 MiB of zeros from there are
	 * compressed to almost nothing. Plain level 1 would give about 2 MiB.
	 */
	assert_true(l.size > 16 * MIB);
	assert_true(l.size < 16 * MIB + 256 * 1024);
	size_t got_len = 0;
	_cleanup_free_ char *got = inflate_blob(f, &l.digest, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, data, len);
	/* the same bytes every time, and the record names them */
	assert_ok(berth_image_layer_compress(f->s, &diff_id, BERTH_COMPRESSION_GZIP, &again, &err),
		  err);
	assert_true(berth_digest_eq(&again.digest, &l.digest));
	assert_int_equal(again.size, l.size);
	assert_ok(berth_image_layer_compressed_lookup(f->s, &diff_id, BERTH_COMPRESSION_GZIP, &rec,
						      &err),
		  err);
	assert_true(berth_digest_eq(&rec.digest, &l.digest));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gzip_stores_incompressible_and_probes, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
