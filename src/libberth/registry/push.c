/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
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
 * Push: a layer the store keeps uncompressed is sent compressed (gzip, or
 * zstd on request) and the manifest pushed names the compressed blobs;
 * every blob of the image (layers and config) is checked with HEAD,
 * mounted from the source repository when both live on the same registry,
 * or uploaded from the store; several at a time. The manifest goes last, so
 * the registry never serves a tag whose blobs are not all there. Indexes
 * push each child manifest (by digest) before themselves.
 */

struct push_ctx {
	struct registry *r;
	struct berth_store *store;
	const char *mount_from;		    /* repository of the same registry, or NULL */
	enum berth_compression compression; /* of layers kept uncompressed; NONE: as stored */
	struct berth_descriptor *blobs;	    /* what is pushed: converted layers replaced */
	struct berth_digest *diff_ids;	    /* of converted layers (the stored blob) */
	bool *converted;
	size_t n;
	struct berth_progress *p;
};

/* The progress id of a digest: its first 12 hex digits. */
static void short_id(const struct berth_digest *d, char id[13])
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(d, hex);
	memcpy(id, hex + 7, 12);
	id[12] = '\0';
}

/* blobs[i] has become l, the compressed form of the layer it was. */
static void set_converted(struct push_ctx *c, size_t i, const struct berth_compressed_layer *l)
{
	struct berth_descriptor *b = &c->blobs[i];
	c->diff_ids[i] = b->digest;
	c->converted[i] = true;
	b->digest = l->digest;
	b->size = l->size;
	b->media_type = (char *)l->media_type;
}

/*
 * A layer the store keeps uncompressed (a build's) goes out compressed, as
 * Docker pushes: blobs[i] becomes its compressed form, found in the
 * store's record when an earlier push made it (nothing is compressed
 * then), else compressed now. 1 (blobs[i] unchanged): a large layer never
 * compressed before, which push_growing compresses while it uploads.
 */
static int compressed_form(struct push_ctx *c, size_t i, struct berth_error **err)
{
	struct berth_descriptor *b = &c->blobs[i];
	if (c->compression == BERTH_COMPRESSION_NONE || i + 1 == c->n || !b->media_type ||
	    strcmp(b->media_type, BERTH_MT_OCI_LAYER) != 0)
		return 0;
	struct berth_compressed_layer l;
	struct berth_digest diff_id = b->digest;
	int res = berth_image_layer_compressed_lookup(c->store, &diff_id, c->compression, &l, err);
	if (res == -ENOENT && b->size > registry_growing_chunk())
		return 1;
	if (res == -ENOENT) {
		char id[13];
		short_id(&diff_id, id);
		int item = berth_progress_start(c->p, id, b->size);
		res = berth_image_layer_compress(c->store, &diff_id, c->compression, &l, err);
		berth_progress_done(c->p, item, res < 0 ? "error" : "compressed");
	}
	if (res < 0)
		return res;
	set_converted(c, i, &l);
	return 0;
}

/* A layer compressed on one thread while another uploads what is there. */
struct growing {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct berth_store *store;
	struct berth_digest diff_id;
	enum berth_compression compression;
	int fd;	       /* read side of the blob being written; -EBADF before */
	uint64_t size; /* written so far */
	bool whole;    /* l is known: the bytes are all written (not yet fsynced) */
	bool done;
	int res;
	struct berth_error *err;
	struct berth_compressed_layer l;
};

