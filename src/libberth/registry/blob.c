/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs of a registry session: existence, small blobs into memory, large
 * ones streamed to a sink with resume after a cut, and uploads (a mount
 * from another repository first, then a monolithic PUT).
 */
#include <curl/curl.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strv.h"
#include "registry/internal.h"

int registry_blob_exists(struct registry *r, const char *actions, const struct berth_digest *d,
			 struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *path =
		berth_xasprintf("/v2/%s/blobs/%s", r->repo, berth_digest_fmt(d, hex));
	struct http_request req = {.method = "HEAD", .body_fd = -1};
	struct http_response resp = {0};
	int res = registry_request(r, actions, NULL, &req, path, &resp, err);
	if (res < 0)
		return res;
	long st = resp.status;
	http_response_release(&resp);
	if (st == 200)
		return 1;
	if (st == 404)
		return 0;
	return berth_error_set(err, EIO, "HEAD blob %s of '%s/%s': HTTP status %ld", hex, r->domain,
			       r->repo, st);
}

int registry_get_blob_mem(struct registry *r, const struct berth_digest *d, size_t max, char **ret,
			  size_t *ret_len, struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *path =
		berth_xasprintf("/v2/%s/blobs/%s", r->repo, berth_digest_fmt(d, hex));
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = max};
	struct http_response resp = {0};
	int res;
	/* small blobs: follow redirects by hand is not needed, curl does it for GETs */
	for (;;) {
		res = registry_request(r, "pull", NULL, &req, path, &resp, err);
		if (res < 0)
			return res;
		if ((resp.status == 307 || resp.status == 302 || resp.status == 301) &&
		    resp.location) {
			/* a redirect to storage: no Authorization there */
			struct http_request r2 = {.method = "GET",
						  .url = resp.location,
						  .body_fd = -1,
						  .max_body = max};
			struct http_response resp2 = {0};
			res = http_do(&r2, &resp2, err);
			http_response_release(&resp);
			if (res < 0)
				return res;
			resp = resp2;
		}
		break;
	}
	if (resp.status != 200) {
		_cleanup_free_ char *what =
			berth_xasprintf("blob %s of '%s/%s'", hex, r->domain, r->repo);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	struct berth_digest got;
	berth_digest_of(resp.body.buf, resp.body.len, &got);
	if (!berth_digest_eq(&got, d)) {
		http_response_release(&resp);
		return berth_error_set(err, EBADMSG, "blob %s of '%s/%s' does not match its digest",
				       hex, r->domain, r->repo);
	}
	*ret_len = resp.body.len;
	*ret = berth_buf_detach(&resp.body, NULL);
	http_response_release(&resp);
	return 0;
}

/* Blob streaming with resume ------------------------------------------- */

struct resume {
	struct blob_target *t;
	uint64_t written;
	uint64_t size;
	bool started;
	bool range_asked;
};

static int resume_start(struct resume *s, long status, const char *content_range,
			struct berth_error **err)
{
	s->started = true;
	if (status == 206 && s->range_asked) {
		uint64_t start = 0;
		if (!content_range || sscanf(content_range, "bytes %" SCNu64 "-", &start) != 1 ||
		    start != s->written)
			return berth_error_set(err, EBADMSG,
					       "registry resumed at the wrong offset");
		return 0;
	}
	if (s->written > 0) {
		/* the server ignored Range: start over */
		int r = s->t->reset(s->t->ctx, err);
		if (r < 0)
			return r;
		s->written = 0;
	}
	return 0;
}

static int resume_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	struct resume *s = ctx;
	if (s->size && s->written + len > s->size)
		return berth_error_set(
			err, EBADMSG, "blob is larger than its descriptor says (%" PRIu64 " bytes)",
			s->size);
	int r = s->t->write(s->t->ctx, data, len, err);
	if (r < 0)
		return r;
	s->written += len;
	if (s->t->progress)
		berth_progress_update(s->t->progress, s->t->item, s->written);
	return 0;
}

