/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Versions come from packages' own metadata and from advisory feeds, both
 * written by others: every string must parse or be refused with a message,
 * and the ordering must be one (antisymmetric, reflexive) for what parses.
 * Input: two versions separated by the first NUL or newline, up to 2 KiB.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "scan/scan.h"

static int compare(enum berth_version_scheme s, const char *a, const char *b)
{
	struct berth_error *err = NULL;
	int c = 0;
	int r = berth_version_compare(s, a, b, &c, &err);
	if (r < 0) {
		if (r != -EINVAL || !berth_error_msg(err)[0])
			__builtin_trap();
		berth_error_free(&err);
		return 2;
	}
	if (err || c < -1 || c > 1)
		__builtin_trap();
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2048)
		return 0;
	_cleanup_free_ char *a = berth_xstrndup((const char *)data, size);
	char *b = strchr(a, '\n');
	if (b)
		*b++ = '\0';
	else
		b = a + strlen(a);
	for (int s = BERTH_VERSION_DPKG; s <= BERTH_VERSION_PEP440; s++) {
		int ab = compare(s, a, b), ba = compare(s, b, a);
		if (ab == 2 ? ba != 2 && berth_version_valid(s, a) && berth_version_valid(s, b)
			    : ba != -ab)
			__builtin_trap();
		if (berth_version_valid(s, a) && compare(s, a, a) != 0)
			__builtin_trap();
	}
	return 0;
}
