/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /containers/...: the routes, and the lifecycle endpoints (create, start,
 * stop, kill, restart, wait, remove, rename, pause, unpause, prune), each
 * the container library call its CLI verb makes, with Docker's statuses.
 */
#include "api/containers.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

int api_container_id(struct api_req *req, char **ret_id)
{
	const char *what = api_req_param(req, 0);
	struct berth_error *err = NULL;
	int r = berth_container_find(api_req_store(req), what, ret_id, &err);
	if (r >= 0)
		return 1;
	if (r == -ENOENT) {
		berth_error_free(&err);
		api_reply_error(req, 404, "No such container: %s", what);
		return 0;
	}
	api_reply_berror(req, &err);
	return 0;
}

/* Whether container id runs now (false when it cannot be read). */
static bool is_running(struct api_req *req, const char *id)
{
	_cleanup_json_ json_t *st = NULL;
	return berth_container_inspect(api_req_store(req), id, &st, NULL) >= 0 &&
	       json_is_true(json_object_get(json_object_get(st, "State"), "Running"));
}

/* 204 when r succeeded, else the error's status. */
static int reply_done(struct api_req *req, int r, struct berth_error **err)
{
	return r < 0 ? api_reply_berror(req, err) : api_reply_empty(req, 204);
}

static int container_create(struct api_req *req)
{
	_cleanup_(api_create_release) struct api_create c = {0};
	struct berth_error *err = NULL;
	struct berth_run_result res = {0};
	const char *image = NULL;
	int r = api_create_parse(api_req_json(req), api_req_query(req, "name"), &c, &image, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	r = berth_container_image_load(api_req_store(req), image, &c.img, &err);
	if (r == -ENOENT) {
		berth_error_free(&err);
		return api_reply_error(req, 404, "No such image: %s", image);
	}
	if (r < 0)
		return api_reply_berror(req, &err);
	c.have_img = true;
	c.o.image = &c.img;
	r = berth_container_run(api_req_store(req), &c.o, &res, &err);
	if (r == -EEXIST) {
		berth_error_free(&err);
		return api_reply_error(req, 409,
				       "Conflict. The container name \"/%s\" is already in use",
				       c.name ? c.name : "");
	}
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 201, json_pack("{s:s, s:[]}", "Id", res.id, "Warnings"));
}

static int container_start(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	if (!api_container_id(req, &id))
		return 0;
	if (is_running(req, id))
		return api_reply_empty(req, 304);
	int r = berth_container_start(api_req_store(req), id, &err);
	return reply_done(req, r, &err);
}

/* ?t=: the seconds before SIGKILL; Docker's default 10 (-1: the container's own, ours 10 too). */
static int stop_timeout(struct api_req *req)
{
	const char *t = api_req_query(req, "t");
	char *end;
	long v = t ? strtol(t, &end, 10) : 10;
	return t && (*end || end == t || v < 0) ? 10 : (int)v;
}

static int container_stop(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	if (!api_container_id(req, &id))
		return 0;
	if (!is_running(req, id))
		return api_reply_empty(req, 304);
	int r = berth_container_stop(api_req_store(req), id, stop_timeout(req), &err);
	return reply_done(req, r, &err);
}

static int container_restart(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	int r = 0;
	if (!api_container_id(req, &id))
		return 0;
	if (is_running(req, id))
		r = berth_container_stop(api_req_store(req), id, stop_timeout(req), &err);
	if (r >= 0)
		r = berth_container_start(api_req_store(req), id, &err);
	return reply_done(req, r, &err);
}

static int container_kill(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	const char *s = api_req_query(req, "signal");
	int sig = s && *s ? berth_runspec_parse_signal(s) : SIGKILL;
	if (sig <= 0)
		return api_reply_error(req, 400, "invalid signal: %s", s);
	if (!api_container_id(req, &id))
		return 0;
	if (!is_running(req, id))
		return api_reply_error(req, 409, "Container %s is not running", id);
	int r = berth_container_kill(api_req_store(req), id, sig, &err);
	return reply_done(req, r, &err);
}

static int container_wait(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	const char *cond = api_req_query(req, "condition");
	enum berth_wait_condition c = BERTH_WAIT_NOT_RUNNING;
	int code = 0;
	if (cond && strcmp(cond, "next-exit") == 0)
		c = BERTH_WAIT_NEXT_EXIT;
	else if (cond && strcmp(cond, "removed") == 0)
		c = BERTH_WAIT_REMOVED;
	else if (cond && *cond && strcmp(cond, "not-running") != 0)
		return api_reply_error(req, 400, "invalid condition: \"%s\"", cond);
	if (!api_container_id(req, &id))
		return 0;
	/*
	 * The status and headers go out before the wait, as dockerd flushes
	 * them: the docker CLI's `run` waits for them before it starts the
	 * container, so a reply held until the exit never lets it start.
	 * A failure after that is the body's Error, as Docker's.
	 */
	if (api_stream_begin(req, 200, "application/json") < 0)
		return 0;
	/*
	 * In steps of a second, so that a client that left (or the service
	 * stopping) ends the wait; a step's last look is its return, so an exit
	 * falls in one step or the next. A record gone after the first step was
	 * removed while waited for.
	 */
	int r, steps = 0;
	while ((r = berth_container_wait_for(api_req_store(req), id, c, 1000, &code, &err)) ==
	       -ETIMEDOUT) {
		berth_error_free(&err);
		steps++;
		if (api_req_gone(req))
			return 0;
	}
	if (r == -ENOENT && steps > 0 && c == BERTH_WAIT_REMOVED) {
		berth_error_free(&err);
		r = 0;
	}
	json_t *error = r < 0 ? json_pack("{s:s}", "Message", berth_error_msg(err) ?: strerror(-r))
			      : json_null();
	berth_error_free(&err);
	api_stream_json(req,
			json_pack("{s:i, s:o}", "StatusCode", r < 0 ? 0 : code, "Error", error));
	return 0;
}