int registry_get_blob(struct registry *r, const struct berth_digest *d, uint64_t size,
		      struct blob_target *t, struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *path =
		berth_xasprintf("/v2/%s/blobs/%s", r->repo, berth_digest_fmt(d, hex));
	struct resume s = {.t = t, .size = size};
	unsigned failures = 0;
	for (;;) {
		_cleanup_free_ char *range = NULL;
		char *headers[2] = {NULL, NULL};
		s.range_asked = s.written > 0;
		s.started = false;
		if (s.range_asked) {
			range = berth_xasprintf("Range: bytes=%" PRIu64 "-", s.written);
			headers[0] = range;
		}
		struct http_request req = {
			.method = "GET",
			.headers = headers,
			.body_fd = -1,
			.sink = resume_sink,
			.sink_ctx = &s,
			.on_start = (int (*)(void *, long, const char *,
					     struct berth_error **))resume_start,
		};
		struct http_response resp = {0};
		uint64_t before = s.written;
		int res = registry_request(r, "pull", NULL, &req, path, &resp, err);
		if (res < 0) {
			if (!http_error_is_transient(res))
				return res;
			/* progress resets the count: a slow but moving transfer goes on */
			if (s.written > before)
				failures = 0;
			if (++failures >= r->retries)
				return berth_error_prefix(
					err, "blob %s: giving up after %u attempts", hex, failures);
			berth_debug("blob %s: %s; resuming at %" PRIu64, hex, berth_error_msg(*err),
				    s.written);
			berth_error_free(err);
			registry_backoff(failures - 1);
			continue;
		}
		long st = resp.status;
		if (st != 200 && st != 206) {
			_cleanup_free_ char *what =
				berth_xasprintf("blob %s of '%s/%s'", hex, r->domain, r->repo);
			res = registry_status_error(&resp, what, err);
			http_response_release(&resp);
			if (st >= 500 && ++failures < r->retries) {
				berth_error_free(err);
				registry_backoff(failures - 1);
				continue;
			}
			return res;
		}
		http_response_release(&resp);
		if (size && s.written < size) {
			if (++failures >= r->retries)
				return berth_error_set(err, EBADMSG,
						       "blob %s ended after %" PRIu64 " of %" PRIu64
						       " bytes",
						       hex, s.written, size);
			continue;
		}
		return 0;
	}
}

/* Uploads --------------------------------------------------------------- */

static char *resolve_location(struct registry *r, const char *loc)
{
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		return berth_xstrdup(loc);
	if (loc[0] == '/')
		return berth_xasprintf("%s://%s%s", r->scheme, r->host, loc);
	return berth_xasprintf("%s://%s/v2/%s/blobs/uploads/%s", r->scheme, r->host, r->repo, loc);
}

static char *with_query(const char *url, const char *kv)
{
	return berth_xasprintf("%s%c%s", url, strchr(url, '?') ? '&' : '?', kv);
}

