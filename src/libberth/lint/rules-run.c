/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules of RUN, COPY and ADD: the words of a COPY/ADD, the paths a
 * stage's layers put down (BL011, BL017), and what each command of a RUN
 * does (package managers, caches, permissions, removals, dependency order).
 */
#include "lint/lint-internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"
#include "dockerfile/shell.h"

typedef struct berth_dockerfile_instruction ins_t;

/* ---- instruction words ---------------------------------------------------- */

/*
 * COPY/ADD: the sources, expanded with the stage's ARGs and ENVs, and the
 * destination (borrowed from the AST). unset[i] tells that src[i] named a
 * variable lint does not know the value of.
 */
struct copy_args {
	char **src;
	bool *unset;
	size_t n_src;
	const char *dest;
};

static bool copy_args_get(const struct lint_ctx *ctx, char *const *env, const ins_t *ins,
			  struct copy_args *ca)
{
	*ca = (struct copy_args){0};
	if (ins->n_args < 2)
		return false;
	ca->src = berth_xcalloc(ins->n_args, sizeof(char *));
	ca->unset = berth_xcalloc(ins->n_args, sizeof(bool));
	for (size_t i = 0; i + 1 < ins->n_args; i++) {
		const char *a = lint_arg(ins, i);
		if (strncmp(a, "<<", 2) == 0)
			continue; /* a heredoc, not a file of the context */
		bool unset = false;
		char *w = lint_expand_word(ctx, env, a, &unset);
		ca->unset[ca->n_src] = unset || !w;
		ca->src[ca->n_src++] = w ? w : berth_xstrdup(a);
	}
	ca->dest = lint_arg(ins, ins->n_args - 1);
	return true;
}

static void copy_args_release(struct copy_args *ca)
{
	for (size_t i = 0; i < ca->n_src; i++)
		free(ca->src[i]);
	free(ca->src);
	free(ca->unset);
	*ca = (struct copy_args){0};
}

static bool is_whole_context(const char *s)
{
	return lint_streq(s, ".") || lint_streq(s, "./") || lint_streq(s, "*") ||
	       lint_streq(s, "./*") || lint_streq(s, "/") || lint_streq(s, "./.");
}

static bool is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0 ||
	       strncmp(s, "git@", 4) == 0 || strstr(s, "://") != NULL;
}

/*
 * A git repository as ADD takes it (BuildKit's gitutil): git@host:path,
 * git:// or ssh://, or an http(s) URL whose path ends in ".git" or that has a
 * ?ref= query. *ret_pinned: a ref is given ("#v1.0.0", "#<commit>:subdir",
 * "?ref=v1.0.0"), so the content is fixed by name, not by "whatever the
 * default branch is".
 */
static bool is_git_source(const char *s, bool *ret_pinned)
{
	size_t n = strcspn(s, "#?");
	const char *query = s[n] == '?' ? s + n : NULL;
	const char *frag = strchr(s, '#');
	bool has_ref = query && (strstr(query, "?ref=") || strstr(query, "&ref=") ||
				 strstr(query, "?tag=") || strstr(query, "&tag=") ||
				 strstr(query, "?commit=") || strstr(query, "&commit=") ||
				 strstr(query, "?checksum=") || strstr(query, "&checksum="));
	bool git = strncmp(s, "git@", 4) == 0 || strncmp(s, "git://", 6) == 0 ||
		   strncmp(s, "ssh://", 6) == 0;
	if (!git && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0))
		git = (n >= 4 && strncmp(s + n - 4, ".git", 4) == 0) || has_ref;
	*ret_pinned = git && (has_ref || (frag && frag[1] && frag[1] != ':'));
	return git;
}

static bool is_tar_archive(const char *s)
{
	static const char *const sfx[] = {".tar",     ".tar.gz", ".tgz",    ".tar.bz2", ".tbz2",
					  ".tbz",     ".tar.xz", ".txz",    ".tar.zst", ".tzst",
					  ".tar.lz4", ".tar.Z",	 ".tar.lz", ".tar.lzma"};
	size_t l = strlen(s);
	for (size_t i = 0; i < ELEMENTSOF(sfx); i++) {
		size_t k = strlen(sfx[i]);
		if (l >= k && strcasecmp(s + l - k, sfx[i]) == 0)
			return true;
	}
	return false;
}

