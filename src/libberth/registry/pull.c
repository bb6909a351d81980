/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strv.h"
#include "image/image.h"
#include "registry/internal.h"
#include "store/store.h"

/*
 * Pull: manifest (platform picked from an index), config, then the layers
 * the store lacks, several at a time. Every blob streams into a store blob
 * writer that hashes as it writes; the commit compares with the descriptor's
 * digest and a mismatch leaves nothing behind. The manifest is written last,
 * byte-for-byte as served, and only then tagged: an interrupted pull never
 * leaves a tag on an incomplete image.
 */

/*
 * curl hands over at most 16 KiB at a time: gather it into bigger writes.
 * Everything handed to st_write counts as written (resume offsets depend on
 * it); the buffer is flushed before the size check and the commit.
 */
#define WRITE_BUF (1u << 20)

struct store_target {
	struct berth_store *store;
	struct berth_blob_writer *w;
	char *buf;
	size_t len;
};

static int st_flush(struct store_target *t, struct berth_error **err)
{
	if (t->len == 0)
		return 0;
	int r = berth_blob_writer_write(t->w, t->buf, t->len, err);
	t->len = 0;
	return r;
}

static int st_write(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	struct store_target *t = ctx;
	if (t->len + len > WRITE_BUF) {
		int r = st_flush(t, err);
		if (r < 0)
			return r;
		if (len >= WRITE_BUF)
			return berth_blob_writer_write(t->w, data, len, err);
	}
	memcpy(t->buf + t->len, data, len);
	t->len += len;
	return 0;
}

static int st_reset(void *ctx, struct berth_error **err)
{
	struct store_target *t = ctx;
	t->len = 0;
	berth_blob_writer_abort(TAKE_PTR(t->w));
	return berth_store_blob_begin(t->store, &t->w, err);
}

static void short_id(const struct berth_digest *d, char out[13])
{
	char hex[65];
	berth_digest_hex(d, hex);
	memcpy(out, hex, 12);
	out[12] = '\0';
}

/*
 * Fetches blob d (size 0: unknown) into the store, verified on commit. With
 * a batch the blob is published by berth_blob_batch_commit, else at once.
 */
static int fetch_to_store(struct registry *r, struct berth_store *store,
			  struct berth_blob_batch *batch, const struct berth_digest *d,
			  uint64_t size, struct berth_progress *p, struct berth_error **err)
{
	char id[13], hex[BERTH_DIGEST_STRLEN + 1];
	short_id(d, id);
	berth_digest_fmt(d, hex);
	if (berth_store_blob_exists(store, d)) {
		int item = berth_progress_start(p, id, size);
		berth_progress_done(p, item, "exists");
		return 0;
	}
	struct store_target st = {.store = store};
	int res = berth_store_blob_begin(store, &st.w, err);
	if (res < 0)
		return res;
	_cleanup_free_ char *buf = berth_xmalloc(WRITE_BUF);
	st.buf = buf;
	int item = berth_progress_start(p, id, size);
	struct blob_target t = {
		.write = st_write, .reset = st_reset, .ctx = &st, .progress = p, .item = item};
	res = registry_get_blob(r, d, size, &t, err);
	if (res >= 0)
		res = st_flush(&st, err);
	if (res >= 0 && size && berth_blob_writer_size(st.w) != size)
		res = berth_error_set(err, EBADMSG,
				      "blob %s has %" PRIu64 " bytes, its descriptor says %" PRIu64,
				      hex, berth_blob_writer_size(st.w), size);
	if (res < 0) {
		berth_blob_writer_abort(TAKE_PTR(st.w));
		berth_progress_done(p, item, "error");
		return res;
	}
	if (batch)
		res = berth_blob_batch_add(batch, TAKE_PTR(st.w), d, NULL, NULL, err);
	else
		res = berth_blob_writer_commit(TAKE_PTR(st.w), d, NULL, NULL, err);
	if (res < 0) {
		berth_progress_done(p, item, "error");
		if (res == -EBADMSG)
			return berth_error_set(err, EBADMSG,
					       "blob %s from '%s/%s' does not match its digest: "
					       "discarded",
					       hex, r->domain, r->repo);
		return res;
	}
	berth_progress_done(p, item, "done");
	return 0;
}

