/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <zlib.h>

#include "core/lazylib.h"

/* gzip (windowBits 15 + 16) out and back through the shims. */
static void test_roundtrip(void **state)
{
	static unsigned char in[10000], packed[12000], out[10000];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)('a' + i % 5);
	assert_false(berth_lib_is_loaded(BERTH_LIB_Z));
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	assert_true(berth_lib_is_loaded(BERTH_LIB_Z));
	z.next_in = in;
	z.avail_in = sizeof(in);
	z.next_out = packed;
	z.avail_out = sizeof(packed);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t plen = sizeof(packed) - z.avail_out;
	assert_int_equal(deflateEnd(&z), Z_OK);
	assert_int_equal(packed[0], 0x1f); /* gzip magic */

	z_stream u = {0};
	assert_int_equal(inflateInit2(&u, 15 + 16), Z_OK);
	for (int round = 0; round < 2; round++) {
		u.next_in = packed;
		u.avail_in = (uInt)plen;
		u.next_out = out;
		u.avail_out = sizeof(out);
		assert_int_equal(inflate(&u, Z_FINISH), Z_STREAM_END);
		assert_int_equal(sizeof(out) - u.avail_out, sizeof(in));
		assert_memory_equal(in, out, sizeof(in));
		assert_int_equal(inflateReset(&u), Z_OK);
	}
	assert_int_equal(inflateEnd(&u), Z_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
