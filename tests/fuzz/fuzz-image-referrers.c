/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Artifact manifests and referrers lists come from registries (the
 * referrers API, the sha256-<hex> tag). The first byte picks the parser;
 * the rest is the document.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 256 * 1024)
		return 0;
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;
	struct berth_error *err = NULL;
	if (data[0] % 2 == 0) {
		struct berth_artifact *a = NULL;
		if (berth_artifact_parse(doc, len, &a, &err) == 0) {
			/* what parses takes another subject and parses again */
			struct berth_descriptor s = {.media_type = BERTH_MT_OCI_MANIFEST,
						     .size = 1};
			_cleanup_free_ char *out = NULL;
			size_t n = 0;
			struct berth_artifact *a2 = NULL;
			if (berth_artifact_resubject(doc, len, &s, &out, &n, NULL) < 0 ||
			    berth_artifact_parse(out, n, &a2, NULL) < 0)
				__builtin_trap();
			berth_artifact_free(a2);
			berth_artifact_free(a);
		}
	} else {
		struct berth_descriptor e = {.media_type = BERTH_MT_OCI_MANIFEST,
					     .size = 3,
					     .artifact_type = BERTH_MT_SPDX_JSON};
		berth_digest_of("one", 3, &e.digest);
		_cleanup_free_ char *out = NULL;
		size_t n = 0;
		int r = berth_referrers_index_add(doc, len, &e, &out, &n, &err);
		/* what it adds to, it does not add to twice */
		if (r == 1) {
			char *again = NULL;
			size_t n2 = 0;
			if (berth_referrers_index_add(out, n, &e, &again, &n2, NULL) != 0)
				__builtin_trap();
		}
	}
	berth_error_free(&err);
	return 0;
}
