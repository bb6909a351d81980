/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <sys/wait.h>
#include <unistd.h>

#include "core/lazylib.h"

static void test_open_missing_library(void **state)
{
	struct berth_error *err = NULL;
	const char *names[] = {"nothing"};
	void *t[1] = {(void *)&err};
	assert_int_equal(berth_lazylib_open("libberth-no-such.so.9", names, 1, t, &err), -ELIBACC);
	assert_non_null(strstr(err->msg, "libberth-no-such.so.9: cannot load: "));
	assert_ptr_equal(t[0], (void *)&err); /* untouched on failure */
	berth_error_free(&err);
}

static void test_open_missing_symbol(void **state)
{
	struct berth_error *err = NULL;
	const char *names[] = {"zlibVersion", "berth_no_such_symbol"};
	void *t[2] = {NULL, NULL};
	assert_int_equal(berth_lazylib_open("libz.so.1", names, 2, t, &err), -ELIBACC);
	assert_string_equal(err->msg,
			    "libz.so.1: cannot load: symbol 'berth_no_such_symbol' missing");
	assert_null(t[0]);
	berth_error_free(&err);
}

static void test_open_resolves(void **state)
{
	struct berth_error *err = NULL;
	const char *names[] = {"zlibVersion"};
	void *t[1] = {NULL};
	assert_ok(berth_lazylib_open("libz.so.1", names, 1, t, &err), err);
	const char *(*version)(void) = (const char *(*)(void))t[0];
	assert_true(version()[0] >= '1');
}

static void test_load_each_library(void **state)
{
	/* nothing in this test binary calls a lazy library before this test */
	for (int lib = 0; lib < _BERTH_LIB_MAX; lib++) {
		struct berth_error *err = NULL;
		assert_false(berth_lib_is_loaded(lib));
		assert_non_null(strstr(berth_lib_soname(lib), ".so."));
		assert_ok(berth_lib_load(lib, &err), err);
		assert_true(berth_lib_is_loaded(lib));
		assert_ok(berth_lib_load(lib, &err), err); /* once: same answer */
		assert_non_null(berth_lib_sym(lib, 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_missing_library),
		cmocka_unit_test(test_open_missing_symbol),
		cmocka_unit_test(test_open_resolves),
		cmocka_unit_test(test_load_each_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
