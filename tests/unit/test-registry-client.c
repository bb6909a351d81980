/* SPDX-License-Identifier: Apache-2.0 */
/* The session (registry/client.c): status errors, index selection. */
#include "registry-client-test.h"

static void test_status_error(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	char *data = NULL, *mt = NULL;
	size_t len = 0;
	struct berth_digest d;
	assert_int_equal(registry_get_manifest(reg, "missing", &data, &len, &mt, &d, &err),
			 -ENOENT);
	assert_non_null(strstr(err->msg, "manifest 'missing'"));
	assert_non_null(strstr(err->msg, "not found"));
}

static void test_index_select(void **state)
{
	const char *idx =
		"{\"manifests\":["
		"{\"digest\":\"sha256:"
		"1111111111111111111111111111111111111111111111111111111111111111\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		"{\"digest\":\"sha256:"
		"2222222222222222222222222222222222222222222222222222222222222222\","
		"\"mediaType\":\"m\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
		"\"variant\":\"v6\"}},"
		"{\"digest\":\"sha256:"
		"3333333333333333333333333333333333333333333333333333333333333333\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
		"{\"digest\":\"sha256:"
		"4444444444444444444444444444444444444444444444444444444444444444\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
	struct berth_digest d;
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_error_ struct berth_error *err = NULL;
	char *mt = NULL;
	assert_ok(registry_index_select(idx, strlen(idx), "linux/x86_64", &d, &mt, &err), err);
	assert_int_equal(berth_digest_fmt(&d, hex)[7], '1');
	free(mt);
	assert_ok(registry_index_select(idx, strlen(idx), "linux/arm/v7", &d, &mt, &err), err);
	assert_int_equal(berth_digest_fmt(&d, hex)[7], '3');
	free(mt);
	assert_ok(registry_index_select(idx, strlen(idx), "linux/arm/v6", &d, &mt, &err), err);
	assert_string_equal(mt, "m");
	free(mt);
	assert_ok(registry_index_select(idx, strlen(idx), "linux/arm64/v8", &d, &mt, &err), err);
	assert_int_equal(berth_digest_fmt(&d, hex)[7], '4');
	free(mt);
	assert_int_equal(registry_index_select(idx, strlen(idx), "linux/s390x", &d, &mt, &err),
			 -ENOENT);
	assert_non_null(strstr(err->msg, "'linux/s390x'"));
	assert_int_equal(registry_index_select(idx, strlen(idx), "linux", &d, &mt, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_error),
		cmocka_unit_test(test_index_select),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
