/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <openssl/evp.h>

#include "core/lazylib.h"

static void test_digest(void **state)
{
	static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
					0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
					0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
					0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	uint8_t d[32];
	unsigned int n = 0;
	assert_false(berth_lib_is_loaded(BERTH_LIB_CRYPTO));
	assert_int_equal(EVP_Digest("abc", 3, d, &n, EVP_sha256(), NULL), 1);
	assert_true(berth_lib_is_loaded(BERTH_LIB_CRYPTO));
	assert_int_equal(n, 32);
	assert_memory_equal(d, abc, 32);

	EVP_MD_CTX *c = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, "a", 1), 1);
	assert_int_equal(EVP_DigestUpdate(c, "bc", 2), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, d, &n), 1);
	assert_memory_equal(d, abc, 32);
	EVP_MD_CTX_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
