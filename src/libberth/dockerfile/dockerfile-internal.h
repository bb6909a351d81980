/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the files of the dockerfile subsystem share; not part of its public API. */

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "dockerfile/dockerfile.h"

/*
 * Decodes the exec form `["a", "b"]` (s starts with '['): 0 with a
 * NULL-terminated vector, the lengths and the count; -ENOMSG when s is not
 * valid JSON (the caller takes the shell form); -EINVAL when it is JSON but
 * not an array of strings. Allocates nothing on failure.
 */
int dockerfile_json_args(const char *s, size_t len, char ***ret_args, size_t **ret_lens,
			 size_t *ret_n);

/*
 * BuildKit's ParseHeredoc on one word: 1 with *ret filled (name, fd, expand,
 * chomp; no content) when the word is a heredoc marker, 0 when it is not,
 * -EINVAL with *err set when its quoting is broken.
 */
int dockerfile_parse_heredoc(const char *word, size_t len, struct berth_dockerfile_heredoc *ret,
			     struct berth_error **err);

/*
 * BuildKit's heredocsFromLine: the heredoc markers of an instruction line, in
 * order, in a new array (*ret_n entries, NULL when none). Returns 0 or
 * -EINVAL with *err set.
 */
int dockerfile_heredocs_from_line(const char *line, size_t len,
				  struct berth_dockerfile_heredoc **ret, size_t *ret_n,
				  struct berth_error **err);

void dockerfile_heredoc_release(struct berth_dockerfile_heredoc *h);
void dockerfile_instruction_release(struct berth_dockerfile_instruction *ins);

/*
 * Sets *err to "<file>:<line>:<column>: <message>" followed by the quoted
 * source line, and returns -code.
 */
int dockerfile_error_at(const struct berth_dockerfile *df, struct berth_error **err, int code,
			int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * A growing NULL-terminated vector of strings (geometric growth: a hostile
 * line of millions of words stays linear). The strings may be cut at a NUL
 * byte inside them; len is what is copied.
 */
struct dockerfile_strvec {
	char **v;
	size_t n;
	size_t alloc;
};

void dockerfile_strvec_push(struct dockerfile_strvec *sv, const char *s, size_t len);
/* The vector (never NULL: an empty one is allocated), owned by the caller. */
char **dockerfile_strvec_steal(struct dockerfile_strvec *sv);

/*
 * newNodeFromLine (lineparse.c): the keyword, flags and arguments of one
 * logical line into ins, escape the escape token, depth the ONBUILD nesting.
 * On error returns -EINVAL with the reason in msg (the caller adds where).
 */
int dockerfile_node_from_line(char escape, struct berth_dockerfile_instruction *ins,
			      const char *line, size_t len, int depth, struct berth_buf *msg);

/* ONBUILD ONBUILD …: deeper than this is an error (BuildKit rejects depth 2 later anyway). */
#define DOCKERFILE_MAX_ONBUILD_DEPTH 16
