/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spec of run: a bad flag fails before anything is created; a named
 * volume is filled from the image and cannot be removed while in use.
 */
#include "container-fixture.h"

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
		cmocka_unit_test(test_bad_flags_create_nothing),
		cmocka_unit_test(test_named_volume_prefill_and_in_use),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
