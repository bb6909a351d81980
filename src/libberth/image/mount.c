/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth image mount`: an image of the store, resolved here, as a read-only
 * overlay of its unpacked layers at layers/mnt/<image-id-hex>/ (layer/).
 */
#include <errno.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "image/image.h"
#include "layer/layer.h"
#include "store/store.h"

/*
 * The diffIDs (config) and blob digests (manifest) of an image, checked to
 * describe the same number of layers. Both arrays are the caller's.
 */
static int image_layers(const struct berth_image *img, struct berth_digest **ret_diff_ids,
			struct berth_digest **ret_blobs, size_t *ret_n, struct berth_error **err)
{
	size_t n = img->manifest->n_layers;
	if (n != img->config->n_diff_ids)
		return berth_error_set(err, EBADMSG,
				       "image has %zu layers but its config lists %zu diff IDs", n,
				       img->config->n_diff_ids);
	_cleanup_free_ struct berth_digest *diff_ids = berth_xcalloc(n ? n : 1, sizeof(*diff_ids));
	_cleanup_free_ struct berth_digest *blobs = berth_xcalloc(n ? n : 1, sizeof(*blobs));
	for (size_t i = 0; i < n; i++) {
		if (img->manifest->layers[i].foreign)
			return berth_error_set(err, ENOTSUP, "layer %zu is a foreign layer", i);
		diff_ids[i] = img->config->diff_ids[i];
		blobs[i] = img->manifest->layers[i].digest;
	}
	*ret_diff_ids = TAKE_PTR(diff_ids);
	*ret_blobs = TAKE_PTR(blobs);
	*ret_n = n;
	return 0;
}

int berth_image_mount(struct berth_store *s, const char *what, char **ret_path,
		      struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(s, what, &img, err);
	if (r < 0)
		return r;
	_cleanup_free_ struct berth_digest *diff_ids = NULL, *blobs = NULL;
	size_t n = 0;
	r = image_layers(img, &diff_ids, &blobs, &n, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'", what);
	r = berth_layer_store_image_mount(s, &img->id, diff_ids, blobs, n, ret_path, err);
	return r < 0 ? berth_error_prefix(err, "image '%s'", what) : r;
}

int berth_image_umount(struct berth_store *s, const char *what, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(s, what, &img, err);
	if (r < 0)
		return r;
	r = berth_layer_image_umount(berth_store_root_fd(s), &img->id, err);
	return r < 0 ? berth_error_prefix(err, "image '%s'", what) : r;
}
