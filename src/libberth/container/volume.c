/* SPDX-License-Identifier: Apache-2.0 */
/* Named volumes: <store>/volumes/<name>/_data, with a volume.json beside it. */
#include "container/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/names.h"
#include "core/sort.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/du.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "container/internal.h"

bool berth_volume_name_is_valid(const char *name)
{
	return berth_object_name_is_valid(name, 1, 255);
}

void berth_volume_release(struct berth_volume *v)
{
	free(v->name);
	free(v->mountpoint);
	free(v->created);
	berth_strv_free(v->labels);
	memset(v, 0, sizeof(*v));
}

static int volumes_dir(const char *store_root, struct berth_error **err)
{
	return berth_mkdir_open(store_root, "volumes", err);
}

/* "K=V" of a volume.json's Labels object, sorted by key (jansson keeps them sorted on dump). */
static char **labels_from_json(const json_t *labels)
{
	char **v = NULL;
	const char *k;
	json_t *val;
	json_object_foreach ((json_t *)labels, k, val)
		if (json_is_string(val))
			berth_strv_consume(&v, berth_xasprintf("%s=%s", k, json_string_value(val)));
	if (v)
		berth_strv_sort(v);
	return v;
}

static json_t *labels_to_json(char *const *labels)
{
	json_t *o = json_object();
	BERTH_STRV_FOREACH (l, labels) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = berth_xstrndup(*l, eq ? (size_t)(eq - *l) : strlen(*l));
		json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
	}
	return o;
}

int berth_volume_get(struct berth_store *store, const char *name, struct berth_volume *ret,
		     struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	if (!berth_volume_name_is_valid(name))
		return berth_error_set(err, EINVAL, "invalid volume name '%s'", name);
	_cleanup_close_ int dfd = volumes_dir(store_root, err);
	if (dfd < 0)
		return dfd;
	_cleanup_free_ char *meta = berth_xasprintf("%s/volume.json", name);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(dfd, meta, 1 << 16, &data, &len, NULL);
	if (r < 0)
		return berth_error_set(err, ENOENT, "no such volume: '%s'", name);
	_cleanup_json_ json_t *j = NULL;
	r = berth_json_parse(data, len, meta, &j, err);
	if (r < 0)
		return r;
	const char *created = "";
	berth_json_get_string(j, "CreatedAt", false, &created, NULL);
	ret->anonymous = json_is_true(json_object_get(j, "Anonymous"));
	ret->labels = labels_from_json(json_object_get(j, "Labels"));
	ret->name = berth_xstrdup(name);
	ret->mountpoint = berth_xasprintf("%s/volumes/%s/_data", store_root, name);
	ret->created = berth_xstrdup(created);
	return 0;
}

int berth_volume_create(struct berth_store *store, const char *name, struct berth_volume *ret,
			bool *ret_created, struct berth_error **err)
{
	return berth_volume_create_labelled(store, name, NULL, ret, ret_created, err);
}

int berth_volume_create_labelled(struct berth_store *store, const char *name, char *const *labels,
				 struct berth_volume *ret, bool *ret_created,
				 struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	char rnd[65];
	bool anonymous = !name;
	if (anonymous) {
		berth_random_hex(rnd, 32);
		name = rnd;
	}
	if (!berth_volume_name_is_valid(name))
		return berth_error_set(err, EINVAL,
				       "invalid volume name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				       "are allowed",
				       name);
	_cleanup_close_ int dfd = volumes_dir(store_root, err);
	if (dfd < 0)
		return dfd;
	if (mkdirat(dfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return berth_error_syscall(err, errno, "create volume '%s'", name);
		if (ret_created)
			*ret_created = false;
		return berth_volume_get(store, name, ret, err);
	}
	_cleanup_free_ char *data_dir = berth_xasprintf("%s/_data", name);
	if (mkdirat(dfd, data_dir, 0755) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create volume '%s'", name);
	_cleanup_free_ char *now = berth_container_now();
	/* what `volume prune` without -a removes, as Docker's anonymous-volume label */
	_cleanup_json_ json_t *j =
		json_pack("{s:s, s:s, s:s, s:b, s:o}", "Name", name, "Driver", "local", "CreatedAt",
			  now, "Anonymous", anonymous, "Labels", labels_to_json(labels));
	_cleanup_free_ char *s = berth_json_dump(j, NULL);
	_cleanup_close_ int vfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (vfd < 0)
		return berth_error_syscall(err, errno, "open volume '%s'", name);
	int r = berth_write_file_atomic(vfd, "volume.json", s, strlen(s), 0644, err);
	if (r < 0)
		return r;
	if (ret_created)
		*ret_created = true;
	berth_event_emit(berth_store_root_path(store), "volume", "create", name,
			 (const char *[]){"driver", "local", NULL});
	return berth_volume_get(store, name, ret, err);
}

static int cmp_vol(const void *a, const void *b)
{
	return strcmp(((const struct berth_volume *)a)->name,
		      ((const struct berth_volume *)b)->name);
}

int berth_volume_list(struct berth_store *store, struct berth_volume **ret, size_t *ret_n,
		      struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	int dfd = volumes_dir(store_root, err);
	if (dfd < 0)
		return dfd;
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return berth_error_syscall(err, errno, "read volumes");
	}
	struct berth_volume *v = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct berth_volume one = {0};
		if (berth_volume_get(store, de->d_name, &one, NULL) < 0)
			continue;
		v = berth_xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = one;
	}
	if (n)
		berth_qsort(v, n, sizeof(*v), cmp_vol);
	*ret = v;
	*ret_n = n;
	return 0;
}

