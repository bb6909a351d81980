/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
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

struct store_target {
	struct berth_store *store;
	struct berth_blob_writer *w;
};

static int st_write(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	struct store_target *t = ctx;
	return berth_blob_writer_write(t->w, data, len, err);
}

static int st_reset(void *ctx, struct berth_error **err)
{
	struct store_target *t = ctx;
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

/* Fetches blob d (size 0: unknown) into the store; verified on commit. */
static int fetch_to_store(struct registry *r, struct berth_store *store,
			  const struct berth_digest *d, uint64_t size, struct berth_progress *p,
			  struct berth_error **err)
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
	int item = berth_progress_start(p, id, size);
	struct blob_target t = {
		.write = st_write, .reset = st_reset, .ctx = &st, .progress = p, .item = item};
	res = registry_get_blob(r, d, size, &t, err);
	if (res >= 0 && size && berth_blob_writer_size(st.w) != size)
		res = berth_error_set(err, EBADMSG,
				      "blob %s has %" PRIu64 " bytes, its descriptor says %" PRIu64,
				      hex, berth_blob_writer_size(st.w), size);
	if (res < 0) {
		berth_blob_writer_abort(TAKE_PTR(st.w));
		berth_progress_done(p, item, "error");
		return res;
	}
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
static int resolve_manifest(struct registry *r, const struct berth_registry_ref *ref,
			    const char *platform, char **ret, size_t *ret_len, char **ret_mt,
			    struct berth_digest *ret_digest, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL, *mt = NULL;
	size_t len = 0;
	struct berth_digest d;
	int res = registry_get_manifest(r, ref->digest ? ref->digest : ref->tag, &data, &len, &mt,
					&d, err);
	if (res < 0)
		return res;
	if (media_type_is_index(mt)) {
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
		if (media_type_is_index(mt))
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
	struct manifest_info *m;
	struct berth_progress *p;
};

static int pull_layer(void *ctx, size_t i, struct berth_error **err)
{
	struct pull_ctx *c = ctx;
	const struct blob_desc *l = &c->m->layers[i];
	return fetch_to_store(c->r, c->store, &l->digest, l->size, c->p, err);
}

static int do_pull(struct berth_store *store, const char *refstr, const char *platform,
		   struct berth_progress *p, struct berth_digest *ret_digest,
		   struct berth_error **err)
{
	struct berth_registry_ref ref = {0};
	int res = berth_registry_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	_cleanup_free_ char *manifest = NULL, *mt = NULL, *name = NULL;
	size_t len = 0;
	struct berth_digest md;
	struct manifest_info m = {0};
	res = registry_open(ref.domain, ref.path, &r, err);
	if (res < 0)
		goto out;
	res = resolve_manifest(r, &ref, platform, &manifest, &len, &mt, &md, err);
	if (res < 0)
		goto out;
	res = manifest_info_parse(manifest, len, mt, &m, err);
	if (res < 0)
		goto out;
	if (m.config.size > CONFIG_MAX) {
		res = berth_error_set(err, EBADMSG, "image config is larger than %u bytes",
				      CONFIG_MAX);
		goto out;
	}
	res = fetch_to_store(r, store, &m.config.digest, m.config.size, NULL, err);
	if (res < 0)
		goto out;
	struct pull_ctx c = {.r = r, .store = store, .m = &m, .p = p};
	res = registry_run_parallel(m.n_layers, pull_layer, &c, err);
	if (res < 0)
		goto out;
	struct berth_digest put;
	res = berth_store_blob_put(store, manifest, len, &put, err);
	if (res < 0)
		goto out;
	/* the store's name for the reference, exactly as image/ forms it */
	struct berth_image_ref iref = {0};
	res = berth_image_ref_parse(refstr, &iref, err);
	if (res < 0)
		goto out;
	name = berth_image_ref_name(&iref);
	berth_image_ref_release(&iref);
	res = berth_store_ref_set(store, name, mt, &md, len, err);
	if (res < 0)
		goto out;
	if (ret_digest)
		*ret_digest = md;
out:
	manifest_info_release(&m);
	berth_registry_ref_release(&ref);
	return res;
}

int berth_registry_pull(struct berth_store *store, const char *ref, const char *platform,
			struct berth_progress *progress, struct berth_digest *ret_digest,
			struct berth_error **err)
{
	int res = do_pull(store, ref, platform, progress, ret_digest, err);
	if (res < 0)
		return berth_error_prefix(err, "pull '%s'", ref);
	return 0;
}

int berth_registry_fetch_blob(struct berth_store *store, const char *refstr,
			      const struct berth_digest *digest, struct berth_progress *progress,
			      struct berth_error **err)
{
	struct berth_registry_ref ref = {0};
	int res = berth_registry_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	res = registry_open(ref.domain, ref.path, &r, err);
	if (res >= 0)
		res = fetch_to_store(r, store, digest, 0, progress, err);
	berth_registry_ref_release(&ref);
	if (res < 0)
		return berth_error_prefix(err, "fetch blob from '%s'", refstr);
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
	struct berth_registry_ref ref = {0};
	int res = berth_registry_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	struct berth_registry_image *img = berth_xcalloc(1, sizeof(*img));
	struct manifest_info m = {0};
	res = registry_open(ref.domain, ref.path, &r, err);
	if (res >= 0)
		res = resolve_manifest(r, &ref, platform, &img->manifest, &img->manifest_len,
				       &img->media_type, &img->manifest_digest, err);
	if (res >= 0)
		res = manifest_info_parse(img->manifest, img->manifest_len, img->media_type, &m,
					  err);
	if (res >= 0)
		res = registry_get_blob_mem(r, &m.config.digest, CONFIG_MAX, &img->config,
					    &img->config_len, err);
	if (res >= 0)
		img->config_digest = m.config.digest;
	manifest_info_release(&m);
	berth_registry_ref_release(&ref);
	if (res < 0) {
		berth_registry_image_free(img);
		return berth_error_prefix(err, "fetch image '%s'", refstr);
	}
	*ret = img;
	return 0;
}

int berth_registry_list_tags(const char *refstr, char ***ret, struct berth_error **err)
{
	struct berth_registry_ref ref = {0};
	int res = berth_registry_ref_parse(refstr, &ref, err);
	if (res < 0)
		return res;
	_cleanup_(registry_freep) struct registry *r = NULL;
	_cleanup_free_ char *path = berth_xasprintf("/v2/%s/tags/list?n=10000", ref.path);
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = 8u << 20};
	struct http_response resp = {0};
	res = registry_open(ref.domain, ref.path, &r, err);
	if (res >= 0)
		res = registry_request(r, "pull", NULL, &req, path, &resp, err);
	berth_registry_ref_release(&ref);
	if (res < 0)
		return berth_error_prefix(err, "list tags of '%s'", refstr);
	if (resp.status != 200) {
		res = registry_status_error(&resp, "list tags", err);
		http_response_release(&resp);
		return res;
	}
	_cleanup_json_ json_t *j = NULL;
	res = berth_json_parse(resp.body.buf, resp.body.len, "tag list", &j, err);
	http_response_release(&resp);
	if (res < 0)
		return res;
	char **tags = berth_xcalloc(1, sizeof(char *));
	size_t i;
	json_t *t;
	json_array_foreach (json_object_get(j, "tags"), i, t) {
		if (json_is_string(t))
			berth_strv_push(&tags, json_string_value(t));
	}
	*ret = tags;
	return 0;
}
