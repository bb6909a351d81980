/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Docker Engine API's image endpoints (/images...), over the same
 * library calls as `berth images`, `image inspect`, `history`, `tag`,
 * `rmi`, `image prune`, `save` and `load`. Pull and push, with their
 * progress streams, are in images-registry.c.
 *
 * Docker routes /images/{name:.*}/json: a name has slashes
 * ("127.0.0.1:5000/a/b:1"), which the router's {*} takes whole.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/images-params.h"
#include "api/images-routes.h"
#include "api/internal.h"
#include "api/transport.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "store/store.h"
#include "system/system.h"

/* ---- GET /images/json ---- */

static long long created_unix(const char *rfc3339)
{
	long long ns = 0;
	if (!rfc3339 || berth_events_parse_time(rfc3339, 0, &ns, NULL) < 0)
		return 0;
	return ns / 1000000000LL;
}

/* The labels of image id (null when it has none), as ImageSummary's Labels. */
static json_t *image_labels(struct berth_store *s, const struct berth_digest *id)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	if (berth_image_resolve(s, berth_digest_fmt(id, hex), &img, NULL) < 0 ||
	    !img->config->label_keys)
		return json_null();
	json_t *o = json_object();
	for (size_t i = 0; img->config->label_keys[i]; i++)
		json_object_set_new(o, img->config->label_keys[i],
				    json_string(img->config->label_values[i]));
	return o;
}

/* One ImageSummary per image ID (Docker's), its names gathered into RepoTags. */
static json_t *image_summary(struct berth_store *s, json_t *by_id,
			     const struct berth_image_list_item *it)
{
	char id[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&it->id, id);
	json_t *o = json_object_get(by_id, id);
	if (o)
		return o;
	o = json_object();
	json_object_set_new(o, "Id", json_string(id));
	json_object_set_new(o, "ParentId", json_string(""));
	json_object_set_new(o, "RepoTags", json_array());
	json_object_set_new(o, "RepoDigests", json_array());
	json_object_set_new(o, "Created", json_integer(created_unix(it->created)));
	json_object_set_new(o, "Size", json_integer((json_int_t)it->size));
	json_object_set_new(o, "SharedSize", json_integer(-1));
	json_object_set_new(o, "VirtualSize", json_integer((json_int_t)it->size));
	json_object_set_new(o, "Labels", image_labels(s, &it->id));
	json_object_set_new(o, "Containers", json_integer(-1));
	json_object_set_new(by_id, id, o);
	return o;
}

static bool list_item_matches(const struct berth_image_list_item *it, const char *repo,
			      const char *tag, const json_t *f)
{
	json_t *refs = json_object_get(f, "reference"), *ref;
	size_t i;
	bool ok = json_array_size(refs) == 0;
	json_array_foreach (refs, i, ref)
		ok = ok ||
		     (it->name && berth_image_name_matches(repo, tag, json_string_value(ref)));
	const char *dangling = api_filters_first(f, "dangling");
	if (dangling)
		ok = ok &&
		     (strcmp(dangling, "true") == 0 || strcmp(dangling, "1") == 0) == !it->name;
	return ok;
}

