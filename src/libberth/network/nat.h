/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/names.h"

/*
 * NAT and port forwarding through nftables (in-process; no `nft` or
 * `iptables` binary). Everything berth installs lives in one table,
 * `ip berth`, with base chains prerouting, output, postrouting (nat) and
 * forward (filter), made with libnftables:
 *   a bridge network  its own chains "post-<bridge>" (+ "fwd-<bridge>" when
 *                     internal), reached by one jump per base chain whose
 *                     comment is "bridge:<bridge>";
 *   published ports   two maps (network/natlink.h) looked up by two DNAT
 *                     rules in each of the base chains publish-pre
 *                     (prerouting) and publish-out (output), made once
 *                     per table; a container's ports are elements of those
 *                     maps, with the comment "port:<id>", added and deleted
 *                     over nfnetlink without libnftables.
 * Each change is one transaction (atomic: a failure or a crash leaves
 * either the old or the new rules, never half of them); replacing an
 * owner's ports is two (removal, then addition).
 *
 * Two setups of one bridge at once may both add their rules, and of one
 * container's ports the second fails (its elements exist): callers
 * serialise per owner (ports.c under its lock, bridges under the network's).
 *
 * Every value put into a command is validated first: addresses with
 * inet_pton, names against [A-Za-z0-9_.-]. IPv4 only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct berth_port_map;

/*
 * Outbound NAT for a bridge network: masquerade of subnet_cidr leaving
 * through any interface but bridge (none when internal: then forwarding
 * into and out of the bridge is dropped instead), and masquerade of
 * 127.0.0.0/8-sourced traffic going out through the bridge, which a
 * published port reached on 127.0.0.1 produces (with route_localnet set on
 * bridge, which this does, and net.ipv4.ip_forward set to 1). Idempotent.
 * -EINVAL on a bad name or CIDR, -EPERM without CAP_NET_ADMIN.
 */
int berth_net_nat_setup(const char *bridge, const char *subnet_cidr, bool internal,
			struct berth_error **err);

/* Removes what berth_net_nat_setup() installed for bridge; 0 when nothing was there. */
int berth_net_nat_teardown(const char *bridge, struct berth_error **err);

/*
 * DNAT of maps[0..n) to container_ip for owner (a container id): in
 * prerouting for traffic from outside (the client's source address is kept)
 * and in output for the host's own connections, 127.0.0.1 included. A map
 * with an empty host_ip (or 0.0.0.0) matches every local address of the host.
 * Every host_port must be set (non-zero). Adds the maps' elements in one
 * netlink batch (libnftables only when the table is not there yet). With
 * replace, the owner's previous entries are removed first (found by listing
 * the table); without, the caller knows there are none. -EADDRINUSE when
 * an element of one of the keys exists (an entry nothing records).
 */
int berth_net_nat_ports_add(const char *owner, const char *container_ip,
			    const struct berth_port_map *maps, size_t n, bool replace,
			    struct berth_error **err);

/*
 * Removes the owner's entries for exactly maps[0..n) (as ports.json
 * recorded them), without listing the table or loading libnftables; when
 * one of them is not there, falls back to berth_net_nat_ports_remove().
 */
int berth_net_nat_ports_delete(const char *owner, const struct berth_port_map *maps, size_t n,
			       struct berth_error **err);

/* Removes every port entry of the owner, found by listing the table; 0 when there were none. */
int berth_net_nat_ports_remove(const char *owner, struct berth_error **err);

/*
 * The owners that have rules installed, of one kind: "port" (container ids
 * with published ports) or "bridge" (bridge names), each once; *ret a
 * NULL-terminated vector owned by the caller (NULL when none). For finding
 * rules that no record accounts for (system check, reclaim).
 */
int berth_net_nat_owners(const char *kind, char ***ret, struct berth_error **err);

/*
 * For tests and fuzzing: what a listing of the table (libnftables' JSON)
 * yields, the owners of kind "port" (*ret_owners, NULL when none) and the
 * commands that berth_net_nat_ports_remove(owner) would run (*ret_removal,
 * "" when none). -EINVAL when listing is not JSON or owner not a name.
 */
int berth_net_nat_listing_scan(const char *listing, size_t len, const char *owner,
			       char ***ret_owners, char **ret_removal, struct berth_error **err);

/* core/names.c's berth_word_is_valid, by the name container.c still calls it. */
static inline bool berth_net_name_is_valid(const char *s, size_t max)
{
	return berth_word_is_valid(s, max);
}
