/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifests, indexes and image configs come from archives and registries.
 * The first byte picks the parser; the rest is the document.
 */
#include <stdint.h>
#include <string.h>

#include "builder/builder.h"
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
	switch (data[0] % 3) {
	case 0: {
		struct berth_manifest *m = NULL;
		if (berth_manifest_parse(doc, len, NULL, &m, &err) == 0)
			berth_manifest_free(m);
		break;
	}
	case 1: {
		struct berth_index *x = NULL;
		const struct berth_descriptor *d;
		if (berth_index_parse(doc, len, NULL, &x, &err) == 0) {
			struct berth_error *e2 = NULL;
			berth_index_pick(x, NULL, NULL, &d, &e2);
			berth_error_free(&e2);
			berth_index_free(x);
		}
		break;
	}
	default: {
		struct berth_image_config *c = NULL;
		if (berth_image_config_parse(doc, len, &c, &err) == 0) {
			/* what parses serialises, and that parses again */
			size_t n;
			_cleanup_free_ char *s = berth_image_config_serialize(c, &n);
			struct berth_image_config *c2 = NULL;
			if (berth_image_config_parse(s, n, &c2, NULL) < 0)
				__builtin_trap();
			berth_image_config_free(c2);
			/* and --change applies to it */
			char *const change[] = {"ENV A=1", NULL};
			berth_builder_apply_changes(c, change, NULL);
			berth_image_config_free(c);
		}
		break;
	}
	}
	berth_error_free(&err);
	return 0;
}
