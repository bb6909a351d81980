/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spec of run: a request it cannot honour fails before anything is
 * created; typed limits and mounts reach the process; a named volume is
 * filled from the image and cannot be removed while in use.
 */
#include "container-fixture.h"

#include <sys/resource.h>

#include "core/cleanup.h"

/* Typed requests the spec cannot honour fail before anything is created. */
static void test_bad_requests_create_nothing(void **state)
{
	if (!top[0])
		skip();
	static const struct {
		struct berth_mount_req m;
		int code;
	} bad_mounts[] = {
		{{.type = BERTH_MOUNT_VOLUME, .target = "relative"}, EINVAL},
		{{.type = BERTH_MOUNT_TMPFS, .target = "/"}, EINVAL},
		{{.type = BERTH_MOUNT_BIND, .target = "/x"}, EINVAL},
		{{.type = BERTH_MOUNT_BIND, .source = "/no/such/dir", .target = "/x"}, ENOENT},
	};
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	size_t before = count_containers();
	for (size_t i = 0; i < ELEMENTSOF(bad_mounts); i++) {
		berth_run_options_init(&o);
		o.rm = true;
		o.mounts = &bad_mounts[i].m;
		o.n_mounts = 1;
		assert_int_equal(run_cmd(&o, "true", &res, &err), -bad_mounts[i].code);
		berth_error_free(&err);
	}
	char *c[] = {"NOT_A_CAP", NULL};
	berth_run_options_init(&o);
	o.cap_add = c;
	assert_int_equal(run_cmd(&o, "true", &res, &err), -EINVAL);
	berth_error_free(&err);
	/* --device: missing, not a device, relative */
	static const struct {
		struct berth_device_req d;
		int code;
	} bad_devices[] = {
		{{.host = "/dev/no-such-device", .container = "/dev/x", .perms = "rwm"}, ENOENT},
		{{.host = "/etc/passwd", .container = "/dev/x", .perms = "rwm"}, ENOTSUP},
		{{.host = "dev/null", .container = "/dev/x", .perms = "rwm"}, EINVAL},
	};
	for (size_t i = 0; i < ELEMENTSOF(bad_devices); i++) {
		berth_run_options_init(&o);
		o.rm = true;
		o.devices = &bad_devices[i].d;
		o.n_devices = 1;
		assert_int_equal(run_cmd(&o, "true", &res, &err), -bad_devices[i].code);
		berth_error_free(&err);
	}
	berth_run_options_init(&o);
	o.seccomp_profile = "/no/such/profile.json";
	assert_true(run_cmd(&o, "true", &res, &err) < 0);
	berth_error_free(&err);
	assert_int_equal(count_containers(), before);
}

/* Typed ulimits, tmpfs and no-new-privileges reach the container's process. */
static void test_typed_options_apply(void **state)
{
	if (!top[0])
		skip();
	struct berth_ulimit u = {.resource = RLIMIT_NOFILE, .soft = 100, .hard = 200};
	struct berth_mount_req m = {
		.type = BERTH_MOUNT_TMPFS, .target = "/scratch", .tmpfs_opts = "size=65536"};
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.rm = true;
	o.ulimits = &u;
	o.n_ulimits = 1;
	o.mounts = &m;
	o.n_mounts = 1;
	o.no_new_privileges = 1;
	assert_ok(run_cmd(&o,
			  "test \"$(ulimit -n)\" = 100 && test \"$(ulimit -Hn)\" = 200 && "
			  "grep -q ' /scratch tmpfs .*size=64k' /proc/mounts && "
			  "grep -q '^NoNewPrivs:.*1' /proc/self/status",
			  &res, &err),
		  err);
	assert_int_equal(res.exit_code, 0);
	berth_run_options_init(&o);
	o.rm = true;
	assert_ok(run_cmd(&o, "grep -q '^NoNewPrivs:.*0' /proc/self/status", &res, &err), err);
	assert_int_equal(res.exit_code, 0);
}

static void test_named_volume_prefill_and_in_use(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	struct berth_mount_req v = {
		.type = BERTH_MOUNT_VOLUME, .source = "vol1", .target = "/data"};
	berth_run_options_init(&o);
	o.mounts = &v;
	o.n_mounts = 1;
	o.name = "keeper";
	assert_ok(run_cmd(&o, "test \"$(cat /data/seed)\" = seed && echo more > /data/new", &res,
			  &err),
		  err);
	assert_int_equal(res.exit_code, 0);
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/volumes/vol1/_data/new", store_dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(berth_volume_remove(store, "vol1", false, &err), -EBUSY);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_requests_create_nothing),
		cmocka_unit_test(test_typed_options_apply),
		cmocka_unit_test(test_named_volume_prefill_and_in_use),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
