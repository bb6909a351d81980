/* SPDX-License-Identifier: Apache-2.0 */
#include "core/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"

int berth_json_parse(const char *data, size_t len, const char *what, json_t **ret,
		     struct berth_error **err)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return berth_error_set(err, EINVAL, "invalid JSON in %s at line %d column %d: %s",
				       what, je.line, je.column, je.text);
	*ret = j;
	return 0;
}

int berth_json_read_at(int dir_fd, const char *name, size_t max, json_t **ret,
		       struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(dir_fd, name, max, &data, &len, err);
	if (r < 0)
		return r;
	return berth_json_parse(data, len, name, ret, err);
}

char *berth_json_dump(const json_t *j, size_t *ret_len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		abort();
	if (ret_len)
		*ret_len = strlen(s);
	return s;
}

char *berth_json_dump_pretty(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (!s)
		abort();
	return s;
}

json_t *berth_json_strv(char *const *v)
{
	json_t *a = json_array();
	BERTH_STRV_FOREACH (s, v)
		json_array_append_new(a, json_string(*s));
	return a;
}

char **berth_json_to_strv(const json_t *a)
{
	char **v = NULL;
	size_t i;
	json_t *x;
	json_array_foreach (a, i, x)
		if (json_is_string(x))
			berth_strv_push(&v, json_string_value(x));
	return v;
}

static int get_typed(const json_t *obj, const char *key, bool required, json_type type,
		     const char *tname, json_t **ret, struct berth_error **err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return berth_error_set(err, ENOENT, "missing field '%s'", key);
		return -ENOENT;
	}
	if (json_typeof(v) != type)
		return berth_error_set(err, EINVAL, "field '%s' is not %s", key, tname);
	*ret = v;
	return 0;
}

int berth_json_get_string(const json_t *obj, const char *key, bool required, const char **ret,
			  struct berth_error **err)
{
	json_t *v = NULL;
	int r = get_typed(obj, key, required, JSON_STRING, "a string", &v, err);
	if (r < 0)
		return r;
	*ret = json_string_value(v);
	return 0;
}

int berth_json_get_int(const json_t *obj, const char *key, bool required, int64_t *ret,
		       struct berth_error **err)
{
	json_t *v = NULL;
	int r = get_typed(obj, key, required, JSON_INTEGER, "an integer", &v, err);
	if (r < 0)
		return r;
	*ret = (int64_t)json_integer_value(v);
	return 0;
}

int berth_json_get_object(const json_t *obj, const char *key, bool required, json_t **ret,
			  struct berth_error **err)
{
	return get_typed(obj, key, required, JSON_OBJECT, "an object", ret, err);
}

int berth_json_get_array(const json_t *obj, const char *key, bool required, json_t **ret,
			 struct berth_error **err)
{
	return get_typed(obj, key, required, JSON_ARRAY, "an array", ret, err);
}
