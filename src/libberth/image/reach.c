/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the images of a store reach: the store sweeps blobs, but only this
 * level knows that a manifest names a config and layers and an index names
 * manifests. The roots are the entries of index.json, the gc roots other
 * subsystems pin (the build cache, a pull in progress) and the caller's.
 */
#include "image/image.h"

#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "image/internal.h"

/* Manifests nested deeper than this are not an image's. */
#define MAX_DEPTH 8

static void mark_descriptor(struct berth_store *s, struct berth_store_marks *m, json_t *desc,
			    const char *from, bool required, int depth);

static bool is_document_type(const char *mt)
{
	return mt && (strstr(mt, "manifest") || strstr(mt, "image.index"));
}

/* Marks what the manifest or index d refers to. */
static void mark_document(struct berth_store *s, struct berth_store_marks *m,
			  const struct berth_digest *d, const char *name, int depth)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	_cleanup_json_ json_t *j = NULL;
	struct berth_error *e = NULL;
	if (berth_store_blob_read(s, d, BERTH_MAX_MANIFEST_SIZE, &data, &len, &e) < 0 ||
	    berth_json_parse(data, len, name, &j, &e) < 0) {
		berth_store_mark_problem(m, "%s", berth_error_msg(e));
		berth_error_free(&e);
		return;
	}
	json_t *c = json_object_get(j, "config");
	if (c)
		mark_descriptor(s, m, c, name, true, depth + 1);
	size_t i;
	json_t *x;
	json_array_foreach (json_object_get(j, "layers"), i, x)
		mark_descriptor(s, m, x, name, true, depth + 1);
	/* an index's children may be absent: a pull fetches one platform */
	json_array_foreach (json_object_get(j, "manifests"), i, x)
		mark_descriptor(s, m, x, name, false, depth + 1);
}

/* Marks the blob a descriptor names, checking its size; a manifest or index is followed. */
static void mark_descriptor(struct berth_store *s, struct berth_store_marks *m, json_t *desc,
			    const char *from, bool required, int depth)
{
	struct berth_digest d;
	struct berth_error *e = NULL;
	const char *dg = json_string_value(json_object_get(desc, "digest"));
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	json_t *sz = json_object_get(desc, "size");
	json_t *urls = json_object_get(desc, "urls");
	char name[BERTH_DIGEST_STRLEN + 1];
	if (depth > MAX_DEPTH) {
		berth_store_mark_problem(m, "%s: manifests nested too deep", from);
		return;
	}
	if (!dg || berth_digest_parse(dg, &d, &e) < 0) {
		berth_store_mark_problem(m, "%s: a descriptor has no valid digest", from);
		berth_error_free(&e);
		return;
	}
	berth_digest_fmt(&d, name);
	if (!berth_store_mark(m, &d))
		return;
	if (!berth_store_blob_exists(s, &d)) {
		/* foreign layers (with urls) are fetched elsewhere */
		if (required && !json_is_array(urls))
			berth_store_mark_problem(m, "%s: blob '%s' is missing", from, name);
		return;
	}
	uint64_t size = 0;
	if (berth_store_blob_size(s, &d, &size, &e) == 0 && json_is_integer(sz) &&
	    (uint64_t)json_integer_value(sz) != size)
		berth_store_mark_problem(
			m, "%s: blob '%s' has %llu bytes, its descriptor says %lld", from, name,
			(unsigned long long)size, (long long)json_integer_value(sz));
	berth_error_free(&e);
	if (is_document_type(mt))
		mark_document(s, m, &d, name, depth);
}

/* A ref (an index.json entry or a gc root) as the descriptor it is. */
static json_t *ref_descriptor(const struct berth_store_ref *ref, const char *default_mt,
			      bool with_size)
{
	char d[BERTH_DIGEST_STRLEN + 1];
	json_t *desc = json_object();
	json_object_set_new(desc, "digest", json_string(berth_digest_fmt(&ref->digest, d)));
	json_object_set_new(
		desc, "mediaType",
		json_string(ref->media_type && *ref->media_type ? ref->media_type : default_mt));
	if (with_size)
		json_object_set_new(desc, "size", json_integer((json_int_t)ref->size));
	return desc;
}

struct extra_roots {
	const struct berth_digest *d;
	size_t n;
};

static bool id_in(const struct berth_digest *id, const struct extra_roots *ids)
{
	for (size_t i = 0; i < ids->n; i++)
		if (berth_digest_eq(id, &ids->d[i]))
			return true;
	return false;
}

/*
 * Every entry of index.json is a manifest or an index, even without a
 * mediaType. With only, the entries whose image ID is one of only's: those
 * berth_image_prune(all) leaves.
 */
static int mark_entries(struct berth_store *s, struct berth_store_marks *m,
			const struct extra_roots *only, struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs = NULL;
	int r = berth_store_ref_list(s, &refs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < refs->n; i++) {
		const struct berth_store_ref *ref = &refs->items[i];
		if (only) {
			_cleanup_(berth_image_freep) struct berth_image *img = NULL;
			struct berth_digest id = ref->digest;
			if (berth_image_load_digest(s, &ref->digest, &img, NULL) >= 0)
				id = img->id;
			if (!id_in(&id, only))
				continue;
		}
		_cleanup_free_ char *from =
			berth_xasprintf("index.json entry '%s'", ref->name ? ref->name : "<none>");
		_cleanup_json_ json_t *desc = ref_descriptor(ref, BERTH_MT_OCI_MANIFEST, true);
		mark_descriptor(s, m, desc, from, true, 0);
	}
	return 0;
}

