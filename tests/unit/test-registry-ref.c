/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/cleanup.h"
#include "registry/registry.h"

static void check(const char *in, const char *domain, const char *path, const char *tag,
		  const char *digest)
{
	struct berth_registry_ref r;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(berth_registry_ref_parse(in, &r, &err), err);
	assert_string_equal(r.domain, domain);
	assert_string_equal(r.path, path);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	berth_registry_ref_release(&r);
}

#define D "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_valid(void **state)
{
	check("busybox", "docker.io", "library/busybox", "latest", NULL);
	check("busybox:1.36", "docker.io", "library/busybox", "1.36", NULL);
	check("user/app", "docker.io", "user/app", "latest", NULL);
	check("index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", NULL);
	check("localhost/app:v1", "localhost", "app", "v1", NULL);
	check("localhost:5000/a/b/c:t_1.2-x", "localhost:5000", "a/b/c", "t_1.2-x", NULL);
	check("127.0.0.1:41000/x/y", "127.0.0.1:41000", "x/y", "latest", NULL);
	check("quay.io/a__b/c--d.e", "quay.io", "a__b/c--d.e", "latest", NULL);
	check("app@" D, "docker.io", "library/app", NULL, D);
	check("h.io/app:t@" D, "h.io", "app", "t", D);
	check("[::1]:5000/app", "[::1]:5000", "app", "latest", NULL);
}

static void bad(const char *in, const char *msg)
{
	struct berth_registry_ref r;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_int_equal(berth_registry_ref_parse(in, &r, &err), -EINVAL);
	assert_non_null(strstr(err->msg, msg));
}

static void test_invalid(void **state)
{
	bad("", "invalid reference format");
	bad("Busybox", "repository name must be lowercase");
	bad("docker.io/Library/x", "repository name must be lowercase");
	bad("a/b:", "invalid reference format");
	bad("a:b:c", "invalid reference format");
	bad("a@sha256:12", "invalid reference format");
	bad("a..b", "invalid reference format");
	bad("a/-b", "invalid reference format");
	bad("a_", "invalid reference format");
	bad("host:99999999/a", "invalid reference format");
	bad("-host.io/a", "invalid reference format");
	bad("a//b", "invalid reference format");
}

static void test_string(void **state)
{
	struct berth_registry_ref r;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(berth_registry_ref_parse("busybox", &r, &err), err);
	_cleanup_free_ char *s = berth_registry_ref_string(&r);
	assert_string_equal(s, "docker.io/library/busybox:latest");
	berth_registry_ref_release(&r);
}

static void test_platform(void **state)
{
	const char *p = berth_registry_host_platform();
	assert_true(strncmp(p, "linux/", 6) == 0);
	assert_ptr_equal(p, berth_registry_host_platform());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_platform),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
