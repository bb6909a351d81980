/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A container's /etc/hosts and /etc/resolv.conf, as Docker writes them.
 * Both are bind-mounted into the container, so they are rewritten in place
 * (write, then truncate to the new length): the inode the mount holds stays.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* The address `--add-host name:host-gateway` stands for; the caller puts
 * the network's gateway address in its place before writing. */
#define BERTH_HOST_GATEWAY "host-gateway"

struct berth_hosts_entry {
	const char *ip;	   /* IPv4 or IPv6 address */
	const char *names; /* one or more host names, separated by single spaces */
};

/*
 * The text of a hosts file: Docker's default lines (127.0.0.1 localhost,
 * ::1 localhost ip6-localhost ip6-loopback, fe00::0 ip6-localnet,
 * ff00::0 ip6-mcastprefix, ff02::1 ip6-allnodes, ff02::2 ip6-allrouters)
 * then e[0..n) in order, "ip\tnames" each: Docker puts --add-host entries,
 * then the container's own address, then peers. -EINVAL naming the entry
 * when an address does not parse or a name holds anything but
 * [A-Za-z0-9_.-] (so no entry can add lines).
 */
int berth_net_hosts_render(const struct berth_hosts_entry *e, size_t n, struct berth_buf *out,
			   struct berth_error **err);

/* Renders and writes dirfd/name in place (created 0644 if missing; name
 * must be one path component, not a symlink), under a flock of the file so
 * that two writers never interleave. */
int berth_net_hosts_write(int dirfd, const char *name, const struct berth_hosts_entry *e, size_t n,
			  struct berth_error **err);

/*
 * The names of the container's own entry, as Docker: "fqdn host" when
 * hostname.domainname (or a hostname with dots) gives a domain, else just
 * hostname. Owned by the caller.
 */
char *berth_net_hosts_self_names(const char *hostname, const char *domainname);

/*
 * One --add-host value, "name:ip", "name=ip", "name:[v6]", or with
 * BERTH_HOST_GATEWAY as the address. Docker's messages on bad input ("bad
 * format for add-host: \"x\"", "invalid IP address in add-host: \"x\"").
 * *ret_name and *ret_ip are owned by the caller.
 */
int berth_net_add_host_parse(const char *spec, char **ret_name, char **ret_ip,
			     struct berth_error **err);

/* --dns, --dns-search and --dns-option; a NULL vector means "not given". */
struct berth_resolv_options {
	char **dns;
	char **search;
	char **options;
};

/*
 * resolv.conf for a container on a bridge network, from the host's
 * resolv.conf text: its nameservers without the loopback ones (127.0.0.0/8,
 * ::1: they answer only inside the host's namespace), or Docker's defaults
 * 8.8.8.8 and 8.8.4.4 when none is left; its search domains and options. Each
 * list given in o replaces the host's (--dns-search . means no search).
 * Written as Docker does: "search", "nameserver" lines, "options".
 * -EINVAL when a given value is no address / holds spaces or newlines.
 */
int berth_net_resolv_render(const char *host_resolv, const struct berth_resolv_options *o,
			    struct berth_buf *out, struct berth_error **err);

/* Renders from host_path and writes dirfd/name in place; a missing file
 * counts as empty. host_path NULL: the host's /etc/resolv.conf, or, as
 * Docker, /run/systemd/resolve/resolv.conf when /etc's only nameserver is
 * systemd-resolved's stub 127.0.0.53 (the upstream servers it forwards to). */
int berth_net_resolv_write(int dirfd, const char *name, const char *host_path,
			   const struct berth_resolv_options *o, struct berth_error **err);

/* True when text's only nameserver is systemd-resolved's stub, 127.0.0.53. */
bool berth_net_resolv_is_resolved_stub(const char *text);

/* A --dns value: an IPv4 or IPv6 address. */
bool berth_net_dns_is_valid(const char *s);
