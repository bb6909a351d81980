/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared between the files of src/libberth/container; not a public header. */

#include "container/container.h"

/* The current time in RFC 3339 with nanoseconds, UTC (owned). */
char *berth_container_now(void);

/*
 * Whether a container record mounts volume name: 1 and *ret_container (its
 * name, owned) when one does, 0 when none.
 */
int berth_container_volume_user(const char *store_root, const char *name, char **ret_container);

/* containers/<id>/state.json: read (NULL when absent or broken), written atomically. */
json_t *berth_container_state_read(int cdir, const char *id);
int berth_container_state_write(int cdir, const char *id, const json_t *state,
				struct berth_error **err);

struct berth_spec;
/*
 * Networking (network.c). At create: checks o's --network, --ip and
 * --network-alias, records the mode and networks in st (HostConfig,
 * NetworkSettings) and sets spec's network namespace.
 */
int berth_container_net_configure(const char *store_root, const struct berth_run_options *o,
				  struct berth_spec *spec, json_t *st, struct berth_error **err);
/*
 * In the monitor, before the first start: takes the container's network
 * lock (*ret_lock, -EBADF when the container has no networks of its own),
 * attaches it to its networks and points spec->netns_path at its namespace
 * (or at X's for container:X). Nothing is left behind on failure.
 */
int berth_container_net_up(const char *store_root, int cdir, const char *cid, const char *hostname,
			   struct berth_spec *spec, int *ret_lock, struct berth_error **err);
/* When the monitor ends: detaches everything and drops the lock. */
void berth_container_net_down(const char *store_root, int cdir, const char *cid, int lock);
/*
 * At rm: what a monitor killed with SIGKILL left on networks (the
 * container's endpoints, ports and namespace file) is reclaimed now.
 */
void berth_container_net_reclaim(const char *store_root, const char *cid);
