/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parallel gzip: its output decompresses (with berth's reader and with
 * gzip -d) to the input, is the same bytes for 1, 2, 3 and 4 threads, at
 * block edges and for empty input; incompressible blocks are stored and
 * compressible ones compressed; a failing sink stops it with its error.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/pgzip.h"

#define B BERTH_PGZIP_BLOCK

static int buf_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	berth_buf_add(ctx, data, len);
	return 0;
}

static int calls;

static int fail_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	if (++calls < 3)
		return 0;
	return berth_error_set(err, ENOSPC, "disk full");
}

static int memfd_of(const void *data, size_t len)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	assert_true(fd >= 0);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Text-like bytes (compressible) or xorshift bytes (not), from offset off. */
static void fill(uint8_t *p, size_t n, bool random, uint64_t seed)
{
	uint64_t x = seed | 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = random ? (uint8_t)(x >> 32)
			      : (uint8_t)("layer tar data "[i % 15] + (x % 64 == 0));
	}
}

/* compressible, then 3 MiB of random bytes not on a block edge, then compressible */
static uint8_t *mixed(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	fill(p, n, false, 1);
	if (n > B)
		fill(p + B / 2, n - B / 2 < 3 * B ? n - B / 2 : 3 * B, true, 7);
	return p;
}

static void pgzip(const void *data, size_t n, unsigned threads, struct berth_buf *out,
		  struct berth_pgzip_stats *st)
{
	struct berth_error *err = NULL;
	_cleanup_close_ int fd = memfd_of(data, n);
	assert_ok(berth_pgzip_fd(fd, threads, buf_sink, out, st, &err), err);
	assert_int_equal(st->bytes_in, n);
	assert_int_equal(st->bytes_out, out->len);
}

static void assert_inflates_to(const struct berth_buf *gz, const uint8_t *want, size_t n)
{
	struct berth_error *err = NULL;
	_cleanup_close_ int fd = memfd_of(gz->buf, gz->len);
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *r = NULL;
	assert_ok(berth_decompress_reader_open(fd, &r, &err), err);
	assert_int_equal(berth_decompress_reader_kind(r), BERTH_COMPRESSION_GZIP);
	_cleanup_free_ uint8_t *got = malloc(n + 1);
	size_t have = 0;
	for (;;) {
		ssize_t k = berth_decompress_reader_read(r, got + have, n + 1 - have, &err);
		assert_true(k >= 0);
		if (k == 0)
			break;
		have += (size_t)k;
	}
	assert_int_equal(have, n);
	if (n)
		assert_memory_equal(got, want, n);
}

/* gzip -d -c of gz writes exactly want (gzip checks the CRC and the length). */
static void assert_gunzip_gives(const struct berth_buf *gz, const uint8_t *want, size_t n)
{
	char dir[] = "/tmp/test-pgzip.XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *in = berth_xasprintf("%s/x.gz", dir);
	_cleanup_free_ char *outp = berth_xasprintf("%s/x", dir);
	FILE *f = fopen(in, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(gz->buf, 1, gz->len, f), gz->len);
	assert_int_equal(fclose(f), 0);
	_cleanup_free_ char *cmd = berth_xasprintf("gzip -d -t '%s' && gzip -d '%s'", in, in);
	assert_int_equal(system(cmd), 0);
	_cleanup_free_ char *got = NULL;
	size_t len = 0;
	f = fopen(outp, "r");
	assert_non_null(f);
	got = malloc(n + 1);
	len = fread(got, 1, n + 1, f);
	fclose(f);
	assert_int_equal(len, n);
	if (n)
		assert_memory_equal(got, want, n);
	unlink(outp);
	rmdir(dir);
}

static void test_roundtrip_and_threads(void **state)
{
	/* empty, tiny, at and around the block edges, several blocks with a random stretch */
	const size_t sizes[] = {0, 1, 100, B - 1, B, B + 1, 2 * B, 5 * B + 12345};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		size_t n = sizes[k];
		_cleanup_free_ uint8_t *data = mixed(n);
		_cleanup_buf_ struct berth_buf one = BERTH_BUF_INIT;
		struct berth_pgzip_stats st1;
		pgzip(data, n, 1, &one, &st1);
		assert_int_equal(st1.blocks, (n + B - 1) / B);
		assert_inflates_to(&one, data, n);
		for (unsigned t = 2; t <= 4; t++) {
			_cleanup_buf_ struct berth_buf many = BERTH_BUF_INIT;
			struct berth_pgzip_stats st;
			pgzip(data, n, t, &many, &st);
			assert_int_equal(many.len, one.len);
			assert_memory_equal(many.buf, one.buf, one.len);
			assert_int_equal(st.stored_blocks, st1.stored_blocks);
		}
		if (n == 0)
			assert_int_equal(one.len,
					 10 + 5 + 8); /* header, empty final block, trailer */
		if (n == 0 || n == B + 1 || n == 5 * B + 12345)
			assert_gunzip_gives(&one, data, n);
	}
}

/* Random blocks are stored (a copy, a few bytes of framing), text ones compressed. */
static void test_incompressible_stored(void **state)
{
	size_t n = 6 * B;
	_cleanup_free_ uint8_t *data = malloc(n);
	fill(data, 2 * B, false, 3);
	fill(data + 2 * B, 2 * B, true, 5); /* blocks 2 and 3 */
	fill(data + 4 * B, 2 * B, false, 9);
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_pgzip_stats st;
	pgzip(data, n, 2, &out, &st);
	assert_int_equal(st.blocks, 6);
	assert_int_equal(st.stored_blocks, 2);
	/* 4 text blocks shrink to well under half; the random ones are copied */
	assert_true(out.len < 2 * B + 2 * B / 2);
	assert_true(out.len > 2 * B);
	assert_inflates_to(&out, data, n);
	assert_gunzip_gives(&out, data, n);

	/* all random: every block stored, the output barely larger than the input */
	fill(data, n, true, 11);
	_cleanup_buf_ struct berth_buf raw = BERTH_BUF_INIT;
	pgzip(data, n, 3, &raw, &st);
	assert_int_equal(st.stored_blocks, 6);
	assert_true(raw.len < n + n / 1000);
	assert_inflates_to(&raw, data, n);
}

/* A sink that fails stops the compressor with its error, threads or not. */
static void test_sink_error(void **state)
{
	size_t n = 9 * B;
	_cleanup_free_ uint8_t *data = mixed(n);
	for (unsigned t = 1; t <= 4; t *= 2) {
		struct berth_error *err = NULL;
		_cleanup_close_ int fd = memfd_of(data, n);
		calls = 0;
		assert_int_equal(berth_pgzip_fd(fd, t, fail_sink, NULL, NULL, &err), -ENOSPC);
		assert_non_null(err);
		assert_string_equal(err->msg, "disk full");
		berth_error_free(&err);
	}
}

/* A read error is reported as one. */
static void test_read_error(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	_cleanup_close_ int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(berth_pgzip_fd(fd, 2, buf_sink, &out, NULL, &err), -EISDIR);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_threads),
		cmocka_unit_test(test_incompressible_stored),
		cmocka_unit_test(test_sink_error),
		cmocka_unit_test(test_read_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
