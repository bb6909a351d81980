/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Policy over every subsystem (DESIGN.md): what is still needed, decided
 * where every subsystem can be asked. Today: the roots of the
 * unpacked-layer gc.
 */

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
