/* SPDX-License-Identifier: Apache-2.0 */
#include "core/bool.h"

#include <errno.h>
#include <string.h>

#include "core/cleanup.h"

int berth_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	for (size_t i = 0; s && i < ELEMENTSOF(yes); i++) {
		if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
			*ret = strcmp(s, yes[i]) == 0;
			return 0;
		}
	}
	return -EINVAL;
}
