/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Inside the compose subsystem: a YAML document as a tree of nodes that
 * keep their line numbers (yaml.c), the tree-level steps of loading
 * (interpolation, merging, extends: load.c) and the tree -> model step
 * (model.c).
 */

#include <stdbool.h>
#include <stddef.h>

#include "compose/compose.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/json.h"

enum berth_yaml_kind {
	BERTH_YAML_NULL,
	BERTH_YAML_SCALAR,
	BERTH_YAML_SEQ,
	BERTH_YAML_MAP,
};

struct berth_yaml_entry {
	char *key;
	int line; /* of the key */
	struct berth_yaml_node *value;
};

struct berth_yaml_node {
	enum berth_yaml_kind kind;
	int line;	  /* 1-based */
	const char *file; /* the document's name (the loader keeps it alive) */
	char *value;	  /* SCALAR */
	bool plain;	  /* SCALAR written without quotes (so `true`, `12` are typed) */
	struct berth_yaml_node **items;	  /* SEQ */
	struct berth_yaml_entry *entries; /* MAP, in document order, keys unique */
	size_t n;
};

/* Limits on hostile documents: nesting depth and total nodes (aliases included). */
#define BERTH_YAML_MAX_DEPTH 64
#define BERTH_YAML_MAX_NODES 200000

/*
 * Parses one YAML document (an empty stream gives a NULL node). Anchors and
 * aliases are expanded (counted against the node limit) and merge keys
 * (`<<: *x`) applied. Duplicate keys are an error. Messages start "file:line: ".
 */
int berth_yaml_parse(const char *data, size_t len, const char *file, struct berth_yaml_node **ret,
		     struct berth_error **err);

void berth_yaml_free(struct berth_yaml_node *n);
static inline void berth_yaml_freep(struct berth_yaml_node **n)
{
	berth_yaml_free(*n);
	*n = NULL;
}

struct berth_yaml_node *berth_yaml_copy(const struct berth_yaml_node *n);
struct berth_yaml_node *berth_yaml_new(enum berth_yaml_kind kind, int line);
struct berth_yaml_node *berth_yaml_new_scalar(const char *value, int line);

/* The entry of key in map (NULL when map is not a map or has no such key). */
struct berth_yaml_entry *berth_yaml_entry(const struct berth_yaml_node *map, const char *key);
struct berth_yaml_node *berth_yaml_get(const struct berth_yaml_node *map, const char *key);
/* Sets key to value (owned) in map, replacing an existing value. */
void berth_yaml_set(struct berth_yaml_node *map, const char *key, int line,
		    struct berth_yaml_node *value);
void berth_yaml_remove(struct berth_yaml_node *map, const char *key);
void berth_yaml_append(struct berth_yaml_node *seq, struct berth_yaml_node *item);

/*
 * Interpolates every scalar value (not keys) of the tree in place; names
 * referenced without a default that lookup does not know are added to
 * *ret_unset (may be NULL), for docker compose's "not set" warning.
 */
int berth_compose_interpolate_tree(struct berth_yaml_node *n, const char *file,
				   berth_compose_lookup_fn lookup, void *userdata,
				   char ***ret_unset, struct berth_error **err);

/*
 * Merges override into base (docker compose's rules for a service: maps
 * merged key by key, command/entrypoint/healthcheck.test replaced, ports
 * and expose appended without duplicates, volumes by target, list-form
 * environment/labels/depends_on turned into maps first). Consumes override.
 */
void berth_compose_merge_service(struct berth_yaml_node *base, struct berth_yaml_node *override);
/* Turns a service's list-form environment/labels/depends_on/networks/build into mappings. */
void berth_compose_normalize_service(struct berth_yaml_node *svc);
/* Merges two whole documents (services by name, other top-level keys by key). */
void berth_compose_merge_document(struct berth_yaml_node *base, struct berth_yaml_node *override);

/* The model step: what load.c hands to model.c. */
struct berth_compose_model_ctx {
	const char *file; /* for messages: the first compose file */
	const char *dir;  /* the project directory, absolute */
	const char *project_name;
	berth_compose_lookup_fn lookup; /* for bare environment entries */
	void *userdata;
	char ***warnings;
	bool read_files; /* env_file may be read (not for berth_compose_load_data) */
};

/*
 * Builds the project from the merged, interpolated document (services
 * already extended, env_file already folded into environment). Validates
 * values and cross-references (volumes, networks, depends_on).
 */
int berth_compose_model_build(const struct berth_compose_model_ctx *ctx,
			      const struct berth_yaml_node *doc, struct berth_compose_project **ret,
			      struct berth_error **err);

/* Adds a formatted warning line to *warnings. */
void berth_compose_warn(char ***warnings, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A service as `config` prints it, in compose-go's field order (without
 * build when with_build is false); owned by the caller.
 */
json_t *berth_compose_service_json(const struct berth_compose_service *s, bool with_build);

/* The JSON document the config hash is the sha256 of (hash.c); owned by the caller. */
char *berth_compose_service_hash_input(const struct berth_compose_service *s);

/* Go's time.ParseDuration ("1m30s", "500ms"); nanoseconds. */
int berth_compose_parse_duration(const char *s, int64_t *ret);
/* Go's time.Duration.String(). */
void berth_compose_format_duration(int64_t ns, struct berth_buf *out);

/*
 * The container path of a short-syntax volumes entry ("src:dst:ro" -> dst,
 * "dst" -> dst), NULL when there is none; owned by the caller. Merging by
 * target and the model read it alike.
 */
char *berth_compose_volume_short_target(const char *spec);

/*
 * Reads an env file (KEY=VALUE lines, `export ` prefixes, # comments,
 * single and double quotes) into "KEY=VALUE" strings. -ENOENT when missing.
 */
int berth_compose_read_env_file(const char *path, char ***ret, struct berth_error **err);
int berth_compose_parse_env(const char *data, size_t len, const char *file, char ***ret,
			    struct berth_error **err);

/* Splits a command line as a POSIX shell would split words (quotes, backslashes). */
int berth_compose_shell_split(const char *s, char ***ret);
