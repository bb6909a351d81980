/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Merging compose trees, for several -f files and for extends, with the
 * rules of the Compose Specification's merge section as docker compose v2
 * applies them: mappings merge key by key; a service's command, entrypoint
 * and scalars are replaced; its sequences are appended without duplicates,
 * volumes keyed by their target (a later mount of the same target replaces
 * the earlier one); list-form environment, labels, build args, depends_on
 * and networks are turned into mappings first so that they merge by key.
 * Sequences below a service's own keys (healthcheck.test, aliases) are
 * replaced.
 */
#include <string.h>

#include "compose/compose-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"

/* "KEY=VALUE" / "KEY" list -> mapping (a bare KEY gets a null value). */
static void list_to_map(struct berth_yaml_node *seq, bool kv)
{
	if (!seq || seq->kind != BERTH_YAML_SEQ)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		struct berth_yaml_node *x = seq->items[i];
		if (x->kind != BERTH_YAML_SCALAR)
			return; /* left for the model to reject with its line */
	}
	struct berth_yaml_node map = {.kind = BERTH_YAML_MAP};
	for (size_t i = 0; i < seq->n; i++) {
		struct berth_yaml_node *x = seq->items[i];
		char *eq = kv ? strchr(x->value, '=') : NULL;
		_cleanup_free_ char *key = eq ? berth_xstrndup(x->value, (size_t)(eq - x->value))
					      : berth_xstrdup(x->value);
		struct berth_yaml_node *v = eq ? berth_yaml_new_scalar(eq + 1, x->line)
					       : berth_yaml_new(BERTH_YAML_NULL, x->line);
		v->file = x->file;
		berth_yaml_set(&map, key, x->line, v);
		berth_yaml_free(x);
	}
	free(seq->items);
	seq->items = NULL;
	seq->kind = BERTH_YAML_MAP;
	seq->entries = map.entries;
	seq->n = map.n;
}

void berth_compose_normalize_service(struct berth_yaml_node *svc)
{
	if (!svc || svc->kind != BERTH_YAML_MAP)
		return;
	list_to_map(berth_yaml_get(svc, "environment"), true);
	list_to_map(berth_yaml_get(svc, "labels"), true);
	list_to_map(berth_yaml_get(svc, "depends_on"), false);
	list_to_map(berth_yaml_get(svc, "networks"), false);
	struct berth_yaml_entry *b = berth_yaml_entry(svc, "build");
	if (b && b->value->kind == BERTH_YAML_SCALAR) {
		struct berth_yaml_node *map = berth_yaml_new(BERTH_YAML_MAP, b->value->line);
		map->file = b->value->file;
		berth_yaml_set(map, "context", b->value->line, b->value);
		b->value = map;
	}
	if (b) {
		list_to_map(berth_yaml_get(b->value, "args"), true);
		list_to_map(berth_yaml_get(b->value, "labels"), true);
	}
}

static bool scalar_eq(const struct berth_yaml_node *a, const struct berth_yaml_node *b)
{
	return a->kind == BERTH_YAML_SCALAR && b->kind == BERTH_YAML_SCALAR &&
	       strcmp(a->value, b->value) == 0;
}

static char *mount_target(const struct berth_yaml_node *m)
{
	if (m->kind == BERTH_YAML_SCALAR)
		return berth_compose_volume_short_target(m->value);
	const struct berth_yaml_node *t = berth_yaml_get(m, "target");
	return t && t->kind == BERTH_YAML_SCALAR ? berth_xstrdup(t->value) : NULL;
}

/* Appends over's items to base: volumes replace the same target, others skip duplicates. */
static void merge_sequence(struct berth_yaml_node *base, struct berth_yaml_node *over,
			   bool by_target)
{
	for (size_t i = 0; i < over->n; i++) {
		struct berth_yaml_node *x = over->items[i];
		over->items[i] = NULL;
		_cleanup_free_ char *target = by_target ? mount_target(x) : NULL;
		bool placed = false;
		for (size_t j = 0; j < base->n && !placed; j++) {
			if (target) {
				_cleanup_free_ char *t = mount_target(base->items[j]);
				if (t && strcmp(t, target) == 0) {
					berth_yaml_free(base->items[j]);
					base->items[j] = x;
					placed = true;
				}
			} else if (scalar_eq(base->items[j], x)) {
				berth_yaml_free(x);
				placed = true;
			}
		}
		if (!placed)
			berth_yaml_append(base, x);
	}
	over->n = 0;
}

static void merge_map(struct berth_yaml_node *base, struct berth_yaml_node *over, bool service)
{
	for (size_t i = 0; i < over->n; i++) {
		struct berth_yaml_entry *e = &over->entries[i];
		struct berth_yaml_node *b = berth_yaml_get(base, e->key);
		bool replace = !b || b->kind != e->value->kind ||
			       e->value->kind == BERTH_YAML_SCALAR ||
			       e->value->kind == BERTH_YAML_NULL ||
			       (e->value->kind == BERTH_YAML_SEQ &&
				(!service || strcmp(e->key, "command") == 0 ||
				 strcmp(e->key, "entrypoint") == 0));
		if (replace) {
			berth_yaml_set(base, e->key, e->line, e->value);
		} else if (e->value->kind == BERTH_YAML_MAP) {
			merge_map(b, e->value, false);
			berth_yaml_free(e->value);
		} else {
			merge_sequence(b, e->value, strcmp(e->key, "volumes") == 0);
			berth_yaml_free(e->value);
		}
		e->value = NULL;
	}
}

static void free_consumed(struct berth_yaml_node *over)
{
	for (size_t i = 0; i < over->n; i++) {
		free(over->entries[i].key);
		berth_yaml_free(over->entries[i].value);
	}
	over->n = 0;
	berth_yaml_free(over);
}

void berth_compose_merge_service(struct berth_yaml_node *base, struct berth_yaml_node *override)
{
	berth_compose_normalize_service(base);
	berth_compose_normalize_service(override);
	merge_map(base, override, true);
	free_consumed(override);
}

void berth_compose_merge_document(struct berth_yaml_node *base, struct berth_yaml_node *override)
{
	for (size_t i = 0; i < override->n; i++) {
		struct berth_yaml_entry *e = &override->entries[i];
		struct berth_yaml_node *b = berth_yaml_get(base, e->key);
		if (!b || b->kind != BERTH_YAML_MAP || e->value->kind != BERTH_YAML_MAP) {
			berth_yaml_set(base, e->key, e->line, TAKE_PTR(e->value));
			continue;
		}
		if (strcmp(e->key, "services") != 0) {
			merge_map(b, e->value, false);
			berth_yaml_free(TAKE_PTR(e->value));
			continue;
		}
		for (size_t j = 0; j < e->value->n; j++) {
			struct berth_yaml_entry *s = &e->value->entries[j];
			struct berth_yaml_node *bs = berth_yaml_get(b, s->key);
			if (bs && bs->kind == BERTH_YAML_MAP && s->value->kind == BERTH_YAML_MAP)
				berth_compose_merge_service(bs, TAKE_PTR(s->value));
			else
				berth_yaml_set(b, s->key, s->line, TAKE_PTR(s->value));
		}
		berth_yaml_free(TAKE_PTR(e->value));
	}
	free_consumed(override);
}
