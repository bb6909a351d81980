/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/flags.h"
#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "dockerfile/shell.h"
#include "layer/layer.h"

/* A local archive ADD extracts: into tmp dir `dir`, then into the layer at dest. */
struct add_archive {
	char *dest; /* cleaned directory in the image, "" for the root */
	int fd;	    /* the extracted tree */
};

struct copy_fill {
	struct builder *b;
	struct sstate *ss;
	bool *extracted; /* per selection item: an archive, not copied as a file */
	struct add_archive *archives;
	size_t n_archives;
	struct bctx *src;
	struct bctx_selection *sel;
	uid_t uid;
	gid_t gid;
	bool owner;
	mode_t mode;
	bool set_mode;
	int heredoc_dir_fd;   /* where heredoc files were written, or -EBADF */
	char **heredoc_files; /* names in heredoc_dir_fd */
	char **heredoc_dests;
	/* files ADD fetched from URLs: dirs below the build's tmp dir (fds, names), dests */
	int *url_fds;
	char **url_dirs;
	char **url_dests;
	size_t n_urls;
};

static void push_entry(struct berth_layer_entry **v, size_t *n, struct berth_layer_entry e)
{
	*v = berth_xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = e;
}

static bool has_dest(const struct berth_layer_entry *v, size_t n, const char *dest)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].dest, dest) == 0)
			return true;
	return false;
}

/* Adds every directory above path ("a", "a/b" for "a/b/c") to dirs, once. */
static void push_parent_dirs(char ***dirs, const char *path)
{
	for (const char *sl = strchr(path, '/'); sl; sl = strchr(sl + 1, '/')) {
		_cleanup_free_ char *p = berth_xstrndup(path, (size_t)(sl - path));
		if (!berth_strv_contains(*dirs, p))
			berth_strv_push(dirs, p);
	}
}

/*
 * The directories above what the layer holds (and the directories archives
 * are extracted into), as BuildKit makes them: one that exists in the image
 * keeps its owner and mode; a missing one is created 0755 and owned by the
 * --chown user (root without it). Below a non-directory (a symlink such as
 * /var/run) nothing is added: the writer's plain parents are used there.
 */
static int add_dir_entries(struct copy_fill *f, struct berth_layer_entry **v, size_t *n,
			   char ***keep, struct berth_error **err)
{
	_cleanup_strv_free_ char **dirs = NULL, **odd = NULL;
	int view_fd = -EBADF, r;

	for (size_t i = 0; i < *n; i++)
		push_parent_dirs(&dirs, (*v)[i].dest);
	for (size_t i = 0; i < f->n_archives; i++) {
		const char *d = f->archives[i].dest;
		if (!*d)
			continue; /* the image root */
		push_parent_dirs(&dirs, d);
		if (!berth_strv_contains(dirs, d))
			berth_strv_push(&dirs, d);
	}
	berth_strv_sort(dirs);
	if (dirs && f->ss->img.n_layers > 0) {
		r = sstate_rootfs(f->ss, &view_fd, err);
		if (r < 0)
			return r;
	}
	BERTH_STRV_FOREACH (d, dirs) {
		bool under_odd = false;
		BERTH_STRV_FOREACH (o, odd) {
			size_t l = strlen(*o);
			under_odd |= strncmp(*d, *o, l) == 0 && (*d)[l] == '/';
		}
		if (under_odd || has_dest(*v, *n, *d))
			continue;
		struct berth_layer_entry e = {
			.src_dir_fd = f->b->tmp_fd,
			.src_path = "empty",
			.dest = *d,
			.uid = f->uid,
			.gid = f->gid,
			.set_owner = true,
			.mode = 0755,
			.set_mode = true,
		};
		if (view_fd >= 0) {
			struct berth_error *e2 = NULL;
			_cleanup_close_ int fd =
				berth_open_in_root(view_fd, *d, O_PATH | O_NOFOLLOW, 0, &e2);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0) {
				if (!S_ISDIR(st.st_mode)) {
					berth_strv_push(&odd, *d);
					continue;
				}
				e.uid = st.st_uid;
				e.gid = st.st_gid;
				e.mode = st.st_mode & 07777;
			} else if (fd < 0 && fd != -ENOENT) {
				berth_strv_push(&odd, *d);
				berth_error_free(&e2);
				continue;
			}
			berth_error_free(&e2);
		}
		char *keepd = berth_xstrdup(*d);
		berth_strv_consume(keep, keepd);
		e.dest = keepd;
		push_entry(v, n, e);
	}
	return 0;
}

