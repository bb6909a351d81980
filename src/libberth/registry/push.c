/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "image/image.h"
#include "registry/internal.h"
#include "store/store.h"

/*
 * Push: every blob of the image (layers and config) is checked with HEAD,
 * mounted from the source repository when both live on the same registry,
 * or uploaded from the store; several at a time. The manifest goes last, so
 * the registry never serves a tag whose blobs are not all there. Indexes
 * push each child manifest (by digest) before themselves.
 */

struct push_ctx {
	struct registry *r;
	struct berth_store *store;
	const char *mount_from; /* repository of the same registry, or NULL */
	struct berth_descriptor *blobs;
	size_t n;
	struct berth_progress *p;
};

static int push_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct push_ctx *c = ctx;
	const struct berth_descriptor *b = &c->blobs[i];
	_cleanup_close_ int fd = -EBADF;
	char hex[BERTH_DIGEST_STRLEN + 1], id[13];
	berth_digest_fmt(&b->digest, hex);
	memcpy(id, hex + 7, 12);
	id[12] = '\0';
	int item = berth_progress_start(c->p, id, b->size);
	int res = registry_blob_exists(c->r, "pull,push", &b->digest, err);
	if (res < 0)
		goto fail;
	if (res > 0) {
		berth_progress_done(c->p, item, "exists");
		return 0;
	}
	if (c->mount_from) {
		res = registry_mount_blob(c->r, &b->digest, c->mount_from, err);
		if (res < 0)
			goto fail;
		if (res > 0) {
			berth_progress_done(c->p, item, "mounted");
			return 0;
		}
	}
	uint64_t size = 0;
	res = berth_store_blob_open(c->store, &b->digest, &fd, &size, err);
	if (res < 0)
		goto fail;
	if (b->size && size != b->size) {
		res = berth_error_set(err, EBADMSG,
				      "blob %s has %" PRIu64 " bytes in the store, its descriptor "
				      "says %" PRIu64,
				      hex, size, b->size);
		goto fail;
	}
	res = registry_upload_blob(c->r, &b->digest, fd, size, c->p, item, err);
	if (res < 0)
		goto fail;
	berth_progress_done(c->p, item, "pushed");
	return 0;
fail:
	berth_progress_done(c->p, item, "error");
	return res;
}

static int push_manifest(struct push_ctx *c, const char *data, size_t len, const char *mt,
			 const char *reference, struct berth_digest *ret, struct berth_error **err);

/* Pushes the blobs of one image manifest, then the manifest under reference. */
static int push_image(struct push_ctx *c, const char *data, size_t len, const char *mt,
		      const char *reference, struct berth_digest *ret, struct berth_error **err)
{
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = NULL;
	int res = berth_manifest_parse(data, len, mt, &m, err);
	if (res < 0)
		return res;
	/* config last among blobs: small, and some registries check layers first */
	size_t n = m->n_layers + 1;
	struct berth_descriptor *blobs = berth_xcalloc(n, sizeof(*blobs));
	for (size_t i = 0; i < m->n_layers; i++)
		blobs[i] = m->layers[i];
	blobs[m->n_layers] = m->config;
	c->blobs = blobs;
	c->n = n;
	res = registry_run_parallel(n, push_blob, c, err);
	free(blobs);
	if (res < 0)
		return res;
	return registry_put_manifest(c->r, reference, mt, data, len, ret, err);
}

static int push_index(struct push_ctx *c, const char *data, size_t len, const char *mt,
		      const char *reference, struct berth_digest *ret, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int res = berth_json_parse(data, len, "image index", &j, err);
	if (res < 0)
		return res;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(j, "manifests"), i, e) {
		const char *ds = json_string_value(json_object_get(e, "digest"));
		const char *cmt = json_string_value(json_object_get(e, "mediaType"));
		struct berth_digest d, got;
		res = berth_digest_parse(ds ? ds : "", &d, err);
		if (res < 0)
			return berth_error_prefix(err, "image index entry %zu", i);
		_cleanup_free_ char *child = NULL;
		size_t clen = 0;
		res = berth_store_blob_read(c->store, &d, MANIFEST_MAX, &child, &clen, err);
		if (res < 0)
			return berth_error_prefix(err, "manifest %s of the index", ds);
		char hex[BERTH_DIGEST_STRLEN + 1];
		berth_digest_fmt(&d, hex);
		res = push_manifest(c, child, clen, cmt ? cmt : MEDIA_OCI_MANIFEST, hex, &got, err);
		if (res < 0)
			return res;
	}
	return registry_put_manifest(c->r, reference, mt, data, len, ret, err);
}

