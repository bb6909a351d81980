/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI state record (runtime/oci-state.c): ids, the record's round trip
 * and its hostile forms, the status read from the live process (a reused
 * pid is stopped), and update's resources.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static void test_ids(void **state)
{
	assert_int_equal(berth_oci_check_id("abc-1.2_X", NULL), 0);
	assert_int_equal(
		berth_oci_check_id(
			"0123456789012345678901234567890123456789012345678901234567890123", NULL),
		0);
	const char *bad[] = {"",
			     ".",
			     "..",
			     ".hidden",
			     "a/b",
			     "../x",
			     "a b",
			     "a\n",
			     "0123456789012345678901234567890123456789012345678901234567890123x"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct berth_error *err = NULL;
		assert_int_equal(berth_oci_check_id(bad[i], &err), -EINVAL);
		assert_non_null(strstr(berth_error_msg(err), "invalid container id"));
		berth_error_free(&err);
	}
}

static void fill(struct berth_oci_state *st, pid_t pid, uint64_t start_time)
{
	*st = (struct berth_oci_state){0};
	st->id = berth_xstrdup("c1");
	st->pid = pid;
	st->start_time = start_time;
	st->bundle = berth_xstrdup("/b");
	st->rootfs = berth_xstrdup("/b/rootfs");
	st->created = berth_xstrdup("2026-12-06T00:00:00.000000000Z");
	st->annotations = json_pack("{s:s}", "k", "v");
	berth_strv_push(&st->cgroup.dirs, "/sys/fs/cgroup/berth/berth-c1");
}

static void test_record_round_trip(void **state)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st, back = {0};
	struct berth_error *err = NULL;
	fill(&st, 42, 123456);
	_cleanup_json_ json_t *j = berth_oci_state_to_record(&st);
	assert_ok(berth_oci_state_from_record(j, &back, &err), err);
	assert_false(back.post_hooks_known);
	/* the bundle's post hooks as create saw them */
	st.post_hooks_known = true;
	st.post_hooks = 1u << BERTH_HOOK_POSTSTOP;
	_cleanup_json_ json_t *j2 = berth_oci_state_to_record(&st);
	_cleanup_(berth_oci_state_release) struct berth_oci_state back2 = {0};
	assert_ok(berth_oci_state_from_record(j2, &back2, &err), err);
	assert_true(back2.post_hooks_known);
	assert_int_equal(back2.post_hooks, 1u << BERTH_HOOK_POSTSTOP);
	assert_string_equal(back.id, "c1");
	assert_int_equal(back.pid, 42);
	assert_int_equal(back.start_time, 123456);
	assert_string_equal(back.bundle, "/b");
	assert_string_equal(back.rootfs, "/b/rootfs");
	assert_string_equal(back.cgroup.dirs[0], "/sys/fs/cgroup/berth/berth-c1");
	assert_true(json_equal(back.annotations, st.annotations));
	/* the runtime-spec state: a stopped one has no pid */
	back.status = BERTH_OCI_STOPPED;
	_cleanup_json_ json_t *s = berth_oci_state_to_json(&back);
	assert_string_equal(json_string_value(json_object_get(s, "status")), "stopped");
	assert_int_equal(json_integer_value(json_object_get(s, "pid")), 0);
	assert_string_equal(json_string_value(json_object_get(s, "ociVersion")), "1.0.2");
}

/* A record with key set to the JSON value v must be refused naming what is wrong. */
static void refused(const char *key, json_t *v, const char *want)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st, back = {0};
	struct berth_error *err = NULL;
	fill(&st, 42, 1);
	_cleanup_json_ json_t *j = berth_oci_state_to_record(&st);
	json_object_set_new(j, key, v);
	assert_true(berth_oci_state_from_record(j, &back, &err) < 0);
	if (!strstr(berth_error_msg(err), want))
		fail_msg("%s: got '%s', want '%s'", key, berth_error_msg(err), want);
	berth_error_free(&err);
}

static void test_hostile_records(void **state)
{
	refused("id", json_string("../../etc"), "invalid container id");
	refused("pid", json_integer(-1), "'pid' is out of range");
	refused("pid", json_string("1"), "pid");
	refused("bundle", json_string("relative"), "'bundle' is not an absolute path");
	refused("cgroup_dirs", json_pack("[s]", "/sys/fs/cgroup/../../etc"), "bad path");
	refused("cgroup_dirs", json_pack("[s]", "/etc"), "bad path");
	refused("cgroup_dirs", json_pack("[i]", 1), "bad path");
	refused("annotations", json_string("x"), "annotations");
	refused("post_hooks", json_pack("[s]", "prestart"), "'post_hooks' holds a bad name");
	refused("post_hooks", json_pack("[i]", 1), "'post_hooks' holds a bad name");
	_cleanup_(berth_oci_state_release) struct berth_oci_state back = {0};
	_cleanup_json_ json_t *arr = json_array();
	assert_int_equal(berth_oci_state_from_record(arr, &back, NULL), -EINVAL);
}