static const char *base_of(const char *p)
{
	size_t l = strlen(p);
	while (l > 1 && p[l - 1] == '/')
		l--;
	const char *s = p;
	for (size_t i = 0; i < l; i++)
		if (p[i] == '/' && i + 1 < l)
			s = p + i + 1;
	return s;
}

/* ---- paths a stage's layers put down, for BL011 and BL017 ----------------- */

static struct lint_target *targets_add(struct lint_targets *t, char *path, int line,
				       const char *what)
{
	t->v = berth_xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n] = (struct lint_target){.path = path, .line = line, .what = what};
	return &t->v[t->n++];
}

void lint_targets_release(struct lint_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].src);
	}
	free(t->v);
	*t = (struct lint_targets){0};
}

static bool path_matches(const char *op, const char *target)
{
	if (lint_path_overlaps(op, target))
		return true;
	if (lint_has_glob(target) && fnmatch(target, op, FNM_PATHNAME) == 0)
		return true;
	if (lint_has_glob(op) && fnmatch(op, target, FNM_PATHNAME) == 0)
		return true;
	return false;
}

/* True when rel exists in the build context (resolved beneath it, never outside). */
static bool in_context(const struct lint_ctx *ctx, const char *rel)
{
	if (ctx->o->context_fd < 0)
		return false;
	_cleanup_close_ int fd = berth_open_beneath(ctx->o->context_fd, *rel ? rel : ".",
						    O_PATH | O_NOFOLLOW, 0, NULL);
	return fd >= 0;
}

static bool context_dir(const struct lint_ctx *ctx, const char *rel)
{
	if (ctx->o->context_fd < 0)
		return false;
	_cleanup_close_ int fd = berth_open_beneath(ctx->o->context_fd, *rel ? rel : ".",
						    O_RDONLY | O_DIRECTORY, 0, NULL);
	return fd >= 0;
}

static const struct lint_target *targets_find(const struct lint_ctx *ctx,
					      const struct lint_targets *t, const char *op)
{
	if (lint_streq(op, "/"))
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct lint_target *tg = &t->v[i];
		if (!path_matches(op, tg->path))
			continue;
		size_t l = lint_streq(tg->path, "/") ? 0 : strlen(tg->path);
		bool below = strncmp(op, tg->path, l) == 0 && op[l] == '/';
		/*
		 * A tree copied from another stage (COPY --from=b /target/ /):
		 * what it holds is not known, so a path below it is not
		 * claimed to come from it.
		 */
		if (below && tg->tree) {
			if (!tg->src)
				continue;
			_cleanup_free_ char *rel =
				tg->src[0] ? berth_xasprintf("%s/%s", tg->src, op + l + 1)
					   : berth_xstrdup(op + l + 1);
			if (!in_context(ctx, rel))
				continue;
		}
		return tg;
	}
	return NULL;
}

/* Normalises an operand of rm/chown, dropping a trailing "/" + "*" glob. */
static char *operand_path(const char *cwd, const char *w)
{
	_cleanup_free_ char *p = lint_path_join(cwd, w);
	size_t l = strlen(p);
	if (l > 2 && strcmp(p + l - 2, "/*") == 0)
		p[l - 2] = '\0';
	return TAKE_PTR(p);
}

/* ---- per-RUN checks ---------------------------------------------------------- */

bool lint_name_in(const char *n, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(n, list[i]) == 0)
			return true;
	return false;
}

static bool is_pip(const struct lint_cmd *c, size_t *ret_sub)
{
	const char *n = lint_cmd_name(c);
	if (strncmp(n, "pip", 3) == 0 && (n[3] == '\0' || isdigit((unsigned char)n[3]))) {
		*ret_sub = 1;
		return true;
	}
	if (strncmp(n, "python", 6) == 0 && c->argv[1] && lint_streq(c->argv[1], "-m") &&
	    c->argv[2] && strncmp(c->argv[2], "pip", 3) == 0) {
		*ret_sub = 3;
		return true;
	}
	return false;
}

/* The first non-option word from argv[from]. */
static const char *word_from(const struct lint_cmd *c, size_t from)
{
	for (size_t i = from; c->argv[i - 1] && c->argv[i]; i++)
		if (c->argv[i][0] != '-')
			return c->argv[i];
	return NULL;
}

