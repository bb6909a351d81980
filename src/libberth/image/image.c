/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images in a store: resolving a name or ID to (manifest, config), listing,
 * writing a new image, tagging, removing with garbage collection, and the
 * JSON of `inspect`.
 */
#include "image/image.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "image/internal.h"
#include "core/json.h"
#include "core/strv.h"
#include "core/units.h"
#include "layer/layer.h"

void berth_image_free(struct berth_image *img)
{
	if (!img)
		return;
	free(img->top_media_type);
	free(img->manifest_media_type);
	berth_manifest_free(img->manifest);
	berth_image_config_free(img->config);
	berth_strv_free(img->names);
	berth_strv_free(img->repo_digests);
	free(img->last_tag_time);
	free(img);
}

/* The media type of a document whose descriptor did not say (index.json entries may not). */
static const char *doc_media_type(const char *data, size_t len, const char *hint)
{
	if (hint && *hint)
		return hint;
	_cleanup_json_ json_t *j = json_loadb(data, len, 0, NULL);
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	if (mt && strcmp(mt, BERTH_MT_OCI_INDEX) == 0)
		return BERTH_MT_OCI_INDEX;
	if (mt && strcmp(mt, BERTH_MT_DOCKER_LIST) == 0)
		return BERTH_MT_DOCKER_LIST;
	if (mt && strcmp(mt, BERTH_MT_DOCKER_MANIFEST) == 0)
		return BERTH_MT_DOCKER_MANIFEST;
	if (json_object_get(j, "manifests"))
		return BERTH_MT_OCI_INDEX;
	return BERTH_MT_OCI_MANIFEST;
}