/* POST an upload session (or a mount); returns the status and *ret_location. */
static int start_upload(struct registry *r, const char *query, const char *mount_from,
			long *ret_status, char **ret_location, struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xasprintf("/v2/%s/blobs/uploads/%s", r->repo, query);
	struct http_request req = {.method = "POST", .body_fd = -1};
	struct http_response resp = {0};
	int res = registry_request(r, "pull,push", mount_from, &req, path, &resp, err);
	if (res < 0)
		return res;
	if (resp.status != 202 && resp.status != 201) {
		_cleanup_free_ char *what =
			berth_xasprintf("start upload to '%s/%s'", r->domain, r->repo);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	if (resp.status == 202 && !resp.location) {
		http_response_release(&resp);
		return berth_error_set(err, EBADMSG, "upload to '%s/%s': no Location in the answer",
				       r->domain, r->repo);
	}
	*ret_status = resp.status;
	*ret_location = resp.location ? resolve_location(r, resp.location) : NULL;
	http_response_release(&resp);
	return 0;
}

int registry_mount_blob(struct registry *r, const struct berth_digest *d, const char *from,
			struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	CURL *esc = curl_easy_init();
	if (!esc)
		berth_oom();
	char *f = curl_easy_escape(esc, from, 0);
	_cleanup_free_ char *q = berth_xasprintf("?mount=%s&from=%s", berth_digest_fmt(d, hex), f);
	curl_free(f);
	curl_easy_cleanup(esc);
	long st = 0;
	_cleanup_free_ char *loc = NULL;
	int res = start_upload(r, q, from, &st, &loc, err);
	if (res < 0)
		return res;
	if (st == 201)
		return 1;
	/* 202: an upload session instead; cancel it so nothing dangles */
	struct http_request req = {.method = "DELETE", .body_fd = -1};
	struct http_response resp = {0};
	if (registry_request(r, "pull,push", NULL, &req, loc, &resp, NULL) >= 0)
		http_response_release(&resp);
	return 0;
}

#define CHUNK_THRESHOLD (256ull << 20)
#define CHUNK_SIZE	(64ull << 20)
/* a blob uploaded while it is made goes in PATCHes of this size */
#define GROWING_CHUNK (8ull << 20)

/* A started upload: where its next request goes, and what it is called in errors. */
struct upload {
	struct registry *r;
	char *loc;
	char hex[BERTH_DIGEST_STRLEN + 1];
	struct berth_progress *progress;
	int item;
};

static int upload_start(struct upload *u, struct berth_error **err)
{
	long st = 0;
	int res = start_upload(u->r, "", NULL, &st, &u->loc, err);
	if (res < 0)
		return res;
	/* a 201 to a plain POST (no mount asked for) carries nothing to upload to */
	if (!u->loc)
		return berth_error_set(err, EBADMSG,
				       "upload blob %s: registry '%s' answered HTTP %ld without a "
				       "Location",
				       u->hex, u->r->domain, st);
	return 0;
}

/*
 * One request of an upload with bytes [off, off + n) of fd as its body:
 * method to url, the answer must be want. *ret_status: the answer's
 * status. A PATCH follows the Location the registry returns.
 */
static int upload_send(struct upload *u, const char *method, const char *url, char **headers,
		       int fd, uint64_t off, uint64_t n, long want, long *ret_status,
		       struct berth_error **err)
{
	struct http_request req = {
		.method = method,
		.headers = headers,
		.has_body = true,
		.body_fd = fd,
		.body_off = off,
		.body_fd_len = n,
		.progress = u->progress,
		.progress_item = u->item,
		.progress_base = off,
	};
	struct http_response resp = {0};
	int res = registry_request(u->r, "pull,push", NULL, &req, url, &resp, err);
	if (res < 0)
		return berth_error_prefix(err, "upload blob %s", u->hex);
	*ret_status = resp.status;
	if (resp.status != want) {
		_cleanup_free_ char *what = berth_xasprintf("upload blob %s", u->hex);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	if (want == 202 && resp.location) {
		free(u->loc);
		u->loc = resolve_location(u->r, resp.location);
	}
	http_response_release(&resp);
	return 0;
}

/* PATCHes bytes [off, off + n) of fd. */
static int upload_patch(struct upload *u, int fd, uint64_t off, uint64_t n, long *ret_status,
			struct berth_error **err)
{
	_cleanup_free_ char *cr =
		berth_xasprintf("Content-Range: %" PRIu64 "-%" PRIu64, off, off + n - 1);
	char *headers[] = {cr, "Content-Type: application/octet-stream", NULL};
	return upload_send(u, "PATCH", u->loc, headers, fd, off, n, 202, ret_status, err);
}

/* The closing PUT ?digest=d with bytes [off, off + n) of fd (n may be 0). */
static int upload_put(struct upload *u, const struct berth_digest *d, int fd, uint64_t off,
		      uint64_t n, struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *kv = berth_xasprintf("digest=%s", berth_digest_fmt(d, dg));
	_cleanup_free_ char *url = with_query(u->loc, kv);
	char *headers[] = {"Content-Type: application/octet-stream", NULL};
	long st = 0;
	return upload_send(u, "PUT", url, headers, fd, off, n, 201, &st, err);
}

int registry_upload_blob(struct registry *r, const struct berth_digest *d, int fd, uint64_t size,
			 struct berth_progress *progress, int item, struct berth_error **err)
{
	struct upload u = {.r = r, .progress = progress, .item = item};
	berth_digest_fmt(d, u.hex);
	int res = upload_start(&u, err);
	uint64_t off = 0;
	uint64_t chunk = registry_settings()->chunk_size;
	uint64_t threshold = chunk ? chunk : CHUNK_THRESHOLD;
	if (chunk == 0)
		chunk = CHUNK_SIZE;
	/* chunked above the threshold: PATCH each range, then the PUT */
	if (__atomic_load_n(&r->no_patch, __ATOMIC_RELAXED))
		threshold = UINT64_MAX;
	while (res >= 0 && size > threshold && off < size) {
		uint64_t n = size - off < chunk ? size - off : chunk;
		long st = 0;
		res = upload_patch(&u, fd, off, n, &st, err);
		off += n;
	}
	if (res >= 0)
		res = upload_put(&u, d, fd, off, size - off, err);
	free(u.loc);
	return res;
}

uint64_t registry_growing_chunk(void)
{
	uint64_t chunk = registry_settings()->chunk_size;
	return chunk ? chunk : GROWING_CHUNK;
}

/* The PATCHes of registry_upload_growing, then its PUT once the blob is whole. */
static int upload_as_it_grows(struct upload *u, int fd, registry_grow_fn grow, void *ctx,
			      struct berth_error **err)
{
	uint64_t chunk = registry_growing_chunk();
	uint64_t off = 0;
	for (;;) {
		bool end = false;
		struct berth_digest d;
		int64_t have = grow(ctx, off + chunk, &end, &d, err);
		if (have < 0)
			return (int)have;
		if (end) {
			berth_digest_fmt(&d, u->hex);
			return upload_put(u, &d, fd, off, (uint64_t)have - off, err);
		}
		long st = 0;
		int res = upload_patch(u, fd, off, chunk, &st, err);
		/* a registry without chunked uploads: the caller sends the blob whole */
		if (res < 0 && off == 0 && (st == 404 || st == 405 || st == 501)) {
			__atomic_store_n(&u->r->no_patch, true, __ATOMIC_RELAXED);
			berth_error_free(err);
			return -EOPNOTSUPP;
		}
		if (res < 0)
			return res;
		off += chunk;
	}
}

int registry_upload_growing(struct registry *r, int fd, registry_grow_fn grow, void *ctx,
			    struct berth_progress *progress, int item, struct berth_error **err)
{
	struct upload u = {.r = r, .progress = progress, .item = item};
	if (__atomic_load_n(&r->no_patch, __ATOMIC_RELAXED))
		return -EOPNOTSUPP;
	snprintf(u.hex, sizeof(u.hex), "being compressed");
	int res = upload_start(&u, err);
	if (res >= 0)
		res = upload_as_it_grows(&u, fd, grow, ctx, err);
	free(u.loc);
	return res;
}
