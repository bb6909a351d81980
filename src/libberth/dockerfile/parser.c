/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dockerfile/dockerfile-internal.h"
#include "dockerfile/gostr.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/strv.h"

/*
 * The parser follows BuildKit's frontend/dockerfile/parser rule for rule,
 * because a Dockerfile must mean the same thing to berth as to `docker
 * build`. Where BuildKit's Go code has a quirk that changes what a file
 * means (bytes taken as Latin-1 runes when looking for spaces, the lazy
 * directive value regexp, `ENV` triples), the quirk is kept on purpose.
 * The only deliberate difference: bytes that are not valid UTF-8 are kept
 * as they are, where Go would turn some of them into U+FFFD.
 *
 * Here: physical and logical lines, directives, comments, heredocs and
 * errors; what one logical line means is lineparse.c.
 */

/* bufio.Scanner's limit in BuildKit: longer lines are an error. */
#define MAX_LINE 65535

static const char *const keyword_names[_BERTH_DOCKERFILE_KEYWORD_MAX] = {
	[BERTH_DOCKERFILE_ADD] = "ADD",
	[BERTH_DOCKERFILE_ARG] = "ARG",
	[BERTH_DOCKERFILE_CMD] = "CMD",
	[BERTH_DOCKERFILE_COPY] = "COPY",
	[BERTH_DOCKERFILE_ENTRYPOINT] = "ENTRYPOINT",
	[BERTH_DOCKERFILE_ENV] = "ENV",
	[BERTH_DOCKERFILE_EXPOSE] = "EXPOSE",
	[BERTH_DOCKERFILE_FROM] = "FROM",
	[BERTH_DOCKERFILE_HEALTHCHECK] = "HEALTHCHECK",
	[BERTH_DOCKERFILE_LABEL] = "LABEL",
	[BERTH_DOCKERFILE_MAINTAINER] = "MAINTAINER",
	[BERTH_DOCKERFILE_ONBUILD] = "ONBUILD",
	[BERTH_DOCKERFILE_RUN] = "RUN",
	[BERTH_DOCKERFILE_SHELL] = "SHELL",
	[BERTH_DOCKERFILE_STOPSIGNAL] = "STOPSIGNAL",
	[BERTH_DOCKERFILE_USER] = "USER",
	[BERTH_DOCKERFILE_VOLUME] = "VOLUME",
	[BERTH_DOCKERFILE_WORKDIR] = "WORKDIR",
};

const char *berth_dockerfile_keyword_name(enum berth_dockerfile_keyword k)
{
	if ((int)k <= 0 || k >= _BERTH_DOCKERFILE_KEYWORD_MAX)
		return NULL;
	return keyword_names[k];
}

enum berth_dockerfile_keyword berth_dockerfile_keyword_from_name(const char *name)
{
	_cleanup_buf_ struct berth_buf lower = BERTH_BUF_INIT;

	/* strings.ToLower, as BuildKit's dispatch: the Kelvin sign is a 'k' too. */
	go_buf_add_lower(&lower, name, strlen(name));
	for (int k = 1; k < _BERTH_DOCKERFILE_KEYWORD_MAX; k++)
		if (lower.len == strlen(keyword_names[k]) &&
		    strcasecmp(lower.buf, keyword_names[k]) == 0)
			return (enum berth_dockerfile_keyword)k;
	return BERTH_DOCKERFILE_UNKNOWN;
}

struct parser {
	struct berth_dockerfile *df;
	size_t pos;  /* offset of the next physical line */
	int line;    /* physical lines consumed */
	char escape; /* the escape token */
	bool directives_done;
	struct dockerfile_strvec comments;
};

/* --- physical lines --- */

/* The next physical line with its line ending (BuildKit's scanLines). */
static bool next_line(struct parser *p, const char **ret, size_t *ret_len)
{
	const struct berth_dockerfile *df = p->df;
	const char *nl;
	size_t len;

	if (p->pos >= df->source_len)
		return false;
	nl = memchr(df->source + p->pos, '\n', df->source_len - p->pos);
	len = nl ? (size_t)(nl - (df->source + p->pos)) + 1 : df->source_len - p->pos;
	*ret = df->source + p->pos;
	*ret_len = len;
	p->pos += len;
	p->line++;
	return true;
}

