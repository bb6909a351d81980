/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The parsed form of a template, shared by template-parse.c and template-exec.c. */

#include <stdbool.h>
#include <stddef.h>

#include "core/template.h"

/* Nesting of parentheses and control blocks a template may use. */
#define TMPL_MAX_DEPTH 100

enum tnode_kind {
	TN_TEXT,
	TN_ACTION,
	TN_IF,
	TN_RANGE,
	TN_WITH,
	TN_BREAK,
	TN_CONTINUE
};
enum targ_kind {
	TA_DOT,
	TA_FIELD,
	TA_VAR,
	TA_LITERAL,
	TA_NIL,
	TA_FUNC,
	TA_PIPE
};

struct tnode;
struct tpipe;

struct tlist {
	struct tnode **v;
	size_t n;
};

struct targ {
	enum targ_kind kind;
	char *name;    /* TA_VAR: "$x"; TA_FUNC: the function */
	char **fields; /* the chain after the operand: .A.B */
	size_t nfields;
	json_t *value;	    /* TA_LITERAL */
	struct tpipe *pipe; /* TA_PIPE */
	size_t pos;
	char *src; /* the operand's text, for errors */
};

struct tcmd {
	struct targ **args;
	size_t nargs;
	size_t pos;
	char *src;
};

struct tpipe {
	char *vars[2];
	size_t nvars;
	bool decl; /* := rather than = */
	struct tcmd **cmds;
	size_t ncmds;
	size_t pos;
};

struct tnode {
	enum tnode_kind kind;
	size_t pos;
	char *text; /* TN_TEXT */
	size_t len;
	struct tpipe *pipe;
	struct tlist list, else_list;
};

struct berth_template {
	char *src;
	struct tlist root;
};

/* The line (from 1) and the byte column in that line (from 0) of pos, as Go reports them. */
void tmpl_position(const char *src, size_t pos, size_t *ret_line, size_t *ret_col);
bool tmpl_func_exists(const char *name);

void tmpl_list_release(struct tlist *l);
void tmpl_pipe_free(struct tpipe *p);

/* Function results longer than this fail (-E2BIG): a template cannot grow a string without bound. */
#define TMPL_MAX_STRING (1u << 20)

/*
 * Calls the built-in function name on n argument values (borrowed; NULL is
 * Go's invalid value). Returns 0 with *ret (owned, may be NULL), or fills msg:
 * -1 for "error calling NAME: msg", -2 for a message of its own.
 */
int tmpl_call(const char *name, unsigned flags, json_t **args, size_t n, json_t **ret,
	      struct berth_buf *msg);
/* Go's truth: false, 0, "", empty arrays and objects, null and no value are false. */
bool tmpl_is_true(const json_t *v);
/* The Go type a JSON value decodes to, for messages: string, int, float64, bool, ... */
const char *tmpl_type_name(const json_t *v);
/* Go's fmt.Sprintf over template values. */
void tmpl_printf(struct berth_buf *out, const char *fmt, size_t fmt_len, json_t **args, size_t n);
/* The keys of obj sorted bytewise, as Go's fmt and range order maps; borrowed from obj. */
const char **tmpl_sorted_keys(const json_t *obj);

/* s[0..len) is a whole quoted or raw string token; appends its value. False when malformed. */
bool tmpl_unquote(const char *s, size_t len, struct berth_buf *b);
/* A character constant ('a', '\n') as its code point, or NULL when malformed. */
json_t *tmpl_parse_char(const char *s, size_t len);
/* A number token as an integer or a real, or NULL when Go would refuse it. */
json_t *tmpl_parse_number(const char *s, size_t len);
