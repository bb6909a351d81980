/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A session's authentication: the /v2/ ping (scheme and challenge, once
 * per session), basic credentials, and bearer tokens fetched from the
 * challenge's realm per scope, cached until expiry. Tokens and passwords
 * stay in struct registry and in the Authorization header.
 */
#include <curl/curl.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strv.h"
#include "registry/internal.h"

#define TOKEN_MAX (1u << 20)

static int load_creds(struct registry *r, struct berth_error **err)
{
	pthread_mutex_lock(&r->lock);
	int ret = 0;
	if (!r->creds_loaded) {
		ret = registry_creds_lookup(r->domain, &r->creds, err);
		if (ret >= 0)
			r->creds_loaded = true;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/*
 * An identity token travels as the stored ones do: user "<token>" (what
 * Docker's config.json means by "identitytoken"), exchanged at the realm.
 * A registry token is no credential to exchange: it is the bearer token.
 */
void registry_use_credentials(struct registry *r, const struct berth_registry_credentials *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&r->lock);
	registry_creds_release(&r->creds);
	if (c->registry_token && *c->registry_token) {
		free(r->registry_token);
		r->registry_token = berth_xstrdup(c->registry_token);
	} else if (c->identity_token && *c->identity_token) {
		r->creds.username = berth_xstrdup("<token>");
		r->creds.password = berth_xstrdup(c->identity_token);
	} else if (c->username && *c->username) {
		r->creds.username = berth_xstrdup(c->username);
		r->creds.password = berth_xstrdup(c->password ? c->password : "");
	}
	r->creds_loaded = true;
	pthread_mutex_unlock(&r->lock);
}

static char *basic_value(const struct registry_creds *c)
{
	size_t ul = strlen(c->username), pl = strlen(c->password);
	_cleanup_free_ char *pair = berth_xmalloc(ul + pl + 2);
	memcpy(pair, c->username, ul);
	pair[ul] = ':';
	memcpy(pair + ul + 1, c->password, pl + 1);
	_cleanup_free_ char *b = berth_base64_encode(pair, ul + pl + 1);
	explicit_bzero(pair, ul + pl + 1);
	char *v = berth_xasprintf("Basic %s", b);
	explicit_bzero(b, strlen(b));
	return v;
}

/* The host part of a URL, for the plain-HTTP rule of token realms. */
static char *url_host(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	return berth_xstrndup(p, strcspn(p, "/?#"));
}

/*
 * GET realm?service=…&scope=… with the stored credentials as basic auth,
 * or, for an identity token, the OAuth2 POST of it as a refresh token.
 * The realm comes from the registry: it must be https unless it is on the
 * loopback or an insecure registry, so a secret never crosses the network
 * in clear.
 */
/* The challenge's realm: present, and https (or http to a registry allowed plain HTTP). */
static int check_token_realm(const struct registry *r, struct berth_error **err)
{
	const struct registry_challenge *ch = &r->challenge;
	if (!ch->realm)
		return berth_error_set(err, EBADMSG,
				       "registry '%s' asked for a bearer token "
				       "without a realm",
				       r->domain);
	if (strncmp(ch->realm, "https://", 8) != 0) {
		_cleanup_free_ char *h = url_host(ch->realm);
		if (strncmp(ch->realm, "http://", 7) != 0 || !registry_is_insecure(h))
			return berth_error_set(err, EACCES,
					       "token realm of '%s' is not https: refusing it",
					       r->domain);
	}
	return 0;
}

/* The realm's URL with service and scope parameters (several scopes are separate parameters). */
static void token_get_url(CURL *esc, const struct registry_challenge *ch, const char *scope,
			  struct berth_buf *url)
{
	berth_buf_addstr(url, ch->realm);
	char sep = strchr(ch->realm, '?') ? '&' : '?';
	if (ch->service) {
		char *e = curl_easy_escape(esc, ch->service, 0);
		berth_buf_addf(url, "%cservice=%s", sep, e);
		curl_free(e);
		sep = '&';
	}
	_cleanup_free_ char *scopes = berth_xstrdup(scope);
	for (char *s = scopes, *save = NULL, *tok; (tok = strtok_r(s, " ", &save)); s = NULL) {
		char *e = curl_easy_escape(esc, tok, 0);
		berth_buf_addf(url, "%cscope=%s", sep, e);
		curl_free(e);
		sep = '&';
	}
}

/*
 * An identity token (a refresh token from `docker login` against an OAuth2
 * server) is exchanged as Docker does: POST to the realm,
 * grant_type=refresh_token, the scopes space-separated in one field.
 */
static void token_refresh_form(CURL *esc, const struct registry *r, const char *scope,
			       struct berth_buf *form)
{
	char *e = curl_easy_escape(esc, r->creds.password, 0);
	berth_buf_addf(form, "grant_type=refresh_token&client_id=berth&refresh_token=%s", e);
	explicit_bzero(e, strlen(e));
	curl_free(e);
	if (r->challenge.service) {
		e = curl_easy_escape(esc, r->challenge.service, 0);
		berth_buf_addf(form, "&service=%s", e);
		curl_free(e);
	}
	e = curl_easy_escape(esc, scope, 0);
	berth_buf_addf(form, "&scope=%s", e);
	curl_free(e);
}

/* Sends req, again after a transient failure or a 5xx, up to the retries. */
static int token_send(const struct registry *r, const struct http_request *req,
		      struct http_response *resp, struct berth_error **err)
{
	int res = -EIO;
	for (unsigned attempt = 0;; attempt++) {
		res = http_do(req, resp, err);
		if (res >= 0 && resp->status < 500)
			break;
		if (attempt + 1 >= r->retries || (res < 0 && !http_error_is_transient(res)))
			break;
		if (res >= 0)
			http_response_release(resp);
		berth_error_free(err);
		registry_backoff(attempt);
	}
	return res;
}

/* The error of a refused token request, saying what to do about it. */
static int token_refused(const struct registry *r, bool oauth, struct berth_error **err)
{
	if (oauth)
		return berth_error_set(err, EACCES,
				       "authentication to '%s' failed: the identity token was "
				       "refused; run 'berth login %s'",
				       r->domain, r->domain);
	if (r->creds.username)
		return berth_error_set(err, EACCES,
				       "authentication to '%s' failed: incorrect username "
				       "or password",
				       r->domain);
	return berth_error_set(err, EACCES, "authentication to '%s' required: run 'berth login %s'",
			       r->domain, r->domain);
}

/* The token and its expiry time from a 200 answer's JSON body. */
static int token_parse(const struct registry *r, const char *scope, struct http_response *resp,
		       char **ret_token, time_t *ret_expires, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int res = berth_json_parse(resp->body.buf, resp->body.len, "token response", &j, err);
	explicit_bzero(resp->body.buf, resp->body.len);
	if (res < 0)
		return res;
	const char *tok = json_string_value(json_object_get(j, "token"));
	if (!tok || !*tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok || !*tok)
		return berth_error_set(err, EBADMSG, "token response for '%s' has no token",
				       r->domain);
	json_int_t expires_in = 60;
	json_t *ei = json_object_get(j, "expires_in");
	if (json_is_integer(ei) && json_integer_value(ei) > 0)
		expires_in = json_integer_value(ei);
	if (expires_in > 86400)
		expires_in = 86400;
	*ret_token = berth_xstrdup(tok);
	/* renew a little early so a token does not expire mid-request */
	*ret_expires = time(NULL) + (time_t)(expires_in > 10 ? expires_in - 5 : expires_in);
	berth_debug("got a token for '%s' scope '%s' valid %" PRId64 "s", r->domain, scope,
		    (int64_t)expires_in);
	return 0;
}

static int fetch_token(struct registry *r, const char *scope, char **ret_token, time_t *ret_expires,
		       struct berth_error **err)
{
	int res = check_token_realm(r, err);
	if (res < 0)
		return res;
	res = load_creds(r, err);
	if (res < 0)
		return res;
	CURL *esc = curl_easy_init();
	if (!esc)
		berth_oom();
	_cleanup_buf_ struct berth_buf url = BERTH_BUF_INIT;
	token_get_url(esc, &r->challenge, scope, &url);
	_cleanup_free_ char *authz = NULL;
	_cleanup_buf_ struct berth_buf form = BERTH_BUF_INIT;
	char *form_headers[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	bool oauth = r->creds.username && strcmp(r->creds.username, "<token>") == 0;
	struct http_request req = {
		.method = "GET",
		.url = url.buf,
		.body_fd = -1,
		.max_body = TOKEN_MAX,
	};
	if (oauth) {
		token_refresh_form(esc, r, scope, &form);
		req.method = "POST";
		req.url = r->challenge.realm;
		req.headers = form_headers;
		req.body = form.buf;
		req.body_len = form.len;
		req.has_body = true;
	} else if (r->creds.username) {
		authz = basic_value(&r->creds);
		req.authorization = authz;
	}
	curl_easy_cleanup(esc);
	struct http_response resp = {.body = BERTH_BUF_INIT, .content_length = -1};
	res = token_send(r, &req, &resp, err);
	if (authz)
		explicit_bzero(authz, strlen(authz));
	if (form.buf)
		explicit_bzero(form.buf, form.len);
	if (res < 0)
		return berth_error_prefix(err, "get token for '%s'", r->domain);
	pthread_mutex_lock(&r->lock);
	r->token_fetches++;
	pthread_mutex_unlock(&r->lock);
	if (resp.status == 401 || resp.status == 403 || (oauth && resp.status == 400)) {
		http_response_release(&resp);
		return token_refused(r, oauth, err);
	}
	if (resp.status != 200) {
		_cleanup_free_ char *what = berth_xasprintf("get token for '%s'", r->domain);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	res = token_parse(r, scope, &resp, ret_token, ret_expires, err);
	http_response_release(&resp);
	return res;
}

/* A cached token for scope still valid, or a new one; *ret owned. */
static int get_token(struct registry *r, const char *scope, bool force, char **ret,
		     struct berth_error **err)
{
	time_t now = time(NULL);
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n_tokens; i++) {
		struct token_entry *t = &r->tokens[i];
		if (strcmp(t->scope, scope) != 0)
			continue;
		if (!force && t->token && t->expires > now) {
			*ret = berth_xstrdup(t->token);
			pthread_mutex_unlock(&r->lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&r->lock);
	char *tok = NULL;
	time_t expires = 0;
	int res = fetch_token(r, scope, &tok, &expires, err);
	if (res < 0)
		return res;
	pthread_mutex_lock(&r->lock);
	struct token_entry *slot = NULL;
	for (size_t i = 0; i < r->n_tokens; i++)
		if (strcmp(r->tokens[i].scope, scope) == 0)
			slot = &r->tokens[i];
	if (!slot) {
		r->tokens = berth_xreallocarray(r->tokens, r->n_tokens + 1, sizeof(*r->tokens));
		slot = &r->tokens[r->n_tokens++];
		*slot = (struct token_entry){.scope = berth_xstrdup(scope)};
	}
	free(slot->token);
	slot->token = berth_xstrdup(tok);
	slot->expires = expires;
	pthread_mutex_unlock(&r->lock);
	*ret = tok;
	return 0;
}

/*
 * GET /v2/: decides https or (loopback and insecure registries only) http,
 * and records the auth challenge. A registry that cannot be reached is
 * retried a bounded number of times.
 */
static int ping_locked(struct registry *r, struct berth_error **err)
{
	pthread_mutex_lock(&r->lock);
	bool done = r->pinged;
	pthread_mutex_unlock(&r->lock);
	if (done)
		return 0;
	bool insecure = registry_is_insecure(r->domain);
	const char *schemes[] = {"https", "http"};
	size_t n_schemes = insecure ? 2 : 1;
	struct http_response resp = {.body = BERTH_BUF_INIT, .content_length = -1};
	int res = -EIO;
	const char *scheme = NULL;
	_cleanup_error_ struct berth_error *tls_err = NULL;
	for (unsigned attempt = 0; attempt < r->retries; attempt++) {
		for (size_t i = 0; i < n_schemes; i++) {
			_cleanup_free_ char *url =
				berth_xasprintf("%s://%s/v2/", schemes[i], r->host);
			struct http_request req = {
				.method = "GET", .url = url, .body_fd = -1, .max_body = 1 << 16};
			berth_error_free(err);
			res = http_do(&req, &resp, err);
			if (res >= 0 && i == 1 && tls_err && resp.status != 200 &&
			    resp.status != 401) {
				/* an HTTPS server answering plain HTTP: the TLS failure is the story */
				http_response_release(&resp);
				berth_error_free(err);
				*err = TAKE_PTR(tls_err);
				res = -EPROTO;
				break;
			}
			if (res >= 0) {
				scheme = schemes[i];
				break;
			}
			if (res == -EPROTO && i == 0 && n_schemes > 1 && err) {
				berth_error_free(&tls_err);
				tls_err = TAKE_PTR(*err);
			}
			/* a refused connection is refused for both schemes */
			if (res == -ECONNREFUSED || res == -EHOSTUNREACH)
				break;
		}
		if (res >= 0 && resp.status >= 500) {
			http_response_release(&resp);
			res = berth_error_set(err, EIO, "registry '%s' answered HTTP %ld",
					      r->domain, resp.status);
		} else if (res >= 0 || !http_error_is_transient(res)) {
			break;
		}
		if (attempt + 1 < r->retries)
			registry_backoff(attempt);
	}
	if (res < 0) {
		if (http_error_is_transient(res) || res == -EIO)
			return berth_error_prefix(err,
						  "registry '%s' unreachable after %u attempts",
						  r->domain, r->retries);
		if (res == -EPROTO)
			return berth_error_prefix(err, "TLS connection to '%s'", r->domain);
		return berth_error_prefix(err, "registry '%s'", r->domain);
	}
	struct registry_challenge ch = {0};
	if (resp.status == 401 && resp.www_authenticate) {
		res = registry_challenge_parse(resp.www_authenticate, &ch, err);
		if (res < 0) {
			http_response_release(&resp);
			return berth_error_prefix(err, "registry '%s'", r->domain);
		}
	} else if (resp.status != 200 && resp.status != 401) {
		long st = resp.status;
		http_response_release(&resp);
		return berth_error_set(err, EPROTO,
				       "'%s' does not look like a registry: GET /v2/ answered "
				       "HTTP %ld",
				       r->domain, st);
	}
	http_response_release(&resp);
	pthread_mutex_lock(&r->lock);
	if (!r->pinged) {
		free(r->scheme);
		r->scheme = berth_xstrdup(scheme);
		registry_challenge_release(&r->challenge);
		r->challenge = ch;
		r->pinged = true;
	} else {
		registry_challenge_release(&ch);
	}
	pthread_mutex_unlock(&r->lock);
	berth_debug("registry '%s': %s, auth %s", r->domain, scheme,
		    r->challenge.scheme ? r->challenge.scheme : "none");
	return 0;
}

/*
 * One ping per session: parallel transfers starting together wait for the
 * first thread's answer instead of each probing https and /v2/ again.
 */
int registry_ping(struct registry *r, struct berth_error **err)
{
	pthread_mutex_lock(&r->ping_lock);
	int res = ping_locked(r, err);
	pthread_mutex_unlock(&r->ping_lock);
	return res;
}

int registry_authorization(struct registry *r, const char *scope, bool force, char **ret,
			   struct berth_error **err)
{
	*ret = NULL;
	if (!r->challenge.scheme)
		return 0;
	/*
	 * The caller's bearer token goes as it is, for every scope, as Docker's
	 * daemon sends a RegistryToken; a registry asking for anything else
	 * gets no credentials (Docker's only handler for it is the bearer one).
	 */
	if (r->registry_token) {
		if (strcmp(r->challenge.scheme, "bearer") == 0)
			*ret = berth_xasprintf("Bearer %s", r->registry_token);
		return 0;
	}
	if (strcmp(r->challenge.scheme, "bearer") == 0) {
		_cleanup_free_ char *tok = NULL;
		int res = get_token(r, scope, force, &tok, err);
		if (res < 0)
			return res;
		/* get_token sets tok whenever it returns 0 (token_parse refuses an empty one) */
		assert(tok);
		*ret = berth_xasprintf("Bearer %s", tok);
		explicit_bzero(tok, strlen(tok));
		return 0;
	}
	if (strcmp(r->challenge.scheme, "basic") == 0) {
		int res = load_creds(r, err);
		if (res < 0)
			return res;
		if (!r->creds.username)
			return berth_error_set(err, EACCES,
					       "authentication to '%s' required: run 'berth login "
					       "%s'",
					       r->domain, r->domain);
		*ret = basic_value(&r->creds);
		return 0;
	}
	return berth_error_set(err, ENOTSUP, "registry '%s' asks for unsupported auth scheme '%s'",
			       r->domain, r->challenge.scheme);
}
