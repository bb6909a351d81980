/* SPDX-License-Identifier: Apache-2.0 */
#include "lint/lint-internal.h"

#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/strv.h"

/* Cap on `sh -c` nesting, so a hostile RUN line cannot recurse deeply. */
#define MAX_NESTING 4

enum sep {
	SEP_NONE,
	SEP_PIPE,
	SEP_BACKGROUND,
	SEP_OTHER,
};

static bool is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	if (!eq || eq == w)
		return false;
	for (const char *p = w; p < eq; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (p > w && *p >= '0' && *p <= '9')))
			return false;
	return true;
}

static const char *base_name(const char *w)
{
	const char *s = strrchr(w, '/');
	return s ? s + 1 : w;
}

static bool is_shell(const char *name)
{
	static const char *const shells[] = {"sh", "bash", "ash", "dash", "zsh", "ksh"};
	for (size_t i = 0; i < ELEMENTSOF(shells); i++)
		if (strcmp(name, shells[i]) == 0)
			return true;
	return false;
}

static void parse_depth(const char *script, struct lint_script *s, int depth);

/* Drops wrappers and assignments, then adds the command (and an `sh -c` script's commands). */
static void finish_cmd(struct lint_script *s, char **words, enum sep before, enum sep after,
		       int depth)
{
	size_t n = berth_strv_len(words), i = 0;
	bool sudo = false;

	for (;;) {
		while (i < n && is_assignment(words[i]))
			i++;
		if (i >= n)
			break;
		const char *w = base_name(words[i]);
		if (strcmp(w, "sudo") == 0) {
			sudo = true;
			i++;
			/* sudo's own options; -u/-g/-C take a value */
			while (i < n && words[i][0] == '-') {
				if (strchr("ugCDhprtTU", words[i][1]) && words[i][2] == '\0')
					i++;
				i++;
			}
			continue;
		}
		if (strcmp(w, "env") == 0 || strcmp(w, "nohup") == 0 || strcmp(w, "exec") == 0 ||
		    strcmp(w, "time") == 0 || strcmp(w, "command") == 0) {
			i++;
			while (i < n && words[i][0] == '-')
				i++;
			continue;
		}
		break;
	}
	if (i >= n) {
		berth_strv_free(words);
		return;
	}

	s->cmds = berth_xreallocarray(s->cmds, s->n_cmds + 1, sizeof(*s->cmds));
	struct lint_cmd *c = &s->cmds[s->n_cmds++];
	*c = (struct lint_cmd){
		.piped_in = before == SEP_PIPE,
		.background = after == SEP_BACKGROUND,
		.sudo = sudo,
	};
	char **argv = NULL;
	for (size_t j = i; j < n; j++)
		berth_strv_push(&argv, words[j]);
	c->argv = argv;
	berth_strv_free(words);

	if (depth < MAX_NESTING && is_shell(base_name(argv[0]))) {
		for (size_t j = 1; argv[j]; j++) {
			if (argv[j][0] != '-')
				break;
			if (strchr(argv[j], 'c') && argv[j][1] != '-') {
				if (argv[j + 1]) {
					/* copy: s->cmds may move while the nested script is added */
					_cleanup_free_ char *inner = berth_xstrdup(argv[j + 1]);
					parse_depth(inner, s, depth + 1);
				}
				break;
			}
		}
	}
}

/* A backslash: a line continuation goes, an escaped character joins the word. */
static const char *scan_escape(const char *p, struct berth_buf *word, bool *in_word)
{
	if (p[1] == '\n')
		return p + 2;
	if (p[1]) {
		berth_buf_addch(word, p[1]);
		*in_word = true;
		return p + 2;
	}
	return p + 1;
}

/* '…': taken as it is, up to the closing quote (or the end). */
static const char *scan_single_quoted(const char *p, struct berth_buf *word)
{
	const char *e = strchr(p + 1, '\'');
	size_t l = e ? (size_t)(e - p - 1) : strlen(p + 1);
	berth_buf_add(word, p + 1, l);
	return p + l + 1 + (e ? 1 : 0);
}

/* "…": the shell's escapes inside double quotes. */
static const char *scan_double_quoted(const char *p, struct berth_buf *word)
{
	p++;
	while (*p && *p != '"') {
		if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
			if (p[1] != '\n')
				berth_buf_addch(word, p[1]);
			p += 2;
			continue;
		}
		berth_buf_addch(word, *p++);
	}
	return *p == '"' ? p + 1 : p;
}

/* $( … ) stays inside the word, balanced, so `sh -c "$(curl …)"` stays one word. */
static const char *scan_command_subst(const char *p, struct berth_buf *word)
{
	int level = 0;
	do {
		if (*p == '(')
			level++;
		else if (*p == ')')
			level--;
		berth_buf_addch(word, *p++);
	} while (*p && level > 0);
	return p;
}

/* Skips a redirection's operator and its target. */
static const char *skip_redirection(const char *p)
{
	while (*p == '>' || *p == '<' || *p == '&')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && !strchr(" \t\n;|&()", *p))
		p++;
	return p;
}

