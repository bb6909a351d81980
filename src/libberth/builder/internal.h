/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the files of builder/ share; nothing outside builder/ includes this. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "builder/builder.h"
#include "builder/context.h"
#include "core/digest.h"
#include "core/error.h"
#include "dockerfile/dockerfile.h"

/* One layer of an image being built: its blob and its diff id. */
struct blayer {
	struct berth_digest digest, diff_id;
	uint64_t size;
	char *media_type;
};

/*
 * An image state: the full image config (OCI: architecture, os, config{},
 * rootfs{diff_ids}, history[]) and the layers. A stage's state changes with
 * every instruction; the cache stores whole states.
 */
struct bimage {
	json_t *config;
	struct blayer *layers;
	size_t n_layers;
};
void bimage_release(struct bimage *im);
void bimage_copy(struct bimage *dst, const struct bimage *src);
void bimage_add_layer(struct bimage *im, const struct blayer *l);
/* config.config, created when missing (borrowed). */
json_t *bimage_cfg(struct bimage *im);
/*
 * Adds BuildKit's default PATH to the config's Env when it has none (as
 * dockerfile2llb does for every stage), so `ENV PATH=/x:$PATH` extends it.
 */
void bimage_default_path(struct bimage *im);
/* An empty image (FROM scratch): linux/amd64-style platform of this host. */
void bimage_init_scratch(struct bimage *im);
/* Serialises the state for the cache, and back. */
json_t *bimage_to_json(const struct bimage *im);
int bimage_from_json(const json_t *j, struct bimage *ret, struct berth_error **err);

/* The store adapter (imgio.c): the only file that talks to store/ and image/. */
struct bstore;
struct berth_store;
/* Wraps the caller's store (borrowed: bstore_free leaves it open). */
int bstore_open(struct berth_store *store, struct bstore **ret, struct berth_error **err);
void bstore_free(struct bstore *s);
int bstore_root_fd(struct bstore *s);
const char *bstore_root_path(struct bstore *s);
/* A work dir tmp/<prefix><rand> owned through *ret_fd: berth_store_tmp_dir_create. */
int bstore_tmp_dir(struct bstore *s, const char *prefix, char **ret_name, int *ret_fd,
		   struct berth_error **err);
/* The store's tmp/ (O_PATH, borrowed). */
int bstore_tmp_fd(struct bstore *s);
/* Resolves an image reference in the store into *ret; -ENOENT when absent. */
int bstore_resolve(struct bstore *s, const char *ref, struct bimage *ret, struct berth_error **err);
/* Pulls ref from its registry into the store (FROM of a missing image, --pull). */
int bstore_pull(struct bstore *s, const char *ref, struct berth_error **err);
/*
 * A registry image's manifest and config, without its layers (for
 * --cache-from); the layers are fetched one by one with bstore_fetch_blob.
 */
int bstore_remote_image(const char *ref, struct bimage *ret, struct berth_error **err);
int bstore_fetch_blob(struct bstore *s, const char *ref, const struct berth_digest *d,
		      struct berth_error **err);
/* Opens a layer blob; for berth_layer_stack_prepare. */
int bstore_open_blob(struct bstore *s, const struct berth_digest *d, struct berth_error **err);
bool bstore_has_blob(struct bstore *s, const struct berth_digest *d);
/* A blob writer usable as a layer sink. */
struct bstore_writer;
int bstore_writer_begin(struct bstore *s, struct bstore_writer **ret, struct berth_error **err);
int bstore_writer_sink(void *ctx, const void *data, size_t len, struct berth_error **err);
int bstore_writer_commit(struct bstore *s, struct bstore_writer *w, struct berth_digest *ret,
			 uint64_t *ret_size, struct berth_error **err);
/*
 * The layers a build writes are made durable together at its end (or when
 * it fails): bstore_writer_commit only starts their writeback, the next
 * steps read them from the store's tmp/, and bstore_sync fsyncs them,
 * renames them into blobs/ and then writes the cache entries that name
 * them, which bcache_put deferred (bstore_defer_entry: true when the entry
 * names a layer not synced yet). A build's image is committed after
 * bstore_sync: nothing durable ever names a blob that is not.
 */
bool bstore_defer_entry(struct bstore *s, const struct berth_digest *key, const struct bimage *im);
int bstore_sync(struct bstore *s, struct berth_error **err);
void bstore_writer_abort(struct bstore_writer *w);
/*
 * Writes the config and a manifest for im, tags every ref of tags (may be
 * NULL) and returns the config digest (the image id) and manifest digest.
 */
