/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/lazylib.h"
#include "core/sha256.h"

static char *hex(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return out;
}

/* FIPS 180-4 / NIST CAVS examples */
static void test_known_vectors(void **state)
{
	uint8_t d[32];
	char h[65];
	berth_sha256_small("", 0, d);
	assert_string_equal(hex(d, h),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	berth_sha256_small("abc", 3, d);
	assert_string_equal(hex(d, h),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	berth_sha256_small(two, strlen(two), d);
	assert_string_equal(hex(d, h),
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	_cleanup_free_ char *million = berth_xmalloc(1000000);
	memset(million, 'a', 1000000);
	berth_sha256_small(million, 1000000, d);
	assert_string_equal(hex(d, h),
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length around the block and padding boundaries, against libcrypto. */
static void test_matches_libcrypto(void **state)
{
	uint8_t buf[300], mine[32], ref[32];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		unsigned int n = 0;
		berth_sha256_small(buf, len, mine);
		assert_int_equal(EVP_Digest(buf, len, ref, &n, EVP_sha256(), NULL), 1);
		assert_memory_equal(mine, ref, 32);
	}
}

/* berth_digest_of: small inputs without libcrypto while it is not loaded,
 * the same digest either way. */
static void test_digest_of_small_does_not_load_libcrypto(void **state)
{
	struct berth_digest d;
	char s[BERTH_DIGEST_STRLEN + 1];
	berth_digest_of("abc", 3, &d);
	assert_string_equal(
		berth_digest_fmt(&d, s),
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_false(berth_lib_is_loaded(BERTH_LIB_CRYPTO));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_of_small_does_not_load_libcrypto),
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_matches_libcrypto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
