/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Policy over every subsystem (DESIGN.md): what is still needed, decided
 * where every subsystem can be asked. Today: the roots of the
 * unpacked-layer gc (gc.c), what the prunes remove (prune.c) and the event
 * log read back (events.c).
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"
#include "layer/layer.h"

struct berth_store;

/*
 * Removes the unpacked layers of the store (layers/<chain-id>/) that nothing
 * needs: the chains of every image of the index (image/) and every lower dir
 * a container record names, running or not (container/), stay; layer/ itself
 * keeps the layers of mounted images and those a process holds. When an
 * image of the index cannot be read, nothing is removed (its layers are
 * unknown). ret may be NULL.
 */
int berth_system_layer_gc(struct berth_store *s, struct berth_layer_gc_result *ret,
			  struct berth_error **err);

/*
 * `image prune`: removes the untagged images (every image when all) that no
 * container record (running or not) uses, the blobs only they held, and the
 * unpacked layers nothing needs any more. *ret_lines (may be NULL) get
 * Docker's "untagged: x" / "deleted: sha256:..." lines, *ret_bytes the
 * bytes freed (blobs and unpacked layers).
 */
int berth_system_image_prune(struct berth_store *s, bool all, char ***ret_lines,
			     uint64_t *ret_bytes, struct berth_error **err);

/*
 * `rmi` and DELETE /images/{name}: berth_image_remove, refused (EBUSY,
 * Docker's conflict text) without force when what is the last name or the
 * ID of an image a container uses; then, when an image went, the layer gc.
 * *ret_lines (may be NULL) get Docker's "Untagged: x" / "Deleted: sha256:...".
 */
int berth_system_image_remove(struct berth_store *s, const char *what, bool force,
			      char ***ret_lines, struct berth_error **err);

struct berth_system_prune_result {
	char **containers;	/* IDs of the removed containers */
	char **networks;	/* names of the removed networks */
	char **volumes;		/* names of the removed volumes */
	char **images;		/* the lines of berth_system_image_prune */
	unsigned cache_entries; /* build cache entries removed */
	uint64_t bytes;		/* bytes freed, everything counted */
};
void berth_system_prune_result_release(struct berth_system_prune_result *r);

struct berth_system_prune_options {
	bool all;     /* every unused image and all build cache, not only dangling/unused */
	bool volumes; /* the anonymous volumes no container uses too */
};

/*
 * `system prune`, in Docker's order: every container that is not running
 * (their SizeRw counted in the bytes freed, as Docker's), the user networks
 * no container is on, with o->volumes the anonymous volumes no container
 * uses (as Docker 23+'s `system prune --volumes`), the images as
 * berth_system_image_prune (all: every image no container uses), the build
 * cache (all: every entry, otherwise those no tagged image uses) and the
 * unpacked layers nothing needs. What the caller wrote through s must be
 * referenced by then (s's blob writes are done: berth_store_writes_done).
 * *ret must be zeroed by the caller and
 * released with berth_system_prune_result_release, also on failure (what
 * was removed before the failure is in it).
 */
int berth_system_prune(struct berth_store *s, const struct berth_system_prune_options *o,
		       struct berth_system_prune_result *ret, struct berth_error **err);

/*
 * A layer gc that removes nothing (berth_layer_store_gc_dry_run) with the
 * roots berth_system_layer_gc would have after `image prune -a` kept only
 * the images whose ID is in keep_ids[0..n): their chains and every lower
 * dir a container record names.
 */
int berth_system_layer_gc_dry_run(struct berth_store *s, const struct berth_digest *keep_ids,
				  size_t n, struct berth_layer_gc_result *ret,
				  struct berth_error **err);

/* One row of `system df`, in bytes: Docker's TOTAL, ACTIVE, SIZE, RECLAIMABLE. */
struct berth_system_df_row {
	size_t total;
	size_t active;
	uint64_t size;
	uint64_t reclaimable;
};

/* `system df -v`: one image (every store name of it: one entry per name, as `images`). */
struct berth_system_df_image {
	char *name;		/* full store name, NULL for an untagged image */
	struct berth_digest id; /* Docker's image ID */
	char *created;		/* RFC 3339 */
	uint64_t size;		/* Docker's size: its layers' uncompressed tars */
	uint64_t shared_size;	/* of those, layers another image (other ID) has too */
	unsigned containers;	/* container records that use it */
};
struct berth_system_df_container {
	json_t *record;		/* as berth_container_list gives it (a reference) */
	uint64_t size;		/* SizeRw: content bytes of its upper dir */
	unsigned local_volumes; /* volumes it mounts */
};
struct berth_system_df_volume {
	char *name;
	unsigned links; /* container records that mount it */
	uint64_t size;
};

struct berth_system_df {
	struct berth_system_df_row images, containers, volumes, cache;
	/* filled with verbose only */
	struct berth_system_df_image *image_items;
	size_t n_images;
	struct berth_system_df_container *container_items;
	size_t n_containers;
	struct berth_system_df_volume *volume_items;
	size_t n_volumes;
};
void berth_system_df_release(struct berth_system_df *df);

