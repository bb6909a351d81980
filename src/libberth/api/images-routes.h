/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What images.c and images-registry.c share. */

#include "api/internal.h"

/*
 * The routes of an image name of 1 to 4 segments (the router's {} is one
 * segment; Docker's {name:.*} has slashes): method, "/images/{}..." suffix.
 */
#define API_IMAGE_ROUTES(method, suffix, body, fn)                                                 \
	{method, "/images/{}" suffix, body, fn}, {method, "/images/{}/{}" suffix, body, fn},       \
		{method, "/images/{}/{}/{}" suffix, body, fn},                                     \
	{                                                                                          \
		method, "/images/{}/{}/{}/{}" suffix, body, fn                                     \
	}

/* The image name of a route of API_IMAGE_ROUTES: its parameters joined by "/" (owned). */
char *api_image_name(const struct api_req *req);
/* Every value of a repeated query argument (names=a&names=b), owned; NULL when none. */
char **api_req_query_all(const struct api_req *req, const char *key);

/* POST /images/create?fromImage=&tag= (pull) and POST /images/{name}/push?tag= (push). */
int api_images_create(struct api_req *req);
int api_images_push(struct api_req *req);
