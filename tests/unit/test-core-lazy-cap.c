/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <sys/capability.h>
#include <sys/wait.h>

#include "core/lazylib.h"

/* Names both ways through the shims; the first call loads libcap. */
static void test_names(void **state)
{
	assert_false(berth_lib_is_loaded(BERTH_LIB_CAP));
	cap_value_t v = -1;
	assert_int_equal(cap_from_name("cap_net_raw", &v), 0);
	assert_true(berth_lib_is_loaded(BERTH_LIB_CAP));
	assert_int_equal(v, CAP_NET_RAW);
	assert_true(cap_from_name("cap_berth", &v) < 0);
	char *n = cap_to_name(CAP_CHOWN);
	assert_string_equal(n, "cap_chown");
	assert_int_equal(cap_free(n), 0);
	/* the constructor ran at dlopen: the kernel's count is known */
	assert_true(cap_max_bits() > CAP_SYS_ADMIN);
}

/* cap_init/cap_set_flag/cap_set_proc in a child: only CAP_CHOWN is left. */
static void test_set_proc(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cap_t c = cap_init();
		cap_value_t keep[] = {CAP_CHOWN};
		if (!c || cap_set_flag(c, CAP_EFFECTIVE, 1, keep, CAP_SET) < 0 ||
		    cap_set_flag(c, CAP_PERMITTED, 1, keep, CAP_SET) < 0)
			_exit(2);
		int r = cap_set_proc(c);
		cap_free(c);
		if (r < 0)
			_exit(3);
		FILE *f = fopen("/proc/self/status", "r");
		char line[256];
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "CapEff:", 7) == 0)
				_exit(strtoull(line + 7, NULL, 16) == 1ULL << CAP_CHOWN ? 0 : 4);
		_exit(5);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_set_proc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
