/* SPDX-License-Identifier: Apache-2.0 */
#include "store/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"

/* ---- index.json ---- */

int store_index_load(struct berth_store *s, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	_cleanup_json_ json_t *j = NULL;
	json_t *m;
	int r = berth_read_file_at(s->root_fd, "index.json", MAX_INDEX_SIZE, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "store '%s'", s->root);
	r = berth_json_parse(data, len, "index.json", &j, err);
	if (r < 0)
		return berth_error_prefix(err, "store '%s'", s->root);
	if (!json_is_object(j))
		return berth_error_set(err, EBADMSG, "store '%s': index.json is not an object",
				       s->root);
	m = json_object_get(j, "manifests");
	if (!m) {
		json_object_set_new(j, "manifests", json_array());
	} else if (!json_is_array(m)) {
		return berth_error_set(err, EBADMSG,
				       "store '%s': index.json: 'manifests' is not an array",
				       s->root);
	}
	*ret = TAKE_PTR(j);
	return 0;
}

static int index_save(struct berth_store *s, json_t *j, struct berth_error **err)
{
	size_t len;
	_cleanup_free_ char *data = berth_json_dump(j, &len);
	int r = berth_write_file_atomic(s->root_fd, "index.json", data, len, 0644, err);
	if (r < 0)
		return berth_error_prefix(err, "store '%s'", s->root);
	return 0;
}

const char *store_entry_name(json_t *e)
{
	json_t *a = json_object_get(e, "annotations");
	json_t *n = a ? json_object_get(a, BERTH_REF_NAME_ANNOTATION) : NULL;
	return json_is_string(n) ? json_string_value(n) : NULL;
}

/* Parses one index entry; entries berth cannot read are skipped (-EBADMSG). */
int store_entry_parse(json_t *e, struct berth_store_ref *ret, struct berth_error **err)
{
	const char *mt = NULL, *dg = NULL;
	int64_t size = 0;
	int r;
	if (!json_is_object(e))
		return berth_error_set(err, EBADMSG, "index.json: an entry is not an object");
	r = berth_json_get_string(e, "digest", true, &dg, err);
	if (r < 0)
		return r;
	r = berth_json_get_int(e, "size", true, &size, err);
	if (r < 0)
		return r;
	if (size < 0)
		return berth_error_set(err, EBADMSG, "index.json: negative size");
	r = berth_json_get_string(e, "mediaType", false, &mt, err);
	if (r < 0 && r != -ENOENT)
		return r;
	memset(ret, 0, sizeof(*ret));
	r = berth_digest_parse(dg, &ret->digest, err);
	if (r < 0)
		return r;
	ret->size = (uint64_t)size;
	ret->media_type = berth_xstrdup(mt ? mt : "");
	const char *name = store_entry_name(e);
	ret->name = name ? berth_xstrdup(name) : NULL;
	json_t *a = json_object_get(e, "annotations");
	const char *tt = json_string_value(json_object_get(a, BERTH_REF_TAG_TIME_ANNOTATION));
	ret->tag_time = tt ? berth_xstrdup(tt) : NULL;
	const char *rd = json_string_value(json_object_get(a, BERTH_REF_REPO_DIGEST_ANNOTATION));
	ret->has_repo_digest = rd && berth_digest_parse(rd, &ret->repo_digest, NULL) == 0;
	return 0;
}

void berth_store_ref_release(struct berth_store_ref *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->media_type);
	free(r->tag_time);
	r->name = r->media_type = r->tag_time = NULL;
}

void berth_store_refs_free(struct berth_store_refs *refs)
{
	if (!refs)
		return;
	for (size_t i = 0; i < refs->n; i++)
		berth_store_ref_release(&refs->items[i]);
	free(refs->items);
	free(refs);
}

int berth_store_ref_list(struct berth_store *s, struct berth_store_refs **ret,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = store_index_load(s, &j, err);
	if (r < 0)
		return r;
	json_t *m = json_object_get(j, "manifests");
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs =
		berth_xcalloc(1, sizeof(*refs));
	refs->items = berth_xcalloc(json_array_size(m) + 1, sizeof(*refs->items));
	size_t i;
	json_t *e;
	json_array_foreach (m, i, e) {
		struct berth_error *e2 = NULL;
		if (store_entry_parse(e, &refs->items[refs->n], &e2) < 0) {
			/* an entry we cannot read (another tool's) is not ours to show */
			berth_error_free(&e2);
			continue;
		}
		refs->n++;
	}
	*ret = TAKE_PTR(refs);
	return 0;
}

