/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Referrers on a registry (distribution-spec 1.1): an artifact manifest
 * with a `subject` is pushed by digest; a registry with the referrers API
 * answers the PUT with OCI-Subject (or serves GET /v2/<name>/referrers/<digest>)
 * and lists it itself. Where it does neither (distribution 2.8, Debian's
 * docker-registry), the client keeps the list: the image index tagged
 * sha256-<hex of the subject>, fetched, the descriptor added unless it is
 * there, and pushed back. Pulling reads the API, else that tag.
 */
#include <errno.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "image/image.h"
#include "registry/internal.h"
#include "store/store.h"

/* An SBOM document beyond this is not fetched. */
#define ARTIFACT_BLOB_MAX (64u << 20)

/* The referrers tag schema: "sha256-<hex>". */
static void referrers_tag(const struct berth_digest *subject, char ret[80])
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(subject, dg);
	char *colon = strchr(dg, ':');
	if (colon)
		*colon = '-';
	snprintf(ret, 80, "%s", dg);
}

/*
 * GET /v2/<name>/referrers/<digest>: 1 and the list (owned) when the
 * registry has the API, 0 when it answers 404 (no API: use the tag).
 */
static int referrers_api_get(struct registry *r, const struct berth_digest *subject, char **ret,
			     size_t *ret_len, struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *path =
		berth_xasprintf("/v2/%s/referrers/%s", r->repo, berth_digest_fmt(subject, dg));
	char *headers[] = {"Accept: " MEDIA_OCI_INDEX, NULL};
	struct http_request req = {
		.method = "GET", .headers = headers, .body_fd = -1, .max_body = MANIFEST_MAX};
	struct http_response resp = {0};
	int res = registry_request(r, "pull", NULL, &req, path, &resp, err);
	if (res < 0)
		return res;
	/* distribution 2.8 answers 404 (unknown route); some proxies 400/405 */
	if (resp.status == 404 || resp.status == 400 || resp.status == 405) {
		http_response_release(&resp);
		return 0;
	}
	if (resp.status != 200) {
		_cleanup_free_ char *what =
			berth_xasprintf("referrers of '%s' in '%s/%s'", dg, r->domain, r->repo);
		res = registry_status_error(&resp, what, err);
		http_response_release(&resp);
		return res;
	}
	*ret_len = resp.body.len;
	*ret = berth_buf_detach(&resp.body, NULL);
	http_response_release(&resp);
	return 1;
}

/* The referrers tag's index (owned; NULL when the tag is not there). */
static int referrers_tag_get(struct registry *r, const struct berth_digest *subject, char **ret,
			     size_t *ret_len, struct berth_error **err)
{
	char tag[80];
	referrers_tag(subject, tag);
	_cleanup_free_ char *mt = NULL;
	struct berth_digest d;
	struct berth_error *e = NULL;
	int res = registry_get_manifest(r, tag, ret, ret_len, &mt, &d, &e);
	if (res == -ENOENT) {
		berth_error_free(&e);
		*ret = NULL;
		*ret_len = 0;
		return 0;
	}
	if (res < 0) {
		*err = e;
		return res;
	}
	if (strcmp(mt, MEDIA_OCI_INDEX) != 0) {
		free(*ret);
		*ret = NULL;
		return berth_error_set(
			err, EINVAL,
			"the referrers tag '%s' of '%s/%s' is a '%s', not an image index", tag,
			r->domain, r->repo, mt);
	}
	return 0;
}

/* The fallback: the referrers tag's index with entry added, unless it is there. */
static int referrers_tag_add(struct registry *r, const struct berth_digest *subject,
			     const struct berth_descriptor *entry, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	int res = referrers_tag_get(r, subject, &data, &len, err);
	if (res < 0)
		return res;
	char tag[80];
	referrers_tag(subject, tag);
	res = berth_referrers_index_add(data, len, entry, &out, &out_len, err);
	if (res < 0)
		return berth_error_prefix(err, "referrers tag '%s' of '%s/%s'", tag, r->domain,
					  r->repo);
	if (res == 0)
		return 0;
	struct berth_digest d;
	return registry_put_manifest(r, tag, MEDIA_OCI_INDEX, out, out_len, &d, err);
}

