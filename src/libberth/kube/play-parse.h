/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Between play-model.c and play-pod.c: the parse's context and its typed
 * getters, which fail with "FILE:LINE: FIELD: why".
 */

#include "compose/compose-internal.h"
#include "kube/play.h"

struct kube_ctx {
	struct kube_manifest *m;
	const char *file;
	struct berth_error **err;
};

/* A field's path for messages ("spec.containers[0].env"), cut at size. */
void kube_where(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int kube_fail(const struct kube_ctx *c, int line, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A warning: where.key is not mapped (where "" for a top-level key). */
void kube_unsupported(const struct kube_ctx *c, int line, const char *where, const char *key);

int kube_get_str(const struct kube_ctx *c, const struct berth_yaml_node *v, int line,
		 const char *where, char **ret);
int kube_get_int(const struct kube_ctx *c, const struct berth_yaml_node *v, const char *where,
		 int64_t min, int64_t max, int64_t *ret);
int kube_get_bool(const struct kube_ctx *c, const struct berth_yaml_node *v, const char *where,
		  bool *ret);
int kube_get_strv(const struct kube_ctx *c, const struct berth_yaml_node *v, const char *where,
		  char ***ret);
/* fn on each item of the list list->value, each a mapping; where[i] names it. */
typedef int (*kube_item_fn)(const struct kube_ctx *c, const struct berth_yaml_node *item,
			    const char *where, void *userdata);
int kube_each_item(const struct kube_ctx *c, const struct berth_yaml_entry *list, const char *where,
		   kube_item_fn fn, void *userdata);
/* v is of kind k (a missing v fails at line). */
int kube_expect(const struct kube_ctx *c, const struct berth_yaml_node *v, enum berth_yaml_kind k,
		int line, const char *where);
/* A {string: string} mapping appended to *ret as "K=V". */
int kube_parse_string_map(const struct kube_ctx *c, const struct berth_yaml_node *v, int line,
			  const char *where, char ***ret);
/* An ObjectMeta mapping: name (required when ret_name) and labels; the rest warned. */
int kube_parse_object_meta(const struct kube_ctx *c, const struct berth_yaml_node *meta,
			   const char *where, char **ret_name, char ***ret_labels);
/* The document's metadata (required, with a name). */
int kube_parse_object_meta_of(const struct kube_ctx *c, const struct berth_yaml_node *doc,
			      char **ret_name, char ***ret_labels);
/* Lowercase letters, digits, '-' and '.', 1 to 253, a letter or digit at both ends. */
bool kube_name_is_valid(const char *s);

/* v1 Pod, or apps/v1 Deployment when deployment (play-pod.c). */
int kube_parse_pod(const struct kube_ctx *c, const struct berth_yaml_node *doc, bool deployment);
/* v1 Service (play-pod.c). */
int kube_parse_service(const struct kube_ctx *c, const struct berth_yaml_node *doc);
