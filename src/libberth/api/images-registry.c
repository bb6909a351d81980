/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /images/create (pull) and POST /images/{name}/push: the registry
 * library's berth_registry_pull / berth_registry_push_with, as `berth pull`
 * and `berth push` call them, with their progress reports turned into
 * Docker's JSON message stream (status, id, progressDetail, progress).
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
};

static void send(struct stream *st, json_t *msg)
{
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

/* X-Registry-Auth with credentials is refused: the registry library reads the stored ones. */
static int check_auth(struct api_req *req, struct berth_error **err)
{
	bool creds = false;
	int r = api_registry_auth_parse(api_req_header(req, "X-Registry-Auth"), &creds, err);
	if (r < 0)
		return r;
	if (creds)
		return berth_error_set(err, ENOTSUP,
				       "credentials in X-Registry-Auth are not supported yet: "
				       "store them with `berth login` on the service's host");
	return 0;
}

/* The reference fromImage and tag name: "x" "1" -> x:1, "x" "sha256:..." -> x@sha256:... */
static char *pull_reference(const char *image, const char *tag)
{
	if (!tag || !*tag)
		return berth_xstrdup(image);
	return berth_xasprintf("%s%s%s", image, strncmp(tag, "sha256:", 7) == 0 ? "@" : ":", tag);
}

int api_images_create(struct api_req *req)
{
	struct berth_error *err = NULL;
	const char *image = api_req_query(req, "fromImage");
	if (api_req_query(req, "fromSrc"))
		return api_reply_error(req, 501, "import (fromSrc) is not supported yet");
	if (!image || !*image)
		return api_reply_error(req, 400, "fromImage must be given");
	int r = check_auth(req, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	if (api_writes_begin(req, &err) < 0)
		return api_reply_berror(req, &err);
	_cleanup_free_ char *ref = pull_reference(image, api_req_query(req, "tag"));
	struct stream st = {.req = req};
	struct berth_progress *p = berth_progress_new(&stream_ops, &st);
	struct berth_digest d;
	r = berth_registry_pull(api_req_store(req), ref, api_req_query(req, "platform"), p, &d,
				&err);
	berth_progress_free(p);
	api_writes_done(req);
	if (r >= 0) {
		char hex[BERTH_DIGEST_STRLEN + 1];
		send_status(&st, "Digest: %s", berth_digest_fmt(&d, hex));
		send_status(&st, "Status: Downloaded newer image for %s", ref);
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
	int r = check_auth(req, &err);
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
	struct berth_registry_push_options po = {.compression = BERTH_COMPRESSION_GZIP};
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
