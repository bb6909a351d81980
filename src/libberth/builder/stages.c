/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "dockerfile/shell.h"

static char *lower(const char *s)
{
	char *r = berth_xstrdup(s);
	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

int builder_find_stage(const struct builder *b, const char *name, int before)
{
	char *end;
	long idx;

	if (!name || !*name)
		return -1;
	errno = 0;
	idx = strtol(name, &end, 10);
	if (*end == '\0' && errno == 0 && idx >= 0 && idx < before)
		return (int)idx;
	for (int i = 0; i < before && (size_t)i < b->n_stages; i++) {
		if (b->stages[i].name && strcasecmp(b->stages[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* True when name is a stage of the whole file at index >= from (a forward or self reference). */
static int find_stage_any(const struct builder *b, const char *name)
{
	for (size_t i = 0; i < b->n_stages; i++) {
		if (b->stages[i].name && strcasecmp(b->stages[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* The predefined platform ARGs, usable in FROM lines without a declaration. */
void builder_platform_args(char ***env)
{
	const char *arch = builder_arch();
	berth_strv_consume(env, berth_xasprintf("BUILDPLATFORM=linux/%s", arch));
	berth_strv_push(env, "BUILDOS=linux");
	berth_strv_consume(env, berth_xasprintf("BUILDARCH=%s", arch));
	berth_strv_push(env, "BUILDVARIANT=");
	berth_strv_consume(env, berth_xasprintf("TARGETPLATFORM=linux/%s", arch));
	berth_strv_push(env, "TARGETOS=linux");
	berth_strv_consume(env, berth_xasprintf("TARGETARCH=%s", arch));
	berth_strv_push(env, "TARGETVARIANT=");
}

/* The value of --build-arg name, marking it used; NULL when not given. */
const char *builder_take_build_arg(struct builder *b, const char *name)
{
	size_t n = strlen(name);
	const char *val = NULL;
	BERTH_STRV_FOREACH (a, b->build_args) {
		if (strncmp(*a, name, n) == 0 && (*a)[n] == '=')
			val = *a + n + 1;
	}
	if (val && !berth_strv_contains(b->used_args, name))
		berth_strv_push(&b->used_args, name);
	return val;
}

/* Sets name=value in an env vector, replacing an earlier entry. */
void env_set(char ***env, const char *name, const char *value)
{
	size_t n = strlen(name);
	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
			free(*e);
			*e = berth_xasprintf("%s=%s", name, value);
			return;
		}
	}
	berth_strv_consume(env, berth_xasprintf("%s=%s", name, value));
}

/*
 * One ARG word ("NAME" or "NAME=default"), declared in scope: a --build-arg
 * wins over the default; without either the name stays unset, except that
 * a stage ARG without a default takes the global ARG's value.
 */
int builder_declare_arg(struct builder *b, const char *word, char ***scope, char *const *expand_env,
			char *const *globals, struct berth_error **err)
{
	const char *eq = strchr(word, '=');
	_cleanup_free_ char *name =
		eq ? berth_xstrndup(word, (size_t)(eq - word)) : berth_xstrdup(word);
	_cleanup_free_ char *def = NULL;
	const char *val;
	int r;

	if (!*name)
		return berth_error_set(err, EINVAL, "ARG requires a name: '%s'", word);
	if (eq) {
		r = berth_shell_expand_word(eq + 1, expand_env, b->df->escape, &def, err);
		if (r < 0)
			return r;
	}
	val = builder_take_build_arg(b, name);
	if (!val && def)
		val = def;
	if (!val && globals) {
		const char *g;
		if (berth_shell_getenv(globals, name, &g))
			val = g;
	}
	if (val)
		env_set(scope, name, val);
	return 0;
}

static void add_dep(struct bstage *st, int dep)
{
	for (size_t i = 0; i < st->n_deps; i++)
		if (st->deps[i] == dep)
			return;
	st->deps = berth_xreallocarray(st->deps, st->n_deps + 1, sizeof(int));
	st->deps[st->n_deps++] = dep;
}

static void mark_needed(struct builder *b, int i)
{
	struct bstage *st = &b->stages[i];
	if (st->needed)
		return;
	st->needed = true;
	for (size_t d = 0; d < st->n_deps; d++)
		mark_needed(b, st->deps[d]);
}

/* The stage a --from value (or a RUN --mount from=) refers to, checking for cycles. */
static int stage_ref(struct builder *b, struct bstage *st,
		     const struct berth_dockerfile_instruction *ins, const char *from,
		     struct berth_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = berth_shell_expand_word(from, b->global_args, b->df->escape, &v, err);
	if (r < 0)
		return builder_error_at(b, ins, err);
	int dep = builder_find_stage(b, v, st->index);
	if (dep >= 0) {
		add_dep(st, dep);
		return 0;
	}
	int any = find_stage_any(b, v);
	if (any >= st->index || (v[0] >= '0' && v[0] <= '9' && atoi(v) >= st->index &&
				 strspn(v, "0123456789") == strlen(v))) {
		berth_error_set(err, EINVAL, "circular dependency detected on stage: %s", v);
		return builder_error_at(b, ins, err);
	}
	return 0; /* an image */
}

/* BuildKit's "target stage %q could not be found", with the names --target can take. */
static int target_not_found(const struct builder *b, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf names = BERTH_BUF_INIT;
	for (size_t s = 0; s < b->n_stages; s++)
		if (b->stages[s].name)
			berth_buf_addf(&names, "%s%s", names.len ? ", " : "", b->stages[s].name);
	if (!names.len)
		return berth_error_set(err, EINVAL,
				       "target stage \"%s\" could not be found; the Dockerfile "
				       "names no stage (FROM IMAGE AS NAME)",
				       b->o->target);
	return berth_error_set(err, EINVAL, "target stage \"%s\" could not be found; stages: %s",
			       b->o->target, names.buf);
}

/* A new stage for the FROM at instruction i: its index, name and label. */
static int add_stage(struct builder *b, size_t i, struct berth_error **err)
{
	const struct berth_dockerfile_instruction *ins = &b->df->instructions[i];
	b->stages = berth_xreallocarray(b->stages, b->n_stages + 1, sizeof(*b->stages));
	struct bstage *st = &b->stages[b->n_stages];
	*st = (struct bstage){.index = (int)b->n_stages, .first = i, .base_stage = -1};
	pthread_mutex_init(&st->lock, NULL);
	if (b->n_stages > 0)
		b->stages[b->n_stages - 1].end = i;
	b->n_stages++;
	if (ins->n_args == 3 && strcasecmp(ins->args[1], "AS") == 0) {
		st->name = lower(ins->args[2]);
		if (!isalpha((unsigned char)st->name[0]) ||
		    strspn(st->name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
			    strlen(st->name)) {
			berth_error_set(err, EINVAL,
					"invalid name for build stage: '%s', name can't start "
					"with a number or contain symbols",
					ins->args[2]);
			return builder_error_at(b, ins, err);
		}
		for (size_t k = 0; k + 1 < b->n_stages; k++) {
			if (b->stages[k].name && strcmp(b->stages[k].name, st->name) == 0) {
				berth_error_set(err, EINVAL, "duplicate stage name '%s'", st->name);
				return builder_error_at(b, ins, err);
			}
		}
	} else if (ins->n_args != 1) {
		berth_error_set(err, EINVAL, "FROM requires either one or three arguments");
		return builder_error_at(b, ins, err);
	}
	st->label =
		st->name ? berth_xstrdup(st->name) : berth_xasprintf("stage-%zu", b->n_stages - 1);
	return 0;
}

/* Pass 1: the stages and their names; only ARGs may come before the first FROM. */
static int find_stages(struct builder *b, struct berth_error **err)
{
	const struct berth_dockerfile *df = b->df;
	for (size_t i = 0; i < df->n_instructions; i++) {
		const struct berth_dockerfile_instruction *ins = &df->instructions[i];
		if (ins->keyword == BERTH_DOCKERFILE_FROM) {
			int r = add_stage(b, i, err);
			if (r < 0)
				return r;
		} else if (b->n_stages == 0 && ins->keyword != BERTH_DOCKERFILE_ARG) {
			berth_error_set(err, EINVAL, "no build stage in current context");
			return builder_error_at(b, ins, err);
		}
	}
	if (b->n_stages == 0)
		return berth_error_set(err, EINVAL,
				       "%s: no build stage in the Dockerfile (no FROM)",
				       df->filename);
	b->stages[b->n_stages - 1].end = df->n_instructions;
	return 0;
}

/* The global ARGs, before the first FROM. */
static int declare_global_args(struct builder *b, struct berth_error **err)
{
	for (size_t i = 0; i < b->stages[0].first; i++) {
		const struct berth_dockerfile_instruction *ins = &b->df->instructions[i];
		for (size_t a = 0; a < ins->n_args; a++) {
			int r = builder_declare_arg(b, ins->args[a], &b->global_args,
						    b->global_args, NULL, err);
			if (r < 0)
				return builder_error_at(b, ins, err);
		}
	}
	return 0;
}

/* The stages an instruction's COPY --from or RUN --mount from= names. */
static int instruction_deps(struct builder *b, struct bstage *st,
			    const struct berth_dockerfile_instruction *ins,
			    struct berth_error **err)
{
	for (size_t f = 0; f < ins->n_flags; f++) {
		const struct berth_dockerfile_flag *fl = &ins->flags[f];
		int r = 0;
		if (!fl->value)
			continue;
		if ((ins->keyword == BERTH_DOCKERFILE_COPY ||
		     ins->keyword == BERTH_DOCKERFILE_ADD) &&
		    strcmp(fl->name, "from") == 0)
			r = stage_ref(b, st, ins, fl->value, err);
		if (r >= 0 && ins->keyword == BERTH_DOCKERFILE_RUN &&
		    strcmp(fl->name, "mount") == 0) {
			const char *p = strstr(fl->value, "from=");
			if (p && (p == fl->value || p[-1] == ',')) {
				_cleanup_free_ char *v = berth_xstrndup(p + 5, strcspn(p + 5, ","));
				r = stage_ref(b, st, ins, v, err);
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Pass 2: a stage's base (FROM expanded with from_env) and what it depends on. */
static int resolve_stage(struct builder *b, struct bstage *st, char **from_env,
			 struct berth_error **err)
{
	const struct berth_dockerfile *df = b->df;
	const struct berth_dockerfile_instruction *from = &df->instructions[st->first];
	int r = berth_shell_expand_word(from->args[0], from_env, df->escape, &st->base, err);
	if (r < 0)
		return builder_error_at(b, from, err);
	if (!*st->base) {
		berth_error_set(err, EINVAL, "base name (%s) should not be blank", from->args[0]);
		return builder_error_at(b, from, err);
	}
	st->base_stage = builder_find_stage(b, st->base, st->index);
	if (st->base_stage < 0 && find_stage_any(b, st->base) >= st->index) {
		berth_error_set(err, EINVAL, "circular dependency detected on stage: %s", st->base);
		return builder_error_at(b, from, err);
	}
	if (st->base_stage >= 0)
		add_dep(st, st->base_stage);
	st->n_steps = (unsigned)(st->end - st->first);
	for (size_t i = st->first + 1; i < st->end; i++) {
		r = instruction_deps(b, st, &df->instructions[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The target (--target, or the last stage) and the stages it needs. */
static int choose_target(struct builder *b, struct berth_error **err)
{
	b->target = (int)b->n_stages - 1;
	if (b->o->target && *b->o->target) {
		b->target = -1;
		for (size_t s = 0; s < b->n_stages; s++) {
			if (b->stages[s].name && strcasecmp(b->stages[s].name, b->o->target) == 0)
				b->target = (int)s;
		}
		if (b->target < 0)
			return target_not_found(b, err);
	}
	mark_needed(b, b->target);
	return 0;
}

int builder_make_stages(struct builder *b, struct berth_error **err)
{
	_cleanup_strv_free_ char **from_env = NULL;
	int r = find_stages(b, err);
	if (r >= 0)
		r = declare_global_args(b, err);
	if (r < 0)
		return r;
	builder_platform_args(&from_env);
	BERTH_STRV_FOREACH (g, b->global_args)
		berth_strv_push(&from_env, *g);
	for (size_t s = 0; s < b->n_stages; s++) {
		r = resolve_stage(b, &b->stages[s], from_env, err);
		if (r < 0)
			return r;
	}
	return choose_target(b, err);
}
