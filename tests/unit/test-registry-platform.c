/* SPDX-License-Identifier: Apache-2.0 */
/* The host's platform in Docker's names, the default pick from an index. */
#include "unit.h"

#include <sys/utsname.h>

#include "registry/registry.h"

static void test_platform(void **state)
{
	const char *p = berth_registry_host_platform();
	struct utsname u;
	assert_int_equal(uname(&u), 0);
	if (strcmp(u.machine, "x86_64") == 0)
		assert_string_equal(p, "linux/amd64");
	else if (strcmp(u.machine, "aarch64") == 0)
		assert_string_equal(p, "linux/arm64/v8");
	else
		assert_true(strncmp(p, "linux/", 6) == 0);
	/* computed once: the same static storage every time */
	assert_ptr_equal(p, berth_registry_host_platform());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_platform),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
