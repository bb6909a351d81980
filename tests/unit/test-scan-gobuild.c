/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go build info: blobs and ELF files made by hand here (64- and 32-bit,
 * little- and big-endian), the packages and purls they give, replacements,
 * and files that lie or end early: each refused with a message or listing
 * nothing, never read out of bounds.
 */
#include "unit.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "scan/scan.h"

#define FRAME "0123456789abcdef" /* 16 bytes, as the linker's framing */

static void add_uvarint(struct berth_buf *b, size_t n)
{
	do {
		berth_buf_addch(b, (char)((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
		n >>= 7;
	} while (n);
}

/* A .go.buildinfo blob: the header (flags 2: inline strings), the version, the framed modinfo. */
static void blob(struct berth_buf *b, const char *vers, const char *modinfo)
{
	berth_buf_add(b, "\xff Go buildinf:\x08\x02", 16);
	berth_buf_add(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	add_uvarint(b, strlen(vers));
	berth_buf_addstr(b, vers);
	add_uvarint(b, strlen(modinfo) + 32);
	berth_buf_addstr(b, FRAME);
	berth_buf_addstr(b, modinfo);
	berth_buf_addstr(b, FRAME);
}

static void put(uint8_t *p, uint64_t v, size_t n, bool be)
{
	for (size_t i = 0; i < n; i++)
		p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/*
 * An ELF file: header, program headers (text R+X, data R+W at 0x1000), and
 * the blob at pad bytes into the data segment. pie: a relro segment (R+W,
 * holding a misaligned magic) at 0x1000 first, the data segment at 0x2000.
 */
static char *elf(bool is64, bool be, bool pie, const struct berth_buf *bl, size_t pad,
		 size_t *ret_len)
{
	size_t data = pie ? 0x2000 : 0x1000, len = data + pad + bl->len, nph = pie ? 3 : 2;
	uint8_t *f = berth_xcalloc(1, len);
	memcpy(f,
	       "\x7f"
	       "ELF",
	       4);
	f[4] = is64 ? 2 : 1;
	f[5] = be ? 2 : 1;
	f[6] = 1;
	size_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32;
	put(f + 16, 2, 2, be); /* ET_EXEC */
	put(f + (is64 ? 32 : 28), eh, is64 ? 8 : 4, be);
	put(f + (is64 ? 54 : 42), ph, 2, be);
	put(f + (is64 ? 56 : 44), nph, 2, be);
	const uint64_t segs[3][3] = {
		{0, eh + nph * ph, 5 /* R+X */},
		{data, pad + bl->len, 6 /* R+W */},
		{0x1000, 0x1000, 6},
	};
	for (size_t i = 0; i < nph; i++) {
		uint8_t *p = f + eh + i * ph;
		put(p, 1, 4, be); /* PT_LOAD */
		put(p + (is64 ? 4 : 24), segs[i][2], 4, be);
		put(p + (is64 ? 8 : 4), segs[i][0], is64 ? 8 : 4, be);
		put(p + (is64 ? 32 : 16), segs[i][1], is64 ? 8 : 4, be);
	}
	if (pie)
		memcpy(f + 0x1008, bl->buf, 32);
	memcpy(f + data + pad, bl->buf, bl->len);
	*ret_len = len;
	return (char *)f;
}

/* "purl arch [source]" lines of packages, in order. */
static char *lines_of(const struct berth_package *p, size_t n)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *purl = berth_package_purl(&p[i], NULL);
		berth_buf_addf(&b, "%s %s%s%s\n", purl, p[i].arch ? p[i].arch : "-",
			       p[i].source ? " " : "", p[i].source ? p[i].source : "");
	}
	return berth_buf_detach(&b, NULL);
}

static const char modinfo[] = "path\texample.com/app\n"
			      "mod\texample.com/app\t(devel)\t\n"
			      "dep\texample.com/lib\tv1.2.3\n"
			      "=>\t../lib\t(devel)\t\n"
			      "dep\tgolang.org/x/text\tv0.3.7\th1:abc=\n"
			      "=>\texample.com/fork/text\tv0.3.8\th1:def=\n"
			      "dep\tgithub.com/a/b\tv0.0.0-20230101000000-abcdef123456\th1:x=\n"
			      "build\t-compiler=gc\n"
			      "build\tGOARCH=arm64\n"
			      "build\tGOOS=linux\n";

static const char want[] =
	"pkg:golang/example.com/app@%28devel%29 arm64\n"
	"pkg:golang/example.com/lib@v1.2.3 arm64 example.com/lib v1.2.3 => ../lib (devel)\n"
	"pkg:golang/example.com/fork/text@v0.3.8 arm64 golang.org/x/text v0.3.7 => "
	"example.com/fork/text v0.3.8\n"
	"pkg:golang/github.com/a/b@v0.0.0-20230101000000-abcdef123456 arm64\n"
	"pkg:golang/stdlib@1.19.8 arm64\n";

static void expect_blob(const char *vers, const char *mi, const char *expected)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	blob(&b, vers, mi);
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	int r = berth_scan_parse_go_buildinfo("f", b.buf, b.len, &p, &n, &err);
	if (r < 0)
		fail_msg("%s", berth_error_msg(err));
	_cleanup_free_ char *got = lines_of(p, n);
	assert_string_equal(got, expected);
	berth_packages_free(p, n);
}

static void test_blob(void **state)
{
	(void)state;
	expect_blob("go1.19.8", modinfo, want);
	/* Go 1.20's first release is "go1.20": OSV says 1.20.0; a toolchain suffix is dropped */
	expect_blob("go1.20 X:boringcrypto", "mod\tm\tv1.0.0\t\n",
		    "pkg:golang/m@v1.0.0 -\npkg:golang/stdlib@1.20.0 -\n");
	/* a development toolchain is no release: no stdlib; no framing: no modules */
	expect_blob("devel go1.22-abc", "", "");
	/* lines of later Go versions are skipped */
	expect_blob("go1.21.5", "mod\tm\t\t\nfuture\tx\n",
		    "pkg:golang/m@%28devel%29 -\n"
		    "pkg:golang/stdlib@1.21.5 -\n");
}

static void expect_bad_blob(const char *mi, const char *msg)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	blob(&b, "go1.19.8", mi);
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	assert_int_equal(berth_scan_parse_go_buildinfo("bin/app", b.buf, b.len, &p, &n, &err),
			 -EBADMSG);
	assert_string_equal(berth_error_msg(err), msg);
	assert_null(p);
	berth_error_free(&err);
}

static void test_blob_bad(void **state)
{
	(void)state;
	expect_bad_blob("=>\tx\tv1\t\n", "bin/app: modinfo:1: a malformed replacement");
	expect_bad_blob("dep\tx\n", "bin/app: modinfo:1: a malformed module");
	expect_bad_blob("dep\tx y\tv1\n", "bin/app: modinfo:1: a malformed module");
	expect_bad_blob("mod\tm\tv1\t\ndep\t\xc3\xa9\tv1\n",
			"bin/app: modinfo:2: a malformed module");
	expect_bad_blob("mod\tm\tv1\t\npath\tm\n=>\tx\tv2\n",
			"bin/app: modinfo:3: a malformed replacement");
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	blob(&b, "go1.19.8", modinfo);
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	/* every truncation is refused */
	for (size_t len = 0; len < b.len; len++) {
		assert_int_equal(berth_scan_parse_go_buildinfo("f", b.buf, len, &p, &n, &err),
				 -EBADMSG);
		assert_null(p);
		berth_error_free(&err);
	}
	/* a length past the blob, an overlong varint */
	b.buf[32] = (char)0xff;
	assert_int_equal(berth_scan_parse_go_buildinfo("f", b.buf, b.len, &p, &n, &err), -EBADMSG);
	berth_error_free(&err);
	memset(b.buf + 32, 0xff, 11);
	assert_int_equal(berth_scan_parse_go_buildinfo("f", b.buf, b.len, &p, &n, &err), -EBADMSG);
	assert_string_equal(berth_error_msg(err),
			    "f: Go build info: a string length out of bounds");
	berth_error_free(&err);
	/* Go before 1.18: pointers, not strings */
	b.buf[15] = 0;
	assert_int_equal(berth_scan_parse_go_buildinfo("f", b.buf, b.len, &p, &n, &err),
			 -EOPNOTSUPP);
	berth_error_free(&err);
	b.buf[15] = 2;
	b.buf[14] = 3;
	assert_int_equal(berth_scan_parse_go_buildinfo("f", b.buf, b.len, &p, &n, &err), -EBADMSG);
	assert_string_equal(berth_error_msg(err), "f: Go build info: pointer size 3");
	berth_error_free(&err);
}

/* The file f lists the packages of modinfo. */
static void expect_file(const char *f, size_t len)
{
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	if (berth_scan_go_binary_mem("f", f, len, &p, &n, &err) < 0)
		fail_msg("%s", berth_error_msg(err));
	_cleanup_free_ char *got = lines_of(p, n);
	assert_string_equal(got, want);
	berth_packages_free(p, n);
}

static void test_elf(void **state)
{
	(void)state;
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	blob(&b, "go1.19.8", modinfo);
	/* 64 and 32 bit, both byte orders, a PIE's relro segment before the data segment */
	for (int k = 0; k < 8; k++) {
		size_t len;
		/* the blob 16-byte aligned, after other data */
		_cleanup_free_ char *f = elf(k & 1, k & 2, k & 4, &b, k * 16, &len);
		expect_file(f, len);
	}
}

/*
 * External linking: the blob after C's data, past the segment's first 64 KiB,
 * in a segment that starts off the 16-byte alignment the blob's file offset has.
 */
static void test_elf_external_link(void **state)
{
	(void)state;
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	blob(&b, "go1.19.8", modinfo);
	size_t len;
	_cleanup_free_ char *f = elf(true, false, false, &b, 0x20000, &len);
	uint8_t *ph = (uint8_t *)f + 64 + 56;
	put(ph + 8, 0x1000 - 8, 8, false);
	put(ph + 32, 0x20000 + b.len + 8, 8, false);
	expect_file(f, len);
}

static void test_elf_not_go(void **state)
{
	(void)state;
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	/* an object file: no program headers */
	uint8_t obj[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	assert_int_equal(berth_scan_go_binary_mem("f", obj, sizeof(obj), &p, &n, &err), 0);
	/* a script, an empty file: nothing, silently */
	assert_int_equal(berth_scan_go_binary_mem("f", "#!/bin/sh\n", 10, &p, &n, &err), 0);
	assert_int_equal(berth_scan_go_binary_mem("f", "", 0, &p, &n, &err), 0);
	assert_int_equal(n, 0);
	/* an ELF without the magic, or with it off the 16-byte alignment */
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addstr(&b, "not go data, just bytes");
	size_t len;
	_cleanup_free_ char *f = elf(true, false, false, &b, 0, &len);
	assert_int_equal(berth_scan_go_binary_mem("f", f, len, &p, &n, &err), 0);
	assert_int_equal(n, 0);
	berth_buf_reset(&b);
	blob(&b, "go1.19.8", modinfo);
	_cleanup_free_ char *g = elf(true, false, false, &b, 8, &len);
	assert_int_equal(berth_scan_go_binary_mem("f", g, len, &p, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void test_elf_lies(void **state)
{
	(void)state;
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	blob(&b, "go1.19.8", modinfo);
	size_t len;
	_cleanup_free_ char *f = elf(true, false, false, &b, 0, &len);
	struct berth_package *p = NULL;
	size_t n = 0;
	struct berth_error *err = NULL;
	/* every truncation lists nothing or is refused, never read past */
	for (size_t cut = 0; cut < len; cut++) {
		_cleanup_free_ char *t = berth_xmemdup(f, cut);
		int r = berth_scan_go_binary_mem("f", t, cut, &p, &n, &err);
		assert_true(r == 0 || r == -EBADMSG);
		assert_int_equal(n, 0);
		assert_null(p);
		berth_error_free(&err);
	}
	assert_int_equal(berth_scan_go_binary_mem("f", f, 100, &p, &n, &err), -EBADMSG);
	assert_string_equal(berth_error_msg(err), "f: truncated program headers");
	berth_error_free(&err);
	assert_int_equal(berth_scan_go_binary_mem("f", f, 0x1000 + 40, &p, &n, &err), -EBADMSG);
	assert_string_equal(berth_error_msg(err), "f: Go build info: truncated");
	berth_error_free(&err);
	/* program headers far out, past the end; a data segment inside the headers is not Go's */
	put((uint8_t *)f + 32, 1u << 20, 8, false);
	assert_int_equal(berth_scan_go_binary_mem("f", f, len, &p, &n, &err), -EBADMSG);
	assert_string_equal(berth_error_msg(err), "f: program headers out of bounds");
	berth_error_free(&err);
	put((uint8_t *)f + 32, 64, 8, false);
	put((uint8_t *)f + 64 + 56 + 8, 16, 8, false);
	assert_int_equal(berth_scan_go_binary_mem("f", f, len, &p, &n, &err), 0);
	assert_int_equal(n, 0);
	put((uint8_t *)f + 64 + 56 + 8, 1ull << 40, 8, false);
	assert_int_equal(berth_scan_go_binary_mem("f", f, len, &p, &n, &err), -EBADMSG);
	assert_string_equal(berth_error_msg(err), "f: the data segment lies past the file's end");
	berth_error_free(&err);
	/* a segment size shorter than the blob says */
	put((uint8_t *)f + 64 + 56 + 8, 0x1000, 8, false);
	put((uint8_t *)f + 64 + 56 + 32, 40, 8, false);
	assert_int_equal(berth_scan_go_binary_mem("f", f, len, &p, &n, &err), -EBADMSG);
	assert_string_equal(berth_error_msg(err),
			    "f: Go build info: too large or past the data segment");
	berth_error_free(&err);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blob),	   cmocka_unit_test(test_blob_bad),
		cmocka_unit_test(test_elf),	   cmocka_unit_test(test_elf_external_link),
		cmocka_unit_test(test_elf_not_go), cmocka_unit_test(test_elf_lies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
