/* SPDX-License-Identifier: Apache-2.0 */
/* core/base64.c: RFC 4648's vectors, both alphabets, both modes, every error. */
#include "unit.h"

#include "core/alloc.h"
#include "core/base64.h"
#include "core/cleanup.h"

/* RFC 4648, section 10 */
static const struct {
	const char *plain, *encoded, *unpadded;
} rfc[] = {
	{"", "", ""},
	{"f", "Zg==", "Zg"},
	{"fo", "Zm8=", "Zm8"},
	{"foo", "Zm9v", "Zm9v"},
	{"foob", "Zm9vYg==", "Zm9vYg"},
	{"fooba", "Zm9vYmE=", "Zm9vYmE"},
	{"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

#define STRICT	BERTH_BASE64_STRICT
#define LENIENT BERTH_BASE64_LENIENT

/* s decodes in mode to exactly the n bytes of want. */
static void assert_decodes(const char *s, size_t len, enum berth_base64_mode mode, const char *want,
			   size_t n)
{
	char *out = NULL;
	size_t got = 99, bad = 99;
	if (berth_base64_decode(s, len, mode, &out, &got, &bad) != 0)
		fail_msg("'%s' (mode %d) refused at byte %zu", s, mode, bad);
	assert_int_equal(bad, 99);
	assert_int_equal(got, n);
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], '\0');
	free(out);
}

/* s is refused in mode, the first bad byte at offset `at`, and *ret untouched. */
static void assert_refused(const char *s, size_t len, enum berth_base64_mode mode, size_t at)
{
	char *out = (char *)"untouched";
	size_t got = 99, bad = 99;
	if (berth_base64_decode(s, len, mode, &out, &got, &bad) != -EINVAL)
		fail_msg("'%s' (mode %d) accepted", s, mode);
	if (bad != at)
		fail_msg("'%s' (mode %d): bad byte %zu, expected %zu", s, mode, bad, at);
	assert_string_equal(out, "untouched");
	assert_int_equal(got, 99);
	/* the offset is optional */
	assert_int_equal(berth_base64_decode(s, len, mode, &out, NULL, NULL), -EINVAL);
}

static void test_rfc4648_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		const char *p = rfc[i].plain, *e = rfc[i].encoded, *u = rfc[i].unpadded;
		_cleanup_free_ char *enc = berth_base64_encode(p, strlen(p));
		assert_string_equal(enc, e);
		assert_decodes(e, strlen(e), STRICT, p, strlen(p));
		assert_decodes(e, strlen(e), LENIENT, p, strlen(p));
		/* padding is optional in the lenient mode only */
		assert_decodes(u, strlen(u), LENIENT, p, strlen(p));
		if (strcmp(u, e) != 0)
			assert_refused(u, strlen(u), STRICT, strlen(u));
	}
}

static void test_alphabets(void **state)
{
	/* 0xfb 0xff 0xbf: the two characters the alphabets differ in */
	const char bin[] = "\xfb\xff\xbf";
	_cleanup_free_ char *enc = berth_base64_encode(bin, 3);
	assert_string_equal(enc, "+/+/");
	assert_decodes("+/+/", 4, STRICT, bin, 3);
	assert_decodes("+/+/", 4, LENIENT, bin, 3);
	assert_decodes("-_-_", 4, LENIENT, bin, 3);
	/* mixed, as the old API check allowed */
	assert_decodes("+_-/", 4, LENIENT, bin, 3);
	assert_refused("-_-_", 4, STRICT, 0);
	assert_refused("+/+_", 4, STRICT, 3);
	/* X-Registry-Auth as docker sends it: URL alphabet, no padding */
	assert_decodes("Pz8_Pw", 6, LENIENT, "???\?", 4);
	assert_refused("Pz8_Pw==", 8, STRICT, 3);

	/* every byte value, and every length of a tail */
	unsigned char all[256];
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	for (size_t n = 250; n <= 256; n++) {
		_cleanup_free_ char *e = berth_base64_encode(all, n);
		assert_int_equal(strlen(e), (n + 2) / 3 * 4);
		assert_decodes(e, strlen(e), STRICT, (const char *)all, n);
		assert_decodes(e, strlen(e), LENIENT, (const char *)all, n);
	}
}

static void test_binary_and_leftover_bits(void **state)
{
	/* a NUL decoded is kept; the caller compares the length with strlen */
	assert_decodes("AA==", 4, STRICT, "\0", 1);
	assert_decodes("AGEA", 4, STRICT, "\0a\0", 3);
	/* bits left over in the last character are ignored, as Go does */
	assert_decodes("Zh==", 4, STRICT, "f", 1);
	assert_decodes("Zm9=", 4, STRICT, "fo", 2);
	assert_decodes("Zh", 2, LENIENT, "f", 1);
	/* len bounds the input, not a NUL */
	assert_decodes("Zm9vYmFy", 4, STRICT, "foo", 3);
}

static void test_line_breaks(void **state)
{
	/* Go's StdEncoding (so kubectl) skips CR and LF anywhere */
	assert_decodes("Zm9v\nYmFy\n", 10, STRICT, "foobar", 6);
	assert_decodes("Zm\r\n9vYg=\n=", 11, STRICT, "foob", 4);
	assert_decodes("\n", 1, STRICT, "", 0);
	assert_refused("Zm9v\nYmFy", 9, LENIENT, 4);
	assert_refused("Zm9v\r", 5, LENIENT, 4);
	/* a break does not complete a group */
	assert_refused("Zm9\n", 4, STRICT, 4);
	/* other white space is refused in both modes */
	assert_refused("Zm9v YmFy", 9, STRICT, 4);
	assert_refused("Zm9v\tYmFy", 9, LENIENT, 4);
}

static void test_errors(void **state)
{
	static const enum berth_base64_mode modes[] = {STRICT, LENIENT};
	for (size_t m = 0; m < 2; m++) {
		enum berth_base64_mode mode = modes[m];
		/* a byte of no alphabet */
		assert_refused("Zm9v*mFy", 8, mode, 4);
		assert_refused("\xff", 1, mode, 0);
		assert_refused("Zm\0v", 4, mode, 2);
		/* a lone last character: 6 bits make no byte */
		assert_refused("Zm9vY", 5, mode, 5);
		assert_refused("Z", 1, mode, 1);
		/* padding with fewer than two characters before it in the group */
		assert_refused("=", 1, mode, 0);
		assert_refused("Z===", 4, mode, 1);
		assert_refused("a=GQ", 4, mode, 1);
		assert_refused("Zm9v=", 5, mode, 4);
		assert_refused("Zm9v====", 8, mode, 4);
		/* more padding than the group has room for */
		assert_refused("Zg===", 5, mode, 4);
		assert_refused("Zm8==", 5, mode, 4);
		/* incomplete padding: the input ends early */
		assert_refused("Zg=", 3, mode, 3);
		/* anything after the padding */
		assert_refused("Zg==Zm9v", 8, mode, 4);
		assert_refused("Zm8=x", 5, mode, 4);
		assert_refused("e3=0", 4, mode, 3);
	}
	/* the strict mode wants padding */
	assert_refused("Zm8", 3, STRICT, 3);
	assert_refused("Zg", 2, STRICT, 2);
	/* the URL alphabet in the strict mode */
	assert_refused("Zm_v", 4, STRICT, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_alphabets),
		cmocka_unit_test(test_binary_and_leftover_bits),
		cmocka_unit_test(test_line_breaks),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
