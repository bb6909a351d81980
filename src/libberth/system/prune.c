/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prune policy: what `image prune` and `system prune` remove, decided where
 * the container records, the images, the build cache and the unpacked
 * layers can all be asked. The CLI asks the question and prints.
 */
#include "system/system.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <unistd.h>

#include "builder/builder.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "network/network.h"
#include "store/store.h"
#include "system/internal.h"

int berth_system_image_prune(struct berth_store *s, bool all, char ***ret_lines,
			     uint64_t *ret_bytes, struct berth_error **err)
{
	_cleanup_free_ struct berth_digest *keep = NULL;
	size_t n_keep = 0;
	uint64_t bytes = 0;
	int r = system_container_images(s, &keep, &n_keep, err);
	if (r < 0)
		return r;
	r = berth_image_prune(s, all, keep, n_keep, ret_lines, &bytes, err);
	if (r < 0)
		return r;
	/* Docker frees a deleted image's layers: so do we, unpacked ones included */
	struct berth_layer_gc_result gc = {0};
	r = berth_system_layer_gc(s, &gc, err);
	if (r < 0)
		return r;
	if (ret_bytes)
		*ret_bytes = bytes + gc.bytes;
	return 0;
}

void berth_system_prune_result_release(struct berth_system_prune_result *r)
{
	if (!r)
		return;
	berth_strv_free(r->containers);
	berth_strv_free(r->networks);
	berth_strv_free(r->volumes);
	berth_strv_free(r->images);
	r->containers = r->networks = r->volumes = r->images = NULL;
}

/* The user networks no container is on; a store that never had a network has none. */
static int prune_networks(struct berth_store *s, char ***ret, struct berth_error **err)
{
	if (faccessat(berth_store_root_fd(s), "networks", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return berth_network_prune(berth_store_root_path(s), ret, err);
}

int berth_system_prune(struct berth_store *s, const struct berth_system_prune_options *o,
		       struct berth_system_prune_result *ret, struct berth_error **err)
{
	/* Docker's order: containers first, so what only they used goes too */
	uint64_t bytes = 0;
	int r = berth_container_prune(s, &ret->containers, &bytes, err);
	if (r < 0)
		return r;
	ret->bytes += bytes;
	r = prune_networks(s, &ret->networks, err);
	if (r < 0)
		return r;
	if (o->volumes) {
		/* Docker 23+: the anonymous ones (volume prune without -a) */
		r = berth_volume_prune(s, false, &ret->volumes, &bytes, err);
		if (r < 0)
			return r;
		ret->bytes += bytes;
	}
	r = berth_system_image_prune(s, o->all, &ret->images, &bytes, err);
	if (r < 0)
		return r;
	ret->bytes += bytes;
	/*
	 * The builder's prune collects through a store handle of its own: it
	 * would wait forever for the shared gc lock this handle keeps after a
	 * blob write. A prune writes nothing, so the lock can go.
	 */
	berth_store_writes_done(s);
	r = berth_builder_prune(s, o->all, 0, &bytes, &ret->cache_entries, err);
	if (r < 0)
		return r;
	ret->bytes += bytes;
	/* the layers only the build cache's images needed */
	struct berth_layer_gc_result gc = {0};
	r = berth_system_layer_gc(s, &gc, err);
	if (r < 0)
		return r;
	ret->bytes += gc.bytes;
	return 0;
}

/* The short ID of a container whose record names image id, into out; false when none. */
static bool container_using(const json_t *list, const struct berth_digest *id, char out[13])
{
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		struct berth_digest d;
		const char *img = json_string_value(json_object_get(c, "Image"));
		const char *cid = json_string_value(json_object_get(c, "Id"));
		if (img && cid && berth_digest_parse(img, &d, NULL) >= 0 &&
		    berth_digest_eq(&d, id)) {
			snprintf(out, 13, "%s", cid);
			return true;
		}
	}
	return false;
}

/*
 * Docker's rmi conflict: removing the last name (or the ID) of an image a
 * container uses needs -f; untagging one of several names does not.
 */
static int check_in_use(struct berth_store *s, const char *what, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	if (berth_image_resolve(s, what, &img, NULL) < 0)
		return 0; /* berth_image_remove says what is wrong */
	_cleanup_json_ json_t *list = NULL;
	int r = berth_container_list(s, &list, err);
	if (r < 0)
		return r;
	char cid[13];
	if (!container_using(list, &img->id, cid))
		return 0;
	_cleanup_(berth_image_list_freep) struct berth_image_list *l = NULL;
	r = berth_image_list(s, &l, err);
	if (r < 0)
		return r;
	size_t names = 0;
	for (size_t i = 0; i < l->n; i++)
		names += l->items[i].name && berth_digest_eq(&l->items[i].id, &img->id);
	char hex[BERTH_DIGEST_STRLEN + 1];
	berth_digest_hex(&img->id, hex);
	bool by_id = strncmp(what, "sha256:", 7) == 0 || strncmp(hex, what, strlen(what)) == 0;
	if (names > 1 && !by_id)
		return 0;
	hex[12] = '\0';
	return berth_error_set(err, EBUSY,
			       "conflict: unable to remove repository reference '%s' (must force) "
			       "- container %s is using its referenced image %s",
			       what, cid, hex);
}

int berth_system_image_remove(struct berth_store *s, const char *what, bool force,
			      char ***ret_lines, struct berth_error **err)
{
	_cleanup_strv_free_ char **lines = NULL;
	int r = force ? 0 : check_in_use(s, what, err);
	if (r >= 0)
		r = berth_image_remove(s, what, force, &lines, err);
	if (r < 0)
		return r;
	bool deleted = false;
	BERTH_STRV_FOREACH (l, lines)
		deleted |= strncmp(*l, "Deleted:", 8) == 0;
	/* Docker frees a deleted image's layers: so do we, unpacked ones included */
	if (deleted) {
		r = berth_system_layer_gc(s, NULL, err);
		if (r < 0)
			return r;
	}
	if (ret_lines)
		*ret_lines = TAKE_PTR(lines);
	return 0;
}
