/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's query arguments that carry structure: the filters JSON. */
#include <errno.h>
#include <string.h>

#include "api/transport.h"
#include "core/cleanup.h"
#include "core/json.h"

/* One key's value: ["a","b"] (API >= 1.22) or {"a":true,"b":true} (older clients). */
static int filter_values(const char *key, json_t *v, json_t *out, struct berth_error **err)
{
	json_t *list = json_array(), *x;
	const char *k;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach (v, i, x) {
			if (!json_is_string(x)) {
				json_decref(list);
				return berth_error_set(
					err, EINVAL, "invalid filter '%s': values must be strings",
					key);
			}
			json_array_append(list, x);
		}
	} else if (json_is_object(v)) {
		json_object_foreach (v, k, x) {
			if (!json_is_boolean(x)) {
				json_decref(list);
				return berth_error_set(
					err, EINVAL, "invalid filter '%s': values must be booleans",
					key);
			}
			if (json_is_true(x))
				json_array_append_new(list, json_string(k));
		}
	} else {
		json_decref(list);
		return berth_error_set(err, EINVAL, "invalid filter '%s'", key);
	}
	json_object_set_new(out, key, list);
	return 0;
}

int api_filters_parse(const char *s, json_t **ret, struct berth_error **err)
{
	_cleanup_json_ json_t *in = NULL, *out = json_object();
	json_error_t jerr;
	const char *key;
	json_t *v;
	int r;

	if (s && *s) {
		in = json_loads(s, 0, &jerr);
		if (!in)
			return berth_error_set(err, EINVAL, "invalid filters: %s", jerr.text);
		if (!json_is_object(in))
			return berth_error_set(err, EINVAL, "invalid filters: not an object");
		json_object_foreach (in, key, v) {
			r = filter_values(key, v, out, err);
			if (r < 0)
				return r;
		}
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int api_req_filters(const struct api_req *req, json_t **ret, struct berth_error **err)
{
	return api_filters_parse(api_req_query(req, "filters"), ret, err);
}
