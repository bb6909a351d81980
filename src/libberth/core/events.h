/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * berth's event log: what `berth events` reads. berth has no daemon, so the
 * operations themselves append their events to <store root>/events.log, one
 * JSON object a line in Docker's event model (its Go field names and order):
 *
 *   {"Type":"container","Action":"start","Actor":{"ID":"…","Attributes":
 *    {"image":"…","name":"…"}},"scope":"local","time":1765033445,
 *    "timeNano":1765033445123456789}
 *
 * Each line is appended with one write() on an O_APPEND fd, so concurrent
 * writers (parallel commands, monitors) never interleave their lines. The log
 * is bounded: once it passes BERTH_EVENTS_MAX_BYTES it is renamed to
 * events.log.1 (replacing the older one), so the store keeps between 1 and 2
 * MiB of the newest events. A failure to log never fails the operation: the
 * emitters ignore what berth_event_emit returns.
 */

#include <stddef.h>

#include <jansson.h>

#define BERTH_EVENTS_LOG       "events.log"
#define BERTH_EVENTS_LOG_OLD   "events.log.1"
#define BERTH_EVENTS_MAX_BYTES (1024 * 1024)
/* A longer line (huge labels) is written without its attributes. */
#define BERTH_EVENTS_MAX_LINE (64 * 1024)

/*
 * Appends the event type/action of the object id to root's log. attrs: an
 * object of string values (borrowed, may be NULL; other values are left
 * out), written sorted by key as Go marshals a map. Returns 0 or -errno;
 * callers do not fail on it.
 */
int berth_event_emit_json(const char *root, const char *type, const char *action, const char *id,
			  const json_t *attrs);
/* The same into the log of the store root open at root_fd (an O_PATH fd will do). */
int berth_event_emit_json_at(int root_fd, const char *type, const char *action, const char *id,
			     const json_t *attrs);

/*
 * The same with the attributes as a NULL-terminated list of key, value
 * pairs; a pair whose value is NULL is left out:
 * berth_event_emit(root, "volume", "create", name, (const char *[]){"driver", "local", NULL}).
 */
int berth_event_emit(const char *root, const char *type, const char *action, const char *id,
		     const char *const *attrs);

/* The line berth_event_emit_json would append at time_nano, without the newline (owned). */
char *berth_event_line(const char *type, const char *action, const char *id, const json_t *attrs,
		       long long time_nano);
