/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --cache-from: images (in the store, or in a registry) as cache sources.
 *
 * A step of the build is looked up in the local cache first; on a miss, in
 * each source in order. An image berth built carries the cache key of each
 * history entry (CACHE_KEYS_FIELD in its config), so a step hits exactly
 * when its key is there; the key already names the parent, the
 * instruction, the ARGs it sees and the bytes COPY reads. An image without
 * keys (Docker's, or another builder's) is matched with Docker's classic
 * rule, only for steps whose key is their text alone: the history and
 * layers built so far equal the start of the source's, and the next
 * history entry's created_by is the step's text.
 *
 * A layer step that hits takes the source's layer, fetched from the
 * registry only then; a metadata step that hits runs here (it only edits
 * the config) and is reported CACHED.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

void cache_keys_record(json_t *config, const struct berth_digest *key)
{
	char d[BERTH_DIGEST_STRLEN + 1];
	size_t n = json_array_size(json_object_get(config, "history"));
	json_t *keys = json_object_get(config, CACHE_KEYS_FIELD);

	if (n == 0)
		return;
	if (!json_is_array(keys)) {
		keys = json_array();
		json_object_set_new(config, CACHE_KEYS_FIELD, keys);
	}
	/* aligned with history: null for entries of a base image without keys */
	while (json_array_size(keys) > n - 1)
		json_array_remove(keys, json_array_size(keys) - 1);
	while (json_array_size(keys) < n - 1)
		json_array_append_new(keys, json_null());
	json_array_append_new(keys, json_string(berth_digest_fmt(key, d)));
}

static bool entry_empty(const json_t *h)
{
	return json_is_true(json_object_get(h, "empty_layer"));
}

/* The number of layer entries among history[0, end). */
static size_t layers_before(const json_t *history, size_t end)
{
	size_t n = 0;
	for (size_t i = 0; i < end; i++)
		n += !entry_empty(json_array_get(history, i));
	return n;
}

static bool has_keys(const json_t *keys)
{
	size_t i;
	json_t *k;
	json_array_foreach (keys, i, k) {
		if (json_is_string(k))
			return true;
	}
	return false;
}

static bool str_eq(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(a), *y = json_string_value(b);
	if (!x || !y)
		return !x && !y;
	return strcmp(x, y) == 0;
}

static bool created_by_is(const json_t *h, const char *text)
{
	const char *cb = json_string_value(json_object_get(h, "created_by"));
	size_t l = strlen(text);
	if (!cb || strncmp(cb, text, l) != 0)
		return false;
	return cb[l] == '\0' || strcmp(cb + l, " # buildkit") == 0;
}

static int match_by_key(const json_t *history, const json_t *keys, size_t n_src,
			const struct berth_digest *key, struct cmatch *ret)
{
	char d[BERTH_DIGEST_STRLEN + 1];
	size_t n = json_array_size(history);

	berth_digest_fmt(key, d);
	for (size_t j = 0; j < n && j < json_array_size(keys); j++) {
		const char *k = json_string_value(json_array_get(keys, j));
		if (!k || strcmp(k, d) != 0)
			continue;
		struct cmatch m = {.hist = j,
				   .layer = layers_before(history, j),
				   .has_layer = !entry_empty(json_array_get(history, j)),
				   .by_key = true};
		if (m.has_layer && m.layer >= n_src)
			return 0; /* history and layers disagree: not a source to trust */
		*ret = m;
		return 1;
	}
	return 0;
}

static int match_by_history(const json_t *src, const json_t *history, size_t n_src,
			    const json_t *cur, const char *text, struct cmatch *ret)
{
	const json_t *cur_hist = json_object_get(cur, "history");
	const json_t *src_ids = json_object_get(json_object_get(src, "rootfs"), "diff_ids");
	const json_t *cur_ids = json_object_get(json_object_get(cur, "rootfs"), "diff_ids");
	size_t n = json_array_size(cur_hist), n_ids = json_array_size(cur_ids);

	if (json_array_size(history) <= n || n_ids > json_array_size(src_ids))
		return 0;
	/* the parent matches: the same history so far, and the same layers */
	for (size_t i = 0; i < n; i++) {
		const json_t *a = json_array_get(history, i), *b = json_array_get(cur_hist, i);
		if (!str_eq(json_object_get(a, "created_by"), json_object_get(b, "created_by")) ||
		    entry_empty(a) != entry_empty(b))
			return 0;
	}
	for (size_t i = 0; i < n_ids; i++) {
		if (!json_is_string(json_array_get(cur_ids, i)) ||
		    !str_eq(json_array_get(src_ids, i), json_array_get(cur_ids, i)))
			return 0;
	}
	if (layers_before(history, n) != n_ids)
		return 0;
	const json_t *h = json_array_get(history, n);
	if (!created_by_is(h, text))
		return 0;
	struct cmatch m = {.hist = n, .layer = n_ids, .has_layer = !entry_empty(h)};
	if (m.has_layer && m.layer >= n_src)
		return 0;
	*ret = m;
	return 1;
}