int berth_store_ref_resolve(struct berth_store *s, const char *name, struct berth_store_ref *ret,
			    struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = store_index_load(s, &j, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(j, "manifests"), i, e) {
		const char *n = store_entry_name(e);
		if (!n || strcmp(n, name) != 0)
			continue;
		struct berth_store_ref ref;
		r = store_entry_parse(e, &ref, err);
		if (r < 0)
			return berth_error_prefix(err, "reference '%s'", name);
		if (ret)
			*ret = ref;
		else
			berth_store_ref_release(&ref);
		return 0;
	}
	return berth_error_set(err, ENOENT, "reference '%s' not found", name);
}

/*
 * Read-modify-write of index.json under the exclusive index lock. edit
 * returns > 0 when it changed something (then the index is rewritten).
 */
int store_index_modify(struct berth_store *s, index_edit_fn edit, void *ctx,
		       struct berth_error **err)
{
	_cleanup_close_ int lock = store_lock_file(s, "index.lock", LOCK_EX, err);
	if (lock < 0)
		return lock;
	store_root_sweep_once(s);
	_cleanup_json_ json_t *j = NULL;
	int r = store_index_load(s, &j, err);
	if (r < 0)
		return r;
	int changed = edit(json_object_get(j, "manifests"), ctx, err);
	if (changed <= 0)
		return changed;
	r = index_save(s, j, err);
	if (r < 0)
		return r;
	return changed;
}

static bool entry_has_digest(json_t *e, const char *digest)
{
	json_t *d = json_object_get(e, "digest");
	return json_is_string(d) && strcmp(json_string_value(d), digest) == 0;
}

static size_t count_digest(json_t *m, const char *digest)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach (m, i, e)
		if (entry_has_digest(e, digest))
			n++;
	return n;
}

static json_t *make_entry(const char *media_type, const char *digest, uint64_t size,
			  const char *name)
{
	json_t *e = json_object();
	json_object_set_new(e, "mediaType", json_string(media_type));
	json_object_set_new(e, "digest", json_string(digest));
	json_object_set_new(e, "size", json_integer((json_int_t)size));
	if (name) {
		json_t *a = json_object();
		json_object_set_new(a, BERTH_REF_NAME_ANNOTATION, json_string(name));
		json_object_set_new(e, "annotations", a);
	}
	return e;
}

/* Drops the name of entry i; the entry goes when keep is false or another one has its digest. */
static void untag_entry(json_t *m, size_t i, bool keep)
{
	json_t *e = json_array_get(m, i);
	const char *dg = json_string_value(json_object_get(e, "digest"));
	if (!keep || !dg || count_digest(m, dg) > 1) {
		json_array_remove(m, i);
		return;
	}
	json_t *a = json_object_get(e, "annotations");
	json_object_del(a, BERTH_REF_NAME_ANNOTATION);
	if (json_object_size(a) == 0)
		json_object_del(e, "annotations");
}

