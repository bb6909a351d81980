/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The builder's only contact with the store: resolving a base image,
 * opening layer blobs, streaming new layers in, and committing the final
 * config + manifest + tags.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "registry/registry.h"
#include "store/store.h"

#define MANIFEST_MAX (4u << 20)
#define CONFIG_MAX   (8u << 20)

#define MT_OCI_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG	   "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"

struct bstore {
	struct berth_store *s;
};

int bstore_open(const char *root, struct bstore **ret, struct berth_error **err)
{
	struct bstore *b = berth_xcalloc(1, sizeof(*b));
	int r = berth_store_open(root, &b->s, err);
	if (r < 0) {
		free(b);
		return r;
	}
	*ret = b;
	return 0;
}

void bstore_free(struct bstore *s)
{
	if (!s)
		return;
	berth_store_free(s->s);
	free(s);
}

int bstore_root_fd(struct bstore *s)
{
	return berth_store_root_fd(s->s);
}

const char *bstore_root_path(struct bstore *s)
{
	return berth_store_root_path(s->s);
}

int bstore_tmp_dir(struct bstore *s, const char *prefix, char **ret_name, int *ret_fd,
		   struct berth_error **err)
{
	return berth_store_tmp_dir_create(s->s, prefix, ret_name, ret_fd, err);
}

int bstore_tmp_fd(struct bstore *s)
{
	return berth_store_dir_fd(s->s, "tmp");
}

int bstore_open_blob(struct bstore *s, const struct berth_digest *d, struct berth_error **err)
{
	int fd;
	int r = berth_store_blob_open(s->s, d, &fd, NULL, err);
	return r < 0 ? r : fd;
}

bool bstore_has_blob(struct bstore *s, const struct berth_digest *d)
{
	return berth_store_blob_exists(s->s, d);
}

int bstore_writer_begin(struct bstore *s, struct bstore_writer **ret, struct berth_error **err)
{
	struct berth_blob_writer *w;
	int r = berth_store_blob_begin(s->s, &w, err);
	if (r < 0)
		return r;
	*ret = (struct bstore_writer *)w;
	return 0;
}

int bstore_writer_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	/* every layer a build writes passes here: an interrupt stops it */
	int r = builder_check_interrupt(err);
	if (r < 0)
		return r;
	return berth_blob_writer_sink(ctx, data, len, err);
}

int bstore_writer_commit(struct bstore_writer *w, struct berth_digest *ret, uint64_t *ret_size,
			 struct berth_error **err)
{
	return berth_blob_writer_commit((struct berth_blob_writer *)w, NULL, ret, ret_size, err);
}

void bstore_writer_abort(struct bstore_writer *w)
{
	berth_blob_writer_abort((struct berth_blob_writer *)w);
}

/*
 * Docker's normalisation of a short reference, for finding it among the
 * tags: "busybox" is "docker.io/library/busybox:latest". A name that
 * already has a registry part keeps it.
 */
static char *normalize_ref(const char *ref)
{
	const char *slash = strchr(ref, '/');
	const char *at = strchr(ref, '@');
	const char *last = strrchr(ref, '/');
	const char *colon = strchr(last ? last : ref, ':');
	bool has_domain = slash && (memchr(ref, '.', (size_t)(slash - ref)) ||
				    memchr(ref, ':', (size_t)(slash - ref)) ||
				    strncmp(ref, "localhost/", 10) == 0);
	const char *tag = (at || colon) ? "" : ":latest";
	if (has_domain)
		return berth_xasprintf("%s%s", ref, tag);
	if (!slash)
		return berth_xasprintf("docker.io/library/%s%s", ref, tag);
	return berth_xasprintf("docker.io/%s%s", ref, tag);
}

static int read_json_blob(struct bstore *s, const struct berth_digest *d, size_t max,
			  const char *what, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r = berth_store_blob_read(s->s, d, max, &data, &len, err);
	if (r < 0)
		return r;
	return berth_json_parse(data, len, what, ret, err);
}

static int parse_descriptor_digest(const json_t *desc, struct berth_digest *ret,
				   struct berth_error **err)
{
	const char *d;
	int r = berth_json_get_string(desc, "digest", true, &d, err);
	if (r < 0)
		return r;
	return berth_digest_parse(d, ret, err);
}

/* From an index, the manifest for this host's platform (or the only one). */
static int pick_from_index(const json_t *index, struct berth_digest *ret, struct berth_error **err)
{
	json_t *ms = NULL, *m;
	size_t i;
	int r = berth_json_get_array(index, "manifests", true, &ms, err);
	if (r < 0)
		return r;
	json_array_foreach (ms, i, m) {
		json_t *p = json_object_get(m, "platform");
		const char *arch = json_string_value(json_object_get(p, "architecture"));
		const char *os = json_string_value(json_object_get(p, "os"));
		if (!p ||
		    (arch && os && strcmp(arch, builder_arch()) == 0 && strcmp(os, "linux") == 0))
			return parse_descriptor_digest(m, ret, err);
	}
	return berth_error_set(err, ENOENT, "no manifest for linux/%s in the image index",
			       builder_arch());
}

