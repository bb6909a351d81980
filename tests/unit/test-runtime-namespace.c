/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Namespaces with a path: a container joins the UTS, IPC, network and PID
 * namespaces of a holder process the test makes, and a path that cannot be
 * opened, is no namespace or is one of another kind fails with its name.
 * Run it under scripts/in-netns: the holder's namespaces are its own.
 */
#include "runtime-fixture.h"

#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static int setup(void **state)
{
	busybox_tree("namespace", "rootfs");
	return 0;
}

/*
 * A process in new UTS, IPC, network and PID namespaces (it is PID 1 of
 * the new one: the holder forks it), with the hostname "joined-host"; its
 * pid in ours, killed and reaped by kill_holder.
 */
static pid_t holder_outer, holder;

static void start_holder(void)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	holder_outer = fork();
	assert_true(holder_outer >= 0);
	if (holder_outer == 0) {
		close(p[0]);
		if (unshare(CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID) < 0 ||
		    sethostname("joined-host", 11) < 0)
			_exit(1);
		pid_t in = fork();
		if (in == 0) {
			for (;;)
				pause();
		}
		(void)!write(p[1], &in, sizeof(in));
		waitpid(in, NULL, 0);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &holder, sizeof(holder)), (ssize_t)sizeof(holder));
	close(p[0]);
	assert_true(holder > 0);
}

static void kill_holder(void)
{
	kill(holder, SIGKILL);
	waitpid(holder_outer, NULL, 0);
}

static void ns_link(pid_t pid, const char *kind, char *buf, size_t n)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, kind);
	ssize_t len = readlink(p, buf, n - 1);
	assert_true(len > 0);
	buf[len] = '\0';
}

static void test_join(void **state)
{
	if (!top[0])
		skip();
	start_holder();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char path[64], out[512], want[512], link[128];
	int code;
	make_spec(&spec, "hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; "
			 "readlink /proc/self/ns/pid; echo pid $$");
	const struct {
		unsigned flag;
		const char *name;
	} kinds[] = {{BERTH_NS_UTS, "uts"},
		     {BERTH_NS_IPC, "ipc"},
		     {BERTH_NS_NETWORK, "net"},
		     {BERTH_NS_PID, "pid"}};
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)holder, kinds[i].name);
		berth_spec_set_ns_path(&spec, kinds[i].flag, path);
	}
	int r = run_spec(&spec, out, sizeof(out), &code, &err);
	berth_spec_release(&spec);
	snprintf(want, sizeof(want), "joined-host\n");
	ns_link(holder, "net", link, sizeof(link));
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\n", link);
	ns_link(holder, "ipc", link, sizeof(link));
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\n", link);
	ns_link(holder, "pid", link, sizeof(link));
	/* PID 1 there is the holder: the container is another process of its namespace */
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\npid 2\n", link);
	kill_holder();
	assert_ok(r, err);
	assert_int_equal(code, 0);
	assert_string_equal(out, want);
}

/* Without paths each kind is new: not the holder's, nor ours. */
static void test_new_by_default(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char out[512], link[128];
	int code;
	make_spec(&spec, "readlink /proc/self/ns/uts; echo pid $$");
	assert_ok(run_spec(&spec, out, sizeof(out), &code, &err), err);
	berth_spec_release(&spec);
	ns_link(getpid(), "uts", link, sizeof(link));
	assert_null(strstr(out, link));
	assert_non_null(strstr(out, "pid 1\n"));
}

/* A new user namespace: the maps written by the runtime, root inside is 100000 outside. */
static void test_new_user_namespace(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char out[512];
	int code;
	make_spec(&spec, "read a b c < /proc/self/uid_map; echo uid $a $b $c; "
			 "read a b c < /proc/self/gid_map; echo gid $a $b $c; id -u; "
			 "echo x > /dev/null && echo devnull ok");
	static struct berth_spec_idmap uids = {0, 100000, 65536}, gids = {0, 200000, 1000};
	spec.uid_mappings = malloc(sizeof(uids));
	spec.gid_mappings = malloc(sizeof(gids));
	*spec.uid_mappings = uids;
	*spec.gid_mappings = gids;
	spec.n_uid_mappings = spec.n_gid_mappings = 1;
	/* sysfs needs a network namespace the user namespace owns */
	spec.namespaces |= BERTH_NS_USER | BERTH_NS_NETWORK;
	/* its root (100000 outside) must reach the rootfs by path, as with runc */
	assert_int_equal(chmod(top, 0755), 0);
	int r = run_spec(&spec, out, sizeof(out), &code, &err);
	berth_spec_release(&spec);
	assert_ok(r, err);
	assert_string_equal(out, "uid 0 100000 65536\ngid 0 200000 1000\n0\ndevnull ok\n");
	assert_int_equal(code, 0);
}

static void expect_failure(unsigned flag, const char *path, int code, const char *msg)
{
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char out[64];
	int exit_code;
	make_spec(&spec, "true");
	berth_spec_set_ns_path(&spec, flag, path);
	assert_int_equal(run_spec(&spec, out, sizeof(out), &exit_code, &err), -code);
	berth_spec_release(&spec);
	assert_non_null(err);
	if (!strstr(err->msg, msg))
		fail_msg("'%s' does not say '%s'", err->msg, msg);
	berth_error_free(&err);
}

static void test_bad_paths(void **state)
{
	if (!top[0])
		skip();
	char path[128];
	snprintf(path, sizeof(path), "%s/rootfs/etc/passwd", top);
	expect_failure(BERTH_NS_NETWORK, "/nonexistent/ns/net", ENOENT,
		       "open network namespace '/nonexistent/ns/net'");
	expect_failure(BERTH_NS_NETWORK, path, EINVAL, "is not a namespace");
	expect_failure(BERTH_NS_NETWORK, "/proc/self/ns/uts", EINVAL,
		       "'/proc/self/ns/uts' is not a network namespace");
	expect_failure(BERTH_NS_USER, "/proc/self/ns/pid", EINVAL,
		       "'/proc/self/ns/pid' is not a user namespace");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_new_by_default),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_new_user_namespace),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
