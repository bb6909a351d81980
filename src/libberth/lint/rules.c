/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks behind the rule table of lint.c. Every check reads the AST as
 * hostile input: lengths come from the parser, nothing is executed, shell
 * text is only split into words (shellscan.c).
 *
 * Here: the helpers the rules share, ENV and ARG, the walk over the
 * stages (lint_check_all) and the stages; RUN and COPY/ADD are
 * rules-run.c, FROM and the final image rules-image.c.
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

/* The shell text of a RUN (or CMD/ENTRYPOINT): exec-form words quoted, heredoc bodies appended. */
char *lint_script_of(const ins_t *ins, size_t first_arg)
{
	struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = first_arg; i < ins->n_args; i++) {
		const char *a = lint_arg(ins, i);
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
bool lint_has_cache_mount(const ins_t *ins, const char *dir)
{
	for (size_t i = 0; i < ins->n_flags; i++) {
		const struct berth_dockerfile_flag *f = &ins->flags[i];
		if (!lint_streq(f->name, "mount") || !f->value || !strstr(f->value, "type=cache"))
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
char *lint_expand_word(const struct lint_ctx *ctx, char *const *env, const char *word,
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
	_cleanup_free_ char *w = lint_expand_word(ctx, ctx->global_args, word, &unset);
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
		const char *w = lint_arg(ins, k);
		const char *eq = strchr(w, '=');
		_cleanup_free_ char *n =
			eq ? berth_xstrndup(w, (size_t)(eq - w)) : berth_xstrdup(w);
		if (eq) {
			_cleanup_free_ char *v = lint_expand_word(ctx, *env, eq + 1, NULL);
			env_set(env, n, v);
			continue;
		}
		const char *g = NULL;
		if (berth_shell_getenv(globals, n, &g))
			env_set(env, n, g);
	}
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
	if (lint_name_in(parts[n - 1], notsecret))
		return false;
	static const char *const words[] = {"PASSWORD",	  "PASSWD",	"PASS",	       "SECRET",
					    "TOKEN",	  "APIKEY",	"CREDENTIALS", "CREDENTIAL",
					    "PASSPHRASE", "PRIVATEKEY", NULL};
	for (size_t i = 0; i < n; i++) {
		if (lint_name_in(parts[i], words))
			return true;
		if (lint_streq(parts[i], "KEY") && i > 0 &&
		    (lint_streq(parts[i - 1], "API") || lint_streq(parts[i - 1], "PRIVATE") ||
		     lint_streq(parts[i - 1], "ACCESS") || lint_streq(parts[i - 1], "AUTH") ||
		     lint_streq(parts[i - 1], "SIGNING") || lint_streq(parts[i - 1], "ENCRYPTION")))
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

static void check_env(struct lint_ctx *ctx, struct lint_stage_state *ss, const ins_t *ins)
{
	for (size_t i = 0; i + 1 < ins->n_args; i += 3) {
		const char *k = lint_arg(ins, i);
		_cleanup_free_ char *v = unquote(lint_arg(ins, i + 1));
		if (lint_streq(k, "PIP_NO_CACHE_DIR") && !lint_streq(v, "0") &&
		    !lint_streq(v, "false"))
			ss->pip_no_cache_env = true;
		_cleanup_free_ char *ev =
			lint_expand_word(ctx, ss->env, lint_arg(ins, i + 1), NULL);
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
		const char *w = lint_arg(ins, i);
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
		const char *a = lint_arg(ins, i);
		if (lint_streq(a, "22") || lint_streq(a, "22/tcp") || lint_streq(a, "22/udp"))
			return true;
	}
	return false;
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
		struct lint_stage_state ss = {0};
		ss.workdir = berth_xstrdup(st->parent >= 0 && stage_workdir[st->parent]
						   ? stage_workdir[st->parent]
						   : "/");
		lint_check_from(ctx, st);
		for (size_t i = st->first + 1; i < st->end; i++) {
			const ins_t *ins = &df->instructions[i];
			switch (ins->keyword) {
			case BERTH_DOCKERFILE_RUN:
				lint_check_run(ctx, st, &ss, i);
				break;
			case BERTH_DOCKERFILE_COPY:
			case BERTH_DOCKERFILE_ADD:
				lint_check_copy(ctx, st, &ss, i, &first_context_copy);
				break;
			case BERTH_DOCKERFILE_WORKDIR:
				if (ins->n_args > 0) {
					char *w = lint_path_join(ss.workdir, lint_arg(ins, 0));
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
		lint_targets_release(&ss.copied);
		lint_targets_release(&ss.created);
	}
	for (size_t si = 0; si < ctx->n_stages; si++)
		free(stage_workdir[si]);
	free(stage_workdir);

	/* global ARGs can hold secrets too */
	for (size_t i = 0;
	     i < df->n_instructions && lint_is_kw(&df->instructions[i], BERTH_DOCKERFILE_ARG); i++)
		check_arg(ctx, &df->instructions[i]);

	lint_check_final(ctx);
	check_dockerignore(ctx, first_context_copy);
}

/* Builds ctx->stages and ctx->global_args from the AST. */
void lint_stages_build(struct lint_ctx *ctx)
{
	const struct berth_dockerfile *df = ctx->df;
	size_t i = 0;
	for (; i < df->n_instructions && !lint_is_kw(&df->instructions[i], BERTH_DOCKERFILE_FROM);
	     i++) {
		const ins_t *ins = &df->instructions[i];
		if (!lint_is_kw(ins, BERTH_DOCKERFILE_ARG))
			continue;
		args_declare(ctx, &ctx->global_args, NULL, ins);
	}
	for (; i < df->n_instructions; i++) {
		const ins_t *ins = &df->instructions[i];
		if (!lint_is_kw(ins, BERTH_DOCKERFILE_FROM))
			continue;
		if (ctx->n_stages > 0)
			ctx->stages[ctx->n_stages - 1].end = i;
		ctx->stages =
			berth_xreallocarray(ctx->stages, ctx->n_stages + 1, sizeof(*ctx->stages));
		struct lint_stage *st = &ctx->stages[ctx->n_stages++];
		*st = (struct lint_stage){.first = i, .end = df->n_instructions, .parent = -1};
		if (ins->n_args > 0)
			st->image = expand_image(ctx, lint_arg(ins, 0));
		if (ins->n_args >= 3 && strcasecmp(lint_arg(ins, 1), "as") == 0) {
			st->alias = berth_xstrdup(lint_arg(ins, 2));
			for (char *p = st->alias; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
		if (st->image) {
			_cleanup_free_ char *low = berth_xstrdup(st->image);
			for (char *p = low; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			for (size_t k = 0; k + 1 < ctx->n_stages; k++)
				if (lint_streq(ctx->stages[k].alias, low))
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