static int container_remove(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	bool force = api_req_query_bool(req, "force", false);
	if (!api_container_id(req, &id))
		return 0;
	if (!force && is_running(req, id))
		return api_reply_error(req, 409,
				       "You cannot remove a running container %s. Stop the "
				       "container before attempting removal or force remove",
				       id);
	/* anonymous volumes go with the record whatever ?v= says, as `berth rm` */
	int r = berth_container_remove(api_req_store(req), id, force, &err);
	return reply_done(req, r, &err);
}

static int container_rename(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	const char *name = api_req_query(req, "name");
	if (!name || !*name)
		return api_reply_error(req, 400, "Neither old nor new names may be empty");
	if (!api_container_id(req, &id))
		return 0;
	int r = berth_container_rename(api_req_store(req), id, name[0] == '/' ? name + 1 : name,
				       &err);
	return reply_done(req, r, &err);
}

static int container_pause(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	if (!api_container_id(req, &id))
		return 0;
	return reply_done(req, berth_container_pause(api_req_store(req), id, &err), &err);
}

static int container_unpause(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	if (!api_container_id(req, &id))
		return 0;
	return reply_done(req, berth_container_unpause(api_req_store(req), id, &err), &err);
}

/* A filters argument of Docker's form ({"key": {"value": true}}) that holds any. */
static bool filters_given(struct api_req *req)
{
	const char *f = api_req_query(req, "filters");
	_cleanup_json_ json_t *j = f ? json_loads(f, 0, NULL) : NULL;
	const char *k;
	json_t *v;
	json_object_foreach (j, k, v)
		if (json_object_size(v) > 0 || json_array_size(v) > 0)
			return true;
	return false;
}

static int container_prune(struct api_req *req)
{
	_cleanup_strv_free_ char **removed = NULL;
	struct berth_error *err = NULL;
	uint64_t bytes = 0;
	if (filters_given(req))
		return api_reply_error(req, 501, "container prune: filters are not supported yet");
	int r = berth_container_prune(api_req_store(req), &removed, &bytes, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200,
			      json_pack("{s:o, s:I}", "ContainersDeleted", berth_json_strv(removed),
					"SpaceReclaimed", (json_int_t)bytes));
}

/* ?h=&w=: the terminal of a container started with one, as the CLI's console sizes it. */
static int container_resize(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	const char *h = api_req_query(req, "h"), *w = api_req_query(req, "w");
	char *end_h = NULL, *end_w = NULL;
	unsigned long rows = h ? strtoul(h, &end_h, 10) : 0, cols = w ? strtoul(w, &end_w, 10) : 0;
	if (!h || !w || *end_h || *end_w || end_h == h || end_w == w)
		return api_reply_error(req, 400, "resize: h and w must be numbers");
	if (!api_container_id(req, &id))
		return 0;
	if (!is_running(req, id))
		return api_reply_error(req, 409, "Container %s is not running", id);
	int r = berth_container_resize(api_req_store(req), id, rows > 0xffff ? 0 : (unsigned)rows,
				       cols > 0xffff ? 0 : (unsigned)cols, &err);
	if (r == -ENOTTY) {
		api_reply_error(req, 409, "%s", berth_error_msg(err));
		berth_error_free(&err);
		return 0;
	}
	return r < 0 ? api_reply_berror(req, &err) : api_reply_empty(req, 200);
}

const struct api_route api_routes_containers[] = {
	{"GET", "/containers/json", API_BODY_NONE, api_container_list},
	{"POST", "/containers/create", API_BODY_JSON, container_create},
	{"POST", "/containers/prune", API_BODY_NONE, container_prune},
	{"GET", "/containers/{}/json", API_BODY_NONE, api_container_inspect},
	{"GET", "/containers/{}/top", API_BODY_NONE, api_container_top},
	{"GET", "/containers/{}/logs", API_BODY_NONE, api_container_logs},
	{"GET", "/containers/{}/changes", API_BODY_NONE, api_container_changes},
	{"GET", "/containers/{}/export", API_BODY_NONE, api_container_export},
	{"GET", "/containers/{}/stats", API_BODY_NONE, api_container_stats},
	{"POST", "/containers/{}/resize", API_BODY_NONE, container_resize},
	{"POST", "/containers/{}/start", API_BODY_NONE, container_start},
	{"POST", "/containers/{}/stop", API_BODY_NONE, container_stop},
	{"POST", "/containers/{}/restart", API_BODY_NONE, container_restart},
	{"POST", "/containers/{}/kill", API_BODY_NONE, container_kill},
	{"POST", "/containers/{}/rename", API_BODY_NONE, container_rename},
	{"POST", "/containers/{}/pause", API_BODY_NONE, container_pause},
	{"POST", "/containers/{}/unpause", API_BODY_NONE, container_unpause},
	{"POST", "/containers/{}/attach", API_BODY_NONE, api_container_attach},
	{"POST", "/containers/{}/wait", API_BODY_NONE, container_wait},
	{"DELETE", "/containers/{}", API_BODY_NONE, container_remove},
	{"HEAD", "/containers/{}/archive", API_BODY_NONE, api_container_archive_head},
	{"GET", "/containers/{}/archive", API_BODY_NONE, api_container_archive_get},
	{"PUT", "/containers/{}/archive", API_BODY_FILE, api_container_archive_put},
	{0},
};
