/* SPDX-License-Identifier: Apache-2.0 */
/* Container records: state.json, names, the image a container is made from, find/list/inspect. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/names.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/units.h"
#include "core/strv.h"
#include "image/image.h"
#include "layer/layer.h"
#include "store/store.h"

char *berth_container_now(void)
{
	return berth_time_now_rfc3339nano();
}

void berth_container_image_release(struct berth_container_image *img)
{
	berth_strv_free(img->entrypoint);
	berth_strv_free(img->cmd);
	berth_strv_free(img->env);
	free(img->workdir);
	free(img->user);
	free(img->stop_signal);
	berth_strv_free(img->volumes);
	berth_strv_free(img->lowerdirs);
	free(img->ref);
	free(img->id);
	berth_health_config_release(img->health);
	free(img->health);
	berth_strv_free(img->shell);
	berth_strv_free(img->exposed_ports);
	free(img->os);
	free(img->architecture);
	berth_strv_free(img->labels);
	memset(img, 0, sizeof(*img));
}

int berth_container_image_load(struct berth_store *store, const char *ref,
			       struct berth_container_image *ret, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(store, ref, &img, err);
	if (r < 0)
		return r;
	size_t n = img->manifest->n_layers;
	if (n != img->config->n_diff_ids)
		return berth_error_set(
			err, EBADMSG, "image '%s' has %zu layers but its config lists %zu diff IDs",
			ref, n, img->config->n_diff_ids);
	_cleanup_free_ struct berth_digest *blobs = berth_xcalloc(n ? n : 1, sizeof(*blobs));
	for (size_t i = 0; i < n; i++) {
		if (img->manifest->layers[i].foreign)
			return berth_error_set(err, ENOTSUP,
					       "image '%s': layer %zu is a foreign layer", ref, i);
		blobs[i] = img->manifest->layers[i].digest;
	}
	_cleanup_strv_free_ char **lower = NULL;
	r = berth_layer_store_stack(store, img->config->diff_ids, blobs, n, 0, &lower, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'", ref);
	struct berth_container_image out = {0};
	out.lowerdirs = TAKE_PTR(lower);
	const struct berth_image_config *c = img->config;
	out.entrypoint = c->entrypoint ? berth_strv_copy(c->entrypoint) : NULL;
	out.cmd = c->cmd ? berth_strv_copy(c->cmd) : NULL;
	out.env = berth_strv_copy(c->env);
	out.workdir = c->working_dir ? berth_xstrdup(c->working_dir) : NULL;
	out.user = c->user ? berth_xstrdup(c->user) : NULL;
	out.stop_signal = c->stop_signal ? berth_xstrdup(c->stop_signal) : NULL;
	out.volumes = berth_strv_copy(c->volumes);
	out.shell = c->shell ? berth_strv_copy(c->shell) : NULL;
	out.exposed_ports = berth_strv_copy(c->exposed_ports);
	out.os = c->os ? berth_xstrdup(c->os) : NULL;
	out.architecture = c->architecture ? berth_xstrdup(c->architecture) : NULL;
	for (size_t i = 0; c->label_keys && c->label_keys[i]; i++)
		berth_strv_consume(&out.labels,
				   berth_xasprintf("%s=%s", c->label_keys[i], c->label_values[i]));
	if (c->healthcheck) {
		out.health = berth_xcalloc(1, sizeof(*out.health));
		r = berth_health_config_from_json(c->healthcheck, out.health, err);
		if (r < 0) {
			berth_container_image_release(&out);
			return berth_error_prefix(err, "image '%s'", ref);
		}
	}
	out.ref = berth_xstrdup(ref);
	char idbuf[80];
	out.id = berth_xstrdup(berth_digest_fmt(&img->id, idbuf));
	*ret = out;
	return 0;
}

/*
 * <store>/containers: a dup of the one the store handle opened (and made)
 * with the store, so that no caller walks and mkdirs the root path again.
 */
