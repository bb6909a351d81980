/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A JSON reader for berth's own small records on hot paths (`ps` reads a
 * summary per container): the same verdict and the same values as
 * berth_json_parse() (jansson's json_loadb with JSON_REJECT_DUPLICATES) for
 * about a quarter of its instructions. tests/fuzz/fuzz-json-fast.c holds it
 * to jansson's verdict and values on any input.
 */

#include <stddef.h>

#include <jansson.h>

#include "core/error.h"

/*
 * Parses data[0..len) (a NUL byte in it is invalid; jansson lets one
 * through after a number, a quirk not followed here): an
 * object or an array, nested at most JSON_PARSER_MAX_DEPTH deep, in
 * strictly valid UTF-8, no duplicate key in an object, no \u0000. *ret is
 * a new reference. -EINVAL with the byte offset of the fault when the
 * text is not that.
 */
int berth_json_parse_fast(const char *data, size_t len, json_t **ret, struct berth_error **err);
