/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * The container endpoints' tests: api-fixture.h's service, a container
 * "io" made (not started) from a busybox rootfs beside its store, and a
 * request checked for its status and a text.
 */
#include "unit.h"

#include "api-fixture.h"
#include "container/container.h"

/* A container "io" made (not started) from a busybox rootfs beside the store. */
static inline bool make_container(struct service *s)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return false;
	_cleanup_free_ char *rootfs = berth_xasprintf("%s/../rootfs", s->f->root);
	_cleanup_free_ char *cmd = berth_xasprintf(
		"set -e; mkdir -p %s/bin %s/etc; cp /bin/busybox %s/bin/; ln -s busybox %s/bin/sh; "
		"ln -s /bin/busybox %s/etc/bb",
		rootfs, rootfs, rootfs, rootfs, rootfs);
	assert_int_equal(system(cmd), 0);
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	char *argv[] = {"true", NULL};
	berth_run_options_init(&o);
	o.name = "io";
	o.rootfs = rootfs;
	o.cmd = argv;
	o.network = "none";
	o.create_only = true;
	assert_ok(berth_container_run(s->f->s, &o, &res, &err), err);
	return true;
}

/* A request whose reply has status and text. */
static inline void expect(struct service *s, const char *head, const char *status, const char *text)
{
	_cleanup_free_ char *r = request(s, head, NULL, 0);
	assert_non_null(strstr(r, status));
	assert_non_null(strstr(r, text));
}
