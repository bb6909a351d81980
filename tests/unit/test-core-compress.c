/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Round trips through every compression, detection by magic bytes, and the
 * failure modes that must not pass silently: truncated gzip and zstd,
 * corrupt data, trailing garbage; multi-member gzip read whole.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/compress.h"

static int buf_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	berth_buf_add(ctx, data, len);
	return 0;
}

static int fail_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	return berth_error_set(err, ENOSPC, "disk full");
}

/* A memfd holding data, positioned at 0. */
static int memfd_of(const void *data, size_t len)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void make_input(struct berth_buf *b, size_t n)
{
	/* compressible but not trivial: a counter and some pseudo-random bytes */
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		char c = (i % 7 == 0) ? (char)(x >> 24) : (char)('a' + i % 23);
		berth_buf_addch(b, c);
	}
}

/* threads: for berth_compressor_set_threads, or -1 */
static void compress_threads(enum berth_compression c, const void *data, size_t len, int threads,
			     struct berth_buf *out)
{
	struct berth_error *err = NULL;
	_cleanup_(berth_compressor_freep) struct berth_compressor *k = NULL;
	assert_ok(berth_compressor_new(c, -1, buf_sink, out, &k, &err), err);
	if (threads >= 0)
		assert_ok(berth_compressor_set_threads(k, (unsigned)threads, &err), err);
	/* in uneven pieces, to exercise the streaming */
	size_t off = 0, step = 1;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		assert_ok(berth_compressor_write(k, (const char *)data + off, n, &err), err);
		off += n;
		step = step * 3 + 1;
	}
	assert_ok(berth_compressor_finish(k, &err), err);
	assert_int_equal(berth_compressor_bytes_in(k), len);
}

static void compress_all(enum berth_compression c, const void *data, size_t len,
			 struct berth_buf *out)
{
	compress_threads(c, data, len, -1, out);
}

/* Reads all of fd through a decompress reader; returns the last read's result. */
static ssize_t decompress_all(int fd, struct berth_buf *out, enum berth_compression *kind,
			      struct berth_error **err)
{
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *r = NULL;
	int q = berth_decompress_reader_open(fd, &r, err);
	if (q < 0)
		return q;
	if (kind)
		*kind = berth_decompress_reader_kind(r);
	char buf[7000];
	for (;;) {
		ssize_t n = berth_decompress_reader_read(r, buf, sizeof(buf), err);
		if (n <= 0)
			return n;
		berth_buf_add(out, buf, (size_t)n);
	}
}

static void roundtrip(enum berth_compression c, size_t size)
{
	_cleanup_buf_ struct berth_buf in = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf z = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_error *err = NULL;
	make_input(&in, size);
	compress_all(c, in.buf, in.len, &z);
	assert_int_equal(berth_compression_detect(z.buf, z.len),
			 size == 0 && c == BERTH_COMPRESSION_NONE ? BERTH_COMPRESSION_NONE : c);
	_cleanup_close_ int fd = memfd_of(z.buf, z.len);
	enum berth_compression kind;
	assert_ok(decompress_all(fd, &out, &kind, &err), err);
	assert_int_equal(kind, c);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.buf, in.buf, in.len);
}

static void test_roundtrip_gzip(void **state)
{
	roundtrip(BERTH_COMPRESSION_GZIP, 0);
	roundtrip(BERTH_COMPRESSION_GZIP, 1);
	roundtrip(BERTH_COMPRESSION_GZIP, 1 << 20);
}

static void test_roundtrip_zstd(void **state)
{
	roundtrip(BERTH_COMPRESSION_ZSTD, 0);
	roundtrip(BERTH_COMPRESSION_ZSTD, 1);
	roundtrip(BERTH_COMPRESSION_ZSTD, 1 << 20);
}

/* zstd on workers: the same frame for 1, 2 and 4 of them (jobs of a fixed size), whole. */
static void test_zstd_threads_same_bytes(void **state)
{
	_cleanup_buf_ struct berth_buf in = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf one = BERTH_BUF_INIT;
	struct berth_error *err = NULL;
	make_input(&in, 9 << 20); /* more than two 4 MiB jobs */
	compress_threads(BERTH_COMPRESSION_ZSTD, in.buf, in.len, 1, &one);
	for (int t = 2; t <= 4; t *= 2) {
		_cleanup_buf_ struct berth_buf many = BERTH_BUF_INIT;
		compress_threads(BERTH_COMPRESSION_ZSTD, in.buf, in.len, t, &many);
		assert_int_equal(many.len, one.len);
		assert_memory_equal(many.buf, one.buf, one.len);
	}
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	_cleanup_close_ int fd = memfd_of(one.buf, one.len);
	assert_ok(decompress_all(fd, &out, NULL, &err), err);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.buf, in.buf, in.len);
	/* gzip: nothing to set */
	_cleanup_buf_ struct berth_buf gz = BERTH_BUF_INIT;
	compress_threads(BERTH_COMPRESSION_GZIP, in.buf, 1000, 4, &gz);
	assert_int_equal(berth_compression_detect(gz.buf, gz.len), BERTH_COMPRESSION_GZIP);
}

static void test_roundtrip_none(void **state)
{
	roundtrip(BERTH_COMPRESSION_NONE, 100);
	roundtrip(BERTH_COMPRESSION_NONE, 300000);
}

