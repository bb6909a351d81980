/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixture of the unit tests that run processes: a temp dir top holding a
 * rootfs of the host's static busybox (bin/busybox, bin/sh, etc/passwd),
 * removed by teardown. Without root or /bin/busybox top stays empty and the
 * tests skip.
 */
#pragma once

#include "unit.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/fs.h"

static char top[64];
/* Set by a fixture that holds something in top (a store handle): teardown calls it first. */
static void (*fixture_release)(void);

/* Makes /tmp/berth-<tag>-XXXXXX with the busybox rootfs in its dir; false to skip. */
static inline bool busybox_tree(const char *tag, const char *dir)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return false;
	snprintf(top, sizeof(top), "/tmp/berth-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(top));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p %s/bin %s/etc; cp /bin/busybox %s/bin/; "
		 "ln -s busybox %s/bin/sh; echo 'root:x:0:0::/root:/bin/sh' > %s/etc/passwd",
		 top, dir, dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	return true;
}

static int teardown(void **state)
{
	if (!top[0])
		return 0;
	if (fixture_release)
		fixture_release();
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	return 0;
}
