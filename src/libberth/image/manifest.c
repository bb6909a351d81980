/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI and Docker schema2 documents: media types, descriptors, manifests,
 * indexes (manifest lists) and image configs. All of it is parsed from
 * outside input: every field is type-checked and every media type known.
 */
#include "image/image.h"

#include <string.h>
#include <sys/utsname.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/json.h"
#include "core/strv.h"

#define MAX_LAYERS	  1000
#define MAX_INDEX_ENTRIES 1000
#define MAX_HISTORY	  2000

static const struct {
	const char *mt;
	enum berth_media_kind kind;
	int compression;
} media_types[] = {
	{BERTH_MT_OCI_MANIFEST, BERTH_MEDIA_MANIFEST, 0},
	{BERTH_MT_DOCKER_MANIFEST, BERTH_MEDIA_MANIFEST, 0},
	{BERTH_MT_OCI_INDEX, BERTH_MEDIA_INDEX, 0},
	{BERTH_MT_DOCKER_LIST, BERTH_MEDIA_INDEX, 0},
	{BERTH_MT_OCI_CONFIG, BERTH_MEDIA_CONFIG, 0},
	{BERTH_MT_DOCKER_CONFIG, BERTH_MEDIA_CONFIG, 0},
	{BERTH_MT_OCI_LAYER, BERTH_MEDIA_LAYER, BERTH_COMPRESSION_NONE},
	{BERTH_MT_OCI_LAYER_GZIP, BERTH_MEDIA_LAYER, BERTH_COMPRESSION_GZIP},
	{BERTH_MT_OCI_LAYER_ZSTD, BERTH_MEDIA_LAYER, BERTH_COMPRESSION_ZSTD},
	{"application/vnd.oci.image.layer.nondistributable.v1.tar", BERTH_MEDIA_LAYER,
	 BERTH_COMPRESSION_NONE},
	{"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", BERTH_MEDIA_LAYER,
	 BERTH_COMPRESSION_GZIP},
	{BERTH_MT_DOCKER_LAYER_GZIP, BERTH_MEDIA_LAYER, BERTH_COMPRESSION_GZIP},
	{BERTH_MT_DOCKER_LAYER, BERTH_MEDIA_LAYER, BERTH_COMPRESSION_NONE},
	{"application/vnd.docker.image.rootfs.diff.tar.zstd", BERTH_MEDIA_LAYER,
	 BERTH_COMPRESSION_ZSTD},
	{BERTH_MT_DOCKER_FOREIGN, BERTH_MEDIA_LAYER, BERTH_COMPRESSION_GZIP},
};

int berth_media_type_classify(const char *mt, enum berth_media_kind *ret_kind, int *ret_compression,
			      struct berth_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(media_types); i++) {
		if (strcmp(media_types[i].mt, mt) == 0) {
			if (ret_kind)
				*ret_kind = media_types[i].kind;
			if (ret_compression)
				*ret_compression = media_types[i].compression;
			return 0;
		}
	}
	if (strstr(mt, "distribution.manifest.v1"))
		return berth_error_set(err, EINVAL,
				       "Docker schema 1 images are not supported (media type '%s')",
				       mt);
	return berth_error_set(err, EINVAL, "unknown media type '%s'", mt);
}

bool berth_media_type_is_index(const char *mt)
{
	enum berth_media_kind kind;
	return mt && berth_media_type_classify(mt, &kind, NULL, NULL) >= 0 &&
	       kind == BERTH_MEDIA_INDEX;
}

const char *berth_media_type_oci_layer(int compression)
{
	switch (compression) {
	case BERTH_COMPRESSION_GZIP:
		return BERTH_MT_OCI_LAYER_GZIP;
	case BERTH_COMPRESSION_ZSTD:
		return BERTH_MT_OCI_LAYER_ZSTD;
	default:
		return BERTH_MT_OCI_LAYER;
	}
}

static const char *host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "unknown";
#endif
}

void berth_descriptor_release(struct berth_descriptor *d)
{
	if (!d)
		return;
	free(d->media_type);
	free(d->os);
	free(d->architecture);
	free(d->variant);
	free(d->artifact_type);
	memset(d, 0, sizeof(*d));
}

static char *opt_string(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	return v ? berth_xstrdup(v) : NULL;
}