/* The layers of manifest m and config cfg as an image state. */
static int image_from(const json_t *m, json_t *cfg, struct bimage *ret, struct berth_error **err)
{
	json_t *layers = NULL, *l;
	size_t i;
	int r;

	r = berth_json_get_array(m, "layers", true, &layers, err);
	if (r < 0)
		return r;
	json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (!json_is_array(ids) || json_array_size(ids) != json_array_size(layers))
		return berth_error_set(err, EBADMSG,
				       "image config and manifest disagree on the layer count");
	struct bimage im = {.config = json_incref(cfg)};
	json_array_foreach (layers, i, l) {
		struct blayer bl = {0};
		int64_t size = 0;
		const char *mt = "application/vnd.oci.image.layer.v1.tar+gzip";
		(void)berth_json_get_string(l, "mediaType", false, &mt, NULL);
		if ((r = parse_descriptor_digest(l, &bl.digest, err)) < 0 ||
		    (r = berth_json_get_int(l, "size", true, &size, err)) < 0 ||
		    (r = berth_digest_parse(json_string_value(json_array_get(ids, i))
						    ? json_string_value(json_array_get(ids, i))
						    : "",
					    &bl.diff_id, err)) < 0) {
			bimage_release(&im);
			return r;
		}
		bl.size = (uint64_t)size;
		/* keep the rootfs of the config: bimage_add_layer would append again */
		im.layers = berth_xreallocarray(im.layers, im.n_layers + 1, sizeof(*im.layers));
		bl.media_type = berth_xstrdup(mt);
		im.layers[im.n_layers++] = bl;
	}
	*ret = im;
	return 0;
}

static int resolve_manifest(struct bstore *s, const struct berth_digest *md, struct bimage *ret,
			    struct berth_error **err)
{
	_cleanup_json_ json_t *m = NULL, *cfg = NULL;
	struct berth_digest d = *md, cd;
	json_t *cdesc = NULL;
	int r;

	for (int depth = 0;; depth++) {
		if (m)
			json_decref(m);
		m = NULL;
		r = read_json_blob(s, &d, MANIFEST_MAX, "a manifest", &m, err);
		if (r < 0)
			return r;
		const char *mt = json_string_value(json_object_get(m, "mediaType"));
		if (json_object_get(m, "manifests") ||
		    (mt && (strcmp(mt, MT_DOCKER_LIST) == 0 ||
			    strcmp(mt, BERTH_MEDIA_TYPE_OCI_INDEX) == 0))) {
			if (depth > 2)
				return berth_error_set(err, EINVAL,
						       "image indexes nested too deeply");
			r = pick_from_index(m, &d, err);
			if (r < 0)
				return r;
			continue;
		}
		break;
	}
	r = berth_json_get_object(m, "config", true, &cdesc, err);
	if (r < 0)
		return r;
	r = parse_descriptor_digest(cdesc, &cd, err);
	if (r < 0)
		return r;
	r = read_json_blob(s, &cd, CONFIG_MAX, "an image config", &cfg, err);
	if (r < 0)
		return r;
	return image_from(m, cfg, ret, err);
}

