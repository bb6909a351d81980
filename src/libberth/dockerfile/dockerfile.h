/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The Dockerfile front end: the parser and its AST.
 *
 * berth_dockerfile_parse() reads a Dockerfile exactly as BuildKit's parser
 * does (frontend/dockerfile/parser): parser directives at the top, line
 * continuations with the escape character, comments and empty lines inside
 * continuations, heredocs, exec (JSON) form with invalid JSON falling back
 * to shell form. Like BuildKit's parser it accepts any instruction word and
 * any `--flag`; berth_dockerfile_validate() is the separate step that rejects
 * unknown instructions and flags (the builder and lint call it; `berth
 * dockerfile dump` does not, so that it prints what BuildKit's parser prints).
 *
 * The AST keeps, for every instruction, its original text and lines, so that
 * messages can quote the source. All strings are owned by the AST and freed
 * by berth_dockerfile_free(). Nothing in it is expanded: shell-word
 * expansion (shell.h) is a later step.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cleanup.h"
#include "core/error.h"

/* Instruction keywords. UNKNOWN is any word the parser does not know. */
enum berth_dockerfile_keyword {
	BERTH_DOCKERFILE_UNKNOWN = 0,
	BERTH_DOCKERFILE_ADD,
	BERTH_DOCKERFILE_ARG,
	BERTH_DOCKERFILE_CMD,
	BERTH_DOCKERFILE_COPY,
	BERTH_DOCKERFILE_ENTRYPOINT,
	BERTH_DOCKERFILE_ENV,
	BERTH_DOCKERFILE_EXPOSE,
	BERTH_DOCKERFILE_FROM,
	BERTH_DOCKERFILE_HEALTHCHECK,
	BERTH_DOCKERFILE_LABEL,
	BERTH_DOCKERFILE_MAINTAINER,
	BERTH_DOCKERFILE_ONBUILD,
	BERTH_DOCKERFILE_RUN,
	BERTH_DOCKERFILE_SHELL,
	BERTH_DOCKERFILE_STOPSIGNAL,
	BERTH_DOCKERFILE_USER,
	BERTH_DOCKERFILE_VOLUME,
	BERTH_DOCKERFILE_WORKDIR,
	_BERTH_DOCKERFILE_KEYWORD_MAX,
};

/* "RUN" for BERTH_DOCKERFILE_RUN (upper case); NULL for UNKNOWN or out of range. */
const char *berth_dockerfile_keyword_name(enum berth_dockerfile_keyword k);
/* Case-insensitive lookup of an instruction word; UNKNOWN when it is none. */
enum berth_dockerfile_keyword berth_dockerfile_keyword_from_name(const char *name);

/*
 * A `--name=value` (or `--name`) word before the arguments, after the
 * parser's quote and escape removal, as BuildKit keeps it.
 */
struct berth_dockerfile_flag {
	char *raw;   /* the whole word, "--mount=type=cache,target=/x" */
	char *name;  /* "mount" (after the leading "--", before the first '=') */
	char *value; /* "type=cache,target=/x"; NULL when the word has no '=' */
};

/*
 * A heredoc attached to an instruction (RUN, COPY, ADD, or those inside
 * ONBUILD). content is every line between the instruction and the terminator
 * line, each with its own line ending, byte for byte: with chomp (`<<-`) the
 * leading TABs are still there (berth_dockerfile_heredoc_chomp() removes them).
 */
struct berth_dockerfile_heredoc {
	char *name;    /* terminator word after quote removal */
	char *content; /* NUL-terminated; may hold NUL bytes, see content_len */
	size_t content_len;
	unsigned fd;	/* the number before `<<` (`3<<EOF`), 0 when none */
	bool expand;	/* false when any part of the word was quoted */
	bool chomp;	/* `<<-` */
	int start_line; /* first body line (1-based) */
	int end_line;	/* terminator line */
};

/*
 * One instruction: one logical line after continuations are joined (plus its
 * heredoc bodies).
 *
 * args are the argument words as BuildKit's parser makes them (its `next`
 * chain), never expanded:
 *   RUN, CMD, ENTRYPOINT, SHELL  exec form: the JSON array elements (json set);
 *                                shell form: one word, the rest of the line
 *   ADD, COPY, VOLUME            exec form: the array elements (json set);
 *                                otherwise the rest split on whitespace
 *   FROM, EXPOSE                 the rest split on whitespace
 *   ENV, LABEL                   triples key, value, sep: sep is "=" for
 *                                `K=V …` (one triple per word, quotes kept in
 *                                the value), "" for legacy `K V` (one triple)
 *   ARG                          the words (`NAME` or `NAME=default`), quotes kept
 *   USER, WORKDIR, STOPSIGNAL,
 *   MAINTAINER                   one word, the rest of the line
 *   HEALTHCHECK                  args[0] the type ("CMD", "NONE", as written),
 *                                then the command like CMD (json applies to it)
 *   ONBUILD                      no args; the inner instruction is `sub`
 *   unknown                      no args (BuildKit dumps one empty word)
 * An instruction with nothing after its keyword has no args.
 *
 * Arguments come from JSON and may hold NUL bytes: arg_lens[i] is the length
 * of args[i]; consumers that need C strings reject an arg whose strlen differs.
 */
struct berth_dockerfile_instruction {
	enum berth_dockerfile_keyword keyword;
	char *name;	/* the keyword as written, "run" or "RUN" */
	char *original; /* the logical line: continuations joined, comments dropped */
	char *rest;	/* the text after the keyword and flags, trimmed */
	int start_line; /* 1-based first physical line */
	int end_line;	/* last physical line, heredoc terminators included */
	int column;	/* 1-based column of the keyword on start_line */

	struct berth_dockerfile_flag *flags;
	size_t n_flags;

	char **args; /* NULL-terminated, n_args long */
	size_t *arg_lens;
	size_t n_args;
	bool json; /* exec (JSON array) form */

	/*
	 * Heredocs found on the line, in order. For ONBUILD they are attached
	 * here, on the ONBUILD instruction, as BuildKit does, not on sub.
	 */
	struct berth_dockerfile_heredoc *heredocs;
	size_t n_heredocs;

	/* ONBUILD: the instruction it stores, NULL when ONBUILD has nothing after it. */
	struct berth_dockerfile_instruction *sub;

	/* The comment lines right before the instruction ("# " stripped), NULL-terminated. */
	char **comments;
};

/* A parser directive at the top of the file: `# syntax=`, `# escape=`, `# check=`. */
struct berth_dockerfile_directive {
	char *name; /* lower case: "syntax", "escape" or "check" */
	char *value;
	int line;
};

/* A warning of the parser (e.g. an empty continuation line). */
struct berth_dockerfile_warning {
	int line;
	char *msg; /* "Empty continuation line found in: RUN echo" */
	char *url; /* the rule's documentation, may be NULL */
};

struct berth_dockerfile {
	char *filename; /* as given to the parser, for messages ("Dockerfile") */

	struct berth_dockerfile_instruction *instructions;
	size_t n_instructions;

	struct berth_dockerfile_directive *directives;
	size_t n_directives;
	char escape;	    /* '\\' or '`' */
	const char *syntax; /* value of `# syntax=`, NULL when absent (points into directives) */
	const char *check;  /* value of `# check=`, NULL when absent (points into directives) */

	struct berth_dockerfile_warning *warnings;
	size_t n_warnings;

	/* The source, a copy of what was parsed, and where each physical line starts. */
	char *source;
	size_t source_len;
	size_t *line_offsets; /* n_lines + 1 entries; line n (1-based) is [off[n-1], off[n]) */
	size_t n_lines;
};

/*
 * Parses data (len bytes, need not be NUL-terminated) into *ret, owned by the
 * caller (berth_dockerfile_free()). filename names the file in messages.
 * On error returns -EINVAL (malformed input: "Dockerfile:3:1: unterminated
 * heredoc", "file with no instructions", …; the message names file and line
 * and quotes the line) or -E2BIG (input over the size cap), *ret untouched.
 * Does not reject unknown instructions or flags: see berth_dockerfile_validate().
 */
int berth_dockerfile_parse(const char *data, size_t len, const char *filename,
			   struct berth_dockerfile **ret, struct berth_error **err);

/* NULL-safe. */
void berth_dockerfile_free(struct berth_dockerfile *df);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct berth_dockerfile *, berth_dockerfile_free);
#define _cleanup_dockerfile_ _cleanup_(berth_dockerfile_freep)