static bool rm_cleans(const struct lint_script *s, const char *dir)
{
	for (size_t i = 0; i < s->n_cmds; i++) {
		const struct lint_cmd *c = &s->cmds[i];
		if (!lint_streq(lint_cmd_name(c), "rm"))
			continue;
		for (size_t k = 1; c->argv[k]; k++) {
			if (c->argv[k][0] == '-')
				continue;
			_cleanup_free_ char *p = operand_path("/", c->argv[k]);
			if (lint_path_overlaps(p, dir) ||
			    (lint_has_glob(p) && fnmatch(p, dir, 0) == 0))
				return true;
		}
	}
	return false;
}

static bool cmd_is(const struct lint_cmd *c, const char *name, const char *const *subs,
		   const char *const *opts)
{
	if (!lint_streq(lint_cmd_name(c), name))
		return false;
	const char *sub = lint_cmd_subcommand(c, opts);
	return sub && lint_name_in(sub, subs);
}

static const char *const apt_opts[] = {"-o", "-t", "-c", "--option", NULL};
static const char *const apk_opts[] = {"-X", "--repository", "-p", "--root",
				       "-t", "--virtual",    NULL};

static bool mode_world_writable(const char *m)
{
	if (!*m)
		return false;
	bool digits = true;
	for (const char *p = m; *p; p++)
		if (*p < '0' || *p > '7')
			digits = false;
	if (digits)
		return strlen(m) >= 3 && strlen(m) <= 4 && ((m[strlen(m) - 1] - '0') & 2);
	_cleanup_free_ char *c = berth_xstrdup(m);
	for (char *save = NULL, *cl = strtok_r(c, ",", &save); cl;
	     cl = strtok_r(NULL, ",", &save)) {
		const char *op = strpbrk(cl, "+=");
		if (!op)
			continue;
		bool others = false;
		for (const char *p = cl; p < op; p++)
			if (*p == 'o' || *p == 'a')
				others = true;
		if (others && strchr(op, 'w'))
			return true;
	}
	return false;
}

/* The operands of chown/chmod/chgrp after the owner or mode. */
static size_t first_file_operand(const struct lint_cmd *c, const char **ret_mode)
{
	bool reference = lint_cmd_has_arg_prefix(c, "--reference");
	bool mode_seen = reference;
	for (size_t i = 1; c->argv[i]; i++) {
		const char *w = c->argv[i];
		/* chmod accepts "-w" as a mode; a mode is never a long option */
		if (w[0] == '-' && !(lint_streq(lint_cmd_name(c), "chmod") && !mode_seen &&
				     w[1] != '-' && strspn(w + 1, "rwxXst") == strlen(w + 1)))
			continue;
		if (!mode_seen) {
			mode_seen = true;
			if (ret_mode)
				*ret_mode = w;
			continue;
		}
		return i;
	}
	return 0;
}

/* True when a mkdir or touch before command `before` of the same RUN creates p or a parent of it. */
static bool made_here(const struct lint_script *s, size_t before, const char *cwd, const char *p)
{
	for (size_t i = 0; i < before; i++) {
		const struct lint_cmd *c = &s->cmds[i];
		if (!lint_streq(lint_cmd_name(c), "mkdir") &&
		    !lint_streq(lint_cmd_name(c), "touch"))
			continue;
		for (size_t k = 1; c->argv[k]; k++) {
			if (c->argv[k][0] == '-')
				continue;
			_cleanup_free_ char *m = lint_path_join(cwd, c->argv[k]);
			size_t l = strlen(m);
			if (strcmp(p, m) == 0 || (strncmp(p, m, l) == 0 && p[l] == '/'))
				return true;
		}
	}
	return false;
}

/*
 * True when every file operand of command `at` (chmod …) is removed, itself
 * or with a parent, by an rm later in the same RUN: a temporary directory
 * (t="$(mktemp -d)"; chmod 777 "$t"; …; rm -rf "$t") never reaches the layer.
 */
