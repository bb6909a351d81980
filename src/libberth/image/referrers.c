/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Artifacts about an image (an SBOM) and the lists of them: image-spec
 * 1.1's manifest `subject` and `artifactType`, and distribution-spec 1.1's
 * referrers list, an image index of the artifact manifests whose subject is
 * one digest. The store keeps one list per subject as
 * cache/referrers/<hex of the subject>, the same index a registry without
 * the referrers API keeps under the tag sha256-<hex>: one format for both.
 * gc (reach.c) keeps an artifact while its subject lives.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "image/image.h"
#include "image/internal.h"

#define REFERRERS_DIR "referrers"
/* A list beyond this is not one berth wrote. */
#define REFERRERS_MAX	    (4u << 20)
#define MAX_ARTIFACT_LAYERS 64

/* image-spec's empty descriptor: the two bytes "{}" */
static const char empty_json[] = "{}";

void berth_artifact_free(struct berth_artifact *a)
{
	if (!a)
		return;
	free(a->artifact_type);
	berth_descriptor_release(&a->config);
	for (size_t i = 0; i < a->n_layers; i++)
		berth_descriptor_release(&a->layers[i]);
	free(a->layers);
	berth_descriptor_release(&a->subject);
	free(a);
}

static int parse_layers(const json_t *layers, struct berth_artifact *a, struct berth_error **err)
{
	if (!json_is_array(layers))
		return berth_error_set(err, EINVAL,
				       "artifact manifest: 'layers' is missing or not an array");
	if (json_array_size(layers) > MAX_ARTIFACT_LAYERS)
		return berth_error_set(err, EINVAL, "artifact manifest has more than %d layers",
				       MAX_ARTIFACT_LAYERS);
	a->layers = berth_xcalloc(json_array_size(layers) + 1, sizeof(*a->layers));
	size_t i;
	json_t *l;
	json_array_foreach (layers, i, l) {
		char what[64];
		snprintf(what, sizeof(what), "artifact manifest layer %zu", i);
		int r = berth_descriptor_parse(l, what, &a->layers[i], err);
		if (r < 0)
			return r;
		a->n_layers = i + 1;
	}
	return 0;
}

int berth_artifact_parse(const char *data, size_t len, struct berth_artifact **ret,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(data, len, "artifact manifest", &j, err);
	if (r < 0)
		return r;
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "artifact manifest is not a JSON object");
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	if (!mt || strcmp(mt, BERTH_MT_OCI_MANIFEST) != 0)
		return berth_error_set(err, EINVAL,
				       "artifact manifest: media type '%s' is not '%s'",
				       mt ? mt : "", BERTH_MT_OCI_MANIFEST);
	json_t *at = json_object_get(j, "artifactType");
	if (at && !json_is_string(at))
		return berth_error_set(err, EINVAL,
				       "artifact manifest: 'artifactType' is not a string");
	json_t *subject = json_object_get(j, "subject");
	if (!subject)
		return berth_error_set(err, EINVAL, "artifact manifest has no subject");
	_cleanup_(berth_artifact_freep) struct berth_artifact *a = berth_xcalloc(1, sizeof(*a));
	r = berth_descriptor_parse(subject, "artifact manifest subject", &a->subject, err);
	if (r < 0)
		return r;
	json_t *c = json_object_get(j, "config");
	if (!c)
		return berth_error_set(err, EINVAL, "artifact manifest has no config");
	r = berth_descriptor_parse(c, "artifact manifest config", &a->config, err);
	if (r < 0)
		return r;
	r = parse_layers(json_object_get(j, "layers"), a, err);
	if (r < 0)
		return r;
	const char *type = at ? json_string_value(at) : a->config.media_type;
	if (!*type || strcmp(type, BERTH_MT_OCI_EMPTY) == 0)
		return berth_error_set(err, EINVAL, "artifact manifest has no artifactType");
	a->artifact_type = berth_xstrdup(type);
	*ret = TAKE_PTR(a);
	return 0;
}