static int push_manifest(struct push_ctx *c, const char *data, size_t len, const char *mt,
			 const char *reference, struct berth_digest *ret, struct berth_error **err)
{
	if (berth_media_type_is_index(mt))
		return push_index(c, data, len, mt, reference, ret, err);
	return push_image(c, data, len, mt, reference, ret, err);
}

/*
 * After a push by tag, Docker's RepoDigests shows REPO@<the registry's
 * digest>, as after a pull: recorded on the store's tag of that name when it
 * names the image pushed (a push to a name that is not a local tag records
 * nothing, as there is no such image name in Docker either).
 */
static int record_repo_digest(struct berth_store *store, const struct berth_image *img,
			      const struct berth_image_ref *dref, const struct berth_digest *pushed,
			      struct berth_error **err)
{
	_cleanup_free_ char *name = berth_image_ref_name(dref);
	struct berth_store_ref ref;
	char dg[BERTH_DIGEST_STRLEN + 1];

	if (berth_store_ref_resolve(store, name, &ref, NULL) < 0)
		return 0;
	bool same = berth_digest_eq(&ref.digest, &img->top_digest);
	berth_store_ref_release(&ref);
	if (!same)
		return 0;
	return berth_store_ref_annotate(store, name, BERTH_REF_REPO_DIGEST_ANNOTATION,
					berth_digest_fmt(pushed, dg), err);
}

static int do_push(struct berth_store *store, const char *src, const char *dest,
		   struct berth_progress *p, struct berth_digest *ret_digest,
		   struct berth_error **err)
{
	struct berth_image_ref sref = {0}, dref = {0};
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_(registry_freep) struct registry *r = NULL;
	_cleanup_free_ char *manifest = NULL;
	size_t len = 0;
	/* the source: a name, an image ID or a digest, as everywhere else */
	int res = berth_image_resolve(store, src, &img, err);
	if (res < 0)
		goto out;
	bool src_is_ref = berth_image_ref_parse(src, &sref, NULL) >= 0;
	if (!dest && !src_is_ref) {
		res = berth_error_set(err, EINVAL, "'%s' is not a name: give the destination too",
				      src);
		goto out;
	}
	res = berth_image_ref_parse(dest ? dest : src, &dref, err);
	if (res < 0)
		goto out;
	res = berth_store_blob_read(store, &img->top_digest, MANIFEST_MAX, &manifest, &len, err);
	if (res < 0)
		goto out;
	res = registry_open(dref.domain, dref.path, &r, err);
	if (res < 0)
		goto out;
	struct push_ctx c = {.r = r, .store = store, .p = p};
	/* blobs pulled from another repository of the same registry can be mounted */
	if (src_is_ref && strcmp(sref.domain, dref.domain) == 0 &&
	    strcmp(sref.path, dref.path) != 0)
		c.mount_from = sref.path;
	char want[BERTH_DIGEST_STRLEN + 1];
	const char *reference = dref.tag ? dref.tag : berth_digest_fmt(&dref.digest, want);
	struct berth_digest pushed;
	res = push_manifest(&c, manifest, len, img->top_media_type, reference, &pushed, err);
	if (res < 0)
		goto out;
	if (dref.tag) {
		res = record_repo_digest(store, img, &dref, &pushed, err);
		if (res < 0)
			goto out;
	}
	if (ret_digest)
		*ret_digest = pushed;
out:
	berth_image_ref_release(&sref);
	berth_image_ref_release(&dref);
	return res;
}

int berth_registry_push(struct berth_store *store, const char *src, const char *dest,
			struct berth_progress *progress, struct berth_digest *ret_digest,
			struct berth_error **err)
{
	int res = do_push(store, src, dest, progress, ret_digest, err);
	if (res < 0)
		return registry_prefix_ref(err, "push", dest ? dest : src);
	registry_image_event(store, "push", dest ? dest : src);
	return 0;
}