static int containers_dir(struct berth_store *store, struct berth_error **err)
{
	int fd = fcntl(berth_store_dir_fd(store, "containers"), F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s/containers'",
					   berth_store_root_path(store));
	return fd;
}

/* Reads containers/<id>/state.json; NULL when absent or broken. */
static json_t *read_state(int cdir, const char *id)
{
	_cleanup_free_ char *name = berth_xasprintf("%s/state.json", id);
	json_t *j = NULL;
	if (berth_json_read_at(cdir, name, BERTH_CONTAINER_RECORD_MAX, &j, NULL) < 0)
		return NULL;
	return j;
}

static int write_state(int cdir, const char *id, const json_t *state, struct berth_error **err);

json_t *berth_container_state_read(int cdir, const char *id)
{
	return read_state(cdir, id);
}

int berth_container_state_write(int cdir, const char *id, const json_t *state,
				struct berth_error **err)
{
	return write_state(cdir, id, state, err);
}

/*
 * The summary first (summary.c): state.json is renamed last, the one write
 * after which the record says what it says. Its stamp is the temp file's
 * stat, which the rename keeps.
 */
static int write_state_as(int cdir, const char *id, const json_t *state, bool thawed,
			  struct berth_error **err)
{
	_cleanup_close_ int fd = openat(cdir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open container '%s'", id);
	_cleanup_free_ char *s = berth_json_dump(state, NULL);
	bool rm = json_is_true(json_object_get(json_object_get(state, "HostConfig"), "AutoRemove"));
	_cleanup_free_ char *tmp = NULL;
	struct stat st;
	int r = berth_write_file_temp(fd, "state.json", s, strlen(s), 0600, !rm, &tmp, &st, err);
	if (r < 0)
		return r;
	berth_container_summary_write(fd, state, &st, thawed);
	return berth_write_file_commit(fd, tmp, "state.json", !rm, err);
}

static int write_state(int cdir, const char *id, const json_t *state, struct berth_error **err)
{
	return write_state_as(cdir, id, state, false, err);
}

int berth_container_state_write_started(int cdir, const char *id, const json_t *state,
					struct berth_error **err)
{
	return write_state_as(cdir, id, state, true, err);
}

int berth_container_volume_user(struct berth_store *store, const char *name, char **ret_container)
{
	_cleanup_close_ int cdir = containers_dir(store, NULL);
	if (cdir < 0)
		return 0;
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_json_ json_t *st = read_state(cdir, de->d_name);
		json_t *mounts = json_object_get(st, "Mounts");
		size_t i;
		json_t *m;
		json_array_foreach (mounts, i, m) {
			const char *t = json_string_value(json_object_get(m, "Type"));
			const char *n = json_string_value(json_object_get(m, "Name"));
			if (t && n && strcmp(t, "volume") == 0 && strcmp(n, name) == 0) {
				const char *cn = json_string_value(json_object_get(st, "Name"));
				*ret_container = berth_xstrdup(cn ? cn : de->d_name);
				return 1;
			}
		}
	}
	return 0;
}

static bool name_is_valid(const char *n)
{
	/* Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+, a leading "/" allowed */
	return berth_object_name_is_valid(n[0] == '/' ? n + 1 : n, 2, 128);
}

static bool name_in_use(int cdir, const char *name)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return false;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_json_ json_t *st = read_state(cdir, de->d_name);
		const char *n = json_string_value(json_object_get(st, "Name"));
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static bool state_running(const json_t *st)
{
	json_t *s = json_object_get(st, "State");
	if (!json_is_true(json_object_get(s, "Running")))
		return false;
	json_int_t mon = json_integer_value(json_object_get(s, "MonitorPid"));
	return mon > 0 && kill((pid_t)mon, 0) == 0;
}

