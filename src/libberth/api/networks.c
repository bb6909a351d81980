/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Docker Engine API's network endpoints (/networks...), over the same
 * library calls as `berth network`: a network's JSON is `berth network
 * inspect`'s (berth_network_inspect), in the list too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/images-params.h"
#include "api/internal.h"
#include "container/container.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "network/network.h"
#include "store/store.h"

static const char *state_dir(struct api_req *req)
{
	return berth_store_root_path(api_req_store(req));
}

static bool is_builtin(const char *name)
{
	return strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 ||
	       strcmp(name, "none") == 0;
}

/* Docker's network list filters: name (substring), id (prefix), driver, type=custom|builtin. */
static bool network_matches(const struct berth_network *n, const struct api_filters *f)
{
	if (!api_filters_match_substring(f, "name", n->name))
		return false;
	char *const *ids = api_filters_values(f, "id");
	bool ok = !ids;
	BERTH_STRV_FOREACH (v, ids)
		ok = ok || strncmp(n->id, *v, strlen(*v)) == 0;
	char *const *drivers = api_filters_values(f, "driver");
	bool drv = !drivers || berth_strv_contains(drivers, n->driver);
	char *const *types = api_filters_values(f, "type");
	bool typ = !types || berth_strv_contains(types, is_builtin(n->name) ? "builtin" : "custom");
	return ok && drv && typ;
}

static int networks_list(struct api_req *req)
{
	struct berth_error *err = NULL;
	_cleanup_(api_filters_freep) struct api_filters *f = NULL;
	int r = api_filters_read(api_req_query(req, "filters"),
				 (const char *const[]){"name", "id", "driver", "type", NULL}, &f,
				 &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	struct berth_network *nets = NULL;
	size_t n = 0;
	r = berth_network_list(state_dir(req), &nets, &n, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = NULL;
		if (r >= 0 && network_matches(&nets[i], f)) {
			r = berth_network_inspect(state_dir(req), nets[i].id, &o, &err);
			if (r >= 0)
				json_array_append_new(list, o);
		}
		berth_network_release(&nets[i]);
	}
	free(nets);
	if (r < 0) {
		json_decref(list);
		return api_reply_berror(req, &err);
	}
	return api_reply_json(req, 200, list);
}

static int networks_inspect(struct api_req *req)
{
	struct berth_error *err = NULL;
	json_t *o = NULL;
	int r = berth_network_inspect(state_dir(req), api_req_param(req, 0), &o, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200, o);
}

/* The first IPAM config's Subnet and Gateway: berth networks have one IPv4 subnet. */
static int create_ipam(const json_t *body, struct berth_network_create_options *o,
		       struct berth_error **err)
{
	json_t *ipam = json_object_get(body, "IPAM");
	json_t *cfgs = ipam ? json_object_get(ipam, "Config") : NULL;
	const char *drv = ipam ? json_string_value(json_object_get(ipam, "Driver")) : NULL;
	if (drv && *drv && strcmp(drv, "default") != 0)
		return berth_error_set(err, ENOTSUP, "IPAM driver '%s' is not supported", drv);
	if (json_array_size(cfgs) > 1)
		return berth_error_set(err, ENOTSUP, "more than one IPAM config is not supported");
	json_t *c = json_array_get(cfgs, 0);
	if (!c)
		return 0;
	int r = api_json_string(c, "Subnet", &o->subnet, err);
	if (r >= 0)
		r = api_json_string(c, "Gateway", &o->gateway, err);
	return r;
}

/* POST /networks/create: 201 {"Id", "Warning"}. */
static int networks_create(struct api_req *req)
{
	struct berth_error *err = NULL;
	json_t *body = api_req_json(req);
	struct berth_network_create_options o = {0};
	_cleanup_json_ json_t *labels = NULL;
	if (!body)
		return api_reply_error(req, 400, "no network given");
	int r = berth_json_get_string(body, "Name", true, &o.name, &err);
	if (r >= 0)
		r = api_json_string(body, "Driver", &o.driver, &err);
	if (r >= 0)
		r = api_json_labels(body, "Labels", &labels, &err);
	if (r >= 0)
		r = create_ipam(body, &o, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	if (json_is_true(json_object_get(body, "EnableIPv6")))
		return api_reply_error(req, 501, "IPv6 networks are not supported yet");
	o.internal = json_is_true(json_object_get(body, "Internal"));
	_cleanup_strv_free_ char **kv = api_labels_to_strv(labels);
	o.labels = kv;
	struct berth_network n = {0};
	r = berth_network_create(state_dir(req), &o, &n, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	json_t *out = json_pack("{s:s, s:s}", "Id", n.id, "Warning", "");
	berth_network_release(&n);
	return api_reply_json(req, 201, out);
}

static int networks_remove(struct api_req *req)
{
	struct berth_error *err = NULL;
	int r = berth_network_remove(state_dir(req), api_req_param(req, 0), &err);
	if (r < 0)
		return api_reply_conflict_or_berror(req, &err);
	return api_reply_empty(req, 204);
}

/* POST /networks/{id}/connect {"Container", "EndpointConfig": {"Aliases", "IPAMConfig"}}. */
static int networks_connect(struct api_req *req)
{
	struct berth_error *err = NULL;
	json_t *body = api_req_json(req);
	const char *ctr = NULL, *ip = NULL;
	if (!body)
		return api_reply_error(req, 400, "no container given");
	int r = berth_json_get_string(body, "Container", true, &ctr, &err);
	json_t *ep = json_object_get(body, "EndpointConfig");
	json_t *ipam = ep ? json_object_get(ep, "IPAMConfig") : NULL;
	if (r >= 0 && ipam)
		r = api_json_string(ipam, "IPv4Address", &ip, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	_cleanup_strv_free_ char **aliases =
		berth_json_to_strv(ep ? json_object_get(ep, "Aliases") : NULL);
	r = berth_container_network_connect(api_req_store(req), ctr, api_req_param(req, 0), aliases,
					    ip && *ip ? ip : NULL, &err);
	if (r < 0)
		return api_reply_conflict_or_berror(req, &err);
	return api_reply_empty(req, 200);
}

static int networks_disconnect(struct api_req *req)
{
	struct berth_error *err = NULL;
	json_t *body = api_req_json(req);
	const char *ctr = NULL;
	if (!body)
		return api_reply_error(req, 400, "no container given");
	int r = berth_json_get_string(body, "Container", true, &ctr, &err);
	if (r >= 0)
		r = berth_container_network_disconnect(api_req_store(req), ctr,
						       api_req_param(req, 0), &err);
	if (r < 0)
		return api_reply_conflict_or_berror(req, &err);
	return api_reply_empty(req, 200);
}

static int networks_prune(struct api_req *req)
{
	struct berth_error *err = NULL;
	_cleanup_(api_filters_freep) struct api_filters *f = NULL;
	int r = api_filters_read(api_req_query(req, "filters"), NULL, &f, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	_cleanup_strv_free_ char **removed = NULL;
	r = berth_network_prune(state_dir(req), &removed, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200,
			      json_pack("{s:o}", "NetworksDeleted", berth_json_strv(removed)));
}

const struct api_route api_routes_networks[] = {
	{"GET", "/networks", API_BODY_NONE, networks_list},
	{"POST", "/networks/create", API_BODY_JSON, networks_create},
	{"POST", "/networks/prune", API_BODY_NONE, networks_prune},
	{"GET", "/networks/{}", API_BODY_NONE, networks_inspect},
	{"DELETE", "/networks/{}", API_BODY_NONE, networks_remove},
	{"POST", "/networks/{}/connect", API_BODY_JSON, networks_connect},
	{"POST", "/networks/{}/disconnect", API_BODY_JSON, networks_disconnect},
	{0},
};