static int load(struct berth_store *s, const struct berth_digest *top, const char *top_mt,
		struct berth_image **ret, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = berth_xcalloc(1, sizeof(*img));
	_cleanup_free_ char *data = NULL;
	size_t len;
	enum berth_media_kind kind;
	char name[BERTH_DIGEST_STRLEN + 1];
	int r = berth_store_blob_read(s, top, BERTH_MAX_MANIFEST_SIZE, &data, &len, err);
	if (r < 0)
		return r;
	img->top_digest = *top;
	img->top_size = len;
	const char *mt = doc_media_type(data, len, top_mt);
	img->top_media_type = berth_xstrdup(mt);
	r = berth_media_type_classify(mt, &kind, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'", berth_digest_fmt(top, name));
	img->manifest_digest = *top;
	if (kind == BERTH_MEDIA_INDEX) {
		_cleanup_(berth_index_freep) struct berth_index *x = NULL;
		const struct berth_descriptor *d;
		r = berth_index_parse(data, len, mt, &x, err);
		if (r < 0)
			return berth_error_prefix(err, "image '%s'", berth_digest_fmt(top, name));
		r = berth_index_pick(x, NULL, NULL, &d, err);
		if (r < 0)
			return berth_error_prefix(err, "image '%s'", berth_digest_fmt(top, name));
		img->manifest_digest = d->digest;
		mt = d->media_type;
		free(TAKE_PTR(data));
		r = berth_store_blob_read(s, &d->digest, BERTH_MAX_MANIFEST_SIZE, &data, &len, err);
		if (r < 0)
			return r;
		img->manifest_media_type = berth_xstrdup(mt);
	} else if (kind == BERTH_MEDIA_MANIFEST) {
		img->manifest_media_type = berth_xstrdup(mt);
	} else {
		return berth_error_set(err, EINVAL, "image '%s' names a '%s', not a manifest",
				       berth_digest_fmt(top, name), mt);
	}
	img->manifest_size = len;
	r = berth_manifest_parse(data, len, img->manifest_media_type, &img->manifest, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'",
					  berth_digest_fmt(&img->manifest_digest, name));
	free(TAKE_PTR(data));
	img->id = img->manifest->config.digest;
	r = berth_store_blob_read(s, &img->id, BERTH_MAX_CONFIG_SIZE, &data, &len, err);
	if (r < 0)
		return r;
	r = berth_image_config_parse(data, len, &img->config, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'", berth_digest_fmt(&img->id, name));
	*ret = TAKE_PTR(img);
	return 0;
}

static void add_repo_digest(struct berth_image *img, const char *name, const struct berth_digest *d)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	berth_image_name_split(name, &repo, &tag);
	_cleanup_free_ char *rd = berth_xasprintf("%s@%s", repo, berth_digest_fmt(d, dg));
	if (!berth_strv_contains(img->repo_digests, rd))
		berth_strv_push(&img->repo_digests, rd);
}

static void fill_names(struct berth_image *img, const struct berth_store_refs *refs)
{
	for (size_t i = 0; i < refs->n; i++) {
		const struct berth_store_ref *r = &refs->items[i];
		if (!r->name || !berth_digest_eq(&r->digest, &img->top_digest))
			continue;
		berth_strv_push(&img->names, r->name);
		if (r->has_repo_digest)
			add_repo_digest(img, r->name, &r->repo_digest);
		/* tag times are all written with nanoseconds: they compare as strings */
		if (r->tag_time &&
		    (!img->last_tag_time || strcmp(r->tag_time, img->last_tag_time) > 0)) {
			free(img->last_tag_time);
			img->last_tag_time = berth_xstrdup(r->tag_time);
		}
	}
	if (!img->names)
		img->names = berth_xcalloc(1, sizeof(char *));
	berth_strv_sort(img->names);
	berth_strv_sort(img->repo_digests);
}

static const char *entry_mt(const struct berth_store_refs *refs, const struct berth_digest *d)
{
	for (size_t i = 0; i < refs->n; i++)
		if (berth_digest_eq(&refs->items[i].digest, d))
			return refs->items[i].media_type;
	return NULL;
}

int berth_image_layer_open(struct berth_store *s, const struct berth_image *img, size_t i,
			   int *ret_fd, struct berth_error **err)
{
	if (i >= img->manifest->n_layers)
		return berth_error_set(err, EINVAL, "the image has %zu layers, not %zu",
				       img->manifest->n_layers, i + 1);
	return berth_store_blob_open(s, &img->manifest->layers[i].digest, ret_fd, NULL, err);
}

int berth_image_load_digest(struct berth_store *s, const struct berth_digest *top,
			    struct berth_image **ret, struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	int r = berth_store_ref_list(s, &refs, err);
	if (r < 0)
		return r;
	struct berth_image *img = NULL;
	r = load(s, top, entry_mt(refs, top), &img, err);
	if (r < 0)
		return r;
	fill_names(img, refs);
	*ret = img;
	return 0;
}

static bool is_hex_prefix(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* Finds entries whose image ID (config digest) or top digest starts with hex. */
static int find_by_id(struct berth_store *s, const struct berth_store_refs *refs, const char *hex,
		      const char *what, struct berth_image **ret, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *found = NULL;
	size_t len = strlen(hex);
	for (size_t i = 0; i < refs->n; i++) {
		char id[65], top[65];
		struct berth_image *img = NULL;
		struct berth_error *e = NULL;
		/* the top digest: a manifest digest matches without reading anything */
		berth_digest_hex(&refs->items[i].digest, top);
		if (load(s, &refs->items[i].digest, refs->items[i].media_type, &img, &e) < 0) {
			berth_error_free(&e);
			if (strncmp(top, hex, len) != 0)
				continue;
			/* a named but broken image: say why */
			return load(s, &refs->items[i].digest, refs->items[i].media_type, ret, err);
		}
		berth_digest_hex(&img->id, id);
		if (strncmp(id, hex, len) != 0 && !(len == 64 && strcmp(top, hex) == 0)) {
			berth_image_free(img);
			continue;
		}
		if (found && !berth_digest_eq(&found->id, &img->id)) {
			berth_image_free(img);
			return berth_error_set(
				err, EINVAL, "ambiguous image ID '%s': more than one image matches",
				what);
		}
		if (!found)
			found = img;
		else
			berth_image_free(img);
	}
	if (!found)
		return berth_error_set(err, ENOENT, "no such image: '%s'", what);
	*ret = TAKE_PTR(found);
	return 0;
}

int berth_image_resolve(struct berth_store *s, const char *what, struct berth_image **ret,
			struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	struct berth_image *img = NULL;
	int r = berth_store_ref_list(s, &refs, err);
	if (r < 0)
		return r;
	if (strncmp(what, "sha256:", 7) == 0) {
		if (!is_hex_prefix(what + 7))
			return berth_error_set(err, EINVAL, "invalid image ID '%s'", what);
		r = find_by_id(s, refs, what + 7, what, &img, err);
	} else {
		struct berth_image_ref ref;
		struct berth_error *perr = NULL;
		r = berth_image_ref_parse(what, &ref, &perr);
		if (r < 0) {
			/* a 64-hex ID is not a valid reference but is a valid ID */
			if (is_hex_prefix(what)) {
				berth_error_free(&perr);
				r = find_by_id(s, refs, what, what, &img, err);
			} else {
				if (err)
					*err = perr;
				else
					berth_error_free(&perr);
				return r;
			}
		} else {
			_cleanup_free_ char *name = berth_image_ref_name(&ref);
			struct berth_store_ref sr;
			r = berth_store_ref_resolve(s, name, &sr, NULL);
			if (r >= 0) {
				r = load(s, &sr.digest, sr.media_type, &img, err);
				berth_store_ref_release(&sr);
			} else if (ref.has_digest && entry_mt(refs, &ref.digest)) {
				r = load(s, &ref.digest, entry_mt(refs, &ref.digest), &img, err);
			} else if (is_hex_prefix(what)) {
				r = find_by_id(s, refs, what, what, &img, err);
			} else {
				r = berth_error_set(err, ENOENT, "no such image: '%s'", what);
			}
			berth_image_ref_release(&ref);
		}
	}
	if (r < 0)
		return r;
	fill_names(img, refs);
	*ret = img;
	return 0;
}

char *berth_image_created_time(const int64_t *fixed)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];
	if (fixed)
		ts = (struct timespec){.tv_sec = (time_t)*fixed};
	else
		clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ts.tv_nsec)
		return berth_xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
	return berth_xasprintf("%sZ", buf);
}