/* field 22 of /proc/self/stat */
static uint64_t my_start_time(void)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	assert_int_equal(berth_read_file_at(AT_FDCWD, "/proc/self/stat", 4096, &data, &len, NULL),
			 0);
	char *p = strrchr(data, ')') + 2;
	for (int field = 3; field < 22; p++)
		if (*p == ' ')
			field++;
	return strtoull(p, NULL, 10);
}

static enum berth_oci_status status_with(const char *root, pid_t pid, uint64_t start_time)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st, back = {0};
	struct berth_error *err = NULL;
	fill(&st, pid, start_time);
	berth_strv_free(st.cgroup.dirs);
	st.cgroup.dirs = NULL;
	_cleanup_json_ json_t *j = berth_oci_state_to_record(&st);
	_cleanup_close_ int dfd = berth_mkdir_open(root, "c1", NULL);
	assert_true(dfd >= 0);
	_cleanup_free_ char *s = berth_json_dump(j, NULL);
	assert_ok(berth_write_file_replace(dfd, "state.json", s, strlen(s), 0600, &err), err);
	assert_ok(berth_oci_load(root, "c1", &back, &err), err);
	return back.status;
}

static void test_status_from_the_process(void **state)
{
	char root[] = "/tmp/berth-oci-state-XXXXXX";
	assert_non_null(mkdtemp(root));
	uint64_t t = my_start_time();
	assert_int_equal(status_with(root, 0, 0), BERTH_OCI_CREATING);
	assert_int_equal(status_with(root, getpid(), t), BERTH_OCI_RUNNING);
	/* the same pid started at another time is another process: ours is gone */
	assert_int_equal(status_with(root, getpid(), t + 1), BERTH_OCI_STOPPED);
	_cleanup_free_ char *fifo = berth_xasprintf("%s/c1/exec.fifo", root);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(status_with(root, getpid(), t), BERTH_OCI_CREATED);
	/* list: the containers, sorted; a stray file is none */
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(mkdirat(rfd, "a0", 0700), 0);
	close(openat(rfd, "file", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	_cleanup_strv_free_ char **ids = NULL;
	assert_int_equal(berth_oci_list(root, &ids, NULL), 0);
	assert_int_equal(berth_strv_len(ids), 2);
	assert_string_equal(ids[0], "a0");
	assert_string_equal(ids[1], "c1");
	struct berth_error *err = NULL;
	struct berth_oci_state st;
	assert_int_equal(berth_oci_load(root, "nope", &st, &err), -ENOENT);
	assert_string_equal(berth_error_msg(err), "container 'nope' does not exist");
	berth_error_free(&err);
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_rm_rf_at(dfd, root + 5, NULL);
	close(dfd);
}

static void test_resources(void **state)
{
	_cleanup_(berth_spec_release) struct berth_spec l;
	struct berth_error *err = NULL;
	berth_spec_init(&l);
	_cleanup_json_ json_t *j =
		json_pack("{s:{s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I}, s:[]}", "memory", "limit",
			  (json_int_t)(64 << 20), "swap", (json_int_t)-1, "cpu", "quota",
			  (json_int_t)50000, "period", (json_int_t)200000, "shares",
			  (json_int_t)1024, "pids", "limit", (json_int_t)32, "devices");
	assert_ok(berth_oci_resources_from_json(j, &l, &err), err);
	assert_int_equal(l.memory_limit, 64 << 20);
	assert_int_equal(l.cpu_quota, 50000);
	assert_int_equal(l.cpu_period, 200000);
	assert_int_equal(l.pids_limit, 32);
	/* absent: left as it was; a wrong type names the field */
	berth_spec_release(&l);
	berth_spec_init(&l);
	_cleanup_json_ json_t *empty = json_object();
	assert_ok(berth_oci_resources_from_json(empty, &l, &err), err);
	assert_int_equal(l.memory_limit, -1);
	_cleanup_json_ json_t *bad = json_pack("{s:{s:s}}", "memory", "limit", "lots");
	assert_int_equal(berth_oci_resources_from_json(bad, &l, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "resources.memory"));
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_hostile_records),
		cmocka_unit_test(test_status_from_the_process),
		cmocka_unit_test(test_resources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
