/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dockerfile/dockerfile-internal.h"
#include "dockerfile/gostr.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/strdist.h"

/*
 * The checks of BuildKit's instruction parser (instructions/parse.go,
 * bflag.go) that need no build context: known instruction, known flags with
 * the right kind of value, argument counts. Messages are BuildKit's, with
 * the file, line and column in front and the line quoted after.
 */

enum flag_kind {
	FLAG_BOOL,
	FLAG_STRING,
	FLAG_STRINGS
};

struct flag_def {
	const char *name;
	enum flag_kind kind;
};

static const struct flag_def add_flags[] = {
	{"chown", FLAG_STRING},	   {"chmod", FLAG_STRING},
	{"link", FLAG_BOOL},	   {"keep-git-dir", FLAG_BOOL},
	{"checksum", FLAG_STRING}, {"unpack", FLAG_BOOL},
	{"exclude", FLAG_STRINGS}, {NULL, 0},
};
static const struct flag_def copy_flags[] = {
	{"chown", FLAG_STRING},
	{"from", FLAG_STRING},
	{"chmod", FLAG_STRING},
	{"link", FLAG_BOOL},
	{"exclude", FLAG_STRINGS},
	{"parents", FLAG_BOOL},
	{NULL, 0},
};
static const struct flag_def from_flags[] = {{"platform", FLAG_STRING}, {NULL, 0}};
static const struct flag_def run_flags[] = {
	{"mount", FLAG_STRINGS},
	{"network", FLAG_STRING},
	{"security", FLAG_STRING},
	{"device", FLAG_STRINGS},
	{NULL, 0},
};
static const struct flag_def health_flags[] = {
	{"interval", FLAG_STRING},	 {"timeout", FLAG_STRING}, {"start-period", FLAG_STRING},
	{"start-interval", FLAG_STRING}, {"retries", FLAG_STRING}, {NULL, 0},
};
static const struct flag_def no_flags[] = {{NULL, 0}};

/* BuildKit's suggest.Search: the closest option at distance < 3, or NULL. */
static const char *suggest(const char *val, const char *const *options, size_t n,
			   bool case_sensitive)
{
	_cleanup_free_ char *v = berth_xstrdup(val);
	const char *match = NULL;
	size_t best = 3;

	if (strlen(val) > 64)
		return NULL;
	if (!case_sensitive)
		for (char *c = v; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 'a' - 'A');
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *o = berth_xstrdup(options[i]);
		if (!case_sensitive)
			for (char *c = o; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c + 'a' - 'A');
		if (!strcmp(v, o))
			return NULL;
		size_t d = berth_strdist(v, o);
		if (d < best) {
			best = d;
			match = options[i];
		}
	}
	return match;
}

static bool is_upper(const char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			return false;
	return true;
}

static int unknown_instruction(const struct berth_dockerfile *df,
			       const struct berth_dockerfile_instruction *ins,
			       struct berth_error **err)
{
	const char *names[_BERTH_DOCKERFILE_KEYWORD_MAX - 1];
	const char *m;

	for (int k = 1; k < _BERTH_DOCKERFILE_KEYWORD_MAX; k++)
		names[k - 1] = berth_dockerfile_keyword_name((enum berth_dockerfile_keyword)k);
	m = suggest(ins->name, names, ELEMENTSOF(names), false);
	if (!m)
		return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
					   "unknown instruction: %s", ins->name);
	/* suggest's matchCase: upper case only for an all upper-case word. */
	if (!is_upper(ins->name)) {
		_cleanup_free_ char *lower = berth_xstrdup(m);
		for (char *c = lower; *c; c++)
			*c = (char)(*c + 'a' - 'A');
		return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
					   "unknown instruction: %s (did you mean %s?)", ins->name,
					   lower);
	}
	return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
				   "unknown instruction: %s (did you mean %s?)", ins->name, m);
}

static int check_flags(const struct berth_dockerfile *df,
		       const struct berth_dockerfile_instruction *ins, const struct flag_def *defs,
		       struct berth_error **err)
{
	bool used[16] = {false};

