/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `system df`: what each kind of thing holds on disk and what its prune
 * would free, asked of the same walks the prunes make (dry runs of the blob
 * sweep and the layer gc, the upper-dir and volume sizes the prunes count),
 * so that RECLAIMABLE is the "Total reclaimed space" a prune then prints.
 */
#include "system/system.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "builder/builder.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "store/store.h"
#include "system/internal.h"

void berth_system_df_release(struct berth_system_df *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->n_images; i++) {
		free(df->image_items[i].name);
		free(df->image_items[i].created);
	}
	free(df->image_items);
	for (size_t i = 0; i < df->n_containers; i++)
		json_decref(df->container_items[i].record);
	free(df->container_items);
	for (size_t i = 0; i < df->n_volumes; i++)
		free(df->volume_items[i].name);
	free(df->volume_items);
	*df = (struct berth_system_df){0};
}

static bool digest_in(const struct berth_digest *d, const struct berth_digest *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (berth_digest_eq(d, &set[i]))
			return true;
	return false;
}

/* How many entries of ids are id (the containers of an image). */
static unsigned count_of(const struct berth_digest *id, const struct berth_digest *ids, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n; i++)
		k += berth_digest_eq(id, &ids[i]);
	return k;
}

/*
 * The image rows: TOTAL the distinct IDs, ACTIVE those a container uses,
 * SIZE and RECLAIMABLE from the dry runs of `image prune -a`'s sweep and
 * layer gc, keeping what the containers' images need.
 */
static int df_images(struct berth_store *s, const struct berth_image_list *l,
		     const struct berth_digest *used, size_t n_used, struct berth_system_df *df,
		     uint64_t *ret_cache_blobs, struct berth_error **err)
{
	_cleanup_free_ struct berth_digest *ids = NULL;
	size_t n_ids = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (digest_in(&l->items[i].id, ids, n_ids))
			continue;
		ids = berth_xreallocarray(ids, n_ids + 1, sizeof(*ids));
		ids[n_ids++] = l->items[i].id;
		df->images.active += digest_in(&l->items[i].id, used, n_used);
	}
	df->images.total = n_ids;
	struct berth_image_blob_usage blobs = {0};
	int r = berth_image_blob_usage(s, used, n_used, &blobs, err);
	if (r < 0)
		return r;
	struct berth_layer_gc_result layers = {0};
	r = berth_system_layer_gc_dry_run(s, used, n_used, &layers, err);
	if (r < 0)
		return r;
	df->images.size = blobs.images + layers.bytes_present;
	df->images.reclaimable = blobs.unused + layers.bytes;
	*ret_cache_blobs = blobs.roots_only;
	return 0;
}

/* The diff IDs of one image, for the shared sizes. */
struct image_layers {
	struct berth_digest id;
	struct berth_digest *diff_ids;
	uint64_t *sizes;
	size_t n;
};

static void image_layers_load(struct berth_store *s, const struct berth_digest *top,
			      struct image_layers *ret)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	if (berth_image_load_digest(s, top, &img, NULL) < 0)
		return;
	size_t n = img->config->n_diff_ids;
	ret->diff_ids = berth_xcalloc(n ? n : 1, sizeof(*ret->diff_ids));
	ret->sizes = berth_xcalloc(n ? n : 1, sizeof(*ret->sizes));
	for (size_t i = 0; i < n; i++) {
		ret->diff_ids[i] = img->config->diff_ids[i];
		/* a size is only reported: an unreadable one counts as nothing */
		if (berth_image_layer_size(s, img, i, &ret->sizes[i], NULL) < 0)
			ret->sizes[i] = 0;
	}
	ret->n = n;
}

/* Whether an image of another ID than that of skip has layer diff_id. */
static bool layer_shared(const struct image_layers *all, size_t n, size_t skip,
			 const struct berth_digest *diff_id)
{
	for (size_t i = 0; i < n; i++)
		if (!berth_digest_eq(&all[i].id, &all[skip].id) &&
		    digest_in(diff_id, all[i].diff_ids, all[i].n))
			return true;
	return false;
}

/* -v: one entry per image of the list, with Docker's SHARED SIZE and CONTAINERS. */
static void df_image_items(struct berth_store *s, const struct berth_image_list *l,
			   const struct berth_digest *used, size_t n_used,
			   struct berth_system_df *df)
{
	struct image_layers *all = berth_xcalloc(l->n ? l->n : 1, sizeof(*all));
	for (size_t i = 0; i < l->n; i++) {
		all[i].id = l->items[i].id;
		image_layers_load(s, &l->items[i].top_digest, &all[i]);
	}
	df->image_items = berth_xcalloc(l->n ? l->n : 1, sizeof(*df->image_items));
	for (size_t i = 0; i < l->n; i++) {
		struct berth_system_df_image *it = &df->image_items[df->n_images++];
		it->name = l->items[i].name ? berth_xstrdup(l->items[i].name) : NULL;
		it->id = l->items[i].id;
		it->created = l->items[i].created ? berth_xstrdup(l->items[i].created) : NULL;
		it->size = l->items[i].size;
		it->containers = count_of(&l->items[i].id, used, n_used);
		for (size_t j = 0; j < all[i].n; j++)
			if (layer_shared(all, l->n, i, &all[i].diff_ids[j]))
				it->shared_size += all[i].sizes[j];
	}
	for (size_t i = 0; i < l->n; i++) {
		free(all[i].diff_ids);
		free(all[i].sizes);
	}
	free(all);
}

