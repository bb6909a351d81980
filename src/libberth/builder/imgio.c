/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The builder's only contact with the store and with image/'s model:
 * resolving a base image, opening layer blobs, streaming new layers in,
 * and committing the final config + manifest + tags (image/ writes them).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "registry/registry.h"
#include "store/store.h"

/* A cache entry written once the blobs it names are durable (bstore_sync). */
struct deferred_entry {
	struct berth_digest key;
	struct bimage img;
};

struct bstore {
	struct berth_store *s; /* the caller's: borrowed */
	/*
	 * The layers this build wrote: in the store's tmp/, their writeback
	 * started, readable by the next steps, fsynced and renamed into blobs/
	 * together by bstore_sync; and the cache entries naming them, written
	 * after that.
	 */
	struct berth_blob_batch *pending;
	pthread_mutex_t lock; /* of entries */
	struct deferred_entry *entries;
	size_t n_entries;
};

int bstore_open(struct berth_store *store, struct bstore **ret, struct berth_error **err)
{
	struct bstore *b = berth_xcalloc(1, sizeof(*b));
	b->s = store;
	b->pending = berth_blob_batch_new(store);
	pthread_mutex_init(&b->lock, NULL);
	*ret = b;
	return 0;
}

static void drop_entries(struct bstore *s)
{
	for (size_t i = 0; i < s->n_entries; i++)
		bimage_release(&s->entries[i].img);
	free(s->entries);
	s->entries = NULL;
	s->n_entries = 0;
}