static void trim_newline(const char *s, size_t *len)
{
	while (*len > 0 && (s[*len - 1] == '\r' || s[*len - 1] == '\n'))
		(*len)--;
}

static bool is_comment(const char *s, size_t len)
{
	size_t pre = go_space_prefix(s, len);
	return pre < len && s[pre] == '#';
}

static bool is_regex_space(char c)
{
	/* \s of Go's regexp: [\t\n\f\r ] */
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/*
 * A line continues when the escape token is its last character before
 * blanks and is not itself escaped: then the token and the blanks go.
 */
static bool trim_continuation(const struct parser *p, const char *s, size_t *len)
{
	size_t end = *len;

	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (end == 0 || s[end - 1] != p->escape)
		return false;
	if (end >= 2 && s[end - 2] == p->escape)
		return false;
	*len = end - 1;
	return true;
}

/* --- errors --- */

static void add_quoted_line(const struct berth_dockerfile *df, struct berth_buf *b, int line)
{
	size_t len;
	const char *s = berth_dockerfile_line(df, line, &len);

	if (!s)
		return;
	berth_buf_addf(b, "\n %5d | ", line);
	for (size_t i = 0; i < len && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];
		/* The line is hostile: no terminal control sequences in messages. */
		berth_buf_addch(b, (c < 0x20 && c != '\t') || c == 0x7F ? '?' : (char)c);
	}
	if (len > 200)
		berth_buf_addstr(b, "…");
}

int dockerfile_error_at(const struct berth_dockerfile *df, struct berth_error **err, int code,
			int line, int column, const char *fmt, ...)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;

	berth_buf_addf(&b, "%s:%d:%d: ", df->filename, line, column);
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	/* Words of the Dockerfile end up in the message: no control characters. */
	for (size_t i = 0; i < b.len; i++)
		if (((unsigned char)b.buf[i] < 0x20 && b.buf[i] != '\t') || b.buf[i] == 0x7F)
			b.buf[i] = '?';
	add_quoted_line(df, &b, line);
	return berth_error_set(err, code, "%s", b.buf);
}

/* The column of the first non-blank character of a line, 1-based. */
static int first_column(const struct berth_dockerfile *df, int line)
{
	size_t len;
	const char *s = berth_dockerfile_line(df, line, &len);
	size_t off = 0;

	if (!s)
		return 1;
	if (line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	return (int)go_space_prefix(s + off, len - off) + 1;
}

/* --- parser directives --- */

/*
 * One line of the directive block at the top (BuildKit's DirectiveParser):
 * `#` , then `key = value` with key syntax, escape or check. Returns 1 for
 * a directive, 0 when the line ends the block, < 0 on error.
 */
static int parse_directive(struct parser *p, const char *s, size_t len, struct berth_error **err)
{
	struct berth_dockerfile *df = p->df;
	_cleanup_free_ char *value = NULL;
	size_t i, key_len, vstart, vend;
	char key[8];

	if (p->directives_done)
		return 0;
	if (len == 0 || s[0] != '#')
		goto done;
	s++;
	len--;
	i = go_space_prefix(s, len);
	s += i;
	len -= i;
	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		goto done;
	for (i = 1; i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
				(s[i] >= '0' && s[i] <= '9'));
	     i++)
		;
	key_len = i;
	while (i < len && is_regex_space(s[i]))
		i++;
	if (i >= len || s[i] != '=')
		goto done;
	i++;
	vstart = i;
	while (vstart < len && is_regex_space(s[vstart]))
		vstart++;
	if (vstart == len) {
		/* `(.+?)\s*$` after `\s*`: an all-blank value is its last blank. */
		if (i == len)
			goto done;
		vstart = len - 1;
		vend = len;
	} else {
		vend = len;
		while (vend > vstart && is_regex_space(s[vend - 1]))
			vend--;
	}
	if (key_len >= sizeof(key))
		goto done;
	for (size_t k = 0; k < key_len; k++)
		key[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + ('a' - 'A') : s[k]);
	key[key_len] = '\0';
	if (strcmp(key, "syntax") != 0 && strcmp(key, "escape") != 0 && strcmp(key, "check") != 0)
		goto done;
	for (size_t d = 0; d < df->n_directives; d++)
		if (!strcmp(df->directives[d].name, key))
			return dockerfile_error_at(df, err, EINVAL, p->line, 1,
						   "only one %s parser directive can be used", key);

	value = berth_xstrndup(s + vstart, vend - vstart);
	if (!strcmp(key, "escape")) {
		if (strcmp(value, "`") != 0 && strcmp(value, "\\") != 0)
			return dockerfile_error_at(
				df, err, EINVAL, p->line, 1,
				"invalid escape token '%s' does not match ` or \\", value);
		p->escape = value[0];
		df->escape = value[0];
	}
	df->directives =
		berth_xreallocarray(df->directives, df->n_directives + 1, sizeof(*df->directives));
	df->directives[df->n_directives++] = (struct berth_dockerfile_directive){
		.name = berth_xstrdup(key),
		.value = TAKE_PTR(value),
		.line = p->line,
	};
	return 1;
done:
	p->directives_done = true;
	return 0;
}

