/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `save`: docker-archive (manifest.json + config + uncompressed layer
 * tars, what `docker load` and `podman load` read) and oci-archive (a tar
 * of an OCI image layout). `load` of both is archive-load.c.
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

#define CHUNK (128 * 1024)

int berth_archive_format_parse(const char *s, enum berth_archive_format *ret,
			       struct berth_error **err)
{
	if (strcmp(s, "docker-archive") == 0 || strcmp(s, "docker") == 0)
		*ret = BERTH_ARCHIVE_DOCKER;
	else if (strcmp(s, "oci-archive") == 0 || strcmp(s, "oci") == 0)
		*ret = BERTH_ARCHIVE_OCI;
	else
		return berth_error_set(err, EINVAL,
				       "unknown archive format '%s' (use docker-archive or "
				       "oci-archive)",
				       s);
	return 0;
}

static void write_freep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
	*a = NULL;
}

static void entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
	*e = NULL;
}

/* ---- save ---- */

struct saver {
	struct berth_store *s;
	struct archive *a;
	char **written; /* paths already in the archive */
};

static int ar_error(struct archive *a, const char *what, struct berth_error **err)
{
	return berth_error_set(err, EIO, "write archive: %s: %s", what,
			       archive_error_string(a) ? archive_error_string(a) : "failed");
}

static int add_dir(struct saver *sv, const char *path, struct berth_error **err)
{
	if (berth_strv_contains(sv->written, path))
		return 0;
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	if (archive_write_header(sv->a, e) != ARCHIVE_OK)
		return ar_error(sv->a, path, err);
	berth_strv_push(&sv->written, path);
	return 0;
}

static int add_bytes(struct saver *sv, const char *path, const void *data, size_t len,
		     struct berth_error **err)
{
	if (berth_strv_contains(sv->written, path))
		return 0;
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(sv->a, e) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(sv->a, data, len) != (la_ssize_t)len))
		return ar_error(sv->a, path, err);
	berth_strv_push(&sv->written, path);
	return 0;
}

/* Streams size bytes from r (a decompress reader or plain) into the archive under path. */
static int add_stream(struct saver *sv, const char *path, int fd, uint64_t size,
		      struct berth_error **err)
{
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *r = NULL;
	_cleanup_free_ char *buf = berth_xmalloc(CHUNK);
	uint64_t done = 0;
	int q = berth_decompress_reader_open(fd, &r, err);
	if (q < 0)
		return q;
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	if (archive_write_header(sv->a, e) != ARCHIVE_OK)
		return ar_error(sv->a, path, err);
	for (;;) {
		ssize_t n = berth_decompress_reader_read(r, buf, CHUNK, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (done + (uint64_t)n > size)
			return berth_error_set(err, EBADMSG, "layer changed while saving");
		if (archive_write_data(sv->a, buf, (size_t)n) != n)
			return ar_error(sv->a, path, err);
		done += (uint64_t)n;
	}
	if (done != size)
		return berth_error_set(err, EBADMSG, "layer changed while saving");
	berth_strv_push(&sv->written, path);
	return 0;
}

/* The uncompressed size and digest of a layer blob, and the compression it was read through
 * (ret_compression may be NULL). */
int image_layer_measure(struct berth_store *s, const struct berth_digest *d, uint64_t *ret_size,
			struct berth_digest *ret_digest, int *ret_compression,
			struct berth_error **err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *r = NULL;
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	_cleanup_free_ char *buf = berth_xmalloc(CHUNK);
	uint64_t size = 0;
	int q = berth_store_blob_open(s, d, &fd, NULL, err);
	if (q < 0)
		return q;
	q = berth_decompress_reader_open(fd, &r, err);
	if (q < 0)
		return q;
	for (;;) {
		ssize_t n = berth_decompress_reader_read(r, buf, CHUNK, err);
		if (n < 0) {
			char name[BERTH_DIGEST_STRLEN + 1];
			return berth_error_prefix(err, "layer '%s'", berth_digest_fmt(d, name));
		}
		if (n == 0)
			break;
		berth_sha256_update(h, buf, (size_t)n);
		size += (uint64_t)n;
	}
	berth_sha256_final(h, ret_digest);
	*ret_size = size;
	if (ret_compression)
		*ret_compression = (int)berth_decompress_reader_kind(r);
	return 0;
}

static char *blob_path(const struct berth_digest *d)
{
	char hex[65];
	return berth_xasprintf("blobs/sha256/%s", berth_digest_hex(d, hex));
}

static int copy_blob(struct saver *sv, const struct berth_digest *d, struct berth_error **err)
{
	_cleanup_free_ char *path = blob_path(d);
	if (berth_strv_contains(sv->written, path))
		return 0;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = berth_xmalloc(CHUNK);
	uint64_t size;
	int r = berth_store_blob_open(sv->s, d, &fd, &size, err);
	if (r < 0)
		return r;
	_cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	if (archive_write_header(sv->a, e) != ARCHIVE_OK)
		return ar_error(sv->a, path, err);
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	uint64_t done = 0;
	while (done < size) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_syscall(err, errno, "read blob");
		if (n == 0)
			break;
		berth_sha256_update(h, buf, (size_t)n);
		if (archive_write_data(sv->a, buf, (size_t)n) != n)
			return ar_error(sv->a, path, err);
		done += (uint64_t)n;
	}
	struct berth_digest got;
	berth_sha256_final(h, &got);
	if (done != size || !berth_digest_eq(&got, d)) {
		char name[BERTH_DIGEST_STRLEN + 1];
		return berth_error_set(err, EBADMSG, "blob '%s' is corrupt in the store",
				       berth_digest_fmt(d, name));
	}
	berth_strv_push(&sv->written, path);
	return 0;
}

