/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose images`: the image of each container of the project, as docker
 * compose v2 lists them (the image's first name split into repository and
 * tag, its id and its size as `berth images` counts it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/strv.h"
#include "image/image.h"
#include "store/store.h"

void berth_compose_images_free(struct berth_compose_image *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].container);
		free(v[i].repository);
		free(v[i].tag);
	}
	free(v);
}

/* The row of container c; -ENOENT when its image is gone from the store. */
static int image_row(struct berth_store *s, const struct berth_compose_container *c,
		     struct berth_compose_image *row, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(s, c->image_id[0] ? c->image_id : c->image, &img, err);
	if (r < 0)
		return r;
	uint64_t size = 0;
	r = berth_image_size(s, img, &size, err);
	if (r < 0)
		return r;
	if (img->names && img->names[0]) {
		berth_image_name_split(img->names[0], &row->repository, &row->tag);
	} else {
		row->repository = berth_xstrdup("<none>");
		row->tag = berth_xstrdup("<none>");
	}
	row->container = berth_xstrdup(c->name);
	berth_digest_fmt(&img->id, row->id);
	row->size = size;
	return 0;
}

int berth_compose_images(struct berth_store *s, const struct berth_compose_project *p,
			 char *const *services, struct berth_compose_image **ret, size_t *ret_n,
			 struct berth_error **err)
{
	BERTH_STRV_FOREACH (n, services)
		if (!berth_compose_find_service(p, *n))
			return berth_error_set(err, ENOENT, "no such service: %s", *n);
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	int r = berth_compose_project_containers(s, p->name, NULL, &cs, &n, err);
	if (r < 0)
		return r;
	struct berth_compose_image *rows = berth_xcalloc(n ? n : 1, sizeof(*rows));
	size_t k = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (services && *services && !berth_strv_contains(services, cs[i].service))
			continue;
		r = image_row(s, &cs[i], &rows[k], err);
		if (r == -ENOENT) { /* removed under the container: nothing to list */
			berth_error_free(err);
			r = 0;
			continue;
		}
		k += r >= 0;
	}
	berth_compose_containers_free(cs, n);
	if (r < 0) {
		berth_compose_images_free(rows, k);
		return r;
	}
	*ret = rows;
	*ret_n = k;
	return 0;
}
