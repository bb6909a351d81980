/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <zstd.h>

#include "core/lazylib.h"

static void test_roundtrip(void **state)
{
	static char in[10000], packed[12000], out[10000];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)('a' + i % 7);
	assert_false(berth_lib_is_loaded(BERTH_LIB_ZSTD));
	ZSTD_CStream *c = ZSTD_createCStream();
	assert_true(berth_lib_is_loaded(BERTH_LIB_ZSTD));
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3)));
	ZSTD_inBuffer ib = {in, sizeof(in), 0};
	ZSTD_outBuffer ob = {packed, sizeof(packed), 0};
	assert_int_equal(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end), 0);
	ZSTD_freeCStream(c);
	assert_true(ob.pos < sizeof(in) / 10);

	ZSTD_DStream *d = ZSTD_createDStream();
	assert_false(ZSTD_isError(ZSTD_initDStream(d)));
	ZSTD_inBuffer di = {packed, ob.pos, 0};
	ZSTD_outBuffer dout = {out, sizeof(out), 0};
	assert_false(ZSTD_isError(ZSTD_decompressStream(d, &dout, &di)));
	assert_int_equal(dout.pos, sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	ZSTD_freeDStream(d);

	/* garbage is an error with a name */
	d = ZSTD_createDStream();
	assert_false(ZSTD_isError(ZSTD_initDStream(d)));
	ZSTD_inBuffer gi = {in, 64, 0};
	dout.pos = 0;
	size_t bad = ZSTD_decompressStream(d, &dout, &gi);
	assert_true(ZSTD_isError(bad));
	assert_non_null(strstr(ZSTD_getErrorName(bad), "Unknown frame descriptor"));
	ZSTD_freeDStream(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