	for (size_t i = 0; i < ins->n_flags; i++) {
		const struct berth_dockerfile_flag *f = &ins->flags[i];
		const struct flag_def *d = NULL;
		size_t idx = 0;

		if (strncmp(f->raw, "--", 2) != 0)
			return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
						   "arg should start with -- : %s", f->raw);
		for (idx = 0; defs[idx].name; idx++)
			if (!strcmp(defs[idx].name, f->name)) {
				d = &defs[idx];
				break;
			}
		if (!d) {
			const char *names[16];
			size_t n = 0;
			for (; defs[n].name; n++)
				names[n] = defs[n].name;
			const char *m = suggest(f->name, names, n, true);
			if (m)
				return dockerfile_error_at(
					df, err, EINVAL, ins->start_line, ins->column,
					"unknown flag: --%s (did you mean %s?)", f->name, m);
			return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
						   "unknown flag: --%s", f->name);
		}
		if (used[idx] && d->kind != FLAG_STRINGS)
			return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
						   "duplicate flag specified: --%s", f->name);
		used[idx] = true;
		switch (d->kind) {
		case FLAG_BOOL:
			if (f->value && !*f->value)
				return dockerfile_error_at(
					df, err, EINVAL, ins->start_line, ins->column,
					"missing a value on flag: --%s", f->name);
			if (f->value && strcasecmp(f->value, "true") != 0 &&
			    strcasecmp(f->value, "false") != 0)
				return dockerfile_error_at(
					df, err, EINVAL, ins->start_line, ins->column,
					"expecting boolean value for flag --%s, not: %s", f->name,
					f->value);
			break;
		case FLAG_STRING:
		case FLAG_STRINGS:
			if (!f->value)
				return dockerfile_error_at(
					df, err, EINVAL, ins->start_line, ins->column,
					"missing a value on flag: --%s", f->name);
			break;
		}
	}
	return 0;
}

#define FAIL(...) dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column, __VA_ARGS__)

static int check_kvps(const struct berth_dockerfile *df,
		      const struct berth_dockerfile_instruction *ins, const char *what,
		      struct berth_error **err)
{
	int r = check_flags(df, ins, no_flags, err);
	if (r < 0)
		return r;
	if (ins->n_args == 0)
		return FAIL("%s requires at least one argument", what);
	if (ins->n_args % 3 != 0)
		return FAIL("Bad input to %s, too many arguments", what);
	for (size_t i = 0; i < ins->n_args; i += 3)
		if (ins->arg_lens[i] == 0)
			return FAIL("%s names can not be blank", what);
	return 0;
}

static bool is_heredoc_word(const char *s)
{
	struct berth_dockerfile_heredoc h;
	int r = dockerfile_parse_heredoc(s, strlen(s), &h, NULL);
	if (r > 0)
		dockerfile_heredoc_release(&h);
	return r > 0;
}

