/* SPDX-License-Identifier: Apache-2.0 */
/* Cgroups: the layout of this host, limits written, everything removed. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/strv.h"
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

/* The file of cg's directory for ctrl (v1) or its one directory (v2), NULL when it has none. */
static char *read_cg(const struct berth_cgroup *cg, const char *ctrl, const char *file)
{
	for (char **d = cg->dirs; *d; d++) {
		if (cg->layout != BERTH_CGROUP_V2 && !strstr(*d, ctrl))
			continue;
		char *data = NULL;
		size_t len;
		int dfd = open(*d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(dfd >= 0);
		int r = berth_read_file_at(dfd, file, 4096, &data, &len, NULL);
		close(dfd);
		if (r == 0)
			return data;
	}
	return NULL;
}

static void assert_cg(const struct berth_cgroup *cg, const char *ctrl, const char *file,
		      const char *want)
{
	char *got = read_cg(cg, ctrl, file);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* memory reservation, cpu shares and a cpuset written where this host's layout keeps them */
static void test_more_resources(void **state)
{
	if (geteuid() != 0)
		skip();
	struct berth_spec spec;
	struct berth_cgroup cg = {0};
	struct berth_error *err = NULL;
	char name[32];
	berth_spec_init(&spec);
	json_t *res =
		json_pack("{s:{s:I}, s:{s:I, s:s}}", "memory", "reservation",
			  (json_int_t)(32 << 20), "cpu", "shares", (json_int_t)512, "cpus", "0");
	assert_ok(berth_cgroup_resources_from_json(res, &spec.resources, &err), err);
	json_decref(res);
	berth_random_hex(name, 8);
	assert_ok(berth_cgroup_create(name, &spec, &cg, &err), err);
	if (cg.layout == BERTH_CGROUP_V2) {
		assert_cg(&cg, "", "memory.low", "33554432\n");
		char want[32];
		snprintf(want, sizeof(want), "%llu\n",
			 (unsigned long long)berth_cgroup_shares_to_weight(512));
		assert_cg(&cg, "", "cpu.weight", want);
		assert_cg(&cg, "", "cpuset.cpus", "0\n");
	} else {
		assert_cg(&cg, "/memory/", "memory.soft_limit_in_bytes", "33554432\n");
		assert_cg(&cg, "/cpu/", "cpu.shares", "512\n");
		assert_cg(&cg, "/cpuset/", "cpuset.cpus", "0\n");
		/* what was not given comes from the parent: the cpuset takes tasks */
		char *mems = read_cg(&cg, "/cpuset/", "cpuset.mems");
		assert_non_null(mems);
		assert_true(mems[0] >= '0' && mems[0] <= '9');
		free(mems);
	}
	/* update: a new value replaces the old one */
	struct berth_spec upd;
	berth_spec_init(&upd);
	res = json_pack("{s:{s:I}}", "cpu", "shares", (json_int_t)256);
	assert_ok(berth_cgroup_resources_from_json(res, &upd.resources, &err), err);
	json_decref(res);
	assert_ok(berth_cgroup_set_limits(&cg, &upd, &err), err);
	if (cg.layout != BERTH_CGROUP_V2)
		assert_cg(&cg, "/cpu/", "cpu.shares", "256\n");
	assert_ok(berth_cgroup_destroy(&cg, &err), err);
	berth_spec_release(&upd);
	berth_spec_release(&spec);
}

/* hostile values are refused with the field, before anything is written */
static void test_resources_refused(void **state)
{
	static const char *const bad[] = {
		"{\"cpu\": {\"cpus\": \"0\\n+memory\"}}",
		"{\"cpu\": {\"shares\": -5}}",
		"{\"blockIO\": {\"weight\": 5}}",
		"{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"rate\": 1}]}}",
		"{\"hugepageLimits\": [{\"pageSize\": \"../x\", \"limit\": 1}]}",
		"{\"network\": {\"priorities\": [{\"name\": \"a b\", \"priority\": 1}]}}",
		"{\"memory\": {\"swap\": -2}}",
		"{\"memory\": {\"disableOOMKiller\": 1}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct berth_error *err = NULL;
		struct berth_cgroup_resources *r = NULL;
		json_t *j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		assert_true(berth_cgroup_resources_from_json(j, &r, &err) < 0);
		assert_non_null(err);
		berth_error_free(&err);
		berth_cgroup_resources_free(r);
		json_decref(j);
	}
	/* and good ones land in their fields */
	struct berth_error *err = NULL;
	struct berth_cgroup_resources *r = NULL;
	json_t *j = json_loads("{\"memory\": {\"swap\": -1, \"disableOOMKiller\": true},"
			       " \"blockIO\": {\"weight\": 300, \"throttleWriteIOPSDevice\":"
			       " [{\"major\": 8, \"minor\": 0, \"rate\": 100}]},"
			       " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 0}],"
			       " \"network\": {\"classID\": 1048577}}",
			       0, NULL);
	assert_ok(berth_cgroup_resources_from_json(j, &r, &err), err);
	assert_true(r->has_memory_swap && r->memory_swap == -1 && r->disable_oom_killer == 1);
	assert_int_equal(r->blkio_weight, 300);
	assert_int_equal(r->n_throttle[3], 1);
	assert_int_equal(r->throttle[3][0].rate, 100);
	assert_string_equal(r->hugepages[0].pagesize, "2MB");
	assert_true(r->has_class_id && r->class_id == 1048577);
	berth_cgroup_resources_free(r);
	json_decref(j);
	/* 0 is "not set", as dockerd passes it and runc reads it */
	r = NULL;
	j = json_loads("{\"blockIO\": {\"weight\": 0, \"weightDevice\": [{\"major\": 8,"
		       " \"minor\": 0, \"leafWeight\": 10}]},"
		       " \"memory\": {\"swap\": 0, \"reservation\": 0}}",
		       0, NULL);
	assert_ok(berth_cgroup_resources_from_json(j, &r, &err), err);
	assert_int_equal(r->blkio_weight, 0);
	assert_int_equal(r->n_weight_devices, 0);
	assert_false(r->has_memory_swap);
	assert_int_equal(r->memory_reservation, -1);
	berth_cgroup_resources_free(r);
	json_decref(j);
	/* runc's shares to weight: 2 -> 1, 1024 -> 39, 262144 -> 10000 */
	assert_int_equal(berth_cgroup_shares_to_weight(2), 1);
	assert_int_equal(berth_cgroup_shares_to_weight(1024), 39);
	assert_int_equal(berth_cgroup_shares_to_weight(262144), 10000);
}

/* Removes the parents of a cgroupsPath test from every hierarchy (v1) or the v2 root. */
static void remove_test_parent(const char *parent)
{
	static const char *const prefixes[] = {"",	   "/memory",  "/pids",	 "/cpu",
					       "/cpuacct", "/freezer", "/blkio", "/devices"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/%s", prefixes[i], parent);
		rmdir(path);
	}
}

/* linux.cgroupsPath: made where it says (parents too); one that existed is left on destroy */
static void test_cgroups_path(void **state)
{
	if (geteuid() != 0)
		skip();
	struct berth_spec spec;
	struct berth_cgroup cg = {0};
	struct berth_error *err = NULL;
	char parent[32] = "berth-ut-", path[64];
	berth_random_hex(parent + 9, 8);
	snprintf(path, sizeof(path), "/%s/c1", parent);
	berth_spec_init(&spec);
	spec.pids_limit = 23;
	spec.cgroups_path = strdup(path);
	assert_ok(berth_cgroup_create("unused", &spec, &cg, &err), err);
	assert_null(cg.kept);
	char *pids = read_cg(&cg, "/pids/", "pids.max");
	assert_non_null(pids);
	assert_string_equal(pids, "23\n");
	free(pids);
	char *leaf = NULL;
	for (char **d = cg.dirs; *d; d++) {
		size_t n = strlen(*d), m = strlen(path);
		assert_true(n > m && strcmp(*d + n - m, path) == 0);
		if (!leaf)
			leaf = strdup(*d);
	}
	assert_ok(berth_cgroup_destroy(&cg, &err), err);
	struct stat st;
	assert_int_equal(stat(leaf, &st), -1);
	/* made beforehand (by an engine): used, and left where it was */
	assert_int_equal(mkdir(leaf, 0755), 0);
	spec.pids_limit = -1;
	assert_ok(berth_cgroup_create("unused", &spec, &cg, &err), err);
	assert_int_equal(berth_strv_len(cg.kept), 1);
	assert_string_equal(cg.kept[0], leaf);
	char **made = berth_strv_copy(cg.dirs);
	assert_ok(berth_cgroup_destroy(&cg, &err), err);
	assert_int_equal(stat(leaf, &st), 0);
	/* those it made itself in the other hierarchies go */
	for (char **d = made; *d; d++)
		if (strcmp(*d, leaf) != 0)
			assert_int_equal(stat(*d, &st), -1);
	berth_strv_free(made);
	rmdir(leaf);
	free(leaf);
	remove_test_parent(parent);
	berth_spec_release(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),	       cmocka_unit_test(test_create_limit_destroy),
		cmocka_unit_test(test_more_resources), cmocka_unit_test(test_resources_refused),
		cmocka_unit_test(test_cgroups_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