static void growing_started(void *ctx, int fd)
{
	struct growing *g = ctx;
	pthread_mutex_lock(&g->lock);
	g->fd = fd;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void growing_written(void *ctx, uint64_t n)
{
	struct growing *g = ctx;
	pthread_mutex_lock(&g->lock);
	g->size = n;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void growing_whole(void *ctx, const struct berth_compressed_layer *l)
{
	struct growing *g = ctx;
	pthread_mutex_lock(&g->lock);
	g->l = *l;
	g->whole = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void *growing_thread(void *arg)
{
	struct growing *g = arg;
	struct berth_compress_watch w = {growing_started, growing_written, growing_whole, g};
	struct berth_compressed_layer l;
	struct berth_error *e = NULL;
	int res = berth_image_layer_compress_watched(g->store, &g->diff_id, g->compression, &w, &l,
						     &e);
	pthread_mutex_lock(&g->lock);
	g->res = res;
	g->err = e;
	if (res >= 0)
		g->l = l;
	g->done = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* registry_grow_fn over a growing */
static int64_t growing_wait(void *ctx, uint64_t want, bool *ret_end,
			    struct berth_digest *ret_digest, struct berth_error **err)
{
	struct growing *g = ctx;
	pthread_mutex_lock(&g->lock);
	while (!g->done && !g->whole && g->size < want)
		pthread_cond_wait(&g->cond, &g->lock);
	int64_t have = (int64_t)g->size;
	if (g->done && g->res < 0) {
		have = berth_error_set(err, ECANCELED, "the compression failed");
	} else if (g->whole && g->l.size < want) {
		/* the end only when the rest is less than asked for: the requests made depend on the size alone */
		*ret_end = true;
		*ret_digest = g->l.digest;
		have = (int64_t)g->l.size;
	}
	pthread_mutex_unlock(&g->lock);
	return have;
}

/*
 * Compresses the layer blobs[i] and uploads it at the same time (the
 * first push of a large layer a build wrote). 1: pushed. 0: compressed
 * (blobs[i] is its compressed form now) but not uploaded, the registry
 * refusing chunked uploads.
 */
static int push_growing(struct push_ctx *c, size_t i, struct berth_error **err)
{
	struct berth_descriptor *b = &c->blobs[i];
	struct growing g = {.store = c->store,
			    .diff_id = b->digest,
			    .compression = c->compression,
			    .fd = -EBADF};
	pthread_mutex_init(&g.lock, NULL);
	pthread_cond_init(&g.cond, NULL);
	char id[13];
	short_id(&b->digest, id);
	int item = berth_progress_start(c->p, id, b->size);
	pthread_t t;
	int res = -pthread_create(&t, NULL, growing_thread, &g);
	if (res < 0) {
		res = berth_error_syscall(err, -res, "start a compression thread");
		goto out;
	}
	pthread_mutex_lock(&g.lock);
	while (g.fd < 0 && !g.done)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
	if (g.fd >= 0)
		res = registry_upload_growing(c->r, g.fd, growing_wait, &g, c->p, item, err);
	pthread_join(t, NULL);
	if (g.res < 0) {
		/* the compression's own error says more than the upload's */
		berth_error_free(err);
		res = berth_error_set(err, berth_error_code(g.err), "%s", berth_error_msg(g.err));
		goto out;
	}
	set_converted(c, i, &g.l);
	if (res == -EOPNOTSUPP)
		res = 0;
	else if (res >= 0)
		res = 1;
out:
	berth_error_free(&g.err);
	berth_closep(&g.fd);
	pthread_mutex_destroy(&g.lock);
	pthread_cond_destroy(&g.cond);
	berth_progress_done(c->p, item, res < 0 ? "error" : res > 0 ? "pushed" : "compressed");
	return res;
}

/*
 * Opens the blob to upload. The compressed form of a layer is no image's
 * blob, so a gc may have removed it since it was recorded: it is made
 * again, and must come out the same.
 */
static int open_upload(struct push_ctx *c, size_t i, int *ret_fd, uint64_t *ret_size,
		       struct berth_error **err)
{
	const struct berth_descriptor *b = &c->blobs[i];
	int res = berth_store_blob_open(c->store, &b->digest, ret_fd, ret_size, err);
	if (res != -ENOENT || !c->converted[i])
		return res;
	if (err)
		berth_error_free(err);
	struct berth_compressed_layer l;
	res = berth_image_layer_compress(c->store, &c->diff_ids[i], c->compression, &l, err);
	if (res < 0)
		return res;
	if (!berth_digest_eq(&l.digest, &b->digest)) {
		char want[BERTH_DIGEST_STRLEN + 1], got[BERTH_DIGEST_STRLEN + 1];
		return berth_error_set(
			err, EBADMSG, "layer %s compressed again is not the recorded %s",
			berth_digest_fmt(&c->diff_ids[i], want), berth_digest_fmt(&b->digest, got));
	}
	return berth_store_blob_open(c->store, &b->digest, ret_fd, ret_size, err);
}

static int push_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct push_ctx *c = ctx;
	int res = compressed_form(c, i, err);
	if (res > 0) {
		res = push_growing(c, i, err);
		if (res > 0)
			return 0;
	}
	if (res < 0)
		return res;
	const struct berth_descriptor *b = &c->blobs[i];
	_cleanup_close_ int fd = -EBADF;
	char hex[BERTH_DIGEST_STRLEN + 1], id[13];
	berth_digest_fmt(&b->digest, hex);
	short_id(&b->digest, id);
	int item = berth_progress_start(c->p, id, b->size);
	res = registry_blob_exists(c->r, "pull,push", &b->digest, err);
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
	res = open_upload(c, i, &fd, &size, err);
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

int registry_push_blobs(struct registry *r, struct berth_store *store,
			struct berth_descriptor *blobs, size_t n, struct berth_progress *p,
			struct berth_error **err)
{
	_cleanup_free_ struct berth_digest *diff_ids = berth_xcalloc(n + 1, sizeof(*diff_ids));
	_cleanup_free_ bool *converted = berth_xcalloc(n + 1, sizeof(*converted));
	struct push_ctx c = {.r = r,
			     .store = store,
			     .compression = BERTH_COMPRESSION_NONE,
			     .blobs = blobs,
			     .diff_ids = diff_ids,
			     .converted = converted,
			     .n = n,
			     .p = p};
	return registry_run_parallel(n, push_blob, &c, err);
}

/*
 * Pushes data (a manifest or an index, as stored) under reference (NULL: by
 * the digest of what is pushed). What is pushed may differ from data when
 * layers were compressed on the way: *ret is its digest, *ret_len its size.
 */
static int push_manifest(struct push_ctx *c, const char *data, size_t len, const char *mt,
			 const char *reference, struct berth_digest *ret, size_t *ret_len,
			 struct berth_error **err);

/* Puts data under reference, or under its own digest when reference is NULL. */
static int put_manifest(struct push_ctx *c, const char *data, size_t len, const char *mt,
			const char *reference, struct berth_digest *ret, size_t *ret_len,
			struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	if (!reference) {
		struct berth_digest d;
		berth_digest_of(data, len, &d);
		reference = berth_digest_fmt(&d, hex);
	}
	*ret_len = len;
	return registry_put_manifest(c->r, reference, mt, data, len, ret, err);
}

/* The manifest data with the descriptors of the layers compressed for the push. */
static int manifest_with_pushed_layers(const struct push_ctx *c, const char *data, size_t len,
				       char **ret, size_t *ret_len, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int res = berth_json_parse(data, len, "image manifest", &j, err);
	if (res < 0)
		return res;
	json_t *layers = json_object_get(j, "layers");
	if (json_array_size(layers) + 1 != c->n)
		return berth_error_set(err, EBADMSG,
				       "the manifest's layers changed during the push");
	for (size_t i = 0; i + 1 < c->n; i++) {
		if (!c->converted[i])
			continue;
		json_t *l = json_array_get(layers, i);
		char dg[BERTH_DIGEST_STRLEN + 1];
		json_object_set_new(l, "mediaType", json_string(c->blobs[i].media_type));
		json_object_set_new(l, "digest",
				    json_string(berth_digest_fmt(&c->blobs[i].digest, dg)));
		json_object_set_new(l, "size", json_integer((json_int_t)c->blobs[i].size));
	}
	*ret = berth_json_dump(j, ret_len);
	return 0;
}

/* Pushes the blobs of one image manifest, then the manifest. */
static int push_image(struct push_ctx *c, const char *data, size_t len, const char *mt,
		      const char *reference, struct berth_digest *ret, size_t *ret_len,
		      struct berth_error **err)
{
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = NULL;
	int res = berth_manifest_parse(data, len, mt, &m, err);
	if (res < 0)
		return res;
	/* config last among blobs: small, and some registries check layers first */
	size_t n = m->n_layers + 1;
	_cleanup_free_ struct berth_descriptor *blobs = berth_xcalloc(n, sizeof(*blobs));
	_cleanup_free_ struct berth_digest *diff_ids = berth_xcalloc(n, sizeof(*diff_ids));
	_cleanup_free_ bool *converted = berth_xcalloc(n, sizeof(*converted));
	for (size_t i = 0; i < m->n_layers; i++)
		blobs[i] = m->layers[i];
	blobs[m->n_layers] = m->config;
	c->blobs = blobs;
	c->diff_ids = diff_ids;
	c->converted = converted;
	c->n = n;
	res = registry_run_parallel(n, push_blob, c, err);
	if (res < 0)
		return res;
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any |= converted[i];
	if (!any)
		return put_manifest(c, data, len, mt, reference, ret, ret_len, err);
	_cleanup_free_ char *pushed = NULL;
	size_t plen = 0;
	res = manifest_with_pushed_layers(c, data, len, &pushed, &plen, err);
	if (res < 0)
		return res;
	return put_manifest(c, pushed, plen, mt, reference, ret, ret_len, err);
}

static int push_index(struct push_ctx *c, const char *data, size_t len, const char *mt,
		      const char *reference, struct berth_digest *ret, size_t *ret_len,
		      struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int res = berth_json_parse(data, len, "image index", &j, err);
	if (res < 0)
		return res;
	bool changed = false;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(j, "manifests"), i, e) {
		const char *ds = json_string_value(json_object_get(e, "digest"));
		const char *cmt = json_string_value(json_object_get(e, "mediaType"));
		struct berth_digest d, got;
		size_t got_len = 0;
		res = berth_digest_parse(ds ? ds : "", &d, err);
		if (res < 0)
			return berth_error_prefix(err, "image index entry %zu", i);
		_cleanup_free_ char *child = NULL;
		size_t clen = 0;
		res = berth_store_blob_read(c->store, &d, MANIFEST_MAX, &child, &clen, err);
		if (res < 0)
			return berth_error_prefix(err, "manifest %s of the index", ds);
		res = push_manifest(c, child, clen, cmt ? cmt : MEDIA_OCI_MANIFEST, NULL, &got,
				    &got_len, err);
		if (res < 0)
			return res;
		if (berth_digest_eq(&got, &d))
			continue;
		/* the child went out with compressed layers: the index names what was pushed */
		char dg[BERTH_DIGEST_STRLEN + 1];
		json_object_set_new(e, "digest", json_string(berth_digest_fmt(&got, dg)));
		json_object_set_new(e, "size", json_integer((json_int_t)got_len));
		changed = true;
	}
	if (!changed)
		return put_manifest(c, data, len, mt, reference, ret, ret_len, err);
	size_t plen = 0;
	_cleanup_free_ char *pushed = berth_json_dump(j, &plen);
	return put_manifest(c, pushed, plen, mt, reference, ret, ret_len, err);
}

static int push_manifest(struct push_ctx *c, const char *data, size_t len, const char *mt,
			 const char *reference, struct berth_digest *ret, size_t *ret_len,
			 struct berth_error **err)
{
	if (berth_media_type_is_index(mt))
		return push_index(c, data, len, mt, reference, ret, ret_len, err);
	return push_image(c, data, len, mt, reference, ret, ret_len, err);
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
		   enum berth_compression compression,
		   const struct berth_registry_credentials *creds, struct berth_progress *p,
		   struct berth_digest *ret_digest, struct berth_error **err)
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
	registry_use_credentials(r, creds);
	struct push_ctx c = {.r = r, .store = store, .compression = compression, .p = p};
	/* blobs pulled from another repository of the same registry can be mounted */
	if (src_is_ref && strcmp(sref.domain, dref.domain) == 0 &&
	    strcmp(sref.path, dref.path) != 0)
		c.mount_from = sref.path;
	char want[BERTH_DIGEST_STRLEN + 1];
	const char *reference = dref.tag ? dref.tag : berth_digest_fmt(&dref.digest, want);
	struct berth_digest pushed;
	size_t pushed_len = 0;
	res = push_manifest(&c, manifest, len, img->top_media_type, reference, &pushed, &pushed_len,
			    err);
	if (res < 0)
		goto out;
	/* then what is attached to it (an SBOM), about what went out */
	struct berth_descriptor subject = {
		.media_type = img->top_media_type, .digest = pushed, .size = pushed_len};
	res = registry_push_referrers(r, store, &img->top_digest, &subject, p, err);
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

int berth_registry_push_with(struct berth_store *store, const char *src, const char *dest,
			     const struct berth_registry_push_options *o,
			     struct berth_progress *progress, struct berth_digest *ret_digest,
			     struct berth_error **err)
{
	enum berth_compression compression = o ? o->compression : BERTH_COMPRESSION_GZIP;
	int res = do_push(store, src, dest, compression, o ? o->credentials : NULL, progress,
			  ret_digest, err);
	if (res < 0)
		return registry_prefix_ref(err, "push", dest ? dest : src);
	registry_image_event(store, "push", dest ? dest : src);
	return 0;
}

int berth_registry_push(struct berth_store *store, const char *src, const char *dest,
			struct berth_progress *progress, struct berth_digest *ret_digest,
			struct berth_error **err)
{
	return berth_registry_push_with(store, src, dest, NULL, progress, ret_digest, err);
}