static ssize_t find_name(json_t *m, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach (m, i, e) {
		const char *n = store_entry_name(e);
		if (n && strcmp(n, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

struct set_ctx {
	const char *name;
	const char *media_type;
	const char *digest;
	uint64_t size;
};

static int edit_set(json_t *m, void *ctx, struct berth_error **err)
{
	struct set_ctx *c = ctx;
	ssize_t i = find_name(m, c->name);
	if (i >= 0) {
		json_t *e = json_array_get(m, (size_t)i);
		if (entry_has_digest(e, c->digest))
			return 0; /* already so */
		untag_entry(m, (size_t)i, true);
	}
	/* an untagged entry of this image is replaced by the tagged one */
	size_t k;
	json_t *e;
	json_array_foreach (m, k, e) {
		if (entry_has_digest(e, c->digest) && !store_entry_name(e)) {
			json_array_remove(m, k);
			break;
		}
	}
	json_array_append_new(m, make_entry(c->media_type, c->digest, c->size, c->name));
	return 1;
}

static int check_name(const char *name, struct berth_error **err)
{
	if (!name || !*name)
		return berth_error_set(err, EINVAL, "empty reference name");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return berth_error_set(err, EINVAL,
					       "reference name has a control character");
	return 0;
}

int berth_store_ref_set(struct berth_store *s, const char *name, const char *media_type,
			const struct berth_digest *digest, uint64_t size, struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	int r = check_name(name, err);
	if (r < 0)
		return r;
	berth_digest_fmt(digest, dg);
	if (!berth_store_blob_exists(s, digest))
		return berth_error_set(err, ENOENT, "tag '%s': manifest '%s' is not in the store",
				       name, dg);
	struct set_ctx c = {name, media_type, dg, size};
	r = store_index_modify(s, edit_set, &c, err);
	if (r < 0)
		return berth_error_prefix(err, "tag '%s'", name);
	return 0;
}

struct annotate_ctx {
	const char *name, *key, *value;
};

static int edit_annotate(json_t *m, void *ctx, struct berth_error **err)
{
	struct annotate_ctx *c = ctx;
	ssize_t i = find_name(m, c->name);
	if (i < 0)
		return berth_error_set(err, ENOENT, "no entry named '%s'", c->name);
	json_t *a = json_object_get(json_array_get(m, (size_t)i), "annotations");
	json_object_set_new(a, c->key, json_string(c->value));
	return 1;
}

int berth_store_ref_annotate(struct berth_store *s, const char *name, const char *key,
			     const char *value, struct berth_error **err)
{
	struct annotate_ctx c = {name, key, value};
	int r = store_index_modify(s, edit_annotate, &c, err);
	if (r < 0)
		return berth_error_prefix(err, "annotate '%s'", name);
	return 0;
}

static int edit_add(json_t *m, void *ctx, struct berth_error **err)
{
	struct set_ctx *c = ctx;
	if (count_digest(m, c->digest) > 0)
		return 0;
	json_array_append_new(m, make_entry(c->media_type, c->digest, c->size, NULL));
	return 1;
}

int berth_store_image_add(struct berth_store *s, const char *media_type,
			  const struct berth_digest *digest, uint64_t size,
			  struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(digest, dg);
	if (!berth_store_blob_exists(s, digest))
		return berth_error_set(err, ENOENT, "manifest '%s' is not in the store", dg);
	struct set_ctx c = {NULL, media_type, dg, size};
	int r = store_index_modify(s, edit_add, &c, err);
	return r < 0 ? r : 0;
}

struct remove_ctx {
	const char *name;
	bool keep;
};

static int edit_remove(json_t *m, void *ctx, struct berth_error **err)
{
	struct remove_ctx *c = ctx;
	ssize_t i = find_name(m, c->name);
	if (i < 0)
		return berth_error_set(err, ENOENT, "reference '%s' not found", c->name);
	untag_entry(m, (size_t)i, c->keep);
	return 1;
}

int berth_store_ref_remove(struct berth_store *s, const char *name, bool keep_untagged,
			   struct berth_error **err)
{
	struct remove_ctx c = {name, keep_untagged};
	int r = store_index_modify(s, edit_remove, &c, err);
	return r < 0 ? r : 0;
}

static int edit_remove_digest(json_t *m, void *ctx, struct berth_error **err)
{
	const char *dg = ctx;
	int n = 0;
	for (size_t i = json_array_size(m); i-- > 0;) {
		if (entry_has_digest(json_array_get(m, i), dg)) {
			json_array_remove(m, i);
			n++;
		}
	}
	if (n == 0)
		return berth_error_set(err, ENOENT, "image '%s' not found", dg);
	return n;
}

int berth_store_image_remove(struct berth_store *s, const struct berth_digest *d,
			     struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	int r = store_index_modify(s, edit_remove_digest, berth_digest_fmt(d, dg), err);
	return r < 0 ? r : 0;
}

static int edit_remove_untagged(json_t *m, void *ctx, struct berth_error **err)
{
	int n = 0;
	for (size_t i = json_array_size(m); i-- > 0;) {
		if (!store_entry_name(json_array_get(m, i))) {
			json_array_remove(m, i);
			n++;
		}
	}
	return n;
}

int berth_store_remove_untagged(struct berth_store *s, struct berth_error **err)
{
	return store_index_modify(s, edit_remove_untagged, NULL, err);
}
