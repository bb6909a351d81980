/* SPDX-License-Identifier: Apache-2.0 */
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
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strv.h"
#include "registry/internal.h"

/*
 * A registry session for one repository: the /v2/ ping decides the scheme
 * and the auth challenge; requests carry a bearer token for their scope
 * (fetched from the realm, cached until expiry, refetched on a 401) or
 * basic credentials. Tokens and passwords stay in this struct and in the
 * Authorization header; messages and debug lines name URLs without query.
 */

#define TOKEN_MAX (1u << 20)

int registry_open(const char *domain, const char *repo, struct registry **ret,
		  struct berth_error **err)
{
	struct registry *r = berth_xcalloc(1, sizeof(*r));
	r->domain = berth_xstrdup(domain);
	r->host = berth_xstrdup(registry_api_host(domain));
	r->repo = repo ? berth_xstrdup(repo) : NULL;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->ping_lock, NULL);
	unsigned n = registry_settings()->retries;
	r->retries = n ? n : 3;
	*ret = r;
	return 0;
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->host);
	free(r->scheme);
	free(r->repo);
	registry_creds_release(&r->creds);
	registry_challenge_release(&r->challenge);
	for (size_t i = 0; i < r->n_tokens; i++) {
		free(r->tokens[i].scope);
		if (r->tokens[i].token)
			explicit_bzero(r->tokens[i].token, strlen(r->tokens[i].token));
		free(r->tokens[i].token);
	}
	free(r->tokens);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->ping_lock);
	free(r);
}

