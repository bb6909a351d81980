/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Docker run-spec grammar: -v, --mount, --tmpfs, --ulimit, --device,
 * --restart, --security-opt and signal names become typed requests, and
 * bad values fail with run's messages.
 */
#include "unit.h"

#include <signal.h>
#include <sys/resource.h>

#include "core/cleanup.h"
#include "core/runspec.h"

/* Fails with code and a message containing want. */
static void assert_fails(int r, struct berth_error **err, int code, const char *want)
{
	assert_int_equal(r, -code);
	assert_non_null(*err);
	if (!strstr((*err)->msg, want))
		fail_msg("'%s' does not contain '%s'", (*err)->msg, want);
	berth_error_free(err);
}

static void test_volume(void **state)
{
	struct berth_error *err = NULL;
	struct berth_mount_req m;
	assert_ok(berth_runspec_parse_volume("/host:/ctr:ro,z", &m, &err), err);
	assert_int_equal(m.type, BERTH_MOUNT_BIND);
	assert_string_equal(m.source, "/host");
	assert_string_equal(m.target, "/ctr");
	assert_true(m.read_only && m.create_source && !m.nocopy);
	berth_mount_req_release(&m);
	assert_ok(berth_runspec_parse_volume("data:/d:nocopy", &m, &err), err);
	assert_int_equal(m.type, BERTH_MOUNT_VOLUME);
	assert_string_equal(m.source, "data");
	assert_true(m.nocopy && !m.read_only && !m.create_source);
	berth_mount_req_release(&m);
	assert_ok(berth_runspec_parse_volume("/anon", &m, &err), err);
	assert_int_equal(m.type, BERTH_MOUNT_VOLUME);
	assert_null(m.source);
	berth_mount_req_release(&m);

	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{"relative:also-relative", "invalid mount 'relative:also-relative': target "
					   "'also-relative' is not absolute"},
		{"/a:/b:bogus",
		 "invalid volume specification '/a:/b:bogus': unknown option 'bogus'"},
		{"a:b:c:d", "invalid volume specification 'a:b:c:d'"},
		{"/x:/", "invalid mount '/x:/': cannot mount over '/'"},
		{"/x:", "invalid volume specification '/x:'"},
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_fails(berth_runspec_parse_volume(bad[i].spec, &m, &err), &err, EINVAL,
			     bad[i].msg);
}

static void test_mount_and_tmpfs(void **state)
{
	struct berth_error *err = NULL;
	struct berth_mount_req m;
	assert_ok(berth_runspec_parse_mount("type=tmpfs,dst=/t,tmpfs-size=1k,tmpfs-mode=1777,ro",
					    &m, &err),
		  err);
	assert_int_equal(m.type, BERTH_MOUNT_TMPFS);
	assert_string_equal(m.target, "/t");
	assert_string_equal(m.tmpfs_opts, "size=1024,mode=1777");
	assert_true(m.read_only);
	berth_mount_req_release(&m);
	assert_ok(berth_runspec_parse_mount("type=bind,src=/s,target=/d,readonly=false", &m, &err),
		  err);
	assert_int_equal(m.type, BERTH_MOUNT_BIND);
	assert_true(!m.read_only && !m.create_source);
	berth_mount_req_release(&m);
	assert_ok(berth_runspec_parse_mount("target=/v", &m, &err), err);
	assert_int_equal(m.type, BERTH_MOUNT_VOLUME);
	berth_mount_req_release(&m);
	assert_fails(berth_runspec_parse_mount("type=nfs,target=/x", &m, &err), &err, EINVAL,
		     "type 'nfs' is not one of bind, volume, tmpfs");
	assert_fails(berth_runspec_parse_mount("type=bind,target=/x,src=rel", &m, &err), &err,
		     EINVAL, "a bind source must be an absolute host path");
	assert_fails(berth_runspec_parse_mount("type=tmpfs,target=/x,src=/y", &m, &err), &err,
		     EINVAL, "tmpfs takes no source");
	assert_fails(berth_runspec_parse_mount("type=volume", &m, &err), &err, EINVAL,
		     "target is required");
	assert_fails(berth_runspec_parse_mount("target=/x,colour=red", &m, &err), &err, EINVAL,
		     "unknown key 'colour'");

	assert_ok(berth_runspec_parse_tmpfs("/run", &m, &err), err);
	assert_int_equal(m.type, BERTH_MOUNT_TMPFS);
	assert_string_equal(m.tmpfs_opts, "noexec");
	berth_mount_req_release(&m);
	assert_ok(berth_runspec_parse_tmpfs("/run:size=1m", &m, &err), err);
	assert_string_equal(m.target, "/run");
	assert_string_equal(m.tmpfs_opts, "size=1m");
	berth_mount_req_release(&m);
	assert_fails(berth_runspec_parse_tmpfs("run", &m, &err), &err, EINVAL, "not absolute");
}

