/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Executing a parsed template over JSON values. Values are json_t
 * references owned by whoever holds them; NULL is Go's invalid value (a
 * missing map key), printed `<no value>`. As Go does with interface{}
 * values, a pipeline whose result is JSON null yields the invalid value.
 * The work (steps) and the output are bounded, so a hostile template
 * cannot spin or fill memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/template-internal.h"

#include "core/banned.h"

#define MAX_STEPS  1000000
#define MAX_OUTPUT (64u << 20)

enum {
	FLOW_NEXT = 0,
	FLOW_BREAK = 1,
	FLOW_CONTINUE = 2
};

struct var {
	const char *name;
	json_t *value;
};

struct state {
	const struct berth_template *t;
	struct var *vars;
	size_t nvars;
	struct berth_buf *out;
	size_t out_start;
	unsigned flags;
	size_t steps;
	struct berth_error **err;
};

static int exec_fail(struct state *st, int code, size_t pos, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int exec_fail(struct state *st, int code, size_t pos, const char *at, const char *fmt, ...)
{
	size_t line, col;
	va_list ap;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;

	tmpl_position(st->t->src, pos, &line, &col);
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return berth_error_set(st->err, code, "template: :%zu:%zu: executing \"\" at <%s>: %s",
			       line, col, at, b.buf);
}
#define exec_error(st, ...) exec_fail(st, EINVAL, __VA_ARGS__)

static int step(struct state *st)
{
	if (++st->steps > MAX_STEPS)
		return berth_error_set(st->err, E2BIG,
				       "template: executing \"\": more than %d steps", MAX_STEPS);
	return 0;
}

static void value_unref(json_t **v)
{
	if (*v)
		json_decref(*v);
	*v = NULL;
}
#define _cleanup_value_ __attribute__((cleanup(value_unref)))

static json_t *ref(const json_t *v)
{
	return v ? json_incref((json_t *)v) : NULL;
}

/* --- variables ------------------------------------------------------------------------------ */

static void var_push(struct state *st, const char *name, json_t *value)
{
	st->vars = berth_xreallocarray(st->vars, st->nvars + 1, sizeof(*st->vars));
	st->vars[st->nvars++] = (struct var){.name = name, .value = value};
}

static void vars_pop_to(struct state *st, size_t mark)
{
	while (st->nvars > mark)
		value_unref(&st->vars[--st->nvars].value);
}

/* The innermost binding of name, or NULL when it is declared but not bound yet. */
static struct var *var_find(struct state *st, const char *name)
{
	for (size_t i = st->nvars; i > 0; i--)
		if (strcmp(st->vars[i - 1].name, name) == 0)
			return &st->vars[i - 1];
	return NULL;
}

static void var_bind(struct state *st, const char *name, bool decl, json_t *value)
{
	struct var *v = decl ? NULL : var_find(st, name);
	if (!v) {
		var_push(st, name, value);
		return;
	}
	value_unref(&v->value);
	v->value = value;
}

/* --- operands ------------------------------------------------------------------------------- */

static int eval_pipeline(struct state *st, const json_t *dot, const struct tpipe *pipe, bool bind,
			 json_t **ret);

/* has_args: the last field was given arguments, which only a method could take. */
static int eval_chain(struct state *st, const struct targ *a, json_t *recv, bool has_args,
		      json_t **ret)
{
	json_t *v = recv;
	for (size_t i = 0; i < a->nfields; i++) {
		if (!v && (st->flags & BERTH_TEMPLATE_MISSINGKEY_ERROR))
			return exec_error(st, a->pos, a->src, "nil data; no entry for key \"%s\"",
					  a->fields[i]);
		if (!v)
			break; /* a field of no value is no value */
		if (json_is_object(v) && has_args && i + 1 == a->nfields) {
			json_decref(v);
			return exec_error(st, a->pos, a->src,
					  "%s is not a method but has arguments", a->fields[i]);
		}
		if (json_is_object(v)) {
			json_t *child = ref(json_object_get(v, a->fields[i]));
			json_decref(v);
			if (!child && (st->flags & BERTH_TEMPLATE_MISSINGKEY_ERROR))
				return exec_error(st, a->pos, a->src,
						  "map has no entry for key \"%s\"", a->fields[i]);
			v = child;
			continue;
		}
		const char *type = tmpl_type_name(v);
		json_decref(v);
		if (strcmp(type, "<nil>") == 0)
			return exec_error(st, a->pos, a->src,
					  "nil pointer evaluating interface {}.%s", a->fields[i]);
		return exec_error(st, a->pos, a->src, "can't evaluate field %s in type %s",
				  a->fields[i], type);
	}
	*ret = v;
	return 0;
}

static int eval_call(struct state *st, const json_t *dot, const struct tcmd *cmd,
		     const struct targ *fn, bool has_final, json_t *final, json_t **ret);

/* An operand: literals, fields, variables, (pipelines), nil, functions. */
static int eval_operand(struct state *st, const json_t *dot, const struct targ *a, bool has_args,
			json_t **ret)
{
	json_t *base = NULL;
	int r;

	switch (a->kind) {
	case TA_DOT:
		*ret = ref(dot);
		return 0;
	case TA_LITERAL:
		*ret = ref(a->value);
		return 0;
	case TA_NIL:
		*ret = NULL;
		return 0;
	case TA_FUNC: {
		struct tcmd one = {
			.args = (struct targ **)&a, .nargs = 1, .pos = a->pos, .src = a->src};
		return eval_call(st, dot, &one, a, false, NULL, ret);
	}
	case TA_FIELD:
		base = ref(dot);
		break;
	case TA_VAR: {
		/* declared, but not yet bound: `{{range $k, $v := $k}}` evaluates $k first, as Go */
		struct var *v = var_find(st, a->name);
		if (!v)
			return exec_error(st, a->pos, a->src, "undefined variable: %s", a->name);
		base = ref(v->value);
		break;
	}
	case TA_PIPE:
		r = eval_pipeline(st, dot, a->pipe, false, &base);
		if (r < 0)
			return r;
		break;
	}
	return eval_chain(st, a, base, has_args, ret);
}

static int eval_arg(struct state *st, const json_t *dot, const struct targ *a, json_t **ret)
{
	return eval_operand(st, dot, a, false, ret);
}

/* --- commands and pipelines ----------------------------------------------------------------- */

/* and, or: Go evaluates their arguments only until the result is known. */
static int eval_and_or(struct state *st, const json_t *dot, const struct tcmd *cmd, bool is_and,
		       bool has_final, json_t *final, json_t **ret)
{
	size_t n = cmd->nargs - 1 + has_final;
	json_t *v = NULL;

	if (n == 0)
		return exec_error(st, cmd->pos, cmd->src,
				  "wrong number of args for %s: want at least 1 got 0",
				  is_and ? "and" : "or");
	for (size_t i = 1; i <= n; i++) {
		value_unref(&v);
		if (i < cmd->nargs) {
			int r = eval_arg(st, dot, cmd->args[i], &v);
			if (r < 0)
				return r;
		} else
			v = ref(final);
		if (tmpl_is_true(v) != is_and)
			break;
	}
	*ret = v;
	return 0;
}

static void free_values(json_t **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		value_unref(&v[i]);
	free(v);
}

static int eval_call(struct state *st, const json_t *dot, const struct tcmd *cmd,
		     const struct targ *fn, bool has_final, json_t *final, json_t **ret)
{
	_cleanup_buf_ struct berth_buf msg = BERTH_BUF_INIT;
	size_t n = cmd->nargs - 1 + has_final;
	json_t **args = NULL;
	int r = 0;

	if (strcmp(fn->name, "and") == 0 || strcmp(fn->name, "or") == 0)
		return eval_and_or(st, dot, cmd, fn->name[0] == 'a', has_final, final, ret);
	args = berth_xcalloc(n + 1, sizeof(*args));
	for (size_t i = 1; i < cmd->nargs && r >= 0; i++)
		r = eval_arg(st, dot, cmd->args[i], &args[i - 1]);
	if (r < 0) {
		free_values(args, n);
		return r;
	}
	if (has_final)
		args[n - 1] = ref(final);
	r = tmpl_call(fn->name, st->flags, args, n, ret, &msg);
	free_values(args, n);
	if (r == -1)
		return exec_error(st, cmd->pos, cmd->src, "error calling %s: %s", fn->name,
				  msg.buf);
	if (r < 0)
		return exec_error(st, cmd->pos, cmd->src, "%s", msg.buf);
	if (json_is_string(*ret) && json_string_length(*ret) > TMPL_MAX_STRING) {
		value_unref(ret);
		return exec_fail(st, E2BIG, cmd->pos, cmd->src,
				 "result of %s is longer than %u bytes", fn->name, TMPL_MAX_STRING);
	}
	return 0;
}

static int eval_command(struct state *st, const json_t *dot, const struct tcmd *cmd, bool has_final,
			json_t *final, json_t **ret)
{
	const struct targ *first = cmd->args[0];
	bool has_args = cmd->nargs > 1 || has_final;

	if (first->kind == TA_FUNC)
		return eval_call(st, dot, cmd, first, has_final, final, ret);
	if (first->kind == TA_NIL)
		return exec_error(st, cmd->pos, cmd->src, "nil is not a command");
	if (has_args && first->nfields == 0)
		return exec_error(st, cmd->pos, cmd->src, "can't give argument to non-function %s",
				  first->src);
	return eval_operand(st, dot, first, has_args, ret);
}

static int eval_pipeline(struct state *st, const json_t *dot, const struct tpipe *pipe, bool bind,
			 json_t **ret)
{
	json_t *v = NULL;
	for (size_t i = 0; i < pipe->ncmds; i++) {
		json_t *next = NULL;
		int r = eval_command(st, dot, pipe->cmds[i], i > 0, v, &next);
		value_unref(&v);
		if (r < 0)
			return r;
		v = next;
	}
	if (json_is_null(v))
		value_unref(&v);
	if (bind)
		for (size_t i = 0; i < pipe->nvars; i++)
			var_bind(st, pipe->vars[i], pipe->decl, ref(v));
	*ret = v;
	return 0;
}

/* --- control structures --------------------------------------------------------------------- */

static int exec_list(struct state *st, const json_t *dot, const struct tlist *l);

static int exec_if_with(struct state *st, const json_t *dot, const struct tnode *n)
{
	_cleanup_value_ json_t *v = NULL;
	size_t mark = st->nvars;
	int r = eval_pipeline(st, dot, n->pipe, true, &v);
	if (r >= 0) {
		bool truth = tmpl_is_true(v);
		const struct tlist *body = truth ? &n->list : &n->else_list;
		r = exec_list(st, truth && n->kind == TN_WITH ? v : dot, body);
	}
	vars_pop_to(st, mark);
	return r;
}

/* One iteration of range: binds $i, $e (or $e) and runs the body. */
static int range_step(struct state *st, const struct tnode *n, json_t *key, json_t *elem)
{
	const struct tpipe *p = n->pipe;
	size_t mark = st->nvars;
	if (p->nvars == 1)
		var_bind(st, p->vars[0], p->decl, ref(elem));
	if (p->nvars == 2) {
		var_bind(st, p->vars[0], p->decl, ref(key));
		var_bind(st, p->vars[1], p->decl, ref(elem));
	}
	int r = exec_list(st, elem, &n->list);
	vars_pop_to(st, mark);
	return r;
}

static int range_values(struct state *st, const struct tnode *n, json_t *v, size_t *ret_count)
{
	size_t count = json_is_array(v)	   ? json_array_size(v)
		       : json_is_object(v) ? json_object_size(v)
					   : (size_t)json_integer_value(v);
	_cleanup_free_ const char **keys = NULL;
	int r = 0;

	if (json_is_object(v))
		keys = tmpl_sorted_keys(v);
	for (size_t i = 0; i < count && r >= 0; i++) {
		r = step(st);
		if (r < 0)
			break;
		_cleanup_value_ json_t *key =
			keys ? json_string(keys[i]) : json_integer((json_int_t)i);
		json_t *elem = json_is_array(v)	   ? json_array_get(v, i)
			       : json_is_object(v) ? json_object_get(v, keys[i])
						   : key;
		r = range_step(st, n, key, elem);
		if (r == FLOW_BREAK)
			break;
	}
	*ret_count = count;
	return r < 0 ? r : 0;
}

static int exec_range(struct state *st, const json_t *dot, const struct tnode *n)
{
	_cleanup_value_ json_t *v = NULL;
	size_t count = 0;
	int r = eval_pipeline(st, dot, n->pipe, false, &v);
	if (r < 0)
		return r;
	if (json_is_integer(v) && n->pipe->nvars > 1)
		return exec_error(st, n->pipe->pos, "range",
				  "can't use %lld to iterate over more than one variable",
				  (long long)json_integer_value(v));
	if (v && !json_is_array(v) && !json_is_object(v) && !json_is_integer(v)) {
		_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
		berth_template_print_value(&b, v);
		return exec_error(st, n->pipe->pos, "range", "range can't iterate over %s", b.buf);
	}
	if (v && !(json_is_integer(v) && json_integer_value(v) < 0)) {
		r = range_values(st, n, v, &count);
		if (r < 0)
			return r;
	}
	return count == 0 ? exec_list(st, dot, &n->else_list) : 0;
}

static int exec_action(struct state *st, const json_t *dot, const struct tnode *n)
{
	_cleanup_value_ json_t *v = NULL;
	int r = eval_pipeline(st, dot, n->pipe, true, &v);
	if (r < 0)
		return r;
	/* an action that declares or assigns a variable prints nothing */
	if (n->pipe->nvars == 0)
		berth_template_print_value(st->out, v);
	return 0;
}

static int exec_node(struct state *st, const json_t *dot, const struct tnode *n)
{
	switch (n->kind) {
	case TN_TEXT:
		berth_buf_add(st->out, n->text, n->len);
		return 0;
	case TN_ACTION:
		return exec_action(st, dot, n);
	case TN_IF:
	case TN_WITH:
		return exec_if_with(st, dot, n);
	case TN_RANGE:
		return exec_range(st, dot, n);
	case TN_BREAK:
		return FLOW_BREAK;
	case TN_CONTINUE:
		return FLOW_CONTINUE;
	}
	return 0;
}

static int exec_list(struct state *st, const json_t *dot, const struct tlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		int r = step(st);
		if (r < 0)
			return r;
		r = exec_node(st, dot, l->v[i]);
		if (r != 0)
			return r;
		if (st->out->len - st->out_start > MAX_OUTPUT)
			return berth_error_set(
				st->err, E2BIG,
				"template: executing \"\": output longer than %u bytes",
				MAX_OUTPUT);
	}
	return 0;
}

int berth_template_execute(const struct berth_template *t, const json_t *data, unsigned flags,
			   struct berth_buf *out, struct berth_error **err)
{
	struct state st = {.t = t, .out = out, .out_start = out->len, .flags = flags, .err = err};
	var_push(&st, "$", json_is_null(data) ? NULL : ref(data));
	int r = exec_list(&st, data, &t->root);
	vars_pop_to(&st, 0);
	free(st.vars);
	return r < 0 ? r : 0;
}
