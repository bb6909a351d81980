/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/cleanup.h"
#include "core/error.h"

static int inner(struct berth_error **err)
{
	return berth_error_syscall(err, ELOOP, "open 'etc/passwd' in layer %s", "sha256:ab12");
}

static int outer(struct berth_error **err)
{
	int r = inner(err);
	if (r < 0)
		return berth_error_prefix(err, "image 'busybox'");
	return 0;
}

static void test_chain(void **state)
{
	_cleanup_error_ struct berth_error *err = NULL;
	int r = outer(&err);
	assert_int_equal(r, -ELOOP);
	assert_int_equal(berth_error_code(err), ELOOP);
	assert_string_equal(err->msg, "image 'busybox': open 'etc/passwd' in layer sha256:ab12: "
				      "Too many levels of symbolic links");
}

static void test_null_err(void **state)
{
	assert_int_equal(berth_error_set(NULL, ENOENT, "x"), -ENOENT);
	assert_int_equal(berth_error_prefix(NULL, "y"), -EIO);
	assert_int_equal(berth_error_code(NULL), 0);
	assert_string_equal(berth_error_msg(NULL), "");
}

static void test_prefix_without_error(void **state)
{
	_cleanup_error_ struct berth_error *err = NULL;
	assert_int_equal(berth_error_prefix(&err, "what %d", 1), -EIO);
	assert_string_equal(err->msg, "what 1");
}

static void test_set_replaces(void **state)
{
	_cleanup_error_ struct berth_error *err = NULL;
	berth_error_set(&err, EINVAL, "first");
	berth_error_set(&err, EBADMSG, "second");
	assert_int_equal(err->code, EBADMSG);
	assert_string_equal(err->msg, "second");
	berth_error_free(&err);
	assert_null(err);
	berth_error_free(&err);
	assert_int_equal(berth_error_set(&err, 0, "zero"), -EIO);
}

static void test_user_class(void **state)
{
	assert_true(berth_error_is_user(EINVAL));
	assert_true(berth_error_is_user(EBADMSG));
	assert_false(berth_error_is_user(EIO));
	assert_false(berth_error_is_user(ENOMEM));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_null_err),
		cmocka_unit_test(test_prefix_without_error),
		cmocka_unit_test(test_set_replaces),
		cmocka_unit_test(test_user_class),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
