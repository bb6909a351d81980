/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks behind the rule table of lint.c. Every check reads the AST as
 * hostile input: lengths come from the parser, nothing is executed, shell
 * text is only split into words (shellscan.c).
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

/* ---- small helpers ------------------------------------------------------ */

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static const char *arg(const ins_t *ins, size_t i)
{
	if (i >= ins->n_args)
		return NULL;
	/* an argument with a NUL byte inside is not a C string: treat it as absent */
	if (ins->arg_lens && strlen(ins->args[i]) != ins->arg_lens[i])
		return "";
	return ins->args[i];
}

static bool is_kw(const ins_t *ins, enum berth_dockerfile_keyword k)
{
	return ins->keyword == k;
}

/* The shell text of a RUN (or CMD/ENTRYPOINT): exec-form words quoted, heredoc bodies appended. */
static char *script_of(const ins_t *ins, size_t first_arg)
{
	struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = first_arg; i < ins->n_args; i++) {
		const char *a = arg(ins, i);
		if (i > first_arg)
			berth_buf_addch(&b, ' ');
		if (!ins->json) {
			berth_buf_addstr(&b, a);
			continue;
		}
		berth_buf_addch(&b, '\'');
		for (const char *p = a; *p; p++) {
			if (*p == '\'')
				berth_buf_addstr(&b, "'\\''");
			else
				berth_buf_addch(&b, *p);
		}
		berth_buf_addch(&b, '\'');
	}
	for (size_t i = 0; i < ins->n_heredocs; i++) {
		berth_buf_addch(&b, '\n');
		berth_buf_addstr(&b, ins->heredocs[i].content);
	}
	return berth_buf_detach(&b, NULL);
}

/* True when a `RUN --mount=type=cache` targets a path overlapping dir. */
static bool has_cache_mount(const ins_t *ins, const char *dir)
{
	for (size_t i = 0; i < ins->n_flags; i++) {
		const struct berth_dockerfile_flag *f = &ins->flags[i];
		if (!streq(f->name, "mount") || !f->value || !strstr(f->value, "type=cache"))
			continue;
		_cleanup_free_ char *v = berth_xstrdup(f->value);
		for (char *save = NULL, *kv = strtok_r(v, ",", &save); kv;
		     kv = strtok_r(NULL, ",", &save)) {
			const char *t = NULL;
			if (strncmp(kv, "target=", 7) == 0)
				t = kv + 7;
			else if (strncmp(kv, "dst=", 4) == 0)
				t = kv + 4;
			else if (strncmp(kv, "destination=", 12) == 0)
				t = kv + 12;
			if (!t)
				continue;
			_cleanup_free_ char *n = lint_path_join("/", t);
			if (lint_path_overlaps(n, dir))
				return true;
		}
	}
	return false;
}

/*
 * Longest value kept for a name: enough for any source or URL lint judges,
 * and a bound on memory when a hostile Dockerfile grows values
 * (ENV A=$A$A…) under many names.
 */
#define MAX_ENV_VALUE 4096

/*
 * Sets NAME=value in *env, replacing an earlier value; an empty, missing or
 * overlong value unsets it.
 */
static void env_set(char ***env, const char *name, const char *value)
{
	size_t l = strlen(name);
	size_t n = 0;
	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, name, l) == 0 && (*e)[l] == '=')
			free(*e);
		else
			(*env)[n++] = *e;
	}
	if (*env)
		(*env)[n] = NULL;
	if (value && *value && strlen(value) <= MAX_ENV_VALUE)
		berth_strv_consume(env, berth_xasprintf("%s=%s", name, value));
}

/*
 * Expands the ARG and ENV references of word as BuildKit does
 * (dockerfile/shell.h) in env ("NAME=value", only names with a value): an
 * unset name expands to "" and ${NAME:-default} to its default. NULL for a
 * malformed word. *ret_unset (may be NULL) tells that a name was not set: the
 * value then depends on a --build-arg lint does not know.
 */
static char *expand_word(const struct lint_ctx *ctx, char *const *env, const char *word,
			 bool *ret_unset)
{
	struct berth_shell_result res;
	if (berth_shell_process(word, env, ctx->df->escape, 0, &res, NULL) < 0)
		return NULL;
	if (ret_unset)
		*ret_unset = res.unmatched[0] != NULL;
	char *w = TAKE_PTR(res.word);
	berth_shell_result_release(&res);
	return w;
}

/*
 * FROM's image after expansion; NULL when a missing --build-arg left a hole
 * in it ("", "/app:1", "python:"): such a base is not judged.
 */
static char *expand_image(const struct lint_ctx *ctx, const char *word)
{
	bool unset = false;
	_cleanup_free_ char *w = expand_word(ctx, ctx->global_args, word, &unset);
	if (!w || !*w)
		return NULL;
	size_t l = strlen(w);
	if (unset && (strchr("/:@", w[0]) || strchr("/:@", w[l - 1]) || strstr(w, "//") ||
		      strstr(w, "/:") || strstr(w, ":@")))
		return NULL;
	return TAKE_PTR(w);
}

/*
 * Declares the names of an ARG in *env: a default is expanded with what env
 * holds so far; a name without one takes its value from globals (a global
 * ARG redeclared in a stage), or stays unset.
 */
static void args_declare(const struct lint_ctx *ctx, char ***env, char *const *globals,
			 const ins_t *ins)
{
	for (size_t k = 0; k < ins->n_args; k++) {
		const char *w = arg(ins, k);
		const char *eq = strchr(w, '=');
		_cleanup_free_ char *n =
			eq ? berth_xstrndup(w, (size_t)(eq - w)) : berth_xstrdup(w);
		if (eq) {
			_cleanup_free_ char *v = expand_word(ctx, *env, eq + 1, NULL);
			env_set(env, n, v);
			continue;
		}
		const char *g = NULL;
		if (berth_shell_getenv(globals, n, &g))
			env_set(env, n, g);
	}
}

