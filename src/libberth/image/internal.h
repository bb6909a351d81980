/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the files of image/ share; nothing outside image/ includes this. */

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
