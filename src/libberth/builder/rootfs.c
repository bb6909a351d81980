/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "layer/layer.h"
#include "runtime/runtime.h"

struct open_ctx {
	struct bstore *store;
	const struct blayer *layers;
};

static int open_layer_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct open_ctx *c = ctx;
	return bstore_open_blob(c->store, &c->layers[i].digest, err);
}

int image_lowerdirs(struct bstore *s, const struct bimage *im, char ***ret,
		    struct berth_error **err)
{
	_cleanup_free_ struct berth_digest *ids = NULL;
	struct open_ctx c = {.store = s, .layers = im->layers};

	if (im->n_layers == 0) {
		*ret = NULL;
		return 0;
	}
	ids = berth_xreallocarray(NULL, im->n_layers, sizeof(*ids));
	for (size_t i = 0; i < im->n_layers; i++)
		ids[i] = im->layers[i].diff_id;
	return berth_layer_stack_prepare(bstore_root_fd(s), ids, im->n_layers, open_layer_blob, &c,
					 0, ret, err);
}

int sstate_lowerdirs(struct sstate *ss, char ***ret, struct berth_error **err)
{
	return image_lowerdirs(ss->b->store, &ss->img, ret, err);
}

void sstate_unmount(struct sstate *ss)
{
	if (ss->view_fd >= 0)
		close(ss->view_fd);
	ss->view_fd = -EBADF;
	if (ss->view_path) {
		(void)umount2(ss->view_path, MNT_DETACH);
		(void)rmdir(ss->view_path);
		free(ss->view_path);
		ss->view_path = NULL;
	}
}

/* Mounts im's layers read-only at path (left as it is without layers); an O_PATH fd of it. */
static int mount_view(struct builder *b, const struct bimage *im, const char *path,
		      struct berth_error **err)
{
	_cleanup_strv_free_ char **lower = NULL;
	_cleanup_umount_ char *mounted = NULL;
	int r;

	if (im->n_layers > 0) {
		r = image_lowerdirs(b->store, im, &lower, err);
		if (r < 0)
			return r;
		r = berth_overlay_mount(lower, NULL, NULL, path, BERTH_OVERLAY_RDONLY, err);
		if (r < 0)
			return r;
		mounted = berth_xstrdup(path);
	}
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", path);
	free(TAKE_PTR(mounted)); /* the caller's now, until image_view_release() */
	return fd;
}

/*
 * Mounts a read-only view of im at a fresh directory below the build's tmp
 * dir; *ret_path is owned, *ret_fd an O_PATH directory fd of the view.
 * Everything read through it goes through berth_open_in_root() with this fd
 * as the root, so the image's symlinks stay inside it.
 */
int image_view(struct builder *b, const struct bimage *im, char **ret_path, int *ret_fd,
	       struct berth_error **err)
{
	_cleanup_free_ char *path = NULL;
	char rnd[17];

	berth_random_hex(rnd, 8);
	path = berth_xasprintf("%s/view-%s", b->tmp_path, rnd);
	if (mkdir(path, 0700) < 0)
		return berth_error_syscall(err, errno, "create '%s'", path);
	int fd = mount_view(b, im, path, err);
	if (fd < 0) {
		(void)rmdir(path);
		return fd;
	}
	*ret_fd = fd;
	*ret_path = TAKE_PTR(path);
	return 0;
}

void image_view_release(char *path, int fd)
{
	if (fd >= 0)
		close(fd);
	if (path) {
		(void)umount2(path, MNT_DETACH);
		(void)rmdir(path);
		free(path);
	}
}

int sstate_rootfs(struct sstate *ss, int *ret_fd, struct berth_error **err)
{
	int r;

	if (ss->view_path && ss->view_layers == ss->img.n_layers) {
		*ret_fd = ss->view_fd;
		return 0;
	}
	sstate_unmount(ss);
	r = image_view(ss->b, &ss->img, &ss->view_path, &ss->view_fd, err);
	if (r < 0)
		return r;
	ss->view_layers = ss->img.n_layers;
	*ret_fd = ss->view_fd;
	return 0;
}