int berth_descriptor_parse(const json_t *j, const char *what, struct berth_descriptor *ret,
			   struct berth_error **err)
{
	const char *mt = NULL, *dg = NULL;
	int64_t size;
	int r;
	struct berth_descriptor d = {0};
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "%s: a descriptor is not a JSON object", what);
	if (berth_json_get_string(j, "mediaType", true, &mt, err) < 0 ||
	    berth_json_get_string(j, "digest", true, &dg, err) < 0 ||
	    berth_json_get_int(j, "size", true, &size, err) < 0)
		return berth_error_prefix(err, "%s", what);
	if (size < 0)
		return berth_error_set(err, EINVAL, "%s: negative size", what);
	r = berth_digest_parse(dg, &d.digest, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", what);
	d.size = (uint64_t)size;
	json_t *p = json_object_get(j, "platform");
	if (p && !json_is_object(p))
		return berth_error_set(err, EINVAL, "%s: 'platform' is not an object", what);
	if (p) {
		d.os = opt_string(p, "os");
		d.architecture = opt_string(p, "architecture");
		d.variant = opt_string(p, "variant");
	}
	d.foreign = json_is_array(json_object_get(j, "urls"));
	json_t *at = json_object_get(j, "artifactType");
	if (at && !json_is_string(at)) {
		berth_descriptor_release(&d);
		return berth_error_set(err, EINVAL, "%s: 'artifactType' is not a string", what);
	}
	d.artifact_type = opt_string(j, "artifactType");
	d.media_type = berth_xstrdup(mt);
	*ret = d;
	return 0;
}

static int parse_doc(const char *data, size_t len, const char *what, const char **media_type,
		     json_t **ret, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(data, len, what, &j, err);
	if (r < 0)
		return r;
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "%s is not a JSON object", what);
	int64_t v;
	r = berth_json_get_int(j, "schemaVersion", true, &v, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", what);
	if (v != 2)
		return berth_error_set(err, EINVAL, "%s: unsupported schemaVersion %lld", what,
				       (long long)v);
	const char *doc_mt = json_string_value(json_object_get(j, "mediaType"));
	/* the document's own mediaType, when present, must agree with what named it */
	if (*media_type && doc_mt && strcmp(*media_type, doc_mt) != 0)
		return berth_error_set(err, EINVAL, "%s: media type '%s' does not match '%s'", what,
				       doc_mt, *media_type);
	if (!*media_type)
		*media_type = doc_mt;
	*ret = TAKE_PTR(j);
	return 0;
}

