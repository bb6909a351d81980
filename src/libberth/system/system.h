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

struct berth_system_prune_result {
	char **containers;	/* IDs of the removed containers */
	char **images;		/* the lines of berth_system_image_prune */
	unsigned cache_entries; /* build cache entries removed */
	uint64_t bytes;		/* bytes freed, everything counted */
};
void berth_system_prune_result_release(struct berth_system_prune_result *r);

/*
 * `system prune`: every container that is not running (their upper dirs
 * counted in the bytes freed, as Docker's), then the images as
 * berth_system_image_prune (all: every image no container uses), the build
 * cache (all: every entry, otherwise those no tagged image uses) and the
 * unpacked layers nothing needs. What the caller wrote through s must be
 * referenced by then (s's blob writes are done: berth_store_writes_done).
 * *ret must be zeroed by the caller and
 * released with berth_system_prune_result_release, also on failure (what
 * was removed before the failure is in it).
 */
int berth_system_prune(struct berth_store *s, bool all, struct berth_system_prune_result *ret,
		       struct berth_error **err);

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
