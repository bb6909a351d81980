/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lexer and parser of Go text/template, written from the language's
 * documentation: text, {{actions}} with `{{- ` / ` -}}` trim markers and
 * comments (slash-star to star-slash inside the delimiters), pipelines of commands of operands,
 * control blocks.
 * Variables are checked at parse time, functions by name, as Go does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "core/template-internal.h"

#include "core/banned.h"

enum tok {
	T_EOF,
	T_RDELIM,
	T_DOT,
	T_FIELD,
	T_VAR,
	T_IDENT,
	T_STRING,
	T_NUMBER,
	T_CHAR,
	T_PIPE,
	T_LPAREN,
	T_RPAREN,
	T_DECLARE,
	T_ASSIGN,
	T_COMMA,
	T_ERROR,
};

struct token {
	enum tok kind;
	size_t pos, len; /* the token's text in the source */
	bool space_before;
	bool trim; /* T_RDELIM: ` -}}` */
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	char **vars; /* in scope, innermost last */
	int depth;
	int range_depth;
	bool trim_next_text;
	struct berth_error **err;
};

static int parse_error(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int parse_error(struct parser *p, size_t pos, const char *fmt, ...)
{
	size_t line, col;
	va_list ap;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;

	tmpl_position(p->s, pos, &line, &col);
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return berth_error_set(p->err, EINVAL, "template: :%zu: %s", line, b.buf);
}

void tmpl_position(const char *src, size_t pos, size_t *ret_line, size_t *ret_col)
{
	size_t line = 1, bol = 0;
	for (size_t i = 0; i < pos && src[i]; i++)
		if (src[i] == '\n') {
			line++;
			bol = i + 1;
		}
	*ret_line = line;
	*ret_col = pos - bol;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(char c)
{
	unsigned char u = (unsigned char)c;
	return u == '_' || u >= 0x80 || (u >= '0' && u <= '9') ||
	       ((u | 0x20) >= 'a' && (u | 0x20) <= 'z');
}

static bool at(const struct parser *p, size_t pos, const char *lit)
{
	size_t n = strlen(lit);
	return pos <= p->len && p->len - pos >= n && memcmp(p->s + pos, lit, n) == 0;
}

/* Go's quoted strings end at the first unescaped quote on the same line. */
static size_t scan_quoted(const struct parser *p, size_t i, char q)
{
	for (i++; i < p->len; i++) {
		if (p->s[i] == '\\' && q != '`')
			i++;
		else if (p->s[i] == q)
			return i + 1;
		else if (p->s[i] == '\n' && q != '`')
			return 0;
	}
	return 0;
}

static size_t scan_number(const struct parser *p, size_t i)
{
	if (p->s[i] == '+' || p->s[i] == '-')
		i++;
	while (i < p->len && (is_alnum(p->s[i]) || p->s[i] == '.' ||
			      ((p->s[i] == '+' || p->s[i] == '-') &&
			       ((p->s[i - 1] | 0x20) == 'e' || (p->s[i - 1] | 0x20) == 'p'))))
		i++;
	return i;
}

static enum tok lex_word(struct parser *p, size_t i, struct token *t)
{
	char c = p->s[i];
	size_t j = i + 1;

	if (c == '.' && (j >= p->len || !is_alnum(p->s[j]) || (p->s[j] >= '0' && p->s[j] <= '9'))) {
		if (j < p->len && p->s[j] >= '0' && p->s[j] <= '9') {
			t->len = scan_number(p, i) - i;
			return T_NUMBER;
		}
		t->len = 1;
		return T_DOT;
	}
	while (j < p->len && is_alnum(p->s[j]))
		j++;
	t->len = j - i;
	return c == '.' ? T_FIELD : c == '$' ? T_VAR : T_IDENT;
}

static void lex(struct parser *p, struct token *t)
{
	size_t i = p->pos;
	*t = (struct token){.pos = i};
	while (i < p->len && is_space(p->s[i])) {
		if (at(p, i + 1, "-}}")) {
			*t = (struct token){.kind = T_RDELIM, .pos = i, .len = 4, .trim = true};
			p->pos = i + 4;
			return;
		}
		t->space_before = true;
		i++;
	}
	t->pos = i;
	t->len = 1;
	char c = i < p->len ? p->s[i] : '\0';
	if (i >= p->len)
		t->kind = T_EOF;
	else if (at(p, i, "}}")) {
		t->kind = T_RDELIM;
		t->len = 2;
	} else if (c == '|')
		t->kind = T_PIPE;
	else if (c == '(')
		t->kind = T_LPAREN;
	else if (c == ')')
		t->kind = T_RPAREN;
	else if (c == ',')
		t->kind = T_COMMA;
	else if (c == '=')
		t->kind = T_ASSIGN;
	else if (c == ':') {
		t->kind = at(p, i, ":=") ? T_DECLARE : T_ERROR;
		t->len = t->kind == T_DECLARE ? 2 : 1;
	} else if (c == '"' || c == '`' || c == '\'') {
		size_t e = scan_quoted(p, i, c);
		t->kind = e ? (c == '\'' ? T_CHAR : T_STRING) : T_ERROR;
		t->len = e ? e - i : 1;
	} else if ((c >= '0' && c <= '9') || c == '+' || c == '-') {
		t->kind = T_NUMBER;
		t->len = scan_number(p, i) - i;
	} else if (c == '.' || c == '$' || is_alnum(c))
		t->kind = lex_word(p, i, t);
	else
		t->kind = T_ERROR;
	p->pos = i + t->len;
}

static void peek(struct parser *p, struct token *t)
{
	size_t save = p->pos;
	lex(p, t);
	p->pos = save;
}

static const char *tok_text(const struct parser *p, const struct token *t, char buf[static 64])
{
	if (t->kind == T_EOF)
		return "EOF";
	if (t->kind == T_RDELIM)
		return "}}";
	size_t n = t->len < 63 ? t->len : 63;
	memcpy(buf, p->s + t->pos, n);
	buf[n] = '\0';
	return buf;
}

static int unexpected(struct parser *p, const struct token *t, const char *context)
{
	char b[64];
	if (t->kind == T_EOF)
		return parse_error(p, t->pos, "unclosed action");
	if (t->kind == T_ERROR)
		return parse_error(p, t->pos, "bad character %.1s", p->s + t->pos);
	return parse_error(p, t->pos, "unexpected \"%s\" in %s", tok_text(p, t, b), context);
}

/* --- the syntax tree ------------------------------------------------------------------------ */

static void arg_free(struct targ *a)
{
	if (!a)
		return;
	free(a->name);
	berth_strv_free(a->fields);
	if (a->value)
		json_decref(a->value);
	tmpl_pipe_free(a->pipe);
	free(a->src);
	free(a);
}

static void cmd_free(struct tcmd *c)
{
	for (size_t i = 0; i < c->nargs; i++)
		arg_free(c->args[i]);
	free(c->args);
	free(c->src);
	free(c);
}

void tmpl_pipe_free(struct tpipe *p)
{
	if (!p)
		return;
	free(p->vars[0]);
	free(p->vars[1]);
	for (size_t i = 0; i < p->ncmds; i++)
		cmd_free(p->cmds[i]);
	free(p->cmds);
	free(p);
}

void tmpl_list_release(struct tlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct tnode *n = l->v[i];
		free(n->text);
		tmpl_pipe_free(n->pipe);
		tmpl_list_release(&n->list);
		tmpl_list_release(&n->else_list);
		free(n);
	}
	free(l->v);
	*l = (struct tlist){0};
}

static struct tnode *list_add(struct tlist *l, enum tnode_kind kind, size_t pos)
{
	struct tnode *n = berth_xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->pos = pos;
	l->v = berth_xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = n;
	return n;
}

#define PUSH(arr, n, item)                                                                         \
	do {                                                                                       \
		(arr) = berth_xreallocarray((arr), (n) + 1, sizeof(*(arr)));                       \
		(arr)[(n)++] = (item);                                                             \
	} while (0)

/* --- operands, commands, pipelines ---------------------------------------------------------- */

static int parse_pipeline(struct parser *p, const char *context, bool allow_decl, bool in_paren,
			  struct tpipe **ret);

static bool var_defined(const struct parser *p, const char *name)
{
	return berth_strv_contains(p->vars, name);
}

static int parse_fields(struct parser *p, struct targ *a)
{
	struct token t;
	for (;;) {
		peek(p, &t);
		if (t.kind != T_FIELD || t.space_before)
			return 0;
		lex(p, &t);
		char *f = berth_xstrndup(p->s + t.pos + 1, t.len - 1);
		PUSH(a->fields, a->nfields, f);
		a->fields = berth_xreallocarray(a->fields, a->nfields + 1, sizeof(char *));
		a->fields[a->nfields] = NULL;
	}
}

static int parse_literal(struct parser *p, const struct token *t, struct targ *a)
{
	const char *s = p->s + t->pos;
	if (t->kind == T_STRING) {
		_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
		if (!tmpl_unquote(s, t->len, &b))
			return parse_error(p, t->pos, "invalid syntax: %.*s", (int)t->len, s);
		a->value = json_stringn_nocheck(b.buf, b.len);
	} else {
		a->value = t->kind == T_CHAR ? tmpl_parse_char(s, t->len)
					     : tmpl_parse_number(s, t->len);
		if (!a->value)
			return parse_error(p, t->pos, "bad number syntax: \"%.*s\"", (int)t->len,
					   s);
	}
	a->kind = TA_LITERAL;
	return 0;
}

static int parse_ident(struct parser *p, const struct token *t, struct targ *a)
{
	char *w = berth_xstrndup(p->s + t->pos, t->len);
	if (strcmp(w, "true") == 0 || strcmp(w, "false") == 0) {
		a->kind = TA_LITERAL;
		a->value = json_boolean(w[0] == 't');
		free(w);
		return 0;
	}
	if (strcmp(w, "nil") == 0) {
		a->kind = TA_NIL;
		free(w);
		return 0;
	}
	a->kind = TA_FUNC;
	a->name = w;
	if (!tmpl_func_exists(w))
		return parse_error(p, t->pos, "function \"%s\" not defined", w);
	return 0;
}

static int parse_term(struct parser *p, const struct token *t, struct targ *a)
{
	switch (t->kind) {
	case T_DOT:
		a->kind = TA_DOT;
		return 0;
	case T_FIELD:
		a->kind = TA_FIELD;
		p->pos = t->pos; /* the field is the chain's first link */
		return 0;
	case T_VAR:
		a->kind = TA_VAR;
		a->name = berth_xstrndup(p->s + t->pos, t->len);
		if (!var_defined(p, a->name))
			return parse_error(p, t->pos, "undefined variable \"%s\"", a->name);
		return 0;
	case T_STRING:
	case T_NUMBER:
	case T_CHAR:
		return parse_literal(p, t, a);
	case T_IDENT:
		return parse_ident(p, t, a);
	case T_LPAREN:
		a->kind = TA_PIPE;
		return parse_pipeline(p, "parenthesized pipeline", false, true, &a->pipe);
	default:
		return unexpected(p, t, "operand");
	}
}

static int parse_operand(struct parser *p, const struct token *t, struct targ **ret)
{
	struct targ *a = berth_xcalloc(1, sizeof(*a));
	int r = parse_term(p, t, a);
	if (r >= 0 && (a->kind == TA_FIELD || a->kind == TA_VAR || a->kind == TA_PIPE))
		r = parse_fields(p, a);
	if (r >= 0 && a->nfields > 0 && a->kind != TA_FIELD && a->kind != TA_VAR &&
	    a->kind != TA_PIPE)
		r = parse_error(p, t->pos, "unexpected . after term");
	if (r < 0) {
		arg_free(a);
		return r;
	}
	a->pos = t->pos;
	a->src = berth_xstrndup(p->s + t->pos, p->pos - t->pos);
	*ret = a;
	return 0;
}

static bool ends_command(const struct token *t, bool in_paren)
{
	return t->kind == T_PIPE || t->kind == T_RDELIM || (in_paren && t->kind == T_RPAREN);
}

static int parse_command(struct parser *p, bool in_paren, struct tcmd **ret)
{
	struct tcmd *c = berth_xcalloc(1, sizeof(*c));
	struct token t;
	int r = 0;

	peek(p, &t);
	c->pos = t.pos;
	for (;;) {
		peek(p, &t);
		if (ends_command(&t, in_paren))
			break;
		lex(p, &t);
		if (t.kind == T_RPAREN || t.kind == T_EOF || t.kind == T_ERROR) {
			r = unexpected(p, &t, "operand");
			break;
		}
		struct targ *a = NULL;
		r = parse_operand(p, &t, &a);
		if (r < 0)
			break;
		PUSH(c->args, c->nargs, a);
	}
	if (r >= 0 && c->nargs == 0)
		r = parse_error(p, t.pos, "missing value for command");
	if (r < 0) {
		cmd_free(c);
		return r;
	}
	c->src = berth_xstrndup(p->s + c->pos, p->pos - c->pos);
	while (c->src[0] && is_space(c->src[strlen(c->src) - 1]))
		c->src[strlen(c->src) - 1] = '\0';
	*ret = c;
	return 0;
}

/* `$x :=`, `$x =` or, in range, `$i, $e :=` */
static int parse_decl(struct parser *p, bool allow_two, struct tpipe *pipe)
{
	size_t save = p->pos;
	struct token t, v2, op;

	lex(p, &t);
	if (t.kind != T_VAR)
		goto none;
	lex(p, &op);
	if (op.kind == T_COMMA && allow_two) {
		lex(p, &v2);
		lex(p, &op);
		if (v2.kind != T_VAR || (op.kind != T_DECLARE && op.kind != T_ASSIGN))
			goto none;
		pipe->vars[1] = berth_xstrndup(p->s + v2.pos, v2.len);
		pipe->nvars = 1;
	} else if (op.kind != T_DECLARE && op.kind != T_ASSIGN)
		goto none;
	pipe->vars[0] = berth_xstrndup(p->s + t.pos, t.len);
	pipe->nvars++;
	pipe->decl = op.kind == T_DECLARE;
	for (size_t i = 0; i < pipe->nvars; i++) {
		if (pipe->decl)
			berth_strv_push(&p->vars, pipe->vars[i]);
		else if (!var_defined(p, pipe->vars[i]))
			return parse_error(p, t.pos, "undefined variable \"%s\"", pipe->vars[i]);
	}
	return 0;
none:
	free(pipe->vars[1]);
	pipe->vars[1] = NULL;
	pipe->nvars = 0;
	p->pos = save;
	return 0;
}

static int check_pipeline(struct parser *p, struct tpipe *pipe, const char *context)
{
	if (pipe->ncmds == 0)
		return parse_error(p, pipe->pos, "missing value for %s", context);
	for (size_t i = 1; i < pipe->ncmds; i++) {
		enum targ_kind k = pipe->cmds[i]->args[0]->kind;
		if (k == TA_DOT || k == TA_LITERAL || k == TA_NIL)
			return parse_error(p, pipe->cmds[i]->pos,
					   "non executable command in pipeline stage %zu", i + 1);
	}
	return 0;
}

static int parse_pipeline_cmds(struct parser *p, const char *context, bool in_paren,
			       struct tpipe *pipe)
{
	struct token t;
	for (;;) {
		peek(p, &t);
		if (in_paren && t.kind == T_RDELIM)
			return parse_error(p, t.pos, "unclosed left paren");
		if (t.kind == (in_paren ? T_RPAREN : T_RDELIM)) {
			lex(p, &t);
			if (!in_paren)
				p->trim_next_text = t.trim;
			return check_pipeline(p, pipe, context);
		}
		if (t.kind == T_RDELIM || t.kind == T_RPAREN || t.kind == T_EOF ||
		    t.kind == T_ERROR)
			return unexpected(p, &t, context);
		struct tcmd *c = NULL;
		int r = parse_command(p, in_paren, &c);
		if (r < 0)
			return r;
		PUSH(pipe->cmds, pipe->ncmds, c);
		peek(p, &t);
		if (t.kind == T_PIPE)
			lex(p, &t);
	}
}

static int parse_pipeline(struct parser *p, const char *context, bool allow_decl, bool in_paren,
			  struct tpipe **ret)
{
	struct tpipe *pipe = berth_xcalloc(1, sizeof(*pipe));
	struct token t;
	int r = 0;

	if (++p->depth > TMPL_MAX_DEPTH)
		r = parse_error(p, p->pos, "max expression depth exceeded");
	peek(p, &t);
	pipe->pos = t.pos;
	if (r >= 0 && allow_decl)
		r = parse_decl(p, strcmp(context, "range") == 0, pipe);
	if (r >= 0)
		r = parse_pipeline_cmds(p, context, in_paren, pipe);
	p->depth--;
	if (r < 0) {
		tmpl_pipe_free(pipe);
		return r;
	}
	*ret = pipe;
	return 0;
}

/* --- text, actions and control blocks ------------------------------------------------------- */

enum list_end {
	END_EOF,
	END_END,
	END_ELSE,
	END_ELSE_IF,
	END_ELSE_WITH
};

static int parse_list(struct parser *p, struct tlist *l, enum list_end *ret_end);

static void add_text(struct parser *p, struct tlist *l, size_t start, size_t end, bool trim_right)
{
	if (p->trim_next_text)
		while (start < end && is_space(p->s[start]))
			start++;
	p->trim_next_text = false;
	if (trim_right)
		while (end > start && is_space(p->s[end - 1]))
			end--;
	if (end > start) {
		struct tnode *n = list_add(l, TN_TEXT, start);
		n->text = berth_xstrndup(p->s + start, end - start);
		n->len = end - start;
	}
}

/* A comment right after `{{` or `{{- `; p->pos is at its opening. */
static int skip_comment(struct parser *p)
{
	size_t start = p->pos;
	const char *e = strstr(p->s + p->pos + 2, "*/");
	if (!e)
		return parse_error(p, start, "unclosed comment");
	p->pos = (size_t)(e - p->s) + 2;
	if (at(p, p->pos, "}}")) {
		p->pos += 2;
		p->trim_next_text = false;
	} else if (at(p, p->pos, " -}}")) {
		p->pos += 4;
		p->trim_next_text = true;
	} else
		return parse_error(p, start, "comment ends before closing delimiter");
	return 0;
}

static int expect_rdelim(struct parser *p, const char *context)
{
	struct token t;
	lex(p, &t);
	if (t.kind != T_RDELIM)
		return unexpected(p, &t, context);
	p->trim_next_text = t.trim;
	return 0;
}

static int parse_control(struct parser *p, struct tlist *l, enum tnode_kind kind, size_t pos,
			 const char *context);

/* The rest of `{{else ...}}`: a plain else, `else if` or `else with`. */
static int parse_else(struct parser *p, enum list_end *ret_end)
{
	struct token t;
	peek(p, &t);
	if (t.kind == T_IDENT && t.len == 2 && memcmp(p->s + t.pos, "if", 2) == 0) {
		lex(p, &t);
		*ret_end = END_ELSE_IF;
		return 0;
	}
	if (t.kind == T_IDENT && t.len == 4 && memcmp(p->s + t.pos, "with", 4) == 0) {
		lex(p, &t);
		*ret_end = END_ELSE_WITH;
		return 0;
	}
	*ret_end = END_ELSE;
	return expect_rdelim(p, "else");
}

static int parse_keyword(struct parser *p, struct tlist *l, const struct token *t, bool *ret_done,
			 enum list_end *ret_end)
{
	const char *w = p->s + t->pos;
	size_t n = t->len;
	*ret_done = true;
#define IS(kw) (n == strlen(kw) && memcmp(w, kw, n) == 0)
	if (IS("if"))
		return parse_control(p, l, TN_IF, t->pos, "if");
	if (IS("range"))
		return parse_control(p, l, TN_RANGE, t->pos, "range");
	if (IS("with"))
		return parse_control(p, l, TN_WITH, t->pos, "with");
	if (IS("end")) {
		*ret_end = END_END;
		return expect_rdelim(p, "end");
	}
	if (IS("else"))
		return parse_else(p, ret_end);
	if (IS("break") || IS("continue")) {
		if (p->range_depth == 0)
			return parse_error(p, t->pos, "{{%.*s}} outside {{range}}", (int)n, w);
		list_add(l, IS("break") ? TN_BREAK : TN_CONTINUE, t->pos);
		return expect_rdelim(p, IS("break") ? "break" : "continue");
	}
	if (IS("define") || IS("template") || IS("block"))
		return parse_error(p, t->pos, "{{%.*s}} is not supported", (int)n, w);
#undef IS
	*ret_done = false;
	return 0;
}

/* One action; p->pos is just after `{{` and its trim marker. */
static int parse_action(struct parser *p, struct tlist *l, enum list_end *ret_end)
{
	struct token t;
	bool done = false;

	if (at(p, p->pos, "/*"))
		return skip_comment(p);
	peek(p, &t);
	if (t.kind == T_IDENT) {
		lex(p, &t);
		int r = parse_keyword(p, l, &t, &done, ret_end);
		if (r < 0 || done)
			return r;
		p->pos = t.pos;
	}
	struct tpipe *pipe = NULL;
	int r = parse_pipeline(p, "command", true, false, &pipe);
	if (r < 0)
		return r;
	list_add(l, TN_ACTION, t.pos)->pipe = pipe;
	return 0;
}

static int parse_list(struct parser *p, struct tlist *l, enum list_end *ret_end)
{
	for (;;) {
		const char *open = p->pos < p->len ? strstr(p->s + p->pos, "{{") : NULL;
		size_t end = open ? (size_t)(open - p->s) : p->len;
		bool trim =
			open && at(p, end + 2, "-") && end + 3 < p->len && is_space(p->s[end + 3]);

		add_text(p, l, p->pos, end, trim);
		if (!open) {
			p->pos = p->len;
			*ret_end = END_EOF;
			return 0;
		}
		p->pos = end + (trim ? 4 : 2);
		enum list_end e = END_EOF;
		int r = parse_action(p, l, &e);
		if (r < 0)
			return r;
		if (e != END_EOF) {
			*ret_end = e;
			return 0;
		}
	}
}

static int parse_control_body(struct parser *p, struct tnode *n, const char *context)
{
	enum list_end e;
	int r = parse_list(p, &n->list, &e);
	if (r < 0)
		return r;
	if (e == END_EOF)
		return parse_error(p, p->len, "unexpected EOF");
	if (e == END_ELSE_IF || e == END_ELSE_WITH) {
		bool as_if = e == END_ELSE_IF;
		if ((as_if && n->kind != TN_IF) || (!as_if && n->kind != TN_WITH))
			return parse_error(p, p->pos, "unexpected {{else %s}} in %s",
					   as_if ? "if" : "with", context);
		/* `{{else if p}}...{{end}}` is `{{else}}{{if p}}...{{end}}{{end}}` */
		return parse_control(p, &n->else_list, n->kind, p->pos, context);
	}
	if (e == END_ELSE) {
		r = parse_list(p, &n->else_list, &e);
		if (r < 0)
			return r;
		if (e != END_END)
			return parse_error(p, p->pos,
					   e == END_EOF ? "unexpected EOF"
							: "expected end; found {{else}}");
	}
	return 0;
}

static int parse_control(struct parser *p, struct tlist *l, enum tnode_kind kind, size_t pos,
			 const char *context)
{
	size_t nvars = berth_strv_len(p->vars);
	struct tnode *n = list_add(l, kind, pos);
	int r;

	if (++p->depth > TMPL_MAX_DEPTH)
		return parse_error(p, pos, "max expression depth exceeded");
	r = parse_pipeline(p, context, true, false, &n->pipe);
	if (r >= 0) {
		p->range_depth += kind == TN_RANGE;
		r = parse_control_body(p, n, context);
		p->range_depth -= kind == TN_RANGE;
	}
	p->depth--;
	while (berth_strv_len(p->vars) > nvars) {
		size_t last = berth_strv_len(p->vars) - 1;
		free(p->vars[last]);
		p->vars[last] = NULL;
	}
	return r;
}

int berth_template_parse(const char *text, struct berth_template **ret, struct berth_error **err)
{
	struct berth_template *t = berth_xcalloc(1, sizeof(*t));
	struct parser p = {.s = text, .len = strlen(text), .err = err};
	enum list_end e;
	int r;

	t->src = berth_xstrdup(text);
	p.s = t->src;
	berth_strv_push(&p.vars, "$");
	r = parse_list(&p, &t->root, &e);
	if (r >= 0 && e != END_EOF)
		r = parse_error(&p, p.pos, "unexpected {{%s}}", e == END_END ? "end" : "else");
	berth_strv_free(p.vars);
	if (r < 0) {
		berth_template_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

void berth_template_free(struct berth_template *t)
{
	if (!t)
		return;
	tmpl_list_release(&t->root);
	free(t->src);
	free(t);
}