/* Docker's first rule: a full id with a record, found without reading a record. */
static bool is_full_id(int cdir, const char *what)
{
	struct stat sb;
	return strlen(what) == 64 && strspn(what, "0123456789abcdef") == 64 &&
	       fstatat(cdir, what, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
}

/* Every record's id and name (NULL when unreadable), read in one pass over containers/. */
struct record_names {
	char **ids;
	char **names;
	size_t n;
};

static void record_names_release(struct record_names *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->ids[i]);
		free(t->names[i]);
	}
	free(t->ids);
	free(t->names);
	*t = (struct record_names){0};
}

static int record_names_load(int cdir, struct record_names *ret, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read containers");
	struct record_names t = {0};
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
			continue;
		_cleanup_json_ json_t *st = read_state(cdir, de->d_name);
		const char *n = json_string_value(json_object_get(st, "Name"));
		t.ids = berth_xreallocarray(t.ids, t.n + 1, sizeof(*t.ids));
		t.names = berth_xreallocarray(t.names, t.n + 1, sizeof(*t.names));
		t.ids[t.n] = berth_xstrdup(de->d_name);
		t.names[t.n++] = n ? berth_xstrdup(n) : NULL;
	}
	*ret = t;
	return 0;
}

/* Docker's order: the full id, then the name, then a unique prefix of the id. */
static int record_names_resolve(const struct record_names *t, const char *what, char **ret_id,
				struct berth_error **err)
{
	const char *name = what[0] == '/' ? what + 1 : what;
	const char *found = NULL;
	size_t matches = 0;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], what) == 0) {
			*ret_id = berth_xstrdup(t->ids[i]);
			return 0;
		}
	for (size_t i = 0; i < t->n; i++)
		if (t->names[i] && strcmp(t->names[i], name) == 0) {
			*ret_id = berth_xstrdup(t->ids[i]);
			return 0;
		}
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->ids[i], what, strlen(what)) == 0) {
			matches++;
			found = t->ids[i];
		}
	if (matches == 1 && *what) {
		*ret_id = berth_xstrdup(found);
		return 0;
	}
	if (matches > 1)
		return berth_error_set(err, EINVAL, "multiple containers match '%s'", what);
	return berth_error_set(err, ENOENT, "no such container: '%s'", what);
}

static int find_at(int cdir, const char *what, char **ret_id, struct berth_error **err)
{
	if (is_full_id(cdir, what)) {
		*ret_id = berth_xstrdup(what);
		return 0;
	}
	struct record_names t = {0};
	int r = record_names_load(cdir, &t, err);
	if (r >= 0)
		r = record_names_resolve(&t, what, ret_id, err);
	record_names_release(&t);
	return r;
}

int berth_container_find(struct berth_store *store, const char *what, char **ret_id,
			 struct berth_error **err)
{
	_cleanup_close_ int cdir = containers_dir(store, err);
	if (cdir < 0)
		return cdir;
	return find_at(cdir, what, ret_id, err);
}

int berth_container_find_many(struct berth_store *store, char *const *what, size_t n,
			      char **ret_ids, struct berth_error **errs)
{
	struct berth_error *e = NULL;
	_cleanup_close_ int cdir = containers_dir(store, &e);
	struct record_names t = {0};
	bool loaded = false;
	int r = cdir < 0 ? cdir : 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		ret_ids[i] = NULL;
		if (r >= 0 && is_full_id(cdir, what[i])) {
			ret_ids[i] = berth_xstrdup(what[i]);
			continue;
		}
		if (r >= 0 && !loaded) {
			r = record_names_load(cdir, &t, &e);
			loaded = true;
		}
		int k = r < 0 ? berth_error_set(&errs[i], berth_error_code(e), "%s",
						berth_error_msg(e))
			      : record_names_resolve(&t, what[i], &ret_ids[i], &errs[i]);
		if (k < 0 && !failed)
			failed = k;
	}
	record_names_release(&t);
	berth_error_free(&e);
	return failed;
}

