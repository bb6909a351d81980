/* SPDX-License-Identifier: Apache-2.0 */
/* Image references: Docker's grammar, normalisation and error messages. */
#include "unit.h"

#include "core/cleanup.h"
#include "image/image.h"

static void ok(const char *in, const char *name)
{
	struct berth_image_ref r;
	struct berth_error *err = NULL;
	int q = berth_image_ref_parse(in, &r, &err);
	if (q < 0)
		fail_msg("'%s': %s", in, err->msg);
	_cleanup_free_ char *n = berth_image_ref_name(&r);
	if (strcmp(n, name) != 0)
		fail_msg("'%s' -> '%s', expected '%s'", in, n, name);
	berth_image_ref_release(&r);
}

static void bad(const char *in, const char *msg)
{
	struct berth_image_ref r;
	struct berth_error *err = NULL;
	int q = berth_image_ref_parse(in, &r, &err);
	if (q >= 0)
		fail_msg("'%s' parsed but should not", in);
	assert_int_equal(q, -EINVAL);
	if (strcmp(err->msg, msg) != 0)
		fail_msg("'%s': got '%s', expected '%s'", in, err->msg, msg);
	berth_error_free(&err);
}

static void test_valid(void **state)
{
	ok("busybox", "docker.io/library/busybox:latest");
	ok("busybox:1.36", "docker.io/library/busybox:1.36");
	ok("library/busybox", "docker.io/library/busybox:latest");
	ok("docker.io/busybox", "docker.io/library/busybox:latest");
	ok("index.docker.io/library/busybox:x", "docker.io/library/busybox:x");
	ok("user/app:v1", "docker.io/user/app:v1");
	ok("host:5000/a/b:tag", "host:5000/a/b:tag");
	ok("localhost/app", "localhost/app:latest");
	ok("Registry.Example.COM/app", "Registry.Example.COM/app:latest");
	ok("a.b/c__d/e-f/g.h:TAG_1.x-y", "a.b/c__d/e-f/g.h:TAG_1.x-y");
	ok("a--b", "docker.io/library/a--b:latest");
	ok("[::1]:5000/app:1", "[::1]:5000/app:1");
	ok("app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	   "docker.io/library/app@sha256:"
	   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ok("host:5000", "docker.io/library/host:5000");
}

static void test_digest_and_tag(void **state)
{
	struct berth_image_ref r;
	struct berth_error *err = NULL;
	assert_ok(berth_image_ref_parse(
			  "app:1@sha256:"
			  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			  &r, &err),
		  err);
	assert_true(r.has_digest);
	assert_string_equal(r.tag, "1");
	_cleanup_free_ char *repo = berth_image_ref_repository(&r);
	assert_string_equal(repo, "docker.io/library/app");
	berth_image_ref_release(&r);
}

static void test_invalid(void **state)
{
	bad("", "invalid reference format: repository name must have at least one component");
	bad("Busybox", "invalid reference format: repository name must be lowercase");
	bad("docker.io/Library/busybox",
	    "invalid reference format: repository name must be lowercase");
	bad("a b", "invalid reference format");
	bad("a:b:c", "invalid reference format");
	bad("-a", "invalid reference format");
	bad("a_", "invalid reference format");
	bad("a//b", "invalid reference format");
	bad("a/", "invalid reference format");
	bad("a:", "invalid reference format");
	bad("[1]/k", "invalid reference format"); /* found by fuzzing */
	bad("a:-x", "invalid reference format");
	bad("a@sha256:abc", "invalid reference format");
	bad("a@md5:0123456789abcdef0123456789abcdef",
	    "invalid reference format: unsupported digest 'md5:0123456789abcdef0123456789abcdef' "
	    "(only sha256 is)");
	bad("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "invalid repository name "
	    "(0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
	    "ef), cannot specify 64-byte hexadecimal strings");
	char long_name[300];
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	bad(long_name, "invalid reference format: repository name must not be more than 255 "
		       "characters");
	/* the limit counts the normalised name: 240 + "docker.io/library/" is too long */
	long_name[240] = '\0';
	bad(long_name, "invalid reference format: repository name must not be more than 255 "
		       "characters");
	char long_tag[200] = "a:";
	memset(long_tag + 2, 't', 129);
	long_tag[131] = '\0';
	bad(long_tag, "invalid reference format");
}

static void test_familiar(void **state)
{
	_cleanup_free_ char *a = berth_image_familiar_repository("docker.io/library/busybox");
	_cleanup_free_ char *b = berth_image_familiar_repository("docker.io/user/app");
	_cleanup_free_ char *c = berth_image_familiar_repository("host:5000/a/b");
	_cleanup_free_ char *d = berth_image_familiar_repository("docker.io/library/a/b");
	assert_string_equal(a, "busybox");
	assert_string_equal(b, "user/app");
	assert_string_equal(c, "host:5000/a/b");
	assert_string_equal(d, "library/a/b");
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	berth_image_name_split("host:5000/a/b:7", &repo, &tag);
	assert_string_equal(repo, "host:5000/a/b");
	assert_string_equal(tag, "7");
	_cleanup_free_ char *repo2 = NULL, *tag2 = NULL;
	berth_image_name_split(
		"docker.io/library/"
		"x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		&repo2, &tag2);
	assert_string_equal(repo2, "x");
	assert_string_equal(tag2, "<none>");
}

static void redacted(const char *in, const char *want)
{
	_cleanup_free_ char *got = berth_image_ref_redact(in);
	if (strcmp(got, want) != 0)
		fail_msg("redact '%s' -> '%s', expected '%s'", in, got, want);
}

/* a password typed into a reference never comes back in a message */
static void test_redact(void **state)
{
	(void)state;
	redacted("user:secret@host/x", "<redacted>@host/x");
	redacted("user:secret@host:5000/a/b:1", "<redacted>@host:5000/a/b:1");
	redacted("user:p@ss@host/x", "<redacted>@host/x");
	redacted("user:secret@host", "<redacted>@host");
	redacted("user:secret@host:5000", "<redacted>@host:5000");
	redacted("user:secret@host/x@sha256:"
		 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		 "<redacted>@host/x@sha256:"
		 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	/* references without userinfo stay whole */
	redacted("busybox", "busybox");
	redacted("host:5000/a/b:tag", "host:5000/a/b:tag");
	redacted("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		 "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	redacted("host/x@sha256:abc", "host/x@sha256:abc");
	redacted("", "");
}

/* `images REPO[:TAG]` and the API's reference= filter */
static void test_name_matches(void **state)
{
	assert_true(berth_image_name_matches("busybox", "1", NULL));
	assert_true(berth_image_name_matches("busybox", "1", "busybox"));
	assert_true(berth_image_name_matches("busybox", "1", "docker.io/library/busybox:1"));
	assert_false(berth_image_name_matches("busybox", "1", "busybox:2"));
	assert_true(berth_image_name_matches("127.0.0.1:5000/a/b", "3", "127.0.0.1:5000/a/b"));
	assert_false(berth_image_name_matches("127.0.0.1:5000/a/b", "3", "127.0.0.1:5000/a/b:4"));
	assert_false(berth_image_name_matches("busybox", "1", "BAD REF"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),	cmocka_unit_test(test_digest_and_tag),
		cmocka_unit_test(test_invalid), cmocka_unit_test(test_familiar),
		cmocka_unit_test(test_redact),	cmocka_unit_test(test_name_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
