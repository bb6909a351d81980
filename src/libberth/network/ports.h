/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Published ports: `-p` specs, allocation of host ports and the NAT rules
 * behind them (network/nat.h).
 *
 * Allocations live in <state_dir>/ports.json, rewritten atomically under an
 * exclusive flock of <state_dir>/ports.lock, so concurrent berth processes
 * never hand out one port twice. An owner (a container id) holds all its
 * ports or none.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct berth_port_map {
	char host_ip[46];	/* "" = every address of the host (shown as 0.0.0.0) */
	uint16_t host_port;	/* 0: an ephemeral port, chosen (and written) by publish */
	uint16_t host_port_end; /* != 0: take the first free port of host_port..host_port_end */
	uint16_t container_port;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/*
 * Parses one `-p` value, [IP:][HOST[-HOST]:]CTR[-CTR][/tcp|udp], as Docker's
 * nat.ParsePortSpec does, and appends one map per container port to
 * *maps and *n (a host range beside a single container port stays a range for
 * publish to choose from). -EINVAL with Docker's messages ("invalid
 * containerPort: x", "invalid hostPort: x", "invalid IP address: x",
 * "invalid proto: x", "no port specified: x<empty>", "invalid ranges
 * specified for container and host Ports: a and b"); *maps and *n then unchanged.
 */
int berth_port_spec_parse(const char *spec, struct berth_port_map **maps, size_t *n,
			  struct berth_error **err);

/* Parses one of an image's ExposedPorts keys ("80", "80/tcp", "53/udp") into
 * *ret with host_port 0 (ephemeral), as `-P` publishes it. -EINVAL if bad. */
int berth_port_exposed_parse(const char *key, struct berth_port_map *ret, struct berth_error **err);

/* "tcp" or "udp". */
const char *berth_port_proto_name(int proto);

/*
 * Allocates the host ports of maps[0..n) for owner and installs their DNAT
 * to container_ip. Ports are taken when another owner holds them or a socket
 * of this host is bound to them (probed with bind()); then nothing is
 * allocated or installed and -EADDRINUSE says "port 127.0.0.1:8080 is
 * already allocated". host_port 0 (and ranges) are resolved in place, from
 * /proc/sys/net/ipv4/ip_local_port_range for 0. Publishing an owner again
 * replaces its ports.
 */
int berth_net_ports_publish(const char *state_dir, const char *owner_id, const char *container_ip,
			    struct berth_port_map *maps, size_t n, struct berth_error **err);

/* Releases the owner's ports and removes their rules; 0 when it had none. */
int berth_net_ports_unpublish(const char *state_dir, const char *owner_id,
			      struct berth_error **err);

/*
 * Releases every owner for which alive(owner, data) is false (after a
 * crash); with unrecorded, also removes the port rules of dead owners that
 * have no allocation (only a lost state file leaves such rules: publish
 * records before it adds, so a crash never does; looking for them lists
 * the whole table, which the reclaim before every attach does not).
 * Returns the number of owners released.
 */
int berth_net_ports_reclaim(const char *state_dir, bool (*alive)(const char *owner_id, void *data),
			    void *data, bool unrecorded, struct berth_error **err);

/* The owner's allocated ports (an empty array when none); *ret owned by the caller. */
int berth_net_ports_list(const char *state_dir, const char *owner_id, struct berth_port_map **ret,
			 size_t *ret_n, struct berth_error **err);