int berth_image_layer_size(struct berth_store *s, const struct berth_image *img, size_t i,
			   uint64_t *ret, struct berth_error **err)
{
	if (img->manifest->n_layers != img->config->n_diff_ids)
		return berth_error_set(err, EINVAL, "the image has %zu layers but %zu diff IDs",
				       img->manifest->n_layers, img->config->n_diff_ids);
	if (i >= img->manifest->n_layers)
		return berth_error_set(err, EINVAL, "the image has %zu layers, not %zu",
				       img->manifest->n_layers, i + 1);
	return berth_layer_store_tar_size(s, &img->config->diff_ids[i],
					  &img->manifest->layers[i].digest, ret, err);
}

int berth_image_history_sizes(struct berth_store *s, const struct berth_image *img, uint64_t **ret,
			      struct berth_error **err)
{
	const struct berth_image_config *cfg = img->config;
	_cleanup_free_ uint64_t *sizes = berth_xcalloc(cfg->n_history + 1, sizeof(uint64_t));
	/* the entries with a layer take the manifest's layers in order, bottom first */
	size_t layer = 0;
	for (size_t k = 0; k < cfg->n_history; k++) {
		if (cfg->history[k].empty_layer)
			continue;
		if (layer < img->manifest->n_layers) {
			int r = berth_image_layer_size(s, img, layer, &sizes[k], err);
			if (r < 0)
				return r;
		}
		layer++;
	}
	*ret = TAKE_PTR(sizes);
	return 0;
}

int berth_image_size(struct berth_store *s, const struct berth_image *img, uint64_t *ret,
		     struct berth_error **err)
{
	uint64_t total = 0;
	for (size_t i = 0; i < img->manifest->n_layers; i++) {
		uint64_t n = 0;
		int r = berth_image_layer_size(s, img, i, &n, err);
		if (r < 0)
			return r;
		total += n;
	}
	*ret = total;
	return 0;
}

static json_t *descriptor_json(const char *mt, const struct berth_digest *d, uint64_t size)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	json_t *o = json_object();
	json_object_set_new(o, "mediaType", json_string(mt));
	json_object_set_new(o, "digest", json_string(berth_digest_fmt(d, dg)));
	json_object_set_new(o, "size", json_integer((json_int_t)size));
	return o;
}

/* Parses a name the user wants to tag with: a tag, never a digest. */
static int tag_name(const char *name, char **ret, struct berth_error **err)
{
	struct berth_image_ref ref;
	int r = berth_image_ref_parse(name, &ref, err);
	if (r < 0)
		return r;
	if (ref.has_digest) {
		berth_image_ref_release(&ref);
		return berth_error_set(err, EINVAL, "refusing to create a tag with a digest '%s'",
				       name);
	}
	*ret = berth_image_ref_name(&ref);
	berth_image_ref_release(&ref);
	return 0;
}

