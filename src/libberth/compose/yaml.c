/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML -> a tree of nodes with line numbers, from libyaml's event parser.
 * The input is hostile: nesting is bounded, and aliases are expanded as
 * copies counted against a node budget, so a "billion laughs" document
 * fails instead of eating the memory.
 */
#include <errno.h>
#include <string.h>
#include <yaml.h>

#include "compose/compose-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/lazylib.h"

struct anchor {
	char *name;
	struct berth_yaml_node *node;
};

struct parser {
	yaml_parser_t p;
	const char *file;
	struct anchor *anchors;
	size_t n_anchors;
	size_t nodes; /* budget used */
};

struct berth_yaml_node *berth_yaml_new(enum berth_yaml_kind kind, int line)
{
	struct berth_yaml_node *n = berth_xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = line;
	return n;
}

struct berth_yaml_node *berth_yaml_new_scalar(const char *value, int line)
{
	struct berth_yaml_node *n = berth_yaml_new(BERTH_YAML_SCALAR, line);
	n->value = berth_xstrdup(value);
	return n;
}

void berth_yaml_free(struct berth_yaml_node *n)
{
	if (!n)
		return;
	free(n->value);
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == BERTH_YAML_SEQ)
			berth_yaml_free(n->items[i]);
		else if (n->kind == BERTH_YAML_MAP) {
			free(n->entries[i].key);
			berth_yaml_free(n->entries[i].value);
		}
	}
	free(n->items);
	free(n->entries);
	free(n);
}

static size_t count_nodes(const struct berth_yaml_node *n)
{
	size_t c = 1;
	for (size_t i = 0; n && i < n->n; i++)
		c += count_nodes(n->kind == BERTH_YAML_SEQ ? n->items[i] : n->entries[i].value);
	return c;
}

struct berth_yaml_node *berth_yaml_copy(const struct berth_yaml_node *n)
{
	if (!n)
		return NULL;
	struct berth_yaml_node *c = berth_yaml_new(n->kind, n->line);
	c->plain = n->plain;
	c->file = n->file;
	c->value = n->value ? berth_xstrdup(n->value) : NULL;
	c->n = n->n;
	if (n->kind == BERTH_YAML_SEQ) {
		c->items = berth_xreallocarray(NULL, n->n ? n->n : 1, sizeof(*c->items));
		for (size_t i = 0; i < n->n; i++)
			c->items[i] = berth_yaml_copy(n->items[i]);
	} else if (n->kind == BERTH_YAML_MAP) {
		c->entries = berth_xreallocarray(NULL, n->n ? n->n : 1, sizeof(*c->entries));
		for (size_t i = 0; i < n->n; i++) {
			c->entries[i].key = berth_xstrdup(n->entries[i].key);
			c->entries[i].line = n->entries[i].line;
			c->entries[i].value = berth_yaml_copy(n->entries[i].value);
		}
	}
	return c;
}

struct berth_yaml_entry *berth_yaml_entry(const struct berth_yaml_node *map, const char *key)
{
	if (!map || map->kind != BERTH_YAML_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->entries[i].key, key) == 0)
			return &map->entries[i];
	return NULL;
}

struct berth_yaml_node *berth_yaml_get(const struct berth_yaml_node *map, const char *key)
{
	struct berth_yaml_entry *e = berth_yaml_entry(map, key);
	return e ? e->value : NULL;
}

void berth_yaml_set(struct berth_yaml_node *map, const char *key, int line,
		    struct berth_yaml_node *value)
{
	struct berth_yaml_entry *e = berth_yaml_entry(map, key);
	if (e) {
		berth_yaml_free(e->value);
		e->value = value;
		return;
	}
	map->entries = berth_xreallocarray(map->entries, map->n + 1, sizeof(*map->entries));
	map->entries[map->n++] = (struct berth_yaml_entry){berth_xstrdup(key), line, value};
}

void berth_yaml_remove(struct berth_yaml_node *map, const char *key)
{
	struct berth_yaml_entry *e = berth_yaml_entry(map, key);
	if (!e)
		return;
	free(e->key);
	berth_yaml_free(e->value);
	size_t i = (size_t)(e - map->entries);
	memmove(e, e + 1, (map->n - i - 1) * sizeof(*e));
	map->n--;
}

void berth_yaml_append(struct berth_yaml_node *seq, struct berth_yaml_node *item)
{
	seq->items = berth_xreallocarray(seq->items, seq->n + 1, sizeof(*seq->items));
	seq->items[seq->n++] = item;
}

static int parse_error(struct parser *ps, struct berth_error **err)
{
	const char *problem = ps->p.problem ? ps->p.problem : "malformed document";
	size_t line = ps->p.problem_mark.line + 1;
	if (ps->p.context)
		return berth_error_set(err, EINVAL, "%s:%zu: yaml: %s %s", ps->file, line, problem,
				       ps->p.context);
	return berth_error_set(err, EINVAL, "%s:%zu: yaml: %s", ps->file, line, problem);
}

