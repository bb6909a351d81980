/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state of an OCI container (oci.h): its record in ROOT/ID/state.json,
 * the runtime-spec state JSON, and the status read from the live process.
 */
#include "runtime/oci.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"

#define STATE_MAX (1 << 20)

const char *berth_oci_status_name(enum berth_oci_status s)
{
	switch (s) {
	case BERTH_OCI_CREATING:
		return "creating";
	case BERTH_OCI_CREATED:
		return "created";
	case BERTH_OCI_RUNNING:
		return "running";
	case BERTH_OCI_PAUSED:
		return "paused";
	case BERTH_OCI_STOPPED:
		return "stopped";
	}
	return "unknown";
}

void berth_oci_state_release(struct berth_oci_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	berth_strv_free(st->cgroup.dirs);
	berth_strv_free(st->cgroup.kept);
	if (st->annotations)
		json_decref(st->annotations);
	*st = (struct berth_oci_state){0};
}

int berth_oci_check_id(const char *id, struct berth_error **err)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64 || id[0] == '.' ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyz"
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		       "0123456789_.-") != n)
		return berth_error_set(err, EINVAL,
				       "invalid container id '%s': 1 to 64 of [A-Za-z0-9_.-], "
				       "not starting with '.'",
				       id);
	return 0;
}

json_t *berth_oci_state_to_record(const struct berth_oci_state *st)
{
	json_t *dirs = berth_json_strv(st->cgroup.dirs);
	json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:o, s:O}", "id", st->id, "pid",
			      (json_int_t)st->pid, "start_time", (json_int_t)st->start_time,
			      "bundle", st->bundle, "rootfs", st->rootfs, "created", st->created,
			      "owner", (json_int_t)st->owner, "cgroup_dirs", dirs, "annotations",
			      st->annotations);
	if (st->post_hooks_known) {
		json_t *hooks = json_array();
		for (unsigned point = 0; point < BERTH_HOOK_POINTS; point++)
			if (st->post_hooks & (1u << point))
				json_array_append_new(hooks,
						      json_string(berth_hook_point_name(point)));
		json_object_set_new(j, "post_hooks", hooks);
	}
	/* a cgroupsPath's directories that existed before create: delete leaves them */
	if (st->cgroup.kept)
		json_object_set_new(j, "cgroup_kept", berth_json_strv(st->cgroup.kept));
	return j;
}

/* A string field that must be an absolute path. */
static int get_abs_path(const json_t *j, const char *key, char **ret, struct berth_error **err)
{
	const char *s;
	int r = berth_json_get_string(j, key, true, &s, err);
	if (r < 0)
		return r;
	if (s[0] != '/')
		return berth_error_set(err, EINVAL, "'%s' is not an absolute path", key);
	*ret = berth_xstrdup(s);
	return 0;
}

static int get_number(const json_t *j, const char *key, int64_t max, int64_t *ret,
		      struct berth_error **err)
{
	int r = berth_json_get_int(j, key, true, ret, err);
	if (r < 0)
		return r;
	if (*ret < 0 || *ret > max)
		return berth_error_set(err, EINVAL, "'%s' is out of range", key);
	return 0;
}

static int get_cgroup_dirs(const json_t *j, const char *key, char ***ret, struct berth_error **err)
{
	json_t *a, *v;
	size_t i;
	int r = berth_json_get_array(j, key, true, &a, err);
	if (r < 0)
		return r;
	json_array_foreach (a, i, v) {
		const char *d = json_string_value(v);
		/* the record names what delete removes: only cgroups */
		if (!d || strncmp(d, "/sys/fs/cgroup/", 15) != 0 || strstr(d, "/../") ||
		    strstr(d, "/./") || strstr(d, "//"))
			return berth_error_set(err, EINVAL, "'%s' holds a bad path", key);
		berth_strv_push(ret, d);
	}
	return 0;
}

/* "post_hooks": the names of the points (poststart, poststop) the bundle has hooks at. */
static int get_post_hooks(const json_t *j, struct berth_oci_state *st, struct berth_error **err)
{
	json_t *a, *v;
	size_t i;
	int r = berth_json_get_array(j, "post_hooks", false, &a, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	json_array_foreach (a, i, v) {
		const char *name = json_string_value(v);
		enum berth_hook_point points[] = {BERTH_HOOK_POSTSTART, BERTH_HOOK_POSTSTOP};
		size_t k = 0;
		while (k < ELEMENTSOF(points) &&
		       (!name || strcmp(name, berth_hook_point_name(points[k])) != 0))
			k++;
		if (k == ELEMENTSOF(points))
			return berth_error_set(err, EINVAL, "'post_hooks' holds a bad name");
		st->post_hooks |= 1u << points[k];
	}
	st->post_hooks_known = true;
	return 0;
}

/* Fills st (zeroed by the caller), which the caller releases on failure. */
static int state_from_record(const json_t *j, struct berth_oci_state *st, struct berth_error **err)
{
	const char *id, *created;
	int64_t n;
	json_t *ann;

	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "not a JSON object");
	int r = berth_json_get_string(j, "id", true, &id, err);
	if (r < 0 || (r = berth_oci_check_id(id, err)) < 0)
		return r;
	st->id = berth_xstrdup(id);
	if ((r = get_number(j, "pid", INT32_MAX, &n, err)) < 0)
		return r;
	st->pid = (pid_t)n;
	if ((r = get_number(j, "start_time", INT64_MAX, &n, err)) < 0)
		return r;
	st->start_time = (uint64_t)n;
	if ((r = get_number(j, "owner", UINT32_MAX - 1, &n, err)) < 0)
		return r;
	st->owner = (uid_t)n;
	if ((r = get_abs_path(j, "bundle", &st->bundle, err)) < 0 ||
	    (r = get_abs_path(j, "rootfs", &st->rootfs, err)) < 0)
		return r;
	if ((r = berth_json_get_string(j, "created", true, &created, err)) < 0)
		return r;
	st->created = berth_xstrdup(created);
	if ((r = get_cgroup_dirs(j, "cgroup_dirs", &st->cgroup.dirs, err)) < 0)
		return r;
	if ((r = get_post_hooks(j, st, err)) < 0)
		return r;
	if (json_object_get(j, "cgroup_kept") &&
	    (r = get_cgroup_dirs(j, "cgroup_kept", &st->cgroup.kept, err)) < 0)
		return r;
	if ((r = berth_json_get_object(j, "annotations", true, &ann, err)) < 0)
		return r;
	st->annotations = json_incref(ann);
	return 0;
}

