/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime-spec fields `berth run` does not write but a config.json from
 * elsewhere (podman, containerd) may hold: linux.uidMappings and
 * gidMappings. Every value is hostile input: ids and sizes are range-checked
 * and a range may not wrap past 2^32.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/json.h"
#include "runtime/internal.h"

/* The kernel takes at most 340 lines in a uid_map or gid_map (since 4.15). */
#define MAX_IDMAPS 340

static int get_u32(const json_t *obj, const char *key, uint32_t *ret, struct berth_error **err)
{
	int64_t v = 0;
	int r = berth_spec_get_uint(obj, key, UINT32_MAX, &v, err);
	if (r == -ENOENT)
		return berth_error_set(err, EINVAL, "'%s' is missing", key);
	if (r >= 0)
		*ret = (uint32_t)v;
	return r;
}

static int parse_idmaps(const json_t *linux_, const char *key, struct berth_spec_idmap **ret,
			size_t *ret_n, struct berth_error **err)
{
	json_t *a = NULL;
	int r = berth_json_get_array(linux_, key, false, &a, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (json_array_size(a) > MAX_IDMAPS)
		return berth_error_set(err, EINVAL, "%s: more than %d entries", key, MAX_IDMAPS);
	size_t i;
	json_t *e;
	json_array_foreach (a, i, e) {
		struct berth_spec_idmap m;
		if (get_u32(e, "containerID", &m.container_id, err) < 0 ||
		    get_u32(e, "hostID", &m.host_id, err) < 0 ||
		    get_u32(e, "size", &m.size, err) < 0)
			return berth_error_prefix(err, "%s[%zu]", key, i);
		if (m.size == 0 || (uint64_t)m.container_id + m.size > (uint64_t)UINT32_MAX + 1 ||
		    (uint64_t)m.host_id + m.size > (uint64_t)UINT32_MAX + 1)
			return berth_error_set(err, EINVAL,
					       "%s[%zu]: size %" PRIu32 " out of range", key, i,
					       m.size);
		*ret = berth_xreallocarray(*ret, *ret_n + 1, sizeof(**ret));
		(*ret)[(*ret_n)++] = m;
	}
	return 0;
}

/* Mappings go with a new user namespace, and a new one needs both. */
static int check_user_namespace(const struct berth_spec *spec, struct berth_error **err)
{
	bool maps = spec->n_uid_mappings || spec->n_gid_mappings;
	bool new_user =
		(spec->namespaces & BERTH_NS_USER) && !berth_spec_ns_path(spec, BERTH_NS_USER);
	if (new_user && (!spec->n_uid_mappings || !spec->n_gid_mappings))
		return berth_error_set(err, EINVAL,
				       "a new user namespace needs uidMappings and gidMappings");
	if (maps && !new_user)
		return berth_error_set(err, EINVAL,
				       "uidMappings and gidMappings need a new user namespace");
	return 0;
}

int berth_spec_linux_ext_from_json(const json_t *linux_, struct berth_spec *spec,
				   struct berth_error **err)
{
	int r = parse_idmaps(linux_, "uidMappings", &spec->uid_mappings, &spec->n_uid_mappings,
			     err);
	if (r >= 0)
		r = parse_idmaps(linux_, "gidMappings", &spec->gid_mappings, &spec->n_gid_mappings,
				 err);
	if (r >= 0)
		r = check_user_namespace(spec, err);
	return r;
}

static json_t *idmaps_to_json(const struct berth_spec_idmap *m, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "containerID",
						   (json_int_t)m[i].container_id, "hostID",
						   (json_int_t)m[i].host_id, "size",
						   (json_int_t)m[i].size));
	return a;
}

void berth_spec_linux_ext_to_json(const struct berth_spec *spec, json_t *linux_)
{
	if (spec->n_uid_mappings)
		json_object_set_new(linux_, "uidMappings",
				    idmaps_to_json(spec->uid_mappings, spec->n_uid_mappings));
	if (spec->n_gid_mappings)
		json_object_set_new(linux_, "gidMappings",
				    idmaps_to_json(spec->gid_mappings, spec->n_gid_mappings));
}

void berth_spec_linux_ext_release(struct berth_spec *spec)
{
	free(spec->uid_mappings);
	free(spec->gid_mappings);
	spec->uid_mappings = spec->gid_mappings = NULL;
	spec->n_uid_mappings = spec->n_gid_mappings = 0;
}
