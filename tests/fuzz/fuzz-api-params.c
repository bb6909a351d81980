/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What Docker's clients put in queries and headers, read by the image and
 * build handlers (api/images-params.c): the first byte picks the reader
 * (filters with their key check and matchers, buildargs, X-Registry-Auth),
 * the rest is its input.
 */
#include <stdint.h>
#include <string.h>

#include "api/images-params.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	_cleanup_free_ char *s = berth_xstrndup((const char *)data + 1, size - 1);
	struct berth_error *err = NULL;
	static const char *const keys[] = {"name", "dangling", "reference", NULL};
	switch (data[0] % 3) {
	case 0: {
		_cleanup_json_ json_t *f = NULL;
		if (api_filters_parse(s, &f, &err) == 0 && api_filters_check(f, keys, &err) == 0) {
			(void)api_filters_match_substring(f, "name", "x");
			(void)api_filters_match_prefix(f, "name", "x");
			(void)api_filters_bool(f, "dangling");
			(void)api_filters_first(f, "reference");
		}
		break;
	}
	case 1: {
		char **args = NULL;
		if (api_build_args_parse(s, &args, &err) == 0)
			BERTH_STRV_FOREACH (a, args)
				if (!strchr(*a, '='))
					__builtin_trap(); /* every arg is K=V */
		berth_strv_free(args);
		break;
	}
	default: {
		struct api_registry_auth a;
		if (api_registry_auth_parse(s, &a, &err) == 0) {
			struct berth_registry_credentials c;
			/* a credential always has its user (or is an identity or registry token) */
			if (api_registry_auth_credentials(&a, &c) && !c.username &&
			    !c.identity_token && !c.registry_token)
				__builtin_trap();
			if (c.password && !c.username)
				__builtin_trap();
			api_registry_auth_release(&a);
		}
		break;
	}
	}
	berth_error_free(&err);
	return 0;
}