static json_t *descriptor_json(const char *mt, const struct berth_digest *d, uint64_t size,
			       const char *artifact_type)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	json_t *o = json_object();
	json_object_set_new(o, "mediaType", json_string(mt));
	json_object_set_new(o, "digest", json_string(berth_digest_fmt(d, dg)));
	json_object_set_new(o, "size", json_integer((json_int_t)size));
	if (artifact_type)
		json_object_set_new(o, "artifactType", json_string(artifact_type));
	return o;
}

char *berth_artifact_manifest_new(const struct berth_descriptor *subject, const char *artifact_type,
				  const struct berth_digest *doc, uint64_t size, size_t *ret_len)
{
	struct berth_digest empty;
	berth_digest_of(empty_json, strlen(empty_json), &empty);
	_cleanup_json_ json_t *j = json_object();
	json_object_set_new(j, "schemaVersion", json_integer(2));
	json_object_set_new(j, "mediaType", json_string(BERTH_MT_OCI_MANIFEST));
	json_object_set_new(j, "artifactType", json_string(artifact_type));
	json_t *config = descriptor_json(BERTH_MT_OCI_EMPTY, &empty, strlen(empty_json), NULL);
	json_object_set_new(config, "data", json_string("e30="));
	json_object_set_new(j, "config", config);
	json_t *layers = json_array();
	json_array_append_new(layers, descriptor_json(artifact_type, doc, size, NULL));
	json_object_set_new(j, "layers", layers);
	json_object_set_new(
		j, "subject",
		descriptor_json(subject->media_type, &subject->digest, subject->size, NULL));
	return berth_json_dump(j, ret_len);
}

int berth_artifact_resubject(const char *data, size_t len, const struct berth_descriptor *subject,
			     char **ret, size_t *ret_len, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(data, len, "artifact manifest", &j, err);
	if (r < 0)
		return r;
	if (!json_is_object(j) || !json_object_get(j, "subject"))
		return berth_error_set(err, EINVAL, "artifact manifest has no subject");
	json_object_set_new(
		j, "subject",
		descriptor_json(subject->media_type, &subject->digest, subject->size, NULL));
	*ret = berth_json_dump(j, ret_len);
	return 0;
}

int berth_referrers_index_add(const char *data, size_t len, const struct berth_descriptor *entry,
			      char **ret, size_t *ret_len, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	if (data) {
		/* the one index model checks it first: every entry a descriptor */
		_cleanup_(berth_index_freep) struct berth_index *x = NULL;
		int r = berth_index_parse(data, len, NULL, &x, err);
		if (r < 0)
			return berth_error_prefix(err, "referrers list");
		if (strcmp(x->media_type, BERTH_MT_OCI_INDEX) != 0)
			return berth_error_set(err, EINVAL,
					       "referrers list: media type '%s' is not '%s'",
					       x->media_type, BERTH_MT_OCI_INDEX);
		for (size_t i = 0; i < x->n_manifests; i++)
			if (berth_digest_eq(&x->manifests[i].digest, &entry->digest)) {
				*ret = NULL;
				*ret_len = 0;
				return 0;
			}
		r = berth_json_parse(data, len, "referrers list", &j, err);
		if (r < 0)
			return r;
	} else {
		j = json_object();
		json_object_set_new(j, "schemaVersion", json_integer(2));
		json_object_set_new(j, "mediaType", json_string(BERTH_MT_OCI_INDEX));
		json_object_set_new(j, "manifests", json_array());
	}
	json_array_append_new(json_object_get(j, "manifests"),
			      descriptor_json(entry->media_type, &entry->digest, entry->size,
					      entry->artifact_type));
	*ret = berth_json_dump(j, ret_len);
	return 1;
}

/* ---- the store's lists ---- */