/* The names an image is saved under: the one asked for, or all it has. */
static char **save_names(const struct berth_image *img, const char *what)
{
	char **names = NULL;
	struct berth_image_ref ref;
	if (berth_image_ref_parse(what, &ref, NULL) >= 0) {
		_cleanup_free_ char *n = berth_image_ref_name(&ref);
		berth_image_ref_release(&ref);
		if (berth_strv_contains(img->names, n)) {
			berth_strv_push(&names, n);
			return names;
		}
	}
	names = berth_strv_copy(img->names);
	return names ? names : berth_xcalloc(1, sizeof(char *));
}

static int save_docker(struct saver *sv, struct berth_image **imgs, char *const *whats,
		       struct berth_error **err)
{
	_cleanup_json_ json_t *manifest = json_array();
	int r;
	if ((r = add_dir(sv, "blobs", err)) < 0 || (r = add_dir(sv, "blobs/sha256", err)) < 0)
		return r;
	for (size_t i = 0; imgs[i]; i++) {
		struct berth_image *img = imgs[i];
		json_t *m = json_object();
		json_array_append_new(manifest, m);
		_cleanup_free_ char *cfg = blob_path(&img->id);
		r = copy_blob(sv, &img->id, err);
		if (r < 0)
			return r;
		json_object_set_new(m, "Config", json_string(cfg));
		json_t *tags = json_array();
		_cleanup_strv_free_ char **names = save_names(img, whats[i]);
		for (char **n = names; *n; n++) {
			_cleanup_free_ char *repo = NULL, *tag = NULL;
			berth_image_name_split(*n, &repo, &tag);
			if (strcmp(tag, "<none>") == 0)
				continue;
			_cleanup_free_ char *f = berth_xasprintf("%s:%s", repo, tag);
			json_array_append_new(tags, json_string(f));
		}
		json_object_set_new(m, "RepoTags", tags);
		json_t *layers = json_array();
		json_object_set_new(m, "Layers", layers);
		if (img->manifest->n_layers != img->config->n_diff_ids)
			return berth_error_set(err, EBADMSG,
					       "image has %zu layers but %zu diff IDs",
					       img->manifest->n_layers, img->config->n_diff_ids);
		for (size_t l = 0; l < img->manifest->n_layers; l++) {
			const struct berth_digest *ld = &img->manifest->layers[l].digest;
			_cleanup_free_ char *path = blob_path(&img->config->diff_ids[l]);
			json_array_append_new(layers, json_string(path));
			if (berth_strv_contains(sv->written, path))
				continue;
			uint64_t size = 0;
			struct berth_digest got;
			r = image_layer_measure(sv->s, ld, &size, &got, NULL, err);
			if (r < 0)
				return r;
			if (!berth_digest_eq(&got, &img->config->diff_ids[l]))
				return berth_error_set(err, EBADMSG,
						       "layer %zu does not match its diff ID", l);
			_cleanup_close_ int fd = -EBADF;
			r = berth_store_blob_open(sv->s, ld, &fd, NULL, err);
			if (r < 0)
				return r;
			r = add_stream(sv, path, fd, size, err);
			if (r < 0)
				return r;
		}
	}
	size_t len;
	_cleanup_free_ char *data = berth_json_dump(manifest, &len);
	return add_bytes(sv, "manifest.json", data, len, err);
}

/* OCI's media type for a Docker one (the blob's bytes stay the same); mt when it has none. */
static const char *oci_media_type(const char *mt)
{
	static const char *const map[][2] = {
		{BERTH_MT_DOCKER_MANIFEST, BERTH_MT_OCI_MANIFEST},
		{BERTH_MT_DOCKER_CONFIG, BERTH_MT_OCI_CONFIG},
		{BERTH_MT_DOCKER_LAYER_GZIP, BERTH_MT_OCI_LAYER_GZIP},
		{BERTH_MT_DOCKER_LAYER, BERTH_MT_OCI_LAYER},
		{BERTH_MT_DOCKER_FOREIGN,
		 "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"},
	};
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (strcmp(mt, map[i][0]) == 0)
			return map[i][1];
	return mt;
}

static json_t *oci_descriptor(const struct berth_descriptor *d)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	return json_pack("{s:s, s:s, s:I}", "mediaType", oci_media_type(d->media_type), "digest",
			 berth_digest_fmt(&d->digest, dg), "size", (json_int_t)d->size);
}

