/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Docker Engine API's volume endpoints (/volumes...), over the same
 * library calls as `berth volume`: the JSON is berth_volume_to_json's,
 * which `berth volume inspect` prints.
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

/* GET /volumes: {"Volumes": [...], "Warnings": null}; ?filters name= and dangling= as Docker. */
static int volumes_list(struct api_req *req)
{
	struct berth_error *err = NULL;
	_cleanup_(api_filters_freep) struct api_filters *f = NULL;
	int r = api_filters_read(api_req_query(req, "filters"), (const char *const[]){"name", NULL},
				 &f, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	struct berth_volume *v = NULL;
	size_t n = 0;
	r = berth_volume_list(api_req_store(req), &v, &n, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		if (api_filters_match_substring(f, "name", v[i].name))
			json_array_append_new(list, berth_volume_to_json(&v[i]));
		berth_volume_release(&v[i]);
	}
	free(v);
	return api_reply_json(req, 200, json_pack("{s:o, s:n}", "Volumes", list, "Warnings"));
}

/* POST /volumes/create {"Name", "Driver", "Labels", "DriverOpts"}: 201 and the volume. */
static int volumes_create(struct api_req *req)
{
	struct berth_error *err = NULL;
	json_t *body = api_req_json(req);
	const char *name = NULL, *driver = NULL;
	json_t *labels = NULL, *opts = NULL;
	int r = api_json_string(body, "Name", &name, &err);
	if (r >= 0)
		r = api_json_string(body, "Driver", &driver, &err);
	if (r >= 0)
		r = api_json_object(body, "DriverOpts", &opts, &err);
	if (r >= 0)
		r = api_json_labels(body, "Labels", &labels, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	if (driver && *driver && strcmp(driver, "local") != 0)
		return api_reply_error(req, 501, "volume driver '%s' is not supported", driver);
	if (opts && json_object_size(opts) > 0)
		return api_reply_error(req, 501, "volume driver options are not supported yet");
	_cleanup_strv_free_ char **kv = api_labels_to_strv(labels);
	json_decref(labels);
	struct berth_volume v = {0};
	r = berth_volume_create_labelled(api_req_store(req), name && *name ? name : NULL, kv, &v,
					 NULL, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	json_t *out = berth_volume_to_json(&v);
	berth_volume_release(&v);
	return api_reply_json(req, 201, out);
}

static int volumes_inspect(struct api_req *req)
{
	struct berth_error *err = NULL;
	struct berth_volume v = {0};
	int r = berth_volume_get(api_req_store(req), api_req_param(req, 0), &v, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	json_t *out = berth_volume_to_json(&v);
	berth_volume_release(&v);
	return api_reply_json(req, 200, out);
}

/* DELETE /volumes/{name}?force: 204; 409 while a container uses it (without force). */
static int volumes_remove(struct api_req *req)
{
	struct berth_error *err = NULL;
	bool force = api_req_query_bool(req, "force", false);
	int r = berth_volume_remove(api_req_store(req), api_req_param(req, 0), force, &err);
	if (r < 0)
		return api_reply_conflict_or_berror(req, &err);
	return api_reply_empty(req, 204);
}

/* POST /volumes/prune: {"VolumesDeleted": [...], "SpaceReclaimed": N}; ?filters all=true. */
static int volumes_prune(struct api_req *req)
{
	struct berth_error *err = NULL;
	_cleanup_(api_filters_freep) struct api_filters *f = NULL;
	int r = api_filters_read(api_req_query(req, "filters"), (const char *const[]){"all", NULL},
				 &f, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	_cleanup_strv_free_ char **removed = NULL;
	uint64_t bytes = 0;
	bool all = api_filters_bool(f, "all") || api_version_before(api_req_version(req), 1, 42);
	r = berth_volume_prune(api_req_store(req), all, &removed, &bytes, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200,
			      json_pack("{s:o, s:I}", "VolumesDeleted", berth_json_strv(removed),
					"SpaceReclaimed", (json_int_t)bytes));
}

const struct api_route api_routes_volumes[] = {
	{"GET", "/volumes", API_BODY_NONE, volumes_list},
	{"POST", "/volumes/create", API_BODY_JSON, volumes_create},
	{"POST", "/volumes/prune", API_BODY_NONE, volumes_prune},
	{"GET", "/volumes/{}", API_BODY_NONE, volumes_inspect},
	{"DELETE", "/volumes/{}", API_BODY_NONE, volumes_remove},
	{0},
};