static bool removed_later(const struct lint_script *s, size_t at, const char *cwd,
			  const struct lint_cmd *c)
{
	size_t k = first_file_operand(c, NULL);
	if (!k)
		return false;
	for (; c->argv[k]; k++) {
		if (c->argv[k][0] == '-')
			continue;
		_cleanup_free_ char *p = lint_path_join(cwd, c->argv[k]);
		bool gone = false;
		for (size_t i = at + 1; i < s->n_cmds && !gone; i++) {
			const struct lint_cmd *rm = &s->cmds[i];
			if (!lint_streq(lint_cmd_name(rm), "rm"))
				continue;
			for (size_t j = 1; rm->argv[j] && !gone; j++) {
				if (rm->argv[j][0] == '-')
					continue;
				_cleanup_free_ char *m = lint_path_join(cwd, rm->argv[j]);
				size_t l = strlen(m);
				gone = strcmp(p, m) == 0 || (strncmp(p, m, l) == 0 && p[l] == '/');
			}
		}
		if (!gone)
			return false;
	}
	return true;
}

static bool is_dep_install(const struct lint_cmd *c)
{
	static const char *const npm_subs[] = {"install", "i", "ci", "clean-install", NULL};
	static const char *const yarn_subs[] = {"install", NULL};
	static const char *const inst[] = {"install", NULL};
	static const char *const go_mod[] = {"mod", NULL};
	const char *n = lint_cmd_name(c);
	size_t sub = 0;
	if (is_pip(c, &sub)) {
		const char *w = word_from(c, sub);
		return lint_streq(w, "install") &&
		       (lint_cmd_has_arg(c, "-r") || lint_cmd_has_arg_prefix(c, "--requirement") ||
			lint_cmd_has_arg_prefix(c, "-r"));
	}
	if (lint_streq(n, "npm") || lint_streq(n, "pnpm")) {
		if (!cmd_is(c, n, npm_subs, NULL))
			return false;
		/* `npm install express` adds a package; only a bare install reads the manifest */
		const char *sub_w = lint_cmd_subcommand(c, NULL);
		for (size_t i = 1; c->argv[i]; i++)
			if (c->argv[i] == sub_w) {
				for (size_t k = i + 1; c->argv[k]; k++)
					if (c->argv[k][0] != '-')
						return false;
				break;
			}
		return true;
	}
	if (lint_streq(n, "yarn"))
		return !c->argv[1] || cmd_is(c, n, yarn_subs, NULL) || c->argv[1][0] == '-';
	if (lint_streq(n, "go") && cmd_is(c, n, go_mod, NULL))
		return lint_cmd_has_arg(c, "download");
	if (lint_streq(n, "bundle") || lint_streq(n, "composer") || lint_streq(n, "pipenv") ||
	    lint_streq(n, "poetry"))
		return cmd_is(c, n, inst, NULL);
	if (lint_streq(n, "cargo"))
		return lint_cmd_has_arg(c, "fetch");
	if (lint_streq(n, "mvn") || lint_streq(n, "mvnw") || lint_streq(n, "./mvnw"))
		return lint_cmd_has_arg_prefix(c, "dependency:");
	return false;
}

bool lint_is_compile(const struct lint_cmd *c)
{
	static const char *const go_subs[] = {"build", "install", NULL};
	static const char *const cargo_subs[] = {"build", "install", NULL};
	static const char *const cc[] = {"gcc",	  "g++",     "cc",    "c++",
					 "clang", "clang++", "rustc", NULL};
	const char *n = lint_cmd_name(c);
	return cmd_is(c, "go", go_subs, NULL) || cmd_is(c, "cargo", cargo_subs, NULL) ||
	       lint_name_in(n, cc);
}

/* npm ci needs a lock file: true when the context has one, or the context is unknown. */
static bool npm_lock_known(const struct lint_ctx *ctx)
{
	if (ctx->o->context_fd < 0)
		return true;
	return in_context(ctx, "package-lock.json") || in_context(ctx, "npm-shrinkwrap.json");
}

static const char *const apt_names[] = {"apt-get", "apt", "aptitude", NULL};
static const char *const apt_fill[] = {"update", "install", NULL};
static const char *const apt_update[] = {"update", NULL};
/* what reads the package lists that update fetched */
static const char *const apt_uses[] = {"install",      "reinstall",    "upgrade",
				       "dist-upgrade", "full-upgrade", "build-dep",
				       "source",       "download",     NULL};
