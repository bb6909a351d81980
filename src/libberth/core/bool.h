/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/*
 * A boolean as Go's strconv.ParseBool reads it, which is how Docker reads
 * the values of its boolean flags and options: 1 t T TRUE true True, 0 f F
 * FALSE false False. 0 and *ret set, or -EINVAL (*ret untouched).
 */
int berth_parse_bool(const char *s, bool *ret);
