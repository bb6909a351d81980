/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `load` of a docker-archive or an oci-archive (archive.c writes them).
 *
 * load reads the archive once, streaming every file into the store as a
 * blob (a blobs/sha256/<hex> name must match the bytes), then verifies the
 * documents against the blobs (configs, layer diff IDs, sizes) and tags
 * only when everything is whole.
 */
#include "image/image.h"
#include "image/internal.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"

#define CHUNK	 (128 * 1024)
#define MAX_META (8u << 20)

static void read_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
	*a = NULL;
}

struct file {
	char *path;
	struct berth_digest digest; /* a blob in the store */
	uint64_t size;
	char *link; /* a symlink's target, resolved to an archive path */
};

struct loader {
	struct berth_store *s;
	struct file *files;
	size_t n_files;
	char *manifest_json, *index_json, *oci_layout;
	size_t manifest_len, index_len, oci_layout_len;
	struct berth_decompress_reader *in;
	char *buf;
	struct berth_error *rerr;
	int rcode;
};

static void loader_release(struct loader *l)
{
	for (size_t i = 0; i < l->n_files; i++) {
		free(l->files[i].path);
		free(l->files[i].link);
	}
	free(l->files);
	free(l->manifest_json);
	free(l->index_json);
	free(l->oci_layout);
	free(l->buf);
	berth_error_free(&l->rerr);
}

static la_ssize_t load_read(struct archive *a, void *ctx, const void **ret)
{
	struct loader *l = ctx;
	ssize_t n = berth_decompress_reader_read(l->in, l->buf, CHUNK, &l->rerr);
	if (n < 0) {
		l->rcode = (int)n;
		archive_set_error(a, EIO, "%s", berth_error_msg(l->rerr));
		return -1;
	}
	*ret = l->buf;
	return n;
}

/* "./a//b" -> "a/b"; NULL for names that climb (..) or are empty. */
static char *clean_path(const char *base, const char *p)
{
	_cleanup_strv_free_ char **parts = NULL;
	_cleanup_free_ char *joined = base ? berth_xasprintf("%s/%s", base, p) : berth_xstrdup(p);
	char *save = joined;
	for (char *c = joined;; c++) {
		if (*c == '/' || *c == '\0') {
			bool end = *c == '\0';
			*c = '\0';
			if (strcmp(save, "..") == 0) {
				if (!berth_strv_pop(parts))
					return NULL;
			} else if (*save && strcmp(save, ".") != 0) {
				berth_strv_push(&parts, save);
			}
			if (end)
				break;
			save = c + 1;
		}
	}
	if (!parts)
		return NULL;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (char **x = parts; *x; x++)
		berth_buf_addf(&b, "%s%s", x == parts ? "" : "/", *x);
	return berth_buf_detach(&b, NULL);
}

static int read_meta(struct archive *a, const char *path, char **ret, size_t *ret_len,
		     struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	char buf[65536];
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		if (n < 0)
			return berth_error_set(err, EBADMSG, "read '%s' from the archive: %s", path,
					       archive_error_string(a));
		if (n == 0)
			break;
		if (b.len + (size_t)n > MAX_META)
			return berth_error_set(err, EBADMSG, "'%s' in the archive is too large",
					       path);
		berth_buf_add(&b, buf, (size_t)n);
	}
	free(*ret);
	*ret = berth_buf_detach(&b, ret_len);
	return 0;
}

static bool blob_name(const char *path, struct berth_digest *ret)
{
	if (strncmp(path, "blobs/sha256/", 13) != 0)
		return false;
	return berth_digest_parse_hex(path + 13, ret, NULL) >= 0;
}

static int read_blob(struct loader *l, struct archive *a, const char *path, struct file *f,
		     struct berth_error **err)
{
	_cleanup_(berth_blob_writer_abortp) struct berth_blob_writer *w = NULL;
	char buf[65536];
	struct berth_digest named;
	bool has_name = blob_name(path, &named);
	int r = berth_store_blob_begin(l->s, &w, err);
	if (r < 0)
		return r;
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		if (n < 0)
			return berth_error_set(err, EBADMSG, "read '%s' from the archive: %s", path,
					       archive_error_string(a));
		if (n == 0)
			break;
		r = berth_blob_writer_write(w, buf, (size_t)n, err);
		if (r < 0)
			return r;
	}
	r = berth_blob_writer_commit(TAKE_PTR(w), has_name ? &named : NULL, &f->digest, &f->size,
				     err);
	if (r < 0)
		return berth_error_prefix(err, "'%s' in the archive", path);
	return 0;
}