/* apt >= 2.7 removes the lists itself */
static const char *const apt_dist_clean[] = {"dist-clean", "distclean", NULL};
static const char *const apt_upgrade[] = {"upgrade", "dist-upgrade", "full-upgrade", NULL};
static const char *const apk_add[] = {"add", NULL};
static const char *const apk_upgrade[] = {"upgrade", NULL};
static const char *const yum_upgrade[] = {"update", "upgrade", "distro-sync", NULL};
static const char *const npm_install[] = {"install", "i", NULL};
static const char *const shells[] = {"sh",     "bash", "ash",	  "dash", "zsh",
				     "python", "perl", "python3", "ruby", NULL};
static const char *const fetchers[] = {"curl", "wget", NULL};

/* What the commands of one RUN do, found while scanning them, reported after. */
struct run_findings {
	bool apt_fills, apt_lists, apt_updates, apt_uses_lists;
	bool apk, pip, npm, upgrade, sudo, curl, chmod, chown, rm, dep;
};

/* One RUN: the instruction, its lines for the reports, its parsed script. */
struct run_at {
	const ins_t *ins;
	int l, e, col;
	struct lint_script s;
};

/* BL010: a RUN right after another RUN of the final stage. */
static void check_run_follows_run(struct lint_ctx *ctx, const struct lint_stage *st, size_t idx,
				  const struct run_at *r)
{
	if (idx <= st->first + 1 ||
	    !lint_is_kw(&ctx->df->instructions[idx - 1], BERTH_DOCKERFILE_RUN) || !st->in_final)
		return;
	_cleanup_free_ char *fix =
		berth_xasprintf("join the commands with '&&' into the RUN at line %d",
				ctx->df->instructions[idx - 1].start_line);
	lint_report(ctx, "BL010", r->l, r->e, r->col, fix,
		    "RUN follows the RUN at line %d: each makes its own layer",
		    ctx->df->instructions[idx - 1].start_line);
}

/* The package managers, fetchers and sudo of command i of the RUN. */
static void scan_run_command(struct lint_ctx *ctx, struct lint_stage_state *ss,
			     const struct run_at *r, size_t i, struct run_findings *f)
{
	const struct lint_cmd *c = &r->s.cmds[i];
	const char *n = lint_cmd_name(c);
	size_t pip_sub = 0;

	if (c->sudo)
		f->sudo = true;
	for (size_t k = 0; apt_names[k]; k++) {
		if (cmd_is(c, apt_names[k], apt_fill, apt_opts))
			f->apt_fills = true;
		if (cmd_is(c, apt_names[k], apt_update, apt_opts))
			f->apt_updates = true;
		if (cmd_is(c, apt_names[k], apt_uses, apt_opts))
			f->apt_uses_lists = true;
		if (cmd_is(c, apt_names[k], apt_dist_clean, apt_opts))
			f->apt_lists = true;
		if (cmd_is(c, apt_names[k], apt_upgrade, apt_opts))
			f->upgrade = true;
	}
	if (cmd_is(c, "apk", apk_upgrade, apk_opts) || cmd_is(c, "yum", yum_upgrade, NULL) ||
	    cmd_is(c, "dnf", yum_upgrade, NULL))
		f->upgrade = true;
	if (cmd_is(c, "apk", apk_add, apk_opts) && !lint_cmd_has_arg(c, "--no-cache") &&
	    !rm_cleans(&r->s, "/var/cache/apk") && !lint_has_cache_mount(r->ins, "/var/cache/apk"))
		f->apk = true;
	if (is_pip(c, &pip_sub) && lint_streq(word_from(c, pip_sub), "install") &&
	    !lint_cmd_has_arg(c, "--no-cache-dir") && !ss->pip_no_cache_env &&
	    !lint_has_cache_mount(r->ins, "/root/.cache/pip"))
		f->pip = true;
	if (cmd_is(c, "npm", npm_install, NULL) && is_dep_install(c) && npm_lock_known(ctx))
		f->npm = true;
	if (lint_name_in(n, shells) && c->piped_in && i > 0 &&
	    lint_name_in(lint_cmd_name(&r->s.cmds[i - 1]), fetchers))
		f->curl = true;
	if (lint_name_in(n, shells) &&
	    (lint_cmd_has_arg_prefix(c, "$(curl") || lint_cmd_has_arg_prefix(c, "$(wget")))
		f->curl = true;
	if (is_dep_install(c))
		f->dep = true;
	if (lint_streq(n, "chmod")) {
		const char *mode = NULL;
		first_file_operand(c, &mode);
		if (mode && mode_world_writable(mode) && !removed_later(&r->s, i, ss->workdir, c))
			f->chmod = true;
	}
}

