/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between the files of src/libberth/lint; not part of the public API. */

#include <stdbool.h>
#include <stddef.h>

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
