/* SPDX-License-Identifier: Apache-2.0 */
#include "core/names.h"

#include <string.h>

/* [A-Za-z0-9_.-] between min and max bytes; punctuation first only when allowed. */
static bool chars_are_valid(const char *name, size_t min, size_t max, bool punct_first)
{
	size_t n = strlen(name);
	if (n < min || n > max || n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		bool punct = c == '_' || c == '.' || c == '-';
		if (!alnum && (!punct || (i == 0 && !punct_first)))
			return false;
	}
	return true;
}

bool berth_object_name_is_valid(const char *name, size_t min, size_t max)
{
	return chars_are_valid(name, min, max, false);
}

bool berth_word_is_valid(const char *s, size_t max)
{
	/* "." and ".." are valid interface names to nobody, and paths to /proc */
	return s && chars_are_valid(s, 1, max, true) && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}
