/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run: options become a spec and a record; names are unique; --rm leaves
 * nothing; a volume in use cannot be removed; a bad flag fails before
 * anything is created.
 */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/container.h"
#include "core/fs.h"
#include "core/strv.h"

static char top[64], store[96], rootfs[96];

static int setup(void **state)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return 0;
	snprintf(top, sizeof(top), "/tmp/berth-ctr-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(store, sizeof(store), "%s/store", top);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "set -e; mkdir -p %s/bin %s/etc %s/data; cp /bin/busybox %s/bin/; "
		 "ln -s busybox %s/bin/sh; echo seed > %s/data/seed; "
		 "echo 'root:x:0:0::/root:/bin/sh' > %s/etc/passwd",
		 rootfs, rootfs, rootfs, rootfs, rootfs, rootfs, rootfs);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown(void **state)
{
	if (!top[0])
		return 0;
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	return 0;
}

static size_t count_containers(void)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/containers", store);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int run_cmd(struct berth_run_options *o, const char *script, struct berth_run_result *res,
		   struct berth_error **err)
{
	char *cmd[] = {"sh", "-c", (char *)script, NULL};
	o->rootfs = rootfs;
	o->cmd = cmd;
	/* run's default is the bridge network, which would be made in the
	 * machine's own namespace: these tests are about the container */
	o->network = "none";
	return berth_container_run(store, o, res, err);
}

static void test_rm_and_names(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.rm = true;
	assert_ok(run_cmd(&o, "exit 5", &res, &err), err);
	assert_int_equal(res.exit_code, 5);
	assert_int_equal(strlen(res.id), 64);
	assert_int_equal(count_containers(), 0);

	berth_run_options_init(&o);
	o.name = "web";
	assert_ok(run_cmd(&o, "true", &res, &err), err);
	assert_int_equal(count_containers(), 1);
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EEXIST);
	assert_non_null(strstr(err->msg, "already in use"));
	berth_error_free(&err);
	o.name = "bad/name";
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(count_containers(), 1);
}

static void test_bad_flags_create_nothing(void **state)
{
	if (!top[0])
		skip();
	static const char *const bad_volumes[] = {"relative:also-relative", "/a:/b:bogus",
						  "a:b:c:d", "/x:/"};
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	size_t before = count_containers();
	for (size_t i = 0; i < sizeof(bad_volumes) / sizeof(bad_volumes[0]); i++) {
		char *v[] = {(char *)bad_volumes[i], NULL};
		berth_run_options_init(&o);
		o.rm = true;
		o.volumes = v;
		assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
		berth_error_free(&err);
	}
	char *m[] = {"type=nfs,target=/x", NULL};
	berth_run_options_init(&o);
	o.mounts = m;
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	berth_error_free(&err);
	char *u[] = {"nofile=10:5", NULL};
	berth_run_options_init(&o);
	o.ulimits = u;
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	berth_error_free(&err);
	char *c[] = {"NOT_A_CAP", NULL};
	berth_run_options_init(&o);
	o.cap_add = c;
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	berth_error_free(&err);
	/* --device: bad modes, relative paths, too many fields, missing, not a device */
	static const struct {
		const char *flag;
		int code;
	} bad_devices[] = {
		{"/dev/null:/dev/x:rwx", EINVAL},
		{"/dev/null:/dev/x:rr", EINVAL},
		{"dev/null", EINVAL},
		{"/dev/null:rel", EINVAL},
		{"/dev/null:/a:r:w", EINVAL},
		{"/dev/null:/", EINVAL},
		{"/dev/no-such-device", ENOENT},
		{"/etc/passwd", ENOTSUP},
	};
	for (size_t i = 0; i < sizeof(bad_devices) / sizeof(bad_devices[0]); i++) {
		char *d[] = {(char *)bad_devices[i].flag, NULL};
		berth_run_options_init(&o);
		o.rm = true;
		o.devices = d;
		assert_int_equal(run_cmd(&o, "true", &res, &err), -bad_devices[i].code);
		berth_error_free(&err);
	}
	assert_int_equal(count_containers(), before);
}

static void test_named_volume_prefill_and_in_use(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	char *v[] = {"vol1:/data", NULL};
	berth_run_options_init(&o);
	o.volumes = v;
	o.name = "keeper";
	assert_ok(run_cmd(&o, "test \"$(cat /data/seed)\" = seed && echo more > /data/new", &res,
			  &err),
		  err);
	assert_int_equal(res.exit_code, 0);
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/volumes/vol1/_data/new", store);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(berth_volume_remove(store, "vol1", false, &err), -EBUSY);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rm_and_names),
		cmocka_unit_test(test_bad_flags_create_nothing),
		cmocka_unit_test(test_named_volume_prefill_and_in_use),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