int sstate_add_layer(struct sstate *ss, layer_fill_fn fill, void *ctx, struct berth_error **err)
{
	struct berth_layer_write_options o;
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *lw = NULL;
	struct bstore_writer *w = NULL;
	struct berth_layer_info info;
	struct blayer l = {0};
	int r;

	berth_layer_write_options_default(&o);
	o.clamp_mtime = ss->b->o->has_source_date_epoch;
	o.source_date_epoch = ss->b->o->source_date_epoch;
	/*
	 * Uncompressed, as BuildKit's and Docker's local stores keep layers:
	 * compressing a layer costs far more than writing it (gzip of a 200 MB
	 * file, ~5 s), and it is paid when the image leaves the machine, once
	 * per layer (push: berth_image_layer_compress).
	 */
	o.compression = BERTH_LAYER_UNCOMPRESSED;
	r = bstore_writer_begin(ss->b->store, &w, err);
	if (r < 0)
		return r;
	r = berth_layer_writer_new(&o, bstore_writer_sink, w, &lw, err);
	if (r < 0)
		goto fail;
	r = fill(ctx, lw, err);
	if (r < 0)
		goto fail;
	r = berth_layer_writer_finish(lw, &info, err);
	if (r < 0)
		goto fail;
	r = bstore_writer_commit(ss->b->store, w, &l.digest, &l.size, err);
	w = NULL;
	if (r < 0)
		return r;
	if (!berth_digest_eq(&l.digest, &info.digest))
		return berth_error_set(err, EBADMSG,
				       "layer digest mismatch between writer and store");
	l.diff_id = info.diff_id;
	l.media_type = (char *)info.media_type;
	bimage_add_layer(&ss->img, &l);
	return 0;
fail:
	/* the layer writer flushes into the blob writer when freed: free it first */
	berth_layer_writer_free(TAKE_PTR(lw));
	if (w)
		bstore_writer_abort(w);
	return r;
}

