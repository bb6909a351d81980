/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's filesystem against its image: `diff` (its upper dir read as
 * Docker's overlay2 driver reads it), `export` (a tar of its rootfs) and
 * `commit` (its upper dir as a new top layer). The upper dir was written by
 * the container: it is walked with *at() calls on held directory fds,
 * symlinks never followed; the image's layers are read through
 * berth_open_in_root.
 */
#include "container/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "layer/layer.h"
#include "store/store.h"

/* The record of what and its id (both owned by the caller). */
static int container_record(struct berth_store *store, const char *what, json_t **ret_st,
			    char **ret_id, struct berth_error **err)
{
	int r = berth_container_find(store, what, ret_id, err);
	if (r >= 0)
		r = berth_container_inspect(store, *ret_id, ret_st, err);
	return r;
}

/* containers/<id>/upper, opened without following a link. */
static int open_upper(struct berth_store *store, const char *id, struct berth_error **err)
{
	_cleanup_close_ int cdir = berth_container_dir_open(store, err);
	if (cdir < 0)
		return cdir;
	_cleanup_free_ char *p = berth_xasprintf("%s/upper", id);
	int fd = openat(cdir, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open the upper dir of container '%s'", id);
	return fd;
}

char **berth_container_state_lowerdirs(const json_t *st)
{
	json_t *l = json_object_get(st, "Lowerdirs");
	char **v = NULL;
	for (size_t i = json_array_size(l); i > 0; i--) {
		const char *s = json_string_value(json_array_get(l, i - 1));
		if (s)
			berth_strv_push(&v, s);
	}
	return v;
}

static bool is_whiteout(const struct stat *s)
{
	return S_ISCHR(s->st_mode) && major(s->st_rdev) == 0 && minor(s->st_rdev) == 0;
}

static bool is_opaque(int dir_fd)
{
	char v[2] = "";
	ssize_t n = fgetxattr(dir_fd, "trusted.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

void berth_changes_free(struct berth_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

struct diff_walk {
	int *lower_fds; /* top first, as overlay looks them up */
	size_t n_lower;
	struct berth_change *v;
	size_t n;
};

static void add_change(struct diff_walk *w, char kind, const char *path)
{
	w->v = berth_xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	w->v[w->n++] = (struct berth_change){.kind = kind, .path = berth_xstrdup(path)};
}

/* path ("/etc/x") in the image's layers, as Docker's os.Stat on each layer: 0 none. */
static int lower_stat(struct diff_walk *w, const char *path, struct stat *ret)
{
	for (size_t i = 0; i < w->n_lower; i++) {
		_cleanup_close_ int fd =
			berth_open_in_root(w->lower_fds[i], path, O_PATH | O_CLOEXEC, 0, NULL);
		if (fd < 0)
			continue;
		if (fstat(fd, ret) == 0)
			return 1;
	}
	return 0;
}

/*
 * The mount points the runtime makes in the upper dir when the image lacks
 * them: Docker's init layer holds these, so its diff never shows them.
 */
static bool is_init_path(const char *path)
{
	static const char *const init[] = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
					   "/dev",	 "/proc",	  "/sys"};
	for (size_t i = 0; i < ELEMENTSOF(init); i++)
		if (strcmp(path, init[i]) == 0)
			return true;
	return false;
}

/* A directory that holds nothing but init mount points (/etc with hosts and resolv.conf). */
static bool holds_only_init_paths(int dir_fd, const char *dir_path)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(dir_fd, ".");
	if (!d)
		return false;
	struct dirent *de;
	size_t n = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *p = berth_xasprintf("%s/%s", dir_path, de->d_name);
		if (!is_init_path(p))
			return false;
		n++;
	}
	return n > 0;
}

/*
 * Docker's archive.changes with overlayDeletedFile, in its walk order (each
 * directory's entries sorted): a whiteout or an opaque directory the image
 * has is D, an entry the image has is C (a directory only when its size,
 * mode or mtime differ), anything else A; the parent of an A or D is C once.
 */
static int diff_dir(struct diff_walk *w, int dir_fd, const char *dir_path, bool *parent_recorded,
		    struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(dir_fd, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read '%s' of the upper dir",
					   *dir_path ? dir_path : "/");
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			berth_strv_push(&names, de->d_name);
	berth_strv_sort(names);
	BERTH_STRV_FOREACH (n, names) {
		_cleanup_free_ char *path = berth_xasprintf("%s/%s", dir_path, *n);
		struct stat s, ls;
		if (fstatat(dir_fd, *n, &s, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_syscall(err, errno, "stat '%s' of the upper dir", path);
		_cleanup_close_ int sub = -EBADF;
		if (S_ISDIR(s.st_mode)) {
			sub = openat(dir_fd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return berth_error_syscall(err, errno, "open '%s' of the upper dir",
							   path);
		}
		bool in_lower = lower_stat(w, path, &ls) == 1;
		if (!in_lower && is_init_path(path))
			continue;
		char kind = 0;
		if (is_whiteout(&s) || (sub >= 0 && is_opaque(sub) && in_lower))
			kind = 'D';
		else if (!in_lower)
			kind = 'A';
		else if (!(S_ISDIR(s.st_mode) && S_ISDIR(ls.st_mode) && s.st_size == ls.st_size &&
			   s.st_mode == ls.st_mode && s.st_mtim.tv_sec == ls.st_mtim.tv_sec &&
			   s.st_mtim.tv_nsec == ls.st_mtim.tv_nsec) &&
			 !(sub >= 0 && holds_only_init_paths(sub, path)))
			kind = 'C';
		if ((kind == 'A' || kind == 'D') && *dir_path && !*parent_recorded) {
			add_change(w, 'C', dir_path);
			*parent_recorded = true;
		}
		bool recorded = kind != 0;
		if (kind)
			add_change(w, kind, path);
		if (sub >= 0 && !is_whiteout(&s)) {
			int r = diff_dir(w, sub, path, &recorded, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int berth_container_diff(struct berth_store *store, const char *what, struct berth_change **ret,
			 size_t *ret_n, struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *id = NULL;
	int r = container_record(store, what, &st, &id, err);
	if (r < 0)
		return r;
	_cleanup_close_ int upper = open_upper(store, id, err);
	if (upper < 0)
		return upper;
	_cleanup_strv_free_ char **lower = berth_container_state_lowerdirs(st);
	struct diff_walk w = {.n_lower = berth_strv_len(lower)};
	w.lower_fds = berth_xcalloc(w.n_lower + 1, sizeof(int));
	for (size_t i = 0; i < w.n_lower; i++) {
		/* top first */
		const char *l = lower[w.n_lower - 1 - i];
		w.lower_fds[i] = open(l, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (w.lower_fds[i] < 0) {
			r = berth_error_syscall(err, errno, "open layer '%s'", l);
			w.n_lower = i;
			break;
		}
	}
	bool root_recorded = false;
	if (r >= 0)
		r = diff_dir(&w, upper, "", &root_recorded, err);
	for (size_t i = 0; i < w.n_lower; i++)
		close(w.lower_fds[i]);
	free(w.lower_fds);
	if (r < 0) {
		berth_changes_free(w.v, w.n);
		return berth_error_prefix(err, "diff of container '%s'", what);
	}
	*ret = w.v;
	*ret_n = w.n;
	return 0;
}

/*
 * The container's rootfs as it is now, read-only and detached: an overlay
 * of its image's layers with its upper dir as the top lower dir (whiteouts
 * apply), without its volumes and mounts, as Docker's export. Works the same
 * whether it runs or not; the kernel may warn that the upper dir is in use.
 */
static int open_rootfs_view(const char *store_root, const json_t *st, const char *id,
			    struct berth_error **err)
{
	_cleanup_strv_free_ char **lower = berth_container_state_lowerdirs(st);
	_cleanup_free_ char *upper = berth_xasprintf("%s/containers/%s/upper", store_root, id);
	berth_strv_push(&lower, upper);
	return berth_overlay_open(lower, NULL, NULL, 0, err);
}

int berth_container_export(struct berth_store *store, const char *what, int out_fd,
			   struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *id = NULL;
	int r = container_record(store, what, &st, &id, err);
	if (r < 0)
		return r;
	_cleanup_close_ int root = open_rootfs_view(store_root, st, id, err);
	if (root < 0)
		return berth_error_prefix(err, "export container '%s'", what);
	struct berth_layer_write_options o = {.compression = BERTH_LAYER_UNCOMPRESSED};
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	int fd = out_fd;
	r = berth_layer_writer_new(&o, berth_layer_sink_fd, &fd, &w, err);
	if (r >= 0)
		r = berth_layer_writer_add_tree(w, root, "", err);
	if (r >= 0)
		r = berth_layer_writer_finish(w, &info, err);
	if (r < 0)
		return berth_error_prefix(err, "export container '%s'", what);
	return 0;
}

/* Docker's history created_by of a commit: the container's command joined by spaces. */
static char *container_command(const json_t *st)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	const char *path = json_string_value(json_object_get(st, "Path"));
	berth_buf_addstr(&b, path ? path : "");
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(st, "Args"), i, v) {
		berth_buf_addch(&b, ' ');
		berth_buf_addstr(&b, json_string_value(v) ? json_string_value(v) : "");
	}
	return berth_buf_detach(&b, NULL);
}

/*
 * The upper dir as a layer blob of the store, uncompressed as a build's
 * layers are: a push compresses it once (image/compressed.c).
 */
static int write_upper_layer(struct berth_store *s, int upper_fd, struct berth_layer_info *ret,
			     struct berth_error **err)
{
	struct berth_layer_write_options o;
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	berth_layer_write_options_default(&o);
	o.compression = BERTH_LAYER_UNCOMPRESSED;
	int r = berth_layer_writer_new_store(s, &o, &w, err);
	if (r >= 0)
		r = berth_layer_writer_add_upper(w, upper_fd, err);
	if (r >= 0)
		r = berth_layer_writer_finish(w, ret, err);
	return r;
}

static int commit_image(struct berth_store *s, const json_t *st, const char *id,
			const struct berth_commit_options *o, struct berth_digest *ret_id,
			struct berth_error **err)
{
	const char *image = json_string_value(json_object_get(st, "Image"));
	if (!image || !*image)
		return berth_error_set(err, EINVAL,
				       "the container runs on a --rootfs directory: there is no "
				       "image to commit onto");
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_(berth_image_config_freep) struct berth_image_config *c = NULL;
	int r = berth_image_resolve(s, image, &img, err);
	if (r < 0)
		return r;
	size_t len = 0;
	_cleanup_free_ char *cfg = berth_image_config_serialize(img->config, &len);
	r = berth_image_config_parse(cfg, len, &c, err);
	if (r < 0)
		return r;
	r = berth_image_config_apply_changes(c, o->changes, o->apply_changes, err);
	if (r < 0)
		return r;
	_cleanup_close_ int upper = open_upper(s, id, err);
	if (upper < 0)
		return upper;
	struct berth_layer_info info;
	r = write_upper_layer(s, upper, &info, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *now = berth_container_now();
	_cleanup_free_ char *cmd = container_command(st);
	free(c->created);
	c->created = berth_xstrdup(now);
	if (o->author && *o->author) {
		free(c->author);
		c->author = berth_xstrdup(o->author);
	}
	struct berth_history h = {.created = now,
				  .created_by = cmd,
				  .comment =
					  (char *)(o->message && *o->message ? o->message : NULL),
				  .author = (char *)(o->author && *o->author ? o->author : NULL)};
	berth_image_config_add_layer(c, &info.diff_id, &h);
	size_t n = img->manifest->n_layers;
	_cleanup_free_ struct berth_descriptor *layers = berth_xcalloc(n + 1, sizeof(*layers));
	memcpy(layers, img->manifest->layers, n * sizeof(*layers));
	layers[n] = (struct berth_descriptor){
		.media_type = (char *)info.media_type, .digest = info.digest, .size = info.size};
	return berth_image_write(s, c, layers, n + 1, o->name, NULL, ret_id, err);
}

int berth_container_commit(struct berth_store *store, const char *what,
			   const struct berth_commit_options *o, struct berth_digest *ret_id,
			   struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *id = NULL;
	int r = container_record(store, what, &st, &id, err);
	if (r < 0)
		return r;
	/* as Docker: paused while its upper dir is read, unless -p=false or it already is */
	bool pause = o->pause && berth_container_state_is_running(st) &&
		     !json_is_true(json_object_get(json_object_get(st, "State"), "Paused"));
	if (pause) {
		r = berth_container_pause(store, id, err);
		if (r < 0)
			return r;
	}
	r = commit_image(store, st, id, o, ret_id, err);
	if (pause) {
		int q = berth_container_unpause(store, id, r < 0 ? NULL : err);
		if (r >= 0)
			r = q;
	}
	if (r < 0)
		return berth_error_prefix(err, "commit container '%s'", what);
	return 0;
}
