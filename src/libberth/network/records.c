/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network and endpoint records: their JSON on disk, and the network as
 * `docker network inspect` shows it. Records are read back from a
 * directory only berth writes, but are still checked field by field: a
 * damaged record is an error, not a crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "network/internal.h"

void berth_network_release(struct berth_network *n)
{
	free(n->name);
	free(n->driver);
	free(n->subnet);
	free(n->gateway);
	free(n->bridge);
	berth_strv_free(n->labels);
	free(n->created);
	memset(n, 0, sizeof(*n));
}

void berth_endpoint_release(struct berth_endpoint *e)
{
	free(e->container_id);
	free(e->container_name);
	berth_strv_free(e->aliases);
	free(e->endpoint_id);
	free(e->ip);
	free(e->mac);
	free(e->host_veth);
	free(e->ifname);
	free(e->netns);
	free(e->hosts_path);
	free(e->hostname);
	berth_strv_free(e->extra_hosts);
	memset(e, 0, sizeof(*e));
}

bool berth_network_name_is_valid(const char *name)
{
	return berth_object_name_is_valid(name, 1, 128);
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

json_t *berth_net_record_network(const struct berth_network *n)
{
	json_t *o = json_object();
	set_str(o, "Id", n->id);
	set_str(o, "Name", n->name);
	set_str(o, "Driver", n->driver);
	set_str(o, "Subnet", n->subnet);
	set_str(o, "Gateway", n->gateway);
	set_str(o, "Bridge", n->bridge);
	json_object_set_new(o, "Internal", json_boolean(n->internal));
	json_object_set_new(o, "Labels", berth_json_strv(n->labels));
	set_str(o, "Created", n->created);
	return o;
}

json_t *berth_net_record_endpoint(const struct berth_endpoint *e)
{
	json_t *o = json_object();
	set_str(o, "ContainerID", e->container_id);
	set_str(o, "ContainerName", e->container_name);
	json_object_set_new(o, "Aliases", berth_json_strv(e->aliases));
	set_str(o, "EndpointID", e->endpoint_id);
	set_str(o, "IPAddress", e->ip);
	json_object_set_new(o, "PrefixLen", json_integer(e->prefix));
	set_str(o, "MacAddress", e->mac);
	set_str(o, "HostVeth", e->host_veth);
	set_str(o, "IfName", e->ifname);
	set_str(o, "Netns", e->netns);
	set_str(o, "HostsPath", e->hosts_path);
	set_str(o, "Hostname", e->hostname);
	if (e->extra_hosts)
		json_object_set_new(o, "ExtraHosts", berth_json_strv(e->extra_hosts));
	return o;
}

static int get_str(const json_t *o, const char *k, bool required, char **ret,
		   struct berth_error **err)
{
	const char *s = NULL;
	int r = berth_json_get_string(o, k, required, &s, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT && required)
		return r;
	*ret = s ? berth_xstrdup(s) : NULL;
	return 0;
}

static int get_strv(const json_t *o, const char *k, char ***ret, struct berth_error **err)
{
	json_t *a = json_object_get(o, k);
	char **v = berth_xcalloc(1, sizeof(char *));
	size_t i;
	json_t *e;
	json_array_foreach (a, i, e) {
		if (!json_is_string(e)) {
			berth_strv_free(v);
			return berth_error_set(err, EBADMSG, "'%s'[%zu] is not a string", k, i);
		}
		berth_strv_push(&v, json_string_value(e));
	}
	*ret = v;
	return 0;
}

int berth_net_parse_network(const json_t *o, struct berth_network *ret, struct berth_error **err)
{
	struct berth_network n = {0};
	_cleanup_free_ char *id = NULL;
	int r = get_str(o, "Id", true, &id, err);
	if (r >= 0 && (!id || strlen(id) != 64))
		r = berth_error_set(err, EBADMSG, "network id '%s' is not 64 characters",
				    id ? id : "");
	if (r >= 0)
		r = get_str(o, "Name", true, &n.name, err);
	if (r >= 0)
		r = get_str(o, "Driver", true, &n.driver, err);
	if (r >= 0)
		r = get_str(o, "Subnet", false, &n.subnet, err);
	if (r >= 0)
		r = get_str(o, "Gateway", false, &n.gateway, err);
	if (r >= 0)
		r = get_str(o, "Bridge", false, &n.bridge, err);
	if (r >= 0)
		r = get_strv(o, "Labels", &n.labels, err);
	if (r >= 0)
		r = get_str(o, "Created", false, &n.created, err);
	if (r < 0) {
		berth_network_release(&n);
		return r;
	}
	memcpy(n.id, id, 65);
	n.internal = json_is_true(json_object_get(o, "Internal"));
	*ret = n;
	return 0;
}

int berth_net_parse_endpoint(const json_t *o, struct berth_endpoint *ret, struct berth_error **err)
{
	struct berth_endpoint e = {0};
	int r = get_str(o, "ContainerID", true, &e.container_id, err);
	if (r >= 0)
		r = get_str(o, "ContainerName", false, &e.container_name, err);
	if (r >= 0)
		r = get_strv(o, "Aliases", &e.aliases, err);
	if (r >= 0)
		r = get_str(o, "EndpointID", true, &e.endpoint_id, err);
	if (r >= 0)
		r = get_str(o, "IPAddress", true, &e.ip, err);
	if (r >= 0)
		r = get_str(o, "MacAddress", false, &e.mac, err);
	if (r >= 0)
		r = get_str(o, "HostVeth", false, &e.host_veth, err);
	if (r >= 0)
		r = get_str(o, "IfName", false, &e.ifname, err);
	if (r >= 0)
		r = get_str(o, "Netns", false, &e.netns, err);
	if (r >= 0)
		r = get_str(o, "HostsPath", false, &e.hosts_path, err);
	if (r >= 0)
		r = get_str(o, "Hostname", false, &e.hostname, err);
	if (r >= 0)
		r = get_strv(o, "ExtraHosts", &e.extra_hosts, err);
	if (r < 0) {
		berth_endpoint_release(&e);
		return r;
	}
	e.prefix = (unsigned)json_integer_value(json_object_get(o, "PrefixLen"));
	*ret = e;
	return 0;
}

static json_t *labels_json(char *const *labels)
{
	json_t *o = json_object();
	BERTH_STRV_FOREACH (l, labels) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k =
			eq ? berth_xstrndup(*l, (size_t)(eq - *l)) : berth_xstrdup(*l);
		json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
	}
	return o;
}