/* BL011: command i changes owner or mode of files a COPY of the stage added. */
static bool check_run_chown(struct lint_ctx *ctx, struct lint_stage_state *ss,
			    const struct run_at *r, size_t i)
{
	const struct lint_cmd *c = &r->s.cmds[i];
	const char *n = lint_cmd_name(c);
	if (!lint_streq(n, "chown") && !lint_streq(n, "chmod") && !lint_streq(n, "chgrp"))
		return false;
	size_t k = first_file_operand(c, NULL);
	for (; k && c->argv[k]; k++) {
		if (c->argv[k][0] == '-')
			continue;
		_cleanup_free_ char *p = operand_path(ss->workdir, c->argv[k]);
		if (made_here(&r->s, i, ss->workdir, p))
			continue;
		const struct lint_target *t = targets_find(ctx, &ss->copied, p);
		if (!t)
			continue;
		bool chown = !lint_streq(n, "chmod");
		_cleanup_free_ char *fix = berth_xasprintf(
			"set it in the copy instead: '%s %s' at line %d", t->what,
			chown ? "--chown=<user>:<group>" : "--chmod=<mode>", t->line);
		lint_report(ctx, "BL011", r->l, r->e, r->col, fix,
			    "'%s %s' changes files that %s at line %d added: the "
			    "layer stores them again",
			    n, c->argv[k], t->what, t->line);
		return true;
	}
	return false;
}

/* BL017: command i removes files an earlier layer of the stage added. */
static bool check_run_rm(struct lint_ctx *ctx, struct lint_stage_state *ss, const struct run_at *r,
			 size_t i)
{
	const struct lint_cmd *c = &r->s.cmds[i];
	if (!lint_streq(lint_cmd_name(c), "rm"))
		return false;
	for (size_t k = 1; c->argv[k]; k++) {
		if (c->argv[k][0] == '-')
			continue;
		_cleanup_free_ char *p = operand_path(ss->workdir, c->argv[k]);
		const struct lint_target *t = targets_find(ctx, &ss->copied, p);
		if (!t)
			t = targets_find(ctx, &ss->created, p);
		if (!t)
			continue;
		_cleanup_free_ char *fix =
			berth_xasprintf("do not add '%s' at all, or add, use and "
					"delete it in one RUN "
					"(or a separate build stage)",
					c->argv[k]);
		lint_report(ctx, "BL017", r->l, r->e, r->col, fix,
			    "'rm %s' deletes files that %s at line %d added: they "
			    "stay in "
			    "that layer",
			    c->argv[k], t->what, t->line);
		return true;
	}
	return false;
}

/* The reports of what the scan found: BL012-BL018, BL036, BL037, BL039. */
static void report_run_findings(struct lint_ctx *ctx, const struct lint_stage *st,
				const struct run_at *r, const struct run_findings *f)
{
	int l = r->l, e = r->e, col = r->col;
	if (f->apt_updates && !f->apt_uses_lists)
		lint_report(ctx, "BL018", l, e, col,
			    "combine update and install in one RUN: 'RUN apt-get update && "
			    "apt-get install -y --no-install-recommends <packages> && rm -rf "
			    "/var/lib/apt/lists/*', and drop this RUN",
			    "'apt-get update' in a RUN of its own: the layer cache keeps its "
			    "package lists, and a later install reads stale ones");
	else if (st->in_final && f->apt_fills && !f->apt_lists) {
		lint_report(
			ctx, "BL012", l, e, col,
			"end the same RUN with '&& rm -rf /var/lib/apt/lists/*'",
			"apt-get leaves its package lists in the layer (/var/lib/apt/lists is not "
			"removed in this RUN)");
	}
	if (st->in_final && f->apk)
		lint_report(ctx, "BL013", l, e, col, "use 'apk add --no-cache'",
			    "'apk add' without --no-cache leaves the package index in the layer");
	if (st->in_final && f->pip)
		lint_report(ctx, "BL014", l, e, col, "use 'pip install --no-cache-dir'",
			    "'pip install' without --no-cache-dir leaves pip's cache in the layer");
	if (f->npm)
		lint_report(
			ctx, "BL015", l, e, col,
			"use 'npm ci' (with the package-lock.json copied in); add --omit=dev for "
			"production",
			"'npm install' resolves versions again; 'npm ci' installs the lock file "
			"exactly");
	if (st->in_final && f->upgrade)
		lint_report(ctx, "BL016", l, e, col,
			    "use a newer base image tag instead, and install only named packages",
			    "upgrading all packages in the image makes builds unreproducible and "
			    "the layer large");
	if (f->curl)
		lint_report(ctx, "BL036", l, e, col,
			    "download to a file, verify its checksum or signature, then run it",
			    "a script is piped from the network into a shell");
	if (f->sudo)
		lint_report(ctx, "BL037", l, e, col,
			    "drop sudo: RUN already runs as the current USER; switch with USER",
			    "sudo in RUN: build steps run as USER already, and sudo in the image "
			    "widens privileges");
	if (st->in_final && f->chmod)
		lint_report(ctx, "BL039", l, e, col,
			    "give write access only to the owner, e.g. 'chmod 755' or 'chown' to "
			    "the app user",
			    "chmod makes files writable by every user");
}

