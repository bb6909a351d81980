/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/internal.h"

/*
 * WWW-Authenticate (RFC 7235): a scheme, then comma-separated auth-params
 * whose values are tokens or quoted strings with backslash escapes. Only
 * the first challenge is read; the parameters berth uses are kept, others
 * skipped. The input comes from the network: every step is bounded by the
 * string's end.
 */

void registry_challenge_release(struct registry_challenge *c)
{
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	*c = (struct registry_challenge){0};
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool is_token_char(char c)
{
	return c && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c));
}

int registry_challenge_parse(const char *value, struct registry_challenge *ret,
			     struct berth_error **err)
{
	struct registry_challenge c = {0};
	const char *p = skip_ws(value);
	const char *s = p;
	while (is_token_char(*p))
		p++;
	if (p == s)
		return berth_error_set(err, EBADMSG, "invalid WWW-Authenticate header");
	c.scheme = berth_xstrndup(s, (size_t)(p - s));
	for (char *q = c.scheme; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	for (;;) {
		p = skip_ws(p);
		while (*p == ',')
			p = skip_ws(p + 1);
		if (!*p)
			break;
		const char *ks = p;
		while (is_token_char(*p))
			p++;
		size_t kl = (size_t)(p - ks);
		p = skip_ws(p);
		if (kl == 0 || *p != '=') {
			/* token68 form or another challenge: nothing more for us */
			break;
		}
		p = skip_ws(p + 1);
		struct berth_buf v = BERTH_BUF_INIT;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				berth_buf_addch(&v, *p++);
			}
			if (*p != '"') {
				berth_buf_release(&v);
				registry_challenge_release(&c);
				return berth_error_set(err, EBADMSG,
						       "invalid WWW-Authenticate header: "
						       "unterminated quoted string");
			}
			p++;
		} else {
			while (is_token_char(*p) || *p == '/' || *p == ':' || *p == '=')
				berth_buf_addch(&v, *p++);
		}
		char **field = NULL;
		if (kl == 5 && strncasecmp(ks, "realm", 5) == 0)
			field = &c.realm;
		else if (kl == 7 && strncasecmp(ks, "service", 7) == 0)
			field = &c.service;
		else if (kl == 5 && strncasecmp(ks, "scope", 5) == 0)
			field = &c.scope;
		if (field) {
			free(*field);
			*field = berth_buf_detach(&v, NULL);
		} else {
			berth_buf_release(&v);
		}
		p = skip_ws(p);
		if (*p && *p != ',')
			break;
	}
	*ret = c;
	return 0;
}