static void backoff(unsigned attempt)
{
	unsigned ms = 250u << (attempt < 4 ? attempt : 4);
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int registry_status_error(const struct http_response *resp, const char *what,
			  struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	const char *code = NULL, *message = NULL;
	if (resp->body.len &&
	    berth_json_parse(resp->body.buf, resp->body.len, "error", &j, NULL) >= 0) {
		json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
		code = json_string_value(json_object_get(e0, "code"));
		message = json_string_value(json_object_get(e0, "message"));
	}
	int e = EIO;
	if (resp->status == 401 || resp->status == 403)
		e = EACCES;
	else if (resp->status == 404)
		e = ENOENT;
	else if (resp->status == 400)
		e = EINVAL;
	if (message)
		return berth_error_set(err, e, "%s: %s (HTTP %ld)", what, message, resp->status);
	if (code)
		return berth_error_set(err, e, "%s: %s (HTTP %ld)", what, code, resp->status);
	return berth_error_set(err, e, "%s: HTTP status %ld", what, resp->status);
}

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

static char *basic_value(const struct registry_creds *c)
{
	size_t ul = strlen(c->username), pl = strlen(c->password);
	_cleanup_free_ char *pair = berth_xmalloc(ul + pl + 2);
	memcpy(pair, c->username, ul);
	pair[ul] = ':';
	memcpy(pair + ul + 1, c->password, pl + 1);
	_cleanup_free_ char *b = registry_base64_encode(pair, ul + pl + 1);
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
		backoff(attempt);
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
			backoff(attempt);
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
static int ping(struct registry *r, struct berth_error **err)
{
	pthread_mutex_lock(&r->ping_lock);
	int res = ping_locked(r, err);
	pthread_mutex_unlock(&r->ping_lock);
	return res;
}

static char *scope_for(struct registry *r, const char *actions, const char *mount_from)
{
	if (mount_from)
		return berth_xasprintf("repository:%s:%s repository:%s:pull", r->repo, actions,
				       mount_from);
	if (!r->repo)
		return berth_xstrdup("");
	return berth_xasprintf("repository:%s:%s", r->repo, actions);
}

static int authorization(struct registry *r, const char *scope, bool force, char **ret,
			 struct berth_error **err)
{
	*ret = NULL;
	if (!r->challenge.scheme)
		return 0;
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

int registry_request(struct registry *r, const char *actions, const char *mount_from,
		     struct http_request *req, const char *path, struct http_response *ret,
		     struct berth_error **err)
{
	int res = ping(r, err);
	if (res < 0)
		return res;
	_cleanup_free_ char *url =
		strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0
			? berth_xstrdup(path)
			: berth_xasprintf("%s://%s%s", r->scheme, r->host, path);
	_cleanup_free_ char *scope = scope_for(r, actions, mount_from);
	bool reauthed = false;
	for (unsigned attempt = 0;;) {
		_cleanup_free_ char *authz = NULL;
		res = authorization(r, scope, reauthed, &authz, err);
		if (res < 0)
			return res;
		req->url = url;
		req->authorization = authz;
		struct http_response resp = {.body = BERTH_BUF_INIT, .content_length = -1};
		berth_error_free(err);
		res = http_do(req, &resp, err);
		req->authorization = NULL;
		if (authz)
			explicit_bzero(authz, strlen(authz));
		if (res < 0) {
			/* a stream already partly delivered is resumed by the caller */
			if (!http_error_is_transient(res) || req->sink || ++attempt >= r->retries)
				return res;
			berth_debug("%s: %s, retrying", req->method, berth_error_msg(*err));
			backoff(attempt - 1);
			continue;
		}
		if (resp.status == 401 && !reauthed) {
			/* an expired token, or a registry that wants another scheme than /v2/ said */
			reauthed = true;
			if (resp.www_authenticate) {
				struct registry_challenge ch = {0};
				if (registry_challenge_parse(resp.www_authenticate, &ch, NULL) >=
				    0) {
					pthread_mutex_lock(&r->lock);
					registry_challenge_release(&r->challenge);
					r->challenge = ch;
					pthread_mutex_unlock(&r->lock);
				}
			}
			berth_debug("%s: 401, authenticating again", req->method);
			http_response_release(&resp);
			continue;
		}
		if ((resp.status >= 500 || resp.status == 429) && ++attempt < r->retries &&
		    !req->sink) {
			berth_debug("%s: HTTP %ld, retrying", req->method, resp.status);
			http_response_release(&resp);
			backoff(attempt - 1);
			continue;
		}
		if (resp.status == 401) {
			http_response_release(&resp);
			if (r->creds.username)
				return berth_error_set(err, EACCES,
						       "authentication to '%s' failed: incorrect "
						       "username or password",
						       r->domain);
			return berth_error_set(err, EACCES,
					       "authentication to '%s' required: run 'berth login "
					       "%s'",
					       r->domain, r->domain);
		}
		*ret = resp;
		return 0;
	}
}

const char *registry_manifest_accept(void)
{
	return "Accept: " MEDIA_OCI_MANIFEST ", " MEDIA_OCI_INDEX ", " MEDIA_DOCKER_MANIFEST
	       ", " MEDIA_DOCKER_LIST;
}

int registry_get_manifest(struct registry *r, const char *reference, char **ret, size_t *ret_len,
			  char **ret_media_type, struct berth_digest *ret_digest,
			  struct berth_error **err)
{
	char *headers[] = {(char *)registry_manifest_accept(), NULL};
	_cleanup_free_ char *path = berth_xasprintf("/v2/%s/manifests/%s", r->repo, reference);
	struct http_request req = {
		.method = "GET", .headers = headers, .body_fd = -1, .max_body = MANIFEST_MAX};
	struct http_response resp = {0};
	int res = registry_request(r, "pull", NULL, &req, path, &resp, err);
	if (res < 0)
		return res;
	if (resp.status != 200) {
		_cleanup_free_ char *what =
			berth_xasprintf("manifest '%s' of '%s/%s'", reference, r->domain, r->repo);
		if (resp.status == 404) {
			http_response_release(&resp);
			return berth_error_set(err, ENOENT, "%s: not found", what);
		}
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	struct berth_digest d;
	berth_digest_of(resp.body.buf, resp.body.len, &d);
	char hex[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&d, hex);
	/* by digest: the bytes must be that digest; by tag: what the registry says */
	const char *expect =
		strncmp(reference, "sha256:", 7) == 0 ? reference : resp.docker_content_digest;
	if (expect && strncmp(expect, "sha256:", 7) == 0 && strcmp(expect, hex) != 0) {
		http_response_release(&resp);
		return berth_error_set(err, EBADMSG,
				       "manifest '%s' of '%s/%s' does not match its digest: got %s",
				       reference, r->domain, r->repo, hex);
	}
	_cleanup_json_ json_t *j = NULL;
	res = berth_json_parse(resp.body.buf, resp.body.len, "manifest", &j, err);
	if (res < 0) {
		http_response_release(&resp);
		return res;
	}
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	if (!mt && resp.content_type)
		mt = resp.content_type;
	if (!mt)
		mt = json_object_get(j, "manifests") ? MEDIA_OCI_INDEX : MEDIA_OCI_MANIFEST;
	*ret_media_type = berth_xstrndup(mt, strcspn(mt, ";"));
	*ret_len = resp.body.len;
	*ret = berth_buf_detach(&resp.body, NULL);
	*ret_digest = d;
	http_response_release(&resp);
	return 0;
}

int registry_blob_exists(struct registry *r, const char *actions, const struct berth_digest *d,
			 struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *path =
		berth_xasprintf("/v2/%s/blobs/%s", r->repo, berth_digest_fmt(d, hex));
	struct http_request req = {.method = "HEAD", .body_fd = -1};
	struct http_response resp = {0};
	int res = registry_request(r, actions, NULL, &req, path, &resp, err);
	if (res < 0)
		return res;
	long st = resp.status;
	http_response_release(&resp);
	if (st == 200)
		return 1;
	if (st == 404)
		return 0;
	return berth_error_set(err, EIO, "HEAD blob %s of '%s/%s': HTTP status %ld", hex, r->domain,
			       r->repo, st);
}

int registry_get_blob_mem(struct registry *r, const struct berth_digest *d, size_t max, char **ret,
			  size_t *ret_len, struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *path =
		berth_xasprintf("/v2/%s/blobs/%s", r->repo, berth_digest_fmt(d, hex));
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = max};
	struct http_response resp = {0};
	int res;
	/* small blobs: follow redirects by hand is not needed, curl does it for GETs */
	for (;;) {
		res = registry_request(r, "pull", NULL, &req, path, &resp, err);
		if (res < 0)
			return res;
		if ((resp.status == 307 || resp.status == 302 || resp.status == 301) &&
		    resp.location) {
			/* a redirect to storage: no Authorization there */
			struct http_request r2 = {.method = "GET",
						  .url = resp.location,
						  .body_fd = -1,
						  .max_body = max};
			struct http_response resp2 = {0};
			res = http_do(&r2, &resp2, err);
			http_response_release(&resp);
			if (res < 0)
				return res;
			resp = resp2;
		}
		break;
	}
	if (resp.status != 200) {
		_cleanup_free_ char *what =
			berth_xasprintf("blob %s of '%s/%s'", hex, r->domain, r->repo);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	struct berth_digest got;
	berth_digest_of(resp.body.buf, resp.body.len, &got);
	if (!berth_digest_eq(&got, d)) {
		http_response_release(&resp);
		return berth_error_set(err, EBADMSG, "blob %s of '%s/%s' does not match its digest",
				       hex, r->domain, r->repo);
	}
	*ret_len = resp.body.len;
	*ret = berth_buf_detach(&resp.body, NULL);
	http_response_release(&resp);
	return 0;
}

/* Blob streaming with resume ------------------------------------------- */

struct resume {
	struct blob_target *t;
	uint64_t written;
	uint64_t size;
	bool started;
	bool range_asked;
};

static int resume_start(struct resume *s, long status, const char *content_range,
			struct berth_error **err)
{
	s->started = true;
	if (status == 206 && s->range_asked) {
		uint64_t start = 0;
		if (!content_range || sscanf(content_range, "bytes %" SCNu64 "-", &start) != 1 ||
		    start != s->written)
			return berth_error_set(err, EBADMSG,
					       "registry resumed at the wrong offset");
		return 0;
	}
	if (s->written > 0) {
		/* the server ignored Range: start over */
		int r = s->t->reset(s->t->ctx, err);
		if (r < 0)
			return r;
		s->written = 0;
	}
	return 0;
}

static int resume_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	struct resume *s = ctx;
	if (s->size && s->written + len > s->size)
		return berth_error_set(
			err, EBADMSG, "blob is larger than its descriptor says (%" PRIu64 " bytes)",
			s->size);
	int r = s->t->write(s->t->ctx, data, len, err);
	if (r < 0)
		return r;
	s->written += len;
	if (s->t->progress)
		berth_progress_update(s->t->progress, s->t->item, s->written);
	return 0;
}

int registry_get_blob(struct registry *r, const struct berth_digest *d, uint64_t size,
		      struct blob_target *t, struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *path =
		berth_xasprintf("/v2/%s/blobs/%s", r->repo, berth_digest_fmt(d, hex));
	struct resume s = {.t = t, .size = size};
	unsigned failures = 0;
	for (;;) {
		_cleanup_free_ char *range = NULL;
		char *headers[2] = {NULL, NULL};
		s.range_asked = s.written > 0;
		s.started = false;
		if (s.range_asked) {
			range = berth_xasprintf("Range: bytes=%" PRIu64 "-", s.written);
			headers[0] = range;
		}
		struct http_request req = {
			.method = "GET",
			.headers = headers,
			.body_fd = -1,
			.sink = resume_sink,
			.sink_ctx = &s,
			.on_start = (int (*)(void *, long, const char *,
					     struct berth_error **))resume_start,
		};
		struct http_response resp = {0};
		uint64_t before = s.written;
		int res = registry_request(r, "pull", NULL, &req, path, &resp, err);
		if (res < 0) {
			if (!http_error_is_transient(res))
				return res;
			/* progress resets the count: a slow but moving transfer goes on */
			if (s.written > before)
				failures = 0;
			if (++failures >= r->retries)
				return berth_error_prefix(
					err, "blob %s: giving up after %u attempts", hex, failures);
			berth_debug("blob %s: %s; resuming at %" PRIu64, hex, berth_error_msg(*err),
				    s.written);
			berth_error_free(err);
			backoff(failures - 1);
			continue;
		}
		long st = resp.status;
		if (st != 200 && st != 206) {
			_cleanup_free_ char *what =
				berth_xasprintf("blob %s of '%s/%s'", hex, r->domain, r->repo);
			res = registry_status_error(&resp, what, err);
			http_response_release(&resp);
			if (st >= 500 && ++failures < r->retries) {
				berth_error_free(err);
				backoff(failures - 1);
				continue;
			}
			return res;
		}
		http_response_release(&resp);
		if (size && s.written < size) {
			if (++failures >= r->retries)
				return berth_error_set(err, EBADMSG,
						       "blob %s ended after %" PRIu64 " of %" PRIu64
						       " bytes",
						       hex, s.written, size);
			continue;
		}
		return 0;
	}
}

/* Uploads --------------------------------------------------------------- */

static char *resolve_location(struct registry *r, const char *loc)
{
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		return berth_xstrdup(loc);
	if (loc[0] == '/')
		return berth_xasprintf("%s://%s%s", r->scheme, r->host, loc);
	return berth_xasprintf("%s://%s/v2/%s/blobs/uploads/%s", r->scheme, r->host, r->repo, loc);
}

static char *with_query(const char *url, const char *kv)
{
	return berth_xasprintf("%s%c%s", url, strchr(url, '?') ? '&' : '?', kv);
}

/* POST an upload session (or a mount); returns the status and *ret_location. */
static int start_upload(struct registry *r, const char *query, const char *mount_from,
			long *ret_status, char **ret_location, struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xasprintf("/v2/%s/blobs/uploads/%s", r->repo, query);
	struct http_request req = {.method = "POST", .body_fd = -1};
	struct http_response resp = {0};
	int res = registry_request(r, "pull,push", mount_from, &req, path, &resp, err);
	if (res < 0)
		return res;
	if (resp.status != 202 && resp.status != 201) {
		_cleanup_free_ char *what =
			berth_xasprintf("start upload to '%s/%s'", r->domain, r->repo);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	if (resp.status == 202 && !resp.location) {
		http_response_release(&resp);
		return berth_error_set(err, EBADMSG, "upload to '%s/%s': no Location in the answer",
				       r->domain, r->repo);
	}
	*ret_status = resp.status;
	*ret_location = resp.location ? resolve_location(r, resp.location) : NULL;
	http_response_release(&resp);
	return 0;
}

int registry_mount_blob(struct registry *r, const struct berth_digest *d, const char *from,
			struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	CURL *esc = curl_easy_init();
	if (!esc)
		berth_oom();
	char *f = curl_easy_escape(esc, from, 0);
	_cleanup_free_ char *q = berth_xasprintf("?mount=%s&from=%s", berth_digest_fmt(d, hex), f);
	curl_free(f);
	curl_easy_cleanup(esc);
	long st = 0;
	_cleanup_free_ char *loc = NULL;
	int res = start_upload(r, q, from, &st, &loc, err);
	if (res < 0)
		return res;
	if (st == 201)
		return 1;
	/* 202: an upload session instead; cancel it so nothing dangles */
	struct http_request req = {.method = "DELETE", .body_fd = -1};
	struct http_response resp = {0};
	if (registry_request(r, "pull,push", NULL, &req, loc, &resp, NULL) >= 0)
		http_response_release(&resp);
	return 0;
}

#define CHUNK_THRESHOLD (256ull << 20)
#define CHUNK_SIZE	(64ull << 20)

int registry_upload_blob(struct registry *r, const struct berth_digest *d, int fd, uint64_t size,
			 struct berth_progress *progress, int item, struct berth_error **err)
{
	char hex[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(d, hex);
	long st = 0;
	_cleanup_free_ char *loc = NULL;
	int res = start_upload(r, "", NULL, &st, &loc, err);
	if (res < 0)
		return res;
	/* a 201 to a plain POST (no mount asked for) carries nothing to upload to */
	if (!loc)
		return berth_error_set(err, EBADMSG,
				       "upload blob %s: registry '%s' answered HTTP %ld without a "
				       "Location",
				       hex, r->domain, st);
	uint64_t off = 0;
	uint64_t chunk = registry_settings()->chunk_size;
	uint64_t threshold = chunk ? chunk : CHUNK_THRESHOLD;
	if (chunk == 0)
		chunk = CHUNK_SIZE;
	if (size > threshold) {
		/* chunked: PATCH each range, following the Location the registry returns */
		while (off < size) {
			uint64_t n = size - off < chunk ? size - off : chunk;
			_cleanup_free_ char *cr = berth_xasprintf(
				"Content-Range: %" PRIu64 "-%" PRIu64, off, off + n - 1);
			char *headers[] = {cr, "Content-Type: application/octet-stream", NULL};
			struct http_request req = {
				.method = "PATCH",
				.headers = headers,
				.has_body = true,
				.body_fd = fd,
				.body_off = off,
				.body_fd_len = n,
				.progress = progress,
				.progress_item = item,
				.progress_base = off,
			};
			struct http_response resp = {0};
			res = registry_request(r, "pull,push", NULL, &req, loc, &resp, err);
			if (res < 0)
				return berth_error_prefix(err, "upload blob %s", hex);
			if (resp.status != 202) {
				_cleanup_free_ char *what = berth_xasprintf("upload blob %s", hex);
				res = registry_status_error(&resp, what, err);
				http_response_release(&resp);
				return res;
			}
			if (resp.location) {
				free(loc);
				loc = resolve_location(r, resp.location);
			}
			http_response_release(&resp);
			off += n;
		}
	}
	_cleanup_free_ char *kv = berth_xasprintf("digest=%s", hex);
	_cleanup_free_ char *url = with_query(loc, kv);
	char *headers[] = {"Content-Type: application/octet-stream", NULL};
	struct http_request req = {
		.method = "PUT",
		.headers = headers,
		.has_body = true,
		.body_fd = fd,
		.body_off = off,
		.body_fd_len = size - off,
		.progress = progress,
		.progress_item = item,
		.progress_base = off,
	};
	struct http_response resp = {0};
	res = registry_request(r, "pull,push", NULL, &req, url, &resp, err);
	if (res < 0)
		return berth_error_prefix(err, "upload blob %s", hex);
	if (resp.status != 201) {
		_cleanup_free_ char *what = berth_xasprintf("upload blob %s", hex);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	http_response_release(&resp);
	return 0;
}

int registry_put_manifest(struct registry *r, const char *reference, const char *media_type,
			  const void *data, size_t len, struct berth_digest *ret,
			  struct berth_error **err)
{
	_cleanup_free_ char *ct = berth_xasprintf("Content-Type: %s", media_type);
	char *headers[] = {ct, NULL};
	_cleanup_free_ char *path = berth_xasprintf("/v2/%s/manifests/%s", r->repo, reference);
	struct http_request req = {
		.method = "PUT",
		.headers = headers,
		.has_body = true,
		.body = data,
		.body_len = len,
		.body_fd = -1,
	};
	struct http_response resp = {0};
	int res = registry_request(r, "pull,push", NULL, &req, path, &resp, err);
	if (res < 0)
		return res;
	if (resp.status != 201 && resp.status != 200) {
		_cleanup_free_ char *what = berth_xasprintf("put manifest '%s' to '%s/%s'",
							    reference, r->domain, r->repo);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	http_response_release(&resp);
	berth_digest_of(data, len, ret);
	return 0;
}

/* Platforms ---------------------------------------------------------------- */

int registry_platform_parse(const char *s, char **ret_os, char **ret_arch, char **ret_variant,
			    struct berth_error **err)
{
	_cleanup_strv_free_ char **parts = NULL;
	_cleanup_free_ char *copy = berth_xstrdup(s);
	size_t n = 0;
	for (char *p = copy, *save = NULL, *tok; (tok = strtok_r(p, "/", &save)); p = NULL, n++)
		berth_strv_push(&parts, tok);
	if (n < 2 || n > 3)
		return berth_error_set(err, EINVAL,
				       "invalid platform '%s': expected os/arch[/variant]", s);
	*ret_os = berth_xstrdup(parts[0]);
	*ret_arch = berth_xstrdup(parts[1]);
	*ret_variant = n == 3 ? berth_xstrdup(parts[2]) : NULL;
	/* Docker's normalisations */
	if (strcmp(*ret_arch, "x86_64") == 0 || strcmp(*ret_arch, "x86-64") == 0) {
		free(*ret_arch);
		*ret_arch = berth_xstrdup("amd64");
	} else if (strcmp(*ret_arch, "aarch64") == 0) {
		free(*ret_arch);
		*ret_arch = berth_xstrdup("arm64");
	}
	return 0;
}

int registry_index_select(const char *index, size_t len, const char *platform,
			  struct berth_digest *ret, char **ret_media_type, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL;
	int res = registry_platform_parse(platform, &os, &arch, &variant, err);
	if (res < 0)
		return res;
	res = berth_json_parse(index, len, "image index", &j, err);
	if (res < 0)
		return res;
	json_t *ms = json_object_get(j, "manifests");
	if (!json_is_array(ms))
		return berth_error_set(err, EBADMSG, "image index has no 'manifests' array");
	size_t i;
	json_t *m;
	json_t *best = NULL;
	int best_score = -1;
	json_array_foreach (ms, i, m) {
		json_t *p = json_object_get(m, "platform");
		const char *mos = json_string_value(json_object_get(p, "os"));
		const char *march = json_string_value(json_object_get(p, "architecture"));
		const char *mvar = json_string_value(json_object_get(p, "variant"));
		if (!mos || !march || strcmp(mos, os) != 0 || strcmp(march, arch) != 0)
			continue;
		int score;
		if (variant && mvar)
			score = strcmp(variant, mvar) == 0 ? 3 : -1;
		else if (!variant && !mvar)
			score = 2;
		else if (variant && strcmp(arch, "arm64") == 0 && strcmp(variant, "v8") == 0)
			score = 2; /* arm64 without a variant is v8 */
		else
			score = 1;
		if (score > best_score) {
			best_score = score;
			best = m;
		}
	}
	if (!best)
		return berth_error_set(err, ENOENT, "no image for platform '%s' in the index",
				       platform);
	const char *ds = json_string_value(json_object_get(best, "digest"));
	const char *mt = json_string_value(json_object_get(best, "mediaType"));
	if (!ds)
		return berth_error_set(err, EBADMSG, "index entry for '%s' has no digest",
				       platform);
	res = berth_digest_parse(ds, ret, err);
	if (res < 0)
		return res;
	*ret_media_type = berth_xstrdup(mt ? mt : MEDIA_OCI_MANIFEST);
	return 0;
}
