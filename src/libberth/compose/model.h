/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Shared by the files of the tree -> model step (model.c, model-mounts.c,
 * model-top.c): typed getters that fail with "file:line: where: why", where
 * is the key's path ("services.web.ports").
 */

#include <stdbool.h>
#include <stdint.h>

#include "compose/compose-internal.h"

const char *berth_compose_file_of(const struct berth_yaml_node *n);
int berth_compose_fail(const struct berth_yaml_node *n, int line, const char *where,
		       struct berth_error **err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

int berth_compose_get_string(const struct berth_yaml_node *v, const char *where, char **ret,
			     struct berth_error **err);
int berth_compose_get_bool(const struct berth_yaml_node *v, const char *where, bool *ret,
			   struct berth_error **err);
int berth_compose_get_int(const struct berth_yaml_node *v, const char *where, int64_t min,
			  int64_t max, int64_t *ret, struct berth_error **err);
int berth_compose_get_strv(const struct berth_yaml_node *v, const char *where, bool single,
			   char ***ret, struct berth_error **err);
int berth_compose_get_mapping(const struct berth_yaml_node *v, const char *where, char ***ret,
			      struct berth_error **err);

/* Sorts "KEY=VALUE"/"KEY" strings by key. */
void berth_compose_sort_kv(char **v);

/* path made absolute against dir and cleaned of "." and ".." lexically; owned by the caller. */
char *berth_compose_abs_path(const char *dir, const char *path);

/* A service, network or volume key: [a-zA-Z0-9][a-zA-Z0-9._-]*. */
bool berth_compose_name_is_valid(const char *name);

int berth_compose_parse_ports(const struct berth_yaml_node *v, const char *where,
			      struct berth_compose_service *s, struct berth_error **err);
int berth_compose_parse_volumes(const struct berth_compose_model_ctx *ctx,
				const struct berth_yaml_node *v, const char *where,
				struct berth_compose_service *s, struct berth_error **err);

/* env_file: a path, a list of paths, or a list of {path, required}. */
int berth_compose_parse_env_files(const struct berth_compose_model_ctx *ctx,
				  const struct berth_yaml_node *v, const char *where,
				  struct berth_compose_service *s, struct berth_error **err);

/*
 * The environment of s: the env_files' entries, overridden by environment;
 * bare entries take their value from the environment handed in.
 */
int berth_compose_resolve_environment(const struct berth_compose_model_ctx *ctx,
				      struct berth_compose_service *s, struct berth_error **err);

/*
 * Top-level networks and volumes, the implicit default network, and the
 * services' references to them (an undefined one is an error).
 */
int berth_compose_parse_top_level(const struct berth_compose_model_ctx *ctx,
				  const struct berth_yaml_node *doc,
				  struct berth_compose_project *p, struct berth_error **err);

void berth_compose_build_free(struct berth_compose_build *b);
static inline void berth_compose_build_freep(struct berth_compose_build **b)
{
	berth_compose_build_free(*b);
	*b = NULL;
}
void berth_compose_healthcheck_free(struct berth_compose_healthcheck *h);
static inline void berth_compose_healthcheck_freep(struct berth_compose_healthcheck **h)
{
	berth_compose_healthcheck_free(*h);
	*h = NULL;
}