static int next_event(struct parser *ps, yaml_event_t *ev, struct berth_error **err)
{
	if (!yaml_parser_parse(&ps->p, ev))
		return parse_error(ps, err);
	return 0;
}

static int charge(struct parser *ps, size_t n, int line, struct berth_error **err)
{
	ps->nodes += n;
	if (ps->nodes > BERTH_YAML_MAX_NODES)
		return berth_error_set(err, EINVAL,
				       "%s:%d: yaml: document too large (over %d nodes)", ps->file,
				       line, BERTH_YAML_MAX_NODES);
	return 0;
}

/* The copy is charged to the budget too: nested anchors would copy a node once per level. */
static int remember_anchor(struct parser *ps, const yaml_char_t *anchor,
			   const struct berth_yaml_node *n, struct berth_error **err)
{
	if (!anchor)
		return 0;
	int r = charge(ps, count_nodes(n), n->line, err);
	if (r < 0)
		return r;
	/* a redefined anchor shadows the earlier one for later aliases */
	ps->anchors = berth_xreallocarray(ps->anchors, ps->n_anchors + 1, sizeof(*ps->anchors));
	ps->anchors[ps->n_anchors++] =
		(struct anchor){berth_xstrdup((const char *)anchor), berth_yaml_copy(n)};
	return 0;
}

static int parse_node(struct parser *ps, yaml_event_t *ev, int depth, struct berth_yaml_node **ret,
		      struct berth_error **err);

/* Applies `<<: value`: entries of the merged map(s) the map does not have yet. */
static int apply_merge_key(struct parser *ps, struct berth_yaml_node *map,
			   struct berth_yaml_node *value, int line, struct berth_error **err)
{
	struct berth_yaml_node *one[1] = {value};
	struct berth_yaml_node **srcs = one;
	size_t n = 1;
	if (value->kind == BERTH_YAML_SEQ) {
		srcs = value->items;
		n = value->n;
	}
	for (size_t i = 0; i < n; i++) {
		if (srcs[i]->kind != BERTH_YAML_MAP)
			return berth_error_set(err, EINVAL,
					       "%s:%d: yaml: '<<' merges a mapping or a list of "
					       "mappings",
					       ps->file, line);
		for (size_t j = 0; j < srcs[i]->n; j++) {
			struct berth_yaml_entry *e = &srcs[i]->entries[j];
			if (!berth_yaml_entry(map, e->key))
				berth_yaml_set(map, e->key, e->line, berth_yaml_copy(e->value));
		}
	}
	return 0;
}

static int parse_mapping(struct parser *ps, struct berth_yaml_node *map, int depth,
			 struct berth_error **err)
{
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *merge = NULL;
	int merge_line = 0;
	for (;;) {
		yaml_event_t ev;
		int r = next_event(ps, &ev, err);
		if (r < 0)
			return r;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		int line = (int)ev.start_mark.line + 1;
		if (ev.type != YAML_SCALAR_EVENT) {
			yaml_event_delete(&ev);
			return berth_error_set(err, EINVAL,
					       "%s:%d: yaml: a mapping key must be a "
					       "string",
					       ps->file, line);
		}
		_cleanup_free_ char *key =
			berth_xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
		if (strlen(key) != ev.data.scalar.length) {
			yaml_event_delete(&ev);
			return berth_error_set(err, EINVAL, "%s:%d: yaml: NUL byte in a key",
					       ps->file, line);
		}
		bool is_merge = ev.data.scalar.plain_implicit && strcmp(key, "<<") == 0;
		yaml_event_delete(&ev);
		r = next_event(ps, &ev, err);
		if (r < 0)
			return r;
		struct berth_yaml_node *value = NULL;
		r = parse_node(ps, &ev, depth + 1, &value, err);
		if (r < 0)
			return r;
		if (is_merge) {
			berth_yaml_free(merge);
			merge = value;
			merge_line = line;
			continue;
		}
		if (berth_yaml_entry(map, key)) {
			berth_yaml_free(value);
			return berth_error_set(err, EINVAL,
					       "%s:%d: yaml: mapping key '%s' already "
					       "defined",
					       ps->file, line, key);
		}
		berth_yaml_set(map, key, line, value);
	}
	if (merge)
		return apply_merge_key(ps, map, merge, merge_line, err);
	return 0;
}

static int parse_sequence(struct parser *ps, struct berth_yaml_node *seq, int depth,
			  struct berth_error **err)
{
	for (;;) {
		yaml_event_t ev;
		int r = next_event(ps, &ev, err);
		if (r < 0)
			return r;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		struct berth_yaml_node *item = NULL;
		r = parse_node(ps, &ev, depth + 1, &item, err);
		if (r < 0)
			return r;
		berth_yaml_append(seq, item);
	}
}