/*
 * Resolves the reference to an image manifest: by digest or tag, through
 * an index when the registry serves one.
 */
static int resolve_manifest(struct registry *r, const struct berth_image_ref *ref,
			    const char *platform, char **ret, size_t *ret_len, char **ret_mt,
			    struct berth_digest *ret_digest, struct berth_digest *ret_tag_digest,
			    struct berth_error **err)
{
	_cleanup_free_ char *data = NULL, *mt = NULL;
	size_t len = 0;
	struct berth_digest d;
	char want[BERTH_DIGEST_STRLEN + 1];
	const char *reference = ref->has_digest ? berth_digest_fmt(&ref->digest, want) : ref->tag;
	int res = registry_get_manifest(r, reference, &data, &len, &mt, &d, err);
	if (res < 0)
		return res;
	if (ret_tag_digest) /* the index's for a multi-platform tag, as Docker's RepoDigests */
		*ret_tag_digest = d;
	if (berth_media_type_is_index(mt)) {
		const char *plat = platform ? platform : berth_registry_host_platform();
		struct berth_digest child;
		_cleanup_free_ char *child_mt = NULL;
		res = registry_index_select(data, len, plat, &child, &child_mt, err);
		if (res < 0)
			return res;
		char hex[BERTH_DIGEST_STRLEN + 1];
		free(data);
		free(mt);
		data = mt = NULL;
		berth_digest_fmt(&child, hex);
		berth_debug("platform %s: manifest %s", plat, hex);
		res = registry_get_manifest(r, hex, &data, &len, &mt, &d, err);
		if (res < 0)
			return res;
		if (berth_media_type_is_index(mt))
			return berth_error_set(err, EBADMSG,
					       "an index inside an index is not supported");
	}
	*ret = TAKE_PTR(data);
	*ret_len = len;
	*ret_mt = TAKE_PTR(mt);
	*ret_digest = d;
	return 0;
}

struct pull_ctx {
	struct registry *r;
	struct berth_store *store;
	struct berth_blob_batch *batch;
	const struct berth_manifest *m;
	struct berth_progress *p;
};

/* Job 0 is the config, job i the layer i-1: the config does not wait in front. */
static int pull_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct pull_ctx *c = ctx;
	if (i == 0)
		return fetch_to_store(c->r, c->store, c->batch, &c->m->config.digest,
				      c->m->config.size, NULL, err);
	const struct berth_descriptor *l = &c->m->layers[i - 1];
	return fetch_to_store(c->r, c->store, c->batch, &l->digest, l->size, c->p, err);
}

int registry_prefix_ref(struct berth_error **err, const char *what, const char *refstr)
{
	_cleanup_free_ char *shown = berth_image_ref_redact(refstr);
	return berth_error_prefix(err, "%s '%s'", what, shown);
}

static const char *const sbom_types[] = {BERTH_MT_SPDX_JSON, BERTH_MT_CYCLONEDX_JSON, NULL};