void berth_manifest_free(struct berth_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	berth_descriptor_release(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		berth_descriptor_release(&m->layers[i]);
	free(m->layers);
	free(m);
}

int berth_manifest_parse(const char *data, size_t len, const char *media_type,
			 struct berth_manifest **ret, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	enum berth_media_kind kind;
	int r = parse_doc(data, len, "manifest", &media_type, &j, err);
	if (r < 0)
		return r;
	if (!media_type) {
		/* OCI allows an absent mediaType: a manifest has a config */
		if (!json_object_get(j, "config"))
			return berth_error_set(err, EINVAL, "manifest has no mediaType");
		media_type = BERTH_MT_OCI_MANIFEST;
	}
	r = berth_media_type_classify(media_type, &kind, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "manifest");
	if (kind != BERTH_MEDIA_MANIFEST)
		return berth_error_set(err, EINVAL, "'%s' is not an image manifest media type",
				       media_type);
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = berth_xcalloc(1, sizeof(*m));
	m->media_type = berth_xstrdup(media_type);
	json_t *c = json_object_get(j, "config");
	if (!c)
		return berth_error_set(err, EINVAL, "manifest has no config");
	r = berth_descriptor_parse(c, "manifest config", &m->config, err);
	if (r < 0)
		return r;
	r = berth_media_type_classify(m->config.media_type, &kind, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "manifest config");
	if (kind != BERTH_MEDIA_CONFIG)
		return berth_error_set(err, EINVAL, "manifest config has media type '%s'",
				       m->config.media_type);
	json_t *layers = json_object_get(j, "layers");
	if (!json_is_array(layers))
		return berth_error_set(err, EINVAL,
				       "manifest: 'layers' is missing or not an array");
	if (json_array_size(layers) > MAX_LAYERS)
		return berth_error_set(err, EINVAL, "manifest has more than %d layers", MAX_LAYERS);
	m->layers = berth_xcalloc(json_array_size(layers) + 1, sizeof(*m->layers));
	size_t i;
	json_t *l;
	json_array_foreach (layers, i, l) {
		char what[64];
		snprintf(what, sizeof(what), "manifest layer %zu", i);
		r = berth_descriptor_parse(l, what, &m->layers[i], err);
		if (r < 0)
			return r;
		m->n_layers = i + 1;
		r = berth_media_type_classify(m->layers[i].media_type, &kind, NULL, err);
		if (r < 0)
			return berth_error_prefix(err, "%s", what);
		if (kind != BERTH_MEDIA_LAYER)
			return berth_error_set(err, EINVAL, "%s has media type '%s'", what,
					       m->layers[i].media_type);
	}
	*ret = TAKE_PTR(m);
	return 0;
}

void berth_index_free(struct berth_index *x)
{
	if (!x)
		return;
	free(x->media_type);
	for (size_t i = 0; i < x->n_manifests; i++)
		berth_descriptor_release(&x->manifests[i]);
	free(x->manifests);
	free(x);
}

int berth_index_parse(const char *data, size_t len, const char *media_type,
		      struct berth_index **ret, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	enum berth_media_kind kind;
	int r = parse_doc(data, len, "index", &media_type, &j, err);
	if (r < 0)
		return r;
	if (!media_type)
		media_type = BERTH_MT_OCI_INDEX;
	r = berth_media_type_classify(media_type, &kind, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "index");
	if (kind != BERTH_MEDIA_INDEX)
		return berth_error_set(err, EINVAL, "'%s' is not an image index media type",
				       media_type);
	json_t *ms = json_object_get(j, "manifests");
	if (!json_is_array(ms))
		return berth_error_set(err, EINVAL,
				       "index: 'manifests' is missing or not an array");
	if (json_array_size(ms) > MAX_INDEX_ENTRIES)
		return berth_error_set(err, EINVAL, "index has more than %d entries",
				       MAX_INDEX_ENTRIES);
	_cleanup_(berth_index_freep) struct berth_index *x = berth_xcalloc(1, sizeof(*x));
	x->media_type = berth_xstrdup(media_type);
	x->manifests = berth_xcalloc(json_array_size(ms) + 1, sizeof(*x->manifests));
	size_t i;
	json_t *e;
	json_array_foreach (ms, i, e) {
		char what[64];
		snprintf(what, sizeof(what), "index entry %zu", i);
		r = berth_descriptor_parse(e, what, &x->manifests[i], err);
		if (r < 0)
			return r;
		x->n_manifests = i + 1;
	}
	*ret = TAKE_PTR(x);
	return 0;
}

int berth_index_pick(const struct berth_index *x, const char *os, const char *arch,
		     const struct berth_descriptor **ret, struct berth_error **err)
{
	if (!os)
		os = "linux";
	if (!arch)
		arch = host_arch();
	for (size_t i = 0; i < x->n_manifests; i++) {
		const struct berth_descriptor *d = &x->manifests[i];
		enum berth_media_kind kind;
		if (berth_media_type_classify(d->media_type, &kind, NULL, NULL) < 0 ||
		    kind != BERTH_MEDIA_MANIFEST)
			continue;
		/* an entry without platform fits anything (single-image OCI layouts) */
		if ((!d->os || strcmp(d->os, os) == 0) &&
		    (!d->architecture || strcmp(d->architecture, arch) == 0)) {
			*ret = d;
			return 0;
		}
	}
	return berth_error_set(err, ENOENT, "no image for platform %s/%s in the index", os, arch);
}

/* ---- configs ---- */

void berth_image_config_free(struct berth_image_config *c)
{
	if (!c)
		return;
	if (c->json)
		json_decref(c->json);
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->created);
	free(c->author);
	berth_strv_free(c->env);
	berth_strv_free(c->cmd);
	berth_strv_free(c->entrypoint);
	berth_strv_free(c->shell);
	berth_strv_free(c->onbuild);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	berth_strv_free(c->exposed_ports);
	berth_strv_free(c->volumes);
	berth_strv_free(c->label_keys);
	berth_strv_free(c->label_values);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].comment);
		free(c->history[i].author);
	}
	free(c->history);
	free(c->diff_ids);
	free(c);
}

