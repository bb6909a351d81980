/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/lazylib.h"

/* A filter through the shims: built in this process (the first call loads
 * libseccomp), loaded in a child, where it refuses one syscall. */
static void test_filter(void **state)
{
	assert_false(berth_lib_is_loaded(BERTH_LIB_SECCOMP));
	int nr = seccomp_syscall_resolve_name("getppid");
	assert_true(berth_lib_is_loaded(BERTH_LIB_SECCOMP));
	assert_int_equal(nr, SCMP_SYS(getppid));
	assert_int_equal(seccomp_syscall_resolve_name("berth_no_such_call"), __NR_SCMP_ERROR);
	assert_int_not_equal(seccomp_arch_resolve_name("x86_64"), 0);
	assert_int_equal(seccomp_arch_resolve_name("berth"), 0);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
			_exit(2);
		struct scmp_arg_cmp none[1];
		if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EXDEV), nr, 0, none) < 0)
			_exit(3);
		int r = seccomp_load(ctx);
		seccomp_release(ctx);
		if (r < 0)
			_exit(r == -EPERM || r == -EACCES ? 77 : 4);
		/* syscall(): glibc's getppid() returns what the kernel said */
		_exit(syscall(SYS_getppid) == -1 && errno == EXDEV ? 0 : 5);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip(); /* no CAP_SYS_ADMIN here */
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
