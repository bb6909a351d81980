/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between the files of src/libberth/lint; not part of the public API. */

#include <stdbool.h>
#include <stddef.h>

#include <string.h>

#include "dockerfile/dockerfile.h"
#include "lint/lint.h"

/*
 * One simple command of a shell script, after a rough, quote-aware split on
 * `&&`, `||`, `;`, `|`, `&`, newlines and parentheses. Leading variable
 * assignments and wrappers (sudo, env, exec, nohup, time, command) are
 * dropped from argv; `sh -c SCRIPT` adds the commands of SCRIPT after it.
 * This is a heuristic reader for lint, not a shell: it never executes or
 * expands anything.
 */
struct lint_cmd {
	char **argv;	 /* NULL-terminated, never empty */
	bool piped_in;	 /* stdin comes from the previous command through `|` */
	bool background; /* ended by a single `&` */
	bool sudo;	 /* was run through sudo */
};

struct lint_script {
	struct lint_cmd *cmds;
	size_t n_cmds;
};

/* Splits script (NUL-terminated); never fails. Release with lint_script_release(). */
void lint_script_parse(const char *script, struct lint_script *ret);
void lint_script_release(struct lint_script *s);

/* The program name of argv[0] without its directory: "/usr/bin/pip3" -> "pip3". */
const char *lint_cmd_name(const struct lint_cmd *c);
/* True when argv has the word w (exact) after argv[0]. */
bool lint_cmd_has_arg(const struct lint_cmd *c, const char *w);
/* True when argv has a word starting with prefix after argv[0]. */
bool lint_cmd_has_arg_prefix(const struct lint_cmd *c, const char *prefix);
/*
 * The first word after argv[0] that is not an option (does not start with
 * '-'), skipping the values of the given options that take one; NULL when none.
 */
const char *lint_cmd_subcommand(const struct lint_cmd *c, const char *const *opts_with_value);

/*
 * Normalises path against cwd (absolute, no "." or ".." components, no
 * repeated or trailing slash). Owned by the caller.
 */
char *lint_path_join(const char *cwd, const char *path);
/* True when path names p or something under p, or p is under path (both normalised). */
bool lint_path_overlaps(const char *a, const char *b);

struct lint_stage {
	size_t first, end; /* instruction indexes: the FROM, one past the last */
	char *image;	   /* FROM's image with global ARGs expanded; NULL when unresolved */
	char *alias;	   /* `AS name`, lower case, or NULL */
	long parent;	   /* index of the stage it is built FROM, -1 for an image */
	bool in_final;	   /* its layers end up in the final image */
};

struct lint_ctx {
	const struct berth_dockerfile *df;
	const struct berth_lint_options *o;
	struct berth_lint_report *r;
	struct lint_stage *stages;
	size_t n_stages;
	char **global_args; /* "NAME=value" of the ARGs before the first FROM that have one */
};

/* Builds ctx->stages and ctx->global_args from the AST (rules.c). */
void lint_stages_build(struct lint_ctx *ctx);
/* Rule checks (rules.c), called by berth_lint_run() on a prepared context. */
void lint_check_all(struct lint_ctx *ctx);

/* Report building (lint.c). */
void lint_report(struct lint_ctx *ctx, const char *rule_id, int line, int end_line, int column,
		 const char *fix, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* ---- shared by the rules (rules.c, rules-run.c, rules-image.c) ---- */

static inline bool lint_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline bool lint_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static inline const char *lint_arg(const struct berth_dockerfile_instruction *ins, size_t i)
{
	if (i >= ins->n_args)
		return NULL;
	/* an argument with a NUL byte inside is not a C string: treat it as absent */
	if (ins->arg_lens && strlen(ins->args[i]) != ins->arg_lens[i])
		return "";
	return ins->args[i];
}

static inline bool lint_is_kw(const struct berth_dockerfile_instruction *ins,
			      enum berth_dockerfile_keyword k)
{
	return ins->keyword == k;
}

/* The shell text of a RUN (or CMD/ENTRYPOINT): exec-form words quoted, heredoc bodies appended. */
char *lint_script_of(const struct berth_dockerfile_instruction *ins, size_t first_arg);
/* True when a `RUN --mount=type=cache` targets a path overlapping dir. */
bool lint_has_cache_mount(const struct berth_dockerfile_instruction *ins, const char *dir);
bool lint_name_in(const char *n, const char *const *list);
/*
 * word expanded with env ("NAME=value") as BuildKit would; NULL for a
 * malformed word; *ret_unset (may be NULL): a name was not set.
 */
char *lint_expand_word(const struct lint_ctx *ctx, char *const *env, const char *word,
		       bool *ret_unset);
/* Whether a command compiles a program (go build, cargo build, cc...). */
bool lint_is_compile(const struct lint_cmd *c);

/* Paths a stage's layers put down, for BL011 and BL017. */
struct lint_target {
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

struct lint_targets {
	struct lint_target *v;
	size_t n;
};
void lint_targets_release(struct lint_targets *t);

/* What the walk over one stage knows so far. */
struct lint_stage_state {
	char *workdir;
	char **env;		     /* the stage's ARGs and ENVs with a value, "NAME=value" */
	struct lint_targets copied;  /* COPY/ADD destinations of this stage */
	struct lint_targets created; /* paths earlier RUNs are known to create */
	bool pip_no_cache_env;
	long whole_copy_line; /* first whole-context COPY, 0 when none */
	bool dep_install_seen;
};

/* FROM of stage st; the final image's rules (rules-image.c). */
void lint_check_from(struct lint_ctx *ctx, const struct lint_stage *st);
void lint_check_final(struct lint_ctx *ctx);
/* RUN and COPY/ADD at instruction idx of stage st (rules-run.c). */
void lint_check_run(struct lint_ctx *ctx, const struct lint_stage *st, struct lint_stage_state *ss,
		    size_t idx);
void lint_check_copy(struct lint_ctx *ctx, const struct lint_stage *st, struct lint_stage_state *ss,
		     size_t idx, long *first_context_copy);
