/* SPDX-License-Identifier: Apache-2.0 */
#include "core/names.h"

#include <string.h>

bool berth_object_name_is_valid(const char *name, size_t min, size_t max)
{
	size_t n = strlen(name);
	if (n < min || n > max || n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}
