/* SPDX-License-Identifier: Apache-2.0 */
/* version and info's model (system/info.c): Docker's field names over a store. */
#include "unit.h"

#include <sys/utsname.h>

#include "core/json.h"
#include "store-fixture.h"
#include "system/system.h"

static void test_go_arch(void **state)
{
	(void)state;
	assert_string_equal(berth_system_go_arch("x86_64"), "amd64");
	assert_string_equal(berth_system_go_arch("aarch64"), "arm64");
	assert_string_equal(berth_system_go_arch("riscv64"), "riscv64");
}

static void test_version(void **state)
{
	(void)state;
	_cleanup_json_ json_t *v = berth_system_version();
	struct utsname u;
	assert_int_equal(uname(&u), 0);
	assert_string_equal(json_string_value(json_object_get(v, "ApiVersion")), "1.41");
	assert_string_equal(json_string_value(json_object_get(v, "MinAPIVersion")), "1.24");
	assert_string_equal(json_string_value(json_object_get(v, "Version")), BERTH_VERSION);
	assert_string_equal(json_string_value(json_object_get(v, "KernelVersion")), u.release);
	json_t *engine = json_array_get(json_object_get(v, "Components"), 0);
	assert_string_equal(json_string_value(json_object_get(engine, "Name")), "Engine");
	/* docker version prints the engine's OS/Arch from its Details */
	json_t *d = json_object_get(engine, "Details");
	assert_string_equal(json_string_value(json_object_get(d, "Os")), "linux");
	assert_string_equal(json_string_value(json_object_get(d, "Arch")),
			    berth_system_go_arch(u.machine));
}

static void test_info_empty_store(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *i = NULL;
	assert_ok(berth_system_info(f->s, f->root, true, &i, &err), err);
	assert_int_equal(json_integer_value(json_object_get(i, "Containers")), 0);
	assert_int_equal(json_integer_value(json_object_get(i, "Images")), 0);
	assert_string_equal(json_string_value(json_object_get(i, "DockerRootDir")), f->root);
	assert_string_equal(json_string_value(json_object_get(i, "OSType")), "linux");
	assert_true(json_is_true(json_object_get(i, "Debug")));
	assert_true(json_integer_value(json_object_get(i, "NCPU")) >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_arch),
		cmocka_unit_test(test_version),
		cmocka_unit_test_setup_teardown(test_info_empty_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
