/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI lifecycle (runtime/oci-lifecycle.c) on a busybox bundle: a
 * created container is set up but has not exec'd until start; kill,
 * delete and what a failed create leaves (nothing).
 */
#include "busybox-fixture.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static char root[128], bundle[128];

static int setup(void **state)
{
	if (!busybox_tree("oci", "bundle/rootfs"))
		return 0;
	snprintf(root, sizeof(root), "%s/state", top);
	snprintf(bundle, sizeof(bundle), "%s/bundle", top);
	struct berth_spec spec;
	berth_spec_init(&spec);
	berth_spec_set_defaults(&spec);
	spec.namespaces |= BERTH_NS_NETWORK; /* a new one: no network */
	berth_strv_push(&spec.args, "/bin/busybox");
	berth_strv_push(&spec.args, "sleep");
	berth_strv_push(&spec.args, "100");
	spec.root_path = berth_xstrdup("rootfs"); /* relative to the bundle */
	_cleanup_json_ json_t *j = berth_spec_to_json(&spec);
	json_object_set_new(j, "annotations", json_pack("{s:s}", "a", "b"));
	berth_spec_release(&spec);
	_cleanup_free_ char *s = berth_json_dump(j, NULL);
	_cleanup_close_ int dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(berth_write_file_replace(dfd, "config.json", s, strlen(s), 0644, NULL), 0);
	return 0;
}

static int create(const char *id, struct berth_error **err)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct berth_oci_create_options o = {
		.root = root, .id = id, .bundle = bundle, .stdio = {devnull, devnull, devnull}};
	int r = berth_oci_create(&o, NULL, err);
	close(devnull);
	return r;
}

static void comm_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, (int)size, f))
			buf[0] = '\0';
		fclose(f);
	}
}

static void test_create_waits_for_start(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	struct berth_oci_state st = {0};
	char comm[64];
	assert_ok(create("life", &err), err);
	assert_ok(berth_oci_load(root, "life", &st, &err), err);
	assert_int_equal(st.status, BERTH_OCI_CREATED);
	pid_t pid = st.pid;
	assert_string_equal(json_string_value(json_object_get(st.annotations, "a")), "b");
	assert_non_null(strstr(st.rootfs, "/bundle/rootfs"));
	berth_oci_state_release(&st);
	/* set up but not exec'd: still berth's code, not busybox */
	comm_of(pid, comm, sizeof(comm));
	assert_null(strstr(comm, "busybox"));
	assert_ok(berth_oci_start(root, "life", &err), err);
	for (int i = 0; i < 200 && !strstr(comm, "busybox"); i++) {
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
		comm_of(pid, comm, sizeof(comm));
	}
	assert_non_null(strstr(comm, "busybox"));
	assert_ok(berth_oci_load(root, "life", &st, &err), err);
	assert_int_equal(st.status, BERTH_OCI_RUNNING);
	berth_oci_state_release(&st);
	assert_int_equal(berth_oci_start(root, "life", &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_oci_delete(root, "life", false, &err), -EBUSY);
	berth_error_free(&err);
	assert_ok(berth_oci_kill(root, "life", SIGKILL, false, &err), err);
	/* create's clone is our child here: reaped, it is stopped */
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_ok(berth_oci_load(root, "life", &st, &err), err);
	assert_int_equal(st.status, BERTH_OCI_STOPPED);
	berth_oci_state_release(&st);
	assert_ok(berth_oci_delete(root, "life", false, &err), err);
	assert_int_equal(berth_oci_load(root, "life", &st, &err), -ENOENT);
	berth_error_free(&err);
}

static void test_bad_creates_leave_nothing(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	struct berth_oci_state st;
	assert_ok(create("dup", &err), err);
	assert_ok(berth_oci_load(root, "dup", &st, &err), err);
	pid_t pid = st.pid;
	berth_oci_state_release(&st);
	assert_int_equal(create("dup", &err), -EEXIST);
	assert_string_equal(berth_error_msg(err), "container 'dup' already exists");
	berth_error_free(&err);
	/* the first is untouched by the second */
	assert_ok(berth_oci_load(root, "dup", &st, &err), err);
	assert_int_equal(st.status, BERTH_OCI_CREATED);
	berth_oci_state_release(&st);
	assert_ok(berth_oci_delete(root, "dup", true, &err), err);
	waitpid(pid, NULL, 0);
	/* a bundle without config.json: its path in the message, no state left */
	_cleanup_free_ char *empty = berth_xasprintf("%s/empty", top);
	assert_int_equal(mkdir(empty, 0755), 0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct berth_oci_create_options o = {
		.root = root, .id = "bad", .bundle = empty, .stdio = {devnull, devnull, devnull}};
	assert_int_equal(berth_oci_create(&o, NULL, &err), -ENOENT);
	close(devnull);
	assert_non_null(strstr(berth_error_msg(err), "/empty/config.json"));
	berth_error_free(&err);
	_cleanup_free_ char *dir = berth_xasprintf("%s/bad", root);
	assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_waits_for_start),
		cmocka_unit_test(test_bad_creates_leave_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
