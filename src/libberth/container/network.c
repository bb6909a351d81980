/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's networking, as `docker run --network` and `docker network
 * connect` give it: the mode chosen at create (bridge by default, host,
 * none, container:X, a user network) is kept in state.json's HostConfig,
 * the networks it is on in NetworkSettings.Networks (with their aliases and
 * requested address). The monitor sets them up before the first start and
 * tears them down when it ends, holding the container's network lock all
 * the while: a monitor that dies leaves endpoints the next network
 * operation reclaims (network/attach.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "container/internal.h"
#include "network/network.h"
#include "runtime/runtime.h"

/* One entry of NetworkSettings.Networks before the network is set up. */
static json_t *network_entry(const char *net_id, char *const *aliases, const char *ip)
{
	json_t *e = json_object();
	json_object_set_new(e, "IPAMConfig",
			    ip ? json_pack("{s:s}", "IPv4Address", ip) : json_null());
	json_object_set_new(e, "Aliases", aliases ? berth_json_strv(aliases) : json_null());
	json_object_set_new(e, "MacAddress", json_string(""));
	json_object_set_new(e, "NetworkID", json_string(net_id));
	json_object_set_new(e, "EndpointID", json_string(""));
	json_object_set_new(e, "Gateway", json_string(""));
	json_object_set_new(e, "IPAddress", json_string(""));
	json_object_set_new(e, "IPPrefixLen", json_integer(0));
	return e;
}

/* -p as Docker's HostConfig.PortBindings: {"8080/tcp": [{"HostIp", "HostPort"}]}. */
static json_t *port_bindings_json(const struct berth_port_map *maps, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct berth_port_map *m = &maps[i];
		_cleanup_free_ char *key = berth_xasprintf("%u/%s", m->container_port,
							   berth_port_proto_name(m->proto));
		_cleanup_free_ char *hp =
			m->host_port == 0 ? berth_xstrdup("")
			: m->host_port_end != 0
				? berth_xasprintf("%u-%u", m->host_port, m->host_port_end)
				: berth_xasprintf("%u", m->host_port);
		json_t *list = json_object_get(o, key);
		if (!list) {
			list = json_array();
			json_object_set_new(o, key, list);
		}
		json_array_append_new(
			list, json_pack("{s:s, s:s}", "HostIp", m->host_ip, "HostPort", hp));
	}
	return o;
}

/* Reads PortBindings back (what port_bindings_json wrote). */
static int port_bindings_parse(const json_t *pb, struct berth_port_map **ret, size_t *ret_n,
			       struct berth_error **err)
{
	struct berth_port_map *maps = NULL;
	size_t n = 0;
	const char *key;
	json_t *list;
	json_object_foreach ((json_t *)pb, key, list) {
		struct berth_port_map base;
		int r = berth_port_exposed_parse(key, &base, err);
		if (r < 0) {
			free(maps);
			return r;
		}
		size_t i;
		json_t *b;
		json_array_foreach (list, i, b) {
			struct berth_port_map m = base;
			const char *hip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			snprintf(m.host_ip, sizeof(m.host_ip), "%s", hip ? hip : "");
			unsigned a = 0, z = 0;
			if (hp && *hp && sscanf(hp, "%u-%u", &a, &z) < 1)
				a = 0;
			m.host_port = (uint16_t)a;
			m.host_port_end = (uint16_t)z;
			maps = berth_xreallocarray(maps, n + 1, sizeof(*maps));
			maps[n++] = m;
		}
	}
	*ret = maps;
	*ret_n = n;
	return 0;
}

static void unpublish_ports(const char *store_root, const char *cid)
{
	_cleanup_free_ char *dir = berth_xasprintf("%s/networks", store_root);
	berth_net_ports_unpublish(dir, cid, NULL);
}

/*
 * Publishes the container's -p on its address of its first network, and
 * records what the ports became (ephemeral ones chosen) in PortBindings.
 */
static int publish_ports(const char *store_root, const char *cid, json_t *st, const char *ip,
			 struct berth_error **err)
{
	json_t *hc = json_object_get(st, "HostConfig");
	json_t *pb = json_object_get(hc, "PortBindings");
	if (json_object_size(pb) == 0)
		return 0;
	_cleanup_free_ struct berth_port_map *maps = NULL;
	size_t n = 0;
	int r = port_bindings_parse(pb, &maps, &n, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = berth_xasprintf("%s/networks", store_root);
	r = berth_net_ports_publish(dir, cid, ip, maps, n, err);
	if (r < 0)
		return r;
	json_t *ports = json_object();
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = berth_xasprintf("%u/%s", maps[i].container_port,
							   berth_port_proto_name(maps[i].proto));
		_cleanup_free_ char *hp = berth_xasprintf("%u", maps[i].host_port);
		json_t *list = json_object_get(ports, key);
		if (!list) {
			list = json_array();
			json_object_set_new(ports, key, list);
		}
		json_array_append_new(list,
				      json_pack("{s:s, s:s}", "HostIp",
						*maps[i].host_ip ? maps[i].host_ip : "0.0.0.0",
						"HostPort", hp));
	}
	json_object_set_new(json_object_get(st, "NetworkSettings"), "Ports", ports);
	return 0;
}

/* Docker's mode name for what o asks ("default" is "bridge"). */
static const char *network_mode(const struct berth_run_options *o)
{
	const char *mode = o->network ? o->network : "bridge";
	return strcmp(mode, "default") == 0 ? "bridge" : mode;
}

/*
 * Config.ExposedPorts as Docker's: the image's, --expose's and every -p's
 * container port, {"80/tcp": {}} each; absent when there are none.
 */
static void set_exposed_ports(const struct berth_run_options *o, json_t *st)
{
	json_t *keys = json_object();
	if (o->image)
		BERTH_STRV_FOREACH (k, o->image->exposed_ports)
			json_object_set_new(keys, *k, json_object());
	BERTH_STRV_FOREACH (k, o->expose)
		json_object_set_new(keys, *k, json_object());
	for (size_t i = 0; i < o->n_ports; i++) {
		_cleanup_free_ char *k = berth_xasprintf("%u/%s", o->ports[i].container_port,
							 berth_port_proto_name(o->ports[i].proto));
		json_object_set_new(keys, k, json_object());
	}
	if (json_object_size(keys) > 0)
		json_object_set_new(json_object_get(st, "Config"), "ExposedPorts", keys);
	else
		json_decref(keys);
}

int berth_container_net_configure(struct berth_store *store, const struct berth_run_options *o,
				  struct berth_spec *spec, json_t *st, struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	const char *mode = network_mode(o);
	set_exposed_ports(o, st);
	json_t *networks = json_object();
	json_t *settings = json_pack("{s:o}", "Networks", networks);
	json_object_set_new(st, "NetworkSettings", settings);
	json_t *hc = json_object_get(st, "HostConfig");
	if (o->n_ports > 0 && strncmp(mode, "container:", 10) == 0)
		return berth_error_set(err, EINVAL,
				       "conflicting options: port publishing and the container "
				       "type network mode");
	/* the CLI drops them on these, with Docker's warning for host */
	if (o->n_ports > 0 && (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0))
		return berth_error_set(err, EINVAL,
				       "published ports need a bridge or user network, not '%s'",
				       mode);
	if (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0) {
		if (o->ip || o->network_aliases)
			return berth_error_set(err, EINVAL,
					       "--ip and --network-alias need a bridge or user "
					       "network, not '%s'",
					       mode);
		if (strcmp(mode, "none") == 0)
			spec->namespaces |= BERTH_NS_NETWORK;
		json_object_set_new(hc, "NetworkMode", json_string(mode));
		return 0;
	}
	if (strncmp(mode, "container:", 10) == 0) {
		_cleanup_free_ char *id = NULL;
		int r = berth_container_find(store, mode + 10, &id, err);
		if (r < 0)
			return berth_error_prefix(err, "--network %s", mode);
		spec->namespaces |= BERTH_NS_NETWORK;
		_cleanup_free_ char *m = berth_xasprintf("container:%s", id);
		json_object_set_new(hc, "NetworkMode", json_string(m));
		return 0;
	}
	struct berth_network n = {0};
	int r = berth_network_get(store_root, mode, &n, err);
	if (r < 0)
		return r;
	if (strcmp(n.driver, "bridge") != 0) {
		berth_network_release(&n);
		return berth_error_set(err, EINVAL, "--network %s: use 'host' or 'none' by name",
				       mode);
	}
	if (strcmp(n.name, "bridge") == 0 && (o->ip || o->network_aliases)) {
		berth_network_release(&n);
		return berth_error_set(err, EINVAL,
				       "user specified IP address and network aliases are "
				       "supported only on user defined networks");
	}
	json_object_set_new(networks, n.name, network_entry(n.id, o->network_aliases, o->ip));
	json_object_set_new(hc, "NetworkMode", json_string(n.name));
	json_object_set_new(hc, "PortBindings", port_bindings_json(o->ports, o->n_ports));
	spec->namespaces |= BERTH_NS_NETWORK;
	berth_network_release(&n);
	return 0;
}

/* --add-host checked again here: each line goes into a hosts file as is. */
static int check_extra_hosts(char *const *extra, struct berth_error **err)
{
	BERTH_STRV_FOREACH (x, extra) {
		_cleanup_free_ char *name = NULL, *ip = NULL;
		int r = berth_net_add_host_parse(*x, &name, &ip, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The hosts file of a container on the host's network or none: no network
 * of its own rewrites it later, so it is written whole now. host-gateway is
 * the default bridge's gateway, as Docker's docker0 address.
 */
static int write_plain_hosts(const char *store_root, int dfd, char *const *extra,
			     const char *hostname, const char *domainname, struct berth_error **err)
{
	_cleanup_(berth_network_release) struct berth_network bridge = {0};
	size_t n_extra = berth_strv_len(extra);
	_cleanup_free_ struct berth_hosts_entry *e = berth_xcalloc(n_extra + 1, sizeof(*e));
	_cleanup_strv_free_ char **owned = NULL;
	size_t n = 0;
	for (size_t i = 0; extra && i < n_extra; i++) {
		_cleanup_free_ char *name = NULL, *ip = NULL;
		int r = berth_net_add_host_parse(extra[i], &name, &ip, err);
		if (r < 0)
			return r;
		if (strcmp(ip, BERTH_HOST_GATEWAY) == 0) {
			if (!bridge.gateway)
				r = berth_network_get(store_root, "bridge", &bridge, err);
			if (r < 0)
				return r;
			free(ip);
			ip = berth_xstrdup(bridge.gateway ? bridge.gateway : "");
		}
		berth_strv_push(&owned, name);
		berth_strv_push(&owned, ip);
		e[n].names = owned[2 * n];
		e[n].ip = owned[2 * n + 1];
		n++;
	}
	_cleanup_free_ char *self = berth_net_hosts_self_names(hostname, domainname);
	e[n].ip = "127.0.1.1";
	e[n].names = self;
	return berth_net_hosts_write(dfd, "hosts", e, n + 1, err);
}

/*
 * resolv.conf: on the host's network the host's file as it is (its
 * loopback resolvers answer there); elsewhere, or with --dns*, rendered
 * by network/hosts.c (loopback servers dropped, Docker's fallback).
 */
static int write_resolv(int dfd, const char *mode, const struct berth_resolv_options *dns,
			struct berth_error **err)
{
	bool given = dns && (dns->dns || dns->search || dns->options);
	if (strcmp(mode, "host") == 0 && !given) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (berth_read_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &text, &len, NULL) <
		    0) {
			free(text);
			text = berth_xstrdup("");
			len = 0;
		}
		return berth_write_file_atomic(dfd, "resolv.conf", text, len, 0644, err);
	}
	return berth_net_resolv_write(dfd, "resolv.conf", NULL, dns, err);
}

int berth_container_net_etc_files(const char *store_root, int dfd,
				  const struct berth_run_options *o, const char *hostname,
				  json_t *st, struct berth_error **err)
{
	const char *mode = network_mode(o);
	int r = check_extra_hosts(o->extra_hosts, err);
	if (r < 0)
		return r;
	json_t *hc = json_object_get(st, "HostConfig");
	json_object_set_new(hc, "ExtraHosts",
			    o->extra_hosts ? berth_json_strv(o->extra_hosts) : json_null());
	json_object_set_new(hc, "Dns", berth_json_strv(o->dns ? o->dns->dns : NULL));
	json_object_set_new(hc, "DnsSearch", berth_json_strv(o->dns ? o->dns->search : NULL));
	json_object_set_new(hc, "DnsOptions", berth_json_strv(o->dns ? o->dns->options : NULL));
	/* container:X: X's namespace, and (as Docker) the files are this container's own */
	r = write_plain_hosts(store_root, dfd, o->extra_hosts, hostname, o->domainname, err);
	if (r < 0)
		return r;
	return write_resolv(dfd, mode, o->dns, err);
}

/* The namespace a container:X container joins: X's file, or its process's. */
static int shared_netns(struct berth_store *store, const char *other, char **ret,
			struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_inspect(store, other, &st, err);
	if (r < 0)
		return r;
	json_t *s = json_object_get(st, "State");
	json_int_t pid = json_integer_value(json_object_get(s, "Pid"));
	if (!json_is_true(json_object_get(s, "Running")) || pid <= 0)
		return berth_error_set(err, EINVAL,
				       "cannot join network namespace of container %.12s: it is "
				       "not running",
				       other);
	_cleanup_free_ char *file = berth_network_netns_path(store_root, other);
	*ret = access(file, F_OK) == 0 ? TAKE_PTR(file)
				       : berth_xasprintf("/proc/%lld/ns/net", (long long)pid);
	return 0;
}

static void fill_entry(json_t *e, const struct berth_endpoint *ep, const struct berth_network *n)
{
	json_object_set_new(e, "MacAddress", json_string(ep->mac));
	json_object_set_new(e, "NetworkID", json_string(n->id));
	json_object_set_new(e, "EndpointID", json_string(ep->endpoint_id));
	json_object_set_new(e, "Gateway", json_string(n->gateway ? n->gateway : ""));
	json_object_set_new(e, "IPAddress", json_string(ep->ip));
	json_object_set_new(e, "IPPrefixLen", json_integer(ep->prefix));
}

/* The top-level fields Docker fills from the default bridge. */
static void fill_top(json_t *settings)
{
	json_t *b = json_object_get(json_object_get(settings, "Networks"), "bridge");
	static const char *const keys[] = {"EndpointID", "Gateway", "IPAddress", "MacAddress"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(b, keys[i]);
		json_object_set_new(settings, keys[i], v ? json_incref(v) : json_string(""));
	}
	json_t *p = json_object_get(b, "IPPrefixLen");
	json_object_set_new(settings, "IPPrefixLen", p ? json_incref(p) : json_integer(0));
}

static int attach_one(const char *store_root, const char *cid, const json_t *st,
		      const char *hostname, const char *hosts_path, const char *net, json_t *entry,
		      struct berth_error **err)
{
	const char *name = json_string_value(json_object_get(st, "Name"));
	/* its own line: "host.domain host" with --domainname, as Docker's */
	const char *domain =
		json_string_value(json_object_get(json_object_get(st, "Config"), "Domainname"));
	_cleanup_free_ char *self = hostname ? berth_net_hosts_self_names(hostname, domain) : NULL;
	_cleanup_strv_free_ char **extra = berth_json_to_strv(
		json_object_get(json_object_get(st, "HostConfig"), "ExtraHosts"));
	_cleanup_strv_free_ char **aliases = berth_json_to_strv(json_object_get(entry, "Aliases"));
	const char *ip = json_string_value(
		json_object_get(json_object_get(entry, "IPAMConfig"), "IPv4Address"));
	struct berth_attach_options ao = {.container_id = cid,
					  .container_name = name,
					  .hostname = self,
					  .hosts_path = hosts_path,
					  .extra_hosts = extra,
					  .aliases = aliases,
					  .ip = ip};
	_cleanup_(berth_endpoint_release) struct berth_endpoint ep = {0};
	int r = berth_network_attach(store_root, net, &ao, &ep, err);
	if (r < 0)
		return r;
	_cleanup_(berth_network_release) struct berth_network n = {0};
	r = berth_network_get(store_root, net, &n, err);
	if (r < 0)
		return r;
	fill_entry(entry, &ep, &n);
	return 0;
}

int berth_container_net_up(struct berth_store *store, int cdir, const char *cid,
			   const char *hostname, struct berth_spec *spec, int *ret_lock,
			   struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	*ret_lock = -EBADF;
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, cid);
	if (!st)
		return berth_error_set(err, ENOENT, "container '%s' has no readable state", cid);
	const char *mode = json_string_value(
		json_object_get(json_object_get(st, "HostConfig"), "NetworkMode"));
	if (mode && strncmp(mode, "container:", 10) == 0) {
		_cleanup_free_ char *path = NULL;
		int r = shared_netns(store, mode + 10, &path, err);
		if (r < 0)
			return r;
		berth_spec_set_ns_path(spec, BERTH_NS_NETWORK, path);
		return 0;
	}
	json_t *settings = json_object_get(st, "NetworkSettings");
	json_t *networks = json_object_get(settings, "Networks");
	if (json_object_size(networks) == 0)
		return 0;
	_cleanup_close_ int lock = -EBADF;
	int r = berth_network_container_lock(store_root, cid, &lock, err);
	if (r < 0)
		return r;
	/* what an earlier monitor of this container left, it may not have removed */
	r = berth_network_detach_all(store_root, cid, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *hosts = berth_xasprintf("%s/containers/%s/hosts", store_root, cid);
	const char *net;
	json_t *entry;
	json_object_foreach (networks, net, entry) {
		r = attach_one(store_root, cid, st, hostname, hosts, net, entry, err);
		if (r < 0) {
			berth_network_detach_all(store_root, cid, NULL);
			return r;
		}
	}
	fill_top(settings);
	_cleanup_free_ char *key = berth_network_netns_path(store_root, cid);
	json_object_set_new(settings, "SandboxKey", json_string(key));
	/* ports lead to the address on the first network, as Docker's do */
	const char *first_ip = NULL;
	json_object_foreach (networks, net, entry) {
		first_ip = json_string_value(json_object_get(entry, "IPAddress"));
		break;
	}
	r = first_ip ? publish_ports(store_root, cid, st, first_ip, err) : 0;
	if (r < 0) {
		berth_network_detach_all(store_root, cid, NULL);
		return r;
	}
	r = berth_container_state_write(cdir, cid, st, err);
	if (r < 0) {
		unpublish_ports(store_root, cid);
		berth_network_detach_all(store_root, cid, NULL);
		return r;
	}
	berth_spec_set_ns_path(spec, BERTH_NS_NETWORK, key);
	*ret_lock = TAKE_FD(lock);
	return 0;
}

void berth_container_net_down(const char *store_root, int cdir, const char *cid, int lock)
{
	if (lock < 0)
		return;
	unpublish_ports(store_root, cid);
	berth_network_detach_all(store_root, cid, NULL);
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, cid);
	json_t *settings = json_object_get(st, "NetworkSettings");
	const char *net;
	json_t *e;
	json_object_foreach (json_object_get(settings, "Networks"), net, e) {
		json_object_set_new(e, "EndpointID", json_string(""));
		json_object_set_new(e, "IPAddress", json_string(""));
		json_object_set_new(e, "Gateway", json_string(""));
		json_object_set_new(e, "MacAddress", json_string(""));
		json_object_set_new(e, "IPPrefixLen", json_integer(0));
	}
	if (settings) {
		json_object_set_new(settings, "Ports", json_object());
		fill_top(settings);
		json_object_set_new(settings, "SandboxKey", json_string(""));
		berth_container_state_write(cdir, cid, st, NULL);
	}
	/* the lock file goes last: while it is held nobody reclaims what we remove */
	_cleanup_free_ char *lf = berth_xasprintf("%s/netns/%s.lock", store_root, cid);
	unlink(lf);
	close(lock);
}

/* The container's record and whether its networks are its own (bridge or user). */
static int own_networks_state(struct berth_store *store, const char *what, char **ret_id,
			      json_t **ret_st, struct berth_error **err)
{
	int r = berth_container_find(store, what, ret_id, err);
	if (r < 0)
		return r;
	r = berth_container_inspect(store, *ret_id, ret_st, err);
	if (r < 0)
		return r;
	const char *mode = json_string_value(
		json_object_get(json_object_get(*ret_st, "HostConfig"), "NetworkMode"));
	if (!mode || strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0 ||
	    strncmp(mode, "container:", 10) == 0)
		return berth_error_set(err, EINVAL,
				       "container cannot be disconnected from or connected to "
				       "the network of --network %s",
				       mode ? mode : "host");
	return 0;
}

static bool is_running(const json_t *st)
{
	return json_is_true(json_object_get(json_object_get(st, "State"), "Running"));
}

int berth_container_network_connect(struct berth_store *store, const char *what, const char *net,
				    char **aliases, const char *ip, struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *st = NULL;
	int r = own_networks_state(store, what, &id, &st, err);
	if (r < 0)
		return r;
	_cleanup_(berth_network_release) struct berth_network n = {0};
	r = berth_network_get(store_root, net, &n, err);
	if (r < 0)
		return r;
	if (strcmp(n.driver, "bridge") != 0)
		return berth_error_set(err, EINVAL,
				       "container cannot be disconnected from or connected to "
				       "%s network",
				       n.name);
	if ((ip || aliases) && strcmp(n.name, "bridge") == 0)
		return berth_error_set(err, EINVAL,
				       "user specified IP address and network aliases are "
				       "supported only on user defined networks");
	json_t *settings = json_object_get(st, "NetworkSettings");
	if (!settings) {
		settings = json_pack("{s:o}", "Networks", json_object());
		json_object_set_new(st, "NetworkSettings", settings);
	}
	json_t *networks = json_object_get(settings, "Networks");
	const char *name = json_string_value(json_object_get(st, "Name"));
	if (json_object_get(networks, n.name))
		return berth_error_set(err, EEXIST,
				       "endpoint with name %s already exists in network %s",
				       name ? name : id, n.name);
	json_t *entry = network_entry(n.id, aliases, ip);
	json_object_set_new(networks, n.name, entry);
	if (is_running(st)) {
		_cleanup_free_ char *hosts =
			berth_xasprintf("%s/containers/%s/hosts", store_root, id);
		const char *hostname = json_string_value(
			json_object_get(json_object_get(st, "Config"), "Hostname"));
		r = attach_one(store_root, id, st, hostname, hosts, n.name, entry, err);
		if (r < 0)
			return r;
		fill_top(settings);
	}
	_cleanup_free_ char *cpath = berth_xasprintf("%s/containers", store_root);
	_cleanup_close_ int cdir = open(cpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cdir < 0)
		return berth_error_syscall(err, errno, "open '%s'", cpath);
	r = berth_container_state_write(cdir, id, st, err);
	if (r < 0 && is_running(st))
		berth_network_detach(store_root, n.id, id, NULL);
	return r;
}

int berth_container_network_disconnect(struct berth_store *store, const char *what, const char *net,
				       struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *st = NULL;
	int r = own_networks_state(store, what, &id, &st, err);
	if (r < 0)
		return r;
	_cleanup_(berth_network_release) struct berth_network n = {0};
	r = berth_network_get(store_root, net, &n, err);
	if (r < 0)
		return r;
	json_t *settings = json_object_get(st, "NetworkSettings");
	json_t *networks = json_object_get(settings, "Networks");
	if (!json_object_get(networks, n.name))
		return berth_error_set(err, ENOENT, "container %s is not connected to network %s",
				       what, n.name);
	if (is_running(st)) {
		r = berth_network_detach(store_root, n.id, id, err);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == -ENOENT)
			berth_error_free(err);
	}
	json_object_del(networks, n.name);
	fill_top(settings);
	_cleanup_free_ char *cpath = berth_xasprintf("%s/containers", store_root);
	_cleanup_close_ int cdir = open(cpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cdir < 0)
		return berth_error_syscall(err, errno, "open '%s'", cpath);
	return berth_container_state_write(cdir, id, st, err);
}

bool berth_container_net_left_behind(const char *store_root, const char *cid)
{
	_cleanup_free_ char *ns = berth_network_netns_path(store_root, cid);
	_cleanup_free_ char *lock = berth_xasprintf("%s.lock", ns);
	return access(ns, F_OK) == 0 || access(lock, F_OK) == 0;
}

void berth_container_net_reclaim(const char *store_root)
{
	berth_network_reclaim(store_root, false, NULL, NULL);
}