/* What the gc roots pin; a root whose blob is gone is its owner's business, not a problem. */
static int mark_gc_roots(struct berth_store *s, struct berth_store_marks *m,
			 struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *roots = NULL;
	int r = berth_store_gc_root_list(s, &roots, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < roots->n; i++) {
		const struct berth_store_ref *ref = &roots->items[i];
		if (!berth_store_blob_exists(s, &ref->digest))
			continue;
		_cleanup_free_ char *from = berth_xasprintf("gc root '%s'", ref->name);
		_cleanup_json_ json_t *desc =
			ref_descriptor(ref, "application/octet-stream", false);
		mark_descriptor(s, m, desc, from, false, 0);
	}
	return 0;
}

struct referrers_pass {
	struct berth_store *s;
	struct berth_store_marks *m;
	bool changed;
};

/* The artifacts of a live subject live; one that is gone is its list's stale entry. */
static int mark_referrers_of(void *ctx, const struct berth_digest *subject, const json_t *index)
{
	struct referrers_pass *p = ctx;
	if (!berth_store_marked(p->m, subject))
		return 0;
	char name[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *from =
		berth_xasprintf("referrers of '%s'", berth_digest_fmt(subject, name));
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(index, "manifests"), i, e) {
		struct berth_digest d;
		const char *dg = json_string_value(json_object_get(e, "digest"));
		if (!dg || berth_digest_parse(dg, &d, NULL) < 0 || berth_store_marked(p->m, &d))
			continue;
		mark_descriptor(p->s, p->m, e, from, false, 0);
		p->changed = true;
	}
	return 0;
}

/* Referrers of referrers (a signature of an SBOM) too: passes until nothing new lives. */
static void mark_referrers(struct berth_store *s, struct berth_store_marks *m)
{
	struct referrers_pass p = {s, m, true};
	for (int pass = 0; p.changed && pass < MAX_DEPTH; pass++) {
		p.changed = false;
		image_referrers_foreach(s, mark_referrers_of, &p);
	}
}

static int mark_reachable(struct berth_store *s, struct berth_store_marks *m, void *ctx,
			  struct berth_error **err)
{
	const struct extra_roots *x = ctx;
	int r = mark_entries(s, m, NULL, err);
	if (r < 0)
		return r;
	r = mark_gc_roots(s, m, err);
	if (r < 0)
		return r;
	mark_referrers(s, m);
	for (size_t i = 0; x && i < x->n; i++)
		berth_store_mark(m, &x->d[i]);
	return 0;
}

int berth_image_gc(struct berth_store *s, const struct berth_digest *keep, size_t n_keep,
		   struct berth_store_gc_result *ret, struct berth_error **err)
{
	struct extra_roots x = {keep, n_keep};
	int r = berth_store_sweep(s, mark_reachable, &x, ret, err);
	if (r >= 0)
		image_referrers_prune(s);
	return r;
}

int berth_image_store_check(struct berth_store *s, bool repair,
			    const struct berth_store_problem_cb *cb,
			    struct berth_store_check_result *ret, struct berth_error **err)
{
	return berth_store_check(s, repair, mark_reachable, NULL, cb, ret, err);
}

struct usage_ctx {
	const struct berth_store_marks *index, *roots, *kept;
	struct berth_image_blob_usage *res;
};

static int count_blob(void *ctx, const struct berth_digest *d, uint64_t size)
{
	struct usage_ctx *c = ctx;
	bool in_index = berth_store_marked(c->index, d);
	bool in_roots = berth_store_marked(c->roots, d);
	if (in_roots && !in_index) {
		c->res->roots_only += size;
		return 0;
	}
	c->res->images += size;
	if (!in_roots && !berth_store_marked(c->kept, d))
		c->res->unused += size;
	return 0;
}

int berth_image_blob_usage(struct berth_store *s, const struct berth_digest *keep, size_t n_keep,
			   struct berth_image_blob_usage *ret, struct berth_error **err)
{
	struct berth_store_marks index = {0}, roots = {0}, kept = {0};
	struct berth_image_blob_usage res = {0};
	struct usage_ctx c = {&index, &roots, &kept, &res};
	struct extra_roots only = {keep, n_keep};
	int r = mark_entries(s, &index, NULL, err);
	if (r >= 0)
		r = mark_gc_roots(s, &roots, err);
	if (r >= 0)
		r = mark_entries(s, &kept, &only, err);
	/* an image's SBOM counts with the image */
	if (r >= 0) {
		mark_referrers(s, &index);
		mark_referrers(s, &kept);
	}
	if (r >= 0)
		r = berth_store_blob_foreach_size(s, count_blob, &c, err);
	berth_store_marks_release(&index);
	berth_store_marks_release(&roots);
	berth_store_marks_release(&kept);
	if (r < 0)
		return r;
	*ret = res;
	return 0;
}
