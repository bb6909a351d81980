/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * The json-file log tests' fixture (container logs, compose logs): a
 * temporary store with its handle, and the path of a container's log with
 * the container's folder made, as the monitor leaves them.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "store/store.h"

static char store[64];
static struct berth_store *hstore; /* the store at store */

static int setup(void **state)
{
	(void)state;
	snprintf(store, sizeof(store), "/tmp/berth-jlog-XXXXXX");
	assert_non_null(mkdtemp(store));
	assert_int_equal(berth_store_open(store, &hstore, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	berth_store_freep(&hstore);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", store);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* STORE/containers/ID/ID-json.log into buf, the folders made. */
static void json_log_path(const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/containers", store);
	mkdir(buf, 0700);
	snprintf(buf, size, "%s/containers/%s", store, id);
	mkdir(buf, 0700);
	snprintf(buf, size, "%s/containers/%s/%s-json.log", store, id, id);
}
