/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container unit tests' fixture: busybox-fixture.h's rootfs (with
 * /data/seed), a temporary store beside it, and run_cmd, which runs a
 * shell script in it with --network none.
 */
#pragma once

#include "busybox-fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/container.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/fs.h"
#include "core/strv.h"
#include "store/store.h"

static char store_dir[96], rootfs[96];
static struct berth_store *store; /* the store at store_dir */

/* Whatever a failed test left running (its pods, its containers) goes before its store does. */
static void remove_everything(void)
{
	_cleanup_json_ json_t *pods = NULL, *all = NULL;
	size_t i;
	json_t *v;
	if (berth_pod_list(store, &pods, NULL) >= 0)
		json_array_foreach (pods, i, v)
			berth_pod_remove(store, json_string_value(json_object_get(v, "Id")), true,
					 NULL);
	if (berth_container_list(store, &all, NULL) < 0)
		return;
	size_t n = json_array_size(all);
	if (n == 0)
		return;
	_cleanup_free_ char **ids = berth_xcalloc(n, sizeof(*ids));
	_cleanup_free_ struct berth_error **errs = berth_xcalloc(n, sizeof(*errs));
	json_array_foreach (all, i, v)
		ids[i] = (char *)json_string_value(json_object_get(v, "Id"));
	berth_container_remove_many(store, ids, n, true, errs);
	for (i = 0; i < n; i++)
		berth_error_free(&errs[i]);
}

static void close_store(void)
{
	if (store)
		remove_everything();
	berth_store_freep(&store);
}

static int setup(void **state)
{
	if (!busybox_tree("ctr", "rootfs"))
		return 0;
	snprintf(store_dir, sizeof(store_dir), "%s/store", top);
	assert_int_equal(berth_store_open(store_dir, &store, NULL), 0);
	fixture_release = close_store;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "set -e; mkdir -p %s/data; echo seed > %s/data/seed", rootfs,
		 rootfs);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* The entries of the store's directory sub ("containers", "pods"). */
static inline size_t count_store_entries(const char *sub)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", store_dir, sub);
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

static inline size_t count_containers(void)
{
	return count_store_entries("containers");
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
