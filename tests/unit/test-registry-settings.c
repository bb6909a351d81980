/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "registry/internal.h"

static void test_insecure(void **state)
{
	char *list[] = {"reg.lan:5000", "other.lan", NULL};
	struct berth_registry_settings s = {.insecure_registries = list};
	berth_registry_configure(&s);
	assert_true(registry_is_insecure("localhost"));
	assert_true(registry_is_insecure("localhost:5000"));
	assert_true(registry_is_insecure("127.0.0.1:41234"));
	assert_true(registry_is_insecure("127.1.2.3"));
	assert_true(registry_is_insecure("[::1]:5000"));
	assert_true(registry_is_insecure("reg.lan:5000"));
	assert_true(registry_is_insecure("other.lan:443"));
	assert_false(registry_is_insecure("reg.lan:5001"));
	assert_false(registry_is_insecure("localhost.evil.com"));
	assert_false(registry_is_insecure("docker.io"));
	assert_false(registry_is_insecure("128.0.0.1:5000"));
	assert_string_equal(registry_api_host("docker.io"), "registry-1.docker.io");
	assert_string_equal(registry_api_host("quay.io"), "quay.io");
	assert_ptr_equal(registry_settings()->insecure_registries, list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insecure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
