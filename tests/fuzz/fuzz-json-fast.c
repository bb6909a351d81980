/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth_json_parse_fast reads container summaries, store files that a
 * crash or a hand can damage: on any input it must give jansson's verdict
 * (json_loadb with JSON_REJECT_DUPLICATES) and, when valid, jansson's
 * value, keys in the same order. A NUL byte makes the text invalid: jansson
 * lets one through after a number (its stream's unget skips it), a quirk
 * not followed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json-fast.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	_cleanup_json_ json_t *want =
		json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	_cleanup_json_ json_t *got = NULL;
	struct berth_error *err = NULL;
	int r = berth_json_parse_fast((const char *)data, size, &got, &err);
	if (memchr(data, '\0', size) ? r >= 0 : (r >= 0) != (want != NULL))
		__builtin_trap();
	if (r < 0) {
		if (!err || !err->msg)
			__builtin_trap(); /* every failure says why */
		berth_error_free(&err);
		return 0;
	}
	if (!json_equal(want, got))
		__builtin_trap();
	_cleanup_free_ char *a = berth_json_dump(want, NULL), *b = berth_json_dump(got, NULL);
	if (strcmp(a, b) != 0)
		__builtin_trap();
	return 0;
}