static bool valid_stage_name(const char *s)
{
	/* ^[a-z][a-z0-9-_.]*$ after lower-casing */
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int validate_onbuild(const struct berth_dockerfile *df,
			    const struct berth_dockerfile_instruction *ins,
			    struct berth_error **err)
{
	if (!ins->sub)
		return FAIL("ONBUILD requires at least one argument");
	int r = check_flags(df, ins, no_flags, err);
	if (r < 0)
		return r;
	/* The trigger itself is checked when a build uses the image, as in BuildKit. */
	switch (ins->sub->keyword) {
	case BERTH_DOCKERFILE_ONBUILD:
		return FAIL("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	case BERTH_DOCKERFILE_MAINTAINER:
	case BERTH_DOCKERFILE_FROM:
		return FAIL("%s isn't allowed as an ONBUILD trigger",
			    berth_dockerfile_keyword_name(ins->sub->keyword));
	default:
		return 0;
	}
}

static int validate_healthcheck(const struct berth_dockerfile *df,
				const struct berth_dockerfile_instruction *ins,
				struct berth_error **err)
{
	if (ins->n_args == 0)
		return FAIL("HEALTHCHECK requires at least one argument");
	if (strcasecmp(ins->args[0], "NONE") == 0) {
		/* BuildKit ignores flags on HEALTHCHECK NONE. */
		if (ins->n_args > 1)
			return FAIL("HEALTHCHECK NONE takes no arguments");
		return 0;
	}
	int r = check_flags(df, ins, health_flags, err);
	if (r < 0)
		return r;
	if (strcasecmp(ins->args[0], "CMD") != 0) {
		_cleanup_buf_ struct berth_buf q = BERTH_BUF_INIT;
		for (const char *c = ins->args[0]; *c; c++)
			berth_buf_addch(&q, (*c >= 'a' && *c <= 'z') ? (char)(*c - 32) : *c);
		_cleanup_buf_ struct berth_buf quoted = BERTH_BUF_INIT;
		go_buf_add_quoted(&quoted, q.buf, q.len);
		return FAIL("Unknown type %s in HEALTHCHECK (try CMD)", quoted.buf);
	}
	if (ins->n_args < 2)
		return FAIL("Missing command after HEALTHCHECK CMD");
	return 0;
}

static int validate_volume(const struct berth_dockerfile *df,
			   const struct berth_dockerfile_instruction *ins, struct berth_error **err)
{
	if (ins->n_args == 0)
		return FAIL("VOLUME requires at least one argument");
	int r = check_flags(df, ins, no_flags, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ins->n_args; i++) {
		const char *s = ins->args[i];
		size_t len = ins->arg_lens[i];
		go_trim_space(&s, &len);
		if (len == 0)
			return FAIL("VOLUME specified can not be an empty string");
	}
	return 0;
}

int berth_dockerfile_validate_instruction(const struct berth_dockerfile *df,
					  const struct berth_dockerfile_instruction *ins,
					  struct berth_error **err)
{
	const char *kw = berth_dockerfile_keyword_name(ins->keyword);
	int r;

	switch (ins->keyword) {
	case BERTH_DOCKERFILE_UNKNOWN:
		return unknown_instruction(df, ins, err);
	case BERTH_DOCKERFILE_ENV:
	case BERTH_DOCKERFILE_LABEL:
		return check_kvps(df, ins, kw, err);
	case BERTH_DOCKERFILE_MAINTAINER:
	case BERTH_DOCKERFILE_WORKDIR:
	case BERTH_DOCKERFILE_USER:
		if (ins->n_args != 1)
			return FAIL("%s requires exactly one argument", kw);
		return check_flags(df, ins, no_flags, err);
	case BERTH_DOCKERFILE_STOPSIGNAL:
		/* BuildKit does not look at STOPSIGNAL's flags. */
		if (ins->n_args != 1)
			return FAIL("%s requires exactly one argument", kw);
		return 0;
	case BERTH_DOCKERFILE_ADD:
	case BERTH_DOCKERFILE_COPY:
		if (ins->n_args < 2)
			return FAIL(
				"%s requires at least two arguments, but only one was provided. "
				"Destination could not be determined",
				kw);
		r = check_flags(df, ins,
				ins->keyword == BERTH_DOCKERFILE_ADD ? add_flags : copy_flags, err);
		if (r < 0)
			return r;
		if (is_heredoc_word(ins->args[ins->n_args - 1]))
			return FAIL("%s cannot accept a heredoc as a destination", kw);
		return 0;
	case BERTH_DOCKERFILE_FROM:
		if (ins->n_args == 3 && strcasecmp(ins->args[1], "as") == 0) {
			if (!valid_stage_name(ins->args[2])) {
				_cleanup_buf_ struct berth_buf q = BERTH_BUF_INIT;
				go_buf_add_quoted(&q, ins->args[2], ins->arg_lens[2]);
				return FAIL("invalid name for build stage: %s, name can't start "
					    "with a number or contain symbols",
					    q.buf);
			}
		} else if (ins->n_args != 1)
			return FAIL("FROM requires either one or three arguments");
		return check_flags(df, ins, from_flags, err);
	case BERTH_DOCKERFILE_ONBUILD:
		return validate_onbuild(df, ins, err);
	case BERTH_DOCKERFILE_RUN:
		return check_flags(df, ins, run_flags, err);
	case BERTH_DOCKERFILE_CMD:
	case BERTH_DOCKERFILE_ENTRYPOINT:
		return check_flags(df, ins, no_flags, err);
	case BERTH_DOCKERFILE_HEALTHCHECK:
		return validate_healthcheck(df, ins, err);
	case BERTH_DOCKERFILE_EXPOSE:
		if (ins->n_args == 0)
			return FAIL("EXPOSE requires at least one argument");
		return check_flags(df, ins, no_flags, err);
	case BERTH_DOCKERFILE_VOLUME:
		return validate_volume(df, ins, err);
	case BERTH_DOCKERFILE_ARG:
		/* BuildKit does not look at ARG's flags. */
		if (ins->n_args == 0)
			return FAIL("ARG requires at least one argument");
		for (size_t i = 0; i < ins->n_args; i++)
			if (ins->args[i][0] == '=')
				return FAIL("ARG names can not be blank");
		return 0;
	case BERTH_DOCKERFILE_SHELL:
		r = check_flags(df, ins, no_flags, err);
		if (r < 0)
			return r;
		if (ins->n_args == 0)
			return FAIL("SHELL requires at least one argument");
		if (!ins->json)
			return FAIL("SHELL requires the arguments to be in JSON form");
		return 0;
	default:
		return unknown_instruction(df, ins, err);
	}
}

int berth_dockerfile_validate(const struct berth_dockerfile *df, struct berth_error **err)
{
	bool in_stage = false;
	for (size_t i = 0; i < df->n_instructions; i++) {
		const struct berth_dockerfile_instruction *ins = &df->instructions[i];
		int r = berth_dockerfile_validate_instruction(df, ins, err);
		if (r < 0)
			return r;
		/* BuildKit's instructions.Parse: only ARGs (the global ones) may precede FROM */
		in_stage = in_stage || ins->keyword == BERTH_DOCKERFILE_FROM;
		if (!in_stage && ins->keyword != BERTH_DOCKERFILE_ARG)
			return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
						   "no build stage in current context");
	}
	return 0;
}