int bstore_commit_image(struct bstore *s, const struct bimage *im, char *const *tags,
			struct berth_digest *ret_id, struct berth_digest *ret_manifest,
			struct berth_error **err);
/* Collects blobs not referenced by a tag, keeping those in keep (digests). */
int bstore_gc(struct bstore *s, const struct berth_digest *keep, size_t n_keep, uint64_t *ret_freed,
	      struct berth_error **err);

/*
 * Build cache entries are gc roots (cache/gc-roots/build-<key>): `rmi` and
 * `image prune` keep the layers a cache entry names; `builder prune` drops
 * the root with the entry.
 */
int bstore_cache_root_set(struct bstore *s, const struct berth_digest *key, const struct bimage *im,
			  struct berth_error **err);
int bstore_cache_root_remove(struct bstore *s, const struct berth_digest *key,
			     struct berth_error **err);

/* The cache (step-cache.c): entries under cache/build/ of the store. */
int bcache_get(struct bstore *s, const struct berth_digest *key, struct bimage *ret,
	       struct berth_error **err); /* 1 hit, 0 miss */
int bcache_put(struct bstore *s, const struct berth_digest *key, const struct bimage *im,
	       struct berth_error **err);

/* A stage of the Dockerfile (stages.c). */
struct bstage {
	char *name;  /* "build" for `AS build`, NULL when unnamed */
	char *label; /* what progress shows: the name or "stage-N" */
	int index;
	size_t first, end; /* instructions [first, end) of the Dockerfile, FROM at first */
	char *base;	   /* the FROM argument after expansion */
	int base_stage;	   /* index of the stage FROM names, or -1 */
	int *deps;	   /* stages this one reads (FROM, COPY --from, RUN --mount from=) */
	size_t n_deps;
	bool needed;
	unsigned n_steps; /* instructions after FROM, + 1 for FROM */

	/* the result, once built */
	bool built;
	struct bimage img;
	struct berth_digest key;
	pthread_mutex_t lock;
};

struct builder {
	const struct berth_build_options *o;
	struct bstore *store;
	struct berth_dockerfile *df;
	struct bctx *ctx;
	char **build_args;  /* K=V from --build-arg, resolved */
	char **global_args; /* K=V of the ARGs before the first FROM */
	char **used_args;   /* names of --build-args some ARG consumed */
	struct bstage *stages;
	size_t n_stages;
	int target;

	struct csource *sources; /* --cache-from images (cachefrom.c) */
	size_t n_sources;

	pthread_mutex_t lock; /* step numbers, events */
	unsigned next_step;
	unsigned steps, cached;
	char *tmp_path; /* tmp/build-<rand> in the store: mounts, uppers */
	int tmp_fd;
	/*
	 * --change (changes.c): instructions only edit the config; no cache,
	 * history, layers or rootfs, and errors carry no Dockerfile line.
	 */
	bool config_only;
};

