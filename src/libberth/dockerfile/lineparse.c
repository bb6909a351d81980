/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The line parsers of BuildKit's line_parsers.go: one logical line becomes
 * an instruction's keyword, flags and arguments (words, JSON exec form,
 * NAME=value pairs, HEALTHCHECK, ONBUILD's instruction). parser.c cuts the
 * file into logical lines and calls dockerfile_node_from_line on each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile/dockerfile-internal.h"
#include "dockerfile/gostr.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/strv.h"

static bool is_ws_class(char c)
{
	/* reWhitespace of BuildKit: [\t\v\f\r ] */
	return c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == ' ';
}

void dockerfile_strvec_push(struct dockerfile_strvec *sv, const char *s, size_t len)
{
	if (sv->n + 2 > sv->alloc) {
		sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
		sv->v = berth_xreallocarray(sv->v, sv->alloc, sizeof(char *));
	}
	sv->v[sv->n] = berth_xmalloc(len + 1);
	memcpy(sv->v[sv->n], s, len);
	sv->v[sv->n][len] = '\0';
	sv->v[++sv->n] = NULL;
}

char **dockerfile_strvec_steal(struct dockerfile_strvec *sv)
{
	char **v = sv->v ? sv->v : berth_xcalloc(1, sizeof(char *));
	*sv = (struct dockerfile_strvec){0};
	return v;
}

static void add_arg(struct berth_dockerfile_instruction *ins, const char *s, size_t len)
{
	/* Grow at 0 and at powers of two, to 2n + 2: linear for any number of args. */
	if ((ins->n_args & (ins->n_args - 1)) == 0) {
		ins->args = berth_xreallocarray(ins->args, 2 * ins->n_args + 2, sizeof(char *));
		ins->arg_lens =
			berth_xreallocarray(ins->arg_lens, 2 * ins->n_args + 2, sizeof(size_t));
	}
	ins->args[ins->n_args] = berth_xmemdup(s, len + 1);
	ins->args[ins->n_args][len] = '\0';
	ins->arg_lens[ins->n_args] = len;
	ins->args[++ins->n_args] = NULL;
}

/* parseWords: space-separated words, quotes and escapes kept. */
static char **parse_words(char escape, const char *rest, size_t len)
{
	enum {
		IN_SPACES,
		IN_WORD,
		IN_QUOTE
	} phase = IN_SPACES;
	_cleanup_buf_ struct berth_buf w = BERTH_BUF_INIT;
	struct dockerfile_strvec words = {0};
	uint32_t quote = 0, ch = 0;
	bool blank_ok = false;
	size_t pos = 0, width = 0;

	for (pos = 0; pos <= len; pos += width) {
		if (pos != len)
			ch = go_decode_rune(rest + pos, len - pos, &width);
		if (phase == IN_SPACES) {
			if (pos == len)
				break;
			if (go_is_space(ch))
				continue;
			phase = IN_WORD;
		}
		if (pos == len) {
			if (blank_ok || w.len > 0)
				dockerfile_strvec_push(&words, w.buf, w.len);
			break;
		}
		if (phase == IN_WORD) {
			if (go_is_space(ch)) {
				phase = IN_SPACES;
				if (blank_ok || w.len > 0)
					dockerfile_strvec_push(&words, w.buf, w.len);
				berth_buf_reset(&w);
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = IN_QUOTE;
			}
			if (ch == (unsigned char)escape) {
				if (pos + width == len)
					continue;
				berth_buf_add(&w, rest + pos, width);
				pos += width;
				ch = go_decode_rune(rest + pos, len - pos, &width);
			}
			berth_buf_add(&w, rest + pos, width);
			continue;
		}
		/* IN_QUOTE */
		if (ch == quote)
			phase = IN_WORD;
		if (ch == (unsigned char)escape && quote != '\'') {
			if (pos + width == len) {
				phase = IN_WORD;
				continue;
			}
			berth_buf_add(&w, rest + pos, width);
			pos += width;
			ch = go_decode_rune(rest + pos, len - pos, &width);
		}
		berth_buf_add(&w, rest + pos, width);
	}
	return dockerfile_strvec_steal(&words);
}

/* parseStringsWhitespaceDelimited */
static void parse_whitespace_delimited(struct berth_dockerfile_instruction *ins, const char *rest,
				       size_t len)
{
	size_t i = 0;

	if (len == 0)
		return;
	for (;;) {
		size_t start = i;
		while (i < len && !is_ws_class(rest[i]))
			i++;
		add_arg(ins, rest + start, i - start);
		if (i == len)
			break;
		while (i < len && is_ws_class(rest[i]))
			i++;
		if (i == len) {
			add_arg(ins, "", 0);
			break;
		}
	}
}

/* parseJSON: 1 when the rest was an exec form, 0 when not, < 0 when JSON but not strings. */
static int parse_json(struct berth_dockerfile_instruction *ins, const char *rest, size_t len)
{
	size_t pre = go_space_prefix(rest, len);
	char **args;
	size_t *lens, n;
	int r;

	r = dockerfile_json_args(rest + pre, len - pre, &args, &lens, &n);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	ins->args = args;
	ins->arg_lens = lens;
	ins->n_args = n;
	ins->json = true;
	return 1;
}

