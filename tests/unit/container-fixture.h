/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container unit tests' fixture: a temporary store and a busybox rootfs
 * (skipped when not root or without /bin/busybox), and run_cmd, which runs
 * a shell script in it with --network none.
 */
#pragma once

#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/container.h"
#include "core/fs.h"
#include "core/strv.h"
#include "store/store.h"

static char top[64], store_dir[96], rootfs[96];
static struct berth_store *store; /* the store at store_dir */

static int setup(void **state)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return 0;
	snprintf(top, sizeof(top), "/tmp/berth-ctr-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(store_dir, sizeof(store_dir), "%s/store", top);
	assert_int_equal(berth_store_open(store_dir, &store, NULL), 0);
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
	berth_store_freep(&store);
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	return 0;
}

static inline size_t count_containers(void)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/containers", store_dir);
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

static inline int run_cmd(struct berth_run_options *o, const char *script,
			  struct berth_run_result *res, struct berth_error **err)
{
	char *cmd[] = {"sh", "-c", (char *)script, NULL};
	o->rootfs = rootfs;
	o->cmd = cmd;
	/* run's default is the bridge network, which would be made in the
	 * machine's own namespace: these tests are about the container */
	o->network = "none";
	return berth_container_run(store, o, res, err);
}
