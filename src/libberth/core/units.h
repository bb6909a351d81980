/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Sizes as users write them (flags, Compose files, API fields). */

#include <stdint.h>

#include "core/error.h"

/* A parsed "512m", "1g", "1024" into bytes (Docker's RAMInBytes). */
int berth_parse_bytes(const char *s, int64_t *ret, struct berth_error **err);