int bstore_resolve(struct bstore *s, const char *ref, struct bimage *ret, struct berth_error **err)
{
	struct berth_store_ref sr = {0};
	_cleanup_free_ char *norm = normalize_ref(ref);
	struct berth_digest d;
	int r;

	/* an image id or a digest */
	if (strncmp(ref, "sha256:", 7) == 0 && berth_digest_parse(ref, &d, NULL) >= 0) {
		_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
		r = berth_store_ref_list(s->s, &refs, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < refs->n; i++) {
			if (berth_digest_eq(&refs->items[i].digest, &d))
				return resolve_manifest(s, &d, ret, err);
		}
	}
	r = berth_store_ref_resolve(s->s, norm, &sr, NULL);
	if (r == -ENOENT)
		r = berth_store_ref_resolve(s->s, ref, &sr, NULL);
	if (r == -ENOENT)
		return berth_error_set(err, ENOENT, "image '%s' not found in the store", ref);
	if (r < 0)
		return berth_error_set(err, -r, "resolve image '%s'", ref);
	d = sr.digest;
	berth_store_ref_release(&sr);
	r = resolve_manifest(s, &d, ret, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'", ref);
	return 0;
}

int bstore_commit_image(struct bstore *s, const struct bimage *im, char *const *tags,
			struct berth_digest *ret_id, struct berth_digest *ret_manifest,
			struct berth_error **err)
{
	_cleanup_free_ char *cfg = NULL, *man = NULL;
	_cleanup_json_ json_t *m = json_object();
	char d[BERTH_DIGEST_STRLEN + 1];
	size_t cfg_len, man_len;
	struct berth_digest cd, md;
	int r;

	cfg = berth_json_dump(im->config, &cfg_len);
	r = berth_store_blob_put(s->s, cfg, cfg_len, &cd, err);
	if (r < 0)
		return r;
	json_object_set_new(m, "schemaVersion", json_integer(2));
	json_object_set_new(m, "mediaType", json_string(MT_OCI_MANIFEST));
	json_t *c = json_object();
	json_object_set_new(c, "mediaType", json_string(MT_OCI_CONFIG));
	json_object_set_new(c, "digest", json_string(berth_digest_fmt(&cd, d)));
	json_object_set_new(c, "size", json_integer((json_int_t)cfg_len));
	json_object_set_new(m, "config", c);
	json_t *ls = json_array();
	for (size_t i = 0; i < im->n_layers; i++) {
		json_t *l = json_object();
		json_object_set_new(l, "mediaType", json_string(im->layers[i].media_type));
		json_object_set_new(l, "digest",
				    json_string(berth_digest_fmt(&im->layers[i].digest, d)));
		json_object_set_new(l, "size", json_integer((json_int_t)im->layers[i].size));
		json_array_append_new(ls, l);
	}
	json_object_set_new(m, "layers", ls);
	man = berth_json_dump(m, &man_len);
	r = berth_store_blob_put(s->s, man, man_len, &md, err);
	if (r < 0)
		return r;
	if (!tags || !*tags) {
		r = berth_store_image_add(s->s, MT_OCI_MANIFEST, &md, man_len, err);
		if (r < 0)
			return r;
	}
	BERTH_STRV_FOREACH (t, tags) {
		_cleanup_free_ char *norm = normalize_ref(*t);
		r = berth_store_ref_set(s->s, norm, MT_OCI_MANIFEST, &md, man_len, err);
		if (r < 0)
			return berth_error_prefix(err, "tag '%s'", *t);
	}
	*ret_id = cd;
	*ret_manifest = md;
	return 0;
}

int bstore_gc(struct bstore *s, const struct berth_digest *keep, size_t n_keep, uint64_t *ret_freed,
	      struct berth_error **err)
{
	struct berth_store_gc_result res = {0};
	int r = berth_store_gc(s->s, keep, n_keep, &res, err);
	if (r < 0)
		return r;
	*ret_freed = res.bytes_removed;
	return 0;
}

/* The gc root owner of a cache entry: "build-" and the key's first 58 hex digits. */
static void cache_root_owner(const struct berth_digest *key, char owner[65])
{
	char hex[65];
	snprintf(owner, 65, "build-%.58s", berth_digest_hex(key, hex));
}

int bstore_cache_root_set(struct bstore *s, const struct berth_digest *key, const struct bimage *im,
			  struct berth_error **err)
{
	char owner[65];
	_cleanup_free_ struct berth_store_ref *roots =
		berth_xcalloc(im->n_layers ? im->n_layers : 1, sizeof(*roots));
	for (size_t i = 0; i < im->n_layers; i++)
		roots[i] = (struct berth_store_ref){.media_type = im->layers[i].media_type,
						    .digest = im->layers[i].digest};
	cache_root_owner(key, owner);
	return berth_store_gc_root_set(s->s, owner, roots, im->n_layers, err);
}

int bstore_cache_root_remove(struct bstore *s, const struct berth_digest *key,
			     struct berth_error **err)
{
	char owner[65];
	cache_root_owner(key, owner);
	return berth_store_gc_root_remove(s->s, owner, err);
}

int bstore_image_layers(struct bstore *s, struct berth_digest **ret, size_t *ret_n,
			struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	struct berth_digest *out = NULL;
	size_t n = 0;
	int r = berth_store_ref_list(s->s, &refs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < refs->n; i++) {
		struct bimage im;
		if (resolve_manifest(s, &refs->items[i].digest, &im, NULL) < 0)
			continue;
		out = berth_xreallocarray(out, n + im.n_layers + 1, sizeof(*out));
		for (size_t k = 0; k < im.n_layers; k++)
			out[n++] = im.layers[k].digest;
		bimage_release(&im);
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

int bstore_pull(struct bstore *s, const char *ref, struct berth_error **err)
{
	return berth_registry_pull(s->s, ref, NULL, NULL, NULL, err);
}

int bstore_remote_image(const char *ref, struct bimage *ret, struct berth_error **err)
{
	struct berth_registry_image *ri = NULL;
	_cleanup_json_ json_t *m = NULL, *cfg = NULL;
	int r = berth_registry_fetch_image(ref, NULL, &ri, err);
	if (r < 0)
		return r;
	r = berth_json_parse(ri->manifest, ri->manifest_len, "a manifest", &m, err);
	if (r >= 0)
		r = berth_json_parse(ri->config, ri->config_len, "an image config", &cfg, err);
	berth_registry_image_free(ri);
	if (r < 0)
		return r;
	if (!json_is_object(cfg))
		return berth_error_set(err, EBADMSG, "the image config is not a JSON object");
	return image_from(m, cfg, ret, err);
}

int bstore_fetch_blob(struct bstore *s, const char *ref, const struct berth_digest *d,
		      struct berth_error **err)
{
	return berth_registry_fetch_blob(s->s, ref, d, NULL, err);
}