static int parse_maybe_json(struct berth_dockerfile_instruction *ins, const char *rest, size_t len)
{
	int r;

	if (len == 0)
		return 0;
	r = parse_json(ins, rest, len);
	if (r != 0)
		return r;
	add_arg(ins, rest, len);
	return 0;
}

static int parse_maybe_json_to_list(struct berth_dockerfile_instruction *ins, const char *rest,
				    size_t len)
{
	int r = parse_json(ins, rest, len);
	if (r != 0)
		return r;
	parse_whitespace_delimited(ins, rest, len);
	return 0;
}

/* parseNameVal: ENV and LABEL, as key/value/separator triples. */
static int parse_name_val(char escape, struct berth_dockerfile_instruction *ins, const char *rest,
			  size_t len, const char *what, struct berth_buf *msg)
{
	_cleanup_strv_free_ char **words = parse_words(escape, rest, len);

	if (!words[0])
		return 0;
	if (!strchr(words[0], '=')) {
		size_t i = 0, j;
		while (i < len && !is_ws_class(rest[i]))
			i++;
		if (i == len) {
			berth_buf_addf(msg, "%s must have two arguments", what);
			return -EINVAL;
		}
		for (j = i; j < len && is_ws_class(rest[j]); j++)
			;
		add_arg(ins, rest, i);
		add_arg(ins, rest + j, len - j);
		add_arg(ins, "", 0);
		return 0;
	}
	BERTH_STRV_FOREACH (w, words) {
		const char *eq = strchr(*w, '=');
		if (!eq) {
			berth_buf_addstr(msg, "Syntax error - can't find = in ");
			go_buf_add_quoted(msg, *w, strlen(*w));
			berth_buf_addstr(msg, ". Must be of the form: name=value");
			return -EINVAL;
		}
		add_arg(ins, *w, (size_t)(eq - *w));
		add_arg(ins, eq + 1, strlen(eq + 1));
		add_arg(ins, "=", 1);
	}
	return 0;
}

static int parse_health(struct berth_dockerfile_instruction *ins, const char *rest, size_t len)
{
	size_t sep = 0, next;
	int r;

	while (sep < len && !go_is_space_byte((unsigned char)rest[sep]))
		sep++;
	for (next = sep; next < len && go_is_space_byte((unsigned char)rest[next]); next++)
		;
	if (sep == 0)
		return 0;
	add_arg(ins, rest, sep);
	if (next == len)
		return 0;
	/* The command is parsed like CMD, after the type. */
	struct berth_dockerfile_instruction cmd = {0};
	r = parse_maybe_json(&cmd, rest + next, len - next);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cmd.n_args; i++)
		add_arg(ins, cmd.args[i], cmd.arg_lens[i]);
	ins->json = cmd.json;
	dockerfile_instruction_release(&cmd);
	return 0;
}

/* extractBuilderFlags: the leading `--` words; *ret_rest is what follows them. */
static void extract_flags(char escape, struct berth_dockerfile_instruction *ins, const char *line,
			  size_t len, const char **ret_rest, size_t *ret_rest_len)
{
	enum {
		IN_SPACES,
		IN_WORD,
		IN_QUOTE
	} phase = IN_SPACES;
	_cleanup_buf_ struct berth_buf w = BERTH_BUF_INIT;
	char quote = 0;
	bool blank_ok = false;
	struct dockerfile_strvec sv = {0};
	char **words;

	*ret_rest = line + len;
	*ret_rest_len = 0;
	for (size_t pos = 0; pos <= len; pos++) {
		unsigned char ch = pos < len ? (unsigned char)line[pos] : 0;

		if (phase == IN_SPACES) {
			if (pos == len)
				break;
			if (go_is_space_byte(ch))
				continue;
			if (ch != '-' || pos + 1 == len || line[pos + 1] != '-') {
				*ret_rest = line + pos;
				*ret_rest_len = len - pos;
				break;
			}
			phase = IN_WORD;
		}
		if (pos == len) {
			if (strcmp(w.buf, "--") != 0 && (blank_ok || w.len > 0))
				dockerfile_strvec_push(&sv, w.buf, w.len);
			break;
		}
		if (phase == IN_WORD) {
			if (go_is_space_byte(ch)) {
				phase = IN_SPACES;
				if (w.len == 2 && !strcmp(w.buf, "--")) {
					*ret_rest = line + pos;
					*ret_rest_len = len - pos;
					break;
				}
				if (blank_ok || w.len > 0)
					dockerfile_strvec_push(&sv, w.buf, w.len);
				berth_buf_reset(&w);
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = (char)ch;
				blank_ok = true;
				phase = IN_QUOTE;
				continue;
			}
			if (ch == (unsigned char)escape) {
				if (pos + 1 == len)
					continue;
				pos++;
				ch = (unsigned char)line[pos];
			}
			berth_buf_addch(&w, (char)ch);
			continue;
		}
		/* IN_QUOTE */
		if (ch == (unsigned char)quote) {
			phase = IN_WORD;
			continue;
		}
		if (ch == (unsigned char)escape) {
			if (pos + 1 == len) {
				phase = IN_WORD;
				continue;
			}
			pos++;
			ch = (unsigned char)line[pos];
		}
		berth_buf_addch(&w, (char)ch);
	}

	ins->n_flags = sv.n;
	words = dockerfile_strvec_steal(&sv);
	if (ins->n_flags)
		ins->flags = berth_xcalloc(ins->n_flags, sizeof(*ins->flags));
	for (size_t i = 0; i < ins->n_flags; i++) {
		struct berth_dockerfile_flag *f = &ins->flags[i];
		const char *name = words[i] + 2, *eq = strchr(name, '=');
		f->raw = TAKE_PTR(words[i]);
		f->name = eq ? berth_xstrndup(name, (size_t)(eq - name)) : berth_xstrdup(name);
		f->value = eq ? berth_xstrdup(eq + 1) : NULL;
	}
	free(words);
}

