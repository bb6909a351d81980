/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Networks: bridge networks (a Linux bridge, a subnet, its gateway on the
 * bridge), persistent network namespaces (a file bind-mounted on a
 * namespace), veth endpoints and per-network address allocation. All of it
 * in-process over netlink (libmnl); no `ip` is run.
 *
 * The records live under a directory the caller names (the store's
 * networks/, and netns/ for the namespace files):
 *   networks/lock                      flock'ed around every change
 *   networks/<id>/network.json         the network record
 *   networks/<id>/endpoints/<cid>.json one per container on the network
 *   netns/<cid>                        the container's namespace (a mount)
 *   netns/<cid>.lock                   flock'ed by the container's owner
 * An endpoint belongs to a live container while its owner holds the lock
 * file; one whose lock can be taken is reclaimed by the next operation
 * (its address, its veth and its namespace file), so a SIGKILL at any
 * moment leaks nothing for long.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"
#include "network/hosts.h"
#include "network/nat.h"
#include "network/ports.h"

/* ---- persistent network namespaces (netns.c) ---- */

/*
 * Creates a new network namespace with its loopback up and keeps it alive
 * by bind-mounting it on dir_fd/name (created; EEXIST when it exists). The
 * calling thread enters the new namespace for the time of the call only.
 */
int berth_netns_create(int dir_fd, const char *name, struct berth_error **err);
/* Unmounts and unlinks dir_fd/name (ENOENT is success). */
int berth_netns_remove(int dir_fd, const char *name, struct berth_error **err);
/* Whether dir_fd/name is a namespace bind mount (not a plain file). */
bool berth_netns_is_mounted(int dir_fd, const char *name);

/* ---- links, addresses and routes over netlink (link.c) ---- */

struct berth_nl;

/*
 * A netlink route socket in the namespace netns_fd (< 0: the caller's).
 * Free with berth_nl_close.
 */
int berth_nl_open(int netns_fd, struct berth_nl **ret, struct berth_error **err);
void berth_nl_close(struct berth_nl *nl);
static inline void berth_nl_closep(struct berth_nl **nl)
{
	if (*nl)
		berth_nl_close(*nl);
	*nl = NULL;
}

/* The interface index of name, or -ENODEV (err untouched). */
int berth_link_index(struct berth_nl *nl, const char *name);
/*
 * Creates bridge name when it does not exist, gives it addr/prefix (a
 * dotted IPv4 address; kept when already there) and brings it up. 1 when
 * this call made the bridge, 0 when it was there.
 */
int berth_link_bridge_ensure(struct berth_nl *nl, const char *name, const char *addr,
			     unsigned prefix, struct berth_error **err);
/* Deletes link name; ENODEV is success. */
int berth_link_delete(struct berth_nl *nl, const char *name, struct berth_error **err);
/*
 * Creates a veth pair: host_name in nl's namespace, enslaved to bridge and
 * up; its peer named peer_name directly in netns_fd with the MAC mac
 * ("xx:xx:..."), down. EEXIST when a name is taken.
 */
int berth_link_veth_create(struct berth_nl *nl, const char *host_name, const char *bridge,
			   int netns_fd, const char *peer_name, const char *mac,
			   struct berth_error **err);
/* Adds addr/prefix to link name (EEXIST is success) and brings it up. */
int berth_link_addr_up(struct berth_nl *nl, const char *name, const char *addr, unsigned prefix,
		       struct berth_error **err);
/* Adds the default IPv4 route via gw (EEXIST is success). */
int berth_link_default_route(struct berth_nl *nl, const char *gw, struct berth_error **err);
/*
 * Every IPv4 route destination and address of nl's namespace, as
 * "a.b.c.d/len" strings (owned strv) for the subnet choice; those of link
 * except (may be NULL or missing) do not count.
 */
int berth_link_ipv4_in_use(struct berth_nl *nl, const char *except, char ***ret,
			   struct berth_error **err);

/* ---- IPv4 subnets (ipam.c) ---- */

struct berth_subnet {
	uint32_t net; /* host order, the network address */
	unsigned prefix;
};

/* Parses "a.b.c.d/n" (host bits must be zero: EINVAL otherwise). */
int berth_subnet_parse(const char *cidr, struct berth_subnet *ret, struct berth_error **err);
bool berth_subnet_overlaps(const struct berth_subnet *a, const struct berth_subnet *b);
bool berth_subnet_contains(const struct berth_subnet *s, uint32_t addr);
/* "a.b.c.d" of a host-order address into buf (16 bytes). */
void berth_ipv4_format(uint32_t addr, char buf[static 16]);
int berth_ipv4_parse(const char *s, uint32_t *ret, struct berth_error **err);

/*
 * The first subnet of the default pools (172.17.0.0/16 ... 172.31.0.0/16,
 * then 192.168.0.0/20 ... 192.168.240.0/20, as Docker's) overlapping
 * none of taken ("a.b.c.d/len" strings: host routes and addresses, other
 * networks). ENOSPC when all are taken.
 */
int berth_ipam_choose_subnet(char *const *taken, struct berth_subnet *ret,
			     struct berth_error **err);
/*
 * The lowest address of s after the gateway that is neither gw, nor the
 * broadcast address, nor in used (n host-order addresses). ENOSPC when full.
 */
int berth_ipam_next_free(const struct berth_subnet *s, uint32_t gw, const uint32_t *used, size_t n,
			 uint32_t *ret, struct berth_error **err);

/* ---- network records (records.c) ---- */