static int parse_scalar(struct parser *ps, yaml_event_t *ev, struct berth_yaml_node **ret,
			struct berth_error **err)
{
	int line = (int)ev->start_mark.line + 1;
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	if (strlen(v) != len)
		return berth_error_set(err, EINVAL, "%s:%d: yaml: NUL byte in a value", ps->file,
				       line);
	bool plain =
		ev->data.scalar.plain_implicit && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (plain && (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
		      strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0)) {
		*ret = berth_yaml_new(BERTH_YAML_NULL, line);
		return 0;
	}
	struct berth_yaml_node *n = berth_yaml_new_scalar(v, line);
	n->plain = plain;
	*ret = n;
	return 0;
}

static int parse_alias(struct parser *ps, yaml_event_t *ev, struct berth_yaml_node **ret,
		       struct berth_error **err)
{
	int line = (int)ev->start_mark.line + 1;
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = ps->n_anchors; i-- > 0;) {
		if (strcmp(ps->anchors[i].name, name) != 0)
			continue;
		int r = charge(ps, count_nodes(ps->anchors[i].node), line, err);
		if (r < 0)
			return r;
		*ret = berth_yaml_copy(ps->anchors[i].node);
		return 0;
	}
	return berth_error_set(err, EINVAL, "%s:%d: yaml: unknown anchor '%s' referenced", ps->file,
			       line, name);
}

/* Parses the node that starts with ev (consumed). */
static int parse_node(struct parser *ps, yaml_event_t *ev, int depth, struct berth_yaml_node **ret,
		      struct berth_error **err)
{
	int line = (int)ev->start_mark.line + 1;
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *n = NULL;
	const yaml_char_t *anchor = NULL;
	int r;

	if (depth > BERTH_YAML_MAX_DEPTH) {
		yaml_event_delete(ev);
		return berth_error_set(err, EINVAL, "%s:%d: yaml: nested deeper than %d levels",
				       ps->file, line, BERTH_YAML_MAX_DEPTH);
	}
	r = charge(ps, 1, line, err);
	if (r < 0) {
		yaml_event_delete(ev);
		return r;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		r = parse_scalar(ps, ev, &n, err);
		break;
	case YAML_ALIAS_EVENT:
		r = parse_alias(ps, ev, &n, err);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		n = berth_yaml_new(BERTH_YAML_SEQ, line);
		r = parse_sequence(ps, n, depth, err);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		n = berth_yaml_new(BERTH_YAML_MAP, line);
		r = parse_mapping(ps, n, depth, err);
		break;
	default:
		r = berth_error_set(err, EINVAL, "%s:%d: yaml: unexpected event", ps->file, line);
	}
	if (n)
		n->file = ps->file;
	if (r >= 0)
		r = remember_anchor(ps, anchor, n, err);
	yaml_event_delete(ev);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(n);
	return 0;
}

static int parse_stream(struct parser *ps, struct berth_yaml_node **ret, struct berth_error **err)
{
	yaml_event_t ev;
	int r;
	/* STREAM-START, then DOCUMENT-START or STREAM-END */
	for (;;) {
		r = next_event(ps, &ev, err);
		if (r < 0)
			return r;
		yaml_event_type_t t = ev.type;
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT) {
			*ret = NULL;
			return 0;
		}
		if (t == YAML_DOCUMENT_START_EVENT)
			break;
	}
	r = next_event(ps, &ev, err);
	if (r < 0)
		return r;
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *doc = NULL;
	r = parse_node(ps, &ev, 0, &doc, err);
	if (r < 0)
		return r;
	r = next_event(ps, &ev, err); /* DOCUMENT-END */
	if (r < 0)
		return r;
	yaml_event_delete(&ev);
	r = next_event(ps, &ev, err);
	if (r < 0)
		return r;
	bool another = ev.type == YAML_DOCUMENT_START_EVENT;
	int line = (int)ev.start_mark.line + 1;
	yaml_event_delete(&ev);
	if (another)
		return berth_error_set(err, EINVAL,
				       "%s:%d: yaml: more than one document in a compose file",
				       ps->file, line);
	*ret = TAKE_PTR(doc);
	return 0;
}

int berth_yaml_parse(const char *data, size_t len, const char *file, struct berth_yaml_node **ret,
		     struct berth_error **err)
{
	struct parser ps = {.file = file};
	int r = berth_lib_load(BERTH_LIB_YAML, err);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&ps.p))
		return berth_error_set(err, ENOMEM, "yaml: cannot initialise the parser");
	yaml_parser_set_input_string(&ps.p, (const unsigned char *)data, len);
	r = parse_stream(&ps, ret, err);
	yaml_parser_delete(&ps.p);
	for (size_t i = 0; i < ps.n_anchors; i++) {
		free(ps.anchors[i].name);
		berth_yaml_free(ps.anchors[i].node);
	}
	free(ps.anchors);
	return r;
}
