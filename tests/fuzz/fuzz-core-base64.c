/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64 comes from outside in X-Registry-Auth headers, config.json "auth"
 * and Kubernetes Secret data. Decoding in either mode must stay inside its
 * buffers, and what decodes must encode and decode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/cleanup.h"

static void check_round_trip(const char *data, size_t len)
{
	_cleanup_free_ char *enc = berth_base64_encode(data, len);
	if (strlen(enc) != (len + 2) / 3 * 4)
		__builtin_trap();
	for (int mode = BERTH_BASE64_STRICT; mode <= BERTH_BASE64_LENIENT; mode++) {
		_cleanup_free_ char *dec = NULL;
		size_t n = 0;
		if (berth_base64_decode(enc, strlen(enc), mode, &dec, &n, NULL) < 0 || n != len ||
		    memcmp(dec, data, len) != 0 || dec[n] != '\0')
			__builtin_trap(); /* what berth encodes, both modes read back */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const char *s = (const char *)data;
	check_round_trip(s, size);
	_cleanup_free_ char *strict = NULL, *lenient = NULL;
	size_t ns = 0, nl = 0, bad_s = SIZE_MAX, bad_l = SIZE_MAX;
	int rs = berth_base64_decode(s, size, BERTH_BASE64_STRICT, &strict, &ns, &bad_s);
	int rl = berth_base64_decode(s, size, BERTH_BASE64_LENIENT, &lenient, &nl, &bad_l);
	if ((rs < 0 && bad_s > size) || (rl < 0 && bad_l > size))
		__builtin_trap(); /* the first bad byte is inside the input, or its end */
	if (rs == 0)
		check_round_trip(strict, ns);
	if (rl == 0)
		check_round_trip(lenient, nl);
	/* without line breaks, the strict mode accepts a subset, read the same way */
	if (rs == 0 && !memchr(s, '\n', size) && !memchr(s, '\r', size) &&
	    (rl != 0 || nl != ns || memcmp(strict, lenient, ns) != 0))
		__builtin_trap();
	return 0;
}
