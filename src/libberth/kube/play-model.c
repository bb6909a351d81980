/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kube play`'s model: Kubernetes YAML (every byte hostile) as the objects
 * of play.h. The documents of a file are parsed one by one with the compose
 * subsystem's YAML tree (bounded depth and size); a field berth does not map
 * is a warning naming it and its line, a missing or malformed required one an
 * error naming them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose-internal.h"
#include "core/alloc.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "compose/model.h"
#include "kube/play-parse.h"
#include "kube/play.h"

void kube_where(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

int kube_fail(const struct kube_ctx *c, int line, const char *where, const char *fmt, ...)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return berth_error_set(c->err, EINVAL, "%s:%d: %s: %s", c->file, line, where, b.buf);
}

void kube_unsupported(const struct kube_ctx *c, int line, const char *where, const char *key)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addf(&b, "%s:%d: %s%s%s: not supported, ignored", c->file, line, where,
		       *where && *key ? "." : "", key);
	berth_strv_push(&c->m->warnings, b.buf);
}

/* The compose subsystem's getters (the nodes carry the file: adopt_document). */
int kube_get_str(const struct kube_ctx *c, const struct berth_yaml_node *v, int line,
		 const char *where, char **ret)
{
	if (!v)
		return kube_fail(c, line, where, "is required");
	free(*ret);
	*ret = NULL;
	return berth_compose_get_string(v, where, ret, c->err);
}

int kube_get_int(const struct kube_ctx *c, const struct berth_yaml_node *v, const char *where,
		 int64_t min, int64_t max, int64_t *ret)
{
	return berth_compose_get_int(v, where, min, max, ret, c->err);
}

int kube_get_bool(const struct kube_ctx *c, const struct berth_yaml_node *v, const char *where,
		  bool *ret)
{
	return berth_compose_get_bool(v, where, ret, c->err);
}

int kube_get_strv(const struct kube_ctx *c, const struct berth_yaml_node *v, const char *where,
		  char ***ret)
{
	berth_strv_free(*ret);
	*ret = NULL;
	return berth_compose_get_strv(v, where, false, ret, c->err);
}

int kube_each_item(const struct kube_ctx *c, const struct berth_yaml_entry *list, const char *where,
		   kube_item_fn fn, void *userdata)
{
	char w[300];
	int r = kube_expect(c, list->value, BERTH_YAML_SEQ, list->line, where);
	for (size_t i = 0; r >= 0 && i < list->value->n; i++) {
		const struct berth_yaml_node *it = list->value->items[i];
		kube_where(w, sizeof(w), "%s[%zu]", where, i);
		r = kube_expect(c, it, BERTH_YAML_MAP, it->line, w);
		if (r >= 0)
			r = fn(c, it, w, userdata);
	}
	return r;
}

int kube_expect(const struct kube_ctx *c, const struct berth_yaml_node *v, enum berth_yaml_kind k,
		int line, const char *where)
{
	if (v && v->kind == k)
		return 0;
	return kube_fail(c, v ? v->line : line, where, "must be a %s",
			 k == BERTH_YAML_MAP ? "mapping" : "list");
}

/* metadata: name required (a DNS-1123 subdomain's characters), labels kept. */
int kube_parse_object_meta_of(const struct kube_ctx *c, const struct berth_yaml_node *doc,
			      char **ret_name, char ***ret_labels)
{
	const struct berth_yaml_entry *e = berth_yaml_entry(doc, "metadata");
	if (!e)
		return kube_fail(c, doc->line, "metadata.name", "is required");
	int r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, "metadata");
	if (r < 0)
		return r;
	return kube_parse_object_meta(c, e->value, "metadata", ret_name, ret_labels);
}

int kube_parse_object_meta(const struct kube_ctx *c, const struct berth_yaml_node *meta,
			   const char *where, char **ret_name, char ***ret_labels)
{
	char w[256];
	for (size_t i = 0; i < meta->n; i++) {
		const struct berth_yaml_entry *e = &meta->entries[i];
		kube_where(w, sizeof(w), "%s.%s", where, e->key);
		int r = 0;
		if (strcmp(e->key, "name") == 0 && ret_name)
			r = kube_get_str(c, e->value, e->line, w, ret_name);
		else if (strcmp(e->key, "labels") == 0 && ret_labels)
			r = kube_parse_string_map(c, e->value, e->line, w, ret_labels);
		else if (strcmp(e->key, "annotations") != 0 &&
			 strcmp(e->key, "creationTimestamp") != 0 &&
			 strcmp(e->key, "namespace") != 0)
			kube_unsupported(c, e->line, where, e->key);
		if (r < 0)
			return r;
	}
	if (!ret_name)
		return 0;
	if (!*ret_name || !**ret_name)
		return kube_fail(c, meta->line, "metadata.name", "is required");
	if (!kube_name_is_valid(*ret_name))
		return kube_fail(c, meta->line, "metadata.name",
				 "\"%s\" is not a valid name (lowercase letters, digits, '-' "
				 "and '.', at most 253)",
				 *ret_name);
	return 0;
}

bool kube_name_is_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '.'))
			return false;
	return true;
}

int kube_parse_string_map(const struct kube_ctx *c, const struct berth_yaml_node *v, int line,
			  const char *where, char ***ret)
{
	int r = kube_expect(c, v, BERTH_YAML_MAP, line, where);
	if (r < 0)
		return r;
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_node *val = v->entries[i].value;
		if (val->kind != BERTH_YAML_SCALAR)
			return kube_fail(c, v->entries[i].line, where, "%s: must be a string",
					 v->entries[i].key);
		_cleanup_free_ char *kv = NULL;
		kv = berth_xasprintf("%s=%s", v->entries[i].key, val->value);
		berth_strv_push(ret, kv);
	}
	return 0;
}

/* A ConfigMap key: [-._a-zA-Z0-9]+, not "." or "..", as Kubernetes validates it. */
static bool key_is_valid(const char *k)
{
	if (!*k || strcmp(k, ".") == 0 || strcmp(k, "..") == 0 || strlen(k) > 253)
		return false;
	return strspn(k, "-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
	       strlen(k);
}

static int add_blob(const struct kube_ctx *c, struct kube_data *d, const struct berth_yaml_entry *e,
		    const char *where, bool decode)
{
	if (!key_is_valid(e->key))
		return kube_fail(c, e->line, where, "\"%s\" is not a valid key", e->key);
	if (kube_data_get(d, e->key))
		return kube_fail(c, e->line, where, "key \"%s\" given twice", e->key);
	if (!e->value || e->value->kind != BERTH_YAML_SCALAR)
		return kube_fail(c, e->line, where, "%s: must be a string", e->key);
	struct kube_blob b = {.key = berth_xstrdup(e->key)};
	size_t bad = 0;
	if (!decode) {
		b.data = berth_xstrdup(e->value->value);
		b.len = strlen(b.data);
	} else if (berth_base64_decode(e->value->value, strlen(e->value->value),
				       BERTH_BASE64_STRICT, &b.data, &b.len, &bad) < 0) {
		free(b.key);
		return kube_fail(c, e->line, where, "%s: not valid base64 at byte %zu", e->key,
				 bad);
	}
	d->blobs = berth_xreallocarray(d->blobs, d->n_blobs + 1, sizeof(*d->blobs));
	d->blobs[d->n_blobs++] = b;
	return 0;
}

/* v1 ConfigMap (data, binaryData) or v1 Secret (data in base64, stringData). */
static int parse_data(const struct kube_ctx *c, const struct berth_yaml_node *doc, bool secret)
{
	struct kube_data d = {.secret = secret, .line = doc->line};
	int r = kube_parse_object_meta_of(c, doc, &d.name, NULL);
	for (size_t i = 0; r >= 0 && i < doc->n; i++) {
		const struct berth_yaml_entry *e = &doc->entries[i];
		bool b64 = strcmp(e->key, secret ? "data" : "binaryData") == 0;
		if (b64 || strcmp(e->key, secret ? "stringData" : "data") == 0) {
			r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, e->key);
			for (size_t j = 0; r >= 0 && j < e->value->n; j++)
				r = add_blob(c, &d, &e->value->entries[j], e->key, b64);
		} else if (strcmp(e->key, "type") != 0 && strcmp(e->key, "immutable") != 0 &&
			   strcmp(e->key, "apiVersion") != 0 && strcmp(e->key, "kind") != 0 &&
			   strcmp(e->key, "metadata") != 0) {
			kube_unsupported(c, e->line, "", e->key);
		}
	}
	if (r >= 0 && kube_manifest_data(c->m, secret, d.name))
		r = kube_fail(c, doc->line, "metadata.name", "%s \"%s\" defined twice",
			      secret ? "Secret" : "ConfigMap", d.name);
	struct kube_manifest *m = c->m;
	m->data = berth_xreallocarray(m->data, m->n_data + 1, sizeof(*m->data));
	m->data[m->n_data++] = d;
	return r;
}

static int parse_claim(const struct kube_ctx *c, const struct berth_yaml_node *doc)
{
	_cleanup_free_ char *name = NULL;
	int r = kube_parse_object_meta_of(c, doc, &name, NULL);
	if (r < 0)
		return r;
	if (berth_strv_contains(c->m->claims, name))
		return kube_fail(c, doc->line, "metadata.name",
				 "PersistentVolumeClaim \"%s\" defined twice", name);
	/* spec (access modes, size, storage class) has no meaning for a local volume */
	berth_strv_push(&c->m->claims, name);
	return 0;
}

static int parse_document(const struct kube_ctx *c, const struct berth_yaml_node *doc)
{
	if (!doc)
		return 0;
	if (doc->kind != BERTH_YAML_MAP)
		return kube_fail(c, doc->line, "document", "must be a mapping");
	_cleanup_free_ char *kind = NULL, *api = NULL;
	const struct berth_yaml_entry *k = berth_yaml_entry(doc, "kind");
	const struct berth_yaml_entry *a = berth_yaml_entry(doc, "apiVersion");
	if (!k)
		return kube_fail(c, doc->line, "kind", "is required");
	if (!a)
		return kube_fail(c, doc->line, "apiVersion", "is required");
	int r = kube_get_str(c, k->value, k->line, "kind", &kind);
	if (r >= 0)
		r = kube_get_str(c, a->value, a->line, "apiVersion", &api);
	if (r < 0)
		return r;
	if (!kind || !api) /* a string was asked for; the checks are in another file */
		return kube_fail(c, doc->line, kind ? "apiVersion" : "kind", "must be a string");
	bool core = strcmp(api, "v1") == 0;
	if (core && strcmp(kind, "Pod") == 0)
		return kube_parse_pod(c, doc, false);
	if (strcmp(api, "apps/v1") == 0 && strcmp(kind, "Deployment") == 0)
		return kube_parse_pod(c, doc, true);
	if (core && (strcmp(kind, "ConfigMap") == 0 || strcmp(kind, "Secret") == 0))
		return parse_data(c, doc, kind[0] == 'S');
	if (core && strcmp(kind, "PersistentVolumeClaim") == 0)
		return parse_claim(c, doc);
	if (core && strcmp(kind, "Service") == 0)
		return kube_parse_service(c, doc);
	return kube_fail(c, k->line, "kind", "%s %s is not supported", api, kind);
}

/* The line where the document starting at p begins ("---" at column 0), or NULL at the end. */
static const char *next_document(const char *p, const char *end, int *line)
{
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		p = nl + 1;
		(*line)++;
		if (end - p >= 3 && memcmp(p, "---", 3) == 0 &&
		    (end - p == 3 || p[3] == '\n' || p[3] == ' ' || p[3] == '\t' || p[3] == '\r'))
			return p;
	}
}

/* One document of the text: its line numbers shifted to the file's, its nodes naming the file. */
static void adopt_document(struct berth_yaml_node *n, int by, const char *file)
{
	n->line += by;
	n->file = file;
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == BERTH_YAML_SEQ) {
			adopt_document(n->items[i], by, file);
		} else if (n->kind == BERTH_YAML_MAP) {
			n->entries[i].line += by;
			adopt_document(n->entries[i].value, by, file);
		}
	}
}

static int parse_piece(const struct kube_ctx *c, const char *p, size_t len, int first_line)
{
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *doc = NULL;
	struct berth_error *e = NULL;
	int r = berth_yaml_parse(p, len, "", &doc, &e);
	if (r < 0) {
		/* the parser's ":LINE: why" counted from the document's first line */
		int line = 0, off = 0;
		const char *msg = berth_error_msg(e);
		if (sscanf(msg, ":%d:%n", &line, &off) != 1 || off == 0)
			off = 0, line = 1;
		r = berth_error_set(c->err, berth_error_code(e), "%s:%d:%s", c->file,
				    line + first_line - 1, msg + off);
		berth_error_free(&e);
		return r;
	}
	if (doc)
		adopt_document(doc, first_line - 1, c->file);
	return parse_document(c, doc);
}

int kube_manifest_parse(struct kube_manifest *m, const char *data, size_t len, const char *file,
			struct berth_error **err)
{
	struct kube_ctx c = {.m = m, .file = file, .err = err};
	if (memchr(data, '\0', len))
		return berth_error_set(err, EINVAL, "%s: a NUL byte in the YAML", file);
	const char *end = data + len, *p = data;
	int line = 1;
	while (p) {
		int start = line;
		const char *next = next_document(p, end, &line);
		int r = parse_piece(&c, p, (size_t)((next ? next : end) - p), start);
		if (r < 0)
			return r;
		p = next;
	}
	return 0;
}

const struct kube_data *kube_manifest_data(const struct kube_manifest *m, bool secret,
					   const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < m->n_data; i++)
		if (m->data[i].secret == secret && m->data[i].name &&
		    strcmp(m->data[i].name, name) == 0)
			return &m->data[i];
	return NULL;
}

const struct kube_blob *kube_data_get(const struct kube_data *d, const char *key)
{
	for (size_t i = 0; i < d->n_blobs; i++)
		if (strcmp(d->blobs[i].key, key) == 0)
			return &d->blobs[i];
	return NULL;
}