/*
 * Checks one instruction as BuildKit's instruction parser does before a
 * build: a known keyword (`Dockerfile:7:1: unknown instruction: RUNN (did
 * you mean RUN?)`), the flags the instruction takes with the right kind of
 * value (`unknown flag: --chmown (did you mean chown?)`), argument counts,
 * the FROM stage name, SHELL in JSON form, HEALTHCHECK's type, and for
 * ONBUILD only that the trigger is not ONBUILD, FROM or MAINTAINER (the
 * trigger itself is checked when an image built FROM this one runs it, as in
 * BuildKit). Like BuildKit it ignores the flags of ARG, STOPSIGNAL and
 * HEALTHCHECK NONE. Returns 0 or -EINVAL with a message naming file, line
 * and column and quoting the offending line.
 */
int berth_dockerfile_validate_instruction(const struct berth_dockerfile *df,
					  const struct berth_dockerfile_instruction *ins,
					  struct berth_error **err);

/*
 * berth_dockerfile_validate_instruction() on every instruction, and, as
 * BuildKit's instructions.Parse, nothing but ARG before the first FROM ("no
 * build stage in current context"); stops at the first error.
 */
int berth_dockerfile_validate(const struct berth_dockerfile *df, struct berth_error **err);

/*
 * Physical line n (1-based) of the source without its line ending; *ret_len
 * set to its length. NULL when n is out of range.
 */
const char *berth_dockerfile_line(const struct berth_dockerfile *df, int n, size_t *ret_len);

/*
 * Heredoc content with the leading TABs of every line removed (`<<-`), as a
 * new string owned by the caller; *ret_len gets its length when not NULL.
 */
char *berth_dockerfile_heredoc_chomp(const char *content, size_t len, size_t *ret_len);

/* The first flag called name (without "--"), or NULL. */
const struct berth_dockerfile_flag *
berth_dockerfile_instruction_flag(const struct berth_dockerfile_instruction *ins, const char *name);

/*
 * The AST in the text format of BuildKit's parser test `result` files (its
 * Node.Dump()): one `(keyword …)` line per instruction, no final newline.
 * Owned by the caller.
 */
char *berth_dockerfile_dump(const struct berth_dockerfile *df);

/*
 * Go's %q, as BuildKit writes it into the history of the images it builds:
 * strconv.Quote(s), and of an integer strconv.QuoteRune (U+FFFD outside the
 * runes). Appended to b.
 */
struct berth_buf;
void berth_dockerfile_go_quote(struct berth_buf *b, const char *s);
void berth_dockerfile_go_quote_rune(struct berth_buf *b, int64_t v);

/* Maximum size of a Dockerfile berth_dockerfile_parse() accepts. */
#define BERTH_DOCKERFILE_MAX_SIZE (16u * 1024 * 1024)