/* ---- image references --------------------------------------------------- */

struct imgref {
	char *registry; /* "docker.io" for Docker Hub */
	char *path;	/* "library/python" */
	char *ns;	/* "library" */
	char *name;	/* "python" (last component) */
	char *tag;	/* NULL when none */
	char *digest;	/* NULL when none */
	bool hub;
};

static void imgref_release(struct imgref *r)
{
	free(r->registry);
	free(r->path);
	free(r->ns);
	free(r->name);
	free(r->tag);
	free(r->digest);
}

static void imgref_parse(const char *s, struct imgref *r)
{
	*r = (struct imgref){0};
	_cleanup_free_ char *rest = berth_xstrdup(s);
	char *at = strchr(rest, '@');
	if (at) {
		r->digest = berth_xstrdup(at + 1);
		*at = '\0';
	}
	char *slash = strrchr(rest, '/');
	char *colon = strrchr(slash ? slash : rest, ':');
	if (colon) {
		r->tag = berth_xstrdup(colon + 1);
		*colon = '\0';
	}
	char *first = strchr(rest, '/');
	const char *path = rest;
	if (first) {
		size_t l = (size_t)(first - rest);
		if (memchr(rest, '.', l) || memchr(rest, ':', l) ||
		    (l == 9 && strncmp(rest, "localhost", 9) == 0)) {
			r->registry = berth_xstrndup(rest, l);
			path = first + 1;
		}
	}
	if (!r->registry || streq(r->registry, "docker.io") ||
	    streq(r->registry, "index.docker.io") || streq(r->registry, "registry-1.docker.io")) {
		free(r->registry);
		r->registry = berth_xstrdup("docker.io");
		r->hub = true;
	}
	if (r->hub && !strchr(path, '/'))
		r->path = berth_xasprintf("library/%s", path);
	else
		r->path = berth_xstrdup(path);
	for (char *p = r->path; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *sl = strchr(r->path, '/');
	r->ns = sl ? berth_xstrndup(r->path, (size_t)(sl - r->path)) : berth_xstrdup("");
	const char *last = strrchr(r->path, '/');
	r->name = berth_xstrdup(last ? last + 1 : r->path);
}

/* Official images with a smaller variant, and the tag words that mean "small". */
static const struct {
	const char *name;
	const char *variants; /* space-separated tag substrings accepted as small */
	const char *suggest;  /* example of a small tag */
} slim_images[] = {
	{"python", "slim alpine", "python:3.12-slim"},
	{"node", "slim alpine", "node:20-alpine"},
	{"golang", "alpine", "golang:1.22-alpine"},
	{"nginx", "alpine", "nginx:1.27-alpine"},
	{"debian", "slim", "debian:bookworm-slim"},
	{"ubuntu", "", "debian:bookworm-slim"},
	{"openjdk", "slim alpine jre", "eclipse-temurin:21-jre-alpine"},
	{"eclipse-temurin", "alpine jre", "eclipse-temurin:21-jre-alpine"},
	{"ruby", "slim alpine", "ruby:3.3-slim"},
	{"php", "alpine", "php:8.3-fpm-alpine"},
	{"httpd", "alpine", "httpd:2.4-alpine"},
	{"rust", "slim alpine", "rust:1-slim"},
	{"perl", "slim", "perl:5-slim"},
	{"elixir", "slim alpine", "elixir:1.16-alpine"},
	{"redis", "alpine", "redis:7-alpine"},
	{"postgres", "alpine", "postgres:16-alpine"},
};

static bool tag_has_word(const char *tag, const char *words)
{
	_cleanup_free_ char *w = berth_xstrdup(words);
	for (char *save = NULL, *t = strtok_r(w, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (strstr(tag, t))
			return true;
	return false;
}

static bool trusted_registry(const struct lint_ctx *ctx, const struct imgref *r)
{
	_cleanup_free_ char *full = berth_xasprintf("%s/%s", r->registry, r->path);
	BERTH_STRV_FOREACH (t, ctx->o->trusted_registries) {
		size_t l = strlen(*t);
		while (l > 0 && (*t)[l - 1] == '/')
			l--;
		if (l && strncasecmp(full, *t, l) == 0 && (full[l] == '/' || full[l] == '\0'))
			return true;
	}
	return false;
}

/*
 * A Docker Hub namespace listed in trusted-namespaces: "docker", "docker/",
 * "docker/" followed by a star, or a glob over the namespace; or a Docker Hub path
 * in trusted-registries ("docker.io/moby").
 */
static bool trusted_namespace(const struct lint_ctx *ctx, const struct imgref *r)
{
	BERTH_STRV_FOREACH (t, ctx->o->trusted_namespaces) {
		_cleanup_free_ char *pat = berth_xstrdup(*t);
		size_t l = strlen(pat);
		if (l >= 2 && strcmp(pat + l - 2, "/*") == 0)
			pat[l - 2] = '\0';
		else if (l >= 1 && pat[l - 1] == '/')
			pat[l - 1] = '\0';
		for (char *p = pat; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (*pat && fnmatch(pat, r->ns, 0) == 0)
			return true;
	}
	return ctx->o->trusted_registries && trusted_registry(ctx, r);
}

static const char *const compiler_images[] = {"golang", "rust", "gcc"};

static void check_from(struct lint_ctx *ctx, const struct lint_stage *st)
{
	const ins_t *ins = &ctx->df->instructions[st->first];
	if (st->parent >= 0 || !st->image || strcasecmp(st->image, "scratch") == 0)
		return;
	struct imgref r;
	imgref_parse(st->image, &r);
	int l = ins->start_line, e = ins->end_line, c = ins->column;

	if (!r.tag && !r.digest)
		lint_report(ctx, "BL001", l, e, c,
			    "pin a version tag or a digest: 'FROM <image>:<version>' or "
			    "'FROM <image>@sha256:<digest>'",
			    "base image '%s' is not pinned to a tag or digest", st->image);
	else if (streq(r.tag, "latest") && !r.digest)
		lint_report(ctx, "BL002", l, e, c,
			    "pin a release tag (e.g. the version you test with) or a digest",
			    "base image '%s' uses the mutable 'latest' tag", st->image);

	if (r.hub && !streq(r.ns, "library") && !trusted_namespace(ctx, &r)) {
		_cleanup_free_ char *fix = berth_xasprintf(
			"use an official image, or trust the namespace in .berthlint: "
			"'trusted-namespaces = %s'",
			r.ns);
		lint_report(ctx, "BL005", l, e, c, fix,
			    "base image '%s' comes from the Docker Hub namespace '%s', not from an "
			    "official image",
			    st->image, r.ns);
	} else if (!r.hub && ctx->o->trusted_registries && !trusted_registry(ctx, &r)) {
		_cleanup_free_ char *fix = berth_xasprintf("use an image from a trusted registry, "
							   "or add '%s' to trusted-registries in "
							   ".berthlint",
							   r.registry);
		lint_report(ctx, "BL005", l, e, c, fix,
			    "base image '%s' comes from registry '%s', which is not in "
			    "trusted-registries",
			    st->image, r.registry);
	}

	if (st->in_final && r.hub && streq(r.ns, "library") && !(r.digest && !r.tag)) {
		for (size_t i = 0; i < ELEMENTSOF(slim_images); i++) {
			if (!streq(r.name, slim_images[i].name))
				continue;
			if (r.tag && (tag_has_word(r.tag, slim_images[i].variants) ||
				      tag_has_word(r.tag, "minbase minimal distroless micro")))
				break;
			_cleanup_free_ char *fix = berth_xasprintf(
				"use a slim, alpine or distroless variant, e.g. '%s'",
				slim_images[i].suggest);
			lint_report(
				ctx, "BL003", l, e, c, fix,
				"base image '%s' of the final image is a full variant; a smaller "
				"one exists",
				st->image);
			break;
		}
	}
	imgref_release(&r);
}

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
		const char *a = arg(ins, i);
		if (strncmp(a, "<<", 2) == 0)
			continue; /* a heredoc, not a file of the context */
		bool unset = false;
		char *w = expand_word(ctx, env, a, &unset);
		ca->unset[ca->n_src] = unset || !w;
		ca->src[ca->n_src++] = w ? w : berth_xstrdup(a);
	}
	ca->dest = arg(ins, ins->n_args - 1);
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
	return streq(s, ".") || streq(s, "./") || streq(s, "*") || streq(s, "./*") ||
	       streq(s, "/") || streq(s, "./.");
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

struct target {
	char *path; /* normalised; may hold a glob from the COPY source */
	int line;
	const char *what; /* "COPY", "ADD", "RUN" */
	/*
	 * A directory tree copied from the context: src is its path in the
	 * context ("" for the whole context). Paths under such a target count
	 * only when they exist in the context, since a later RUN may have made
	 * them. NULL for single files and copies from other stages.
	 */
	char *src;
	bool tree;
};

struct targets {
	struct target *v;
	size_t n;
};

static struct target *targets_add(struct targets *t, char *path, int line, const char *what)
{
	t->v = berth_xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n] = (struct target){.path = path, .line = line, .what = what};
	return &t->v[t->n++];
}

static void targets_release(struct targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].src);
	}
	free(t->v);
	*t = (struct targets){0};
}

