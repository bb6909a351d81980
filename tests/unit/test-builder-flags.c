/* SPDX-License-Identifier: Apache-2.0 */
/* Instruction flag values: RUN --mount=… and COPY/ADD --chmod=…. */
#include "unit.h"

#include <errno.h>

#include "builder/flags.h"
#include "core/cleanup.h"

static void parse_ok(const char *spec, struct build_run_mount *m)
{
	struct berth_error *err = NULL;
	assert_ok(build_run_mount_parse(spec, m, &err), err);
}

static void parse_fails(const char *spec, const char *msg)
{
	_cleanup_(build_run_mount_release) struct build_run_mount m = {0};
	struct berth_error *err = NULL;
	assert_int_equal(build_run_mount_parse(spec, &m, &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), msg);
	berth_error_free(&err);
}

static void test_bind(void **state)
{
	_cleanup_(build_run_mount_release) struct build_run_mount m = {0};
	parse_ok("source=.,target=/ctx,rw", &m);
	assert_string_equal(m.type, "bind");
	assert_string_equal(m.source, ".");
	assert_string_equal(m.target, "/ctx");
	assert_true(m.rw_set);
	assert_false(m.readonly);
	build_run_mount_release(&m);
	parse_ok("type=bind,from=build,src=/out,dst=/o,readonly=true", &m);
	assert_string_equal(m.from, "build");
	assert_true(m.readonly);
	build_run_mount_release(&m);
	/* Go's ParseBool spellings, as BuildKit reads them */
	parse_ok("target=/x,rw=False", &m);
	assert_true(m.readonly);
	build_run_mount_release(&m);
	parse_ok("target=/x,ro=0", &m);
	assert_false(m.readonly);
}

static void test_secret(void **state)
{
	_cleanup_(build_run_mount_release) struct build_run_mount m = {0};
	parse_ok("type=secret,id=tok", &m);
	assert_string_equal(m.target, "/run/secrets/tok");
	assert_false(m.has_mode || m.has_uid || m.has_gid);
	build_run_mount_release(&m);
	parse_ok("type=secret,id=tok,mode=0440,uid=1000,gid=0,required", &m);
	assert_true(m.has_mode && m.has_uid && m.has_gid && m.required);
	assert_int_equal(m.mode, 0440);
	assert_int_equal(m.uid, 1000);
	assert_int_equal(m.gid, 0);
}

static void test_bad(void **state)
{
	parse_fails("type=secret,id=t,mode=999",
		    "invalid mode '999' in '--mount=type=secret,id=t,mode=999'");
	parse_fails("type=secret,id=t,mode=10000",
		    "invalid mode '10000' in '--mount=type=secret,id=t,mode=10000'");
	parse_fails("type=secret,id=t,uid=-1",
		    "invalid uid '-1' in '--mount=type=secret,id=t,uid=-1'");
	parse_fails("type=secret,id=t,gid=4294967295",
		    "invalid gid '4294967295' in '--mount=type=secret,id=t,gid=4294967295'");
	parse_fails("type=secret,id=t,uid", "invalid uid '' in '--mount=type=secret,id=t,uid'");
	parse_fails("target=/x,rw=maybe",
		    "invalid value 'maybe' of 'rw' in '--mount=target=/x,rw=maybe'");
	parse_fails("target=/x,bogus=1", "unexpected key 'bogus' in '--mount=target=/x,bogus=1'");
	parse_fails("type=volume,target=/x", "unsupported mount type 'volume'");
	parse_fails("type=secret", "secret mount needs an id: 'type=secret'");
	parse_fails("source=a", "mount 'source=a' has no target");
	parse_fails("target=rel", "mount target 'rel' must be absolute");
}

static void test_chmod(void **state)
{
	struct berth_error *err = NULL;
	mode_t m = 0;
	assert_ok(build_parse_chmod("755", &m, &err), err);
	assert_int_equal(m, 0755);
	assert_ok(build_parse_chmod("7777", &m, &err), err);
	assert_int_equal(m, 07777);
	const char *bad[] = {"", "-1", "8", "10000", " 755", "+7", "0x1"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(build_parse_chmod(bad[i], &m, &err), -EINVAL);
		berth_error_free(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_chmod),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