int berth_volume_remove(struct berth_store *store, const char *name, bool force,
			struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	struct berth_volume v = {0};
	int r = berth_volume_get(store, name, &v, err);
	if (r < 0)
		return r;
	berth_volume_release(&v);
	if (!force) {
		_cleanup_free_ char *user = NULL;
		if (berth_container_volume_user(store, name, &user) > 0)
			return berth_error_set(err, EBUSY,
					       "remove volume '%s': volume is in use by container "
					       "'%s'",
					       name, user);
	}
	_cleanup_close_ int dfd = volumes_dir(store_root, err);
	if (dfd < 0)
		return dfd;
	r = berth_rm_rf_at(dfd, name, err);
	if (r < 0)
		return berth_error_prefix(err, "remove volume '%s'", name);
	berth_event_emit(store_root, "volume", "destroy", name,
			 (const char *[]){"driver", "local", NULL});
	return 0;
}

/* Disk bytes of a volume's data, as prune counts what it frees and `system df` what it holds. */
static uint64_t data_size(int dfd, const char *name)
{
	_cleanup_free_ char *data = berth_xasprintf("%s/_data", name);
	return berth_du_at(dfd, data);
}

uint64_t berth_volume_data_size(struct berth_store *store, const char *name)
{
	if (!berth_volume_name_is_valid(name))
		return 0;
	_cleanup_close_ int dfd = volumes_dir(berth_store_root_path(store), NULL);
	return dfd >= 0 ? data_size(dfd, name) : 0;
}

int berth_volume_prune(struct berth_store *store, bool all, char ***ret_removed,
		       uint64_t *ret_bytes, struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	struct berth_volume *v = NULL;
	size_t n = 0;
	int r = berth_volume_list(store, &v, &n, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = volumes_dir(store_root, err);
	if (dfd < 0) {
		for (size_t i = 0; i < n; i++)
			berth_volume_release(&v[i]);
		free(v);
		return dfd;
	}
	char **removed = NULL;
	uint64_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (all || v[i].anonymous) {
			/* its data, measured first: once removed there is nothing to count */
			uint64_t size = data_size(dfd, v[i].name);
			if (berth_volume_remove(store, v[i].name, false, NULL) >= 0) {
				berth_strv_push(&removed, v[i].name);
				bytes += size;
			}
		}
		berth_volume_release(&v[i]);
	}
	free(v);
	*ret_removed = removed;
	if (ret_bytes)
		*ret_bytes = bytes;
	return 0;
}

json_t *berth_volume_to_json(const struct berth_volume *v)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:{}}", "CreatedAt", v->created,
			      "Driver", "local", "Mountpoint", v->mountpoint, "Name", v->name,
			      "Labels", labels_to_json(v->labels), "Scope", "local", "Options");
	/* Docker (API 1.42+) labels the volumes it makes for an anonymous mount so */
	if (v->anonymous)
		json_object_set_new(json_object_get(j, "Labels"), "com.docker.volume.anonymous",
				    json_string(""));
	return j;
}
