/* SPDX-License-Identifier: Apache-2.0 */
/* Digest strings come from manifests, indexes and registry replies. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	_cleanup_free_ char *s = berth_xstrndup((const char *)data, size);
	struct berth_error *err = NULL;
	struct berth_digest d;
	if (berth_digest_parse(s, &d, &err) == 0) {
		char out[BERTH_DIGEST_STRLEN + 1];
		berth_digest_fmt(&d, out);
		if (strcmp(out, s) != 0)
			__builtin_trap(); /* a digest that parses must print back the same */
	}
	berth_error_free(&err);
	return 0;
}
