/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What images.c and images-registry.c share. */

#include "api/internal.h"
#include "store/store.h"

/*
 * Around an operation that writes blobs (pull, push, build, load): the
 * service's store handle lives as long as the service and is shared by
 * concurrent handlers, so each operation counts a hold of the shared gc
 * lock (berth_store_writes_begin) and ends it after; the lock is released
 * when the last operation ends, never under another one still writing, and
 * no later gc (`berth rmi`, DELETE /images/{name} itself) waits for the
 * service to exit. What was written is referenced by then (tagged, or the
 * build cache's).
 */
static inline int api_writes_begin(struct api_req *req, struct berth_error **err)
{
	return berth_store_writes_begin(api_req_store(req), err);
}
static inline void api_writes_done(struct api_req *req)
{
	berth_store_writes_done(api_req_store(req));
}

/* POST /images/create?fromImage=&tag= (pull) and POST /images/{name}/push?tag= (push). */
int api_images_create(struct api_req *req);
int api_images_push(struct api_req *req);
