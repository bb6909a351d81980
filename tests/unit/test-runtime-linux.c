/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor on a minimal rootfs (the host's static busybox): exit codes,
 * exec failures, the overlay leaving the lower dir untouched, setup errors.
 */
#include "busybox-fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer.h"
#include "runtime/runtime.h"

/* a bind mount run() adds when set: its source fd (taken over), name and options */
static int bind_fd = -EBADF;
static const char *bind_name;
static const char *const *bind_opts;
/* run()'s user instead of "0", and a cgroup made beforehand, when set */
static const char *run_user;
static struct berth_cgroup *run_cgroup;

static int setup(void **state)
{
	if (!busybox_tree("linux", "lower"))
		return 0;
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p upper work merged; ln -s busybox lower/bin/touch", top);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int rootfs_calls;
static bool rootfs_fails;

/* layer's overlay, counted; fails as told */
static int open_rootfs(void *ctx, struct berth_error **err)
{
	rootfs_calls++;
	if (rootfs_fails)
		return berth_error_set(err, ENOENT, "no such lower dir");
	return berth_overlay_open_cb(ctx, err);
}

static int run(const char *const *args, int *ret_exit, int *ret_exec_errno,
	       struct berth_error **err)
{
	struct berth_spec spec;
	berth_spec_init(&spec);
	berth_spec_set_defaults(&spec);
	for (const char *const *a = args; *a; a++)
		berth_strv_push(&spec.args, *a);
	char merged[128];
	snprintf(merged, sizeof(merged), "%s/merged", top);
	spec.root_path = strdup(merged);
	spec.username = strdup(run_user ? run_user : "0");
	if (bind_fd >= 0)
		berth_spec_add_mount_fd(&spec, "/src", TAKE_FD(bind_fd), bind_name, bind_opts);
	char lower[128], upper[128], work[128];
	snprintf(lower, sizeof(lower), "%s/lower", top);
	snprintf(upper, sizeof(upper), "%s/upper", top);
	snprintf(work, sizeof(work), "%s/work", top);
	char *lowers[] = {lower, NULL};
	/* the rootfs as containers get it: a detached overlay made by layer/ */
	struct berth_overlay rootfs = {.lowerdirs = lowers, .upper = upper, .work = work};
	char id[17];
	berth_random_hex(id, 8);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct berth_runtime_config cfg = {
		.spec = &spec,
		.id = id,
		.open_rootfs = open_rootfs,
		.rootfs_ctx = &rootfs,
		.stdio = {devnull, devnull, devnull},
		.cgroup = run_cgroup,
	};
	struct berth_runtime_result res = {0};
	int r = berth_runtime_run(&cfg, &res, err);
	close(devnull);
	*ret_exit = res.exit_code;
	*ret_exec_errno = res.exec_errno;
	berth_spec_release(&spec);
	return r;
}

static void test_exit_codes(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	int code, eerr;
	assert_ok(run((const char *[]){"sh", "-c", "exit 7", NULL}, &code, &eerr, &err), err);
	assert_int_equal(code, 7);
	assert_ok(run((const char *[]){"sh", "-c", "touch /made-here", NULL}, &code, &eerr, &err),
		  err);
	assert_int_equal(code, 0);
	/* the overlay took the write: the lower dir is untouched */
	char p[128];
	struct stat st;
	snprintf(p, sizeof(p), "%s/lower/made-here", top);
	assert_int_equal(stat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/upper/made-here", top);
	assert_int_equal(stat(p, &st), 0);
}

static void test_exec_failures(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	int code, eerr;
	assert_int_equal(run((const char *[]){"nope", NULL}, &code, &eerr, &err), -ENOENT);
	assert_int_equal(eerr, ENOENT);
	assert_int_equal(code, 127);
	assert_non_null(strstr(err->msg, "not found in $PATH"));
	berth_error_free(&err);
	assert_int_equal(run((const char *[]){"/etc/passwd", NULL}, &code, &eerr, &err), -EACCES);
	assert_int_equal(eerr, EACCES);
	assert_int_equal(code, 126);
	berth_error_free(&err);
}

static void test_no_args(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	int code, eerr;
	assert_int_equal(run((const char *[]){NULL}, &code, &eerr, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_runtime_exit_code(0), 0);
	assert_int_equal(berth_runtime_exit_code(9), 128 + 9);
	assert_int_equal(berth_runtime_exit_code(3 << 8), 3);
}

/*
 * A child that fails while it sets up early (before its cgroup attach, here
 * resolving its user) reports its own error, never the parent's broken
 * channel or a cgroup without its process, however the two race.
 */
static void test_early_failure_reported(void **state)
{
	if (!top[0])
		skip();
	run_user = "nobody-here";
	for (int i = 0; i < 20; i++) {
		struct berth_error *err = NULL;
		int code, eerr;
		assert_true(run((const char *[]){"true", NULL}, &code, &eerr, &err) < 0);
		assert_non_null(strstr(berth_error_msg(err), "nobody-here"));
		berth_error_free(&err);
	}
	run_user = NULL;
}

/* A cgroup made beforehand (and its early wait begun) is the one the start takes over. */
static void test_premade_cgroup(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_cgroup cg = {0};
	struct berth_error *err = NULL;
	char id[17];
	berth_spec_init(&spec);
	berth_random_hex(id, 8);
	assert_ok(berth_cgroup_create(id, &spec, &cg, &err), err);
	berth_spec_release(&spec);
	char *dir = strdup(cg.dirs[0]);
	berth_cgroup_warm_begin();
	run_cgroup = &cg;
	int code, eerr;
	assert_ok(run((const char *[]){"sh", "-c", "exit 3", NULL}, &code, &eerr, &err), err);
	run_cgroup = NULL;
	assert_int_equal(code, 3);
	assert_null(cg.dirs); /* taken over, and removed with the process */
	struct stat st;
	assert_int_equal(stat(dir, &st), -1);
	free(dir);
}

/* The rootfs is asked for at every start; when it cannot be made, nothing runs. */
static void test_rootfs_per_start(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	int code, eerr;
	rootfs_calls = 0;
	assert_ok(run((const char *[]){"sh", "-c", "exit 0", NULL}, &code, &eerr, &err), err);
	assert_ok(run((const char *[]){"sh", "-c", "exit 0", NULL}, &code, &eerr, &err), err);
	assert_int_equal(rootfs_calls, 2);
	rootfs_fails = true;
	int r = run((const char *[]){"touch", "/never", NULL}, &code, &eerr, &err);
	rootfs_fails = false;
	assert_int_equal(r, -ENOENT);
	assert_string_equal(berth_error_msg(err), "rootfs: no such lower dir");
	berth_error_free(&err);
	char p[128];
	struct stat st;
	snprintf(p, sizeof(p), "%s/upper/never", top);
	assert_int_equal(stat(p, &st), -1);
}

/* Creates top/<name>/data = "hello" and returns an O_PATH fd of top/<name>. */
static int make_source(const char *name)
{
	char cmd[512], p[128];
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p %s; echo hello > %s/data; "
		 "ln -sf busybox lower/bin/cat",
		 top, name, name);
	assert_int_equal(system(cmd), 0);
	snprintf(p, sizeof(p), "%s/%s", top, name);
	int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/*
 * A bind mount with a source fd is mounted from that fd: its path may name
 * something else by then (here a symlink to the host's "/"), the container
 * still gets what was opened.
 */
static void test_bind_from_fd(void **state)
{
	if (!top[0])
		skip();
	struct berth_error *err = NULL;
	int code, eerr;
	char cmd[512], name[128];
	bind_fd = make_source("src");
	snprintf(cmd, sizeof(cmd), "set -e; cd %s; mv src src-opened; ln -s / src", top);
	assert_int_equal(system(cmd), 0);
	snprintf(name, sizeof(name), "%s/src", top);
	bind_name = name;
	bind_opts = (const char *const[]){"rbind", "ro", NULL};
	assert_ok(run((const char *[]){"sh", "-c", "test \"$(cat /src/data)\" = hello", NULL},
		      &code, &eerr, &err),
		  err);
	assert_int_equal(code, 0);
}

/* "rw" never makes a read-only source writable: a mount only gains restrictions. */
static void test_bind_fd_never_loosens(void **state)
{
	if (!top[0] || unit_private_mounts() < 0)
		skip();
	struct berth_error *err = NULL;
	int code, eerr;
	char p[128];
	_cleanup_close_ int src = make_source("rosrc");
	snprintf(p, sizeof(p), "%s/rosrc", top);
	assert_int_equal(mount(p, p, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	bind_fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(bind_fd >= 0);
	bind_name = p;
	bind_opts = (const char *const[]){"rbind", "rw", NULL};
	assert_ok(run((const char *[]){"touch", "/src/written", NULL}, &code, &eerr, &err), err);
	assert_int_not_equal(code, 0);
	umount2(p, MNT_DETACH);
	struct stat st;
	assert_int_equal(fstatat(src, "written", &st, 0), -1);
}

/* ---- signal forwarding to a pid known only later (a foreground run's) ---- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_exec_failures),
		cmocka_unit_test(test_no_args),
		cmocka_unit_test(test_rootfs_per_start),
		cmocka_unit_test(test_bind_from_fd),
		cmocka_unit_test(test_bind_fd_never_loosens),
		cmocka_unit_test(test_early_failure_reported),
		cmocka_unit_test(test_premade_cgroup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
