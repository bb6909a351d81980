/* SPDX-License-Identifier: Apache-2.0 */
/* WWW-Authenticate values come straight from registries. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	_cleanup_free_ char *s = berth_xstrndup((const char *)data, size);
	struct berth_error *err = NULL;
	struct registry_challenge c;
	if (registry_challenge_parse(s, &c, &err) == 0) {
		if (!c.scheme || !*c.scheme)
			__builtin_trap(); /* a parsed challenge always has a scheme */
		registry_challenge_release(&c);
	}
	berth_error_free(&err);
	return 0;
}