static int referrers_dir(struct berth_store *s, bool create, struct berth_error **err)
{
	int cache = berth_store_dir_fd(s, "cache");
	if (cache < 0)
		return berth_error_set(err, ENOENT, "the store has no cache directory");
	if (create && mkdirat(cache, REFERRERS_DIR, 0755) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create 'cache/%s'", REFERRERS_DIR);
	int fd = openat(cache, REFERRERS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open 'cache/%s'", REFERRERS_DIR);
	return fd;
}

static int read_list(int dfd, const struct berth_digest *subject, char **ret, size_t *ret_len,
		     struct berth_error **err)
{
	char hex[65];
	berth_digest_hex(subject, hex);
	return berth_read_file_at(dfd, hex, REFERRERS_MAX, ret, ret_len, err);
}

int berth_image_referrers(struct berth_store *s, const struct berth_digest *subject,
			  struct berth_index **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	_cleanup_close_ int dfd = referrers_dir(s, false, NULL);
	struct berth_error *e = NULL;
	if (dfd < 0 || read_list(dfd, subject, &data, &len, &e) < 0) {
		berth_error_free(&e);
		struct berth_index *x = berth_xcalloc(1, sizeof(*x));
		x->media_type = berth_xstrdup(BERTH_MT_OCI_INDEX);
		x->manifests = berth_xcalloc(1, sizeof(*x->manifests));
		*ret = x;
		return 0;
	}
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	int r = berth_index_parse(data, len, NULL, &x, err);
	if (r < 0) {
		char hex[65];
		return berth_error_prefix(err, "referrers list 'cache/%s/%s'", REFERRERS_DIR,
					  berth_digest_hex(subject, hex));
	}
	/* an artifact a gc has taken (its list not yet pruned) is not listed */
	size_t k = 0;
	for (size_t i = 0; i < x->n_manifests; i++) {
		if (!berth_store_blob_exists(s, &x->manifests[i].digest)) {
			berth_descriptor_release(&x->manifests[i]);
			continue;
		}
		x->manifests[k++] = x->manifests[i];
	}
	x->n_manifests = k;
	*ret = TAKE_PTR(x);
	return 0;
}

/* Adds entry to subject's list under an exclusive flock of the lists' directory. */
static int list_add(struct berth_store *s, const struct berth_digest *subject,
		    const struct berth_descriptor *entry, struct berth_error **err)
{
	_cleanup_close_ int dfd = referrers_dir(s, true, err);
	if (dfd < 0)
		return dfd;
	if (flock(dfd, LOCK_EX) < 0)
		return berth_error_syscall(err, errno, "lock 'cache/%s'", REFERRERS_DIR);
	_cleanup_free_ char *data = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	struct berth_error *e = NULL;
	int r = read_list(dfd, subject, &data, &len, &e);
	if (r < 0 && berth_error_code(e) != ENOENT) {
		*err = e;
		return r;
	}
	berth_error_free(&e);
	r = berth_referrers_index_add(data, len, entry, &out, &out_len, err);
	if (r <= 0)
		return r;
	char hex[65];
	berth_digest_hex(subject, hex);
	return berth_write_file_atomic(dfd, hex, out, out_len, 0644, err);
}

static int check_blob(struct berth_store *s, const struct berth_descriptor *d, const char *what,
		      struct berth_error **err)
{
	if (berth_store_blob_exists(s, &d->digest))
		return 0;
	char dg[BERTH_DIGEST_STRLEN + 1];
	return berth_error_set(err, ENOENT, "artifact manifest: its %s %s is not in the store",
			       what, berth_digest_fmt(&d->digest, dg));
}

int berth_image_referrer_put(struct berth_store *s, const char *data, size_t len,
			     struct berth_digest *ret_digest, struct berth_error **err)
{
	_cleanup_(berth_artifact_freep) struct berth_artifact *a = NULL;
	int r = berth_artifact_parse(data, len, &a, err);
	if (r < 0)
		return r;
	r = check_blob(s, &a->subject, "subject", err);
	if (r < 0)
		return r;
	/* an inline config (the empty one's "data") may be absent as a blob: put it */
	if (a->config.size == strlen(empty_json) &&
	    strcmp(a->config.media_type, BERTH_MT_OCI_EMPTY) == 0 &&
	    !berth_store_blob_exists(s, &a->config.digest)) {
		struct berth_digest d;
		r = berth_store_blob_put(s, empty_json, strlen(empty_json), &d, err);
		if (r < 0)
			return r;
	}
	r = check_blob(s, &a->config, "config", err);
	for (size_t i = 0; r >= 0 && i < a->n_layers; i++)
		r = check_blob(s, &a->layers[i], "layer", err);
	if (r < 0)
		return r;
	struct berth_descriptor entry = {.media_type = BERTH_MT_OCI_MANIFEST,
					 .size = len,
					 .artifact_type = a->artifact_type};
	r = berth_store_blob_put(s, data, len, &entry.digest, err);
	if (r < 0)
		return r;
	r = list_add(s, &a->subject.digest, &entry, err);
	if (r < 0)
		return r;
	if (ret_digest)
		*ret_digest = entry.digest;
	return 0;
}

int berth_image_attach(struct berth_store *s, const struct berth_image *img,
		       const char *artifact_type, const void *doc, size_t len,
		       struct berth_digest *ret_digest, struct berth_error **err)
{
	struct berth_digest d;
	int r = berth_store_blob_put(s, doc, len, &d, err);
	if (r < 0)
		return r;
	struct berth_descriptor subject = {.media_type = img->top_media_type,
					   .digest = img->top_digest,
					   .size = img->top_size};
	size_t mlen = 0;
	_cleanup_free_ char *m =
		berth_artifact_manifest_new(&subject, artifact_type, &d, len, &mlen);
	return berth_image_referrer_put(s, m, mlen, ret_digest, err);
}

int berth_image_attached(struct berth_store *s, const struct berth_image *img,
			 const char *artifact_type, char **ret, size_t *ret_len,
			 struct berth_error **err)
{
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	int r = berth_image_referrers(s, &img->top_digest, &x, err);
	if (r < 0)
		return r;
	for (size_t i = x->n_manifests; i-- > 0;) {
		const struct berth_descriptor *e = &x->manifests[i];
		if (!e->artifact_type || strcmp(e->artifact_type, artifact_type) != 0)
			continue;
		_cleanup_free_ char *m = NULL;
		size_t mlen = 0;
		_cleanup_(berth_artifact_freep) struct berth_artifact *a = NULL;
		r = berth_store_blob_read(s, &e->digest, REFERRERS_MAX, &m, &mlen, err);
		if (r >= 0)
			r = berth_artifact_parse(m, mlen, &a, err);
		if (r >= 0 && a->n_layers != 1)
			r = berth_error_set(err, EINVAL, "artifact manifest has %zu layers, not 1",
					    a->n_layers);
		if (r < 0)
			return r;
		return berth_store_blob_read(s, &a->layers[0].digest, a->layers[0].size + 1, ret,
					     ret_len, err);
	}
	return berth_error_set(err, ENOENT, "no stored %s document is attached to the image",
			       artifact_type);
}

/* ---- gc ---- */

static bool subject_name(const char *name, struct berth_digest *ret)
{
	if (strlen(name) != 64 || strspn(name, "0123456789abcdef") != 64)
		return false;
	_cleanup_free_ char *s = berth_xasprintf("sha256:%s", name);
	return berth_digest_parse(s, ret, NULL) >= 0;
}

int image_referrers_foreach(struct berth_store *s, image_referrers_fn fn, void *ctx)
{
	_cleanup_close_ int dfd = referrers_dir(s, false, NULL);
	if (dfd < 0)
		return 0;
	_cleanup_closedir_ DIR *dir = fdopendir(dup(dfd));
	if (!dir)
		return 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		struct berth_digest subject;
		if (!subject_name(de->d_name, &subject))
			continue;
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		_cleanup_json_ json_t *j = NULL;
		if (berth_read_file_at(dfd, de->d_name, REFERRERS_MAX, &data, &len, NULL) < 0 ||
		    berth_json_parse(data, len, "referrers list", &j, NULL) < 0)
			continue;
		int r = fn(ctx, &subject, j);
		if (r)
			return r;
	}
	return 0;
}

static int prune_one(void *ctx, const struct berth_digest *subject, const json_t *index)
{
	(void)index;
	struct berth_store *s = ctx;
	if (berth_store_blob_exists(s, subject))
		return 0;
	_cleanup_close_ int dfd = referrers_dir(s, false, NULL);
	char hex[65];
	berth_digest_hex(subject, hex);
	if (dfd >= 0)
		(void)unlinkat(dfd, hex, 0);
	return 0;
}

void image_referrers_prune(struct berth_store *s)
{
	image_referrers_foreach(s, prune_one, s);
}
