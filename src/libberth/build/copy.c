/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "dockerfile/shell.h"
#include "layer/layer.h"

struct copy_fill {
	struct builder *b;
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
};

static int fill_copy(void *ctx, struct berth_layer_writer *w, struct berth_error **err)
{
	struct copy_fill *f = ctx;
	size_t n = f->sel ? f->sel->n_items : 0, nh = berth_strv_len(f->heredoc_files);
	_cleanup_free_ struct berth_layer_entry *e = berth_xcalloc(n + nh + 1, sizeof(*e));
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct bctx_copy_item *it = &f->sel->items[i];
		struct berth_layer_entry *x = &e[k++];
		*x = (struct berth_layer_entry){
			.dest = it->dest,
			.uid = f->uid,
			.gid = f->gid,
			.set_owner = true, /* Docker: 0:0 unless --chown */
			.mode = f->mode,
			.set_mode = f->set_mode,
		};
		if (it->is_dir || !it->src) {
			/* the directory entry alone: its contents are items of their own */
			x->src_dir_fd = f->b->tmp_fd;
			x->src_path = "empty";
			if (!f->set_mode) {
				x->mode = it->src ? (it->src->mode & 07777) : 0755;
				x->set_mode = true;
			}
		} else {
			x->src_dir_fd = f->src->dir_fd;
			x->src_path = it->src->path;
			/* inside a copied directory a symlink stays a symlink */
			x->nofollow = it->in_dir;
		}
	}
	for (size_t i = 0; i < nh; i++) {
		e[k++] = (struct berth_layer_entry){
			.src_dir_fd = f->heredoc_dir_fd,
			.src_path = f->heredoc_files[i],
			.dest = f->heredoc_dests[i],
			.uid = f->uid,
			.gid = f->gid,
			.set_owner = true,
			.mode = f->set_mode ? f->mode : 0644,
			.set_mode = true,
		};
	}
	return berth_layer_writer_add_entries(w, e, k, err);
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

static bool is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
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

int exec_copy(struct sstate *ss, const struct berth_dockerfile_instruction *ins, bool add,
	      struct berth_error **err)
{
	static const char *const copy_flags[] = {"from",    "chown",   "chmod", "link",
						 "exclude", "parents", NULL};
	static const char *const add_flags[] = {"chown",    "chmod",	    "link",   "exclude",
						"checksum", "keep-git-dir", "unpack", NULL};
	struct builder *b = ss->b;
	const char *kw = add ? "ADD" : "COPY";
	_cleanup_strv_free_ char **srcs = NULL, **excludes = NULL, **env = sstate_env(ss);
	_cleanup_free_ char *dest = NULL, *chown = NULL, *chmod_s = NULL;
	struct bctx_selection sel = {0};
	struct from_src from = {.view_fd = -EBADF};
	_cleanup_(bctx_freep) struct bctx *fctx = NULL;
	struct bctx *src_ctx = b->ctx;
	struct copy_fill f = {.b = b, .heredoc_dir_fd = -EBADF};
	struct berth_buf text = BERTH_BUF_INIT;
	struct berth_digest sd;
	bool parents = false;
	int r;

	for (size_t i = 0; i < ins->n_flags; i++) {
		const struct berth_dockerfile_flag *fl = &ins->flags[i];
		bool ok = false;
		for (const char *const *a = add ? add_flags : copy_flags; *a; a++)
			ok |= strcmp(*a, fl->name) == 0;
		if (!ok) {
			berth_error_set(err, EINVAL, "unknown flag: --%s", fl->name);
			r = builder_error_at(b, ins, err);
			goto out;
		}
		if (strcmp(fl->name, "exclude") == 0 && fl->value) {
			char *x = NULL;
			r = berth_shell_expand_word(fl->value, env, b->df->escape, &x, err);
			if (r < 0) {
				r = builder_error_at(b, ins, err);
				goto out;
			}
			berth_strv_consume(&excludes, x);
		} else if (strcmp(fl->name, "parents") == 0) {
			parents = !fl->value || strcmp(fl->value, "true") == 0;
		} else if (strcmp(fl->name, "chown") == 0 && fl->value) {
			free(chown);
			chown = NULL;
			r = berth_shell_expand_word(fl->value, env, b->df->escape, &chown, err);
			if (r < 0) {
				r = builder_error_at(b, ins, err);
				goto out;
			}
		} else if (strcmp(fl->name, "chmod") == 0 && fl->value) {
			free(chmod_s);
			chmod_s = NULL;
			r = berth_shell_expand_word(fl->value, env, b->df->escape, &chmod_s, err);
			if (r < 0) {
				r = builder_error_at(b, ins, err);
				goto out;
			}
		}
	}
	if (ins->n_args < 2) {
		berth_error_set(err, EINVAL,
				"%s requires at least two arguments, but only %zu "
				"provided",
				kw, ins->n_args);
		r = builder_error_at(b, ins, err);
		goto out;
	}
	for (size_t i = 0; i + 1 < ins->n_args; i++) {
		char *x = NULL;
		if (ins->n_heredocs && ins->args[i][0] == '<' && ins->args[i][1] == '<')
			continue; /* a heredoc source */
		r = berth_shell_expand_word(ins->args[i], env, b->df->escape, &x, err);
		if (r < 0) {
			r = builder_error_at(b, ins, err);
			goto out;
		}
		if (is_url(x)) {
			free(x);
			berth_error_set(err, ENOTSUP,
					"%s of a URL ('%s') is not supported by berth yet (issue "
					"#6)",
					kw, ins->args[i]);
			r = builder_error_at(b, ins, err);
			goto out;
		}
		berth_strv_consume(&srcs, x);
	}
	{
		char *x = NULL;
		r = berth_shell_expand_word(ins->args[ins->n_args - 1], env, b->df->escape, &x,
					    err);
		if (r < 0) {
			r = builder_error_at(b, ins, err);
			goto out;
		}
		dest = image_path(ss, x);
		free(x);
	}
	if (chmod_s) {
		char *end;
		unsigned long m = strtoul(chmod_s, &end, 8);
		if (!*chmod_s || *end || m > 07777) {
			berth_error_set(err, EINVAL, "invalid chmod parameter '%s'", chmod_s);
			r = builder_error_at(b, ins, err);
			goto out;
		}
		f.mode = (mode_t)m;
		f.set_mode = true;
	}

