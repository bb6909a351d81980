/* SPDX-License-Identifier: Apache-2.0 */
/* The system routes: _ping, version, info, events, system/df. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "api/images-params.h"
#include "api/transport.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json.h"
#include "registry/registry.h"
#include "system/system.h"

/* "OK" as text, with the headers clients negotiate on (API-Version, Builder-Version). */
static int ping(struct api_req *req)
{
	struct MHD_Response *resp;
	bool head = strcmp(api_req_method(req), "HEAD") == 0;

	resp = MHD_create_response_from_buffer(head ? 0 : 2, (char *)"OK", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return -ENOMEM;
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store, must-revalidate");
	MHD_add_response_header(resp, "Pragma", "no-cache");
	/* the classic builder's protocol (POST /build with a tar context) */
	MHD_add_response_header(resp, "Builder-Version", "1");
	api_req_answer(req, API_REQ_REPLIED, 200, resp);
	return 0;
}

static int version(struct api_req *req)
{
	return api_reply_json(req, 200, berth_system_version());
}

static int info(struct api_req *req)
{
	_cleanup_error_ struct berth_error *err = NULL;
	json_t *v = NULL;

	if (berth_system_info(api_req_store(req), api_req_root(req), false, &v, &err) < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200, v);
}

static int event_out(const json_t *msg, void *userdata)
{
	return api_stream_json(userdata, json_deep_copy(msg));
}

/* The filters of /events as `berth events --filter key=value` reads them. */
static int events_filter(struct api_req *req, struct berth_events_filter *f,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *filters = NULL;
	const char *key;
	json_t *vals, *v;
	size_t i;
	int r = api_req_filters(req, &filters, err);

	if (r < 0)
		return r;
	json_object_foreach (filters, key, vals) {
		json_array_foreach (vals, i, v) {
			_cleanup_free_ char *kv =
				berth_xasprintf("%s=%s", key, json_string_value(v));
			r = berth_events_filter_add(f, kv, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* GET /events: the event log, as `berth events` reads it, streamed as JSON lines. */
static int events(struct api_req *req)
{
	_cleanup_(berth_events_filter_release) struct berth_events_filter filter = {0};
	_cleanup_error_ struct berth_error *err = NULL;
	struct berth_events_read_options o = {.filter = &filter, .stop = api_req_stop_flag(req)};
	const char *since = api_req_query(req, "since"), *until = api_req_query(req, "until");
	struct timespec ts;
	long long now;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (since && *since && berth_events_parse_time(since, now, &o.since_ns, &err) < 0)
		return api_reply_berror(req, &err);
	if (until && *until && berth_events_parse_time(until, now, &o.until_ns, &err) < 0)
		return api_reply_berror(req, &err);
	if (events_filter(req, &filter, &err) < 0)
		return api_reply_berror(req, &err);
	o.past = (since && *since) || (until && *until);
	o.follow = !o.until_ns || o.until_ns > now;
	r = api_stream_begin(req, 200, "application/json");
	if (r < 0)
		return r;
	/* An error once streaming cannot change the status: the stream just ends. */
	(void)berth_system_events_read(api_req_root(req), &o, event_out, req, &err);
	return 0;
}

static json_t *df_images(const struct berth_system_df *df)
{
	json_t *list = json_array(), *byid = json_object();

	for (size_t i = 0; i < df->n_images; i++) {
		const struct berth_system_df_image *it = &df->image_items[i];
		char id[BERTH_DIGEST_STRLEN + 1];
		long long created = 0;
		json_t *img;

		berth_digest_fmt(&it->id, id);
		img = json_object_get(byid, id);
		if (!img) {
			if (it->created)
				(void)berth_events_parse_time(it->created, 0, &created, NULL);
			img = json_pack(
				"{s:s, s:s, s:[], s:[], s:I, s:I, s:I, s:I, s:{}, s:i}", "Id", id,
				"ParentId", "", "RepoTags", "RepoDigests", "Created",
				(json_int_t)(created / 1000000000LL), "Size", (json_int_t)it->size,
				"SharedSize", (json_int_t)it->shared_size, "VirtualSize",
				(json_int_t)it->size, "Labels", "Containers", (int)it->containers);
			json_object_set(byid, id, img);
			json_array_append_new(list, img);
		}
		if (it->name)
			json_array_append_new(json_object_get(img, "RepoTags"),
					      json_string(it->name));
	}
	json_decref(byid);
	return list;
}

static json_t *df_containers(const struct berth_system_df *df)
{
	json_t *list = json_array();

	for (size_t i = 0; i < df->n_containers; i++) {
		const struct berth_system_df_container *it = &df->container_items[i];
		const json_t *c = it->record, *st = json_object_get(c, "State");
		const char *name = json_string_value(json_object_get(c, "Name"));
		const char *created = json_string_value(json_object_get(c, "Created"));
		const char *status = json_string_value(json_object_get(st, "Status"));
		const char *image =
			json_string_value(json_object_get(json_object_get(c, "Config"), "Image"));
		long long created_ns = 0;

		if (created)
			(void)berth_events_parse_time(created, 0, &created_ns, NULL);
		json_array_append_new(
			list,
			json_pack("{s:O?, s:[s?], s:s?, s:s, s:I, s:I, s:s?, s:s?, s:O?, s:[]}",
				  "Id", json_object_get(c, "Id"), "Names", name, "Image", image,
				  "Command", "", "Created", (json_int_t)(created_ns / 1000000000LL),
				  "SizeRw", (json_int_t)it->size, "State", status, "Status", status,
				  "Labels", json_object_get(json_object_get(c, "Config"), "Labels"),
				  "Mounts"));
	}
	return list;
}

static json_t *df_volumes(const struct berth_system_df *df)
{
	json_t *list = json_array();

	for (size_t i = 0; i < df->n_volumes; i++) {
		const struct berth_system_df_volume *it = &df->volume_items[i];
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:{s:I, s:I}}", "Name",
						      it->name, "Driver", "local", "Scope", "local",
						      "UsageData", "Size", (json_int_t)it->size,
						      "RefCount", (json_int_t)it->links));
	}
	return list;
}

/* GET /system/df: the lists Docker's client sums up itself. */
static int system_df(struct api_req *req)
{
	_cleanup_error_ struct berth_error *err = NULL;
	struct berth_system_df_options opts = {.verbose = true};
	struct berth_system_df df = {0};
	json_t *out;

	if (berth_system_df(api_req_store(req), &opts, &df, &err) < 0) {
		berth_system_df_release(&df);
		return api_reply_berror(req, &err);
	}
	/* The build cache as one entry: berth keeps no per-record sizes Docker's form has. */
	out = json_pack("{s:I, s:o, s:o, s:o, s:[]}", "LayersSize", (json_int_t)df.images.size,
			"Images", df_images(&df), "Containers", df_containers(&df), "Volumes",
			df_volumes(&df), "BuildCache");
	if (df.cache.total > 0)
		json_array_append_new(
			json_object_get(out, "BuildCache"),
			json_pack("{s:s, s:s, s:b, s:b, s:I, s:i}", "ID", "berth-build-cache",
				  "Type", "regular", "InUse", false, "Shared", false, "Size",
				  (json_int_t)df.cache.size, "UsageCount", (int)df.cache.total));
	berth_system_df_release(&df);
	return api_reply_json(req, 200, out);
}

/*
 * POST /auth: checks credentials against the registry; the client keeps
 * them. The body is the AuthConfig X-Registry-Auth carries, read the same
 * way; a refusal is Docker's 401 and words.
 */
static int auth(struct api_req *req)
{
	_cleanup_error_ struct berth_error *err = NULL;
	_cleanup_(api_registry_auth_release) struct api_registry_auth a = {0};

	if (api_registry_auth_from_json(api_req_json(req), "auth body", &a, &err) < 0)
		return api_reply_berror(req, &err);
	if (a.identity_token && !a.password)
		return api_reply_error(req, 501,
				       "login with an identity token is not supported "
				       "yet: send a username and password");
	if (berth_registry_login_check(a.server, a.username, a.password, &err) < 0) {
		int code = berth_error_code(err);
		if (code == EACCES || code == EPERM)
			return api_reply_error(req, 401, "%s", berth_error_msg(err));
		return api_reply_berror(req, &err);
	}
	return api_reply_json(
		req, 200,
		json_pack("{s:s, s:s}", "Status", "Login Succeeded", "IdentityToken", ""));
}

const struct api_route api_routes_system[] = {
	{"GET", "/_ping", API_BODY_NONE, ping},
	{"HEAD", "/_ping", API_BODY_NONE, ping},
	{"GET", "/version", API_BODY_NONE, version},
	{"GET", "/info", API_BODY_NONE, info},
	{"GET", "/events", API_BODY_NONE, events},
	{"GET", "/system/df", API_BODY_NONE, system_df},
	{"POST", "/auth", API_BODY_JSON, auth},
	{0},
};
