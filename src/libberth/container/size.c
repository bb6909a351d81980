/* SPDX-License-Identifier: Apache-2.0 */
/* A container's sizes as Docker's `ps -s` and `inspect --size` report them. */
#include "container/container.h"

#include <fcntl.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/du.h"
#include "image/image.h"
#include "store/store.h"

uint64_t berth_container_rw_size(struct berth_store *s, const json_t *record)
{
	const char *id = json_string_value(json_object_get(record, "Id"));
	/* the id names a directory: 64 hex digits, nothing else */
	if (!id || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
		return 0;
	_cleanup_free_ char *upper =
		berth_xasprintf("%s/containers/%s/upper", berth_store_root_path(s), id);
	return berth_content_size_at(AT_FDCWD, upper);
}

void berth_container_size(struct berth_store *s, const json_t *record,
			  struct berth_container_size *ret)
{
	*ret = (struct berth_container_size){0};
	const char *image = json_string_value(json_object_get(record, "Image"));
	ret->rw = berth_container_rw_size(s, record);
	ret->rootfs = ret->rw;
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	/* an image removed since (rmi -f) leaves the container its own bytes only */
	uint64_t bytes = 0;
	if (image && *image && berth_image_resolve(s, image, &img, NULL) >= 0 &&
	    berth_image_size(s, img, &bytes, NULL) >= 0)
		ret->rootfs += bytes;
}
