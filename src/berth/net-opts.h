/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The network flags of `run` as typed arrays (-p, -P, --add-host, --dns,
 * --dns-search, --dns-option), and the printers of published ports: the
 * PORTS column of `ps` and the lines of `berth port`. No dependency on the
 * rest of the CLI, so the unit tests compile this file directly.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "network/network.h"

struct net_opts {
	struct berth_port_map *ports; /* -p, one map per container port, in order */
	size_t n_ports;
	bool publish_all;     /* -P */
	char **expose;	      /* --expose, as ExposedPorts keys ("8080/tcp"), in order */
	char **add_host_name; /* --add-host, parallel to add_host_ip */
	char **add_host_ip;   /* an address or BERTH_HOST_GATEWAY */
	/* NULL when not given (then the host's resolv.conf decides) */
	struct berth_resolv_options dns;
};

void net_opts_release(struct net_opts *o);

/*
 * One flag's value each; -EINVAL with the reason as Docker words it:
 * `-p foo`: "invalid containerPort: foo"; `--add-host x`: "invalid argument
 * "x" for "--add-host" flag: bad format for add-host: "x"".
 */
int net_opts_publish(struct net_opts *o, const char *value, struct berth_error **err);
int net_opts_add_host(struct net_opts *o, const char *value, struct berth_error **err);
int net_opts_dns(struct net_opts *o, const char *value, struct berth_error **err);
int net_opts_dns_search(struct net_opts *o, const char *value, struct berth_error **err);
int net_opts_dns_option(struct net_opts *o, const char *value, struct berth_error **err);

/*
 * --expose PORT[/PROTO] or a range START-END[/PROTO] (Docker's
 * nat.ParsePortRange): one ExposedPorts key per port, each once.
 */
int net_opts_expose(struct net_opts *o, const char *value, struct berth_error **err);

/*
 * -p and -P on a network mode that has no ports of its own: on "host"
 * they are dropped and Docker's warning is returned for the CLI to print
 * ("Published ports are discarded when using host network mode"); on
 * "none" dropped silently; elsewhere (container:X refused later, as
 * Docker's conflict) kept. NULL when there is nothing to say.
 */
const char *net_opts_discard_ports(struct net_opts *o, const char *network);

/*
 * -P: appends an ephemeral mapping (every host address) for each of the
 * image's ExposedPorts keys whose container port and protocol no -p
 * published already. -EINVAL naming a malformed key.
 */
int net_opts_publish_exposed(struct net_opts *o, char *const *exposed, struct berth_error **err);

/*
 * The PORTS column as Docker's DisplayablePorts writes it: sorted, runs of
 * consecutive ports published to the same port on one address grouped
 * ("0.0.0.0:8000-8002->8000-8002/tcp"), others one by one
 * ("127.0.0.1:18080->8080/tcp"), exposed-only ports (host_port 0) as
 * "80/tcp"; ", " between them. Owned by the caller.
 */
char *net_ports_column(const struct berth_port_map *maps, size_t n);

/*
 * `berth port` (Docker's order, a natural sort): "8080/tcp -> 127.0.0.1:18080"
 * lines, or with filter ("8080", "8080/udp") only the host addresses of
 * that port, and -ENOENT "no public port '8080/tcp' published for ctr" when
 * it has none.
 */
int net_ports_print(FILE *out, const struct berth_port_map *maps, size_t n, const char *filter,
		    const char *ctr, struct berth_error **err);
