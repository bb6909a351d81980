/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The early cgroup-lock wait (runtime/cgroup-warm.c): which file it writes,
 * one thread per process however often it is begun, ended and joined,
 * nothing of it in a forked child, and berth's own cgroups unchanged.
 */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fs.h"
#include "runtime/runtime.h"

static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * The count once it is n: pthread_join returns when the thread's tid is
 * cleared, a moment before the kernel takes it out of /proc/self/task.
 */
static int threads_settle(int n)
{
	int got = count_threads();
	for (int i = 0; i < 2000 && got != n; i++) {
		usleep(1000);
		got = count_threads();
	}
	return got;
}

static char *own_cgroups(void)
{
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(
		berth_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, &data, &len, NULL), 0);
	return data;
}

/* The file is the cgroup.procs of a cgroup this process is in. */
static void test_own_procs_file(void **state)
{
	char *path = berth_cgroup_own_procs_file();
	assert_non_null(path);
	assert_string_equal(path + strlen(path) - strlen("/cgroup.procs"), "/cgroup.procs");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[32];
	bool found = false;
	while (fgets(line, sizeof(line), f))
		found |= atoi(line) == getpid();
	fclose(f);
	assert_true(found);
	free(path);
}

static void test_begin_end_one_thread(void **state)
{
	if (geteuid() != 0)
		skip();
	char *before = own_cgroups();
	int n = count_threads();
	berth_cgroup_warm_begin();
	assert_int_equal(count_threads(), n + 1);
	berth_cgroup_warm_begin(); /* running: no second thread */
	assert_int_equal(count_threads(), n + 1);
	usleep(20 * 1000); /* some renewals: nothing moves */
	berth_cgroup_warm_end();
	assert_int_equal(threads_settle(n), n);
	berth_cgroup_warm_end(); /* ended: nothing to do */
	char *after = own_cgroups();
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* begun again after an end: a new thread */
	berth_cgroup_warm_begin();
	assert_int_equal(count_threads(), n + 1);
	berth_cgroup_warm_end();
	assert_int_equal(threads_settle(n), n);
}

/* A forked child has no such thread: its end is a no-op, its begin its own. */
static void test_fork_child(void **state)
{
	if (geteuid() != 0)
		skip();
	int n = count_threads();
	berth_cgroup_warm_begin();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = count_threads() == 1;
		berth_cgroup_warm_end();
		berth_cgroup_warm_begin();
		ok &= count_threads() == 2;
		berth_cgroup_warm_end();
		ok &= threads_settle(1) == 1;
		_exit(ok ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(count_threads(), n + 1); /* the parent's goes on */
	berth_cgroup_warm_end();
	assert_int_equal(threads_settle(n), n);
}

/* Left running, it stops renewing by itself but stays until ended. */
static void test_stops_renewing(void **state)
{
	if (geteuid() != 0)
		skip();
	int n = count_threads();
	berth_cgroup_warm_begin();
	usleep(400 * 1000);
	assert_int_equal(count_threads(), n + 1);
	berth_cgroup_warm_end();
	assert_int_equal(threads_settle(n), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_procs_file),
		cmocka_unit_test(test_begin_end_one_thread),
		cmocka_unit_test(test_fork_child),
		cmocka_unit_test(test_stops_renewing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