	const struct berth_dockerfile_flag *ff = berth_dockerfile_instruction_flag(ins, "from");
	if (ff && ff->value) {
		r = open_from(ss, ins, ff->value, &from, err);
		if (r < 0)
			goto out;
		r = load_from_ctx(&from, srcs, &fctx, err);
		if (r < 0) {
			r = builder_error_at(b, ins, err);
			goto out;
		}
		src_ctx = fctx;
	}
	if (srcs) {
		r = bctx_select(src_ctx, srcs, dest, excludes, parents, &sel, err);
		if (r < 0) {
			r = builder_error_at(b, ins, err);
			goto out;
		}
	}
	f.src = src_ctx;
	f.sel = &sel;
	if (ins->n_heredocs) {
		r = write_heredocs(ss, ins, srcs, dest, &f, err);
		if (r < 0)
			goto out;
	}

	/* the cache key: the text, the source contents (names, modes, bytes) */
	r = bctx_selection_digest(src_ctx, &sel, &sd, err);
	if (r < 0) {
		r = builder_error_at(b, ins, err);
		goto out;
	}
	if (fctx) {
		/* a --from source is identified by the stage or image it comes from */
		_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
		berth_sha256_update(h, sd.bytes, sizeof(sd.bytes));
		berth_sha256_update(h, from.id.bytes, sizeof(from.id.bytes));
		berth_sha256_final(h, &sd);
	}
	berth_buf_addstr(&text, kw);
	for (size_t i = 0; i < ins->n_flags; i++)
		berth_buf_addf(&text, " %s", ins->flags[i].raw);
	BERTH_STRV_FOREACH(s, srcs)
	berth_buf_addf(&text, " %s", *s);
	for (size_t h = 0; h < ins->n_heredocs; h++) {
		char hex[65];
		struct berth_digest hd;
		berth_digest_of(ins->heredocs[h].content, ins->heredocs[h].content_len, &hd);
		berth_buf_addf(&text, " <<%s(%.12s)", ins->heredocs[h].name,
			       berth_digest_hex(&hd, hex));
	}
	berth_buf_addf(&text, " %s", dest);
	r = step_begin(ss, ins, text.buf, sd.bytes, sizeof(sd.bytes), err);
	if (r != 0) {
		r = r < 0 ? r : 0;
		goto out;
	}
	if (chown) {
		r = sstate_resolve_user(ss, chown, &f.uid, &f.gid, err);
		if (r < 0) {
			r = builder_error_at(b, ins, err);
			goto out;
		}
	}
	r = builder_empty_dir(b, err);
	if (r < 0)
		goto out;
	r = sstate_add_layer(ss, fill_copy, &f, err);
	if (r < 0) {
		r = builder_error_at(b, ins, err);
		goto out;
	}
	berth_buf_addstr(&text, " # buildkit");
	sstate_history(ss, text.buf, false);
	r = step_end(ss, err);
out:
	if (f.heredoc_dir_fd >= 0) {
		BERTH_STRV_FOREACH(n, f.heredoc_files)
		(void)unlinkat(f.heredoc_dir_fd, *n, 0);
		close(f.heredoc_dir_fd);
	}
	berth_strv_free(f.heredoc_files);
	berth_strv_free(f.heredoc_dests);
	bctx_selection_release(&sel);
	from_src_release(&from);
	berth_buf_release(&text);
	return r;
}