static bool can_contain_heredoc(const struct berth_dockerfile_instruction *ins)
{
	if (ins->keyword == BERTH_DOCKERFILE_ONBUILD && ins->sub)
		ins = ins->sub;
	switch (ins->keyword) {
	case BERTH_DOCKERFILE_ADD:
	case BERTH_DOCKERFILE_COPY:
	case BERTH_DOCKERFILE_RUN:
		return !ins->json;
	default:
		return false;
	}
}

/* Reads the bodies of the heredocs named on the instruction's line. */
static int read_heredocs(struct parser *p, struct berth_dockerfile_instruction *ins,
			 struct berth_error **err)
{
	struct berth_dockerfile *df = p->df;
	int r;

	r = dockerfile_heredocs_from_line(ins->original, strlen(ins->original), &ins->heredocs,
					  &ins->n_heredocs, err);
	if (r < 0)
		return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column, "%s",
					   berth_error_msg(*err));
	for (size_t i = 0; i < ins->n_heredocs; i++) {
		struct berth_dockerfile_heredoc *h = &ins->heredocs[i];
		struct berth_buf content = BERTH_BUF_INIT;
		size_t name_len = strlen(h->name);
		bool terminated = false;
		const char *s;
		size_t len;

		h->start_line = p->line + 1;
		while (next_line(p, &s, &len)) {
			size_t tlen = len;
			const char *t = s;
			trim_newline(s, &tlen);
			if (h->chomp)
				while (tlen > 0 && *t == '\t') {
					t++;
					tlen--;
				}
			if (tlen == name_len && memcmp(t, h->name, name_len) == 0) {
				terminated = true;
				break;
			}
			berth_buf_add(&content, s, len);
		}
		free(h->content);
		h->content_len = content.len;
		h->content = berth_buf_detach(&content, NULL);
		h->end_line = p->line;
		if (!terminated)
			return dockerfile_error_at(df, err, EINVAL, ins->start_line, ins->column,
						   "unterminated heredoc");
	}
	return 0;
}

static int check_line_lengths(struct berth_dockerfile *df, struct berth_error **err)
{
	for (size_t n = 1; n <= df->n_lines; n++) {
		size_t len;
		berth_dockerfile_line(df, (int)n, &len);
		if (len > MAX_LINE)
			return dockerfile_error_at(
				df, err, EINVAL, (int)n, 1,
				"dockerfile line greater than max allowed size of %d", MAX_LINE);
	}
	return 0;
}

static void index_lines(struct berth_dockerfile *df)
{
	size_t n = 0, alloc = 64;

	df->line_offsets = berth_xmalloc(alloc * sizeof(size_t));
	df->line_offsets[n++] = 0;
	for (size_t i = 0; i < df->source_len; i++) {
		if (df->source[i] != '\n' || i + 1 == df->source_len)
			continue;
		if (n == alloc) {
			alloc *= 2;
			df->line_offsets =
				berth_xreallocarray(df->line_offsets, alloc, sizeof(size_t));
		}
		df->line_offsets[n++] = i + 1;
	}
	if (n == alloc)
		df->line_offsets = berth_xreallocarray(df->line_offsets, alloc + 1, sizeof(size_t));
	df->line_offsets[n] = df->source_len;
	df->n_lines = df->source_len ? n : 0;
}

