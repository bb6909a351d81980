/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The Docker run-spec grammar: the syntax of run's -v, --mount, --tmpfs,
 * --ulimit, --device, --restart, --security-opt and --stop-signal, parsed
 * into typed requests. The CLI parses its flags here (and compose can read
 * the same short syntax here); container/ receives the typed values only.
 * Parsing touches no file: what a path names is checked where it is used.
 * Every input is hostile: errors are one line naming the flag's text.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum berth_mount_type {
	BERTH_MOUNT_BIND,
	BERTH_MOUNT_VOLUME,
	BERTH_MOUNT_TMPFS,
};

/* One mount of a container: -v, --mount or --tmpfs. */
struct berth_mount_req {
	enum berth_mount_type type;
	char *source; /* bind: an absolute host path; volume: its name, NULL anonymous */
	char *target; /* absolute, not "/" */
	bool read_only;
	bool nocopy;	    /* volume: not filled from the image */
	bool create_source; /* bind: a missing host directory is created (-v, as Docker's) */
	char *tmpfs_opts;   /* tmpfs: mount options ("size=..,mode=.."), NULL none */
};

void berth_mount_req_release(struct berth_mount_req *m);
/* Releases n requests and the array. */
void berth_mount_reqs_free(struct berth_mount_req *m, size_t n);

/* -v SRC:DST[:OPTS] | -v DST */
int berth_runspec_parse_volume(const char *spec, struct berth_mount_req *ret,
			       struct berth_error **err);
/* --mount type=bind|volume|tmpfs,source=..,target=..,readonly,... */
int berth_runspec_parse_mount(const char *spec, struct berth_mount_req *ret,
			      struct berth_error **err);
/* --tmpfs PATH[:OPTS] (OPTS default noexec) */
int berth_runspec_parse_tmpfs(const char *spec, struct berth_mount_req *ret,
			      struct berth_error **err);

/* --ulimit NAME=SOFT[:HARD]; -1 (unlimited) is UINT64_MAX. */
struct berth_ulimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};
int berth_runspec_parse_ulimit(const char *spec, struct berth_ulimit *ret,
			       struct berth_error **err);
/* The RLIMIT_* of a --ulimit name ("nofile"), or -1 for an unknown name. */
int berth_runspec_ulimit_resource(const char *name);
/* "RLIMIT_NOFILE" for RLIMIT_NOFILE, as OCI names them; NULL for one --ulimit cannot name. */
const char *berth_runspec_rlimit_name(int resource);

/* --device HOST[:CONTAINER][:PERMS]: both paths absolute, PERMS of rwm. */
struct berth_device_req {
	char *host;
	char *container; /* HOST when not given */
	char perms[4];	 /* "rwm" when not given */
};
int berth_runspec_parse_device(const char *spec, struct berth_device_req *ret,
			       struct berth_error **err);
void berth_device_req_release(struct berth_device_req *d);
void berth_device_reqs_free(struct berth_device_req *d, size_t n);

/* --restart no | on-failure[:N] | always | unless-stopped */
enum berth_restart_policy {
	BERTH_RESTART_NO,
	BERTH_RESTART_ON_FAILURE,
	BERTH_RESTART_ALWAYS,
	BERTH_RESTART_UNLESS_STOPPED,
};
/* *ret_max: on-failure's N, 0 for no limit. */
int berth_runspec_parse_restart(const char *spec, enum berth_restart_policy *ret, int *ret_max,
				struct berth_error **err);
/* The policy as run's flag and the record write it ("on-failure:3"; owned). */
char *berth_runspec_restart_format(enum berth_restart_policy p, int max);

/* What the --security-opt flags of a run asked for, in order (the last wins). */
struct berth_security_opts {
	int no_new_privileges;	     /* -1 not given (Docker's default: off), 0, 1 */
	bool seccomp_unconfined;     /* seccomp=unconfined */
	const char *seccomp_profile; /* seccomp=PATH (points into the flag), NULL: the default */
};
#define BERTH_SECURITY_OPTS_INIT                                                                   \
	{                                                                                          \
		.no_new_privileges = -1                                                            \
	}
/* One --security-opt: no-new-privileges[=BOOL|:BOOL] or seccomp=unconfined|PATH. */
int berth_runspec_parse_security_opt(const char *opt, struct berth_security_opts *opts,
				     struct berth_error **err);

/* A signal: a name with or without SIG (any case) or a number, as Docker's; -EINVAL otherwise. */
int berth_runspec_parse_signal(const char *s);
