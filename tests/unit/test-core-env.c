/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/cleanup.h"
#include "core/env.h"
#include "core/strv.h"

static void test_get(void **state)
{
	(void)state;
	char *env[] = {"PATH=/bin", "EMPTY=", "PATHX=no", "BARE", "A=b=c", NULL};
	assert_string_equal(berth_env_get(env, "PATH"), "/bin");
	assert_string_equal(berth_env_get(env, "EMPTY"), "");
	assert_string_equal(berth_env_get(env, "A"), "b=c");
	/* a prefix of a key is not the key; a bare key has no value */
	assert_null(berth_env_get(env, "PAT"));
	assert_null(berth_env_get(env, "BARE"));
	assert_null(berth_env_get(env, "MISSING"));
	assert_null(berth_env_get(NULL, "PATH"));
}

static void test_set_replaces_in_place(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **env = NULL;
	berth_env_set(&env, "A=1");
	berth_env_set(&env, "B=2");
	berth_env_set(&env, "AB=3");
	berth_env_set(&env, "A=4"); /* replaced where it was, AB untouched */
	berth_env_set(&env, "B");   /* a bare key replaces the valued one */
	berth_env_set(&env, "B=5"); /* and a valued one the bare one */
	assert_int_equal(berth_strv_len(env), 3);
	assert_string_equal(env[0], "A=4");
	assert_string_equal(env[1], "B=5");
	assert_string_equal(env[2], "AB=3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_set_replaces_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
