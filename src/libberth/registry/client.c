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
 *
 * Here: the session, the request loop and manifests; the ping and the
 * tokens are token.c, blobs blob.c.
 */

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
	if (r->registry_token)
		explicit_bzero(r->registry_token, strlen(r->registry_token));
	free(r->registry_token);
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

void registry_backoff(unsigned attempt)
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

static char *scope_for(struct registry *r, const char *actions, const char *mount_from)
{
	if (mount_from)
		return berth_xasprintf("repository:%s:%s repository:%s:pull", r->repo, actions,
				       mount_from);
	if (!r->repo)
		return berth_xstrdup("");
	return berth_xasprintf("repository:%s:%s", r->repo, actions);
}

int registry_request(struct registry *r, const char *actions, const char *mount_from,
		     struct http_request *req, const char *path, struct http_response *ret,
		     struct berth_error **err)
{
	int res = registry_ping(r, err);
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
		res = registry_authorization(r, scope, reauthed, &authz, err);
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
			registry_backoff(attempt - 1);
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
			registry_backoff(attempt - 1);
			continue;
		}
		if (resp.status == 401) {
			http_response_release(&resp);
			if (r->registry_token)
				return berth_error_set(
					err, EACCES,
					"authentication to '%s' failed: the registry "
					"token was refused",
					r->domain);
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

int registry_put_manifest(struct registry *r, const char *reference, const char *media_type,
			  const void *data, size_t len, struct berth_digest *ret,
			  struct berth_error **err)
{
	return registry_put_manifest_ex(r, reference, media_type, data, len, ret, NULL, err);
}

int registry_put_manifest_ex(struct registry *r, const char *reference, const char *media_type,
			     const void *data, size_t len, struct berth_digest *ret,
			     bool *ret_subject, struct berth_error **err)
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
	if (ret_subject)
		*ret_subject = resp.oci_subject != NULL;
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