static int read_archive(struct loader *l, int fd, struct berth_error **err)
{
	_cleanup_(read_freep) struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = berth_decompress_reader_open(fd, &l->in, err);
	if (r < 0)
		return r;
	l->buf = berth_xmalloc(CHUNK);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open(a, l, NULL, load_read, NULL) != ARCHIVE_OK)
		goto bad;
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			goto bad;
		_cleanup_free_ char *path = clean_path(NULL, archive_entry_pathname(e));
		if (!path)
			continue;
		mode_t type = archive_entry_filetype(e);
		if (strcmp(path, "manifest.json") == 0 || strcmp(path, "index.json") == 0 ||
		    strcmp(path, "oci-layout") == 0) {
			if (type != AE_IFREG)
				return berth_error_set(err, EBADMSG,
						       "'%s' in the archive is not a file", path);
			char **dst = path[0] == 'm'   ? &l->manifest_json
				     : path[0] == 'i' ? &l->index_json
						      : &l->oci_layout;
			size_t *dlen = path[0] == 'm'	? &l->manifest_len
				       : path[0] == 'i' ? &l->index_len
							: &l->oci_layout_len;
			r = read_meta(a, path, dst, dlen, err);
			if (r < 0)
				return r;
			continue;
		}
		if (type != AE_IFREG && type != AE_IFLNK)
			continue;
		if (strcmp(path, "repositories") == 0)
			continue;
		l->files = berth_xreallocarray(l->files, l->n_files + 1, sizeof(*l->files));
		struct file *f = &l->files[l->n_files];
		memset(f, 0, sizeof(*f));
		f->path = TAKE_PTR(path);
		l->n_files++;
		if (type == AE_IFLNK) {
			const char *target = archive_entry_symlink(e);
			_cleanup_free_ char *dir = berth_xstrdup(f->path);
			char *slash = strrchr(dir, '/');
			if (slash)
				*slash = '\0';
			f->link = target ? clean_path(slash ? dir : NULL, target) : NULL;
			continue;
		}
		r = read_blob(l, a, f->path, f, err);
		if (r < 0)
			return r;
	}
	return 0;
bad:
	if (l->rcode < 0) {
		if (err) {
			berth_error_free(err);
			*err = TAKE_PTR(l->rerr);
		}
		return l->rcode;
	}
	return berth_error_set(err, EBADMSG, "not a valid tar archive: %s",
			       archive_error_string(a) ? archive_error_string(a) : "read failed");
}

static const struct file *find_file(const struct loader *l, const char *path, int depth)
{
	_cleanup_free_ char *clean = clean_path(NULL, path);
	if (!clean || depth > 8)
		return NULL;
	for (size_t i = 0; i < l->n_files; i++) {
		if (strcmp(l->files[i].path, clean) != 0)
			continue;
		if (l->files[i].link)
			return find_file(l, l->files[i].link, depth + 1);
		return &l->files[i];
	}
	return NULL;
}

/* Checks that a layer blob's uncompressed bytes hash to diff_id; returns its compression. */
static int verify_layer(struct berth_store *s, const struct berth_digest *blob,
			const struct berth_digest *diff_id, int *ret_compression,
			struct berth_error **err)
{
	char want[BERTH_DIGEST_STRLEN + 1];
	struct berth_digest got;
	uint64_t size;
	int q = image_layer_measure(s, blob, &size, &got, ret_compression, err);
	if (q < 0)
		return q;
	if (!berth_digest_eq(&got, diff_id))
		return berth_error_set(err, EBADMSG,
				       "layer does not match its diff ID '%s' in the config",
				       berth_digest_fmt(diff_id, want));
	return 0;
}

