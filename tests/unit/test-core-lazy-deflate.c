/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <libdeflate.h>
#include <zlib.h>

#include "core/lazylib.h"

/* Raw deflate out through the shims (loading the library), back with zlib. */
static void test_roundtrip(void **state)
{
	static unsigned char in[10000], packed[12000], out[10000];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)('a' + i % 5);
	assert_false(berth_lib_is_loaded(BERTH_LIB_DEFLATE));
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
	assert_non_null(c);
	assert_true(berth_lib_is_loaded(BERTH_LIB_DEFLATE));
	size_t n = libdeflate_deflate_compress(c, in, sizeof(in), packed, sizeof(packed));
	assert_true(n > 0 && n < sizeof(in) / 10);
	/* no room: 0, not a short stream */
	assert_int_equal(libdeflate_deflate_compress(c, in, sizeof(in), packed, 4), 0);
	libdeflate_free_compressor(c);

	z_stream u = {0};
	assert_int_equal(inflateInit2(&u, -15), Z_OK);
	u.next_in = packed;
	u.avail_in = (uInt)n;
	u.next_out = out;
	u.avail_out = sizeof(out);
	assert_int_equal(inflate(&u, Z_FINISH), Z_STREAM_END);
	assert_int_equal(sizeof(out) - u.avail_out, sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(inflateEnd(&u), Z_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