/* BL020, cache order: the first dependency install after a whole-context COPY. */
static void check_run_dep_order(struct lint_ctx *ctx, struct lint_stage_state *ss,
				const struct run_at *r, const struct run_findings *f)
{
	if (!f->dep || ss->dep_install_seen)
		return;
	ss->dep_install_seen = true;
	if (ss->whole_copy_line) {
		lint_report(ctx, "BL020", r->l, r->e, r->col,
			    "copy only the manifest files first (e.g. 'COPY requirements.txt "
			    "./' or 'COPY package*.json ./'), install, then 'COPY . .'",
			    "dependencies are installed after the whole context was copied at "
			    "line %ld: any source change reinstalls them",
			    ss->whole_copy_line);
	}
}

/* What this RUN leaves behind, for later `rm`s (BL017). */
static void note_run_created(struct lint_stage_state *ss, const struct run_at *r,
			     const struct run_findings *f)
{
	for (size_t i = 0; i < r->s.n_cmds; i++) {
		const struct lint_cmd *c = &r->s.cmds[i];
		const char *n = lint_cmd_name(c);
		for (size_t k = 1; c->argv[k]; k++) {
			const char *out = NULL;
			if (lint_streq(n, "curl") &&
			    (lint_streq(c->argv[k], "-o") || lint_streq(c->argv[k], "--output")))
				out = c->argv[k + 1];
			else if (lint_streq(n, "wget") && lint_streq(c->argv[k], "-O"))
				out = c->argv[k + 1];
			else if (lint_streq(n, "wget") &&
				 strncmp(c->argv[k], "--output-document=", 18) == 0)
				out = c->argv[k] + 18;
			if (out && !lint_streq(out, "-"))
				targets_add(&ss->created, lint_path_join(ss->workdir, out), r->l,
					    "RUN");
		}
	}
	if (f->apt_fills && !f->apt_lists)
		targets_add(&ss->created, berth_xstrdup("/var/lib/apt/lists"), r->l, "RUN");
}

void lint_check_run(struct lint_ctx *ctx, const struct lint_stage *st, struct lint_stage_state *ss,
		    size_t idx)
{
	const ins_t *ins = &ctx->df->instructions[idx];
	struct run_at r = {ins, ins->start_line, ins->end_line, ins->column, {0}};
	_cleanup_free_ char *script = lint_script_of(ins, 0);
	lint_script_parse(script, &r.s);

	struct run_findings f = {
		.apt_lists = rm_cleans(&r.s, "/var/lib/apt/lists") ||
			     lint_has_cache_mount(ins, "/var/lib/apt/lists"),
		.curl = strstr(script, "<(curl") || strstr(script, "<(wget"),
	};
	check_run_follows_run(ctx, st, idx, &r);
	for (size_t i = 0; i < r.s.n_cmds; i++) {
		scan_run_command(ctx, ss, &r, i, &f);
		/* one report of each per RUN */
		if (st->in_final && !f.chown)
			f.chown = check_run_chown(ctx, ss, &r, i);
		if (st->in_final && !f.rm)
			f.rm = check_run_rm(ctx, ss, &r, i);
	}
	report_run_findings(ctx, st, &r, &f);
	check_run_dep_order(ctx, ss, &r, &f);
	note_run_created(ss, &r, &f);
	lint_script_release(&r.s);
}