int berth_oci_state_from_record(const json_t *j, struct berth_oci_state *ret,
				struct berth_error **err)
{
	*ret = (struct berth_oci_state){0};
	int r = state_from_record(j, ret, err);
	if (r < 0)
		berth_oci_state_release(ret);
	return r;
}

json_t *berth_oci_state_to_json(const struct berth_oci_state *st)
{
	json_t *j = json_pack("{s:s, s:s, s:s}", "ociVersion", "1.0.2", "id", st->id, "status",
			      berth_oci_status_name(st->status));
	if (st->status != BERTH_OCI_STOPPED && st->pid > 0)
		json_object_set_new(j, "pid", json_integer(st->pid));
	else
		json_object_set_new(j, "pid", json_integer(0));
	json_object_set_new(j, "bundle", json_string(st->bundle));
	json_object_set_new(j, "rootfs", json_string(st->rootfs));
	json_object_set_new(j, "created", json_string(st->created));
	json_object_set_new(j, "owner", json_string(""));
	json_object_set(j, "annotations", st->annotations);
	return j;
}

/*
 * Whether pid is still the process made at start_time: its state (field
 * 3) not a zombie and field 22 unchanged. A reused pid has another start.
 */
static bool process_is(pid_t pid, uint64_t start_time)
{
	char path[64];
	_cleanup_free_ char *data = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (berth_read_file_at(AT_FDCWD, path, 4096, &data, &len, NULL) < 0)
		return false;
	/* the command (field 2) may hold spaces and parentheses */
	char *p = strrchr(data, ')');
	if (!p || p[1] != ' ')
		return false;
	char state = p[2];
	if (state == 'Z' || state == 'X' || state == 'x')
		return false;
	int field = 3;
	for (p += 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22)
		return false;
	return strtoull(p, NULL, 10) == start_time;
}

static enum berth_oci_status read_status(int dir_fd, const struct berth_oci_state *st)
{
	if (st->pid == 0)
		return BERTH_OCI_CREATING;
	if (!process_is(st->pid, st->start_time))
		return BERTH_OCI_STOPPED;
	if (faccessat(dir_fd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return BERTH_OCI_CREATED;
	return berth_cgroup_is_frozen(&st->cgroup) == 1 ? BERTH_OCI_PAUSED : BERTH_OCI_RUNNING;
}

int berth_oci_load(const char *root, const char *id, struct berth_oci_state *ret,
		   struct berth_error **err)
{
	_cleanup_close_ int root_fd = -EBADF, dir_fd = -EBADF;
	_cleanup_json_ json_t *j = NULL;
	struct berth_oci_state st = {0};

	int r = berth_oci_check_id(id, err);
	if (r < 0)
		return r;
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd >= 0)
		dir_fd = openat(root_fd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0) {
		if (errno == ENOENT)
			return berth_error_set(err, ENOENT, "container '%s' does not exist", id);
		return berth_error_syscall(err, errno, "open '%s/%s'", root, id);
	}
	r = berth_json_read_at(dir_fd, "state.json", STATE_MAX, &j, err);
	if (r < 0)
		return berth_error_prefix(err, "container '%s'", id);
	r = berth_oci_state_from_record(j, &st, err);
	if (r < 0)
		return berth_error_prefix(err, "'%s/%s/state.json'", root, id);
	if (strcmp(st.id, id) != 0) {
		berth_oci_state_release(&st);
		return berth_error_set(err, EINVAL, "'%s/%s/state.json' is of another container",
				       root, id);
	}
	berth_cgroup_detect(&st.cgroup.layout, NULL);
	st.status = read_status(dir_fd, &st);
	*ret = st;
	return 0;
}

int berth_oci_list(const char *root, char ***ret, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	char **ids = NULL;
	if (!d) {
		if (errno == ENOENT) {
			*ret = NULL;
			return 0;
		}
		return berth_error_syscall(err, errno, "open '%s'", root);
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && berth_oci_check_id(e->d_name, NULL) >= 0 &&
		    faccessat(dirfd(d), e->d_name, F_OK, 0) == 0)
			berth_strv_push(&ids, e->d_name);
	berth_strv_sort(ids);
	*ret = ids;
	return 0;
}