/* How many volumes a record mounts, and whether it mounts name (NULL: none). */
static unsigned record_volumes(const json_t *record, const char *name, bool *ret_mounts_name)
{
	unsigned k = 0;
	size_t i;
	json_t *m;
	json_array_foreach (json_object_get(record, "Mounts"), i, m) {
		const char *t = json_string_value(json_object_get(m, "Type"));
		const char *n = json_string_value(json_object_get(m, "Name"));
		if (!t || !n || strcmp(t, "volume") != 0)
			continue;
		k++;
		if (name && strcmp(n, name) == 0)
			*ret_mounts_name = true;
	}
	return k;
}

/* Containers: SizeRw of each, as `container prune` counts what it frees. */
static void df_containers(struct berth_store *s, json_t *list, bool verbose,
			  struct berth_system_df *df)
{
	size_t n = json_array_size(list), i;
	json_t *c;
	if (verbose)
		df->container_items = berth_xcalloc(n ? n : 1, sizeof(*df->container_items));
	json_array_foreach (list, i, c) {
		bool running =
			json_is_true(json_object_get(json_object_get(c, "State"), "Running"));
		uint64_t rw = berth_container_rw_size(s, c);
		df->containers.total++;
		df->containers.size += rw;
		if (running)
			df->containers.active++;
		else
			df->containers.reclaimable += rw;
		if (!verbose)
			continue;
		struct berth_system_df_container *it = &df->container_items[df->n_containers++];
		it->record = json_incref(c);
		it->size = rw;
		it->local_volumes = record_volumes(c, NULL, NULL);
	}
}

/* Volumes: the bytes of their data, as `volume prune` counts what it frees. */
static int df_volumes(struct berth_store *s, json_t *list, bool verbose, struct berth_system_df *df,
		      struct berth_error **err)
{
	struct berth_volume *v = NULL;
	size_t n = 0;
	int r = berth_volume_list(s, &v, &n, err);
	if (r < 0)
		return r;
	if (verbose)
		df->volume_items = berth_xcalloc(n ? n : 1, sizeof(*df->volume_items));
	for (size_t i = 0; i < n; i++) {
		uint64_t size = berth_volume_data_size(s, v[i].name);
		unsigned links = 0;
		size_t j;
		json_t *c;
		json_array_foreach (list, j, c) {
			bool mounts = false;
			record_volumes(c, v[i].name, &mounts);
			links += mounts;
		}
		df->volumes.total++;
		df->volumes.size += size;
		if (links)
			df->volumes.active++;
		else
			df->volumes.reclaimable += size;
		if (verbose)
			df->volume_items[df->n_volumes++] = (struct berth_system_df_volume){
				.name = TAKE_PTR(v[i].name), .links = links, .size = size};
		berth_volume_release(&v[i]);
	}
	free(v);
	return 0;
}

/* Build cache: its entries (one gc root owner each) and the RUN cache mounts. */
static int df_cache(struct berth_store *s, uint64_t cache_blobs, struct berth_system_df *df,
		    struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *roots = NULL;
	int r = berth_store_gc_root_list(s, &roots, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **owners = NULL;
	for (size_t i = 0; i < roots->n; i++) {
		const char *o = roots->items[i].name;
		if (o && strncmp(o, "build-", 6) == 0 && !berth_strv_contains(owners, o))
			berth_strv_push(&owners, o);
	}
	df->cache.total = berth_strv_len(owners);
	df->cache.size = cache_blobs + berth_builder_mounts_size(s);
	df->cache.reclaimable = df->cache.size;
	return 0;
}

int berth_system_df(struct berth_store *s, const struct berth_system_df_options *opts,
		    struct berth_system_df *ret, struct berth_error **err)
{
	bool verbose = opts && opts->verbose;
	_cleanup_(berth_image_list_freep) struct berth_image_list *l = NULL;
	_cleanup_json_ json_t *list = NULL;
	_cleanup_free_ struct berth_digest *used = NULL;
	size_t n_used = 0;
	uint64_t cache_blobs = 0;
	int r = berth_container_list(s, &list, err);
	if (r >= 0)
		r = system_container_images(s, &used, &n_used, err);
	if (r >= 0)
		r = berth_image_list(s, &l, err);
	if (r >= 0)
		r = df_images(s, l, used, n_used, ret, &cache_blobs, err);
	if (r < 0)
		return berth_error_prefix(err, "system df");
	if (verbose)
		df_image_items(s, l, used, n_used, ret);
	df_containers(s, list, verbose, ret);
	r = df_volumes(s, list, verbose, ret, err);
	if (r >= 0)
		r = df_cache(s, cache_blobs, ret, err);
	if (r < 0)
		return berth_error_prefix(err, "system df");
	return 0;
}