/*
 * Writes the image's manifest into an oci-archive: as stored when it has
 * OCI media types; a Docker one is converted (OCI media types for the
 * manifest, the config and the layers, whose blobs stay the same), so the
 * manifest's digest is a new one, *ret.
 */
static int save_oci_manifest(struct saver *sv, const struct berth_image *img,
			     struct berth_descriptor *ret, struct berth_error **err)
{
	ret->media_type = img->manifest_media_type;
	ret->digest = img->manifest_digest;
	ret->size = img->manifest_size;
	if (strcmp(img->manifest_media_type, BERTH_MT_DOCKER_MANIFEST) != 0)
		return copy_blob(sv, &img->manifest_digest, err);
	const struct berth_manifest *m = img->manifest;
	_cleanup_json_ json_t *om =
		json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", BERTH_MT_OCI_MANIFEST,
			  "config", oci_descriptor(&m->config));
	if (!om)
		berth_oom();
	json_t *ls = json_array();
	for (size_t l = 0; l < m->n_layers; l++)
		json_array_append_new(ls, oci_descriptor(&m->layers[l]));
	json_object_set_new(om, "layers", ls);
	size_t len;
	_cleanup_free_ char *data = berth_json_dump(om, &len);
	ret->media_type = (char *)BERTH_MT_OCI_MANIFEST;
	berth_digest_of(data, len, &ret->digest);
	ret->size = len;
	_cleanup_free_ char *path = blob_path(&ret->digest);
	return add_bytes(sv, path, data, len, err);
}

static int save_oci(struct saver *sv, struct berth_image **imgs, char *const *whats,
		    struct berth_error **err)
{
	_cleanup_json_ json_t *index = json_object();
	json_t *ms = json_array();
	int r;
	json_object_set_new(index, "schemaVersion", json_integer(2));
	json_object_set_new(index, "mediaType", json_string(BERTH_MT_OCI_INDEX));
	json_object_set_new(index, "manifests", ms);
	if ((r = add_dir(sv, "blobs", err)) < 0 || (r = add_dir(sv, "blobs/sha256", err)) < 0)
		return r;
	for (size_t i = 0; imgs[i]; i++) {
		struct berth_image *img = imgs[i];
		char dg[BERTH_DIGEST_STRLEN + 1];
		/* the image manifest itself (an index's other platforms may be absent) */
		struct berth_descriptor md = {0};
		if ((r = save_oci_manifest(sv, img, &md, err)) < 0 ||
		    (r = copy_blob(sv, &img->id, err)) < 0)
			return r;
		for (size_t l = 0; l < img->manifest->n_layers; l++)
			if ((r = copy_blob(sv, &img->manifest->layers[l].digest, err)) < 0)
				return r;
		_cleanup_strv_free_ char **names = save_names(img, whats[i]);
		size_t n = berth_strv_len(names);
		for (size_t k = 0; k < (n ? n : 1); k++) {
			json_t *e = json_object();
			json_object_set_new(e, "mediaType", json_string(md.media_type));
			json_object_set_new(e, "digest",
					    json_string(berth_digest_fmt(&md.digest, dg)));
			json_object_set_new(e, "size", json_integer((json_int_t)md.size));
			if (n) {
				json_t *a = json_object();
				json_object_set_new(a, BERTH_REF_NAME_ANNOTATION,
						    json_string(names[k]));
				json_object_set_new(a, "io.containerd.image.name",
						    json_string(names[k]));
				json_object_set_new(e, "annotations", a);
			}
			json_array_append_new(ms, e);
		}
	}
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	r = add_bytes(sv, "oci-layout", layout, strlen(layout), err);
	if (r < 0)
		return r;
	size_t len;
	_cleanup_free_ char *data = berth_json_dump(index, &len);
	return add_bytes(sv, "index.json", data, len, err);
}

int berth_image_save(struct berth_store *s, char *const *whats, enum berth_archive_format format,
		     int fd, struct berth_error **err)
{
	size_t n = berth_strv_len(whats);
	if (n == 0)
		return berth_error_set(err, EINVAL, "save: no image given");
	struct berth_image **imgs = berth_xcalloc(n + 1, sizeof(*imgs));
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = berth_image_resolve(s, whats[i], &imgs[i], err);
	_cleanup_(write_freep) struct archive *a = archive_write_new();
	struct saver sv = {.s = s, .a = a};
	if (r >= 0) {
		archive_write_set_format_pax_restricted(a);
		archive_write_set_bytes_in_last_block(a, 1);
		if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
			r = ar_error(a, "open", err);
	}
	if (r >= 0)
		r = format == BERTH_ARCHIVE_OCI ? save_oci(&sv, imgs, whats, err)
						: save_docker(&sv, imgs, whats, err);
	if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
		r = ar_error(a, "close", err);
	for (size_t i = 0; i < n; i++) {
		if (r >= 0)
			image_event_id(s, "save", &imgs[i]->id);
		berth_image_free(imgs[i]);
	}
	free(imgs);
	berth_strv_free(sv.written);
	return r;
}