const char *berth_dockerfile_line(const struct berth_dockerfile *df, int n, size_t *ret_len)
{
	size_t start, end;

	if (n < 1 || (size_t)n > df->n_lines)
		return NULL;
	start = df->line_offsets[n - 1];
	end = df->line_offsets[n];
	while (end > start && (df->source[end - 1] == '\n' || df->source[end - 1] == '\r'))
		end--;
	if (ret_len)
		*ret_len = end - start;
	return df->source + start;
}

static void add_warning(struct berth_dockerfile *df, int line, char *msg, const char *url)
{
	df->warnings = berth_xreallocarray(df->warnings, df->n_warnings + 1, sizeof(*df->warnings));
	df->warnings[df->n_warnings++] = (struct berth_dockerfile_warning){
		.line = line,
		.msg = msg,
		.url = url ? berth_xstrdup(url) : NULL,
	};
}

static struct berth_dockerfile_instruction *new_instruction(struct berth_dockerfile *df)
{
	df->instructions = berth_xreallocarray(df->instructions, df->n_instructions + 1,
					       sizeof(*df->instructions));
	df->instructions[df->n_instructions] = (struct berth_dockerfile_instruction){0};
	return &df->instructions[df->n_instructions++];
}

/* One logical line from the physical line s on; 0 when it was only blank or comment. */
static int parse_one(struct parser *p, const char *s, size_t len, struct berth_error **err)
{
	struct berth_dockerfile *df = p->df;
	_cleanup_buf_ struct berth_buf buf = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf msg = BERTH_BUF_INIT;
	bool continues, has_empty = false;
	size_t pre;
	int r, start_line;

	if (p->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
	}
	if (is_comment(s, len)) {
		/* BuildKit drops the first byte, not the '#': "  # x" gives "# x". */
		const char *c = s + 1;
		size_t clen = len - 1;
		go_trim_space(&c, &clen);
		if (clen == 0)
			berth_strv_free(dockerfile_strvec_steal(&p->comments));
		else
			dockerfile_strvec_push(&p->comments, c, clen);
	}

	trim_newline(s, &len);
	pre = go_space_prefix(s, len);
	s += pre;
	len -= pre;
	r = parse_directive(p, s, len, err);
	if (r < 0)
		return r;
	if (r > 0) {
		/* The directive is not a comment of the next instruction. */
		if (p->comments.n > 0) {
			free(p->comments.v[--p->comments.n]);
			p->comments.v[p->comments.n] = NULL;
		}
	}
	if (is_comment(s, len))
		len = 0;

	start_line = p->line;
	continues = trim_continuation(p, s, &len);
	if (!continues && len == 0)
		return 0;
	berth_buf_add(&buf, s, len);

	while (continues) {
		const char *raw;
		size_t rlen;
		if (!next_line(p, &raw, &rlen))
			break;
		trim_newline(raw, &rlen);
		if (is_comment(raw, rlen))
			continue;
		if (go_space_prefix(raw, rlen) == rlen) {
			has_empty = true;
			continue;
		}
		continues = trim_continuation(p, raw, &rlen);
		berth_buf_add(&buf, raw, rlen);
	}

	if (has_empty) {
		/* Shown to the user: no control characters, and not megabytes of it. */
		struct berth_buf w = BERTH_BUF_INIT;
		berth_buf_addstr(&w, "Empty continuation line found in: ");
		for (size_t i = 0; i < buf.len && i < 200; i++) {
			unsigned char c = (unsigned char)buf.buf[i];
			berth_buf_addch(&w, (c < 0x20 && c != '\t') || c == 0x7F ? '?' : (char)c);
		}
		if (buf.len > 200)
			berth_buf_addstr(&w, "…");
		add_warning(df, p->line, berth_buf_detach(&w, NULL),
			    "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/");
	}

	struct berth_dockerfile_instruction *ins = new_instruction(df);
	ins->start_line = start_line;
	ins->end_line = p->line;
	ins->column = first_column(df, start_line);
	ins->comments = dockerfile_strvec_steal(&p->comments);
	r = dockerfile_node_from_line(p->escape, ins, buf.buf, buf.len, 0, &msg);
	if (r < 0)
		return dockerfile_error_at(df, err, EINVAL, start_line, ins->column, "%s", msg.buf);

	if (can_contain_heredoc(ins) && memmem(buf.buf, buf.len, "<<", 2)) {
		r = read_heredocs(p, ins, err);
		if (r < 0)
			return r;
		ins->end_line = p->line;
		for (struct berth_dockerfile_instruction *sub = ins->sub; sub; sub = sub->sub)
			sub->end_line = p->line;
	}
	return 1;
}

