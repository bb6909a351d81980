/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between the files of src/libberth/registry; not a public header. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/digest.h"
#include "core/error.h"
#include "image/image.h"
#include "registry/registry.h"

/* image/'s media types, under the short names of the registry's files */
#define MEDIA_OCI_MANIFEST    BERTH_MT_OCI_MANIFEST
#define MEDIA_OCI_INDEX	      BERTH_MT_OCI_INDEX
#define MEDIA_DOCKER_MANIFEST BERTH_MT_DOCKER_MANIFEST
#define MEDIA_DOCKER_LIST     BERTH_MT_DOCKER_LIST

#define MANIFEST_MAX (4u << 20)
#define CONFIG_MAX   (16u << 20)

/* settings.c */
const struct berth_registry_settings *registry_settings(void);
bool registry_is_insecure(const char *domain);
/* "registry-1.docker.io" for docker.io, else domain itself. */
const char *registry_api_host(const char *domain);

/* creds.c ------------------------------------------------------------- */
struct registry_creds {
	char *username;
	char *password; /* or an identity token when username is "<token>" */
};
void registry_creds_release(struct registry_creds *c);
/* Looks up credentials for domain; 0 and empty creds when none are stored. */
int registry_creds_lookup(const char *domain, struct registry_creds *ret, struct berth_error **err);
/* The path of berth's auth file (the settings' auth_file, borrowed); -EINVAL
 * when none is configured. */
int registry_auth_file_path(const char **ret, struct berth_error **err);
/* Key under "auths" for domain ("https://index.docker.io/v1/" for docker.io). */
const char *registry_auth_key(const char *domain);
int registry_creds_store(const char *domain, const char *user, const char *pass,
			 struct berth_error **err);
int registry_creds_erase(const char *domain, struct berth_error **err);

/* auth.c: WWW-Authenticate -------------------------------------------- */
struct registry_challenge {
	char *scheme; /* "bearer", "basic" (lowercased) */
	char *realm, *service, *scope;
};
void registry_challenge_release(struct registry_challenge *c);
/* Parses the first challenge of a WWW-Authenticate value. */
int registry_challenge_parse(const char *value, struct registry_challenge *ret,
			     struct berth_error **err);

/* http.c --------------------------------------------------------------- */
typedef int (*registry_sink_fn)(void *ctx, const void *data, size_t len, struct berth_error **err);

struct http_request {
	const char *method; /* "GET", "HEAD", "PUT", "POST", "PATCH" */
	const char *url;
	char **headers;		   /* "Name: value" lines (borrowed) */
	const char *authorization; /* value of Authorization; never logged */
	/* body: in-memory, or a range of an fd */
	const void *body;
	size_t body_len;
	int body_fd;
	uint64_t body_off;
	uint64_t body_fd_len;
	bool has_body;
	/* response body: to sink when set (2xx only), else collected up to max_body */
	registry_sink_fn sink;
	void *sink_ctx;
	/* called with the status and Content-Range before the first byte reaches sink */
	int (*on_start)(void *ctx, long status, const char *content_range,
			struct berth_error **err);
	size_t max_body;
	/* upload progress */
	struct berth_progress *progress;
	int progress_item;
	uint64_t progress_base;
};

struct http_response {
	long status;
	struct berth_buf body;
	char *www_authenticate;
	char *location;
	char *content_type;
	char *docker_content_digest;
	char *content_range;
	char *link;		/* the first Link header (tag list pagination) */
	char *oci_subject;	/* OCI-Subject: the registry processed a manifest's subject */
	int64_t content_length; /* -1 when not given */
	uint64_t received;	/* bytes handed to the sink */
};
void http_response_release(struct http_response *r);

/*
 * One attempt. A transport error (refused, reset, TLS) is -EIO (ECONNREFUSED
 * for refused) with a message naming the host; an HTTP status is not an
 * error here. Sink errors are returned as they are.
 */
int http_do(const struct http_request *req, struct http_response *ret, struct berth_error **err);
/* True when a transport error code is worth another attempt. */
bool http_error_is_transient(int r);

