/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture of the unit tests that run a spec of their own on the busybox
 * rootfs (busybox_tree(TAG, "rootfs") in their setup) and read what the
 * container prints.
 */
#pragma once

#include "busybox-fixture.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/strv.h"
#include "runtime/runtime.h"

/* The spec of a container running args on the busybox rootfs, with a new mount namespace. */
static inline void make_spec(struct berth_spec *spec, const char *script)
{
	berth_spec_init(spec);
	berth_spec_set_defaults(spec);
	berth_strv_push(&spec->args, "sh");
	berth_strv_push(&spec->args, "-c");
	berth_strv_push(&spec->args, script);
	char root[128];
	snprintf(root, sizeof(root), "%s/rootfs", top);
	spec->root_path = strdup(root);
}

/* Runs spec; its stdout into out (NUL-terminated); the berth_runtime_run result. */
static inline int run_spec(struct berth_spec *spec, char *out, size_t n, int *ret_exit,
			   struct berth_error **err)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	char id[17];
	berth_random_hex(id, 8);
	struct berth_runtime_config cfg = {
		.spec = spec,
		.id = id,
		.stdio = {devnull, p[1], devnull},
	};
	struct berth_runtime_result res = {0};
	int r = berth_runtime_run(&cfg, &res, err);
	close(p[1]);
	close(devnull);
	ssize_t got = read(p[0], out, n - 1);
	out[got > 0 ? got : 0] = '\0';
	close(p[0]);
	*ret_exit = res.exit_code;
	return r;
}