static int do_pull(struct berth_store *store, const char *refstr, const char *platform,
		   const struct berth_registry_pull_options *o, struct berth_progress *p,
		   struct berth_digest *ret_digest, struct berth_error **err)
{
	struct berth_image_ref ref = {0};
	int res = berth_image_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	_cleanup_free_ char *manifest = NULL, *mt = NULL, *name = NULL;
	size_t len = 0;
	struct berth_digest md, tag_digest;
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = NULL;
	_cleanup_(berth_blob_batch_freep) struct berth_blob_batch *batch = NULL;
	res = registry_open(ref.domain, ref.path, &r, err);
	if (res < 0)
		goto out;
	registry_use_credentials(r, o ? o->credentials : NULL);
	res = resolve_manifest(r, &ref, platform, &manifest, &len, &mt, &md, &tag_digest, err);
	if (res < 0)
		goto out;
	res = berth_manifest_parse(manifest, len, mt, &m, err);
	if (res < 0)
		goto out;
	if (m->config.size > CONFIG_MAX) {
		res = berth_error_set(err, EBADMSG, "image config is larger than %u bytes",
				      CONFIG_MAX);
		goto out;
	}
	batch = berth_blob_batch_new(store);
	struct pull_ctx c = {.r = r, .store = store, .batch = batch, .m = m, .p = p};
	res = registry_run_parallel(m->n_layers + 1, pull_blob, &c, err);
	if (res < 0)
		goto out;
	/* the manifest joins the batch: one round of fsyncs for everything */
	struct berth_blob_writer *mw = NULL;
	res = berth_store_blob_begin(store, &mw, err);
	if (res < 0)
		goto out;
	res = berth_blob_writer_write(mw, manifest, len, err);
	if (res < 0) {
		berth_blob_writer_abort(mw);
		goto out;
	}
	res = berth_blob_batch_add(batch, mw, &md, NULL, NULL, err);
	if (res < 0)
		goto out;
	/* every blob durable before the tag that references them */
	res = berth_blob_batch_commit(batch, err);
	if (res < 0)
		goto out;
	/* its SBOM before the tag: a refused one leaves no image named */
	if (o && o->with_sbom) {
		res = registry_pull_referrers(r, store, &md, sbom_types, err);
		if (res < 0) {
			berth_error_prefix(err, "SBOM");
			goto out;
		}
	}
	/* the store's name for the reference, exactly as image/ forms it */
	name = berth_image_ref_name(&ref);
	res = berth_store_ref_set(store, name, mt, &md, len, err);
	if (res < 0)
		goto out;
	/* its digest is the registry's: Docker's RepoDigests shows it */
	char td[BERTH_DIGEST_STRLEN + 1];
	res = berth_store_ref_annotate(store, name, BERTH_REF_REPO_DIGEST_ANNOTATION,
				       berth_digest_fmt(&tag_digest, td), err);
	if (res < 0)
		goto out;
	if (ret_digest)
		*ret_digest = md;
out:
	berth_image_ref_release(&ref);
	return res;
}

int berth_registry_pull(struct berth_store *store, const char *ref, const char *platform,
			struct berth_progress *progress, struct berth_digest *ret_digest,
			struct berth_error **err)
{
	return berth_registry_pull_with(store, ref, platform, NULL, progress, ret_digest, err);
}

int berth_registry_pull_with(struct berth_store *store, const char *ref, const char *platform,
			     const struct berth_registry_pull_options *o,
			     struct berth_progress *progress, struct berth_digest *ret_digest,
			     struct berth_error **err)
{
	int res = do_pull(store, ref, platform, o, progress, ret_digest, err);
	if (res < 0)
		return registry_prefix_ref(err, "pull", ref);
	registry_image_event(store, "pull", ref);
	return 0;
}

void registry_image_event(struct berth_store *store, const char *action, const char *refstr)
{
	/* Docker's actor is the reference in its familiar form: "alpine:latest" */
	struct berth_image_ref ref = {0};
	if (berth_image_ref_parse(refstr, &ref, NULL) < 0)
		return;
	_cleanup_free_ char *full = berth_image_ref_name(&ref), *repo = NULL, *tag = NULL;
	berth_image_ref_release(&ref);
	berth_image_name_split(full, &repo, &tag);
	const char *at = strchr(full, '@');
	_cleanup_free_ char *familiar =
		at ? berth_xasprintf("%s%s", repo, at) : berth_xasprintf("%s:%s", repo, tag);
	berth_event_emit(berth_store_root_path(store), "image", action, familiar,
			 (const char *[]){"name", familiar, NULL});
}

int berth_registry_fetch_blob(struct berth_store *store, const char *refstr,
			      const struct berth_digest *digest, struct berth_progress *progress,
			      struct berth_error **err)
{
	struct berth_image_ref ref = {0};
	int res = berth_image_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	res = registry_open(ref.domain, ref.path, &r, err);
	if (res >= 0)
		res = fetch_to_store(r, store, NULL, digest, 0, progress, err);
	berth_image_ref_release(&ref);
	if (res < 0)
		return registry_prefix_ref(err, "fetch blob from", refstr);
	return 0;
}

void berth_registry_image_free(struct berth_registry_image *img)
{
	if (!img)
		return;
	free(img->manifest);
	free(img->media_type);
	free(img->config);
	free(img);
}

