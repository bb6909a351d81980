/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Docker run-spec grammar (core/runspec.h) reads run's flags and the
 * same syntax from compose files others write: every value must parse or
 * fail with a message, and what parses must hold what container/ relies
 * on (absolute targets, never "/", valid device modes, soft <= hard, a
 * restart policy that reads back the same). Input: the value, up to 4 KiB.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/runspec.h"

static void failed_well(int r, struct berth_error **err)
{
	if (r >= 0 || !*err || !berth_error_msg(*err)[0])
		__builtin_trap();
	berth_error_free(err);
}

static void check_target(const char *t)
{
	if (!t || t[0] != '/' || strcmp(t, "/") == 0)
		__builtin_trap();
}

static void check_mounts(const char *value)
{
	int (*const parsers[])(const char *, struct berth_mount_req *, struct berth_error **) = {
		berth_runspec_parse_volume, berth_runspec_parse_mount, berth_runspec_parse_tmpfs};
	for (size_t i = 0; i < ELEMENTSOF(parsers); i++) {
		struct berth_error *err = NULL;
		struct berth_mount_req m;
		int r = parsers[i](value, &m, &err);
		if (r < 0) {
			failed_well(r, &err);
			continue;
		}
		check_target(m.target);
		if (m.type == BERTH_MOUNT_BIND && (!m.source || m.source[0] != '/'))
			__builtin_trap();
		if (m.type == BERTH_MOUNT_TMPFS && m.source)
			__builtin_trap();
		berth_mount_req_release(&m);
	}
}

static void check_device(const char *value)
{
	struct berth_error *err = NULL;
	struct berth_device_req d;
	int r = berth_runspec_parse_device(value, &d, &err);
	if (r < 0) {
		failed_well(r, &err);
		return;
	}
	if (d.host[0] != '/' || d.container[0] != '/' || !d.perms[0] ||
	    strspn(d.perms, "rwm") != strlen(d.perms))
		__builtin_trap();
	berth_device_req_release(&d);
}

static void check_ulimit(const char *value)
{
	struct berth_error *err = NULL;
	struct berth_ulimit u;
	int r = berth_runspec_parse_ulimit(value, &u, &err);
	if (r < 0) {
		failed_well(r, &err);
		return;
	}
	if (u.soft > u.hard || !berth_runspec_rlimit_name(u.resource))
		__builtin_trap();
}

static void check_restart(const char *value)
{
	struct berth_error *err = NULL;
	enum berth_restart_policy p, p2;
	int max, max2;
	int r = berth_runspec_parse_restart(value, &p, &max, &err);
	if (r < 0) {
		failed_well(r, &err);
		return;
	}
	_cleanup_free_ char *s = berth_runspec_restart_format(p, max);
	if (berth_runspec_parse_restart(s, &p2, &max2, NULL) < 0 || p2 != p || max2 != max)
		__builtin_trap();
}

static void check_security_opt(const char *value)
{
	struct berth_error *err = NULL;
	struct berth_security_opts o = BERTH_SECURITY_OPTS_INIT;
	int r = berth_runspec_parse_security_opt(value, &o, &err);
	if (r < 0) {
		failed_well(r, &err);
		return;
	}
	if (o.no_new_privileges < -1 || o.no_new_privileges > 1 ||
	    (o.seccomp_unconfined && o.seccomp_profile))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	_cleanup_free_ char *value = berth_xstrndup((const char *)data, size);
	check_mounts(value);
	check_device(value);
	check_ulimit(value);
	check_restart(value);
	check_security_opt(value);
	int sig = berth_runspec_parse_signal(value);
	if (sig != -EINVAL && (sig < 1 || sig > 64))
		__builtin_trap();
	return 0;
}
