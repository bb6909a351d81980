/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The roots of the unpacked-layer gc: layer/ removes what no root names and
 * nothing holds, but only this level knows the images and the containers.
 */
#include "system/system.h"

#include <jansson.h>

#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "image/image.h"
#include "store/store.h"
#include "system/internal.h"

struct roots {
	struct berth_digest *chains;
	size_t n;
};

static void roots_add(struct roots *k, const struct berth_digest *chain)
{
	for (size_t i = 0; i < k->n; i++)
		if (berth_digest_eq(&k->chains[i], chain))
			return;
	k->chains = berth_xreallocarray(k->chains, k->n + 1, sizeof(*k->chains));
	k->chains[k->n++] = *chain;
}

static bool id_in(const struct berth_digest *id, const struct berth_digest *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (berth_digest_eq(id, &ids[i]))
			return true;
	return false;
}

/* The chains of every image of index.json (only those whose ID is in only, when not NULL). */
static int image_roots(struct berth_store *s, const struct berth_digest *only, size_t n_only,
		       struct roots *k, struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	int r = berth_store_ref_list(s, &refs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < refs->n; i++) {
		_cleanup_(berth_image_freep) struct berth_image *img = NULL;
		r = berth_image_load_digest(s, &refs->items[i].digest, &img, err);
		if (r < 0) {
			char d[BERTH_DIGEST_STRLEN + 1];
			berth_digest_fmt(&refs->items[i].digest, d);
			return berth_error_prefix(err, "image '%s' (its layers are unknown)", d);
		}
		if (only && !id_in(&img->id, only, n_only))
			continue;
		struct berth_digest chain;
		for (size_t j = 0; j < img->config->n_diff_ids; j++) {
			struct berth_digest prev = chain;
			berth_layer_chain_id(j ? &prev : NULL, &img->config->diff_ids[j], &chain);
			roots_add(k, &chain);
		}
	}
	return 0;
}

/* The lower dirs every container record names, running or not. */
static int container_roots(struct berth_store *s, struct roots *k, struct berth_error **err)
{
	_cleanup_json_ json_t *list = NULL;
	int r = berth_container_list(s, &list, err);
	if (r < 0)
		return r;
	size_t i, j;
	json_t *c, *d;
	json_array_foreach (list, i, c) {
		json_array_foreach (json_object_get(c, "Lowerdirs"), j, d) {
			const char *p = json_string_value(d);
			struct berth_digest chain;
			if (p && berth_layer_chain_of_lowerdir(p, &chain) >= 0)
				roots_add(k, &chain);
		}
	}
	return 0;
}

int system_container_images(struct berth_store *s, struct berth_digest **ret, size_t *ret_n,
			    struct berth_error **err)
{
	_cleanup_json_ json_t *list = NULL;
	int r = berth_container_list(s, &list, err);
	if (r < 0)
		return r;
	struct berth_digest *ids = NULL;
	size_t n = 0, i;
	json_t *c;
	json_array_foreach (list, i, c) {
		struct berth_digest d;
		const char *img = json_string_value(json_object_get(c, "Image"));
		if (!img || berth_digest_parse(img, &d, NULL) < 0)
			continue;
		ids = berth_xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = d;
	}
	*ret = ids;
	*ret_n = n;
	return 0;
}

int berth_system_layer_gc(struct berth_store *s, struct berth_layer_gc_result *ret,
			  struct berth_error **err)
{
	struct roots k = {0};
	int r = image_roots(s, NULL, 0, &k, err);
	if (r >= 0)
		r = container_roots(s, &k, err);
	if (r < 0) {
		free(k.chains);
		return berth_error_prefix(err, "layer gc");
	}
	r = berth_layer_store_gc(s, k.chains, k.n, ret, err);
	free(k.chains);
	return r;
}

int berth_system_layer_gc_dry_run(struct berth_store *s, const struct berth_digest *keep_ids,
				  size_t n, struct berth_layer_gc_result *ret,
				  struct berth_error **err)
{
	/* a non-NULL filter even when no image is kept: then no image is a root */
	static const struct berth_digest none;
	struct roots k = {0};
	int r = image_roots(s, keep_ids ? keep_ids : &none, n, &k, err);
	if (r >= 0)
		r = container_roots(s, &k, err);
	if (r >= 0)
		r = berth_layer_store_gc_dry_run(s, k.chains, k.n, ret, err);
	free(k.chains);
	return r;
}