static int fill_copy(void *ctx, struct berth_layer_writer *w, struct berth_error **err)
{
	struct copy_fill *f = ctx;
	size_t n = f->sel ? f->sel->n_items : 0, nh = berth_strv_len(f->heredoc_files);
	_cleanup_free_ struct berth_layer_entry *e = NULL;
	_cleanup_strv_free_ char **keep = NULL;
	size_t k = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct bctx_copy_item *it = &f->sel->items[i];
		if (f->extracted && f->extracted[i])
			continue;
		struct berth_layer_entry x = {
			.dest = it->dest,
			.uid = f->uid,
			.gid = f->gid,
			.set_owner = true, /* Docker: 0:0 unless --chown */
			.mode = f->mode,
			.set_mode = f->set_mode,
		};
		if (it->is_dir || !it->src) {
			/* the directory entry alone: its contents are items of their own */
			x.src_dir_fd = f->b->tmp_fd;
			x.src_path = "empty";
			if (!f->set_mode) {
				x.mode = it->src ? (it->src->mode & 07777) : 0755;
				x.set_mode = true;
			}
		} else {
			x.src_dir_fd = f->src->dir_fd;
			x.src_path = it->src->path;
			/* inside a copied directory a symlink stays a symlink */
			x.nofollow = it->in_dir;
		}
		push_entry(&e, &k, x);
	}
	for (size_t i = 0; i < nh; i++) {
		push_entry(&e, &k,
			   (struct berth_layer_entry){
				   .src_dir_fd = f->heredoc_dir_fd,
				   .src_path = f->heredoc_files[i],
				   .dest = f->heredoc_dests[i],
				   .uid = f->uid,
				   .gid = f->gid,
				   .set_owner = true,
				   .mode = f->set_mode ? f->mode : 0644,
				   .set_mode = true,
			   });
	}
	for (size_t i = 0; i < f->n_urls; i++) {
		/* Docker: 0600 unless --chmod, never extracted */
		push_entry(&e, &k,
			   (struct berth_layer_entry){
				   .src_dir_fd = f->url_fds[i],
				   .src_path = "data",
				   .dest = f->url_dests[i],
				   .uid = f->uid,
				   .gid = f->gid,
				   .set_owner = true,
				   .mode = f->set_mode ? f->mode : 0600,
				   .set_mode = true,
			   });
	}
	r = add_dir_entries(f, &e, &k, &keep, err);
	if (r < 0)
		return r;
	r = berth_layer_writer_add_entries(w, e, k, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < f->n_archives; i++) {
		r = berth_layer_writer_add_tree(w, f->archives[i].fd, f->archives[i].dest, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A new directory name (mode) in the build's tmp dir, opened; the fd or -errno. */
static int make_tmp_dir(struct builder *b, const char *name, mode_t mode, struct berth_error **err)
{
	if (mkdirat(b->tmp_fd, name, mode) < 0)
		return berth_error_syscall(err, errno, "create '%s' in '%s'", name, b->tmp_path);
	int dfd = openat(b->tmp_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open '%s' in '%s'", name, b->tmp_path);
	return dfd;
}

/*
 * ADD of local archives: each source named by the instruction (not a file
 * found inside a copied directory) whose content is a tar (compressed or
 * not) is extracted into a directory of its own below the build's tmp dir,
 * with the hostile-input rules of layer unpacking; --chown applies to what
 * it holds (BuildKit since v0.23), otherwise the archive's ids are kept.
 */
static int extract_archives(struct copy_fill *f, const char *dest, struct berth_error **err)
{
	struct builder *b = f->b;
	size_t n = f->sel->n_items;
	_cleanup_free_ char *clean = NULL;
	int r;

	r = bctx_clean_path(dest, &clean, err);
	if (r < 0)
		return r;
	f->extracted = berth_xcalloc(n ? n : 1, sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		const struct bctx_copy_item *it = &f->sel->items[i];
		if (it->is_dir || it->in_dir || !it->src ||
		    !(S_ISREG(it->src->mode) || S_ISLNK(it->src->mode)))
			continue;
		_cleanup_close_ int fd =
			berth_open_beneath(f->src->dir_fd, it->src->path, O_RDONLY, 0, err);
		if (fd < 0)
			return berth_error_prefix(err, "open '%s' in the build context",
						  it->src->path);
		struct stat st;
		if (fstat(fd, &st) < 0)
			return berth_error_syscall(err, errno, "stat '%s'", it->src->path);
		if (!S_ISREG(st.st_mode))
			continue;
		r = berth_layer_is_archive(fd, err);
		if (r < 0)
			return berth_error_prefix(err, "read '%s'", it->src->path);
		if (r == 0)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "add-%d-%zu", f->ss->step, i);
		int dfd = make_tmp_dir(b, name, 0755, err);
		if (dfd < 0)
			return dfd;
		f->archives =
			berth_xreallocarray(f->archives, f->n_archives + 1, sizeof(*f->archives));
		f->archives[f->n_archives++] =
			(struct add_archive){.dest = berth_xstrdup(clean), .fd = dfd};
		f->extracted[i] = true;
		struct berth_layer_extract_options o = {
			.set_owner = f->owner, .uid = f->uid, .gid = f->gid};
		r = berth_layer_extract(fd, dfd, &o, err);
		if (r < 0)
			return berth_error_prefix(err, "ADD '%s'", it->src->path);
	}
	return 0;
}

static void copy_fill_release(struct copy_fill *f)
{
	for (size_t i = 0; i < f->n_archives; i++) {
		free(f->archives[i].dest);
		close(f->archives[i].fd);
	}
	free(f->archives);
	free(f->extracted);
	for (size_t i = 0; i < f->n_urls; i++) {
		close(f->url_fds[i]);
		_cleanup_close_ int tfd =
			openat(f->b->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tfd >= 0)
			(void)berth_rm_rf_at(tfd, f->url_dirs[i], NULL);
	}
	free(f->url_fds);
	berth_strv_free(f->url_dirs);
	berth_strv_free(f->url_dests);
	if (f->n_archives) {
		/* the extracted trees are not needed once the layer is written */
		_cleanup_close_ int tfd =
			openat(f->b->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (size_t i = 0; tfd >= 0 && i < f->sel->n_items; i++) {
			char name[64];
			snprintf(name, sizeof(name), "add-%d-%zu", f->ss->step, i);
			(void)berth_rm_rf_at(tfd, name, NULL);
		}
	}
}

/* A path in the image: relative ones are below WORKDIR. Keeps a trailing '/'. */
static char *image_path(struct sstate *ss, const char *dest)
{
	if (dest[0] == '/')
		return berth_xstrdup(dest);
	const char *wd = json_string_value(json_object_get(bimage_cfg(&ss->img), "WorkingDir"));
	if (!wd || !*wd)
		wd = "/";
	size_t l = strlen(wd);
	return berth_xasprintf("%s%s%s", wd, wd[l - 1] == '/' ? "" : "/", dest);
}

/*
 * ADD's URL sources: each is downloaded (redirects followed, http and https
 * only) into a directory of its own below the build's tmp dir, checked
 * against --checksum, and named in the image after the URL's path when the
 * destination is a directory (a trailing "/" or several sources).
 */
static int fetch_urls(struct copy_fill *f, char **urls, size_t n_other, const char *dest,
		      const char *checksum, struct berth_buf *digests, struct berth_error **err)
{
	struct builder *b = f->b;
	struct berth_digest want;
	size_t l = strlen(dest);
	bool to_dir = (l && dest[l - 1] == '/') || n_other + berth_strv_len(urls) > 1;
	int r;

	if (checksum) {
		r = berth_digest_parse(checksum, &want, err);
		if (r < 0)
			return berth_error_prefix(err, "invalid checksum '%s'", checksum);
	}
	BERTH_STRV_FOREACH (u, urls) {
		char rnd[17], dg[BERTH_DIGEST_STRLEN + 1], wg[BERTH_DIGEST_STRLEN + 1];
		struct berth_digest got;
		_cleanup_free_ char *to = NULL, *clean = NULL;
		berth_random_hex(rnd, 8);
		_cleanup_free_ char *name = berth_xasprintf("url-%s", rnd);
		if (to_dir) {
			_cleanup_free_ char *base = NULL;
			r = builder_url_basename(*u, &base, err);
			if (r < 0)
				return r;
			to = berth_xasprintf("%s%s%s", dest, dest[l - 1] == '/' ? "" : "/", base);
		} else {
			to = berth_xstrdup(dest);
		}
		r = bctx_clean_path(to, &clean, err);
		if (r < 0)
			return r;
		int dfd = make_tmp_dir(b, name, 0700, err);
		if (dfd < 0)
			return dfd;
		f->url_fds = berth_xreallocarray(f->url_fds, f->n_urls + 1, sizeof(int));
		f->url_fds[f->n_urls++] = dfd;
		berth_strv_consume(&f->url_dirs, TAKE_PTR(name));
		berth_strv_consume(&f->url_dests, TAKE_PTR(clean));
		r = builder_fetch_url(*u, dfd, &got, err);
		if (r < 0)
			return r;
		if (checksum && !berth_digest_eq(&want, &got))
			return berth_error_set(
				err, EINVAL, "checksum mismatch for '%s': expected %s, got %s", *u,
				berth_digest_fmt(&want, wg), berth_digest_fmt(&got, dg));
		berth_buf_add(digests, got.bytes, sizeof(got.bytes));
	}
	return 0;
}

/* Where --from points: a stage result or an image of the store, mounted read-only. */
struct from_src {
	char *view_path;
	int view_fd;
	struct bimage img; /* for an image (not a stage) */
	struct berth_digest id;
};

static void from_src_release(struct from_src *f)
{
	image_view_release(f->view_path, f->view_fd);
	bimage_release(&f->img);
}

static int open_from(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		     const char *value, struct from_src *ret, struct berth_error **err)
{
	struct builder *b = ss->b;
	_cleanup_free_ char *v = NULL;
	const struct bimage *im;
	int r;

	r = berth_shell_expand_word(value, b->global_args, b->df->escape, &v, err);
	if (r < 0)
		return builder_error_at(b, ins, err);
	int idx = builder_find_stage(b, v, ss->st->index);
	if (idx >= 0) {
		struct bstage *src = &b->stages[idx];
		if (!src->built) {
			berth_error_set(err, EINVAL, "stage '%s' has not been built", v);
			return builder_error_at(b, ins, err);
		}
		im = &src->img;
		ret->id = src->key;
	} else {
		r = bstore_resolve(b->store, v, &ret->img, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
		im = &ret->img;
		char *s = json_dumps(im->config, JSON_COMPACT | JSON_SORT_KEYS);
		berth_digest_of(s, strlen(s), &ret->id);
		free(s);
	}
	r = image_view(b, im, &ret->view_path, &ret->view_fd, err);
	if (r < 0)
		return builder_error_at(b, ins, err);
	return 0;
}

/*
 * A bctx over the sources of a --from image: only the trees the sources
 * name are walked (not the whole rootfs). The walk uses O_NOFOLLOW fds
 * below the view, and reads later go through berth_open_beneath on it.
 */
static int load_from_ctx(struct from_src *f, char *const *srcs, struct bctx **ret,
			 struct berth_error **err)
{
	int fd = fcntl(f->view_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return berth_error_syscall(err, errno, "dup");
	(void)srcs;
	return bctx_load(fd, f->view_path, NULL, NULL, -EBADF, NULL, ret, err);
}

static int write_heredocs(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			  char **srcs, const char *dest, struct copy_fill *f,
			  struct berth_error **err)
{
	struct builder *b = ss->b;
	int r;

	for (size_t h = 0; h < ins->n_heredocs; h++) {
		const struct berth_dockerfile_heredoc *hd = &ins->heredocs[h];
		_cleanup_free_ char *content = NULL, *name = NULL;
		size_t len = hd->content_len;
		if (hd->chomp)
			content =
				berth_dockerfile_heredoc_chomp(hd->content, hd->content_len, &len);
		else
			content = berth_xmemdup(hd->content, hd->content_len + 1);
		if (hd->expand) {
			char *x = NULL;
			r = sstate_expand(ss, content, &x, err);
			if (r < 0)
				return builder_error_at(b, ins, err);
			free(content);
			content = x;
			len = strlen(x);
		}
		name = berth_xasprintf("heredoc-%zu-%d", h, ss->step);
		if (f->heredoc_dir_fd < 0) {
			f->heredoc_dir_fd =
				openat(b->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (f->heredoc_dir_fd < 0)
				return berth_error_syscall(err, errno, "open '%s'", b->tmp_path);
		}
		r = berth_write_file_atomic(f->heredoc_dir_fd, name, content, len, 0644, err);
		if (r < 0)
			return r;
		assert(dest); /* copy_expand_args set it before the sources are gathered */
		size_t l = strlen(dest);
		char *to = (l && dest[l - 1] == '/') || berth_strv_len(srcs) > 1
				   ? berth_xasprintf("%s%s%s", dest, dest[l - 1] == '/' ? "" : "/",
						     hd->name)
				   : berth_xstrdup(dest);
		_cleanup_free_ char *clean = NULL;
		r = bctx_clean_path(to, &clean, err);
		free(to);
		if (r < 0)
			return r;
		berth_strv_push(&f->heredoc_files, name);
		berth_strv_consume(&f->heredoc_dests, TAKE_PTR(clean));
	}
	return 0;
}

/* One COPY or ADD: its words, flags and sources, from parsing to the layer. */
struct copy_op {
	bool add;
	const char *kw; /* "COPY" or "ADD" */
	char **env;
	char **srcs, **urls, **excludes;
	char *dest, *chown, *chmod_s, *checksum;
	bool parents;
	struct from_src from;
	struct bctx *fctx;    /* the sources of --from, or NULL */
	struct bctx *src_ctx; /* where the sources are read: the context or fctx */
	struct bctx_selection sel;
	struct copy_fill f;
	struct berth_buf url_digests;
	struct berth_buf text; /* the step's text (cache key and history) */
	struct berth_digest key;
};

static void copy_op_release(struct copy_op *op)
{
	copy_fill_release(&op->f);
	if (op->f.heredoc_dir_fd >= 0) {
		BERTH_STRV_FOREACH (n, op->f.heredoc_files)
			(void)unlinkat(op->f.heredoc_dir_fd, *n, 0);
		close(op->f.heredoc_dir_fd);
	}
	berth_strv_free(op->f.heredoc_files);
	berth_strv_free(op->f.heredoc_dests);
	bctx_selection_release(&op->sel);
	from_src_release(&op->from);
	berth_buf_release(&op->url_digests);
	berth_buf_release(&op->text);
	bctx_free(op->fctx);
	berth_strv_free(op->env);
	berth_strv_free(op->srcs);
	berth_strv_free(op->urls);
	berth_strv_free(op->excludes);
	free(op->dest);
	free(op->chown);
	free(op->chmod_s);
	free(op->checksum);
}

/* Expands a flag's value into *dst (replacing what was there). */
static int copy_expand_flag(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    struct copy_op *op, const char *value, char **dst,
			    struct berth_error **err)
{
	free(*dst);
	*dst = NULL;
	int r = berth_shell_expand_word(value, op->env, ss->b->df->escape, dst, err);
	return r < 0 ? builder_error_at(ss->b, ins, err) : 0;
}

/* The flags COPY or ADD accept, expanded in the stage's environment. */
static int copy_parse_flags(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    struct copy_op *op, struct berth_error **err)
{
	static const char *const copy_flags[] = {"from",    "chown",   "chmod", "link",
						 "exclude", "parents", NULL};
	static const char *const add_flags[] = {"chown",    "chmod",	    "link",   "exclude",
						"checksum", "keep-git-dir", "unpack", NULL};
	int r = 0;

	for (size_t i = 0; i < ins->n_flags && r >= 0; i++) {
		const struct berth_dockerfile_flag *fl = &ins->flags[i];
		bool ok = false;
		for (const char *const *a = op->add ? add_flags : copy_flags; *a; a++)
			ok |= strcmp(*a, fl->name) == 0;
		if (!ok) {
			berth_error_set(err, EINVAL, "unknown flag: --%s", fl->name);
			return builder_error_at(ss->b, ins, err);
		}
		if (strcmp(fl->name, "exclude") == 0 && fl->value) {
			char *x = NULL;
			r = copy_expand_flag(ss, ins, op, fl->value, &x, err);
			if (r >= 0)
				berth_strv_consume(&op->excludes, x);
		} else if (strcmp(fl->name, "parents") == 0) {
			op->parents = !fl->value || strcmp(fl->value, "true") == 0;
		} else if (strcmp(fl->name, "chown") == 0 && fl->value) {
			r = copy_expand_flag(ss, ins, op, fl->value, &op->chown, err);
		} else if (strcmp(fl->name, "checksum") == 0 && fl->value) {
			r = copy_expand_flag(ss, ins, op, fl->value, &op->checksum, err);
		} else if (strcmp(fl->name, "chmod") == 0 && fl->value) {
			r = copy_expand_flag(ss, ins, op, fl->value, &op->chmod_s, err);
		}
	}
	return r;
}

/* The sources (files and, for ADD, URLs), the destination and --chmod. */
static int copy_expand_args(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    struct copy_op *op, struct berth_error **err)
{
	struct builder *b = ss->b;
	int r;

	if (ins->n_args < 2) {
		berth_error_set(err, EINVAL,
				"%s requires at least two arguments, but only %zu "
				"provided",
				op->kw, ins->n_args);
		return builder_error_at(b, ins, err);
	}
	for (size_t i = 0; i + 1 < ins->n_args; i++) {
		char *x = NULL;
		if (ins->n_heredocs && ins->args[i][0] == '<' && ins->args[i][1] == '<')
			continue; /* a heredoc source */
		r = berth_shell_expand_word(ins->args[i], op->env, b->df->escape, &x, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
		if (builder_is_url(x) && !op->add) {
			free(x);
			berth_error_set(err, EINVAL,
					"source can't be a URL for COPY: '%s' (use ADD)",
					ins->args[i]);
			return builder_error_at(b, ins, err);
		}
		berth_strv_consume(builder_is_url(x) ? &op->urls : &op->srcs, x);
	}
	_cleanup_free_ char *last = NULL;
	r = berth_shell_expand_word(ins->args[ins->n_args - 1], op->env, b->df->escape, &last, err);
	if (r < 0)
		return builder_error_at(b, ins, err);
	op->dest = image_path(ss, last);
	if (op->chmod_s) {
		r = build_parse_chmod(op->chmod_s, &op->f.mode, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
		op->f.set_mode = true;
	}
	return 0;
}

/* Where the sources come from (--from), which are chosen, URLs fetched, heredocs written. */
static int copy_gather_sources(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			       struct copy_op *op, struct berth_error **err)
{
	struct builder *b = ss->b;
	int r;

	const struct berth_dockerfile_flag *ff = berth_dockerfile_instruction_flag(ins, "from");
	if (ff && ff->value) {
		r = open_from(ss, ins, ff->value, &op->from, err);
		if (r < 0)
			return r;
		r = load_from_ctx(&op->from, op->srcs, &op->fctx, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
		op->src_ctx = op->fctx;
	}
	if (op->srcs) {
		r = bctx_select(op->src_ctx, op->srcs, op->dest, op->excludes, op->parents,
				&op->sel, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
	}
	op->f.src = op->src_ctx;
	if (op->checksum && (op->srcs || !op->urls)) {
		berth_error_set(err, EINVAL, "checksum can't be specified for non-HTTP(S) sources");
		return builder_error_at(b, ins, err);
	}
	if (op->urls) {
		r = fetch_urls(&op->f, op->urls, berth_strv_len(op->srcs) + ins->n_heredocs,
			       op->dest, op->checksum, &op->url_digests, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
	}
	op->f.sel = &op->sel;
	if (ins->n_heredocs)
		return write_heredocs(ss, ins, op->srcs, op->dest, &op->f, err);
	return 0;
}

/* The cache key (the source contents, URL contents, --from origin) and the step's text. */
static int copy_cache_key(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			  struct copy_op *op, struct berth_error **err)
{
	struct berth_digest sd;
	int r = bctx_selection_digest(op->src_ctx, &op->sel, &sd, err);
	if (r < 0)
		return builder_error_at(ss->b, ins, err);
	if (op->url_digests.len) {
		/* a URL's content is part of the key: a changed download is a miss */
		_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
		berth_sha256_update(h, sd.bytes, sizeof(sd.bytes));
		berth_sha256_update(h, op->url_digests.buf, op->url_digests.len);
		berth_sha256_final(h, &sd);
	}
	if (op->fctx) {
		/* a --from source is identified by the stage or image it comes from */
		_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
		berth_sha256_update(h, sd.bytes, sizeof(sd.bytes));
		berth_sha256_update(h, op->from.id.bytes, sizeof(op->from.id.bytes));
		berth_sha256_final(h, &sd);
	}
	op->key = sd;
	struct berth_buf *text = &op->text;
	berth_buf_addstr(text, op->kw);
	for (size_t i = 0; i < ins->n_flags; i++)
		berth_buf_addf(text, " %s", ins->flags[i].raw);
	BERTH_STRV_FOREACH (s, op->urls)
		berth_buf_addf(text, " %s", *s);
	BERTH_STRV_FOREACH (s, op->srcs)
		berth_buf_addf(text, " %s", *s);
	for (size_t h = 0; h < ins->n_heredocs; h++) {
		char hex[65];
		struct berth_digest hd;
		berth_digest_of(ins->heredocs[h].content, ins->heredocs[h].content_len, &hd);
		berth_buf_addf(text, " <<%s(%.12s)", ins->heredocs[h].name,
			       berth_digest_hex(&hd, hex));
	}
	berth_buf_addf(text, " %s", op->dest);
	return 0;
}

/* A cache miss: the owner, ADD's archives, then the layer and its history entry. */
static int copy_write_layer(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    struct copy_op *op, struct berth_error **err)
{
	struct builder *b = ss->b;
	int r;

	if (op->chown) {
		r = sstate_resolve_user(ss, op->chown, &op->f.uid, &op->f.gid, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
		op->f.owner = true;
	}
	if (op->add && op->srcs) {
		r = extract_archives(&op->f, op->dest, err);
		if (r < 0)
			return builder_error_at(b, ins, err);
	}
	r = builder_empty_dir(b, err);
	if (r < 0)
		return r;
	r = sstate_add_layer(ss, fill_copy, &op->f, err);
	if (r < 0)
		return builder_error_at(b, ins, err);
	/* BuildKit's: the sources and the destination, no flags */
	_cleanup_buf_ struct berth_buf created_by = BERTH_BUF_INIT;
	berth_buf_addstr(&created_by, op->kw);
	BERTH_STRV_FOREACH (s, op->urls)
		berth_buf_addf(&created_by, " %s", *s);
	BERTH_STRV_FOREACH (s, op->srcs)
		berth_buf_addf(&created_by, " %s", *s);
	for (size_t h = 0; h < ins->n_heredocs; h++)
		berth_buf_addf(&created_by, " <<%s", ins->heredocs[h].name);
	berth_buf_addf(&created_by, " %s # buildkit", op->dest);
	sstate_history(ss, created_by.buf, false);
	return step_end(ss, err);
}

int exec_copy(struct sstate *ss, const struct berth_dockerfile_instruction *ins, bool add,
	      struct berth_error **err)
{
	_cleanup_(copy_op_release) struct copy_op op = {
		.add = add,
		.kw = add ? "ADD" : "COPY",
		.env = sstate_env(ss),
		.from = {.view_fd = -EBADF},
		.src_ctx = ss->b->ctx,
		.f = {.b = ss->b, .ss = ss, .heredoc_dir_fd = -EBADF},
		.url_digests = BERTH_BUF_INIT,
		.text = BERTH_BUF_INIT,
	};
	int r = copy_parse_flags(ss, ins, &op, err);
	if (r >= 0)
		r = copy_expand_args(ss, ins, &op, err);
	if (r >= 0)
		r = copy_gather_sources(ss, ins, &op, err);
	if (r >= 0)
		r = copy_cache_key(ss, ins, &op, err);
	if (r < 0)
		return r;
	r = step_begin(ss, ins, op.text.buf, op.key.bytes, sizeof(op.key.bytes), err);
	if (r != 0)
		return r < 0 ? r : 0; /* > 0: a cache hit */
	return copy_write_layer(ss, ins, &op, err);
}
