/* SPDX-License-Identifier: Apache-2.0 */
/* The compression adapters of the layer code, over core/compress.h. */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "layer/layer-internal.h"

static int to_buf(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	berth_buf_add(ctx, data, len);
	return 0;
}

static void round_trip(enum berth_layer_compression kind, const unsigned char *magic,
		       size_t magic_len)
{
	struct berth_error *err = NULL;
	struct berth_buf out = BERTH_BUF_INIT;
	struct layer_compressor *c = NULL;
	char text[8192];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 7);
	assert_ok(layer_compressor_new(kind, 0, to_buf, &out, &c, &err), err);
	assert_ok(layer_compressor_write(c, text, sizeof(text), &err), err);
	assert_ok(layer_compressor_finish(c, &err), err);
	layer_compressor_free(c);
	if (magic_len)
		assert_memory_equal(out.buf, magic, magic_len);

	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], out.buf, out.len), (ssize_t)out.len);
	close(p[1]);
	struct layer_decompressor *d = NULL;
	assert_ok(layer_decompressor_new(p[0], &d, &err), err);
	char back[sizeof(text) + 1];
	size_t got = 0;
	ssize_t n;
	while ((n = layer_decompressor_read(d, back + got, sizeof(back) - got, &err)) > 0)
		got += (size_t)n;
	assert_ok((int)n, err);
	assert_int_equal(got, sizeof(text));
	assert_memory_equal(back, text, sizeof(text));
	layer_decompressor_free(d);
	close(p[0]);
	berth_buf_release(&out);
}

static void test_gzip(void **state)
{
	static const unsigned char magic[] = {0x1f, 0x8b};
	round_trip(BERTH_LAYER_GZIP, magic, sizeof(magic));
}

static void test_zstd(void **state)
{
	static const unsigned char magic[] = {0x28, 0xb5, 0x2f, 0xfd};
	round_trip(BERTH_LAYER_ZSTD, magic, sizeof(magic));
}

static void test_none(void **state)
{
	round_trip(BERTH_LAYER_UNCOMPRESSED, (const unsigned char *)"abcdefg", 7);
}

static void test_corrupt(void **state)
{
	struct berth_error *err = NULL;
	static const unsigned char bad[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff};
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], bad, sizeof(bad)), (ssize_t)sizeof(bad));
	close(p[1]);
	struct layer_decompressor *d = NULL;
	char buf[64];
	ssize_t n = layer_decompressor_new(p[0], &d, &err);
	if (n >= 0) {
		while ((n = layer_decompressor_read(d, buf, sizeof(buf), &err)) > 0)
			;
		layer_decompressor_free(d);
	}
	assert_int_equal(n, -EBADMSG);
	berth_error_free(&err);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