static bool path_matches(const char *op, const char *target)
{
	if (lint_path_overlaps(op, target))
		return true;
	if (has_glob(target) && fnmatch(target, op, FNM_PATHNAME) == 0)
		return true;
	if (has_glob(op) && fnmatch(op, target, FNM_PATHNAME) == 0)
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

static const struct target *targets_find(const struct lint_ctx *ctx, const struct targets *t,
					 const char *op)
{
	if (streq(op, "/"))
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct target *tg = &t->v[i];
		if (!path_matches(op, tg->path))
			continue;
		size_t l = streq(tg->path, "/") ? 0 : strlen(tg->path);
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

static bool name_in(const char *n, const char *const *list)
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
	if (strncmp(n, "python", 6) == 0 && c->argv[1] && streq(c->argv[1], "-m") && c->argv[2] &&
	    strncmp(c->argv[2], "pip", 3) == 0) {
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
		if (!streq(lint_cmd_name(c), "rm"))
			continue;
		for (size_t k = 1; c->argv[k]; k++) {
			if (c->argv[k][0] == '-')
				continue;
			_cleanup_free_ char *p = operand_path("/", c->argv[k]);
			if (lint_path_overlaps(p, dir) || (has_glob(p) && fnmatch(p, dir, 0) == 0))
				return true;
		}
	}
	return false;
}

static bool cmd_is(const struct lint_cmd *c, const char *name, const char *const *subs,
		   const char *const *opts)
{
	if (!streq(lint_cmd_name(c), name))
		return false;
	const char *sub = lint_cmd_subcommand(c, opts);
	return sub && name_in(sub, subs);
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
		if (w[0] == '-' && !(streq(lint_cmd_name(c), "chmod") && !mode_seen &&
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
		if (!streq(lint_cmd_name(c), "mkdir") && !streq(lint_cmd_name(c), "touch"))
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
			if (!streq(lint_cmd_name(rm), "rm"))
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

struct stage_state {
	char *workdir;
	char **env;		/* the stage's ARGs and ENVs with a value, "NAME=value" */
	struct targets copied;	/* COPY/ADD destinations of this stage */
	struct targets created; /* paths earlier RUNs are known to create */
	bool pip_no_cache_env;
	long whole_copy_line; /* first whole-context COPY, 0 when none */
	bool dep_install_seen;
};

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
		return streq(w, "install") &&
		       (lint_cmd_has_arg(c, "-r") || lint_cmd_has_arg_prefix(c, "--requirement") ||
			lint_cmd_has_arg_prefix(c, "-r"));
	}
	if (streq(n, "npm") || streq(n, "pnpm")) {
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
	if (streq(n, "yarn"))
		return !c->argv[1] || cmd_is(c, n, yarn_subs, NULL) || c->argv[1][0] == '-';
	if (streq(n, "go") && cmd_is(c, n, go_mod, NULL))
		return lint_cmd_has_arg(c, "download");
	if (streq(n, "bundle") || streq(n, "composer") || streq(n, "pipenv") || streq(n, "poetry"))
		return cmd_is(c, n, inst, NULL);
	if (streq(n, "cargo"))
		return lint_cmd_has_arg(c, "fetch");
	if (streq(n, "mvn") || streq(n, "mvnw") || streq(n, "./mvnw"))
		return lint_cmd_has_arg_prefix(c, "dependency:");
	return false;
}

static bool is_compile(const struct lint_cmd *c)
{
	static const char *const go_subs[] = {"build", "install", NULL};
	static const char *const cargo_subs[] = {"build", "install", NULL};
	static const char *const cc[] = {"gcc",	  "g++",     "cc",    "c++",
					 "clang", "clang++", "rustc", NULL};
	const char *n = lint_cmd_name(c);
	return cmd_is(c, "go", go_subs, NULL) || cmd_is(c, "cargo", cargo_subs, NULL) ||
	       name_in(n, cc);
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
	if (idx <= st->first + 1 || !is_kw(&ctx->df->instructions[idx - 1], BERTH_DOCKERFILE_RUN) ||
	    !st->in_final)
		return;
	_cleanup_free_ char *fix =
		berth_xasprintf("join the commands with '&&' into the RUN at line %d",
				ctx->df->instructions[idx - 1].start_line);
	lint_report(ctx, "BL010", r->l, r->e, r->col, fix,
		    "RUN follows the RUN at line %d: each makes its own layer",
		    ctx->df->instructions[idx - 1].start_line);
}

/* The package managers, fetchers and sudo of command i of the RUN. */
static void scan_run_command(struct lint_ctx *ctx, struct stage_state *ss, const struct run_at *r,
			     size_t i, struct run_findings *f)
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
	    !rm_cleans(&r->s, "/var/cache/apk") && !has_cache_mount(r->ins, "/var/cache/apk"))
		f->apk = true;
	if (is_pip(c, &pip_sub) && streq(word_from(c, pip_sub), "install") &&
	    !lint_cmd_has_arg(c, "--no-cache-dir") && !ss->pip_no_cache_env &&
	    !has_cache_mount(r->ins, "/root/.cache/pip"))
		f->pip = true;
	if (cmd_is(c, "npm", npm_install, NULL) && is_dep_install(c) && npm_lock_known(ctx))
		f->npm = true;
	if (name_in(n, shells) && c->piped_in && i > 0 &&
	    name_in(lint_cmd_name(&r->s.cmds[i - 1]), fetchers))
		f->curl = true;
	if (name_in(n, shells) &&
	    (lint_cmd_has_arg_prefix(c, "$(curl") || lint_cmd_has_arg_prefix(c, "$(wget")))
		f->curl = true;
	if (is_dep_install(c))
		f->dep = true;
	if (streq(n, "chmod")) {
		const char *mode = NULL;
		first_file_operand(c, &mode);
		if (mode && mode_world_writable(mode) && !removed_later(&r->s, i, ss->workdir, c))
			f->chmod = true;
	}
}

/* BL011: command i changes owner or mode of files a COPY of the stage added. */
static bool check_run_chown(struct lint_ctx *ctx, struct stage_state *ss, const struct run_at *r,
			    size_t i)
{
	const struct lint_cmd *c = &r->s.cmds[i];
	const char *n = lint_cmd_name(c);
	if (!streq(n, "chown") && !streq(n, "chmod") && !streq(n, "chgrp"))
		return false;
	size_t k = first_file_operand(c, NULL);
	for (; k && c->argv[k]; k++) {
		if (c->argv[k][0] == '-')
			continue;
		_cleanup_free_ char *p = operand_path(ss->workdir, c->argv[k]);
		if (made_here(&r->s, i, ss->workdir, p))
			continue;
		const struct target *t = targets_find(ctx, &ss->copied, p);
		if (!t)
			continue;
		bool chown = !streq(n, "chmod");
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
static bool check_run_rm(struct lint_ctx *ctx, struct stage_state *ss, const struct run_at *r,
			 size_t i)
{
	const struct lint_cmd *c = &r->s.cmds[i];
	if (!streq(lint_cmd_name(c), "rm"))
		return false;
	for (size_t k = 1; c->argv[k]; k++) {
		if (c->argv[k][0] == '-')
			continue;
		_cleanup_free_ char *p = operand_path(ss->workdir, c->argv[k]);
		const struct target *t = targets_find(ctx, &ss->copied, p);
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
static void check_run_dep_order(struct lint_ctx *ctx, struct stage_state *ss,
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
static void note_run_created(struct stage_state *ss, const struct run_at *r,
			     const struct run_findings *f)
{
	for (size_t i = 0; i < r->s.n_cmds; i++) {
		const struct lint_cmd *c = &r->s.cmds[i];
		const char *n = lint_cmd_name(c);
		for (size_t k = 1; c->argv[k]; k++) {
			const char *out = NULL;
			if (streq(n, "curl") &&
			    (streq(c->argv[k], "-o") || streq(c->argv[k], "--output")))
				out = c->argv[k + 1];
			else if (streq(n, "wget") && streq(c->argv[k], "-O"))
				out = c->argv[k + 1];
			else if (streq(n, "wget") &&
				 strncmp(c->argv[k], "--output-document=", 18) == 0)
				out = c->argv[k] + 18;
			if (out && !streq(out, "-"))
				targets_add(&ss->created, lint_path_join(ss->workdir, out), r->l,
					    "RUN");
		}
	}
	if (f->apt_fills && !f->apt_lists)
		targets_add(&ss->created, berth_xstrdup("/var/lib/apt/lists"), r->l, "RUN");
}

static void check_run(struct lint_ctx *ctx, const struct lint_stage *st, struct stage_state *ss,
		      size_t idx)
{
	const ins_t *ins = &ctx->df->instructions[idx];
	struct run_at r = {ins, ins->start_line, ins->end_line, ins->column, {0}};
	_cleanup_free_ char *script = script_of(ins, 0);
	lint_script_parse(script, &r.s);

	struct run_findings f = {
		.apt_lists = rm_cleans(&r.s, "/var/lib/apt/lists") ||
			     has_cache_mount(ins, "/var/lib/apt/lists"),
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

static void check_copy(struct lint_ctx *ctx, const struct lint_stage *st, struct stage_state *ss,
		       size_t idx, long *first_context_copy)
{
	const ins_t *ins = &ctx->df->instructions[idx];
	int l = ins->start_line, e = ins->end_line, col = ins->column;
	bool add = is_kw(ins, BERTH_DOCKERFILE_ADD);
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
			ca.dest[strlen(ca.dest) - 1] == '/' || streq(ca.dest, ".");
	_cleanup_free_ char *dest = lint_path_join(ss->workdir, ca.dest);
	for (size_t i = 0; i < ca.n_src; i++) {
		const char *src = ca.src[i];
		size_t sl = strlen(src);
		_cleanup_free_ char *rel = lint_path_join("/", src);
		bool tree = (!from && is_whole_context(src)) || (sl > 0 && src[sl - 1] == '/') ||
			    (!from && !is_url(src) && !has_glob(src) && context_dir(ctx, rel + 1));
		struct target *t;
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

/* Secret-looking names and values (BL032, BL033). */
static bool secret_name(const char *name)
{
	_cleanup_free_ char *u = berth_xstrdup(name);
	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	char *parts[32];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(u, "_-.", &save); t && n < ELEMENTSOF(parts);
	     t = strtok_r(NULL, "_-.", &save))
		parts[n++] = t;
	if (n == 0)
		return false;
	static const char *const notsecret[] = {"FILE", "PATH", "DIR",	"URL", "HOST",
						"PORT", "USER", "NAME", NULL};
	if (name_in(parts[n - 1], notsecret))
		return false;
	static const char *const words[] = {"PASSWORD",	  "PASSWD",	"PASS",	       "SECRET",
					    "TOKEN",	  "APIKEY",	"CREDENTIALS", "CREDENTIAL",
					    "PASSPHRASE", "PRIVATEKEY", NULL};
	for (size_t i = 0; i < n; i++) {
		if (name_in(parts[i], words))
			return true;
		if (streq(parts[i], "KEY") && i > 0 &&
		    (streq(parts[i - 1], "API") || streq(parts[i - 1], "PRIVATE") ||
		     streq(parts[i - 1], "ACCESS") || streq(parts[i - 1], "AUTH") ||
		     streq(parts[i - 1], "SIGNING") || streq(parts[i - 1], "ENCRYPTION")))
			return true;
	}
	return false;
}

static bool secret_value(const char *v)
{
	static const char *const prefixes[] = {"ghp_",	 "gho_",  "ghs_",  "github_pat_",
					       "glpat-", "xoxb-", "xoxp-", "sk_live_",
					       "npm_",	 "AKIA",  "ASIA",  NULL};
	for (size_t i = 0; prefixes[i]; i++) {
		size_t l = strlen(prefixes[i]);
		if (strncmp(v, prefixes[i], l) != 0)
			continue;
		/* AWS key ids: 4 letters + 16 upper-case letters or digits */
		if (prefixes[i][0] == 'A' || prefixes[i][0] == 'n') {
			size_t k = 0;
			while (isalnum((unsigned char)v[l + k]))
				k++;
			if (prefixes[i][0] == 'A' && k != 16)
				continue;
			if (prefixes[i][0] == 'n' && k < 30)
				continue;
		}
		return true;
	}
	return strstr(v, "PRIVATE KEY-----") != NULL;
}

static char *unquote(const char *v)
{
	size_t l = strlen(v);
	if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0])
		return berth_xstrndup(v + 1, l - 2);
	return berth_xstrdup(v);
}

static void check_env(struct lint_ctx *ctx, struct stage_state *ss, const ins_t *ins)
{
	for (size_t i = 0; i + 1 < ins->n_args; i += 3) {
		const char *k = arg(ins, i);
		_cleanup_free_ char *v = unquote(arg(ins, i + 1));
		if (streq(k, "PIP_NO_CACHE_DIR") && !streq(v, "0") && !streq(v, "false"))
			ss->pip_no_cache_env = true;
		_cleanup_free_ char *ev = expand_word(ctx, ss->env, arg(ins, i + 1), NULL);
		env_set(&ss->env, k, ev);
		if ((secret_name(k) && v[0]) || secret_value(v)) {
			_cleanup_free_ char *fix = berth_xasprintf(
				"pass it at run time (-e %s) or mount it in the build with 'RUN "
				"--mount=type=secret,id=%s'",
				k, k);
			lint_report(ctx, "BL032", ins->start_line, ins->end_line, ins->column, fix,
				    "ENV '%s' puts a secret into the image config", k);
		}
	}
}

static void check_arg(struct lint_ctx *ctx, const ins_t *ins)
{
	for (size_t i = 0; i < ins->n_args; i++) {
		const char *w = arg(ins, i);
		const char *eq = strchr(w, '=');
		_cleanup_free_ char *k =
			eq ? berth_xstrndup(w, (size_t)(eq - w)) : berth_xstrdup(w);
		_cleanup_free_ char *v = unquote(eq ? eq + 1 : "");
		if (!secret_name(k) && !secret_value(v))
			continue;
		_cleanup_free_ char *fix = berth_xasprintf(
			"use 'RUN --mount=type=secret,id=%s' and 'berth build --secret id=%s,…'", k,
			k);
		lint_report(ctx, "BL033", ins->start_line, ins->end_line, ins->column, fix,
			    "ARG '%s' looks like a secret: build arguments are kept in the image "
			    "history",
			    k);
	}
}

static bool exposes_22(const ins_t *ins)
{
	for (size_t i = 0; i < ins->n_args; i++) {
		const char *a = arg(ins, i);
		if (streq(a, "22") || streq(a, "22/tcp") || streq(a, "22/udp"))
			return true;
	}
	return false;
}

static bool user_is_root(const char *u)
{
	_cleanup_free_ char *v = berth_xstrdup(u);
	char *colon = strchr(v, ':');
	if (colon)
		*colon = '\0';
	return streq(v, "root") || streq(v, "0");
}

static const char *const supervisors[] = {"supervisord", "s6-svscan", "runsvdir", "forego",
					  "honcho",	 "circusd",   "pm2",	  NULL};

/* ---- the final image ---------------------------------------------------------- */

/* The instructions of the stages the final image is built from that decide
 * how it runs (the last of each kind wins, as in the image). */
struct final_image {
	const struct lint_stage *root; /* the stage whose FROM names the base image */
	const ins_t *from;	       /* the final stage's FROM */
	const ins_t *user, *entry, *cmd, *expose, *health, *compile;
};

/* Whether RUN ins compiles a program. */
static bool run_compiles(const ins_t *ins)
{
	_cleanup_free_ char *sc = script_of(ins, 0);
	struct lint_script s;
	lint_script_parse(sc, &s);
	bool found = false;
	for (size_t j = 0; j < s.n_cmds; j++)
		if (is_compile(&s.cmds[j]))
			found = true;
	lint_script_release(&s);
	return found;
}

/* Walks the chain of stages of the final image, root first. */
static void final_image_collect(const struct lint_ctx *ctx, struct final_image *fi)
{
	const struct berth_dockerfile *df = ctx->df;
	long chain[64];
	size_t n_chain = 0;
	long si = (long)ctx->n_stages - 1;
	do
		chain[n_chain++] = si;
	while ((si = ctx->stages[si].parent) >= 0 && n_chain < ELEMENTSOF(chain));
	fi->root = &ctx->stages[chain[n_chain - 1]];
	fi->from = &df->instructions[ctx->stages[ctx->n_stages - 1].first];

	for (size_t k = n_chain; k-- > 0;) {
		const struct lint_stage *st = &ctx->stages[chain[k]];
		for (size_t i = st->first + 1; i < st->end; i++) {
			const ins_t *ins = &df->instructions[i];
			switch (ins->keyword) {
			case BERTH_DOCKERFILE_USER:
				fi->user = ins;
				break;
			case BERTH_DOCKERFILE_ENTRYPOINT:
				fi->entry = ins;
				fi->cmd = NULL; /* ENTRYPOINT resets CMD, as Docker does */
				break;
			case BERTH_DOCKERFILE_CMD:
				fi->cmd = ins;
				break;
			case BERTH_DOCKERFILE_EXPOSE:
				if (!fi->expose)
					fi->expose = ins;
				break;
			case BERTH_DOCKERFILE_HEALTHCHECK:
				fi->health = ins;
				break;
			case BERTH_DOCKERFILE_RUN:
				if (!fi->compile && run_compiles(ins))
					fi->compile = ins;
				break;
			default:
				break;
			}
		}
	}
}

/* BL004: a compiled language shipped with its tool chain. */
static void check_final_toolchain(struct lint_ctx *ctx, const struct final_image *fi,
				  const struct imgref *r, bool have_ref)
{
	const ins_t *from = fi->from, *compile = fi->compile;
	bool compiler_base = false;
	if (have_ref && r->hub && streq(r->ns, "library"))
		for (size_t i = 0; i < ELEMENTSOF(compiler_images); i++)
			if (streq(r->name, compiler_images[i]))
				compiler_base = true;
	if (compiler_base)
		lint_report(ctx, "BL004", from->start_line, from->end_line, from->column,
			    "build in a 'AS build' stage, then 'FROM scratch' (or a distroless or "
			    "alpine base) and 'COPY --from=build' the binary",
			    "the final image is built on the compiler image '%s'", fi->root->image);
	else if (compile)
		lint_report(
			ctx, "BL004", compile->start_line, compile->end_line, compile->column,
			"compile in a separate build stage and 'COPY --from=' only the binary "
			"into a minimal final stage",
			"the final image compiles its program itself: the tool chain ships with "
			"it");
}

/* BL030, BL031: the user the container runs as. */
static void check_final_user(struct lint_ctx *ctx, const struct final_image *fi,
			     const struct imgref *r, bool have_ref)
{
	const ins_t *from = fi->from, *user = fi->user;
	const struct lint_stage *root = fi->root;
	bool nonroot_base = have_ref && r->tag && strstr(r->tag, "nonroot");
	/*
	 * A scratch image without ENTRYPOINT or CMD runs nothing (an export
	 * stage for --output, a data image): no user to choose. In scratch
	 * there is no adduser and no /etc/passwd: the fix is a numeric uid.
	 */
	bool scratch = root->parent < 0 && root->image && strcasecmp(root->image, "scratch") == 0;
	if (!user && !nonroot_base && scratch && (fi->entry || fi->cmd))
		lint_report(ctx, "BL030", from->start_line, from->end_line, from->column,
			    "add 'USER 65534:65534' (a numeric uid: scratch has no adduser and no "
			    "/etc/passwd) to the final stage",
			    "the final stage has no USER: the container runs as root");
	else if (!user && !nonroot_base && !scratch)
		lint_report(ctx, "BL030", from->start_line, from->end_line, from->column,
			    "create a user (e.g. 'RUN adduser -D -u 10001 app') and add 'USER app' "
			    "(or 'USER 10001') to the final stage",
			    "the final stage has no USER: the container runs as root");
	else if (user && user->n_args > 0 && user_is_root(arg(user, 0)))
		lint_report(ctx, "BL031", user->start_line, user->end_line, user->column,
			    "end the final stage with 'USER <non-root user>'",
			    "the final image runs as '%s'", arg(user, 0));
}

/* BL040: a process supervisor or background jobs as the main process. */
static void check_final_processes(struct lint_ctx *ctx, const struct final_image *fi)
{
	const ins_t *procs[] = {fi->entry, fi->cmd};
	for (size_t k = 0; k < ELEMENTSOF(procs); k++) {
		const ins_t *p = procs[k];
		if (!p)
			continue;
		size_t first = is_kw(p, BERTH_DOCKERFILE_HEALTHCHECK) ? 1 : 0;
		_cleanup_free_ char *sc = script_of(p, first);
		struct lint_script s;
		lint_script_parse(sc, &s);
		const char *why = NULL;
		for (size_t j = 0; j < s.n_cmds && !why; j++) {
			if (name_in(lint_cmd_name(&s.cmds[j]), supervisors))
				why = lint_cmd_name(&s.cmds[j]);
			else if (s.cmds[j].background)
				why = "a background job ('&')";
		}
		if (why)
			lint_report(
				ctx, "BL040", p->start_line, p->end_line, p->column,
				"run one process per container; split the others into their own "
				"containers (sidecars)",
				"%s starts more than one long-running process: %s", p->name, why);
		lint_script_release(&s);
		if (why)
			break;
	}
}

/* BL041-BL043: signals reach the application; a served port has a health check. */
static void check_final_exec_form(struct lint_ctx *ctx, const struct final_image *fi)
{
	const ins_t *entry = fi->entry, *cmd = fi->cmd, *expose = fi->expose;
	if (entry && !entry->json && entry->n_args > 0)
		lint_report(ctx, "BL041", entry->start_line, entry->end_line, entry->column,
			    "use the exec form: ENTRYPOINT [\"/app/server\", \"--flag\"]",
			    "shell-form ENTRYPOINT runs under /bin/sh -c: signals (SIGTERM) do not "
			    "reach the application");
	if (cmd && !cmd->json && cmd->n_args > 0)
		lint_report(ctx, "BL042", cmd->start_line, cmd->end_line, cmd->column,
			    "use the exec form: CMD [\"executable\", \"arg\"]",
			    "shell-form CMD runs under /bin/sh -c: signals do not reach the "
			    "application");
	if (expose && !fi->health)
		lint_report(ctx, "BL043", expose->start_line, expose->end_line, expose->column,
			    "add a HEALTHCHECK (e.g. 'HEALTHCHECK CMD [\"/app/healthcheck\"]'), or "
			    "'HEALTHCHECK NONE' when the orchestrator probes it",
			    "the image serves a port but has no HEALTHCHECK");
}

static void check_final(struct lint_ctx *ctx)
{
	if (ctx->n_stages == 0)
		return;
	struct final_image fi = {0};
	final_image_collect(ctx, &fi);
	const struct lint_stage *root = fi.root;
	struct imgref r = {0};
	bool have_ref = root->parent < 0 && root->image && strcasecmp(root->image, "scratch") != 0;
	if (have_ref)
		imgref_parse(root->image, &r);
	check_final_toolchain(ctx, &fi, &r, have_ref);
	check_final_user(ctx, &fi, &r, have_ref);
	imgref_release(&r);
	check_final_processes(ctx, &fi);
	check_final_exec_form(ctx, &fi);
}

/* BL021: the context has big folders and nothing keeps them out. */
static void check_dockerignore(struct lint_ctx *ctx, long first_context_copy)
{
	const struct berth_lint_options *o = ctx->o;
	if (o->context_fd < 0 || first_context_copy == 0)
		return;
	struct stat st;
	if (fstatat(o->context_fd, ".dockerignore", &st, 0) == 0)
		return;
	if (o->dockerfile_name) {
		_cleanup_free_ char *n = berth_xasprintf("%s.dockerignore", o->dockerfile_name);
		if (n[0] != '/' && !strstr(n, "..") && fstatat(o->context_fd, n, &st, 0) == 0)
			return;
	}
	static const char *const big[] = {".git",	 "node_modules", ".venv",  "venv",
					  "__pycache__", ".tox",	 ".cache", NULL};
	_cleanup_free_ char *found = NULL;
	for (size_t i = 0; big[i]; i++) {
		if (fstatat(o->context_fd, big[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			char *f = found ? berth_xasprintf("%s, %s", found, big[i])
					: berth_xstrdup(big[i]);
			free(found);
			found = f;
		}
	}
	if (!found)
		return;
	const ins_t *ins = &ctx->df->instructions[first_context_copy - 1];
	lint_report(ctx, "BL021", ins->start_line, ins->end_line, ins->column,
		    "add a .dockerignore beside the Dockerfile listing them (e.g. '.git' and "
		    "'node_modules')",
		    "the build context has %s but no .dockerignore: they are sent and may be "
		    "copied into the image",
		    found);
}

void lint_check_all(struct lint_ctx *ctx)
{
	const struct berth_dockerfile *df = ctx->df;
	long first_context_copy = 0;
	char **stage_workdir = berth_xcalloc(ctx->n_stages + 1, sizeof(char *));

	for (size_t si = 0; si < ctx->n_stages; si++) {
		const struct lint_stage *st = &ctx->stages[si];
		struct stage_state ss = {0};
		ss.workdir = berth_xstrdup(st->parent >= 0 && stage_workdir[st->parent]
						   ? stage_workdir[st->parent]
						   : "/");
		check_from(ctx, st);
		for (size_t i = st->first + 1; i < st->end; i++) {
			const ins_t *ins = &df->instructions[i];
			switch (ins->keyword) {
			case BERTH_DOCKERFILE_RUN:
				check_run(ctx, st, &ss, i);
				break;
			case BERTH_DOCKERFILE_COPY:
			case BERTH_DOCKERFILE_ADD:
				check_copy(ctx, st, &ss, i, &first_context_copy);
				break;
			case BERTH_DOCKERFILE_WORKDIR:
				if (ins->n_args > 0) {
					char *w = lint_path_join(ss.workdir, arg(ins, 0));
					free(ss.workdir);
					ss.workdir = w;
				}
				break;
			case BERTH_DOCKERFILE_ENV:
				check_env(ctx, &ss, ins);
				break;
			case BERTH_DOCKERFILE_ARG:
				check_arg(ctx, ins);
				args_declare(ctx, &ss.env, ctx->global_args, ins);
				break;
			case BERTH_DOCKERFILE_EXPOSE:
				if (st->in_final && exposes_22(ins))
					lint_report(
						ctx, "BL038", ins->start_line, ins->end_line,
						ins->column,
						"do not run sshd in a container: use 'berth exec' "
						"(kubectl exec) to get a shell",
						"EXPOSE 22: the image runs an SSH server");
				break;
			default:
				break;
			}
		}
		stage_workdir[si] = TAKE_PTR(ss.workdir);
		berth_strv_free(ss.env);
		targets_release(&ss.copied);
		targets_release(&ss.created);
	}
	for (size_t si = 0; si < ctx->n_stages; si++)
		free(stage_workdir[si]);
	free(stage_workdir);

	/* global ARGs can hold secrets too */
	for (size_t i = 0;
	     i < df->n_instructions && is_kw(&df->instructions[i], BERTH_DOCKERFILE_ARG); i++)
		check_arg(ctx, &df->instructions[i]);

	check_final(ctx);
	check_dockerignore(ctx, first_context_copy);
}

/* Builds ctx->stages and ctx->global_args from the AST. */
void lint_stages_build(struct lint_ctx *ctx)
{
	const struct berth_dockerfile *df = ctx->df;
	size_t i = 0;
	for (; i < df->n_instructions && !is_kw(&df->instructions[i], BERTH_DOCKERFILE_FROM); i++) {
		const ins_t *ins = &df->instructions[i];
		if (!is_kw(ins, BERTH_DOCKERFILE_ARG))
			continue;
		args_declare(ctx, &ctx->global_args, NULL, ins);
	}
	for (; i < df->n_instructions; i++) {
		const ins_t *ins = &df->instructions[i];
		if (!is_kw(ins, BERTH_DOCKERFILE_FROM))
			continue;
		if (ctx->n_stages > 0)
			ctx->stages[ctx->n_stages - 1].end = i;
		ctx->stages =
			berth_xreallocarray(ctx->stages, ctx->n_stages + 1, sizeof(*ctx->stages));
		struct lint_stage *st = &ctx->stages[ctx->n_stages++];
		*st = (struct lint_stage){.first = i, .end = df->n_instructions, .parent = -1};
		if (ins->n_args > 0)
			st->image = expand_image(ctx, arg(ins, 0));
		if (ins->n_args >= 3 && strcasecmp(arg(ins, 1), "as") == 0) {
			st->alias = berth_xstrdup(arg(ins, 2));
			for (char *p = st->alias; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
		if (st->image) {
			_cleanup_free_ char *low = berth_xstrdup(st->image);
			for (char *p = low; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			for (size_t k = 0; k + 1 < ctx->n_stages; k++)
				if (streq(ctx->stages[k].alias, low))
					st->parent = (long)k;
		}
	}
	if (ctx->n_stages > 0) {
		long s = (long)ctx->n_stages - 1;
		for (size_t guard = 0; s >= 0 && guard <= ctx->n_stages; guard++) {
			ctx->stages[s].in_final = true;
			s = ctx->stages[s].parent;
		}
	}
}
