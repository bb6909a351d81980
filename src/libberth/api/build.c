/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /build and POST /build/prune: the builder's berth_build and
 * berth_builder_prune, as `berth build` and `berth builder prune` call
 * them. The request body is the context as a tar (what the classic
 * builder's clients send: docker with DOCKER_BUILDKIT=0, docker-py,
 * compose 1.x); the reply is the classic builder's JSON stream: {"stream":
 * text} lines, {"aux": {"ID": "sha256:..."}} with the image, errors as
 * errorDetail. The step lines are the builder's own (as `berth build
 * --progress plain` prints them), not Docker's "Step 1/3 : ..." (docs/api.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/images-params.h"
#include "api/images-routes.h"
#include "api/internal.h"
#include "builder/builder.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"

struct build_stream {
	struct api_req *req;
	bool quiet, gone;
};

static void stream_text(struct build_stream *bs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stream_text(struct build_stream *bs, const char *fmt, ...)
{
	va_list ap;
	_cleanup_free_ char *text = NULL;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text || bs->gone)
		return;
	if (api_stream_json(bs->req, json_pack("{s:s}", "stream", text)) < 0)
		bs->gone = true; /* the build goes on: its result is the store's */
}

static void on_event(const struct berth_build_event *ev, void *userdata)
{
	struct build_stream *bs = userdata;
	if (bs->quiet && ev->kind != BERTH_BUILD_EVENT_WARNING)
		return;
	switch (ev->kind) {
	case BERTH_BUILD_EVENT_STEP:
		stream_text(bs, "#%d %s\n", ev->step, ev->text);
		break;
	case BERTH_BUILD_EVENT_CACHED:
		stream_text(bs, "#%d CACHED\n", ev->step);
		break;
	case BERTH_BUILD_EVENT_DONE:
		stream_text(bs, "#%d DONE %.1fs\n", ev->step, ev->seconds);
		break;
	case BERTH_BUILD_EVENT_OUTPUT:
		stream_text(bs, "#%d %.3f %s\n", ev->step, ev->seconds, ev->text);
		break;
	case BERTH_BUILD_EVENT_WARNING:
		stream_text(bs, "WARNING: %s\n", ev->text);
		break;
	case BERTH_BUILD_EVENT_ERROR:
		stream_text(bs, "#%d ERROR\n", ev->step);
		break;
	case BERTH_BUILD_EVENT_INFO:
		if (ev->step)
			stream_text(bs, "#%d %s\n", ev->step, ev->text);
		else
			stream_text(bs, "%s\n", ev->text);
		break;
	}
}

/* The query's JSON arguments and lists, owned for the build's length. */
struct build_query {
	char **tags, **args, **labels, **cache_from;
};

static void build_query_release(struct build_query *q)
{
	berth_strv_free(q->tags);
	berth_strv_free(q->args);
	berth_strv_free(q->labels);
	berth_strv_free(q->cache_from);
}

/* A query argument holding JSON of the given type (labels: an object; cachefrom: an array). */
static int query_json(struct api_req *req, const char *key, json_type type, json_t **ret,
		      struct berth_error **err)
{
	const char *v = api_req_query(req, key);
	*ret = NULL;
	if (!v || !*v)
		return 0;
	int r = berth_json_parse(v, strlen(v), key, ret, err);
	if (r < 0)
		return r;
	if (json_typeof(*ret) != type) {
		json_decref(*ret);
		*ret = NULL;
		return berth_error_set(err, EINVAL, "%s: not a JSON %s", key,
				       type == JSON_OBJECT ? "object" : "array");
	}
	return 0;
}

static int build_options(struct api_req *req, struct build_query *q, struct berth_build_options *o,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *labels = NULL, *cache_from = NULL, *wrapped = NULL;
	int r = api_build_args_parse(api_req_query(req, "buildargs"), &q->args, err);
	if (r >= 0)
		r = query_json(req, "labels", JSON_OBJECT, &labels, err);
	if (r >= 0)
		r = query_json(req, "cachefrom", JSON_ARRAY, &cache_from, err);
	if (r < 0)
		return r;
	wrapped = json_pack("{s:O*}", "Labels", labels);
	r = api_json_labels(wrapped, "Labels", &labels, err);
	if (r < 0)
		return r;
	q->labels = api_labels_to_strv(labels);
	json_decref(labels);
	q->cache_from = berth_json_to_strv(cache_from);
	q->tags = api_req_query_all(req, "t");
	const char *df = api_req_query(req, "dockerfile");
	const char *net = api_req_query(req, "networkmode");
	if (api_req_query(req, "remote"))
		return berth_error_set(err, ENOTSUP, "remote build contexts are not supported yet");
	if (api_req_query_bool(req, "squash", false))
		return berth_error_set(err, ENOTSUP, "squash is not supported");
	*o = (struct berth_build_options){
		.context = "-",
		.dockerfile = df && *df ? df : NULL,
		.dockerfile_in_context = true,
		.tags = q->tags,
		.target = api_req_query(req, "target"),
		.build_args = q->args,
		.labels = q->labels,
		.cache_from = q->cache_from,
		.network = net && *net ? net : NULL,
		.no_cache = api_req_query_bool(req, "nocache", false),
		.pull = api_req_query_bool(req, "pull", false),
		.stdin_fd = api_req_body_fd(req),
		.on_event = on_event,
	};
	if (o->target && !*o->target)
		o->target = NULL;
	return 0;
}

/* rm, forcerm, q and the resource limits are accepted: berth keeps no intermediate containers. */
static int build(struct api_req *req)
{
	struct berth_error *err = NULL;
	__attribute__((cleanup(build_query_release))) struct build_query q = {0};
	struct berth_build_options o;
	if (api_req_body_fd(req) < 0)
		return api_reply_error(req, 400, "no build context in the request body");
	int r = build_options(req, &q, &o, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	struct build_stream bs = {.req = req, .quiet = api_req_query_bool(req, "q", false)};
	o.userdata = &bs;
	if (api_writes_begin(req, &err) < 0)
		return api_reply_berror(req, &err);
	api_stream_begin(req, 200, "application/json");
	struct berth_build_result res = {0};
	r = berth_build(api_req_store(req), &o, &res, &err);
	api_writes_done(req);
	if (r < 0) {
		if (!bs.gone)
			api_stream_json(req, api_stream_error_message(berth_error_msg(err)));
		berth_error_free(&err);
		return 0;
	}
	char id[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&res.image_id, id);
	if (!bs.gone)
		api_stream_json(req, json_pack("{s:{s:s}}", "aux", "ID", id));
	/* the classic builder's last lines, which docker-py and compose 1.x read too;
	 * with q, the ID alone (what docker build -q prints) */
	if (bs.quiet) {
		bs.quiet = false;
		stream_text(&bs, "%s\n", id);
		return 0;
	}
	stream_text(&bs, "Successfully built %.12s\n", id + 7);
	BERTH_STRV_FOREACH (t, q.tags)
		stream_text(&bs, "Successfully tagged %s%s\n", *t,
			    strchr(strrchr(*t, '/') ? strrchr(*t, '/') : *t, ':') ? "" : ":latest");
	return 0;
}

/* POST /build/prune?all=&keep-storage=: {"CachesDeleted": [], "SpaceReclaimed": N}. */
static int build_prune(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *keep = api_req_query(req, "keep-storage");
	uint64_t keep_bytes = 0, freed = 0;
	unsigned entries = 0;
	if (keep && *keep) {
		char *end = NULL;
		errno = 0;
		keep_bytes = strtoull(keep, &end, 10);
		if (errno || !end || *end)
			return api_reply_error(req, 400, "invalid keep-storage '%s'", keep);
	}
	int r = berth_builder_prune(api_req_store(req), api_req_query_bool(req, "all", false),
				    keep_bytes, &freed, &entries, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	/* the builder keeps no IDs of its entries: the count only */
	return api_reply_json(
		req, 200,
		json_pack("{s:[], s:I}", "CachesDeleted", "SpaceReclaimed", (json_int_t)freed));
}

const struct api_route api_routes_build[] = {
	{"POST", "/build", API_BODY_FILE, build},
	{"POST", "/build/prune", API_BODY_NONE, build_prune},
	{0},
};
