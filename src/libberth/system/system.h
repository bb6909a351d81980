/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Policy over every subsystem (DESIGN.md): what is still needed, decided
 * where every subsystem can be asked. Today: the roots of the
 * unpacked-layer gc (gc.c) and what the prunes remove (prune.c).
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "layer/layer.h"

struct berth_store;

/*
 * Removes the unpacked layers of the store (layers/<chain-id>/) that nothing
 * needs: the chains of every image of the index (image/) and every lower dir
 * a container record names, running or not (container/), stay; layer/ itself
 * keeps the layers of mounted images and those a process holds. When an
 * image of the index cannot be read, nothing is removed (its layers are
 * unknown). ret may be NULL.
 */
int berth_system_layer_gc(struct berth_store *s, struct berth_layer_gc_result *ret,
			  struct berth_error **err);

/*
 * `image prune`: removes the untagged images (every image when all) that no
 * container record (running or not) uses, the blobs only they held, and the
 * unpacked layers nothing needs any more. *ret_lines (may be NULL) get
 * Docker's "untagged: x" / "deleted: sha256:..." lines, *ret_bytes the
 * bytes freed (blobs and unpacked layers).
 */
int berth_system_image_prune(struct berth_store *s, bool all, char ***ret_lines,
			     uint64_t *ret_bytes, struct berth_error **err);

struct berth_system_prune_result {
	char **containers;	/* IDs of the removed containers */
	char **images;		/* the lines of berth_system_image_prune */
	unsigned cache_entries; /* build cache entries removed */
	uint64_t bytes;		/* bytes freed, everything counted */
};
void berth_system_prune_result_release(struct berth_system_prune_result *r);

/*
 * `system prune`: every container that is not running (their upper dirs
 * counted in the bytes freed, as Docker's), then the images as
 * berth_system_image_prune (all: every image no container uses), the build
 * cache (all: every entry, otherwise those no tagged image uses) and the
 * unpacked layers nothing needs. What the caller wrote through s must be
 * referenced by then (s's blob writes are done: berth_store_writes_done).
 * *ret must be zeroed by the caller and
 * released with berth_system_prune_result_release, also on failure (what
 * was removed before the failure is in it).
 */
int berth_system_prune(struct berth_store *s, bool all, struct berth_system_prune_result *ret,
		       struct berth_error **err);
