/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the files of system/ share. */

#include <stddef.h>

#include "core/digest.h"
#include "core/error.h"

struct berth_store;

/*
 * The image IDs the container records name, running or not (one entry per
 * record, so an ID repeats for each container of it): what prune keeps.
 * *ret is owned by the caller.
 */
int system_container_images(struct berth_store *s, struct berth_digest **ret, size_t *ret_n,
			    struct berth_error **err);