struct pending_tag {
	char *name; /* full store name, NULL: untagged */
	struct berth_digest digest;
	uint64_t size;
	char *media_type;
	struct berth_digest id;
};

static void pending_release(struct pending_tag *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].media_type);
	}
	free(p);
}

static void pending_add(struct pending_tag **p, size_t *n, const char *name, const char *mt,
			const struct berth_digest *d, uint64_t size, const struct berth_digest *id)
{
	*p = berth_xreallocarray(*p, *n + 1, sizeof(**p));
	(*p)[*n] = (struct pending_tag){name ? berth_xstrdup(name) : NULL, *d, size,
					berth_xstrdup(mt), *id};
	(*n)++;
}

static int load_docker(struct loader *l, struct pending_tag **p, size_t *np,
		       struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(l->manifest_json, l->manifest_len, "manifest.json", &j, err);
	if (r < 0)
		return r;
	if (!json_is_array(j) || json_array_size(j) == 0)
		return berth_error_set(err, EINVAL, "manifest.json is not a non-empty array");
	size_t i;
	json_t *m;
	json_array_foreach (j, i, m) {
		const char *cfg_path = json_string_value(json_object_get(m, "Config"));
		json_t *layers = json_object_get(m, "Layers");
		json_t *tags = json_object_get(m, "RepoTags");
		if (!cfg_path || !json_is_array(layers) ||
		    (tags && !json_is_null(tags) && !json_is_array(tags)))
			return berth_error_set(err, EINVAL, "manifest.json entry %zu is malformed",
					       i);
		const struct file *cf = find_file(l, cfg_path, 0);
		if (!cf)
			return berth_error_set(err, EBADMSG,
					       "manifest.json names '%s', which is not in the "
					       "archive",
					       cfg_path);
		_cleanup_free_ char *cdata = NULL;
		size_t clen;
		_cleanup_(berth_image_config_freep) struct berth_image_config *c = NULL;
		r = berth_store_blob_read(l->s, &cf->digest, BERTH_MAX_CONFIG_SIZE, &cdata, &clen,
					  err);
		if (r < 0)
			return r;
		r = berth_image_config_parse(cdata, clen, &c, err);
		if (r < 0)
			return berth_error_prefix(err, "'%s'", cfg_path);
		if (json_array_size(layers) != c->n_diff_ids)
			return berth_error_set(err, EBADMSG,
					       "manifest.json lists %zu layers, the config %zu",
					       json_array_size(layers), c->n_diff_ids);
		_cleanup_json_ json_t *om = json_object();
		json_t *ls = json_array();
		json_object_set_new(om, "schemaVersion", json_integer(2));
		json_object_set_new(om, "mediaType", json_string(BERTH_MT_OCI_MANIFEST));
		json_t *cd = json_object();
		char dg[BERTH_DIGEST_STRLEN + 1];
		json_object_set_new(cd, "mediaType", json_string(BERTH_MT_OCI_CONFIG));
		json_object_set_new(cd, "digest", json_string(berth_digest_fmt(&cf->digest, dg)));
		json_object_set_new(cd, "size", json_integer((json_int_t)cf->size));
		json_object_set_new(om, "config", cd);
		json_object_set_new(om, "layers", ls);
		size_t k;
		json_t *lp;
		json_array_foreach (layers, k, lp) {
			const char *path = json_string_value(lp);
			const struct file *lf = path ? find_file(l, path, 0) : NULL;
			if (!lf)
				return berth_error_set(
					err, EBADMSG,
					"manifest.json names layer '%s', which is not "
					"in the archive",
					path ? path : "?");
			int comp = 0;
			r = verify_layer(l->s, &lf->digest, &c->diff_ids[k], &comp, err);
			if (r < 0)
				return berth_error_prefix(err, "layer '%s'", path);
			json_t *ld = json_object();
			json_object_set_new(ld, "mediaType",
					    json_string(berth_media_type_oci_layer(comp)));
			json_object_set_new(ld, "digest",
					    json_string(berth_digest_fmt(&lf->digest, dg)));
			json_object_set_new(ld, "size", json_integer((json_int_t)lf->size));
			json_array_append_new(ls, ld);
		}
		size_t mlen;
		_cleanup_free_ char *mdata = berth_json_dump(om, &mlen);
		struct berth_digest md;
		r = berth_store_blob_put(l->s, mdata, mlen, &md, err);
		if (r < 0)
			return r;
		size_t t;
		json_t *tag;
		bool any = false;
		json_array_foreach (tags, t, tag) {
			struct berth_image_ref ref;
			if (!json_is_string(tag))
				return berth_error_set(err, EINVAL,
						       "manifest.json: a tag is not a string");
			r = berth_image_ref_parse(json_string_value(tag), &ref, err);
			if (r < 0)
				return berth_error_prefix(err, "manifest.json tag '%s'",
							  json_string_value(tag));
			_cleanup_free_ char *name = berth_image_ref_name(&ref);
			berth_image_ref_release(&ref);
			pending_add(p, np, name, BERTH_MT_OCI_MANIFEST, &md, mlen, &cf->digest);
			any = true;
		}
		if (!any)
			pending_add(p, np, NULL, BERTH_MT_OCI_MANIFEST, &md, mlen, &cf->digest);
	}
	return 0;
}

