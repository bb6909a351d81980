/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The values of instruction flags (RUN --mount=…, COPY --chmod=…), parsed
 * into typed options. Everything here is Dockerfile text after expansion:
 * hostile, so every number is range-checked and every key known. Shared by
 * the builder and tests/fuzz/fuzz-build-flags.c.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"

/* One --mount of RUN, parsed from "type=cache,target=/x,id=y,..." */
struct build_run_mount {
	char *type; /* "bind", "cache", "tmpfs" or "secret" */
	char *target, *source, *from, *id, *sharing;
	bool readonly, rw_set, required;
	/* mode=, uid=, gid= (BuildKit applies them to secrets and cache dirs) */
	bool has_mode, has_uid, has_gid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/*
 * Parses spec into *ret (zeroed first, build_run_mount_release'd by the
 * caller even on failure). A secret without target gets /run/secrets/<id>.
 * -EINVAL on an unknown key, a bad number, a relative or missing target.
 */
int build_run_mount_parse(const char *spec, struct build_run_mount *ret, struct berth_error **err);
void build_run_mount_release(struct build_run_mount *m);

/* COPY/ADD --chmod: octal permission bits (at most 07777); -EINVAL otherwise. */
int build_parse_chmod(const char *s, mode_t *ret, struct berth_error **err);