void lint_check_copy(struct lint_ctx *ctx, const struct lint_stage *st, struct lint_stage_state *ss,
		     size_t idx, long *first_context_copy)
{
	const ins_t *ins = &ctx->df->instructions[idx];
	int l = ins->start_line, e = ins->end_line, col = ins->column;
	bool add = lint_is_kw(ins, BERTH_DOCKERFILE_ADD);
	const struct berth_dockerfile_flag *from = berth_dockerfile_instruction_flag(ins, "from");
	const struct berth_dockerfile_flag *chmod = berth_dockerfile_instruction_flag(ins, "chmod");
	struct copy_args ca;
	if (!copy_args_get(ctx, ss->env, ins, &ca))
		return;

	bool url = false, archive = false, whole = false, unknown = false;
	const char *git_unpinned = NULL, *download = NULL;
	for (size_t i = 0; i < ca.n_src; i++) {
		bool pinned = false;
		if (ca.unset[i])
			unknown = true;
		else if (is_git_source(ca.src[i], &pinned)) {
			url = true;
			if (!pinned)
				git_unpinned = ca.src[i];
		} else if (is_url(ca.src[i])) {
			url = true;
			download = ca.src[i];
		} else if (is_tar_archive(ca.src[i]))
			archive = true;
		if (!from && is_whole_context(ca.src[i]))
			whole = true;
	}
	bool checksum = berth_dockerfile_instruction_flag(ins, "checksum") != NULL;
	if (add && download && !checksum)
		lint_report(
			ctx, "BL034", l, e, col,
			"download in a RUN with a checksum check, or use 'ADD --checksum=sha256:…'",
			"ADD fetches a URL without verifying it (and the download is never "
			"cached by content)");
	else if (add && git_unpinned && !checksum) {
		_cleanup_free_ char *fix =
			berth_xasprintf("pin a tag or commit: 'ADD %s#<tag or commit> …' (or ADD "
					"--checksum=<commit>)",
					git_unpinned);
		lint_report(ctx, "BL034", l, e, col, fix,
			    "ADD of the git repository '%s' without a ref follows its default "
			    "branch: each build may get other code",
			    git_unpinned);
	} else if (add && !url && !archive && !unknown && ca.n_src > 0)
		lint_report(
			ctx, "BL035", l, e, col,
			"use COPY: ADD's archive extraction and URL download are not needed here",
			"ADD copies local files: COPY does the same without the surprises");

	if (chmod && chmod->value && mode_world_writable(chmod->value))
		lint_report(ctx, "BL039", l, e, col,
			    "give write access only to the owner, e.g. '--chmod=755'",
			    "--chmod=%s makes the files writable by every user", chmod->value);

	if (whole && !ss->whole_copy_line)
		ss->whole_copy_line = l;
	if (!from && !url && ca.n_src > 0 && *first_context_copy == 0)
		*first_context_copy = idx + 1;

	/* where the files land, for BL011 and BL017 */
	bool dest_dir = ca.n_src > 1 || strlen(ca.dest) == 0 ||
			ca.dest[strlen(ca.dest) - 1] == '/' || lint_streq(ca.dest, ".");
	_cleanup_free_ char *dest = lint_path_join(ss->workdir, ca.dest);
	for (size_t i = 0; i < ca.n_src; i++) {
		const char *src = ca.src[i];
		size_t sl = strlen(src);
		_cleanup_free_ char *rel = lint_path_join("/", src);
		bool tree =
			(!from && is_whole_context(src)) || (sl > 0 && src[sl - 1] == '/') ||
			(!from && !is_url(src) && !lint_has_glob(src) && context_dir(ctx, rel + 1));
		struct lint_target *t;
		if (tree || !dest_dir || (archive && add))
			t = targets_add(&ss->copied, berth_xstrdup(dest), l, add ? "ADD" : "COPY");
		else
			t = targets_add(&ss->copied, lint_path_join(dest, base_of(src)), l,
					add ? "ADD" : "COPY");
		t->tree = tree || (archive && add);
		if (tree && !from)
			t->src = berth_xstrdup(rel + 1);
	}
	copy_args_release(&ca);
}
