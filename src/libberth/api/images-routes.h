/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What images.c and images-registry.c share. */

#include "api/internal.h"
#include "store/store.h"

/*
 * After an operation that wrote blobs (pull, push, build, load): the
 * service's store handle lives as long as the service, and the shared gc
 * lock its first blob write took would hold every later gc (`berth rmi`,
 * DELETE /images/{name} itself) back until the service exits. What was
 * written is referenced by now (tagged, or the build cache's).
 */
static inline void api_writes_done(struct api_req *req)
{
	berth_store_writes_done(api_req_store(req));
}

/* POST /images/create?fromImage=&tag= (pull) and POST /images/{name}/push?tag= (push). */
int api_images_create(struct api_req *req);
int api_images_push(struct api_req *req);