int berth_dockerfile_parse(const char *data, size_t len, const char *filename,
			   struct berth_dockerfile **ret, struct berth_error **err)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	struct parser p = {0};
	const char *s;
	size_t slen;
	int r;

	if (!filename)
		filename = "Dockerfile";
	if (len > BERTH_DOCKERFILE_MAX_SIZE)
		return berth_error_set(err, E2BIG, "'%s' is larger than %u bytes", filename,
				       BERTH_DOCKERFILE_MAX_SIZE);

	df = berth_xcalloc(1, sizeof(*df));
	df->filename = berth_xstrdup(filename);
	df->escape = '\\';
	df->source = berth_xmalloc(len + 1);
	if (len)
		memcpy(df->source, data, len);
	df->source[len] = '\0';
	df->source_len = len;
	index_lines(df);

	r = check_line_lengths(df, err);
	if (r < 0)
		return r;

	p.df = df;
	p.escape = '\\';
	while (next_line(&p, &s, &slen)) {
		r = parse_one(&p, s, slen, err);
		if (r < 0) {
			berth_strv_free(dockerfile_strvec_steal(&p.comments));
			return r;
		}
	}
	berth_strv_free(dockerfile_strvec_steal(&p.comments));

	if (df->n_instructions == 0)
		return berth_error_set(err, EINVAL, "%s:%d:1: file with no instructions", filename,
				       p.line > 0 ? p.line : 1);

	for (size_t i = 0; i < df->n_directives; i++) {
		if (!strcmp(df->directives[i].name, "syntax"))
			df->syntax = df->directives[i].value;
		else if (!strcmp(df->directives[i].name, "check"))
			df->check = df->directives[i].value;
	}
	*ret = TAKE_PTR(df);
	return 0;
}

void dockerfile_instruction_release(struct berth_dockerfile_instruction *ins)
{
	free(ins->name);
	free(ins->original);
	free(ins->rest);
	for (size_t i = 0; i < ins->n_flags; i++) {
		free(ins->flags[i].raw);
		free(ins->flags[i].name);
		free(ins->flags[i].value);
	}
	free(ins->flags);
	berth_strv_free(ins->args);
	free(ins->arg_lens);
	for (size_t i = 0; i < ins->n_heredocs; i++)
		dockerfile_heredoc_release(&ins->heredocs[i]);
	free(ins->heredocs);
	if (ins->sub) {
		dockerfile_instruction_release(ins->sub);
		free(ins->sub);
	}
	berth_strv_free(ins->comments);
	*ins = (struct berth_dockerfile_instruction){0};
}

void berth_dockerfile_free(struct berth_dockerfile *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->n_instructions; i++)
		dockerfile_instruction_release(&df->instructions[i]);
	free(df->instructions);
	for (size_t i = 0; i < df->n_directives; i++) {
		free(df->directives[i].name);
		free(df->directives[i].value);
	}
	free(df->directives);
	for (size_t i = 0; i < df->n_warnings; i++) {
		free(df->warnings[i].msg);
		free(df->warnings[i].url);
	}
	free(df->warnings);
	free(df->filename);
	free(df->source);
	free(df->line_offsets);
	free(df);
}

const struct berth_dockerfile_flag *
berth_dockerfile_instruction_flag(const struct berth_dockerfile_instruction *ins, const char *name)
{
	for (size_t i = 0; i < ins->n_flags; i++)
		if (!strcmp(ins->flags[i].name, name))
			return &ins->flags[i];
	return NULL;
}