/* Checks a manifest (or index) blob and everything it names, recursively. */
static int verify_document(struct berth_store *s, const struct berth_descriptor *d, int depth,
			   struct berth_digest *ret_id, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	enum berth_media_kind kind;
	char dg[BERTH_DIGEST_STRLEN + 1];
	int r;
	if (depth > 4)
		return berth_error_set(err, EINVAL, "indexes nested too deep");
	if (!berth_store_blob_exists(s, &d->digest))
		return berth_error_set(err, EBADMSG, "manifest '%s' is not in the archive",
				       berth_digest_fmt(&d->digest, dg));
	r = berth_store_blob_read(s, &d->digest, BERTH_MAX_MANIFEST_SIZE, &data, &len, err);
	if (r < 0)
		return r;
	if (len != d->size)
		return berth_error_set(err, EBADMSG, "'%s' has %zu bytes, its descriptor says %llu",
				       dg, len, (unsigned long long)d->size);
	r = berth_media_type_classify(d->media_type, &kind, NULL, err);
	if (r < 0)
		return r;
	if (kind == BERTH_MEDIA_INDEX) {
		_cleanup_(berth_index_freep) struct berth_index *x = NULL;
		r = berth_index_parse(data, len, d->media_type, &x, err);
		if (r < 0)
			return r;
		bool any = false;
		for (size_t i = 0; i < x->n_manifests; i++) {
			if (!berth_store_blob_exists(s, &x->manifests[i].digest))
				continue; /* other platforms may be left out */
			r = verify_document(s, &x->manifests[i], depth + 1, ret_id, err);
			if (r < 0)
				return r;
			any = true;
		}
		if (!any)
			return berth_error_set(err, EBADMSG, "index '%s' has none of its manifests",
					       dg);
		return 0;
	}
	if (kind != BERTH_MEDIA_MANIFEST)
		return berth_error_set(err, EINVAL, "'%s' is not a manifest", d->media_type);
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = NULL;
	r = berth_manifest_parse(data, len, d->media_type, &m, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *cdata = NULL;
	size_t clen;
	_cleanup_(berth_image_config_freep) struct berth_image_config *c = NULL;
	if (!berth_store_blob_exists(s, &m->config.digest))
		return berth_error_set(err, EBADMSG, "config '%s' is not in the archive",
				       berth_digest_fmt(&m->config.digest, dg));
	r = berth_store_blob_read(s, &m->config.digest, BERTH_MAX_CONFIG_SIZE, &cdata, &clen, err);
	if (r < 0)
		return r;
	r = berth_image_config_parse(cdata, clen, &c, err);
	if (r < 0)
		return r;
	if (c->n_diff_ids != m->n_layers)
		return berth_error_set(err, EBADMSG, "manifest has %zu layers, its config %zu",
				       m->n_layers, c->n_diff_ids);
	for (size_t i = 0; i < m->n_layers; i++) {
		uint64_t size;
		if (berth_store_blob_size(s, &m->layers[i].digest, &size, NULL) < 0)
			return berth_error_set(err, EBADMSG, "layer '%s' is not in the archive",
					       berth_digest_fmt(&m->layers[i].digest, dg));
		if (size != m->layers[i].size)
			return berth_error_set(
				err, EBADMSG, "layer '%s' has %llu bytes, the manifest says %llu",
				berth_digest_fmt(&m->layers[i].digest, dg),
				(unsigned long long)size, (unsigned long long)m->layers[i].size);
	}
	*ret_id = m->config.digest;
	return 0;
}

static int load_oci(struct loader *l, struct pending_tag **p, size_t *np, struct berth_error **err)
{
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	_cleanup_json_ json_t *j = NULL;
	int r = berth_index_parse(l->index_json, l->index_len, NULL, &x, err);
	if (r < 0)
		return berth_error_prefix(err, "index.json");
	r = berth_json_parse(l->index_json, l->index_len, "index.json", &j, err);
	if (r < 0)
		return r;
	if (x->n_manifests == 0)
		return berth_error_set(err, EINVAL, "index.json has no images");
	for (size_t i = 0; i < x->n_manifests; i++) {
		struct berth_digest id;
		r = verify_document(l->s, &x->manifests[i], 0, &id, err);
		if (r < 0)
			return r;
		json_t *a = json_object_get(json_array_get(json_object_get(j, "manifests"), i),
					    "annotations");
		const char *name =
			json_string_value(json_object_get(a, "io.containerd.image.name"));
		if (!name)
			name = json_string_value(json_object_get(a, BERTH_REF_NAME_ANNOTATION));
		_cleanup_free_ char *full = NULL;
		struct berth_image_ref ref;
		if (name && berth_image_ref_parse(name, &ref, NULL) >= 0) {
			if (!ref.has_digest)
				full = berth_image_ref_name(&ref);
			berth_image_ref_release(&ref);
		}
		pending_add(p, np, full, x->manifests[i].media_type, &x->manifests[i].digest,
			    x->manifests[i].size, &id);
	}
	return 0;
}

int berth_image_load(struct berth_store *s, int fd, char ***ret_lines, struct berth_error **err)
{
	struct loader l = {.s = s};
	struct pending_tag *p = NULL;
	size_t np = 0;
	_cleanup_strv_free_ char **lines = NULL;
	int r = read_archive(&l, fd, err);
	if (r >= 0) {
		if (l.manifest_json)
			r = load_docker(&l, &p, &np, err);
		else if (l.index_json)
			r = load_oci(&l, &p, &np, err);
		else
			r = berth_error_set(err, EINVAL,
					    "not a docker-archive or oci-archive: no manifest.json "
					    "or index.json in it");
	}
	/* every image verified: only now does anything get a name */
	for (size_t i = 0; r >= 0 && i < np; i++) {
		char id[BERTH_DIGEST_STRLEN + 1];
		if (p[i].name) {
			r = berth_store_ref_set(s, p[i].name, p[i].media_type, &p[i].digest,
						p[i].size, err);
			_cleanup_free_ char *repo = NULL, *tag = NULL;
			berth_image_name_split(p[i].name, &repo, &tag);
			berth_strv_consume(&lines,
					   berth_xasprintf("Loaded image: %s:%s", repo, tag));
		} else {
			r = berth_store_image_add(s, p[i].media_type, &p[i].digest, p[i].size, err);
			berth_strv_consume(&lines, berth_xasprintf("Loaded image ID: %s",
								   berth_digest_fmt(&p[i].id, id)));
		}
		if (r >= 0)
			image_event_id(s, "load", &p[i].id);
	}
	berth_decompress_reader_free(l.in);
	loader_release(&l);
	pending_release(p, np);
	/*
	 * Files of the archive that are no image's blob (legacy "json" and
	 * "VERSION" files) and, after a failure, everything this load wrote are
	 * unreferenced now: collect them (best effort).
	 */
	struct berth_error *e = NULL;
	berth_image_gc(s, NULL, 0, NULL, &e);
	berth_error_free(&e);
	if (r < 0)
		return berth_error_prefix(err, "load");
	if (ret_lines)
		*ret_lines = TAKE_PTR(lines);
	return 0;
}
