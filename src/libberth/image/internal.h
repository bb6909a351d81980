/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the files of image/ share; nothing outside image/ includes this. */

#include <jansson.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/error.h"
#include "store/store.h"

/*
 * Reads the layer blob d of the store whole: *ret_size and *ret_digest are
 * the size and sha256 (the diff ID) of its uncompressed tar;
 * *ret_compression (may be NULL) how the blob is compressed
 * (enum berth_compression). archive.c and archive-load.c.
 */
int image_layer_measure(struct berth_store *s, const struct berth_digest *d, uint64_t *ret_size,
			struct berth_digest *ret_digest, int *ret_compression,
			struct berth_error **err);

/*
 * An image event for the store's log (core/events.h), as Docker's daemon
 * logs them: the actor is the image ID (sha256:…) or, for pull and push, the
 * reference; the "name" attribute is the name the action concerns (the new
 * tag of a tag), else the actor again. image.c.
 */
void image_event(struct berth_store *s, const char *action, const char *actor, const char *name);
/* The same with the image ID as a digest. */
void image_event_id(struct berth_store *s, const char *action, const struct berth_digest *id);

/*
 * The referrers lists of the store (referrers.c), for gc (reach.c): calls
 * fn with the subject and the parsed list (an image index, borrowed) of
 * every cache/referrers/<hex>; a list that does not parse is skipped (its
 * artifacts are then unreachable, as an image whose manifest is gone).
 * A non-zero return of fn stops the walk and is returned.
 */
typedef int (*image_referrers_fn)(void *ctx, const struct berth_digest *subject,
				  const json_t *index);
int image_referrers_foreach(struct berth_store *s, image_referrers_fn fn, void *ctx);
/* Removes the referrers lists whose subject is no longer in the store (after a sweep). */
void image_referrers_prune(struct berth_store *s);