/* Pushes one stored artifact about pushed; *api: whether the registry keeps the list. */
static int push_one(struct registry *r, struct berth_store *store, const struct berth_digest *md,
		    const struct berth_descriptor *pushed, struct berth_progress *p, int *api,
		    struct berth_error **err)
{
	_cleanup_free_ char *data = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	_cleanup_(berth_artifact_freep) struct berth_artifact *a = NULL;
	int res = berth_store_blob_read(store, md, MANIFEST_MAX, &data, &len, err);
	if (res >= 0)
		res = berth_artifact_parse(data, len, &a, err);
	if (res < 0)
		return res;
	size_t n = a->n_layers + 1;
	_cleanup_free_ struct berth_descriptor *blobs = berth_xcalloc(n, sizeof(*blobs));
	for (size_t i = 0; i < a->n_layers; i++)
		blobs[i] = a->layers[i];
	blobs[a->n_layers] = a->config;
	res = registry_push_blobs(r, store, blobs, n, p, err);
	if (res < 0)
		return res;
	res = berth_artifact_resubject(data, len, pushed, &out, &out_len, err);
	if (res < 0)
		return res;
	struct berth_descriptor entry = {.media_type = MEDIA_OCI_MANIFEST,
					 .size = out_len,
					 .artifact_type = a->artifact_type};
	char dg[BERTH_DIGEST_STRLEN + 1];
	berth_digest_of(out, out_len, &entry.digest);
	bool subject_seen = false;
	res = registry_put_manifest_ex(r, berth_digest_fmt(&entry.digest, dg), MEDIA_OCI_MANIFEST,
				       out, out_len, &entry.digest, &subject_seen, err);
	if (res < 0)
		return res;
	if (subject_seen)
		return 0;
	if (*api < 0) {
		_cleanup_free_ char *list = NULL;
		size_t list_len = 0;
		*api = referrers_api_get(r, &pushed->digest, &list, &list_len, err);
		if (*api < 0)
			return *api;
	}
	if (*api > 0)
		return 0;
	return referrers_tag_add(r, &pushed->digest, &entry, err);
}

int registry_push_referrers(struct registry *r, struct berth_store *store,
			    const struct berth_digest *local_subject,
			    const struct berth_descriptor *pushed, struct berth_progress *p,
			    struct berth_error **err)
{
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	int res = berth_image_referrers(store, local_subject, &x, err);
	if (res < 0)
		return res;
	int api = -1; /* not asked yet */
	for (size_t i = 0; i < x->n_manifests; i++) {
		res = push_one(r, store, &x->manifests[i].digest, pushed, p, &api, err);
		if (res < 0) {
			char dg[BERTH_DIGEST_STRLEN + 1];
			return berth_error_prefix(err, "referrer %s",
						  berth_digest_fmt(&x->manifests[i].digest, dg));
		}
	}
	return (int)x->n_manifests;
}

static bool type_wanted(const char *type, const char *const *types)
{
	for (size_t i = 0; type && types[i]; i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

static int fetch_blob(struct registry *r, struct berth_store *store,
		      const struct berth_descriptor *d, struct berth_error **err)
{
	if (berth_store_blob_exists(store, &d->digest))
		return 0;
	if (d->size > ARTIFACT_BLOB_MAX)
		return berth_error_set(err, EFBIG, "an artifact blob of %llu bytes is too large",
				       (unsigned long long)d->size);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int res = registry_get_blob_mem(r, &d->digest, ARTIFACT_BLOB_MAX, &data, &len, err);
	if (res < 0)
		return res;
	struct berth_digest got;
	return berth_store_blob_put(store, data, len, &got, err);
}

/* Fetches one listed artifact of subject into the store; 1 when it is one of types. */
static int pull_one(struct registry *r, struct berth_store *store,
		    const struct berth_digest *subject, const struct berth_descriptor *e,
		    const char *const *types, struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *data = NULL, *mt = NULL;
	size_t len = 0;
	struct berth_digest d;
	_cleanup_(berth_artifact_freep) struct berth_artifact *a = NULL;
	int res = registry_get_manifest(r, berth_digest_fmt(&e->digest, dg), &data, &len, &mt, &d,
					err);
	if (res >= 0)
		res = berth_artifact_parse(data, len, &a, err);
	if (res < 0)
		return res;
	if (!type_wanted(a->artifact_type, types))
		return 0;
	if (!berth_digest_eq(&a->subject.digest, subject))
		return berth_error_set(err, EBADMSG, "artifact %s is listed for another subject",
				       dg);
	/* the empty config ({}) is made locally (berth_image_referrer_put): a registry may lack it */
	if (strcmp(a->config.media_type, BERTH_MT_OCI_EMPTY) != 0 || a->config.size != 2)
		res = fetch_blob(r, store, &a->config, err);
	for (size_t i = 0; res >= 0 && i < a->n_layers; i++)
		res = fetch_blob(r, store, &a->layers[i], err);
	if (res < 0)
		return res;
	res = berth_image_referrer_put(store, data, len, NULL, err);
	return res < 0 ? res : 1;
}

int registry_pull_referrers(struct registry *r, struct berth_store *store,
			    const struct berth_digest *subject, const char *const *types,
			    struct berth_error **err)
{
	_cleanup_free_ char *list = NULL;
	size_t len = 0;
	int res = referrers_api_get(r, subject, &list, &len, err);
	if (res == 0)
		res = referrers_tag_get(r, subject, &list, &len, err);
	if (res < 0 || !list)
		return res;
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	res = berth_index_parse(list, len, NULL, &x, err);
	if (res < 0)
		return berth_error_prefix(err, "referrers list");
	int n = 0;
	for (size_t i = 0; i < x->n_manifests; i++) {
		const struct berth_descriptor *e = &x->manifests[i];
		/* an entry without artifactType may still be one: its manifest says */
		if (e->artifact_type && !type_wanted(e->artifact_type, types))
			continue;
		res = pull_one(r, store, subject, e, types, err);
		if (res < 0) {
			char dg[BERTH_DIGEST_STRLEN + 1];
			return berth_error_prefix(err, "referrer %s",
						  berth_digest_fmt(&e->digest, dg));
		}
		n += res;
	}
	return n;
}