/*
 * Makes record (or summary) st of id live: the monitor's liveness, the
 * freezer's pause (not read for a thawed summary) and health.json.
 */
static void record_make_live(const char *store_root, const char *id, json_t *st, bool thawed)
{
	/* a monitor that died (host reboot, kill -9) leaves "running" behind */
	if (json_is_true(json_object_get(json_object_get(st, "State"), "Running")) &&
	    !state_running(st)) {
		json_t *s = json_object_get(st, "State");
		json_object_set_new(s, "Running", json_false());
		json_object_set_new(s, "Status", json_string("exited"));
	}
	if (thawed)
		json_object_set_new(json_object_get(st, "State"), "Paused", json_false());
	else
		berth_container_state_set_paused(st);
	berth_container_health_inspect(store_root, id, st);
}

/* The record of id as inspect shows it, live; NULL when it has no readable state. */
static json_t *inspect_record(const char *store_root, int cdir, const char *id)
{
	json_t *st = read_state(cdir, id);
	if (st)
		record_make_live(store_root, id, st, false);
	return st;
}

int berth_container_inspect(struct berth_store *store, const char *what, json_t **ret,
			    struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_free_ char *id = NULL;
	_cleanup_close_ int cdir = containers_dir(store, err);
	if (cdir < 0)
		return cdir;
	int r = find_at(cdir, what, &id, err);
	if (r < 0)
		return r;
	json_t *st = inspect_record(store_root, cdir, id);
	if (!st)
		return berth_error_set(err, EBADMSG, "container '%s' has no readable state", id);
	*ret = st;
	return 0;
}

/* Each container's record, or its summary, live; one pass (a lookup per record made `ps` quadratic). */
static int list_records(struct berth_store *store, bool summary, json_t **ret,
			struct berth_error **err)
{
	_cleanup_close_ int cdir = containers_dir(store, err);
	if (cdir < 0)
		return cdir;
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read containers");
	const char *root = berth_store_root_path(store);
	json_t *all = json_array();
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
			continue;
		bool thawed = false;
		json_t *st = summary ? berth_container_summary_read(cdir, de->d_name, &thawed)
				     : read_state(cdir, de->d_name);
		if (!st)
			continue;
		record_make_live(root, de->d_name, st, thawed);
		json_array_append_new(all, st);
	}
	*ret = all;
	return 0;
}

int berth_container_list(struct berth_store *store, json_t **ret, struct berth_error **err)
{
	return list_records(store, false, ret, err);
}

int berth_container_list_summary(struct berth_store *store, json_t **ret, struct berth_error **err)
{
	return list_records(store, true, ret, err);
}

char *berth_container_log_path(struct berth_store *store, const char *id)
{
	const char *store_root = berth_store_root_path(store);
	return berth_xasprintf("%s/containers/%s/%s-json.log", store_root, id, id);
}

/* ---- for the other files of container/ (internal.h) ---- */

int berth_container_dir_open(struct berth_store *store, struct berth_error **err)
{
	return containers_dir(store, err);
}

bool berth_container_state_is_running(const json_t *st)
{
	return state_running(st);
}

bool berth_container_name_is_valid(const char *name)
{
	return name_is_valid(name);
}

bool berth_container_name_in_use(int cdir, const char *name)
{
	return name_in_use(cdir, name);
}

/*
 * A record file, replaced atomically (temp + rename: `ps` never reads half a
 * file). durable adds the fsyncs of berth_write_file_atomic; the record of an
 * --rm container goes without: it is removed when the container ends and a
 * crash leaves nothing to resume, so its fsyncs were pure cost on every run
 * (bench/run).
 */
int berth_container_record_file_write(int dfd, const char *name, const char *data, size_t len,
				      mode_t mode, bool durable, struct berth_error **err)
{
	return berth_write_file_renamed(dfd, name, data, len, mode, durable, NULL, err);
}
