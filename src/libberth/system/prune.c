/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prune policy: what `image prune` and `system prune` remove, decided where
 * the container records, the images, the build cache and the unpacked
 * layers can all be asked. The CLI asks the question and prints.
 */
#include "system/system.h"

#include <fcntl.h>
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