struct berth_system_df_options {
	bool verbose; /* the per-item lists too */
};

/*
 * `system df`: what the images, containers, volumes and build cache hold on
 * disk and what their prunes would free, counted as the prunes count what
 * they freed, so that RECLAIMABLE is what `image prune -a`, `container
 * prune`, `volume prune -a` and `builder prune -a` then report. Images:
 * TOTAL the distinct image IDs, ACTIVE those a container record uses, SIZE
 * the blobs (compressed layers, configs, manifests; not those only the build
 * cache holds) and every unpacked layer (layers/), RECLAIMABLE the blobs and
 * unpacked layers no image a container uses needs. Containers: SIZE the
 * content bytes of the upper dirs (SizeRw), ACTIVE the running ones,
 * RECLAIMABLE the others'. Local Volumes: SIZE the disk bytes of their data,
 * ACTIVE those a container record mounts, RECLAIMABLE the others'. Build
 * Cache: TOTAL the entries, SIZE = RECLAIMABLE the blobs only the build
 * cache reaches and the RUN cache mounts. *ret is released with
 * berth_system_df_release (also on failure).
 */
int berth_system_df(struct berth_store *s, const struct berth_system_df_options *opts,
		    struct berth_system_df *ret, struct berth_error **err);
/*
 * ---- events.c: berth's event log (core/events.h) read back, as `berth events` ----
 */
/* Docker's --filter of events: values of one key match as "or", keys as "and". */
struct berth_events_filter {
	char **type, **event, **container, **image, **label, **network, **volume;
};
void berth_events_filter_release(struct berth_events_filter *f);
/* Adds "key=value"; -EINVAL for no '=' or a key not above. */
int berth_events_filter_add(struct berth_events_filter *f, const char *kv,
			    struct berth_error **err);
/* Whether msg (a message of berth_event_parse) passes f, by Docker's rules (daemon/events/filter.go). */
bool berth_events_filter_match(const struct berth_events_filter *f, const json_t *msg);

/*
 * One line of the log (len bytes, no newline needed) as Docker's message
 * (*ret, owned): status, id and from for containers (status and id for
 * images) as docker 20.10 still sends them, then Type, Action, Actor (ID,
 * Attributes: string values only), scope, time, timeNano. -EBADMSG when the
 * line is not an event.
 */
int berth_event_parse(const char *line, size_t len, json_t **ret, struct berth_error **err);

/*
 * What a --format template sees of msg (new reference): Docker's
 * events.Message struct by its Go field names, every field present (Status,
 * ID, From, Type, Action, Actor.ID, Actor.Attributes, Scope, Time,
 * TimeNano), so `{{.ID}}` and `{{.Status}}` read as in Docker.
 */
json_t *berth_event_template_data(const json_t *msg);

/*
 * Docker's default line of msg, newline included: the time (UTC, RFC 3339
 * with nanoseconds), type, action, actor ID, and "(k=v, …)" sorted by key.
 */
void berth_event_format_line(const json_t *msg, struct berth_buf *out);

/*
 * A --since/--until value as Docker reads it, in ns since the epoch: a Go
 * duration ("10m", "1h30m"; before now_ns), Unix seconds with optional
 * nanoseconds ("1765033445.5"), or RFC 3339 and its shorter forms
 * ("2026-12-06", "2026-12-06T15:04", with Z or an offset; UTC without one).
 */
int berth_events_parse_time(const char *s, long long now_ns, long long *ret,
			    struct berth_error **err);

typedef int (*berth_event_fn)(const json_t *msg, void *userdata);

struct berth_events_read_options {
	const struct berth_events_filter *filter; /* may be NULL */
	bool past; /* from the log's start (--since or --until given), else only new events */
	long long since_ns;		   /* events before it are skipped */
	long long until_ns;		   /* 0: none; reading ends at the first event after it */
	bool follow;			   /* wait for new events until until_ns passes or *stop */
	const volatile sig_atomic_t *stop; /* may be NULL */
};

/*
 * Calls fn for each event of root's log that passes o, oldest first
 * (events.log.1, then events.log; a rotation while following is followed).
 * Returns 0 when done (or stopped), what fn returned when it is negative,
 * -errno when the store cannot be read.
 */
int berth_system_events_read(const char *root, const struct berth_events_read_options *o,
			     berth_event_fn fn, void *userdata, struct berth_error **err);

/*
 * ---- info.c: what `berth version`/`info` print and the API's /version and /info answer ----
 */
#define BERTH_API_VERSION     "1.41"
#define BERTH_API_MIN_VERSION "1.24"
/* Go's GOARCH of a uname machine (Docker prints Go's names); static storage. */
const char *berth_system_go_arch(const char *machine);
/* Docker's /version object (Platform, Components, Version, ApiVersion, ...); new reference. */
json_t *berth_system_version(void);
/*
 * Docker's /info object of store s at root (Containers, Images, Driver,
 * KernelVersion, ..., DockerRootDir, Debug); *ret a new reference.
 */
int berth_system_info(struct berth_store *s, const char *root, bool debug, json_t **ret,
		      struct berth_error **err);