json_t *berth_network_to_json(const struct berth_network *n, const struct berth_endpoint *eps,
			      size_t n_eps)
{
	json_t *o = json_object();
	json_object_set_new(o, "Name", json_string(n->name));
	json_object_set_new(o, "Id", json_string(n->id));
	json_object_set_new(o, "Created", json_string(n->created ? n->created : ""));
	json_object_set_new(o, "Scope", json_string("local"));
	json_object_set_new(o, "Driver", json_string(n->driver));
	json_object_set_new(o, "EnableIPv4", json_true());
	json_object_set_new(o, "EnableIPv6", json_false());
	json_t *cfg = json_array();
	if (n->subnet) {
		json_t *c = json_pack("{s:s}", "Subnet", n->subnet);
		if (n->gateway)
			json_object_set_new(c, "Gateway", json_string(n->gateway));
		json_array_append_new(cfg, c);
	}
	json_object_set_new(o, "IPAM",
			    json_pack("{s:s, s:o, s:o}", "Driver", "default", "Options",
				      json_object(), "Config", cfg));
	json_object_set_new(o, "Internal", json_boolean(n->internal));
	json_object_set_new(o, "Attachable", json_false());
	json_object_set_new(o, "Ingress", json_false());
	json_object_set_new(o, "ConfigOnly", json_false());
	json_t *ctrs = json_object();
	for (size_t i = 0; i < n_eps; i++) {
		const struct berth_endpoint *e = &eps[i];
		_cleanup_free_ char *ip = berth_xasprintf("%s/%u", e->ip, e->prefix);
		json_object_set_new(ctrs, e->container_id,
				    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name",
					      e->container_name ? e->container_name : "",
					      "EndpointID", e->endpoint_id, "MacAddress",
					      e->mac ? e->mac : "", "IPv4Address", ip,
					      "IPv6Address", ""));
	}
	json_object_set_new(o, "Containers", ctrs);
	json_t *opts = json_object();
	if (n->bridge)
		json_object_set_new(opts, "com.docker.network.bridge.name", json_string(n->bridge));
	json_object_set_new(o, "Options", opts);
	json_object_set_new(o, "Labels", labels_json(n->labels));
	return o;
}

int berth_network_inspect(const char *state_dir, const char *what, json_t **ret,
			  struct berth_error **err)
{
	struct berth_network n = {0};
	struct berth_endpoint *eps = NULL;
	size_t n_eps = 0;
	int r = berth_network_get(state_dir, what, &n, err);
	if (r >= 0)
		r = berth_network_endpoints(state_dir, n.id, &eps, &n_eps, err);
	if (r >= 0)
		*ret = berth_network_to_json(&n, eps, n_eps);
	for (size_t k = 0; k < n_eps; k++)
		berth_endpoint_release(&eps[k]);
	free(eps);
	berth_network_release(&n);
	return r < 0 ? r : 0;
}
