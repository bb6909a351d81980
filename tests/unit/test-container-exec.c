/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec on a detached container record: the container's env plus -e, -w,
 * the command's exit code, 127, and the errors for an unknown, a stopped
 * container and a missing command.
 */
#include "unit.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "container/container.h"
#include "store/store.h"
#include "core/fs.h"
#include "core/strv.h"

static char top[64], store[96], rootfs[96];
static struct berth_store *hstore; /* the store at store */

static int setup(void **state)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return 0;
	snprintf(top, sizeof(top), "/tmp/berth-ctrexec-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(store, sizeof(store), "%s/store", top);
	assert_int_equal(berth_store_open(store, &hstore, NULL), 0);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "set -e; mkdir -p %s/bin %s/etc %s/srv; cp /bin/busybox %s/bin/; "
		 "ln -s busybox %s/bin/sh; echo 'root:x:0:0::/root:/bin/sh' > %s/etc/passwd",
		 rootfs, rootfs, rootfs, rootfs, rootfs, rootfs);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown(void **state)
{
	if (!top[0])
		return 0;
	berth_container_remove(hstore, "box", true, NULL);
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_store_freep(&hstore);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	return 0;
}

static int exec_sh(const char *what, const char *script, char **env, const char *workdir,
		   struct berth_run_result *res, struct berth_error **err)
{
	char *cmd[] = {"sh", "-c", (char *)script, NULL};
	struct berth_exec_options o = {.cmd = cmd, .env = env, .workdir = workdir};
	return berth_container_exec(hstore, what, &o, res, err);
}

static void test_exec(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	char *cmd[] = {"sh", "-c", "touch /up; exec sleep 1000", NULL};
	char *env[] = {"FROM_RUN=1", "KEEP=k", NULL};
	berth_run_options_init(&o);
	o.rootfs = rootfs;
	o.cmd = cmd;
	o.env = env;
	o.name = "box";
	o.workdir = "/srv";
	o.detach = true;
	o.network = "none"; /* not the default bridge in the machine's namespace */
	assert_ok(berth_container_run(hstore, &o, &res, &err), err);

	/* bounded poll until the main process has run its first command */
	int r = -1;
	for (int i = 0; i < 200 && r != 0; i++) {
		r = exec_sh("box", "test -e /up", NULL, NULL, &res, &err);
		assert_ok(r, err);
		r = res.exit_code;
		if (r != 0)
			nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	}
	assert_int_equal(r, 0);
	assert_ok(exec_sh("box", "exit 7", NULL, NULL, &res, &err), err);
	assert_int_equal(res.exit_code, 7);
	/* the container's env and workdir; -e replaces a key, -w overrides */
	assert_ok(exec_sh("box", "test \"$FROM_RUN$KEEP\" = 1k && test \"$(pwd)\" = /srv", NULL,
			  NULL, &res, &err),
		  err);
	assert_int_equal(res.exit_code, 0);
	char *more[] = {"FROM_RUN=2", NULL};
	assert_ok(exec_sh("box", "test \"$FROM_RUN$KEEP\" = 2k && test \"$(pwd)\" = /etc", more,
			  "/etc", &res, &err),
		  err);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(exec_sh("box", "true", NULL, "relative", &res, &err), -EINVAL);
	berth_error_free(&err);

	/* a missing command: 127's exec_errno */
	char *nope[] = {"no-such-command", NULL};
	struct berth_exec_options eo = {.cmd = nope};
	assert_int_equal(berth_container_exec(hstore, "box", &eo, &res, &err), -ENOENT);
	assert_int_equal(res.exec_errno, ENOENT);
	berth_error_free(&err);
	struct berth_exec_options none = {0};
	assert_int_equal(berth_container_exec(hstore, "box", &none, &res, &err), -EINVAL);
	berth_error_free(&err);

	assert_int_equal(exec_sh("nosuch", "true", NULL, NULL, &res, &err), -ENOENT);
	assert_non_null(strstr(err->msg, "no such container"));
	berth_error_free(&err);
	assert_ok(berth_container_stop(hstore, "box", 1, &err), err);
	assert_int_equal(exec_sh("box", "true", NULL, NULL, &res, &err), -EINVAL);
	assert_string_equal(err->msg, "exec 'box': container is not running");
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
