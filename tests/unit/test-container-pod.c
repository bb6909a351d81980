/* SPDX-License-Identifier: Apache-2.0 */
/* pod.c: records, the infra, the list of a pod's containers, shared namespaces, removal. */
#include "container-fixture.h"

#include <limits.h>

#include "core/json.h"

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The inode link of /proc/<pid>/ns/<kind> into out. */
static void ns_link(json_int_t pid, const char *kind, char *out, size_t n)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%lld/ns/%s", (long long)pid, kind);
	ssize_t len = readlink(p, out, n - 1);
	assert_true(len > 0);
	out[len] = '\0';
}

static json_int_t running_pid(const char *id)
{
	json_t *st = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_container_inspect(store, id, &st, &err), err);
	json_t *s = json_object_get(st, "State");
	assert_true(json_is_true(json_object_get(s, "Running")));
	json_int_t pid = json_integer_value(json_object_get(s, "Pid"));
	json_decref(st);
	return pid;
}

static size_t count_pods(void)
{
	return count_store_entries("pods");
}

static void test_pod_lifecycle(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	char *labels[] = {"team=a", NULL};
	struct berth_pod_create_options po = {.name = "p1", .network = "none", .labels = labels};
	char *pod = NULL;
	assert_ok(berth_pod_create(store, &po, &pod, &err), err);
	char *found = NULL;
	assert_ok(berth_pod_find(store, "p1", &found, &err), err);
	assert_string_equal(found, pod);
	free(found);
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%.6s", pod);
	assert_ok(berth_pod_find(store, prefix, &found, &err), err);
	assert_string_equal(found, pod);
	free(found);

	/* a member, created (not run): the pod's list has the infra first */
	struct berth_run_options o;
	struct berth_run_result res;
	berth_run_options_init(&o);
	char *cmd[] = {"sh", "-c", "exec sleep 30", NULL};
	o.rootfs = rootfs;
	o.cmd = cmd;
	o.pod = "p1";
	o.create_only = true;
	assert_ok(berth_container_run(store, &o, &res, &err), err);
	char **ids = NULL;
	assert_ok(berth_pod_containers(store, pod, &ids, &err), err);
	assert_int_equal(berth_strv_len(ids), 2);
	assert_string_equal(ids[1], res.id);
	json_t *j = NULL;
	assert_ok(berth_pod_inspect(store, "p1", &j, &err), err);
	assert_string_equal(jstr(j, "InfraContainerID"), ids[0]);
	assert_string_equal(jstr(j, "State"), "Created");
	assert_string_equal(jstr(j, "Hostname"), "p1");
	assert_string_equal(jstr(json_object_get(j, "Labels"), "team"), "a");
	assert_int_equal(json_integer_value(json_object_get(j, "NumContainers")), 2);
	json_decref(j);

	/* the infra goes only with its pod */
	assert_int_equal(berth_container_remove(store, ids[0], true, &err), -EBUSY);
	berth_error_free(&err);

	/* started: the member is in the infra's IPC and UTS namespaces */
	assert_ok(berth_pod_start(store, "p1", &err), err);
	json_int_t infra_pid = running_pid(ids[0]), member_pid = running_pid(ids[1]);
	static const char *const kinds[] = {"ipc", "uts", "net"};
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		char a[PATH_MAX], b[PATH_MAX];
		ns_link(infra_pid, kinds[i], a, sizeof(a));
		ns_link(member_pid, kinds[i], b, sizeof(b));
		assert_string_equal(a, b);
	}
	char mine[PATH_MAX], theirs[PATH_MAX];
	ns_link(getpid(), "ipc", mine, sizeof(mine));
	ns_link(infra_pid, "ipc", theirs, sizeof(theirs));
	assert_string_not_equal(mine, theirs);
	assert_ok(berth_pod_inspect(store, pod, &j, &err), err);
	assert_string_equal(jstr(j, "State"), "Running");
	json_decref(j);

	/* rm without force refuses a running pod; with it, nothing is left */
	assert_int_equal(berth_pod_remove(store, "p1", false, &err), -EBUSY);
	berth_error_free(&err);
	assert_ok(berth_pod_remove(store, "p1", true, &err), err);
	assert_int_equal(count_containers(), 0);
	assert_int_equal(count_pods(), 0);
	assert_int_equal(berth_pod_find(store, "p1", &found, &err), -ENOENT);
	berth_error_free(&err);
	berth_strv_free(ids);
	free(pod);
}

static void test_pod_bad_input(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	struct berth_pod_create_options po = {.name = "dup", .network = "none"};
	char *pod = NULL;
	assert_ok(berth_pod_create(store, &po, &pod, &err), err);
	free(pod);
	assert_int_equal(berth_pod_create(store, &po, &pod, &err), -EEXIST);
	berth_error_free(&err);
	po = (struct berth_pod_create_options){.network = "container:x"};
	assert_int_equal(berth_pod_create(store, &po, &pod, &err), -EINVAL);
	berth_error_free(&err);
	struct berth_run_options o;
	struct berth_run_result res;
	berth_run_options_init(&o);
	o.pod = "nosuch";
	assert_int_equal(run_cmd(&o, "true", &res, &err), -ENOENT);
	berth_error_free(&err);
	/* run_cmd gives --network none: the pod's network is not the container's to choose */
	o.pod = "dup";
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "--network cannot be used with --pod"));
	berth_error_free(&err);
	assert_int_equal(count_pods(), 1);
	assert_int_equal(count_containers(), 1);
	assert_ok(berth_pod_remove(store, "dup", false, &err), err);
	assert_int_equal(count_containers(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_lifecycle),
		cmocka_unit_test(test_pod_bad_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
