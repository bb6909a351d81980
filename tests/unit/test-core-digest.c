/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/digest.h"

#define EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC   "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_known_values(void **state)
{
	struct berth_digest d;
	char s[BERTH_DIGEST_STRLEN + 1];
	berth_digest_of("", 0, &d);
	assert_string_equal(berth_digest_fmt(&d, s), EMPTY);
	berth_digest_of("abc", 3, &d);
	assert_string_equal(berth_digest_fmt(&d, s), ABC);
}

static void test_streaming_equals_oneshot(void **state)
{
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	berth_sha256_update(h, "a", 1);
	berth_sha256_update(h, "", 0);
	berth_sha256_update(h, "bc", 2);
	struct berth_digest d, e;
	berth_sha256_final(h, &d);
	berth_digest_of("abc", 3, &e);
	assert_true(berth_digest_eq(&d, &e));
	berth_sha256_reset(h);
	berth_sha256_final(h, &d);
	char s[BERTH_DIGEST_STRLEN + 1];
	assert_string_equal(berth_digest_fmt(&d, s), EMPTY);
}

static void test_parse(void **state)
{
	struct berth_digest d;
	struct berth_error *err = NULL;
	char s[BERTH_DIGEST_STRLEN + 1];
	assert_int_equal(berth_digest_parse(ABC, &d, &err), 0);
	assert_string_equal(berth_digest_fmt(&d, s), ABC);
	const char *bad[] = {
		"",
		"sha256:",
		"sha256:abc",
		"sha512:"
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"SHA256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adX",
		"sha256:../../../../etc/passwd",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(berth_digest_parse(bad[i], &d, &err), -EINVAL);
		assert_non_null(err);
		berth_error_free(&err);
	}
}

static void test_fd(void **state)
{
	char path[] = "/tmp/berth-digest-XXXXXX";
	_cleanup_close_ int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "abc", 3), 3);
	lseek(fd, 0, SEEK_SET);
	struct berth_digest d;
	uint64_t size = 0;
	assert_int_equal(berth_digest_fd(fd, &d, &size, NULL), 0);
	assert_int_equal(size, 3);
	char s[BERTH_DIGEST_STRLEN + 1];
	assert_string_equal(berth_digest_fmt(&d, s), ABC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_streaming_equals_oneshot),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
