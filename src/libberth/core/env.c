/* SPDX-License-Identifier: Apache-2.0 */
#include "core/env.h"

#include <string.h>

#include "core/alloc.h"
#include "core/strv.h"

const char *berth_env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);
	BERTH_STRV_FOREACH (e, env)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

void berth_env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, kv, klen) == 0 && ((*e)[klen] == '=' || (*e)[klen] == '\0')) {
			free(*e);
			*e = berth_xstrdup(kv);
			return;
		}
	}
	berth_strv_push(env, kv);
}