/* client.c: one registry + repository ---------------------------------- */
struct token_entry {
	char *scope;
	char *token;
	time_t expires;
};

struct registry {
	char *domain;
	char *host;   /* host[:port] to connect to */
	char *scheme; /* "https" or "http", decided by the ping */
	char *repo;
	bool pinged;
	struct registry_creds creds;
	bool creds_loaded;
	char *registry_token; /* the caller's bearer token, sent as it is (NULL: none) */
	struct registry_challenge challenge; /* from the /v2/ ping */
	pthread_mutex_t lock;
	pthread_mutex_t ping_lock; /* held across the ping: one ping per session */
	struct token_entry *tokens;
	size_t n_tokens;
	unsigned token_fetches; /* for tests */
	unsigned retries;
	bool no_patch; /* refused a PATCH: blobs go in one PUT (__atomic) */
};

int registry_open(const char *domain, const char *repo, struct registry **ret,
		  struct berth_error **err);
void registry_free(struct registry *r);
static inline void registry_freep(struct registry **r)
{
	if (*r)
		registry_free(*r);
}

/*
 * Does req against the registry with authentication: the path is relative
 * to https://host/v2/ (or a full URL from a Location). actions is "pull" or
 * "pull,push"; mount_from adds a pull scope on another repository. Retries
 * transport errors and 5xx/429 with backoff; 401 runs the auth flow once.
 * When resume_sink is used the caller handles partial transfers itself.
 */
int registry_request(struct registry *r, const char *actions, const char *mount_from,
		     struct http_request *req, const char *path, struct http_response *ret,
		     struct berth_error **err);

/*
 * The session uses c (copied) instead of looking the stored credentials up
 * (token.c); c NULL leaves the lookup as it is. Call before the first request.
 */
void registry_use_credentials(struct registry *r, const struct berth_registry_credentials *c);

/* Sleeps before retry number attempt + 1 (250 ms doubling, at most 4 s). */
void registry_backoff(unsigned attempt);
/* The /v2/ ping of the session (token.c): its scheme and auth challenge, once. */
int registry_ping(struct registry *r, struct berth_error **err);
/*
 * The Authorization header value for scope (NULL when the registry asks for
 * none): a bearer token (force: a fresh one) or basic credentials.
 */
int registry_authorization(struct registry *r, const char *scope, bool force, char **ret,
			   struct berth_error **err);

/* Error for an unexpected status: the registry's errors[0].message when it sent one. */
int registry_status_error(const struct http_response *resp, const char *what,
			  struct berth_error **err);

const char *registry_manifest_accept(void);

int registry_get_manifest(struct registry *r, const char *reference, char **ret, size_t *ret_len,
			  char **ret_media_type, struct berth_digest *ret_digest,
			  struct berth_error **err);
/* 1 present, 0 absent. */
int registry_blob_exists(struct registry *r, const char *actions, const struct berth_digest *d,
			 struct berth_error **err);
/* Small blob into memory, verified. */
int registry_get_blob_mem(struct registry *r, const struct berth_digest *d, size_t max, char **ret,
			  size_t *ret_len, struct berth_error **err);

/*
 * Streams a blob to a resumable writer: on a dropped connection it asks for
 * the rest with Range (or restarts via reset when the server ignores it).
 */
struct blob_target {
	registry_sink_fn write;
	int (*reset)(void *ctx, struct berth_error **err);
	void *ctx;
	struct berth_progress *progress;
	int item;
};
int registry_get_blob(struct registry *r, const struct berth_digest *d, uint64_t size,
		      struct blob_target *t, struct berth_error **err);

/* Uploads size bytes of fd as blob d (POST + PUT, PATCH chunks when large). */
int registry_upload_blob(struct registry *r, const struct berth_digest *d, int fd, uint64_t size,
			 struct berth_progress *progress, int item, struct berth_error **err);
