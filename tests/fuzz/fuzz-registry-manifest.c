/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Indexes served by a registry, as pull picks a platform from them (their
 * manifests go through image/'s parser: fuzz-image-manifest).
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	const char *s = (const char *)data;
	struct berth_error *err = NULL;
	struct berth_digest d;
	_cleanup_free_ char *mt = NULL;
	if (registry_index_select(s, size, "linux/arm64/v8", &d, &mt, &err) == 0 && !mt)
		__builtin_trap();
	berth_error_free(&err);
	return 0;
}
