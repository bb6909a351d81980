/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

/* A pid still ours to wait for (not reaped): waitpid WNOHANG answers 0. */
static bool is_unreaped_child(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

static void test_cleanup_pid_kills_and_reaps(void **state)
{
	(void)state;
	pid_t seen;
	{
		_cleanup_pid_ pid_t pid = spawn_sleeper();
		seen = pid;
		assert_true(is_unreaped_child(seen));
		errno = EXDEV;
	}
	/* killed and reaped: no such child any more, and errno untouched */
	assert_int_equal(errno, EXDEV);
	assert_int_equal(waitpid(seen, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(kill(seen, 0), -1);
}

static void test_cleanup_pid_take(void **state)
{
	(void)state;
	pid_t kept;
	{
		_cleanup_pid_ pid_t pid = spawn_sleeper();
		kept = TAKE_PID(pid);
		assert_int_equal(pid, 0);
	}
	/* handed out: still running, still ours */
	assert_true(is_unreaped_child(kept));
	assert_int_equal(kill(kept, SIGKILL), 0);
	int st;
	assert_int_equal(waitpid(kept, &st, 0), kept);
	assert_true(WIFSIGNALED(st));
}

static void test_cleanup_pid_none(void **state)
{
	(void)state;
	{
		_cleanup_pid_ pid_t none = 0;
		_cleanup_pid_ pid_t failed_fork = -1;
		(void)none;
		(void)failed_fork;
	}
	/* -1 must never reach kill(): kill(-1, SIGKILL) would kill every process */
	assert_true(kill(getpid(), 0) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cleanup_pid_kills_and_reaps),
		cmocka_unit_test(test_cleanup_pid_take),
		cmocka_unit_test(test_cleanup_pid_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