/* A string array field into a vector; NULL when absent or null. */
static int get_strv(const json_t *obj, const char *key, char ***ret, struct berth_error **err)
{
	json_t *a = json_object_get(obj, key);
	*ret = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return berth_error_set(err, EINVAL, "config: '%s' is not an array", key);
	char **v = berth_xcalloc(json_array_size(a) + 1, sizeof(char *));
	size_t i;
	json_t *e;
	json_array_foreach (a, i, e) {
		if (!json_is_string(e)) {
			berth_strv_free(v);
			return berth_error_set(err, EINVAL, "config: '%s' has a non-string", key);
		}
		v[i] = berth_xstrdup(json_string_value(e));
	}
	*ret = v;
	return 0;
}

/* The keys of an object field ({"80/tcp": {}}) into a vector. */
static int get_keys(const json_t *obj, const char *key, char ***ret, char ***ret_values,
		    struct berth_error **err)
{
	json_t *o = json_object_get(obj, key);
	*ret = NULL;
	if (ret_values)
		*ret_values = NULL;
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return berth_error_set(err, EINVAL, "config: '%s' is not an object", key);
	char **k = berth_xcalloc(json_object_size(o) + 1, sizeof(char *));
	char **v = ret_values ? berth_xcalloc(json_object_size(o) + 1, sizeof(char *)) : NULL;
	size_t n = 0;
	const char *name;
	json_t *val;
	json_object_foreach (o, name, val) {
		if (v && !json_is_string(val)) {
			berth_strv_free(k);
			berth_strv_free(v);
			return berth_error_set(err, EINVAL, "config: '%s.%s' is not a string", key,
					       name);
		}
		k[n] = berth_xstrdup(name);
		if (v)
			v[n] = berth_xstrdup(json_string_value(val));
		n++;
	}
	*ret = k;
	if (ret_values)
		*ret_values = v;
	return 0;
}

static int get_opt_string(const json_t *obj, const char *key, char **ret, struct berth_error **err)
{
	json_t *v = json_object_get(obj, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berth_error_set(err, EINVAL, "config: '%s' is not a string", key);
	*ret = berth_xstrdup(json_string_value(v));
	return 0;
}

int berth_image_config_parse(const char *data, size_t len, struct berth_image_config **ret,
			     struct berth_error **err)
{
	_cleanup_(berth_image_config_freep) struct berth_image_config *c =
		berth_xcalloc(1, sizeof(*c));
	int r = berth_json_parse(data, len, "image config", &c->json, err);
	if (r < 0)
		return r;
	json_t *j = c->json;
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "image config is not a JSON object");
	if ((r = get_opt_string(j, "architecture", &c->architecture, err)) < 0 ||
	    (r = get_opt_string(j, "os", &c->os, err)) < 0 ||
	    (r = get_opt_string(j, "variant", &c->variant, err)) < 0 ||
	    (r = get_opt_string(j, "created", &c->created, err)) < 0 ||
	    (r = get_opt_string(j, "author", &c->author, err)) < 0)
		return r;
	json_t *cc = json_object_get(j, "config");
	if (cc && !json_is_null(cc)) {
		if (!json_is_object(cc))
			return berth_error_set(err, EINVAL, "config: 'config' is not an object");
		if ((r = get_strv(cc, "Env", &c->env, err)) < 0 ||
		    (r = get_strv(cc, "Cmd", &c->cmd, err)) < 0 ||
		    (r = get_strv(cc, "Entrypoint", &c->entrypoint, err)) < 0 ||
		    (r = get_strv(cc, "Shell", &c->shell, err)) < 0 ||
		    (r = get_strv(cc, "OnBuild", &c->onbuild, err)) < 0 ||
		    (r = get_opt_string(cc, "WorkingDir", &c->working_dir, err)) < 0 ||
		    (r = get_opt_string(cc, "User", &c->user, err)) < 0 ||
		    (r = get_opt_string(cc, "StopSignal", &c->stop_signal, err)) < 0 ||
		    (r = get_keys(cc, "ExposedPorts", &c->exposed_ports, NULL, err)) < 0 ||
		    (r = get_keys(cc, "Volumes", &c->volumes, NULL, err)) < 0 ||
		    (r = get_keys(cc, "Labels", &c->label_keys, &c->label_values, err)) < 0)
			return r;
		json_t *hc = json_object_get(cc, "Healthcheck");
		if (hc && !json_is_null(hc)) {
			if (!json_is_object(hc))
				return berth_error_set(err, EINVAL,
						       "config: 'Healthcheck' is not an object");
			c->healthcheck = hc;
		}
	}
	json_t *rootfs = json_object_get(j, "rootfs");
	if (rootfs) {
		json_t *ids = json_object_get(rootfs, "diff_ids");
		if (!json_is_object(rootfs) || (ids && !json_is_array(ids)))
			return berth_error_set(err, EINVAL, "config: 'rootfs' is malformed");
		if (json_array_size(ids) > MAX_LAYERS)
			return berth_error_set(err, EINVAL, "config has more than %d layers",
					       MAX_LAYERS);
		c->diff_ids = berth_xcalloc(json_array_size(ids) + 1, sizeof(*c->diff_ids));
		size_t i;
		json_t *e;
		json_array_foreach (ids, i, e) {
			if (!json_is_string(e))
				return berth_error_set(err, EINVAL,
						       "config: a diff_id is not a string");
			r = berth_digest_parse(json_string_value(e), &c->diff_ids[i], err);
			if (r < 0)
				return berth_error_prefix(err, "config diff_ids");
			c->n_diff_ids = i + 1;
		}
	}
	json_t *hist = json_object_get(j, "history");
	if (hist && !json_is_null(hist)) {
		if (!json_is_array(hist))
			return berth_error_set(err, EINVAL, "config: 'history' is not an array");
		if (json_array_size(hist) > MAX_HISTORY)
			return berth_error_set(err, EINVAL,
					       "config has more than %d history entries",
					       MAX_HISTORY);
		c->history = berth_xcalloc(json_array_size(hist) + 1, sizeof(*c->history));
		size_t i;
		json_t *e;
		json_array_foreach (hist, i, e) {
			struct berth_history *h = &c->history[i];
			c->n_history = i + 1;
			if (!json_is_object(e))
				return berth_error_set(err, EINVAL,
						       "config: a history entry is not an object");
			if ((r = get_opt_string(e, "created", &h->created, err)) < 0 ||
			    (r = get_opt_string(e, "created_by", &h->created_by, err)) < 0 ||
			    (r = get_opt_string(e, "comment", &h->comment, err)) < 0 ||
			    (r = get_opt_string(e, "author", &h->author, err)) < 0)
				return r;
			h->empty_layer = json_is_true(json_object_get(e, "empty_layer"));
		}
	}
	*ret = TAKE_PTR(c);
	return 0;
}