int berth_image_commit(struct berth_store *s, const char *config, size_t config_len,
		       const struct berth_descriptor *layers, size_t n_layers, char *const *names,
		       struct berth_digest *ret_manifest, struct berth_digest *ret_id,
		       struct berth_error **err)
{
	_cleanup_strv_free_ char **full = NULL;
	struct berth_digest cd, md;
	size_t mlen;
	int r;
	/* every name is checked before anything is written */
	BERTH_STRV_FOREACH (n, names) {
		char *f;
		r = tag_name(*n, &f, err);
		if (r < 0)
			return r;
		berth_strv_push(&full, f);
		free(f);
	}
	r = berth_store_blob_put(s, config, config_len, &cd, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *m = json_object();
	json_object_set_new(m, "schemaVersion", json_integer(2));
	json_object_set_new(m, "mediaType", json_string(BERTH_MT_OCI_MANIFEST));
	json_object_set_new(m, "config", descriptor_json(BERTH_MT_OCI_CONFIG, &cd, config_len));
	json_t *ls = json_array();
	for (size_t i = 0; i < n_layers; i++)
		json_array_append_new(ls, descriptor_json(layers[i].media_type, &layers[i].digest,
							  layers[i].size));
	json_object_set_new(m, "layers", ls);
	_cleanup_free_ char *mdata = berth_json_dump(m, &mlen);
	r = berth_store_blob_put(s, mdata, mlen, &md, err);
	if (r < 0)
		return r;
	if (!full) {
		r = berth_store_image_add(s, BERTH_MT_OCI_MANIFEST, &md, mlen, err);
		if (r < 0)
			return r;
	}
	BERTH_STRV_FOREACH (f, full) {
		r = berth_store_ref_set(s, *f, BERTH_MT_OCI_MANIFEST, &md, mlen, err);
		if (r < 0)
			return r;
		r = berth_image_mark_tagged(s, *f, err);
		if (r < 0)
			return r;
	}
	if (ret_manifest)
		*ret_manifest = md;
	if (ret_id)
		*ret_id = cd;
	return 0;
}

int berth_image_write(struct berth_store *s, const struct berth_image_config *config,
		      const struct berth_descriptor *layers, size_t n_layers, const char *name,
		      struct berth_digest *ret_manifest, struct berth_digest *ret_id,
		      struct berth_error **err)
{
	char *names[] = {(char *)name, NULL};
	size_t clen;
	if (config->n_diff_ids != n_layers)
		return berth_error_set(err, EINVAL,
				       "image has %zu layers but its config lists %zu diff IDs",
				       n_layers, config->n_diff_ids);
	_cleanup_free_ char *cdata = berth_image_config_serialize(config, &clen);
	return berth_image_commit(s, cdata, clen, layers, n_layers, name ? names : NULL,
				  ret_manifest, ret_id, err);
}

int berth_image_mark_tagged(struct berth_store *s, const char *full, struct berth_error **err)
{
	_cleanup_free_ char *when = berth_time_now_rfc3339nano();
	return berth_store_ref_annotate(s, full, BERTH_REF_TAG_TIME_ANNOTATION, when, err);
}

static char *familiar_name(const char *name);

int berth_image_tag(struct berth_store *s, const char *what, const char *name,
		    struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_free_ char *full = NULL;
	int r = tag_name(name, &full, err);
	if (r < 0)
		return r;
	r = berth_image_resolve(s, what, &img, err);
	if (r < 0)
		return r;
	r = berth_store_ref_set(s, full, img->top_media_type, &img->top_digest, img->top_size, err);
	if (r < 0)
		return r;
	r = berth_image_mark_tagged(s, full, err);
	if (r >= 0) {
		char id[BERTH_DIGEST_STRLEN + 1];
		_cleanup_free_ char *familiar = familiar_name(full);
		image_event(s, "tag", berth_digest_fmt(&img->id, id), familiar);
	}
	return r;
}

void image_event(struct berth_store *s, const char *action, const char *actor, const char *name)
{
	berth_event_emit(berth_store_root_path(s), "image", action, actor,
			 (const char *[]){"name", name ? name : actor, NULL});
}

void image_event_id(struct berth_store *s, const char *action, const struct berth_digest *id)
{
	char buf[BERTH_DIGEST_STRLEN + 1];
	image_event(s, action, berth_digest_fmt(id, buf), NULL);
}

void berth_image_list_free(struct berth_image_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].created);
	}
	free(l->items);
	free(l);
}

