/* SPDX-License-Identifier: Apache-2.0 */
/* Image references come from the command line, Dockerfiles, archives and registries. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1024)
		return 0;
	_cleanup_free_ char *s = berth_xstrndup((const char *)data, size);
	struct berth_error *err = NULL;
	struct berth_image_ref r;
	if (berth_image_ref_parse(s, &r, &err) == 0) {
		/* a parsed reference's name is itself a valid, normalised reference */
		_cleanup_free_ char *name = berth_image_ref_name(&r);
		struct berth_image_ref r2;
		if (berth_image_ref_parse(name, &r2, NULL) < 0)
			__builtin_trap();
		_cleanup_free_ char *name2 = berth_image_ref_name(&r2);
		if (strcmp(name, name2) != 0)
			__builtin_trap();
		_cleanup_free_ char *repo = NULL, *tag = NULL;
		berth_image_name_split(name, &repo, &tag);
		berth_image_ref_release(&r2);
		berth_image_ref_release(&r);
	}
	berth_error_free(&err);
	return 0;
}