struct berth_image_config *berth_image_config_new(const char *os, const char *arch)
{
	struct berth_image_config *c = berth_xcalloc(1, sizeof(*c));
	c->json = json_object();
	c->os = berth_xstrdup(os ? os : "linux");
	c->architecture = berth_xstrdup(arch ? arch : host_arch());
	c->diff_ids = berth_xcalloc(1, sizeof(*c->diff_ids));
	c->history = berth_xcalloc(1, sizeof(*c->history));
	return c;
}

static void copy_history(struct berth_history *dst, const struct berth_history *src)
{
	dst->created = src->created ? berth_xstrdup(src->created) : NULL;
	dst->created_by = src->created_by ? berth_xstrdup(src->created_by) : NULL;
	dst->comment = src->comment ? berth_xstrdup(src->comment) : NULL;
	dst->author = src->author ? berth_xstrdup(src->author) : NULL;
	dst->empty_layer = src->empty_layer;
}

void berth_image_config_add_history(struct berth_image_config *c, const struct berth_history *h)
{
	c->history = berth_xreallocarray(c->history, c->n_history + 2, sizeof(*c->history));
	copy_history(&c->history[c->n_history], h);
	c->n_history++;
	memset(&c->history[c->n_history], 0, sizeof(*c->history));
}

void berth_image_config_add_layer(struct berth_image_config *c, const struct berth_digest *diff_id,
				  const struct berth_history *h)
{
	c->diff_ids = berth_xreallocarray(c->diff_ids, c->n_diff_ids + 1, sizeof(*c->diff_ids));
	c->diff_ids[c->n_diff_ids++] = *diff_id;
	if (h) {
		struct berth_history hh = *h;
		hh.empty_layer = false;
		berth_image_config_add_history(c, &hh);
	}
}

void berth_image_config_set_label(struct berth_image_config *c, const char *key, const char *value)
{
	size_t n = berth_strv_len(c->label_keys);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(c->label_keys[i], key) == 0) {
			free(c->label_values[i]);
			c->label_values[i] = berth_xstrdup(value);
			return;
		}
	}
	berth_strv_push(&c->label_keys, key);
	berth_strv_push(&c->label_values, value);
}

