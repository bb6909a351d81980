/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exec into a running container made by the executor on a minimal rootfs
 * (the host's static busybox): it shares the container's files and PID
 * namespace, its exit code and exec failures come back, and a pid that is
 * not the container's is refused.
 */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer.h"
#include "runtime/runtime.h"

static char top[64], id[17];
static struct berth_spec spec;
static struct berth_runtime_process ctr;
static bool started;

static int setup(void **state)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return 0;
	snprintf(top, sizeof(top), "/tmp/berth-rtexec-XXXXXX");
	assert_non_null(mkdtemp(top));
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p lower/bin lower/etc upper work merged; "
		 "cp /bin/busybox lower/bin/; ln -s busybox lower/bin/sh; "
		 "echo 'root:x:0:0::/root:/bin/sh' > lower/etc/passwd; "
		 "echo 'root:x:0:' > lower/etc/group",
		 top);
	assert_int_equal(system(cmd), 0);
	berth_spec_init(&spec);
	berth_spec_set_defaults(&spec);
	char **args = NULL;
	berth_strv_push(&args, "sh");
	berth_strv_push(&args, "-c");
	berth_strv_push(&args, "touch /from-main; exec sleep 1000");
	spec.args = args;
	berth_strv_push(&spec.env, "FROM_SPEC=yes");
	snprintf(cmd, sizeof(cmd), "%s/merged", top);
	spec.root_path = strdup(cmd);
	char lower[128], upper[128], work[128];
	snprintf(lower, sizeof(lower), "%s/lower", top);
	snprintf(upper, sizeof(upper), "%s/upper", top);
	snprintf(work, sizeof(work), "%s/work", top);
	char *lowers[] = {lower, NULL};
	/* the rootfs as containers get it: a detached overlay made by layer/ */
	struct berth_overlay rootfs = {.lowerdirs = lowers, .upper = upper, .work = work};
	berth_random_hex(id, 8);
	struct berth_runtime_config cfg = {
		.spec = &spec,
		.id = id,
		.open_rootfs = berth_overlay_open_cb,
		.rootfs_ctx = &rootfs,
		.stdio = {-1, -1, -1},
	};
	struct berth_error *err = NULL;
	struct berth_runtime_result res = {0};
	assert_ok(berth_runtime_start(&cfg, &ctr, &res, &err), err);
	started = true;
	return 0;
}

static int teardown(void **state)
{
	if (!top[0])
		return 0;
	if (started)
		berth_runtime_process_release(&ctr, NULL);
	berth_spec_release(&spec);
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	return 0;
}

/* Runs script in the container as an exec; the exit code, or -errno. */
static int exec_sh(const char *script, pid_t pid, const char *cid, int *ret_exec_errno,
		   struct berth_error **err)
{
	struct berth_spec s;
	berth_spec_init(&s);
	berth_spec_set_defaults(&s);
	berth_strv_push(&s.args, "sh");
	berth_strv_push(&s.args, "-c");
	berth_strv_push(&s.args, script);
	berth_strv_push(&s.env, "FROM_EXEC=1");
	s.cwd = strdup("/etc");
	struct berth_runtime_exec_config cfg = {
		.spec = &s, .pid = pid, .id = cid, .stdio = {-1, -1, -1}};
	struct berth_runtime_result res = {0};
	int r = berth_runtime_exec(&cfg, false, &res, err);
	berth_spec_release(&s);
	if (ret_exec_errno)
		*ret_exec_errno = res.exec_errno;
	return r < 0 ? r : res.exit_code;
}

static void test_exec_joins(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	/* the main process creates /from-main: poll for it (bounded) through exec */
	int code = 1;
	for (int i = 0; i < 200 && code != 0; i++) {
		code = exec_sh("test -e /from-main", ctr.pid, id, NULL, &err);
		assert_ok(code, err);
		if (code != 0)
			nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	}
	assert_int_equal(code, 0);
	assert_int_equal(exec_sh("exit 7", ctr.pid, id, NULL, &err), 7);
	/* its own /proc works only inside the container's PID namespace, where PID 1 is main */
	assert_int_equal(
		exec_sh("test -r /proc/self/status && test \"$(cat /proc/1/comm)\" = sleep "
			"&& test $$ -ne 1",
			ctr.pid, id, NULL, &err),
		0);
	assert_int_equal(exec_sh("test \"$FROM_EXEC\" = 1 && test \"$(pwd)\" = /etc && "
				 "test \"$PATH\" != ''",
				 ctr.pid, id, NULL, &err),
			 0);
	/* writes are the container's: the overlay upper dir has them */
	assert_int_equal(exec_sh("echo x > /from-exec", ctr.pid, id, NULL, &err), 0);
	char p[128];
	struct stat st;
	snprintf(p, sizeof(p), "%s/upper/from-exec", top);
	assert_int_equal(stat(p, &st), 0);
}

static void test_exec_failures(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	struct berth_spec s;
	berth_spec_init(&s);
	berth_spec_set_defaults(&s);
	berth_strv_push(&s.args, "no-such-command");
	struct berth_runtime_exec_config cfg = {
		.spec = &s, .pid = ctr.pid, .id = id, .stdio = {-1, -1, -1}};
	struct berth_runtime_result res = {0};
	assert_int_equal(berth_runtime_exec(&cfg, false, &res, &err), -ENOENT);
	assert_int_equal(res.exec_errno, ENOENT);
	assert_int_equal(res.exit_code, 127);
	assert_non_null(strstr(err->msg, "not found"));
	berth_error_free(&err);
	berth_spec_release(&s);

	/* a pid that is not in the container's cgroup: reused, refused */
	assert_int_equal(exec_sh("true", getpid(), id, NULL, &err), -ESRCH);
	berth_error_free(&err);
	assert_int_equal(exec_sh("true", ctr.pid, "0123456789abcdef", NULL, &err), -ESRCH);
	berth_error_free(&err);
	assert_int_equal(exec_sh("true", 0, id, NULL, &err), -ESRCH);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_joins),
		cmocka_unit_test(test_exec_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
