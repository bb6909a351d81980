/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the API's transport reads of a request before any handler runs
 * (api/router.c, api/query.c): the path with its version prefix, the route
 * lookup with its patterns, URL decoding and the filters JSON. The input is
 * "PATH\nFILTERS": anyone who can reach the socket writes both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/transport.h"
#include "core/alloc.h"
#include "core/json.h"

static const char *const methods[] = {"GET", "HEAD", "POST", "DELETE", "PUT"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384 || memchr(data, '\0', size))
		return 0;
	char *in = berth_xstrndup((const char *)data, size);
	char *nl = strchr(in, '\n');
	const char *filters = "";
	if (nl) {
		*nl = '\0';
		filters = nl + 1;
	}
	char version[16];
	const char *rest;
	if (api_path_split_version(in, version, &rest) == 0) {
		free(api_version_check(version));
		for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
			char *params[API_PARAMS_MAX] = {0};
			unsigned status = 0;
			const struct api_route *r =
				api_route_find(methods[m], rest, params, &status);
			if (!r && status != 404 && status != 405)
				__builtin_trap();
			api_params_free(params);
		}
	}
	char *dec = berth_xstrdup(in);
	(void)api_url_decode(dec, true);
	free(dec);
	json_t *f = NULL;
	struct berth_error *err = NULL;
	if (api_filters_parse(filters, &f, &err) == 0) {
		/* every value read is an array of strings */
		const char *k;
		json_t *v, *x;
		size_t i;
		json_object_foreach (f, k, v)
			json_array_foreach (v, i, x)
				if (!json_is_string(x))
					__builtin_trap();
		json_decref(f);
	}
	berth_error_free(&err);
	free(in);
	return 0;
}
