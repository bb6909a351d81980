/* SPDX-License-Identifier: Apache-2.0 */
/* RUN --mount: the mounts of a RUN step, each source handed to the runtime as an fd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/flags.h"
#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "dockerfile/shell.h"
#include "layer/layer.h"
#include "runtime/runtime.h"

/* The secret file of --secret id=X,src=F. */
static char *secret_source(struct builder *b, const char *id)
{
	BERTH_STRV_FOREACH (s, b->o->secrets) {
		_cleanup_free_ char *sid = NULL, *src = NULL;
		_cleanup_free_ char *copy = berth_xstrdup(*s);
		char *save = NULL;
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			if (strncmp(kv, "id=", 3) == 0)
				free(sid), sid = berth_xstrdup(kv + 3);
			else if (strncmp(kv, "src=", 4) == 0 || strncmp(kv, "source=", 7) == 0)
				free(src), src = berth_xstrdup(strchr(kv, '=') + 1);
		}
		if (sid && src && strcmp(sid, id) == 0)
			return TAKE_PTR(src);
	}
	return NULL;
}

void run_dirs_release(struct run_dirs *d)
{
	berth_closep(&d->secrets_fd);
	for (size_t i = d->n_scratch; i > 0; i--)
		berth_umount_freep(&d->scratch[i - 1]);
	free(d->scratch);
	for (size_t i = 0; i < d->n_views; i++)
		image_view_release(d->views[i], d->view_fds[i]);
	free(d->views);
	free(d->view_fds);
	berth_closep(&d->fd);
	if (d->path) {
		char *slash = strrchr(d->path, '/');
		if (slash) {
			*slash = '\0';
			_cleanup_close_ int pfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (pfd >= 0)
				(void)berth_rm_rf_at(pfd, slash + 1, NULL);
		}
		free(d->path);
	}
	*d = (struct run_dirs){.fd = -EBADF, .secrets_fd = -EBADF};
}

/* A fresh name below the run dir for one mount's files. */
static char *run_dirs_name(struct run_dirs *d, const char *what)
{
	return berth_xasprintf("%s-%u", what, d->n_files++);
}

/*
 * The tmpfs that holds this step's secrets, mounted below the run dir: a
 * secret never touches the store's disk, and its copy (not the user's file)
 * gets the mode and owner the Dockerfile asks for.
 */
