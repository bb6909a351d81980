/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared between the files of src/libberth/network; not a public header. */

#include "network/network.h"

/* The on-disk JSON of a network and of an endpoint (new references). */
json_t *berth_net_record_network(const struct berth_network *n);
json_t *berth_net_record_endpoint(const struct berth_endpoint *e);
/* Parses them back (EBADMSG for a damaged record). */
int berth_net_parse_network(const json_t *o, struct berth_network *ret, struct berth_error **err);
int berth_net_parse_endpoint(const json_t *o, struct berth_endpoint *ret, struct berth_error **err);

/*
 * The networks of a store, opened: networks/ and netns/ as fds, and (when
 * locked) networks/lock flock'ed for the whole of an operation.
 */
struct berth_netstore {
	const char *root;
	int net_dir;
	int ns_dir;
	int lock_fd;
};
#define BERTH_NETSTORE_INIT                                                                        \
	{                                                                                          \
		.net_dir = -EBADF, .ns_dir = -EBADF, .lock_fd = -EBADF                             \
	}
/* Opens (creating) the dirs, takes the lock and adds bridge, host and none when missing. */
int berth_netstore_open(const char *root, struct berth_netstore *s, struct berth_error **err);
void berth_netstore_close(struct berth_netstore *s);

/* Every network record, sorted by name. */
int berth_netstore_list(struct berth_netstore *s, struct berth_network **ret, size_t *ret_n,
			struct berth_error **err);
/* The network named what (name, id, unique id prefix); ENOENT "network X not found". */
int berth_netstore_find(struct berth_netstore *s, const char *what, struct berth_network *ret,
			struct berth_error **err);
/* The endpoint records of network id, as they are (live or not). */
int berth_netstore_endpoints(struct berth_netstore *s, const char *id, struct berth_endpoint **ret,
			     size_t *ret_n, struct berth_error **err);
int berth_netstore_put_endpoint(struct berth_netstore *s, const char *net_id,
				const struct berth_endpoint *e, struct berth_error **err);
int berth_netstore_del_endpoint(struct berth_netstore *s, const char *net_id, const char *cid,
				struct berth_error **err);
/* Whether the owner of container cid holds its lock. */
bool berth_netstore_owner_alive(struct berth_netstore *s, const char *cid);
void berth_endpoints_free(struct berth_endpoint *eps, size_t n);
void berth_networks_free(struct berth_network *nets, size_t n);
/* Chooses n's subnet and gateway from the default pools (ipam.c's choice). */
int berth_net_choose_subnet(struct berth_netstore *s, struct berth_network *n,
			    struct berth_error **err);
int berth_network_container_endpoints_locked(struct berth_netstore *s, const char *cid,
					     struct berth_endpoint **ret, char ***ret_networks,
					     size_t *ret_n, struct berth_error **err);
/*
 * Reclaims what dead owners left. Thorough also looks for NAT rules no
 * record accounts for (it lists the nftables table): system check and rm
 * do, the reclaim before each attach does not (see berth_net_ports_reclaim).
 */
int berth_net_reclaim_locked(struct berth_netstore *s, bool dry_run, bool thorough, size_t *ret_n,
			     struct berth_error **err);