/* newNodeFromLine (see dockerfile-internal.h). */
int dockerfile_node_from_line(char escape, struct berth_dockerfile_instruction *ins,
			      const char *line, size_t len, int depth, struct berth_buf *msg)
{
	const char *t = line, *rest = "";
	size_t tlen = len, cmd_len, rest_len = 0;
	int r = 0;

	ins->original = berth_xmemdup(line, len + 1);
	ins->original[len] = '\0';
	go_trim_space(&t, &tlen);
	for (cmd_len = 0; cmd_len < tlen && !is_ws_class(t[cmd_len]); cmd_len++)
		;
	ins->name = berth_xstrndup(t, cmd_len);
	if (cmd_len < tlen) {
		size_t i = cmd_len;
		while (i < tlen && is_ws_class(t[i]))
			i++;
		extract_flags(escape, ins, t + i, tlen - i, &rest, &rest_len);
		go_trim_space(&rest, &rest_len);
	}
	ins->rest = berth_xstrndup(rest, rest_len);
	ins->keyword = berth_dockerfile_keyword_from_name(ins->name);

	switch (ins->keyword) {
	case BERTH_DOCKERFILE_ADD:
	case BERTH_DOCKERFILE_COPY:
	case BERTH_DOCKERFILE_VOLUME:
		r = parse_maybe_json_to_list(ins, rest, rest_len);
		break;
	case BERTH_DOCKERFILE_CMD:
	case BERTH_DOCKERFILE_ENTRYPOINT:
	case BERTH_DOCKERFILE_RUN:
	case BERTH_DOCKERFILE_SHELL:
		r = parse_maybe_json(ins, rest, rest_len);
		break;
	case BERTH_DOCKERFILE_ARG: {
		_cleanup_strv_free_ char **words = parse_words(escape, rest, rest_len);
		BERTH_STRV_FOREACH (w, words)
			add_arg(ins, *w, strlen(*w));
		break;
	}
	case BERTH_DOCKERFILE_ENV:
		return parse_name_val(escape, ins, rest, rest_len, "ENV", msg);
	case BERTH_DOCKERFILE_LABEL:
		return parse_name_val(escape, ins, rest, rest_len, "LABEL", msg);
	case BERTH_DOCKERFILE_EXPOSE:
	case BERTH_DOCKERFILE_FROM:
		parse_whitespace_delimited(ins, rest, rest_len);
		break;
	case BERTH_DOCKERFILE_HEALTHCHECK:
		r = parse_health(ins, rest, rest_len);
		break;
	case BERTH_DOCKERFILE_MAINTAINER:
	case BERTH_DOCKERFILE_STOPSIGNAL:
	case BERTH_DOCKERFILE_USER:
	case BERTH_DOCKERFILE_WORKDIR:
		if (rest_len > 0)
			add_arg(ins, rest, rest_len);
		break;
	case BERTH_DOCKERFILE_ONBUILD:
		if (rest_len == 0)
			break;
		if (depth >= DOCKERFILE_MAX_ONBUILD_DEPTH) {
			berth_buf_addf(msg, "ONBUILD nested more than %d deep",
				       DOCKERFILE_MAX_ONBUILD_DEPTH);
			return -EINVAL;
		}
		ins->sub = berth_xcalloc(1, sizeof(*ins->sub));
		ins->sub->comments = berth_xcalloc(1, sizeof(char *));
		r = dockerfile_node_from_line(escape, ins->sub, rest, rest_len, depth + 1, msg);
		if (r >= 0) {
			ins->sub->start_line = ins->start_line;
			ins->sub->end_line = ins->end_line;
			ins->sub->column = ins->column;
		}
		return r;
	default:
		break;
	}
	if (r < 0)
		berth_buf_addstr(
			msg,
			"when using JSON array syntax, arrays must be comprised of strings only");
	return r < 0 ? -EINVAL : 0;
}