static void test_ulimit(void **state)
{
	struct berth_error *err = NULL;
	struct berth_ulimit u;
	assert_ok(berth_runspec_parse_ulimit("nofile=1024:2048", &u, &err), err);
	assert_int_equal(u.resource, RLIMIT_NOFILE);
	assert_int_equal(u.soft, 1024);
	assert_int_equal(u.hard, 2048);
	assert_string_equal(berth_runspec_rlimit_name(u.resource), "RLIMIT_NOFILE");
	assert_int_equal(berth_runspec_ulimit_resource("nofile"), RLIMIT_NOFILE);
	assert_int_equal(berth_runspec_ulimit_resource("as"), RLIMIT_AS);
	assert_int_equal(berth_runspec_ulimit_resource("nofil"), -1);
	assert_ok(berth_runspec_parse_ulimit("core=-1", &u, &err), err);
	assert_true(u.soft == UINT64_MAX && u.hard == UINT64_MAX);
	assert_fails(berth_runspec_parse_ulimit("nofile=10:5", &u, &err), &err, EINVAL,
		     "invalid ulimit 'nofile=10:5': soft above hard");
	assert_fails(berth_runspec_parse_ulimit("bogus=1", &u, &err), &err, EINVAL, "unknown name");
	assert_fails(berth_runspec_parse_ulimit("nofile", &u, &err), &err, EINVAL,
		     "want NAME=SOFT[:HARD]");
	assert_fails(berth_runspec_parse_ulimit("nofile=1x", &u, &err), &err, EINVAL,
		     "invalid ulimit 'nofile=1x'");
}

static void test_device(void **state)
{
	struct berth_error *err = NULL;
	struct berth_device_req d;
	assert_ok(berth_runspec_parse_device("/dev/null", &d, &err), err);
	assert_string_equal(d.container, "/dev/null");
	assert_string_equal(d.perms, "rwm");
	berth_device_req_release(&d);
	assert_ok(berth_runspec_parse_device("/dev/null:r", &d, &err), err);
	assert_string_equal(d.container, "/dev/null");
	assert_string_equal(d.perms, "r");
	berth_device_req_release(&d);
	assert_ok(berth_runspec_parse_device("/dev/null:/dev/x:mw", &d, &err), err);
	assert_string_equal(d.host, "/dev/null");
	assert_string_equal(d.container, "/dev/x");
	assert_string_equal(d.perms, "mw");
	berth_device_req_release(&d);
	static const char *const bad[] = {
		"/dev/null:/dev/x:rwx", "/dev/null:/dev/x:rr", "dev/null",
		"/dev/null:rel",	"/dev/null:/a:r:w",    "/dev/null:/"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(berth_runspec_parse_device(bad[i], &d, &err), -EINVAL);
		berth_error_free(&err);
	}
}

static void test_restart(void **state)
{
	struct berth_error *err = NULL;
	enum berth_restart_policy p;
	int max;
	assert_ok(berth_runspec_parse_restart("on-failure:3", &p, &max, &err), err);
	assert_true(p == BERTH_RESTART_ON_FAILURE && max == 3);
	char *s = berth_runspec_restart_format(p, max);
	assert_string_equal(s, "on-failure:3");
	free(s);
	assert_ok(berth_runspec_parse_restart("on-failure", &p, &max, &err), err);
	assert_true(p == BERTH_RESTART_ON_FAILURE && max == 0);
	assert_ok(berth_runspec_parse_restart("unless-stopped", &p, &max, &err), err);
	assert_int_equal(p, BERTH_RESTART_UNLESS_STOPPED);
	assert_ok(berth_runspec_parse_restart("no", &p, &max, &err), err);
	assert_int_equal(p, BERTH_RESTART_NO);
	static const char *const bad[] = {"sometimes",
					  "on-failure:",
					  "on-failure:-1",
					  "on-failure:2x",
					  "on-failure:99999999999",
					  ""};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_fails(berth_runspec_parse_restart(bad[i], &p, &max, &err), &err, EINVAL,
			     "invalid restart policy");
}

static void test_security_opt_and_signal(void **state)
{
	struct berth_error *err = NULL;
	struct berth_security_opts o = BERTH_SECURITY_OPTS_INIT;
	assert_int_equal(o.no_new_privileges, -1);
	assert_ok(berth_runspec_parse_security_opt("no-new-privileges", &o, &err), err);
	assert_int_equal(o.no_new_privileges, 1);
	assert_ok(berth_runspec_parse_security_opt("no-new-privileges:false", &o, &err), err);
	assert_int_equal(o.no_new_privileges, 0);
	assert_ok(berth_runspec_parse_security_opt("seccomp=unconfined", &o, &err), err);
	assert_true(o.seccomp_unconfined && !o.seccomp_profile);
	assert_ok(berth_runspec_parse_security_opt("seccomp=/p.json", &o, &err), err);
	assert_true(!o.seccomp_unconfined && strcmp(o.seccomp_profile, "/p.json") == 0);
	assert_fails(berth_runspec_parse_security_opt("no-new-privileges=maybe", &o, &err), &err,
		     EINVAL, "invalid --security-opt 'no-new-privileges=maybe': not a boolean");
	assert_fails(berth_runspec_parse_security_opt("apparmor=x", &o, &err), &err, EINVAL,
		     "invalid --security-opt 'apparmor=x'");
	assert_fails(berth_runspec_parse_security_opt("no-new-privilegesX", &o, &err), &err, EINVAL,
		     "invalid --security-opt");

	assert_int_equal(berth_runspec_parse_signal("SIGUSR1"), SIGUSR1);
	assert_int_equal(berth_runspec_parse_signal("term"), SIGTERM);
	assert_int_equal(berth_runspec_parse_signal("9"), 9);
	assert_int_equal(berth_runspec_parse_signal("SIG"), -EINVAL);
	assert_int_equal(berth_runspec_parse_signal("65"), -EINVAL);
	assert_int_equal(berth_runspec_parse_signal("FOO"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume),	cmocka_unit_test(test_mount_and_tmpfs),
		cmocka_unit_test(test_ulimit),	cmocka_unit_test(test_device),
		cmocka_unit_test(test_restart), cmocka_unit_test(test_security_opt_and_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