/* An empty directory in the build's tmp dir: the source of directory entries. */
int builder_empty_dir(struct builder *b, struct berth_error **err)
{
	if (mkdirat(b->tmp_fd, "empty", 0755) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create 'empty' in '%s'", b->tmp_path);
	return 0;
}

/* Resolves a --chown or USER value against the rootfs's /etc/passwd and /etc/group. */
int sstate_resolve_user(struct sstate *ss, const char *spec, uid_t *ret_uid, gid_t *ret_gid,
			struct berth_error **err)
{
	char *end;

	/* numbers alone need no lookup, and work on scratch images */
	const char *colon = strchr(spec, ':');
	unsigned long u = strtoul(spec, &end, 10);
	if (end != spec && (end == colon || *end == '\0')) {
		unsigned long g = u;
		bool num = true;
		if (colon) {
			g = strtoul(colon + 1, &end, 10);
			num = end != colon + 1 && *end == '\0';
		}
		if (num && u <= 0xfffffffeUL && g <= 0xfffffffeUL) {
			*ret_uid = (uid_t)u;
			*ret_gid = (gid_t)g;
			return 0;
		}
	}
	int fd;
	int r = sstate_rootfs(ss, &fd, err);
	if (r < 0)
		return r;
	struct berth_user user = {0};
	r = berth_user_resolve(fd, spec, &user, err);
	if (r < 0)
		return berth_error_prefix(err, "unable to resolve user '%s'", spec);
	*ret_uid = user.uid;
	*ret_gid = user.gid;
	berth_user_release(&user);
	return 0;
}

struct workdir_fill {
	struct builder *b;
	char **dirs;
	uid_t uid;
	gid_t gid;
	bool owner;
};

static int fill_workdir(void *ctx, struct berth_layer_writer *w, struct berth_error **err)
{
	struct workdir_fill *f = ctx;
	size_t n = berth_strv_len(f->dirs);
	_cleanup_free_ struct berth_layer_entry *e = berth_xcalloc(n ? n : 1, sizeof(*e));
	size_t i = 0;
	BERTH_STRV_FOREACH (d, f->dirs) {
		e[i++] = (struct berth_layer_entry){
			.src_dir_fd = f->b->tmp_fd,
			.src_path = "empty",
			.dest = *d,
			.uid = f->uid,
			.gid = f->gid,
			.set_owner = f->owner,
			.mode = 0755,
			.set_mode = true,
		};
	}
	return berth_layer_writer_add_entries(w, e, n, err);
}

int exec_workdir(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		 struct berth_error **err)
{
	_cleanup_free_ char *v = NULL, *clean = NULL, *abs = NULL, *text = NULL;
	_cleanup_strv_free_ char **missing = NULL;
	json_t *cfg;
	int r, root;

	if (ins->n_args != 1) {
		berth_error_set(err, EINVAL, "WORKDIR requires exactly one argument");
		return builder_error_at(ss->b, ins, err);
	}
	r = sstate_expand(ss, ins->args[0], &v, err);
	if (r < 0)
		return builder_error_at(ss->b, ins, err);
	cfg = bimage_cfg(&ss->img);
	if (v[0] != '/') {
		const char *cur = json_string_value(json_object_get(cfg, "WorkingDir"));
		abs = berth_xasprintf("%s/%s", cur && *cur ? cur : "", v);
	} else {
		abs = berth_xstrdup(v);
	}
	/* WORKDIR is a path in the image: ".." is clamped at "/" as a chroot would */
	{
		_cleanup_strv_free_ char **parts = NULL;
		const char *p = abs;
		while (*p) {
			while (*p == '/')
				p++;
			size_t n = strcspn(p, "/");
			if (n == 0)
				break;
			if (n == 2 && p[0] == '.' && p[1] == '.') {
				berth_strv_pop(parts);
			} else if (!(n == 1 && p[0] == '.')) {
				berth_strv_consume(&parts, berth_xstrndup(p, n));
			}
			p += n;
		}
		struct berth_buf b = BERTH_BUF_INIT;
		BERTH_STRV_FOREACH (s, parts)
			berth_buf_addf(&b, "/%s", *s);
		if (b.len == 0)
			berth_buf_addch(&b, '/');
		clean = berth_buf_detach(&b, NULL);
	}
	text = berth_xasprintf("WORKDIR %s", clean);
	r = step_begin(ss, ins, text, NULL, 0, err);
	if (r != 0)
		return r < 0 ? r : 0;
	json_object_set_new(cfg, "WorkingDir", json_string(clean));

	/* which components are missing in the image so far (--change has no rootfs) */
	if (strcmp(clean, "/") != 0 && !ss->b->config_only) {
		r = sstate_rootfs(ss, &root, err);
		if (r < 0)
			return builder_error_at(ss->b, ins, err);
		struct berth_buf pre = BERTH_BUF_INIT;
		const char *p = clean + 1;
		bool gone = false;
		while (*p) {
			size_t n = strcspn(p, "/");
			if (pre.len)
				berth_buf_addch(&pre, '/');
			berth_buf_add(&pre, p, n);
			if (!gone) {
				int fd = berth_open_in_root(root, pre.buf, O_PATH, 0, NULL);
				if (fd >= 0) {
					struct stat st;
					if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
						close(fd);
						berth_buf_release(&pre);
						berth_error_set(err, ENOTDIR,
								"WORKDIR '%s' is not a directory "
								"in the image",
								clean);
						return builder_error_at(ss->b, ins, err);
					}
					close(fd);
				} else {
					gone = true;
				}
			}
			if (gone)
				berth_strv_push(&missing, pre.buf);
			p += n;
			while (*p == '/')
				p++;
		}
		berth_buf_release(&pre);
	}
	/*
	 * BuildKit's mkdir -p makes a layer for every WORKDIR but "/", empty
	 * when the directory is already there (--change: no layers)
	 */
	if (strcmp(clean, "/") != 0 && !ss->b->config_only) {
		struct workdir_fill f = {.b = ss->b, .dirs = missing};
		const char *user = json_string_value(json_object_get(cfg, "User"));
		if (missing && user && *user) {
			r = sstate_resolve_user(ss, user, &f.uid, &f.gid, err);
			if (r < 0)
				return builder_error_at(ss->b, ins, err);
			f.owner = true;
		}
		r = builder_empty_dir(ss->b, err);
		if (r < 0)
			return r;
		r = sstate_add_layer(ss, fill_workdir, &f, err);
		if (r < 0)
			return builder_error_at(ss->b, ins, err);
	}
	sstate_history(ss, text, strcmp(clean, "/") == 0);
	return step_end(ss, err);
}
