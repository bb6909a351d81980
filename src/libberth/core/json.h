/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * JSON through jansson, with berth's error idiom. Everything parsed from
 * outside (manifests, configs, registry replies) goes through
 * berth_json_parse(), which caps depth and size, and the typed getters,
 * which say which field was wrong.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"

static inline void berth_json_decrefp(json_t **j)
{
	if (*j)
		json_decref(*j);
	*j = NULL;
}
#define _cleanup_json_ __attribute__((cleanup(berth_json_decrefp)))

/* Parses data (not NUL-terminated necessarily); what names the input in errors. */
int berth_json_parse(const char *data, size_t len, const char *what, json_t **ret,
		     struct berth_error **err);
/* Reads and parses dir_fd/name (a record file of at most max bytes). */
int berth_json_read_at(int dir_fd, const char *name, size_t max, json_t **ret,
		       struct berth_error **err);

/*
 * Serialises compactly with keys in insertion order, as Docker and the OCI
 * tools write. The result is owned by the caller.
 */
char *berth_json_dump(const json_t *j, size_t *ret_len);
/* Indented with 4 spaces, for `inspect`. */
char *berth_json_dump_pretty(const json_t *j);

/* A NULL-terminated string vector (NULL: none) as a JSON array of strings (new reference). */
json_t *berth_json_strv(char *const *v);
/* The strings of a JSON array (owned strv; other members skipped), NULL when it has none. */
char **berth_json_to_strv(const json_t *a);

/*
 * Typed getters. A missing key returns -ENOENT (message set only when
 * required); a value of the wrong type is -EINVAL naming the key.
 * *ret points into obj (borrowed).
 */
int berth_json_get_string(const json_t *obj, const char *key, bool required, const char **ret,
			  struct berth_error **err);
int berth_json_get_int(const json_t *obj, const char *key, bool required, int64_t *ret,
		       struct berth_error **err);
int berth_json_get_object(const json_t *obj, const char *key, bool required, json_t **ret,
			  struct berth_error **err);
int berth_json_get_array(const json_t *obj, const char *key, bool required, json_t **ret,
			 struct berth_error **err);