/* Emits an event through the options' callback. */
void builder_event(struct builder *b, enum berth_build_event_kind kind, int step, double seconds,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * The error for instruction ins: "Dockerfile:12: <what>" plus the quoted
 * line, prefixed onto *err.
 */
int builder_error_at(struct builder *b, const struct berth_dockerfile_instruction *ins,
		     struct berth_error **err);

/*
 * interrupt.c: -EINTR "build interrupted" once berth_build_interrupt() was
 * called, else 0; and a pipe's read end that is readable from then on (for
 * poll; -1 when it could not be made). Every loop that can take long checks.
 */
int builder_check_interrupt(struct berth_error **err);
int builder_interrupt_fd(void);

/* stages.c */
int builder_make_stages(struct builder *b, struct berth_error **err);
/* The stage a --from/FROM value names (by name, case-insensitive, or index), or -1. */
int builder_find_stage(const struct builder *b, const char *name, int before);

/* The predefined platform ARGs (TARGETPLATFORM, BUILDARCH, ...) appended to env. */
void builder_platform_args(char ***env);
/* The value of --build-arg name, marking it used; NULL when not given. */
const char *builder_take_build_arg(struct builder *b, const char *name);
/* Sets name=value in an env vector, replacing an earlier entry. */
void env_set(char ***env, const char *name, const char *value);
/*
 * Declares one ARG word ("NAME" or "NAME=default") in scope: a --build-arg
 * wins over the default; a stage ARG without either takes the global
 * value from globals; otherwise the name stays unset.
 */
int builder_declare_arg(struct builder *b, const char *word, char ***scope, char *const *expand_env,
			char *const *globals, struct berth_error **err);

/* instructions.c: builds one stage (its base must be built). */
int builder_build_stage(struct builder *b, struct bstage *st, struct berth_error **err);

/* GOARCH of this host: "amd64", "arm64", ... */
const char *builder_arch(void);

/* Go duration strings ("1m30s", "500ms") in nanoseconds. */
int parse_go_duration(const char *s, int64_t *ret, struct berth_error **err);

/* The state of a stage being built (instructions.c, copy.c, run.c). */
struct sstate {
	struct builder *b;
	struct bstage *st;
	struct bimage img;
	struct berth_digest key; /* the cache key of the state so far */
	char **args;		 /* ARGs in scope, K=V */
	char **arg_names;	 /* the stage's ARG names as declared, for RUN's history */
	bool cmd_set;		 /* CMD set in this stage (ENTRYPOINT keeps it) */
	unsigned stepi;		 /* 1-based step within the stage */
	int step;		 /* the build-wide step number of the current step */
	double started;		 /* when the current step started */
	bool source_hit;	 /* a --cache-from source has this metadata step: report CACHED */
	/* a read-only view of the rootfs (sstate_rootfs), for WORKDIR and --chown */
	char *view_path;
	int view_fd;
	size_t view_layers;
};

/* The environment for expansion: ARGs in scope, then config Env (which wins). */
char **sstate_env(struct sstate *ss);
/* Expands word in the stage's environment (ProcessWord). */
int sstate_expand(struct sstate *ss, const char *word, char **ret, struct berth_error **err);
/* Appends a history entry (created now, or at SOURCE_DATE_EPOCH). */
void sstate_history(struct sstate *ss, const char *created_by, bool empty_layer);
/*
 * A read-only overlay view of the current layers, mounted under the
 * build's tmp dir; the fd is an O_PATH dir fd of it (borrowed). Remounted
 * when the layers changed since.
 */
int sstate_rootfs(struct sstate *ss, int *ret_fd, struct berth_error **err);
void sstate_unmount(struct sstate *ss);
/* The lower dirs of the current layers, bottom first (owned strv). */
int sstate_lowerdirs(struct sstate *ss, char ***ret, struct berth_error **err);

/*
 * Writes one layer (by fill, which adds entries to the writer) into the
 * store and appends it to ss->img.
 */
struct berth_layer_writer;
typedef int (*layer_fill_fn)(void *ctx, struct berth_layer_writer *w, struct berth_error **err);
int sstate_add_layer(struct sstate *ss, layer_fill_fn fill, void *ctx, struct berth_error **err);

/* copy.c: COPY and ADD; extra gets what the cache key must hash besides the text. */
int exec_copy(struct sstate *ss, const struct berth_dockerfile_instruction *ins, bool add,
	      struct berth_error **err);
/* The stage's SHELL, or ["/bin/sh", "-c"] (owned strv). */
char **sstate_shell(struct sstate *ss);
/* run.c */
int exec_run(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
	     struct berth_error **err);
/* WORKDIR (instructions.c); creates the directory in a layer when it is missing. */
int exec_workdir(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		 struct berth_error **err);

struct berth_buf;
/*
 * history.c: created_by strings as BuildKit writes them (owned strings).
 * "KW [\"a\" \"b\"]" (quote: Go's %q of a []string, CMD, ENTRYPOINT) or
 * "KW [a b]" (%v, SHELL) of a JSON array of strings.
 */
char *history_go_strings(const char *kw, const json_t *arr, bool quote);
/* "HEALTHCHECK &{...}": %q of Docker's HealthConfig, from the config's Healthcheck. */
char *history_healthcheck(const json_t *hc);
/* "EXPOSE map[443/udp:{} 80/tcp:{}]" of the ports ("80/tcp"). */
char *history_expose(char *const *ports);
/* "VOLUME [/a /b]" */
char *history_volume(char *const *vols);
/* Appends RUN's "|N K=V ... " of the stage's ARGs (nothing without any). */
void history_add_run_args(struct sstate *ss, struct berth_buf *b);

/* The step's cache lookup: 1 hit (state replaced), 0 miss. key is the new key. */
int step_begin(struct sstate *ss, const struct berth_dockerfile_instruction *ins, const char *text,
	       const void *extra, size_t extra_len, struct berth_error **err);
/* Stores the new state under the key and reports the step done. */
int step_end(struct sstate *ss, struct berth_error **err);
double now_seconds(void);
/* Executes one instruction of a stage (after begin_step). */
int exec_instruction(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		     struct berth_error **err);

/*
 * run-mounts.c: the private dir of one RUN step (tmp/run-<rand>: upper, work, rootfs)
 * and what its mounts need: the image views of bind from=, the throwaway
 * overlays of rw binds and the tmpfs of secrets. Released in that order:
 * nothing is removed while it is still mounted.
 */
struct run_dirs {
	char *path;
	int fd;
	char **views;
	int *view_fds;
	size_t n_views;
	char **scratch; /* mount points below path */
	size_t n_scratch;
	int secrets_fd; /* the secrets tmpfs, -EBADF until a secret is mounted */
	unsigned n_files;
};

void run_dirs_release(struct run_dirs *d);
struct berth_spec;
/* Adds the mounts of ins's --mount flags to spec; their targets to *targets. */
int add_run_mounts(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		   struct berth_spec *spec, struct run_dirs *dirs, char ***targets,
		   struct berth_error **err);
/* Removes from the upper dir the empty mount points only the mounts made. */
void drop_mount_stubs(int upper_fd, char *const *targets);

/* rootfs.c */
int image_lowerdirs(struct bstore *s, const struct bimage *im, char ***ret,
		    struct berth_error **err);
/* A read-only view of im mounted below the build's tmp dir (image_view_release). */
int image_view(struct builder *b, const struct bimage *im, char **ret_path, int *ret_fd,
	       struct berth_error **err);
void image_view_release(char *path, int fd);
/* tmp/…/empty: an empty directory, the source of directory entries in layers. */
int builder_empty_dir(struct builder *b, struct berth_error **err);
/* A USER/--chown value to ids: numbers directly, names in the rootfs's /etc files. */
int sstate_resolve_user(struct sstate *ss, const char *spec, uid_t *ret_uid, gid_t *ret_gid,
			struct berth_error **err);

/* imgio.c: the layer digests of every image in the store (for prune). */
int bstore_image_layers(struct bstore *s, struct berth_digest **ret, size_t *ret_n,
			struct berth_error **err);
/* step-cache.c: the O_PATH fd of cache/build (created when missing). */
int bcache_dir(struct bstore *s, struct berth_error **err);

/*
 * cachefrom.c: --cache-from. Every history entry berth writes has its cache
 * key beside it, in the config field CACHE_KEYS_FIELD (an array aligned with
 * history, null where the key is unknown), so an image berth built carries
 * exact keys wherever it goes.
 */
#define CACHE_KEYS_FIELD "berth.build.cache-keys.v1"
/* Records key for the history entry just appended to config. */
void cache_keys_record(json_t *config, const struct berth_digest *key);

struct csource {
	char *ref;
	bool remote; /* not in the store: its layers come from its registry */
	struct bimage img;
};
/* Resolves every --cache-from ref; a ref found nowhere is a warning. */
int builder_load_cache_sources(struct builder *b, struct berth_error **err);
void builder_free_cache_sources(struct builder *b);

/* Where a step matches a cache source: its history entry and layer. */
struct cmatch {
	size_t hist;  /* index in the source's history */
	size_t layer; /* index of the layer in the source, when has_layer */
	bool has_layer;
	bool by_key; /* matched by an exact key (else by created_by) */
};
/*
 * Matches a step against a source image (config src, n_src layers) from the
 * current state cur: by exact key when the source has keys, else (only when
 * text_only: the step's key is its text alone) by Docker's rule, the
 * history and layers so far equal the source's and the next entry's
 * created_by is text (or text + " # buildkit"). 1 match, 0 none.
 */
int cache_source_match(const json_t *src, size_t n_src, const json_t *cur,
		       const struct berth_digest *key, const char *text, bool text_only,
		       struct cmatch *ret);
/*
 * After a miss in the local cache: a layer step found in a source makes the
 * new state (the layer fetched from the registry when missing) and returns
 * 1; a metadata step found there sets ss->source_hit and returns 0 (it runs
 * here, cheaply); 0 for no match.
 */
int cachefrom_lookup(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		     const char *text, bool text_only, struct berth_error **err);

/* fetch-url.c: ADD's URL sources */
/* Whether an ADD source is a URL (http:// or https://). */
bool builder_is_url(const char *s);
/*
 * Downloads url into dir_fd/data (0600), its mtime the Last-Modified the
 * server sent; *ret is the sha256 of the bytes. An interrupt stops it.
 */
int builder_fetch_url(const char *url, int dir_fd, struct berth_digest *ret,
		      struct berth_error **err);
/* The file name a URL gives when the destination is a directory: its path's last component. */
int builder_url_basename(const char *url, char **ret, struct berth_error **err);