static int cmp_created(const void *a, const void *b)
{
	const struct berth_image_list_item *x = a, *y = b;
	const char *cx = x->created ? x->created : "", *cy = y->created ? y->created : "";
	int c = strcmp(cy, cx);
	if (c)
		return c;
	return strcmp(x->name ? x->name : "~", y->name ? y->name : "~");
}

/*
 * The digest Docker's `images --digests` shows on the row of refs[i]: a
 * RepoDigests entry of the same image and repository (a pull or push of any
 * of its tags there).
 */
static void list_repo_digest(const struct berth_store_refs *refs, size_t i,
			     struct berth_image_list_item *it)
{
	const struct berth_store_ref *ri = &refs->items[i];
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	if (!ri->name)
		return;
	berth_image_name_split(ri->name, &repo, &tag);
	for (size_t j = 0; j < refs->n && !it->has_repo_digest; j++) {
		const struct berth_store_ref *rj = &refs->items[j];
		_cleanup_free_ char *rrepo = NULL, *rtag = NULL;
		if (!rj->has_repo_digest || !rj->name || !berth_digest_eq(&rj->digest, &ri->digest))
			continue;
		berth_image_name_split(rj->name, &rrepo, &rtag);
		if (strcmp(repo, rrepo) == 0) {
			it->repo_digest = rj->repo_digest;
			it->has_repo_digest = true;
		}
	}
}

int berth_image_list(struct berth_store *s, struct berth_image_list **ret, struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	int r = berth_store_ref_list(s, &refs, err);
	if (r < 0)
		return r;
	_cleanup_(berth_image_list_freep) struct berth_image_list *l = berth_xcalloc(1, sizeof(*l));
	l->items = berth_xcalloc(refs->n + 1, sizeof(*l->items));
	for (size_t i = 0; i < refs->n; i++) {
		struct berth_image *img = NULL;
		struct berth_error *e = NULL;
		if (load(s, &refs->items[i].digest, refs->items[i].media_type, &img, &e) < 0) {
			berth_error_free(&e);
			continue;
		}
		struct berth_image_list_item *it = &l->items[l->n++];
		it->name = refs->items[i].name ? berth_xstrdup(refs->items[i].name) : NULL;
		it->top_digest = refs->items[i].digest;
		list_repo_digest(refs, i, it);
		it->id = img->id;
		it->created = img->config->created ? berth_xstrdup(img->config->created) : NULL;
		r = berth_image_size(s, img, &it->size, err);
		berth_image_free(img);
		if (r < 0)
			return r;
	}
	berth_qsort(l->items, l->n, sizeof(*l->items), cmp_created);
	*ret = TAKE_PTR(l);
	return 0;
}

static char *familiar_name(const char *name)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	berth_image_name_split(name, &repo, &tag);
	return berth_xasprintf("%s:%s", repo, tag);
}

static char *line_with_name(const char *prefix, const char *name)
{
	_cleanup_free_ char *f = familiar_name(name);
	return berth_xasprintf("%s: %s", prefix, f);
}

static bool digest_in_index(struct berth_store *s, const struct berth_digest *d)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	if (berth_store_ref_list(s, &refs, NULL) < 0)
		return true;
	return entry_mt(refs, d) != NULL;
}

static int collect(struct berth_store *s, struct berth_error **err)
{
	struct berth_store_gc_result res;
	return berth_image_gc(s, NULL, 0, &res, err);
}