void bstore_free(struct bstore *s)
{
	if (!s)
		return;
	berth_blob_batch_free(s->pending); /* what was never synced goes */
	drop_entries(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

bool bstore_defer_entry(struct bstore *s, const struct berth_digest *key, const struct bimage *im)
{
	bool defer = false;
	for (size_t i = 0; i < im->n_layers && !defer; i++)
		defer = berth_blob_batch_has(s->pending, &im->layers[i].digest);
	if (!defer)
		return false;
	pthread_mutex_lock(&s->lock);
	s->entries = berth_xreallocarray(s->entries, s->n_entries + 1, sizeof(*s->entries));
	struct deferred_entry *e = &s->entries[s->n_entries++];
	e->key = *key;
	bimage_copy(&e->img, im);
	pthread_mutex_unlock(&s->lock);
	return true;
}

int bstore_sync(struct bstore *s, struct berth_error **err)
{
	int r = berth_blob_batch_commit(s->pending, err);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_entries && r >= 0; i++)
		r = bcache_put(s, &s->entries[i].key, &s->entries[i].img, err);
	drop_entries(s);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int bstore_root_fd(struct bstore *s)
{
	return berth_store_root_fd(s->s);
}

const char *bstore_root_path(struct bstore *s)
{
	return berth_store_root_path(s->s);
}

int bstore_tmp_dir(struct bstore *s, const char *prefix, char **ret_name, int *ret_fd,
		   struct berth_error **err)
{
	return berth_store_tmp_dir_create(s->s, prefix, ret_name, ret_fd, err);
}

int bstore_tmp_fd(struct bstore *s)
{
	return berth_store_dir_fd(s->s, "tmp");
}

int bstore_open_blob(struct bstore *s, const struct berth_digest *d, struct berth_error **err)
{
	int fd = berth_blob_batch_open(s->pending, d, err);
	if (fd != -ENOENT)
		return fd; /* a layer of this build, not committed yet (or an error) */
	int r = berth_store_blob_open(s->s, d, &fd, NULL, err);
	return r < 0 ? r : fd;
}

bool bstore_has_blob(struct bstore *s, const struct berth_digest *d)
{
	return berth_blob_batch_has(s->pending, d) || berth_store_blob_exists(s->s, d);
}

int bstore_writer_begin(struct bstore *s, struct bstore_writer **ret, struct berth_error **err)
{
	struct berth_blob_writer *w;
	int r = berth_store_blob_begin(s->s, &w, err);
	if (r < 0)
		return r;
	*ret = (struct bstore_writer *)w;
	return 0;
}

int bstore_writer_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	/* every layer a build writes passes here: an interrupt stops it */
	int r = builder_check_interrupt(err);
	if (r < 0)
		return r;
	return berth_blob_writer_sink(ctx, data, len, err);
}

int bstore_writer_commit(struct bstore *s, struct bstore_writer *w, struct berth_digest *ret,
			 uint64_t *ret_size, struct berth_error **err)
{
	/* no fsync now: its writeback runs while the build goes on (bstore_sync) */
	return berth_blob_batch_add(s->pending, (struct berth_blob_writer *)w, NULL, ret, ret_size,
				    err);
}

void bstore_writer_abort(struct bstore_writer *w)
{
	berth_blob_writer_abort((struct berth_blob_writer *)w);
}

/*
 * A builder's image state from image/'s model: the whole config document
 * (the builder edits it as JSON) and the layers with their diff IDs.
 */
static int bimage_from(const struct berth_manifest *m, const struct berth_image_config *c,
		       struct bimage *ret, struct berth_error **err)
{
	if (c->n_diff_ids != m->n_layers)
		return berth_error_set(err, EBADMSG,
				       "image config and manifest disagree on the layer count");
	struct bimage im = {.config = json_deep_copy(c->json)};
	if (!im.config)
		berth_oom();
	im.layers = berth_xcalloc(m->n_layers ? m->n_layers : 1, sizeof(*im.layers));
	for (size_t i = 0; i < m->n_layers; i++)
		im.layers[i] =
			(struct blayer){.digest = m->layers[i].digest,
					.diff_id = c->diff_ids[i],
					.size = m->layers[i].size,
					.media_type = berth_xstrdup(m->layers[i].media_type)};
	im.n_layers = m->n_layers;
	*ret = im;
	return 0;
}

int bstore_resolve(struct bstore *s, const char *ref, struct bimage *ret, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(s->s, ref, &img, err);
	if (r < 0)
		return r;
	r = bimage_from(img->manifest, img->config, ret, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'", ref);
	return 0;
}

int bstore_commit_image(struct bstore *s, const struct bimage *im, char *const *tags,
			struct berth_digest *ret_id, struct berth_digest *ret_manifest,
			struct berth_error **err)
{
	_cleanup_free_ struct berth_descriptor *layers =
		berth_xcalloc(im->n_layers ? im->n_layers : 1, sizeof(*layers));
	size_t len;
	for (size_t i = 0; i < im->n_layers; i++)
		layers[i] = (struct berth_descriptor){.media_type = im->layers[i].media_type,
						      .digest = im->layers[i].digest,
						      .size = im->layers[i].size};
	_cleanup_free_ char *config = berth_json_dump(im->config, &len);
	return berth_image_commit(s->s, config, len, layers, im->n_layers, tags, ret_manifest,
				  ret_id, err);
}

int bstore_gc(struct bstore *s, const struct berth_digest *keep, size_t n_keep, uint64_t *ret_freed,
	      struct berth_error **err)
{
	struct berth_store_gc_result res = {0};
	int r = berth_image_gc(s->s, keep, n_keep, &res, err);
	if (r < 0)
		return r;
	*ret_freed = res.bytes_removed;
	return 0;
}

/* The gc root owner of a cache entry: "build-" and the key's first 58 hex digits. */
static void cache_root_owner(const struct berth_digest *key, char owner[65])
{
	char hex[65];
	snprintf(owner, 65, "build-%.58s", berth_digest_hex(key, hex));
}

int bstore_cache_root_set(struct bstore *s, const struct berth_digest *key, const struct bimage *im,
			  struct berth_error **err)
{
	char owner[65];
	_cleanup_free_ struct berth_store_ref *roots =
		berth_xcalloc(im->n_layers ? im->n_layers : 1, sizeof(*roots));
	for (size_t i = 0; i < im->n_layers; i++)
		roots[i] = (struct berth_store_ref){.media_type = im->layers[i].media_type,
						    .digest = im->layers[i].digest};
	cache_root_owner(key, owner);
	return berth_store_gc_root_set(s->s, owner, roots, im->n_layers, err);
}

int bstore_cache_root_remove(struct bstore *s, const struct berth_digest *key,
			     struct berth_error **err)
{
	char owner[65];
	cache_root_owner(key, owner);
	return berth_store_gc_root_remove(s->s, owner, err);
}

int bstore_image_layers(struct bstore *s, struct berth_digest **ret, size_t *ret_n,
			struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	struct berth_digest *out = NULL;
	size_t n = 0;
	int r = berth_store_ref_list(s->s, &refs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < refs->n; i++) {
		_cleanup_(berth_image_freep) struct berth_image *img = NULL;
		/* an unreadable image keeps nothing: it cannot be a base */
		if (berth_image_load_digest(s->s, &refs->items[i].digest, &img, NULL) < 0)
			continue;
		out = berth_xreallocarray(out, n + img->manifest->n_layers + 1, sizeof(*out));
		for (size_t k = 0; k < img->manifest->n_layers; k++)
			out[n++] = img->manifest->layers[k].digest;
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

int bstore_pull(struct bstore *s, const char *ref, struct berth_error **err)
{
	return berth_registry_pull(s->s, ref, NULL, NULL, NULL, err);
}

int bstore_remote_image(const char *ref, struct bimage *ret, struct berth_error **err)
{
	struct berth_registry_image *ri = NULL;
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = NULL;
	_cleanup_(berth_image_config_freep) struct berth_image_config *c = NULL;
	int r = berth_registry_fetch_image(ref, NULL, &ri, err);
	if (r < 0)
		return r;
	r = berth_manifest_parse(ri->manifest, ri->manifest_len, ri->media_type, &m, err);
	if (r >= 0)
		r = berth_image_config_parse(ri->config, ri->config_len, &c, err);
	berth_registry_image_free(ri);
	if (r < 0)
		return r;
	return bimage_from(m, c, ret, err);
}

int bstore_fetch_blob(struct bstore *s, const char *ref, const struct berth_digest *d,
		      struct berth_error **err)
{
	return berth_registry_fetch_blob(s->s, ref, d, NULL, err);
}