int cache_source_match(const json_t *src, size_t n_src, const json_t *cur,
		       const struct berth_digest *key, const char *text, bool text_only,
		       struct cmatch *ret)
{
	const json_t *history = json_object_get(src, "history");
	const json_t *keys = json_object_get(src, CACHE_KEYS_FIELD);

	if (!json_is_array(history))
		return 0;
	if (json_is_array(keys) && has_keys(keys))
		return match_by_key(history, keys, n_src, key, ret);
	if (!text_only)
		return 0; /* COPY/ADD contents, ARGs: no exact key, no guess */
	return match_by_history(src, history, n_src, cur, text, ret);
}

int builder_load_cache_sources(struct builder *b, struct berth_error **err)
{
	BERTH_STRV_FOREACH (ref, b->o->cache_from) {
		struct csource cs = {0};
		struct berth_error *e = NULL;
		int r = bstore_resolve(b->store, *ref, &cs.img, &e);
		if (r == -ENOENT) {
			berth_error_free(&e);
			r = bstore_remote_image(*ref, &cs.img, &e);
			cs.remote = true;
		}
		if (r == -ENOMEM) {
			berth_error_free(&e);
			return berth_error_set(err, ENOMEM, "--cache-from '%s'", *ref);
		}
		if (r < 0) {
			/* as Docker: an unusable cache source is not a failure */
			builder_event(b, BERTH_BUILD_EVENT_WARNING, 0, 0,
				      "--cache-from '%s' is not used: %s", *ref,
				      e && e->msg ? e->msg : "not found");
			berth_error_free(&e);
			continue;
		}
		cs.ref = berth_xstrdup(*ref);
		b->sources = berth_xreallocarray(b->sources, b->n_sources + 1, sizeof(*b->sources));
		b->sources[b->n_sources++] = cs;
		builder_event(b, BERTH_BUILD_EVENT_INFO, 0, 0, "cache source %s: %zu layers%s",
			      *ref, cs.img.n_layers,
			      cs.remote ? " (registry, fetched when used)" : "");
	}
	return 0;
}

void builder_free_cache_sources(struct builder *b)
{
	for (size_t i = 0; i < b->n_sources; i++) {
		free(b->sources[i].ref);
		bimage_release(&b->sources[i].img);
	}
	free(b->sources);
	b->sources = NULL;
	b->n_sources = 0;
}

/* The new state of a layer step that hit source cs at m. */
static void take_layer(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		       const char *text, const struct csource *cs, const struct cmatch *m)
{
	const json_t *h = json_array_get(json_object_get(cs->img.config, "history"), m->hist);
	struct bimage im;

	bimage_copy(&im, &ss->img);
	bimage_add_layer(&im, &cs->img.layers[m->layer]);
	json_t *hist = json_object_get(im.config, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(im.config, "history", hist);
	}
	/* the source's entry: when and how that layer was made */
	json_array_append_new(hist, json_deep_copy(h));
	cache_keys_record(im.config, &ss->key);
	const json_t *created = json_object_get(h, "created");
	if (json_is_string(created))
		json_object_set_new(im.config, "created", json_deep_copy(created));
	if (ins->keyword == BERTH_DOCKERFILE_WORKDIR && strncmp(text, "WORKDIR ", 8) == 0)
		json_object_set_new(bimage_cfg(&im), "WorkingDir", json_string(text + 8));
	bimage_release(&ss->img);
	ss->img = im;
}

int cachefrom_lookup(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		     const char *text, bool text_only, struct berth_error **err)
{
	struct builder *b = ss->b;
	char d[BERTH_DIGEST_STRLEN + 1];
	int r;

	for (size_t i = 0; i < b->n_sources; i++) {
		const struct csource *cs = &b->sources[i];
		struct cmatch m;
		if (!cache_source_match(cs->img.config, cs->img.n_layers, ss->img.config, &ss->key,
					text, text_only, &m))
			continue;
		if (!m.has_layer) {
			ss->source_hit = true;
			return 0;
		}
		const struct blayer *l = &cs->img.layers[m.layer];
		if (!bstore_has_blob(b->store, &l->digest)) {
			struct berth_error *e = NULL;
			if (!cs->remote)
				continue;
			builder_event(b, BERTH_BUILD_EVENT_INFO, ss->step, 0,
				      "fetching layer %s from %s", berth_digest_fmt(&l->digest, d),
				      cs->ref);
			r = bstore_fetch_blob(b->store, cs->ref, &l->digest, &e);
			if (r < 0) {
				builder_event(b, BERTH_BUILD_EVENT_WARNING, ss->step, 0,
					      "--cache-from '%s': fetch layer %s: %s", cs->ref, d,
					      e && e->msg ? e->msg : "failed");
				berth_error_free(&e);
				continue;
			}
		}
		take_layer(ss, ins, text, cs, &m);
		/* the next build finds it in the local cache */
		r = bcache_put(b->store, &ss->key, &ss->img, err);
		if (r < 0)
			return r;
		return 1;
	}
	return 0;
}
