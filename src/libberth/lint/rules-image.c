/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules of FROM (image references: tags, digests, registries) and of
 * the final image (toolchains, user, processes, exec form, healthcheck).
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
	if (!r->registry || lint_streq(r->registry, "docker.io") ||
	    lint_streq(r->registry, "index.docker.io") ||
	    lint_streq(r->registry, "registry-1.docker.io")) {
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

void lint_check_from(struct lint_ctx *ctx, const struct lint_stage *st)
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
	else if (lint_streq(r.tag, "latest") && !r.digest)
		lint_report(ctx, "BL002", l, e, c,
			    "pin a release tag (e.g. the version you test with) or a digest",
			    "base image '%s' uses the mutable 'latest' tag", st->image);

	if (r.hub && !lint_streq(r.ns, "library") && !trusted_namespace(ctx, &r)) {
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

	if (st->in_final && r.hub && lint_streq(r.ns, "library") && !(r.digest && !r.tag)) {
		for (size_t i = 0; i < ELEMENTSOF(slim_images); i++) {
			if (!lint_streq(r.name, slim_images[i].name))
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

static bool user_is_root(const char *u)
{
	_cleanup_free_ char *v = berth_xstrdup(u);
	char *colon = strchr(v, ':');
	if (colon)
		*colon = '\0';
	return lint_streq(v, "root") || lint_streq(v, "0");
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
	_cleanup_free_ char *sc = lint_script_of(ins, 0);
	struct lint_script s;
	lint_script_parse(sc, &s);
	bool found = false;
	for (size_t j = 0; j < s.n_cmds; j++)
		if (lint_is_compile(&s.cmds[j]))
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
	if (have_ref && r->hub && lint_streq(r->ns, "library"))
		for (size_t i = 0; i < ELEMENTSOF(compiler_images); i++)
			if (lint_streq(r->name, compiler_images[i]))
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
	else if (user && user->n_args > 0 && user_is_root(lint_arg(user, 0)))
		lint_report(ctx, "BL031", user->start_line, user->end_line, user->column,
			    "end the final stage with 'USER <non-root user>'",
			    "the final image runs as '%s'", lint_arg(user, 0));
}

/* BL040: a process supervisor or background jobs as the main process. */
static void check_final_processes(struct lint_ctx *ctx, const struct final_image *fi)
{
	const ins_t *procs[] = {fi->entry, fi->cmd};
	for (size_t k = 0; k < ELEMENTSOF(procs); k++) {
		const ins_t *p = procs[k];
		if (!p)
			continue;
		size_t first = lint_is_kw(p, BERTH_DOCKERFILE_HEALTHCHECK) ? 1 : 0;
		_cleanup_free_ char *sc = lint_script_of(p, first);
		struct lint_script s;
		lint_script_parse(sc, &s);
		const char *why = NULL;
		for (size_t j = 0; j < s.n_cmds && !why; j++) {
			if (lint_name_in(lint_cmd_name(&s.cmds[j]), supervisors))
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

void lint_check_final(struct lint_ctx *ctx)
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