/*
 * How far a blob being written is: waits until it holds want bytes or is
 * whole, and returns its size then (-errno on failure); *ret_end and
 * *ret_digest are set when it is whole and smaller than want.
 */
typedef int64_t (*registry_grow_fn)(void *ctx, uint64_t want, bool *ret_end,
				    struct berth_digest *ret_digest, struct berth_error **err);
/*
 * Uploads a blob while it is written to fd (a layer compressed on the way):
 * POST, a PATCH of each 8 MiB ($BERTH_REGISTRY_CHUNK_SIZE) as soon as it
 * is there, the PUT ?digest= with the rest once grow says it is whole.
 * -EOPNOTSUPP, no message, when the registry refuses the first PATCH (404,
 * 405, 501) or did so before: then the caller uploads the whole blob
 * (registry_upload_blob, which then sends every blob in one PUT).
 */
int registry_upload_growing(struct registry *r, int fd, registry_grow_fn grow, void *ctx,
			    struct berth_progress *progress, int item, struct berth_error **err);
/* The PATCH size of registry_upload_growing. */
uint64_t registry_growing_chunk(void);
/* 1 when mounted, 0 when the registry wants an upload instead. */
int registry_mount_blob(struct registry *r, const struct berth_digest *d, const char *from,
			struct berth_error **err);
int registry_put_manifest(struct registry *r, const char *reference, const char *media_type,
			  const void *data, size_t len, struct berth_digest *ret,
			  struct berth_error **err);
/*
 * The same; *ret_subject (may be NULL) is whether the registry answered
 * with OCI-Subject (distribution-spec 1.1: it keeps the referrers itself).
 */
int registry_put_manifest_ex(struct registry *r, const char *reference, const char *media_type,
			     const void *data, size_t len, struct berth_digest *ret,
			     bool *ret_subject, struct berth_error **err);

/* push.c: uploads blobs of the store as they are (HEAD first, several at a time). */
int registry_push_blobs(struct registry *r, struct berth_store *store,
			struct berth_descriptor *blobs, size_t n, struct berth_progress *p,
			struct berth_error **err);

/*
 * referrers.c: after a push of the manifest local_subject of store as
 * pushed, its referrers (artifacts) go too: blobs, the artifact manifest
 * with pushed as subject, and, where the registry has no referrers API, the
 * referrers tag sha256-<hex> updated (distribution-spec 1.1's fallback).
 * Returns how many referrers were pushed.
 */
int registry_push_referrers(struct registry *r, struct berth_store *store,
			    const struct berth_digest *local_subject,
			    const struct berth_descriptor *pushed, struct berth_progress *p,
			    struct berth_error **err);
/*
 * After a pull: the referrers of subject (the API, else the referrers tag)
 * whose artifact type is one of types (NULL-terminated) are fetched into
 * store as referrers of subject. Returns how many were.
 */
int registry_pull_referrers(struct registry *r, struct berth_store *store,
			    const struct berth_digest *subject, const char *const *types,
			    struct berth_error **err);

/* Parses a platform "os/arch[/variant]"; variant may come back NULL. */
int registry_platform_parse(const char *s, char **ret_os, char **ret_arch, char **ret_variant,
			    struct berth_error **err);
/* Picks the manifest digest for platform out of an index; ENOENT naming the platform. */
int registry_index_select(const char *index, size_t len, const char *platform,
			  struct berth_digest *ret, char **ret_media_type,
			  struct berth_error **err);

/* parallel.c */
int registry_run_parallel(size_t n, int (*fn)(void *ctx, size_t i, struct berth_error **err),
			  void *ctx, struct berth_error **err);

/*
 * Prefixes err with "<what> '<reference>'" (pull.c), a password typed into
 * the reference redacted (berth_image_ref_redact); returns the error's code.
 */
int registry_prefix_ref(struct berth_error **err, const char *what, const char *refstr);

struct berth_store;
/* pull.c: logs Docker's image event action ("pull", "push") of refstr to the store's event log. */
void registry_image_event(struct berth_store *store, const char *action, const char *refstr);
