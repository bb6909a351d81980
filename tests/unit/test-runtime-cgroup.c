/* SPDX-License-Identifier: Apache-2.0 */
/* Cgroups: the layout of this host, limits written, everything removed. */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fs.h"
#include "runtime/runtime.h"

static void test_detect(void **state)
{
	enum berth_cgroup_layout l;
	struct berth_error *err = NULL;
	assert_ok(berth_cgroup_detect(&l, &err), err);
	struct stat st;
	if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
		assert_int_equal(l, BERTH_CGROUP_V2);
	else if (stat("/sys/fs/cgroup/unified/cgroup.controllers", &st) == 0)
		assert_int_equal(l, BERTH_CGROUP_HYBRID);
	else
		assert_int_equal(l, BERTH_CGROUP_V1);
	assert_non_null(berth_cgroup_layout_name(l));
}

static void test_create_limit_destroy(void **state)
{
	if (geteuid() != 0)
		skip();
	struct berth_spec spec;
	struct berth_cgroup cg = {0};
	struct berth_error *err = NULL;
	char name[32];
	berth_spec_init(&spec);
	spec.pids_limit = 17;
	spec.memory_limit = 64 << 20;
	berth_random_hex(name, 8);
	assert_ok(berth_cgroup_create(name, &spec, &cg, &err), err);
	assert_non_null(cg.dirs);
	bool saw_pids = false;
	for (char **d = cg.dirs; *d; d++) {
		char *data = NULL;
		size_t len;
		int dfd = open(*d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(dfd >= 0);
		if (berth_read_file_at(dfd, "pids.max", 64, &data, &len, NULL) == 0) {
			assert_string_equal(data, "17\n");
			saw_pids = true;
		}
		free(data);
		close(dfd);
	}
	assert_true(saw_pids);
	/* a process left inside is killed by destroy */
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_ok(berth_cgroup_add_pid(&cg, pid, &err), err);
	char **dirs_copy = NULL;
	for (char **d = cg.dirs; *d; d++) {
		dirs_copy = realloc(dirs_copy, sizeof(char *) * (size_t)(d - cg.dirs + 2));
		dirs_copy[d - cg.dirs] = strdup(*d);
		dirs_copy[d - cg.dirs + 1] = NULL;
	}
	assert_ok(berth_cgroup_destroy(&cg, &err), err);
	int wst;
	waitpid(pid, &wst, 0);
	assert_true(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);
	for (char **d = dirs_copy; *d; d++) {
		struct stat st;
		assert_int_equal(stat(*d, &st), -1);
		free(*d);
	}
	free(dirs_copy);
	berth_spec_release(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_create_limit_destroy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