static void parse_depth(const char *script, struct lint_script *s, int depth)
{
	_cleanup_strv_free_ char **words = NULL;
	_cleanup_buf_ struct berth_buf word = BERTH_BUF_INIT;
	bool in_word = false;
	enum sep before = SEP_NONE;
	const char *p = script;

#define END_WORD()                                                                                 \
	do {                                                                                       \
		if (in_word) {                                                                     \
			berth_strv_push(&words, word.buf);                                         \
			berth_buf_reset(&word);                                                    \
			in_word = false;                                                           \
		}                                                                                  \
	} while (0)
#define END_CMD(after)                                                                             \
	do {                                                                                       \
		END_WORD();                                                                        \
		if (words)                                                                         \
			finish_cmd(s, TAKE_PTR(words), before, (after), depth);                    \
		before = (after);                                                                  \
	} while (0)

	while (*p) {
		char ch = *p;
		if (ch == '\\') {
			p = scan_escape(p, &word, &in_word);
			continue;
		}
		if (ch == '\'') {
			p = scan_single_quoted(p, &word);
			in_word = true;
			continue;
		}
		if (ch == '"') {
			p = scan_double_quoted(p, &word);
			in_word = true;
			continue;
		}
		if (ch == '#' && !in_word) {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (ch == '$' && p[1] == '(') {
			p = scan_command_subst(p, &word);
			in_word = true;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			END_WORD();
			p++;
			continue;
		}
		if (ch == '\n' || ch == ';' || ch == '(' || ch == ')' || ch == '{' || ch == '}') {
			if ((ch == '{' || ch == '}') &&
			    (in_word || (p[1] && p[1] != ' ' && p[1] != '\n' && p[1] != ';'))) {
				berth_buf_addch(&word, ch);
				in_word = true;
				p++;
				continue;
			}
			END_CMD(SEP_OTHER);
			p++;
			continue;
		}
		if (ch == '|') {
			if (p[1] == '|') {
				END_CMD(SEP_OTHER);
				p += 2;
			} else {
				END_CMD(SEP_PIPE);
				p++;
			}
			continue;
		}
		if (ch == '&') {
			if (p[1] == '&') {
				END_CMD(SEP_OTHER);
				p += 2;
			} else if (p > script && (p[-1] == '>' || p[1] == '>')) {
				/* redirections: 2>&1, &>file */
				berth_buf_addch(&word, ch);
				in_word = true;
				p++;
			} else {
				END_CMD(SEP_BACKGROUND);
				p++;
			}
			continue;
		}
		if (ch == '>' || ch == '<') {
			/* a redirection: drop an fd number before it, skip the operator and target */
			if (in_word && strspn(word.buf, "0123456789") == word.len) {
				berth_buf_reset(&word);
				in_word = false;
			}
			END_WORD();
			p = skip_redirection(p);
			continue;
		}
		berth_buf_addch(&word, ch);
		in_word = true;
		p++;
	}
	END_CMD(SEP_OTHER);
#undef END_WORD
#undef END_CMD
}

void lint_script_parse(const char *script, struct lint_script *ret)
{
	*ret = (struct lint_script){0};
	parse_depth(script ? script : "", ret, 0);
}

void lint_script_release(struct lint_script *s)
{
	for (size_t i = 0; i < s->n_cmds; i++)
		berth_strv_free(s->cmds[i].argv);
	free(s->cmds);
	*s = (struct lint_script){0};
}

const char *lint_cmd_name(const struct lint_cmd *c)
{
	return base_name(c->argv[0]);
}

bool lint_cmd_has_arg(const struct lint_cmd *c, const char *w)
{
	for (size_t i = 1; c->argv[i]; i++)
		if (strcmp(c->argv[i], w) == 0)
			return true;
	return false;
}

bool lint_cmd_has_arg_prefix(const struct lint_cmd *c, const char *prefix)
{
	size_t l = strlen(prefix);
	for (size_t i = 1; c->argv[i]; i++)
		if (strncmp(c->argv[i], prefix, l) == 0)
			return true;
	return false;
}

const char *lint_cmd_subcommand(const struct lint_cmd *c, const char *const *opts_with_value)
{
	for (size_t i = 1; c->argv[i]; i++) {
		const char *w = c->argv[i];
		if (w[0] != '-')
			return w;
		for (size_t k = 0; opts_with_value && opts_with_value[k]; k++)
			if (strcmp(w, opts_with_value[k]) == 0 && c->argv[i + 1]) {
				i++;
				break;
			}
	}
	return NULL;
}

char *lint_path_join(const char *cwd, const char *path)
{
	_cleanup_buf_ struct berth_buf in = BERTH_BUF_INIT;
	if (path[0] != '/') {
		berth_buf_addstr(&in, cwd && cwd[0] ? cwd : "/");
		berth_buf_addch(&in, '/');
	}
	berth_buf_addstr(&in, path);

	/* component stack over a copy; ".." at the root stays at the root */
	char *s = in.buf;
	size_t n_parts = 0;
	char **parts = NULL;
	for (char *save = NULL, *tok = strtok_r(s, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n_parts > 0)
				n_parts--;
			continue;
		}
		parts = berth_xreallocarray(parts, n_parts + 1, sizeof(*parts));
		parts[n_parts++] = tok;
	}
	struct berth_buf out = BERTH_BUF_INIT;
	for (size_t i = 0; i < n_parts; i++) {
		berth_buf_addch(&out, '/');
		berth_buf_addstr(&out, parts[i]);
	}
	if (n_parts == 0)
		berth_buf_addch(&out, '/');
	free(parts);
	return berth_buf_detach(&out, NULL);
}

static bool under(const char *p, const char *dir)
{
	size_t l = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return p[0] == '/' && p[1] != '\0';
	return strncmp(p, dir, l) == 0 && p[l] == '/';
}

bool lint_path_overlaps(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || under(a, b) || under(b, a);
}
