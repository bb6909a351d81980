/* SPDX-License-Identifier: Apache-2.0 */
#include "core/units.h"

#include <errno.h>
#include <stdlib.h>

int berth_parse_bytes(const char *s, int64_t *ret, struct berth_error **err)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return berth_error_set(err, EINVAL, "invalid size '%s'", s);
	double mul = 1;
	switch (*end) {
	case 'b':
	case 'B':
		end++;
		break;
	case 'k':
	case 'K':
		mul = 1024.0, end++;
		break;
	case 'm':
	case 'M':
		mul = 1024.0 * 1024, end++;
		break;
	case 'g':
	case 'G':
		mul = 1024.0 * 1024 * 1024, end++;
		break;
	case 't':
	case 'T':
		mul = 1024.0 * 1024 * 1024 * 1024, end++;
		break;
	default:
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v * mul > 9.0e18)
		return berth_error_set(err, EINVAL, "invalid size '%s'", s);
	*ret = (int64_t)(v * mul);
	return 0;
}