int berth_image_config_apply_changes(struct berth_image_config *c, char *const *changes,
				     berth_image_changes_fn apply, struct berth_error **err)
{
	if (!changes || !*changes)
		return 0;
	if (!apply)
		return berth_error_set(err, EINVAL, "--change: no instruction applier was given");
	return apply(c, changes, err);
}

static void set_or_del(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(o, key, v);
	else
		json_object_del(o, key);
}

/* NULL (the key is left out) when v is. */
static json_t *strv_json(char *const *v)
{
	return v ? berth_json_strv(v) : NULL;
}

static json_t *keys_json(char *const *k)
{
	if (!k)
		return NULL;
	json_t *o = json_object();
	for (; *k; k++)
		json_object_set_new(o, *k, json_object());
	return o;
}

static json_t *str_json(const char *s)
{
	return s ? json_string(s) : NULL;
}

char *berth_image_config_serialize(const struct berth_image_config *c, size_t *ret_len)
{
	_cleanup_json_ json_t *j = json_deep_copy(c->json);
	/* a fixed key order, as Docker writes it: same fields, same bytes */
	json_t *out = json_object();
	set_or_del(out, "architecture", str_json(c->architecture));
	set_or_del(out, "author", str_json(c->author));
	set_or_del(out, "created", str_json(c->created));
	set_or_del(out, "os", str_json(c->os));
	set_or_del(out, "variant", str_json(c->variant));

	json_t *cc = json_object_get(j, "config");
	cc = json_is_object(cc) ? json_deep_copy(cc) : json_object();
	set_or_del(cc, "User", str_json(c->user));
	set_or_del(cc, "ExposedPorts", keys_json(c->exposed_ports));
	set_or_del(cc, "Env", strv_json(c->env));
	set_or_del(cc, "Entrypoint", strv_json(c->entrypoint));
	set_or_del(cc, "Cmd", strv_json(c->cmd));
	set_or_del(cc, "Volumes", keys_json(c->volumes));
	set_or_del(cc, "WorkingDir", str_json(c->working_dir));
	if (c->label_keys) {
		json_t *l = json_object();
		for (size_t i = 0; c->label_keys[i]; i++)
			json_object_set_new(l, c->label_keys[i], json_string(c->label_values[i]));
		json_object_set_new(cc, "Labels", l);
	} else {
		json_object_del(cc, "Labels");
	}
	set_or_del(cc, "StopSignal", str_json(c->stop_signal));
	set_or_del(cc, "OnBuild", strv_json(c->onbuild));
	set_or_del(cc, "Shell", strv_json(c->shell));
	if (c->healthcheck)
		json_object_set(cc, "Healthcheck", c->healthcheck);
	json_object_set_new(out, "config", cc);

	json_t *rootfs = json_object();
	json_object_set_new(rootfs, "type", json_string("layers"));
	json_t *ids = json_array();
	for (size_t i = 0; i < c->n_diff_ids; i++) {
		char d[BERTH_DIGEST_STRLEN + 1];
		json_array_append_new(ids, json_string(berth_digest_fmt(&c->diff_ids[i], d)));
	}
	json_object_set_new(rootfs, "diff_ids", ids);
	json_object_set_new(out, "rootfs", rootfs);

	json_t *hist = json_array();
	for (size_t i = 0; i < c->n_history; i++) {
		const struct berth_history *h = &c->history[i];
		json_t *e = json_object();
		set_or_del(e, "created", str_json(h->created));
		set_or_del(e, "created_by", str_json(h->created_by));
		set_or_del(e, "author", str_json(h->author));
		set_or_del(e, "comment", str_json(h->comment));
		if (h->empty_layer)
			json_object_set_new(e, "empty_layer", json_true());
		json_array_append_new(hist, e);
	}
	json_object_set_new(out, "history", hist);

	/* unknown top-level fields survive, after ours */
	const char *k;
	json_t *v;
	json_object_foreach (j, k, v) {
		static const char *const known[] = {"architecture", "author", "created", "os",
						    "variant",	    "config", "rootfs",	 "history"};
		bool is_known = false;
		for (size_t i = 0; i < ELEMENTSOF(known); i++)
			is_known = is_known || strcmp(k, known[i]) == 0;
		if (!is_known)
			json_object_set(out, k, v);
	}
	char *s = berth_json_dump(out, ret_len);
	json_decref(out);
	return s;
}
