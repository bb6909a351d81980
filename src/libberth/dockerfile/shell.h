/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Shell-word expansion with the semantics of BuildKit's Dockerfile shell
 * lexer (frontend/dockerfile/shell): single and double quotes, escapes with
 * the Dockerfile's escape character, $V and ${V} references and the
 * modifiers ${V:-w} ${V-w} ${V:+w} ${V+w} ${V:?msg} ${V?msg} ${V#pat}
 * ${V##pat} ${V%pat} ${V%%pat} ${V/pat/repl} ${V//pat/repl}. Anything else
 * inside ${} is an error. See docs/expansion.md for the rules and for the
 * one place where berth deliberately differs from BuildKit.
 *
 * The environment is a NULL-terminated vector of "NAME=VALUE" strings
 * (NULL for none). The last entry for a name wins; an entry without '='
 * defines the name with an empty value.
 *
 * Text is processed as UTF-8 code points: an invalid byte is read as
 * U+FFFD (as Go's text/scanner does) and written back as U+FFFD.
 */

#include <stdbool.h>

#include "core/error.h"

enum {
	/* Keep quote characters in the result (the quotes still group). */
	BERTH_SHELL_RAW_QUOTES = 1 << 0,
	/* Keep escape characters in the result. */
	BERTH_SHELL_RAW_ESCAPES = 1 << 1,
	/* Quotes are ordinary characters. */
	BERTH_SHELL_SKIP_PROCESS_QUOTES = 1 << 2,
	/* Leave references to unset variables as written ("${X}" stays). */
	BERTH_SHELL_SKIP_UNSET_ENV = 1 << 3,
};

struct berth_shell_result {
	char *word;	  /* the expanded word, no splitting (ProcessWord) */
	char **words;	  /* the expansion split into words (ProcessWords); never NULL */
	char **matched;	  /* names looked up and found, sorted, unique; never NULL */
	char **unmatched; /* names looked up and not set, sorted, unique; never NULL */
};

/*
 * Expands word in env. escape is the Dockerfile's escape character ('\\' or
 * '`'); flags are BERTH_SHELL_*. On success fills *ret (owned by the caller:
 * berth_shell_result_release()) and returns 0. A syntax error or a ${V?msg}
 * failure returns -EINVAL with a message "failed to process '<word>': ...";
 * an expansion that grows beyond 1 MiB (nested ${V//p/r} multiply) or a
 * pattern too big for its value returns -E2BIG, a bound BuildKit lacks.
 */
int berth_shell_process(const char *word, char *const *env, char escape, unsigned flags,
			struct berth_shell_result *ret, struct berth_error **err);
void berth_shell_result_release(struct berth_shell_result *r);

/* BuildKit's ProcessWord: the expanded single word in *ret (owned). */
int berth_shell_expand_word(const char *word, char *const *env, char escape, char **ret,
			    struct berth_error **err);

/* BuildKit's ProcessWords: the expansion split into words in *ret (owned strv). */
int berth_shell_expand_words(const char *word, char *const *env, char escape, char ***ret,
			     struct berth_error **err);

/*
 * Looks name up in env: true and *ret_value (pointing into env) when set,
 * false when not. ret_value may be NULL.
 */
bool berth_shell_getenv(char *const *env, const char *name, const char **ret_value);

/*
 * The pattern helpers behind ${V#pat}, ${V%pat} and ${V/pat/repl}, public
 * so their behaviour can be checked against BuildKit's own tests.
 * berth_shell_pattern_to_regex() renders the pattern as the RE2 regular
 * expression BuildKit builds (berth matches it with its own matcher);
 * -EINVAL for an invalid escape.
 */
int berth_shell_pattern_to_regex(const char *pattern, bool greedy, bool anchored, char **ret,
				 struct berth_error **err);
/* Reverses by code point, keeping each "\x" escape pair in order. Owned result. */
char *berth_shell_reverse_pattern(const char *pattern);
/* Reverses by code point. Owned result. */
char *berth_shell_reverse_string(const char *s);