struct berth_network {
	char id[65];
	char *name;
	char *driver; /* "bridge", "host", "null" */
	char *subnet; /* "a.b.c.d/n", NULL for host and none */
	char *gateway;
	char *bridge; /* the bridge device, NULL for host and none */
	bool internal;
	char **labels; /* K=V */
	char *created; /* RFC 3339 */
};
void berth_network_release(struct berth_network *n);

struct berth_endpoint {
	char *container_id;
	char *container_name;
	char **aliases;
	char *endpoint_id;
	char *ip;	  /* "a.b.c.d" */
	unsigned prefix;  /* of the network's subnet */
	char *mac;	  /* "xx:..." */
	char *host_veth;  /* on the bridge */
	char *ifname;	  /* inside: eth0, eth1, ... */
	char *netns;	  /* the namespace file */
	char *hosts_path; /* the container's hosts file, rewritten when peers change */
	char *hostname;
	char **extra_hosts; /* --add-host "name:ip", ip may be BERTH_HOST_GATEWAY */
};
void berth_endpoint_release(struct berth_endpoint *e);

/* The network as `network inspect` prints it, Docker's shape (new reference). */
json_t *berth_network_to_json(const struct berth_network *n, const struct berth_endpoint *eps,
			      size_t n_eps);

/*
 * The network what (a name, an ID or its prefix) of state_dir with its
 * endpoints, as berth_network_to_json: `network inspect` and the API's
 * GET /networks/{id}. ENOENT when there is none.
 */
int berth_network_inspect(const char *state_dir, const char *what, json_t **ret,
			  struct berth_error **err);

/* Docker's network names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
bool berth_network_name_is_valid(const char *name);

/* ---- networks of a store (store.c: networks/ and netns/ of state_dir) ---- */

/*
 * state_dir: the store's root directory (berth_store_root_path). The
 * network subsystem owns STORE/networks and STORE/netns; the layering
 * gives it no store handle (network may use core only), so the caller
 * passes the directory they live in.
 */

struct berth_network_create_options {
	const char *name;
	const char *driver; /* NULL or "bridge" */
	const char *subnet; /* NULL: chosen */
	const char *gateway;
	bool internal;
	char **labels; /* K=V */
};

/*
 * Creates a user network. EEXIST when the name is taken, EINVAL for a bad
 * name/subnet/gateway, EADDRINUSE when the subnet overlaps another network
 * or a host route.
 */
int berth_network_create(const char *state_dir, const struct berth_network_create_options *o,
			 struct berth_network *ret, struct berth_error **err);
/*
 * The network named (or id, or unique id prefix) what. The predefined
 * bridge, host and none exist once any network call has run.
 */
int berth_network_get(const char *state_dir, const char *what, struct berth_network *ret,
		      struct berth_error **err);
/* Every network, sorted by name; *ret is an array of *ret_n, owned. */
int berth_network_list(const char *state_dir, struct berth_network **ret, size_t *ret_n,
		       struct berth_error **err);
/* The live endpoints of network id (array owned), after reclaiming dead ones. */
int berth_network_endpoints(const char *state_dir, const char *id, struct berth_endpoint **ret,
			    size_t *ret_n, struct berth_error **err);
/*
 * Removes a user network: EBUSY ("error while removing network: network
 * NAME id ID has active endpoints") while a container is on it, EPERM for
 * the predefined ones. The bridge is deleted.
 */
int berth_network_remove(const char *state_dir, const char *what, struct berth_error **err);
/* Removes every user network without endpoints; ret_removed lists their names. */
int berth_network_prune(const char *state_dir, char ***ret_removed, struct berth_error **err);

/* ---- a container's networking (attach.c) ---- */

/*
 * Takes the container's ownership lock (netns/<cid>.lock) for as long as
 * the returned fd stays open: its endpoints live while it is held. Blocks
 * while another process holds it.
 */
int berth_network_container_lock(const char *state_dir, const char *cid, int *ret_fd,
				 struct berth_error **err);
/* netns/<cid> of the store (owned). */
char *berth_network_netns_path(const char *state_dir, const char *cid);

struct berth_attach_options {
	const char *container_id;
	const char *container_name;
	const char *hostname;
	const char *hosts_path; /* the container's hosts file, NULL: none kept */
	char **extra_hosts;	/* --add-host "name:ip" lines of that file */
	char **aliases;
	const char *ip; /* requested address, NULL: allocated */
};

/*
 * Creates the container's namespace file when missing, and attaches it to
 * network what: allocates an address, creates the bridge when needed, a
 * veth on it and ethN inside with the address and (first network) the
 * default route. On a user network every member's hosts file is rewritten.
 * Nothing stays behind on failure. ret (may be NULL) gets the endpoint.
 * The caller holds the container lock.
 */
int berth_network_attach(const char *state_dir, const char *what,
			 const struct berth_attach_options *o, struct berth_endpoint *ret,
			 struct berth_error **err);
/* Detaches the container from network what (ENOENT when it is not on it). */
int berth_network_detach(const char *state_dir, const char *what, const char *cid,
			 struct berth_error **err);
/* Detaches the container from every network and removes its namespace file. */
int berth_network_detach_all(const char *state_dir, const char *cid, struct berth_error **err);
/* The container's endpoints on every network (arrays owned; names parallel, owned strv). */
int berth_network_container_endpoints(const char *state_dir, const char *cid,
				      struct berth_endpoint **ret, char ***ret_networks,
				      size_t *ret_n, struct berth_error **err);
/*
 * Reclaims what dead owners left: endpoints (address, veth, hosts entries)
 * and namespace files whose container lock can be taken. ret_n (may be
 * NULL) counts what was reclaimed; with dry_run only counted.
 */
int berth_network_reclaim(const char *state_dir, bool dry_run, size_t *ret_n,
			  struct berth_error **err);
