/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared between the files of src/libberth/container; not a public header. */

#include "container/container.h"

/* The current time in RFC 3339 with nanoseconds, UTC (owned). */
char *berth_container_now(void);

/*
 * Whether a container record mounts volume name: 1 and *ret_container (its
 * name, owned) when one does, 0 when none.
 */
int berth_container_volume_user(const char *store_root, const char *name, char **ret_container);