int berth_registry_fetch_image(const char *refstr, const char *platform,
			       struct berth_registry_image **ret, struct berth_error **err)
{
	struct berth_image_ref ref = {0};
	int res = berth_image_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	struct berth_registry_image *img = berth_xcalloc(1, sizeof(*img));
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = NULL;
	res = registry_open(ref.domain, ref.path, &r, err);
	if (res >= 0)
		res = resolve_manifest(r, &ref, platform, &img->manifest, &img->manifest_len,
				       &img->media_type, &img->manifest_digest, NULL, err);
	if (res >= 0)
		res = berth_manifest_parse(img->manifest, img->manifest_len, img->media_type, &m,
					   err);
	if (res >= 0)
		res = registry_get_blob_mem(r, &m->config.digest, CONFIG_MAX, &img->config,
					    &img->config_len, err);
	if (res >= 0)
		img->config_digest = m->config.digest;
	berth_image_ref_release(&ref);
	if (res < 0) {
		berth_registry_image_free(img);
		return registry_prefix_ref(err, "fetch image", refstr);
	}
	*ret = img;
	return 0;
}

/*
 * The target of a `Link: <URL>; rel="next"` header, as a path for
 * registry_request: relative, or absolute on the registry itself (a token is
 * never sent to another host). NULL when there is no next page.
 */
static int next_page(struct registry *r, const char *link, char **ret, struct berth_error **err)
{
	*ret = NULL;
	if (!link)
		return 0;
	const char *lt = strchr(link, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || !strstr(gt, "rel=\"next\""))
		return 0;
	_cleanup_free_ char *target = berth_xstrndup(lt + 1, (size_t)(gt - lt - 1));
	if (target[0] == '/' && target[1] != '/') {
		*ret = TAKE_PTR(target);
		return 0;
	}
	_cleanup_free_ char *self = berth_xasprintf("%s://%s/", r->scheme, r->host);
	if (strncmp(target, self, strlen(self)) == 0) {
		*ret = berth_xstrdup(target + strlen(self) - 1);
		return 0;
	}
	return berth_error_set(err, EBADMSG, "tag list of '%s' links to another host", r->domain);
}

#define TAG_PAGES_MAX 10000

int berth_registry_list_tags(const char *refstr, const struct berth_registry_credentials *creds,
			     char ***ret, struct berth_error **err)
{
	struct berth_image_ref ref = {0};
	int res = berth_image_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	_cleanup_(berth_strv_freep) char **tags = berth_xcalloc(1, sizeof(char *));
	_cleanup_free_ char *path = berth_xasprintf("/v2/%s/tags/list", ref.path);
	res = registry_open(ref.domain, ref.path, &r, err);
	berth_image_ref_release(&ref);
	if (res >= 0)
		registry_use_credentials(r, creds);
	/* page after page while the registry links to a next one */
	for (unsigned page = 0; res >= 0 && path; page++) {
		if (page == TAG_PAGES_MAX) {
			res = berth_error_set(err, EBADMSG, "more than %u pages of tags",
					      TAG_PAGES_MAX);
			break;
		}
		struct http_request req = {.method = "GET", .body_fd = -1, .max_body = 8u << 20};
		struct http_response resp = {0};
		res = registry_request(r, "pull", NULL, &req, path, &resp, err);
		if (res < 0)
			break;
		if (resp.status != 200) {
			res = registry_status_error(&resp, "list tags", err);
			http_response_release(&resp);
			break;
		}
		_cleanup_json_ json_t *j = NULL;
		res = berth_json_parse(resp.body.buf, resp.body.len, "tag list", &j, err);
		free(TAKE_PTR(path));
		if (res >= 0)
			res = next_page(r, resp.link, &path, err);
		http_response_release(&resp);
		if (res < 0)
			break;
		size_t i;
		json_t *t;
		json_array_foreach (json_object_get(j, "tags"), i, t) {
			if (json_is_string(t))
				berth_strv_push(&tags, json_string_value(t));
		}
	}
	if (res < 0)
		return registry_prefix_ref(err, "list tags of", refstr);
	*ret = TAKE_PTR(tags);
	return 0;
}
