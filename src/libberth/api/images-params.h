/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The pure pieces of the image, build, network and volume handlers: what
 * Docker's clients send in queries and headers (filters, build args,
 * X-Registry-Auth) read into typed values, and the progress messages of
 * pull, push and build as Docker's JSON stream writes them. No I/O here,
 * so that the unit tests read them without a server.
 */

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/internal.h"
#include "core/error.h"
#include "registry/registry.h"

/*
 * Filters as api_req_filters reads them (key -> array of strings): a key
 * not in allowed (NULL-terminated) is -EINVAL "invalid filter 'KEY'", as
 * Docker's 400.
 */
int api_filters_check(const json_t *f, const char *const *allowed, struct berth_error **err);
/* The first value given for key, NULL when none. */
const char *api_filters_first(const json_t *f, const char *key);
/* No value for key, or one of them is a substring of s (Docker's name= filters). */
bool api_filters_match_substring(const json_t *f, const char *key, const char *s);
/* No value for key, or one of them is a prefix of s (Docker's id= filters). */
bool api_filters_match_prefix(const json_t *f, const char *key, const char *s);
/* No value for key, or one of them is s. */
bool api_filters_match_exact(const json_t *f, const char *key, const char *s);
/* A value of key is "true" or "1". */
bool api_filters_bool(const json_t *f, const char *key);

/* Is the request's API version (api_req_version's "1.41") older than major.minor? */
bool api_version_before(const char *version, unsigned major, unsigned minor);

/*
 * body's key, when present, as an object of strings (Docker's Labels) in
 * *ret (a new reference, NULL when absent); anything else is -EINVAL.
 */
int api_json_labels(const json_t *body, const char *key, json_t **ret, struct berth_error **err);
/*
 * body's optional key: absent or null leaves *ret NULL and is 0 (Docker's
 * clients send null for what they leave out); a value of another type is
 * -EINVAL naming the key.
 */
int api_json_string(const json_t *body, const char *key, const char **ret,
		    struct berth_error **err);
int api_json_object(const json_t *body, const char *key, json_t **ret, struct berth_error **err);

/* "K=V" of an object of strings (NULL: NULL), owned. */
char **api_labels_to_strv(const json_t *labels);

/*
 * The build's ?buildargs={"K":"V"} as "K=V" (a null value, Docker's "take
 * it from the daemon's environment", is refused: the service has none to
 * give); NULL or "" is none.
 */
int api_build_args_parse(const char *json, char ***ret, struct berth_error **err);

/*
 * X-Registry-Auth: base64 (URL or standard alphabet, padded or not) of
 * JSON {"username", "password", "auth", "identitytoken", "registrytoken",
 * "serveraddress", "email"}, read into owned strings. "auth" (base64
 * user:password) stands for username and password when they are absent;
 * docker sends "e30=", {}, when it has no login. NULL or "" header: none.
 * Longer than API_REGISTRY_AUTH_MAX, not base64, not a JSON object, a
 * known field that is not a string, a password without a username: -EINVAL
 * with one line naming the header.
 */
#define API_REGISTRY_AUTH_MAX 16384u
struct api_registry_auth {
	char *username, *password, *identity_token;
	char *registry_token; /* registrytoken: the registry's bearer token itself */
	char *server;	      /* serveraddress: informative (the operation's registry decides) */
};
int api_registry_auth_parse(const char *header, struct api_registry_auth *ret,
			    struct berth_error **err);
/*
 * The same fields from a JSON object already parsed (POST /auth's body);
 * what names it in messages ("X-Registry-Auth", "auth body").
 */
int api_registry_auth_from_json(const json_t *j, const char *what, struct api_registry_auth *ret,
				struct berth_error **err);
/* Wipes and frees the secrets. */
void api_registry_auth_release(struct api_registry_auth *a);
/* *ret borrows a's strings; true when a carries a credential (else the stored ones apply). */
bool api_registry_auth_credentials(const struct api_registry_auth *a,
				   struct berth_registry_credentials *ret);

/*
 * A progress report of pull or push as Docker's JSON message:
 * {"status": s, "id": id, "progressDetail": {"current", "total"},
 * "progress": "[==>  ] 1.2MB/3.4MB"} (id, detail and bar only when given;
 * total 0: unknown).
 */
json_t *api_progress_message(const char *status, const char *id, uint64_t current, uint64_t total);
/* An error inside a stream: {"errorDetail": {"message": m}, "error": m}. */
json_t *api_stream_error_message(const char *msg);

/* api_req_filters, then api_filters_check against allowed. */
static inline int api_req_filters_allowed(const struct api_req *req, const char *const *allowed,
					  json_t **ret, struct berth_error **err)
{
	int r = api_req_filters(req, ret, err);
	if (r >= 0 && (r = api_filters_check(*ret, allowed, err)) < 0) {
		json_decref(*ret);
		*ret = NULL;
	}
	return r;
}

/* A failure whose code is EBUSY answered as Docker's 409 conflict, others as api_reply_berror. */
static inline int api_reply_conflict_or_berror(struct api_req *req, struct berth_error **err)
{
	if (berth_error_code(*err) == EBUSY) {
		int r = api_reply_error(req, 409, "%s", berth_error_msg(*err));
		berth_error_free(err);
		return r;
	}
	return api_reply_berror(req, err);
}