int berth_image_remove(struct berth_store *s, const char *what, bool force, char ***ret_lines,
		       struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	char id[BERTH_DIGEST_STRLEN + 1];
	int r = berth_image_resolve(s, what, &img, err);
	if (r < 0)
		return r;
	berth_digest_fmt(&img->id, id);

	/* by name: drop that one tag */
	struct berth_image_ref ref;
	_cleanup_free_ char *name = NULL;
	if (berth_image_ref_parse(what, &ref, NULL) >= 0) {
		name = berth_image_ref_name(&ref);
		berth_image_ref_release(&ref);
		if (!berth_strv_contains(img->names, name))
			free(TAKE_PTR(name));
	}
	if (name) {
		r = berth_store_ref_remove(s, name, false, err);
		if (r < 0)
			return r;
		berth_strv_consume(&lines, line_with_name("Untagged", name));
		image_event(s, "untag", id, NULL);
	} else {
		if (berth_strv_len(img->names) > 1 && !force)
			return berth_error_set(
				err, EEXIST,
				"conflict: unable to delete %.12s (must be forced) - "
				"image is referenced in multiple repositories",
				id + 7);
		for (char **n = img->names; *n; n++)
			berth_strv_consume(&lines, line_with_name("Untagged", *n));
		r = berth_store_image_remove(s, &img->top_digest, err);
		if (r < 0)
			return r;
		for (char **n = img->names; *n; n++)
			image_event(s, "untag", id, NULL);
	}
	if (!digest_in_index(s, &img->top_digest)) {
		berth_strv_consume(&lines, berth_xasprintf("Deleted: %s", id));
		image_event(s, "delete", id, NULL);
		r = collect(s, err);
		if (r < 0)
			return r;
	}
	if (ret_lines)
		*ret_lines = TAKE_PTR(lines);
	return 0;
}

static bool digest_in(const struct berth_digest *d, const struct berth_digest *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (berth_digest_eq(d, &set[i]))
			return true;
	return false;
}

int berth_image_prune(struct berth_store *s, bool all, const struct berth_digest *keep,
		      size_t n_keep, char ***ret_lines, uint64_t *ret_reclaimed,
		      struct berth_error **err)
{
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	int r = berth_store_ref_list(s, &refs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < refs->n; i++) {
		struct berth_store_ref *e = &refs->items[i];
		char dg[BERTH_DIGEST_STRLEN + 1];
		if (e->name && !all)
			continue;
		/* Docker names the image ID (the config digest), and keys "in use" on it */
		struct berth_digest id = e->digest;
		struct berth_image *img = NULL;
		if (load(s, &e->digest, e->media_type, &img, NULL) >= 0) {
			id = img->id;
			berth_image_free(img);
		}
		if (digest_in(&id, keep, n_keep))
			continue;
		if (e->name) {
			berth_strv_consume(&lines, line_with_name("untagged", e->name));
			r = berth_store_ref_remove(s, e->name, false, err);
		} else {
			r = berth_store_image_remove(s, &e->digest, err);
		}
		if (r == -ENOENT) {
			berth_error_free(err);
			continue;
		}
		if (r < 0)
			return r;
		if (e->name)
			image_event_id(s, "untag", &id);
		if (!digest_in_index(s, &e->digest)) {
			berth_strv_consume(
				&lines, berth_xasprintf("deleted: %s", berth_digest_fmt(&id, dg)));
			image_event(s, "delete", dg, NULL);
		}
	}
	struct berth_store_gc_result res;
	r = berth_image_gc(s, NULL, 0, &res, err);
	if (r < 0)
		return r;
	if (ret_reclaimed)
		*ret_reclaimed = res.bytes_removed;
	if (ret_lines)
		*ret_lines = TAKE_PTR(lines);
	return 0;
}

static json_t *strv_or_null(char *const *v)
{
	return v ? berth_json_strv(v) : json_null();
}

static json_t *keys_or_null(char *const *k)
{
	if (!k)
		return json_null();
	json_t *o = json_object();
	for (; *k; k++)
		json_object_set_new(o, *k, json_object());
	return o;
}

static json_t *container_config_json(const struct berth_image_config *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "Hostname", json_string(""));
	json_object_set_new(o, "Domainname", json_string(""));
	json_object_set_new(o, "User", json_string(c->user ? c->user : ""));
	json_object_set_new(o, "AttachStdin", json_false());
	json_object_set_new(o, "AttachStdout", json_false());
	json_object_set_new(o, "AttachStderr", json_false());
	if (c->exposed_ports)
		json_object_set_new(o, "ExposedPorts", keys_or_null(c->exposed_ports));
	json_object_set_new(o, "Tty", json_false());
	json_object_set_new(o, "OpenStdin", json_false());
	json_object_set_new(o, "StdinOnce", json_false());
	json_object_set_new(o, "Env", strv_or_null(c->env));
	json_object_set_new(o, "Cmd", strv_or_null(c->cmd));
	if (c->healthcheck)
		json_object_set(o, "Healthcheck", c->healthcheck);
	/* Docker's omitempty: shown only when the image sets it (BuildKit does on CMD) */
	if (json_is_true(json_object_get(json_object_get(c->json, "config"), "ArgsEscaped")))
		json_object_set_new(o, "ArgsEscaped", json_true());
	json_object_set_new(o, "Image", json_string(""));
	json_object_set_new(o, "Volumes", keys_or_null(c->volumes));
	json_object_set_new(o, "WorkingDir", json_string(c->working_dir ? c->working_dir : ""));
	json_object_set_new(o, "Entrypoint", strv_or_null(c->entrypoint));
	json_object_set_new(o, "OnBuild", strv_or_null(c->onbuild));
	if (c->label_keys) {
		json_t *l = json_object();
		for (size_t i = 0; c->label_keys[i]; i++)
			json_object_set_new(l, c->label_keys[i], json_string(c->label_values[i]));
		json_object_set_new(o, "Labels", l);
	} else {
		json_object_set_new(o, "Labels", json_null());
	}
	if (c->stop_signal)
		json_object_set_new(o, "StopSignal", json_string(c->stop_signal));
	if (c->shell)
		json_object_set_new(o, "Shell", strv_or_null(c->shell));
	return o;
}