static void test_names(void **state)
{
	enum berth_compression c;
	struct berth_error *err = NULL;
	assert_string_equal(berth_compression_name(BERTH_COMPRESSION_NONE), "none");
	assert_string_equal(berth_compression_name(BERTH_COMPRESSION_GZIP), "gzip");
	assert_string_equal(berth_compression_name(BERTH_COMPRESSION_ZSTD), "zstd");
	assert_ok(berth_compression_from_name("zstd", &c, &err), err);
	assert_int_equal(c, BERTH_COMPRESSION_ZSTD);
	assert_int_equal(berth_compression_from_name("lz4", &c, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "'lz4'"));
	berth_error_free(&err);
	assert_int_equal(berth_compression_detect("\x1f", 1), BERTH_COMPRESSION_NONE);
	assert_int_equal(berth_compression_detect("\x28\xb5\x2f", 3), BERTH_COMPRESSION_NONE);
}

static void truncated(enum berth_compression c)
{
	_cleanup_buf_ struct berth_buf in = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf z = BERTH_BUF_INIT;
	struct berth_error *err = NULL;
	make_input(&in, 200000);
	compress_all(c, in.buf, in.len, &z);
	/* cut at several places, including just before the trailer */
	size_t cuts[] = {10, z.len / 2, z.len - 4, z.len - 1};
	for (size_t i = 0; i < ELEMENTSOF(cuts); i++) {
		_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
		_cleanup_close_ int fd = memfd_of(z.buf, cuts[i]);
		assert_int_equal(decompress_all(fd, &out, NULL, &err), -EBADMSG);
		assert_non_null(err);
		berth_error_free(&err);
	}
}

static void test_truncated_gzip(void **state)
{
	truncated(BERTH_COMPRESSION_GZIP);
}

static void test_truncated_zstd(void **state)
{
	truncated(BERTH_COMPRESSION_ZSTD);
}

static void test_corrupt(void **state)
{
	enum berth_compression kinds[] = {BERTH_COMPRESSION_GZIP, BERTH_COMPRESSION_ZSTD};
	for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
		_cleanup_buf_ struct berth_buf in = BERTH_BUF_INIT;
		_cleanup_buf_ struct berth_buf z = BERTH_BUF_INIT;
		_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
		struct berth_error *err = NULL;
		make_input(&in, 100000);
		compress_all(kinds[k], in.buf, in.len, &z);
		for (size_t i = z.len / 3; i < z.len / 3 + 64; i++)
			z.buf[i] ^= 0x5a;
		_cleanup_close_ int fd = memfd_of(z.buf, z.len);
		assert_int_equal(decompress_all(fd, &out, NULL, &err), -EBADMSG);
		berth_error_free(&err);
	}
}

static void test_multi_member_gzip(void **state)
{
	_cleanup_buf_ struct berth_buf z = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_error *err = NULL;
	compress_all(BERTH_COMPRESSION_GZIP, "hello ", 6, &z);
	compress_all(BERTH_COMPRESSION_GZIP, "", 0, &z);
	compress_all(BERTH_COMPRESSION_GZIP, "world", 5, &z);
	_cleanup_close_ int fd = memfd_of(z.buf, z.len);
	assert_ok(decompress_all(fd, &out, NULL, &err), err);
	assert_string_equal(out.buf, "hello world");

	/* trailing garbage after a whole member is an error, not silently dropped */
	berth_buf_addstr(&z, "junk");
	_cleanup_buf_ struct berth_buf out2 = BERTH_BUF_INIT;
	_cleanup_close_ int fd2 = memfd_of(z.buf, z.len);
	assert_int_equal(decompress_all(fd2, &out2, NULL, &err), -EBADMSG);
	berth_error_free(&err);
}

static void test_multi_frame_zstd(void **state)
{
	_cleanup_buf_ struct berth_buf z = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_error *err = NULL;
	compress_all(BERTH_COMPRESSION_ZSTD, "hello ", 6, &z);
	compress_all(BERTH_COMPRESSION_ZSTD, "world", 5, &z);
	_cleanup_close_ int fd = memfd_of(z.buf, z.len);
	assert_ok(decompress_all(fd, &out, NULL, &err), err);
	assert_string_equal(out.buf, "hello world");
}

static void test_pipe_short_reads(void **state)
{
	/* the magic arrives one byte at a time through a pipe */
	_cleanup_buf_ struct berth_buf z = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_error *err = NULL;
	compress_all(BERTH_COMPRESSION_ZSTD, "piped data", 10, &z);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		for (size_t i = 0; i < z.len; i++) {
			if (write(p[1], z.buf + i, 1) != 1)
				_exit(1);
			usleep(i < 8 ? 2000 : 0);
		}
		_exit(0);
	}
	close(p[1]);
	enum berth_compression kind;
	assert_ok(decompress_all(p[0], &out, &kind, &err), err);
	close(p[0]);
	assert_int_equal(kind, BERTH_COMPRESSION_ZSTD);
	assert_string_equal(out.buf, "piped data");
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_sink_error(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_(berth_compressor_freep) struct berth_compressor *k = NULL;
	assert_ok(berth_compressor_new(BERTH_COMPRESSION_NONE, -1, fail_sink, NULL, &k, &err), err);
	assert_int_equal(berth_compressor_write(k, "x", 1, &err), -ENOSPC);
	berth_error_free(&err);
	/* sticky: later calls fail too */
	assert_int_equal(berth_compressor_finish(k, &err), -ENOSPC);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_gzip),
		cmocka_unit_test(test_roundtrip_zstd),
		cmocka_unit_test(test_roundtrip_none),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_truncated_zstd),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_multi_member_gzip),
		cmocka_unit_test(test_multi_frame_zstd),
		cmocka_unit_test(test_pipe_short_reads),
		cmocka_unit_test(test_sink_error),
		cmocka_unit_test(test_zstd_threads_same_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
