/* SPDX-License-Identifier: Apache-2.0 */
/* References come from the command line, Dockerfiles (FROM) and --cache-from. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	_cleanup_free_ char *s = berth_xstrndup((const char *)data, size);
	struct berth_error *err = NULL;
	struct berth_registry_ref r;
	if (berth_registry_ref_parse(s, &r, &err) == 0) {
		/* the canonical string of a parsed reference parses to the same parts */
		_cleanup_free_ char *c = berth_registry_ref_string(&r);
		struct berth_registry_ref r2;
		if (berth_registry_ref_parse(c, &r2, NULL) != 0 ||
		    strcmp(r.domain, r2.domain) != 0 || strcmp(r.path, r2.path) != 0)
			__builtin_trap();
		berth_registry_ref_release(&r2);
		berth_registry_ref_release(&r);
	}
	berth_error_free(&err);
	return 0;
}