static int images_list(struct api_req *req)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *f = NULL;
	int r = api_req_filters_allowed(req, (const char *const[]){"reference", "dangling", NULL},
					&f, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	_cleanup_(berth_image_list_freep) struct berth_image_list *l = NULL;
	struct berth_store *s = api_req_store(req);
	r = berth_image_list(s, &l, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	_cleanup_json_ json_t *by_id = json_object();
	json_t *out = json_array();
	for (size_t i = 0; i < l->n; i++) {
		const struct berth_image_list_item *it = &l->items[i];
		_cleanup_free_ char *repo = NULL, *tag = NULL;
		if (it->name)
			berth_image_name_split(it->name, &repo, &tag);
		if (!list_item_matches(it, repo, tag, f))
			continue;
		bool fresh = !json_object_get(by_id, berth_digest_fmt(&it->id, (char[72]){0}));
		json_t *o = image_summary(s, by_id, it);
		if (fresh)
			json_array_append(out, o);
		if (!it->name)
			continue;
		char dg[BERTH_DIGEST_STRLEN + 1];
		if (strcmp(tag, "<none>") != 0)
			json_array_append_new(json_object_get(o, "RepoTags"),
					      json_sprintf("%s:%s", repo, tag));
		if (it->has_repo_digest)
			json_array_append_new(json_object_get(o, "RepoDigests"),
					      json_sprintf("%s@%s", repo,
							   berth_digest_fmt(&it->repo_digest, dg)));
	}
	return api_reply_json(req, 200, out);
}

/* ---- GET /images/{name}/json, /history ---- */

static int images_inspect(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *name = api_req_param(req, 0);
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	json_t *o = NULL;
	int r = berth_image_resolve(api_req_store(req), name, &img, &err);
	if (r >= 0)
		r = berth_image_inspect_json(api_req_store(req), img, &o, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200, o);
}

/* Docker's HistoryResponseItem list, newest first; only the top entry has the ID and tags. */
static int images_history(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *name = api_req_param(req, 0);
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_free_ uint64_t *sizes = NULL;
	int r = berth_image_resolve(api_req_store(req), name, &img, &err);
	if (r >= 0)
		r = berth_image_history_sizes(api_req_store(req), img, &sizes, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	const struct berth_image_config *cfg = img->config;
	char id[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&img->id, id);
	json_t *out = json_array();
	for (size_t k = cfg->n_history; k-- > 0;) {
		const struct berth_history *h = &cfg->history[k];
		bool top = k + 1 == cfg->n_history;
		json_t *tags = json_null();
		if (top) {
			tags = json_array();
			BERTH_STRV_FOREACH (n, img->names) {
				_cleanup_free_ char *repo = NULL, *tag = NULL;
				berth_image_name_split(*n, &repo, &tag);
				json_array_append_new(tags, json_sprintf("%s:%s", repo, tag));
			}
		}
		json_array_append_new(
			out,
			json_pack("{s:s, s:I, s:s, s:o, s:I, s:s}", "Id", top ? id : "<missing>",
				  "Created", (json_int_t)created_unix(h->created), "CreatedBy",
				  h->created_by ? h->created_by : "", "Tags", tags, "Size",
				  (json_int_t)sizes[k], "Comment", h->comment ? h->comment : ""));
	}
	return api_reply_json(req, 200, out);
}

/* ---- POST /images/{name}/tag, DELETE /images/{name}, POST /images/prune ---- */

static int images_tag(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *name = api_req_param(req, 0);
	const char *repo = api_req_query(req, "repo"), *tag = api_req_query(req, "tag");
	if (!repo || !*repo)
		return api_reply_error(req, 400, "repository name (repo) must be given");
	_cleanup_free_ char *target =
		tag && *tag ? berth_xasprintf("%s:%s", repo, tag) : berth_xstrdup(repo);
	int r = berth_image_tag(api_req_store(req), name, target, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_empty(req, 201);
}

/* "Untagged: x" / "deleted: sha256:..." lines as Docker's [{"Untagged": x}, {"Deleted": y}]. */
static json_t *delete_items(char *const *lines)
{
	json_t *out = json_array();
	BERTH_STRV_FOREACH (l, lines) {
		const char *colon = strstr(*l, ": ");
		if (!colon)
			continue;
		bool untag = strncasecmp(*l, "untagged", 8) == 0;
		json_array_append_new(
			out, json_pack("{s:s}", untag ? "Untagged" : "Deleted", colon + 2));
	}
	return out;
}

static int images_delete(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *name = api_req_param(req, 0);
	_cleanup_strv_free_ char **lines = NULL;
	/* noprune: berth keeps no parent images to spare */
	int r = berth_system_image_remove(api_req_store(req), name,
					  api_req_query_bool(req, "force", false), &lines, &err);
	if (r < 0)
		return api_reply_conflict_or_berror(req, &err);
	return api_reply_json(req, 200, delete_items(lines));
}

/* POST /images/prune?filters={"dangling":{"false":true}}: every unused image, not only untagged. */
static int images_prune(struct api_req *req)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *f = NULL;
	int r = api_req_filters_allowed(req, (const char *const[]){"dangling", NULL}, &f, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	const char *d = api_filters_first(f, "dangling");
	bool all = d && (strcmp(d, "false") == 0 || strcmp(d, "0") == 0);
	_cleanup_strv_free_ char **lines = NULL;
	uint64_t bytes = 0;
	r = berth_system_image_prune(api_req_store(req), all, &lines, &bytes, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200,
			      json_pack("{s:o, s:I}", "ImagesDeleted", delete_items(lines),
					"SpaceReclaimed", (json_int_t)bytes));
}

static int images_search(struct api_req *req)
{
	return api_reply_error(req, 501,
			       "image search is not supported: berth has no registry index to "
			       "search (docs/api.md)");
}

/* ---- GET /images/{name}/get, /images/get?names=, POST /images/load ---- */

struct save_job {
	struct berth_store *store;
	char **whats;
	int fd;
	struct berth_error *err;
	int r;
};

static void *save_thread(void *data)
{
	struct save_job *j = data;
	j->r = berth_image_save(j->store, j->whats, BERTH_ARCHIVE_DOCKER, j->fd, &j->err);
	close(j->fd);
	return NULL;
}

/*
 * The archive goes through a pipe: a thread writes it (berth_image_save
 * writes to an fd), this one streams what it reads. Every name is resolved
 * first so that a missing one is Docker's 404 before the stream begins.
 */
static int save_stream(struct api_req *req, char **whats)
{
	struct berth_error *err = NULL;
	if (!whats || !*whats)
		return api_reply_error(req, 400, "no image given");
	BERTH_STRV_FOREACH (w, whats) {
		_cleanup_(berth_image_freep) struct berth_image *img = NULL;
		if (berth_image_resolve(api_req_store(req), *w, &img, &err) < 0)
			return api_reply_berror(req, &err);
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return api_reply_error(req, 500, "pipe: %s", strerror(errno));
	struct save_job j = {.store = api_req_store(req), .whats = whats, .fd = p[1]};
	pthread_t t;
	if (pthread_create(&t, NULL, save_thread, &j) != 0) {
		close(p[0]);
		close(p[1]);
		return api_reply_error(req, 500, "could not start the archive writer");
	}
	api_stream_begin(req, 200, "application/x-tar");
	char buf[65536];
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		if (api_stream_write(req, buf, (size_t)n) < 0)
			break; /* the client went: closing the pipe stops the writer */
	close(p[0]);
	pthread_join(t, NULL);
	berth_error_free(&j.err);
	return 0;
}

static int images_get_one(struct api_req *req)
{
	const char *name = api_req_param(req, 0);
	char *whats[] = {(char *)name, NULL};
	return save_stream(req, whats);
}

static int images_get(struct api_req *req)
{
	_cleanup_strv_free_ char **names = api_req_query_all(req, "names");
	return save_stream(req, names);
}

/* The body is the archive; the reply Docker's JSON stream of "Loaded image: x" lines. */
static int images_load(struct api_req *req)
{
	struct berth_error *err = NULL;
	int fd = api_req_body_fd(req);
	if (fd < 0)
		return api_reply_error(req, 400, "no image archive in the request body");
	_cleanup_strv_free_ char **lines = NULL;
	if (api_writes_begin(req, &err) < 0)
		return api_reply_berror(req, &err);
	int r = berth_image_load(api_req_store(req), fd, &lines, &err);
	api_writes_done(req);
	if (r < 0)
		return api_reply_berror(req, &err);
	api_stream_begin(req, 200, "application/json");
	BERTH_STRV_FOREACH (l, lines)
		if (api_stream_json(req, json_pack("{s:s++}", "stream", *l, "\n")) < 0)
			break;
	return 0;
}

const struct api_route api_routes_images[] = {
	{"GET", "/images/json", API_BODY_NONE, images_list},
	{"GET", "/images/search", API_BODY_NONE, images_search},
	{"GET", "/images/get", API_BODY_NONE, images_get},
	{"POST", "/images/load", API_BODY_FILE, images_load},
	{"POST", "/images/prune", API_BODY_NONE, images_prune},
	{"POST", "/images/create", API_BODY_NONE, api_images_create},
	{"GET", "/images/{*}/json", API_BODY_NONE, images_inspect},
	{"GET", "/images/{*}/history", API_BODY_NONE, images_history},
	{"GET", "/images/{*}/get", API_BODY_NONE, images_get_one},
	{"POST", "/images/{*}/tag", API_BODY_NONE, images_tag},
	{"POST", "/images/{*}/push", API_BODY_NONE, api_images_push},
	{"DELETE", "/images/{*}", API_BODY_NONE, images_delete},
	{0},
};