/* A JSON string of the familiar form of a store name. */
static json_t *familiar_json(const char *name)
{
	_cleanup_free_ char *f = familiar_name(name);
	return json_string(f);
}

int berth_image_inspect_json(struct berth_store *s, const struct berth_image *img, json_t **ret,
			     struct berth_error **err)
{
	uint64_t size = 0;
	int r = berth_image_size(s, img, &size, err);
	if (r < 0)
		return r;
	const struct berth_image_config *c = img->config;
	char d[BERTH_DIGEST_STRLEN + 1];
	json_t *o = json_object();
	json_object_set_new(o, "Id", json_string(berth_digest_fmt(&img->id, d)));
	json_t *tags = json_array(), *digests = json_array();
	for (char **n = img->names; n && *n; n++) {
		_cleanup_free_ char *repo = NULL, *tag = NULL;
		berth_image_name_split(*n, &repo, &tag);
		if (strcmp(tag, "<none>") != 0)
			json_array_append_new(tags, familiar_json(*n));
	}
	/* Docker's RepoDigests: the registry's digest, so only for names pulled */
	for (char **n = img->repo_digests; n && *n; n++)
		json_array_append_new(digests, json_string(*n));
	json_object_set_new(o, "RepoTags", tags);
	json_object_set_new(o, "RepoDigests", digests);
	json_object_set_new(o, "Parent", json_string(""));
	const char *comment = "";
	if (c->n_history > 0 && c->history[c->n_history - 1].comment)
		comment = c->history[c->n_history - 1].comment;
	json_object_set_new(o, "Comment", json_string(comment));
	json_object_set_new(o, "Created", json_string(c->created ? c->created : ""));
	json_object_set_new(o, "DockerVersion", json_string(""));
	json_object_set_new(o, "Author", json_string(c->author ? c->author : ""));
	json_object_set_new(o, "Config", container_config_json(c));
	json_object_set_new(o, "Architecture", json_string(c->architecture ? c->architecture : ""));
	if (c->variant)
		json_object_set_new(o, "Variant", json_string(c->variant));
	json_object_set_new(o, "Os", json_string(c->os ? c->os : ""));
	json_object_set_new(o, "Size", json_integer((json_int_t)size));
	json_t *rootfs = json_object();
	json_object_set_new(rootfs, "Type", json_string("layers"));
	json_t *layers = json_array();
	for (size_t i = 0; i < c->n_diff_ids; i++)
		json_array_append_new(layers, json_string(berth_digest_fmt(&c->diff_ids[i], d)));
	json_object_set_new(rootfs, "Layers", layers);
	json_object_set_new(o, "RootFS", rootfs);
	json_t *meta = json_object();
	json_object_set_new(
		meta, "LastTagTime",
		json_string(img->last_tag_time ? img->last_tag_time : "0001-01-01T00:00:00Z"));
	json_object_set_new(o, "Metadata", meta);
	json_t *desc = json_object();
	json_object_set_new(desc, "mediaType", json_string(img->top_media_type));
	json_object_set_new(desc, "digest", json_string(berth_digest_fmt(&img->top_digest, d)));
	json_object_set_new(desc, "size", json_integer((json_int_t)img->top_size));
	json_object_set_new(o, "Descriptor", desc);
	*ret = o;
	return 0;
}
