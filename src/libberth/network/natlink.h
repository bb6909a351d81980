/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The elements of the port maps of nat.c's table, added and deleted over
 * nfnetlink with libmnl (already loaded for links) in one batch: publishing
 * and releasing a port needs neither libnftables nor its parser nor a
 * listing of the table. nat.c creates the maps and the rules that look them
 * up (once per table) and keeps libnftables for that and for listings.
 *
 *   publish-addr  inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service
 *   publish-any   inet_proto . inet_service             : ipv4_addr . inet_service
 *
 * A map with a host address goes to publish-addr, one without (or 0.0.0.0,
 * every local address) to publish-any. Each element carries the comment
 * "port:<owner>", so that a listing can tell whose it is.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct berth_port_map;

#define NATLINK_TABLE	  "berth"
#define NATLINK_MAP_ADDR  "publish-addr"
#define NATLINK_MAP_ANY	  "publish-any"
#define NATLINK_OWNER_MAX 128

/*
 * Adds (add) or deletes the elements of maps[0..n) in one nfnetlink batch:
 * all of them or none. Adding, container_ip and owner give the data and
 * the comment (both validated by the caller); deleting uses only the keys.
 * -ENOENT when the table or a map is missing (or, deleting, an element),
 * -EEXIST when adding finds one of the keys present, -EPERM without
 * CAP_NET_ADMIN; *err then says which.
 */
int berth_natlink_elems(bool add, const char *owner, const char *container_ip,
			const struct berth_port_map *maps, size_t n, struct berth_error **err);
