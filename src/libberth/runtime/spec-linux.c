/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime-spec fields `berth run` does not write but a config.json from
 * elsewhere (podman, containerd) may hold: linux.uidMappings and
 * gidMappings, linux.sysctl, process.oomScoreAdj. Every value is hostile input: ids and sizes are range-checked
 * and a range may not wrap past 2^32.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
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

/*
 * The sysctls a container may set: those of the namespaces it has
 * (runc's list). Anything else would change the host.
 */
static bool sysctl_is_namespaced(const struct berth_spec *spec, const char *key)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",	    "kernel.msgmni",
					  "kernel.sem",	   "kernel.shmall",	    "kernel.shmmax",
					  "kernel.shmmni", "kernel.shm_rmid_forced"};
	if (spec->namespaces & BERTH_NS_IPC) {
		for (size_t i = 0; i < ELEMENTSOF(ipc); i++)
			if (strcmp(key, ipc[i]) == 0)
				return true;
		if (strncmp(key, "fs.mqueue.", 10) == 0)
			return true;
	}
	if ((spec->namespaces & BERTH_NS_NETWORK) && strncmp(key, "net.", 4) == 0)
		return true;
	return (spec->namespaces & BERTH_NS_UTS) &&
	       (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0);
}

static int parse_sysctl(const json_t *linux_, struct berth_spec *spec, struct berth_error **err)
{
	json_t *o = NULL;
	int r = berth_json_get_object(linux_, "sysctl", false, &o, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	const char *key;
	json_t *v;
	json_object_foreach (o, key, v) {
		if (!json_is_string(v))
			return berth_error_set(err, EINVAL, "sysctl '%s' is not a string", key);
		/* a key names a file under /proc/sys: no way out of it */
		if (!*key || strchr(key, '/') || strstr(key, "..") || key[0] == '.')
			return berth_error_set(err, EINVAL, "invalid sysctl '%s'", key);
		if (!sysctl_is_namespaced(spec, key))
			return berth_error_set(
				err, EINVAL,
				"sysctl '%s' is not in a namespace of the container: "
				"it would change the host",
				key);
		berth_strv_consume(&spec->sysctl,
				   berth_xasprintf("%s=%s", key, json_string_value(v)));
	}
	return 0;
}

int berth_spec_process_ext_from_json(const json_t *proc, struct berth_spec *spec,
				     struct berth_error **err)
{
	int r = berth_spec_process_attrs_from_json(proc, spec, err);
	if (r < 0)
		return r;
	int64_t v = 0;
	r = berth_json_get_int(proc, "oomScoreAdj", false, &v, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (v < -1000 || v > 1000)
		return berth_error_set(err, EINVAL, "oomScoreAdj %" PRId64 " out of range", v);
	spec->has_oom_score_adj = true;
	spec->oom_score_adj = (int)v;
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
	if (r >= 0)
		r = parse_sysctl(linux_, spec, err);
	if (r >= 0)
		r = berth_spec_linux_attrs_from_json(linux_, spec, err);
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
	if (spec->sysctl) {
		json_t *o = json_object();
		BERTH_STRV_FOREACH (kv, spec->sysctl) {
			const char *eq = strchr(*kv, '=');
			_cleanup_free_ char *k = berth_xstrndup(*kv, (size_t)(eq - *kv));
			json_object_set_new(o, k, json_string(eq + 1));
		}
		json_object_set_new(linux_, "sysctl", o);
	}
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
	berth_strv_free(spec->sysctl);
	spec->sysctl = NULL;
	berth_spec_attrs_release(spec);
	spec->uid_mappings = spec->gid_mappings = NULL;
	spec->n_uid_mappings = spec->n_gid_mappings = 0;
}

int berth_runtime_write_oom_score_adj(const struct berth_spec *spec, pid_t pid,
				      struct berth_error **err)
{
	if (!spec->has_oom_score_adj)
		return 0;
	char path[64], value[16];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	int n = snprintf(value, sizeof(value), "%d", spec->oom_score_adj);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, (size_t)n) != n)
		return berth_error_syscall(err, errno, "set oomScoreAdj %d", spec->oom_score_adj);
	return 0;
}

int berth_runtime_write_sysctl(const struct berth_spec *spec, struct berth_error **err)
{
	BERTH_STRV_FOREACH (kv, spec->sysctl) {
		const char *eq = strchr(*kv, '=');
		_cleanup_free_ char *path = berth_xasprintf("/proc/sys/%.*s", (int)(eq - *kv), *kv);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		_cleanup_close_ int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || berth_write_all(fd, eq + 1, strlen(eq + 1), NULL) < 0)
			return berth_error_syscall(err, errno, "set sysctl '%.*s'", (int)(eq - *kv),
						   *kv);
	}
	return 0;
}
