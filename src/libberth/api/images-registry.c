/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /images/create (pull, of one tag or of all: Docker's pull -a) and
 * POST /images/{name}/push: the registry library's berth_registry_pull_with
 * / berth_registry_push_with, as `berth pull` and `berth push` call them,
 * with the credentials of X-Registry-Auth and their progress reports turned
 * into Docker's JSON message stream (status, id, progressDetail, progress).
 *
 * The stream begins with the first report: a failure before it (a bad
 * reference, a missing image) is a plain error reply with its status, as
 * Docker's daemon answers; after it, the failure is an errorDetail message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/images-params.h"
#include "api/images-routes.h"
#include "api/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/progress.h"
#include "core/strv.h"
#include "image/image.h"
#include "registry/registry.h"

struct stream {
	struct api_req *req;
	bool push;
	bool begun, gone;
	char **ids;	  /* per item: its short ID */
	uint64_t *totals; /* per item */
	uint64_t *shown;  /* per item: the bytes of the last update sent */
	size_t n;
	/* Docker's "Pulling from": sent with the first report, so that a pull
	 * failing before it (no such tag) is still a plain error reply */
	json_t *pending;
};

static void send(struct stream *st, json_t *msg)
{
	if (st->pending) {
		json_t *first = st->pending;
		st->pending = NULL;
		send(st, first);
	}
	if (st->gone) {
		json_decref(msg);
		return;
	}
	if (!st->begun) {
		st->begun = true;
		api_stream_begin(st->req, 200, "application/json");
	}
	if (api_stream_json(st->req, msg) < 0)
		st->gone = true; /* the client went: the transfer finishes for the store */
}

static void send_status(struct stream *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void send_status(struct stream *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text)
		send(st, api_progress_message(text, NULL, 0, 0));
}

static void on_start(void *data, int item, const char *label, uint64_t total)
{
	struct stream *st = data;
	if (item < 0)
		return;
	while ((size_t)item >= st->n) {
		st->ids = berth_xreallocarray(st->ids, st->n + 2, sizeof(char *));
		st->totals = berth_xreallocarray(st->totals, st->n + 1, sizeof(uint64_t));
		st->shown = berth_xreallocarray(st->shown, st->n + 1, sizeof(uint64_t));
		st->ids[st->n] = NULL;
		st->totals[st->n] = st->shown[st->n] = 0;
		st->ids[++st->n] = NULL;
	}
	free(st->ids[item]);
	st->ids[item] = berth_xstrdup(label);
	st->totals[item] = total;
	send(st, api_progress_message(st->push ? "Preparing" : "Pulling fs layer", label, 0, 0));
}

static void on_set_total(void *data, int item, uint64_t total)
{
	struct stream *st = data;
	if (item >= 0 && (size_t)item < st->n)
		st->totals[item] = total;
}

/* At most about a hundred updates per item: each is a message to the client. */
static void on_update(void *data, int item, uint64_t current)
{
	struct stream *st = data;
	if (item < 0 || (size_t)item >= st->n)
		return;
	uint64_t total = st->totals[item], step = total ? total / 100 : 1u << 20;
	if (current < st->shown[item] + step && current != total)
		return;
	st->shown[item] = current;
	send(st, api_progress_message(st->push ? "Pushing" : "Downloading", st->ids[item], current,
				      total));
}

/* The library's item statuses in Docker's words. */
static const char *done_status(bool push, const char *status)
{
	static const struct {
		const char *ours, *pull, *push;
	} words[] = {
		{"done", "Pull complete", "Pushed"},
		{"exists", "Already exists", "Layer already exists"},
		{"pushed", "Pull complete", "Pushed"},
		{"mounted", "Already exists", "Mounted from another repository"},
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(status ? status : "done", words[i].ours) == 0)
			return push ? words[i].push : words[i].pull;
	return NULL; /* "error", "compressed": nothing Docker shows */
}

static void on_done(void *data, int item, const char *status)
{
	struct stream *st = data;
	const char *word = done_status(st->push, status);
	if (item >= 0 && (size_t)item < st->n && word)
		send(st, api_progress_message(word, st->ids[item], 0, 0));
}

static void on_line(void *data, const char *text)
{
	send(data, api_progress_message(text, NULL, 0, 0));
}

static const struct berth_progress_ops stream_ops = {
	.start = on_start,
	.set_total = on_set_total,
	.update = on_update,
	.done = on_done,
	.line = on_line,
};

static void stream_release(struct stream *st)
{
	json_decref(st->pending);
	berth_strv_free(st->ids);
	free(st->totals);
	free(st->shown);
}

/* The end of an operation: an error reply before the stream, an errorDetail in it. */
static int finish(struct stream *st, int r, struct berth_error **err)
{
	if (r >= 0)
		return 0;
	if (!st->begun)
		return api_reply_conflict_or_berror(st->req, err);
	send(st, api_stream_error_message(berth_error_msg(*err)));
	berth_error_free(err);
	return 0;
}

/*
 * X-Registry-Auth: the client's login for this one operation (Docker's
 * clients keep their logins and send them each time); a header without
 * credentials leaves the service's stored ones (`berth login` on its host).
 * *ret is released by the caller whatever the result.
 */
static int request_auth(struct api_req *req, struct api_registry_auth *ret, bool *ret_has,
			struct berth_registry_credentials *ret_creds, struct berth_error **err)
{
	int r = api_registry_auth_parse(api_req_header(req, "X-Registry-Auth"), ret, err);
	if (r < 0)
		return r;
	*ret_has = api_registry_auth_credentials(ret, ret_creds);
	return 0;
}

/* The reference fromImage and tag name: "x" "1" -> x:1, "x" "sha256:..." -> x@sha256:... */
static char *pull_reference(const char *image, const char *tag)
{
	if (!tag || !*tag)
		return berth_xstrdup(image);
	return berth_xasprintf("%s%s%s", image, strncmp(tag, "sha256:", 7) == 0 ? "@" : ":", tag);
}

/* Does image name a tag or a digest itself ("x:1", "h:5000/x@sha256:…"), or only a repository? */
static bool names_version(const char *image)
{
	const char *slash = strrchr(image, '/');
	return strchr(image, '@') || strchr(slash ? slash : image, ':');
}

/* One tag (or digest) of a pull: Docker's "TAG: Pulling from REPO", the layers, the digest. */
static int pull_one(struct api_req *req, struct stream *st, const char *ref,
		    const struct berth_registry_pull_options *po, struct berth_error **err)
{
	struct berth_image_ref parsed;
	if (berth_image_ref_parse(ref, &parsed, NULL) >= 0) {
		_cleanup_free_ char *repo = berth_image_ref_repository(&parsed);
		_cleanup_free_ char *familiar = berth_image_familiar_repository(repo);
		char hex[BERTH_DIGEST_STRLEN + 1];
		const char *id = parsed.tag ? parsed.tag : berth_digest_fmt(&parsed.digest, hex);
		_cleanup_free_ char *text = berth_xasprintf("Pulling from %s", familiar);
		json_decref(st->pending);
		st->pending = api_progress_message(text, id, 0, 0);
		berth_image_ref_release(&parsed);
	}
	struct berth_progress *p = berth_progress_new(&stream_ops, st);
	struct berth_digest d;
	int r = berth_registry_pull_with(api_req_store(req), ref, api_req_query(req, "platform"),
					 po, p, &d, err);
	berth_progress_free(p);
	if (r >= 0) {
		char hex[BERTH_DIGEST_STRLEN + 1];
		send_status(st, "Digest: %s", berth_digest_fmt(&d, hex));
	}
	return r;
}

/*
 * No tag in fromImage nor in tag: every tag of the repository, as Docker's
 * daemon pulls for `docker pull -a` (the registry's tag list, in its order).
 */
static int pull_all_tags(struct api_req *req, struct stream *st, const char *repo,
			 const struct berth_registry_pull_options *po, struct berth_error **err)
{
	_cleanup_strv_free_ char **tags = NULL;
	int r = berth_registry_list_tags(repo, po->credentials, &tags, err);
	if (r < 0)
		return r;
	if (!tags || !tags[0])
		return berth_error_set(err, ENOENT, "repository '%s' has no tags", repo);
	BERTH_STRV_FOREACH (t, tags) {
		_cleanup_free_ char *ref = berth_xasprintf("%s:%s", repo, *t);
		r = pull_one(req, st, ref, po, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int api_images_create(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *image = api_req_query(req, "fromImage");
	const char *tag = api_req_query(req, "tag");
	if (api_req_query(req, "fromSrc"))
		return api_reply_error(req, 501, "import (fromSrc) is not supported yet");
	if (!image || !*image)
		return api_reply_error(req, 400, "fromImage must be given");
	_cleanup_(api_registry_auth_release) struct api_registry_auth auth = {0};
	struct berth_registry_credentials creds;
	bool has_creds = false;
	int r = request_auth(req, &auth, &has_creds, &creds, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	if (api_writes_begin(req, &err) < 0)
		return api_reply_berror(req, &err);
	struct berth_registry_pull_options po = {.credentials = has_creds ? &creds : NULL};
	bool all = (!tag || !*tag) && !names_version(image);
	_cleanup_free_ char *ref = pull_reference(image, tag);
	struct stream st = {.req = req};
	if (all)
		r = pull_all_tags(req, &st, ref, &po, &err);
	else
		r = pull_one(req, &st, ref, &po, &err);
	api_writes_done(req);
	if (r >= 0) {
		struct berth_image_ref parsed;
		_cleanup_free_ char *shown = NULL;
		if (all && berth_image_ref_parse(ref, &parsed, NULL) >= 0) {
			_cleanup_free_ char *repo = berth_image_ref_repository(&parsed);
			shown = berth_image_familiar_repository(repo);
			berth_image_ref_release(&parsed);
		}
		send_status(&st, "Status: Downloaded newer image for %s", shown ? shown : ref);
	}
	r = finish(&st, r, &err);
	stream_release(&st);
	return r;
}

int api_images_push(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *name = api_req_param(req, 0);
	const char *tag = api_req_query(req, "tag");
	_cleanup_(api_registry_auth_release) struct api_registry_auth auth = {0};
	struct berth_registry_credentials creds;
	bool has_creds = false;
	int r = request_auth(req, &auth, &has_creds, &creds, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	_cleanup_free_ char *src =
		tag && *tag ? berth_xasprintf("%s:%s", name, tag) : berth_xstrdup(name);
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	r = berth_image_resolve(api_req_store(req), src, &img, &err);
	if (r >= 0)
		r = api_writes_begin(req, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	struct stream st = {.req = req, .push = true};
	struct berth_image_ref ref;
	if (berth_image_ref_parse(src, &ref, NULL) >= 0) {
		_cleanup_free_ char *repo = berth_image_ref_repository(&ref);
		_cleanup_free_ char *familiar = berth_image_familiar_repository(repo);
		send_status(&st, "The push refers to repository [%s]", familiar);
		berth_image_ref_release(&ref);
	}
	struct berth_progress *p = berth_progress_new(&stream_ops, &st);
	struct berth_registry_push_options po = {.compression = BERTH_COMPRESSION_GZIP,
						 .credentials = has_creds ? &creds : NULL};
	struct berth_digest d;
	r = berth_registry_push_with(api_req_store(req), src, NULL, &po, p, &d, &err);
	berth_progress_free(p);
	api_writes_done(req);
	if (r >= 0) {
		char hex[BERTH_DIGEST_STRLEN + 1];
		berth_digest_fmt(&d, hex);
		const char *t = tag && *tag ? tag : "latest";
		send_status(&st, "%s: digest: %s", t, hex);
		send(&st, json_pack("{s:{}, s:{s:s, s:s}}", "progressDetail", "aux", "Tag", t,
				    "Digest", hex));
	}
	r = finish(&st, r, &err);
	stream_release(&st);
	return r;
}
