/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Sizes and durations as users write them (flags, Compose files, API fields). */

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/error.h"

/* A parsed "512m", "1g", "1024" into bytes (Docker's RAMInBytes). */
int berth_parse_bytes(const char *s, int64_t *ret, struct berth_error **err);

/*
 * Go's time.ParseDuration: "30s", "1m30s", "1.5h", "500ms", "-2us", "0";
 * units ns, us (µs, μs), ms, s, m, h. EINVAL with Go's message
 * (time: invalid duration "x") on anything else, ERANGE past int64 ns.
 */
int berth_parse_duration(const char *s, int64_t *ret_ns, struct berth_error **err);

/* Go's Duration.String(): "1m30s", "1h0m0s", "1.5s", "500ms", "0s" (needs 32 bytes). */
char *berth_format_duration(int64_t ns, char *buf, size_t size);

/*
 * Now as RFC 3339 in UTC with nanoseconds, always nine digits
 * ("2026-01-02T03:04:05.000000000Z"), so two such times compare as
 * strings. Owned by the caller.
 */
char *berth_time_now_rfc3339nano(void);

/*
 * An RFC 3339 time as the store writes it ("2026-01-02T03:04:05.123Z",
 * "...+01:00"), to whole seconds since the epoch; false when s is NULL or
 * not one. *ret is written only on success.
 */
bool berth_time_parse_rfc3339(const char *s, time_t *ret);

/* go-units' HumanDuration of secs: "Less than a second", "5 minutes", "About an hour"... */
void berth_human_duration(char *out, size_t n, double secs);