static int secrets_dir(struct run_dirs *d, struct berth_error **err)
{
	if (d->secrets_fd >= 0)
		return d->secrets_fd;
	_cleanup_umount_ char *mounted = NULL;
	_cleanup_close_ int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
	_cleanup_close_ int mfd = -EBADF;
	if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return berth_error_syscall(err, errno, "create the secrets tmpfs");
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mfd < 0)
		return berth_error_syscall(err, errno, "mount the secrets tmpfs");
	if (mkdirat(d->fd, "secrets", 0700) < 0 ||
	    move_mount(mfd, "", d->fd, "secrets", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_syscall(err, errno, "attach the secrets tmpfs");
	mounted = berth_xasprintf("%s/secrets", d->path);
	int fd = openat(d->fd, "secrets", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open the secrets tmpfs");
	berth_strv_consume(&d->scratch, TAKE_PTR(mounted));
	d->n_scratch++;
	d->secrets_fd = fd;
	return fd;
}

/* BuildKit's limit on one secret. */
#define SECRET_MAX (500 * 1024)

/* RUN --mount=type=secret: a copy of the file, 0400 root unless mode=/uid=/gid= say otherwise. */
static int add_secret_mount(struct builder *b, struct run_dirs *d, const struct build_run_mount *m,
			    struct berth_spec *spec, struct berth_error **err)
{
	/* BuildKit: the id defaults to the target's base name */
	const char *id = m->id ? m->id : m->source ? m->source : strrchr(m->target, '/') + 1;
	_cleanup_free_ char *src = secret_source(b, id);
	_cleanup_free_ char *data = NULL, *name = NULL;
	_cleanup_close_ int in = -EBADF, out = -EBADF;
	size_t len;
	if (!src) {
		if (m->required)
			return berth_error_set(err, ENOENT,
					       "secret '%s' not found: pass it with --secret "
					       "id=%s,src=FILE",
					       id, id);
		return 0;
	}
	/* the user's own file, named on the command line: followed like any argument */
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return berth_error_syscall(err, errno, "secret '%s': open '%s'", id, src);
	int r = berth_read_fd(in, SECRET_MAX, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "secret '%s': read '%s'", id, src);
	int dir = secrets_dir(d, err);
	if (dir < 0)
		return dir;
	name = run_dirs_name(d, "secret");
	out = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berth_error_syscall(err, errno, "create the copy of secret '%s'", id);
	r = berth_write_all(out, data, len, err);
	if (r < 0)
		return r;
	if (fchown(out, m->has_uid ? m->uid : 0, m->has_gid ? m->gid : 0) < 0 ||
	    fchmod(out, m->has_mode ? m->mode : 0400) < 0)
		return berth_error_syscall(err, errno, "set the owner of secret '%s'", id);
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open the copy of secret '%s'", id);
	const char *o[] = {"bind", "ro", "nosuid", "nodev", "noexec", NULL};
	berth_spec_add_mount_fd(spec, m->target, fd, src, o);
	return 0;
}

/* RUN --mount=type=cache: a directory per id below cache/mounts, kept between builds. */
static int add_cache_mount(struct builder *b, const struct build_run_mount *m,
			   struct berth_spec *spec, struct berth_error **err)
{
	struct berth_digest dg;
	char hex[65];
	const char *id = m->id ? m->id : m->target;
	berth_digest_of(id, strlen(id), &dg);
	_cleanup_free_ char *rel =
		berth_xasprintf("cache/mounts/%.32s", berth_digest_hex(&dg, hex));
	int fd = berth_mkdirs_in_root(bstore_root_fd(b->store), rel, 0755, err);
	if (fd < 0)
		return fd;
	const char *o[] = {"rbind", m->readonly ? "ro" : "rw", "nosuid", "nodev", NULL};
	berth_spec_add_mount_fd(spec, m->target, fd, rel, o);
	return 0;
}

/* Opens the source of bind from=: a read-only view of the stage or image, the path in it. */
static int open_from_source(struct sstate *ss, struct run_dirs *d, const char *from,
			    const char *clean, struct berth_error **err)
{
	struct builder *b = ss->b;
	_cleanup_free_ char *fv = NULL;
	struct bimage tmp = {0};
	const struct bimage *im;
	int r = berth_shell_expand_word(from, b->global_args, b->df->escape, &fv, err);
	if (r < 0)
		return r;
	int idx = builder_find_stage(b, fv, ss->st->index);
	if (idx >= 0) {
		im = &b->stages[idx].img;
	} else {
		r = bstore_resolve(b->store, fv, &tmp, err);
		if (r < 0)
			return r;
		im = &tmp;
	}
	char *vp = NULL;
	int vfd = -EBADF;
	r = image_view(b, im, &vp, &vfd, err);
	bimage_release(&tmp);
	if (r < 0)
		return r;
	d->views = berth_xreallocarray(d->views, d->n_views + 1, sizeof(char *));
	d->view_fds = berth_xreallocarray(d->view_fds, d->n_views + 1, sizeof(int));
	d->views[d->n_views] = vp;
	d->view_fds[d->n_views++] = vfd;
	/* resolved inside the view, its symlinks clamped to it */
	return berth_open_in_root(vfd, *clean ? clean : ".", O_PATH, 0, err);
}

/* A private copy of the regular file src (an O_PATH fd) in the run dir; its O_PATH fd. */
static int private_copy(struct run_dirs *d, int src, struct berth_error **err)
{
	char proc[64];
	_cleanup_free_ char *name = run_dirs_name(d, "file");
	_cleanup_close_ int in = -EBADF, out = -EBADF;
	struct stat st;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src);
	/* the magic link reopens the very inode that was checked */
	in = open(proc, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		return berth_error_syscall(err, errno, "open");
	out = openat(d->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berth_error_syscall(err, errno, "create a private copy");
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		int r = berth_write_all(out, buf, (size_t)n, err);
		if (r < 0)
			return r;
	}
	if (n < 0)
		return berth_error_syscall(err, errno, "read");
	if (fchown(out, st.st_uid, st.st_gid) < 0 || fchmod(out, st.st_mode & 07777) < 0)
		return berth_error_syscall(err, errno, "copy the owner and mode");
	int fd = openat(d->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open a private copy");
	return fd;
}

/*
 * A writable stand-in for src (an O_PATH fd of a directory or a regular
 * file of the context or an image view), as BuildKit gives a rw bind: a
 * directory gets an overlay with src as its lower dir and a fresh upper dir
 * below the run dir, a file a private copy. Writes are thrown away with the
 * run dir and never reach src. Returns an O_PATH fd of the stand-in.
 */
static int writable_standin(struct run_dirs *d, int src, struct berth_error **err)
{
	struct stat st;
	if (fstat(src, &st) < 0)
		return berth_error_syscall(err, errno, "stat");
	if (S_ISREG(st.st_mode))
		return private_copy(d, src, err);
	if (!S_ISDIR(st.st_mode))
		return berth_error_set(err, EINVAL, "not a directory or a regular file");
	_cleanup_free_ char *name = run_dirs_name(d, "rw");
	char *mnt = NULL;
	int fd = berth_overlay_scratch_mount(src, d->fd, name, &mnt, err);
	if (fd < 0)
		return fd;
	berth_strv_consume(&d->scratch, mnt);
	d->n_scratch++;
	return fd;
}

/* RUN --mount=type=bind: from the context or (from=) an image or a stage. */
static int add_bind_mount(struct sstate *ss, struct run_dirs *d, const struct build_run_mount *m,
			  struct berth_spec *spec, struct berth_error **err)
{
	struct builder *b = ss->b;
	const char *name = m->source && *m->source ? m->source : ".";
	_cleanup_free_ char *clean = NULL;
	_cleanup_close_ int sfd = -EBADF;
	int r = bctx_clean_path(m->source ? m->source : "", &clean, err);
	if (r < 0)
		return r;
	if (m->from) {
		sfd = open_from_source(ss, d, m->from, clean, err);
	} else if (b->ctx->dir_fd < 0) {
		return berth_error_set(err, ENOENT, "bind mount needs a build context");
	} else {
		/* beneath the context: a link leading out of it is an error (EXDEV) */
		sfd = berth_open_beneath(b->ctx->dir_fd, *clean ? clean : ".", O_PATH, 0, err);
	}
	if (sfd < 0)
		return berth_error_prefix(err, "bind mount source '%s'", name);
	/* BuildKit: read-only unless rw is asked for, and then writes are thrown away */
	bool ro = m->rw_set ? m->readonly : true;
	if (!ro) {
		int w = writable_standin(d, sfd, err);
		if (w < 0)
			return berth_error_prefix(err, "bind mount source '%s'", name);
		berth_closep(&sfd);
		sfd = w;
	}
	const char *o[] = {"rbind", ro ? "ro" : "rw", "nosuid", "nodev", NULL};
	berth_spec_add_mount_fd(spec, m->target, TAKE_FD(sfd), name, o);
	return 0;
}

/*
 * The mounts of RUN --mount flags. Every source (context, image view,
 * cache dir, secret copy) is handed to the runtime as the fd that was
 * checked, never as a path it would look up again.
 */
int add_run_mounts(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		   struct berth_spec *spec, struct run_dirs *dirs, char ***targets,
		   struct berth_error **err)
{
	struct builder *b = ss->b;
	_cleanup_strv_free_ char **env = sstate_env(ss);
	int r;

	for (size_t i = 0; i < ins->n_flags; i++) {
		const struct berth_dockerfile_flag *fl = &ins->flags[i];
		if (strcmp(fl->name, "mount") != 0 || !fl->value)
			continue;
		_cleanup_free_ char *spec_s = NULL;
		_cleanup_(build_run_mount_release) struct build_run_mount m = {0};
		r = berth_shell_expand_word(fl->value, env, b->df->escape, &spec_s, err);
		if (r < 0)
			return r;
		r = build_run_mount_parse(spec_s, &m, err);
		if (r < 0)
			return r;
		berth_strv_push(targets, m.target);
		if (strcmp(m.type, "tmpfs") == 0) {
			const char *o[] = {"nosuid", "nodev", "mode=1777", NULL};
			berth_spec_add_mount(spec, m.target, "tmpfs", "tmpfs", o);
			r = 0;
		} else if (strcmp(m.type, "cache") == 0) {
			r = add_cache_mount(b, &m, spec, err);
		} else if (strcmp(m.type, "secret") == 0) {
			r = add_secret_mount(b, dirs, &m, spec, err);
		} else {
			r = add_bind_mount(ss, dirs, &m, spec, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Removes from the upper dir what only the mounts put there: the empty
 * mount-point files and directories the runtime had to create, so neither
 * a secret's name nor a cache dir's stub lands in the layer.
 */
void drop_mount_stubs(int upper_fd, char *const *targets)
{
	BERTH_STRV_FOREACH (t, targets) {
		_cleanup_free_ char *rel = NULL;
		_cleanup_close_ int pfd = -EBADF;
		struct stat st;
		if (bctx_clean_path(*t, &rel, NULL) < 0 || !*rel)
			continue;
		char *slash = strrchr(rel, '/');
		if (slash) {
			*slash = '\0';
			pfd = berth_open_in_root(upper_fd, rel, O_RDONLY | O_DIRECTORY, 0, NULL);
		} else {
			pfd = openat(upper_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		if (pfd < 0)
			continue;
		const char *name = slash ? slash + 1 : rel;
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode) && st.st_size == 0)
			(void)unlinkat(pfd, name, 0);
		else if (S_ISDIR(st.st_mode))
			(void)unlinkat(pfd, name, AT_REMOVEDIR); /* only when empty */
	}
}
