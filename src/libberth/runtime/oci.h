/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The OCI runtime lifecycle (runtime-spec "Lifecycle" and runc 1.1's
 * state directory), under `berth oci` / `berth-runc`. A container is the
 * directory ROOT/ID holding state.json (the record below) and, between
 * create and start, exec.fifo: the container's process, fully set up by
 * berth_runtime_start with cfg.exec_fifo, blocks reading it until `start`
 * writes a byte (runtime.h). The status is never stored: it is read from
 * the process (its start time in /proc/PID/stat tells a reused pid), the
 * fifo and the freezer each time.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/error.h"
#include "runtime/runtime.h"

enum berth_oci_status {
	BERTH_OCI_CREATING, /* create has not finished (or died half way) */
	BERTH_OCI_CREATED,
	BERTH_OCI_RUNNING,
	BERTH_OCI_PAUSED,
	BERTH_OCI_STOPPED,
};
const char *berth_oci_status_name(enum berth_oci_status s);

struct berth_oci_state {
	char *id;
	pid_t pid;	     /* 0 while creating */
	uint64_t start_time; /* field 22 of /proc/PID/stat when it was created */
	char *bundle;	     /* absolute */
	char *rootfs;	     /* absolute */
	char *created;	     /* RFC 3339, UTC */
	uid_t owner;
	struct berth_cgroup cgroup;
	json_t *annotations; /* an object, owned */
	/*
	 * The bundle's poststart/poststop hooks at create, bit (1 << point):
	 * start and delete read config.json again only for those it has.
	 * post_hooks_known false (a record without them): read it anyway.
	 */
	bool post_hooks_known;
	unsigned post_hooks;
	enum berth_oci_status status; /* computed by berth_oci_load */
};
void berth_oci_state_release(struct berth_oci_state *st);

/* 1..64 of [A-Za-z0-9_.-], not starting with '.': a name for a directory and a cgroup. */
int berth_oci_check_id(const char *id, struct berth_error **err);

/*
 * The record (state.json) and back. berth_oci_state_from_json reads a file
 * anyone with write access to ROOT could have written: every field is
 * checked (a fuzz target runs it).
 */
json_t *berth_oci_state_to_record(const struct berth_oci_state *st);
int berth_oci_state_from_record(const json_t *j, struct berth_oci_state *ret,
				struct berth_error **err);
/* The runtime-spec state (`state`, hooks' stdin) with runc's extra fields. */
json_t *berth_oci_state_to_json(const struct berth_oci_state *st);

/* Loads ROOT/ID/state.json and computes the status; ENOENT when there is no such container. */
int berth_oci_load(const char *root, const char *id, struct berth_oci_state *ret,
		   struct berth_error **err);
/* The ids of ROOT's containers, sorted (*ret owned strv, NULL when none). */
int berth_oci_list(const char *root, char ***ret, struct berth_error **err);

struct berth_oci_create_options {
	const char *root; /* the state root, made 0700 when missing */
	const char *id;
	const char *bundle;	    /* holds config.json */
	const char *pid_file;	    /* NULL: none */
	const char *console_socket; /* the pty master goes there (process.terminal) */
	int stdio[3];		    /* without a terminal: the container's stdio */
	unsigned preserve_fds;	    /* the caller's fds 3..3+N-1 go to the process too */
};
/*
 * Creates the container up to the exec fifo and records it. With
 * ret_process (run in the foreground), the process is handed over (the
 * caller is its parent: berth_runtime_wait it); without, it is left running
 * and the caller may exit. With a terminal and no console socket, only
 * ret_process may take the pty master.
 */
int berth_oci_create(const struct berth_oci_create_options *o,
		     struct berth_runtime_process *ret_process, struct berth_error **err);
/*
 * `run` in the foreground: create (the process our child), start, forward
 * signals (and the pty without a console socket), wait, delete.
 * ret_result->exit_code is the container's.
 */
int berth_oci_run(const struct berth_oci_create_options *o, struct berth_runtime_result *ret_result,
		  struct berth_error **err);
/* Lets a created container exec its process. */
int berth_oci_start(const char *root, const char *id, struct berth_error **err);
/* Sends sig to the process (all: to every process of its cgroup). */
int berth_oci_kill(const char *root, const char *id, int sig, bool all, struct berth_error **err);
/* Removes a stopped container (force: kills a live one first). */
int berth_oci_delete(const char *root, const char *id, bool force, struct berth_error **err);
/* Freezes (pause) or thaws (resume) a running/paused container. */
int berth_oci_pause(const char *root, const char *id, bool pause, struct berth_error **err);

/* The runtime-spec features document of `features` (new reference). */
json_t *berth_oci_features(void);

/*
 * `update --resources`: a linux.resources object (memory.limit, cpu.quota,
 * cpu.period, pids.limit and the rest into limits->resources) into limits,
 * whose fields the caller initialised to "not set" (berth_spec_init).
 */
int berth_oci_resources_from_json(const json_t *j, struct berth_spec *limits,
				  struct berth_error **err);
/* Writes the limits that are set (>= 0) to a live container's cgroup. */
int berth_oci_update(const char *root, const char *id, const struct berth_spec *limits,
		     struct berth_error **err);

struct berth_oci_exec_options {
	const char *root, *id;
	json_t *process;  /* --process: the whole process object (borrowed), or NULL */
	char **args;	  /* without process: the command */
	char **env;	  /* -e K=V, added */
	const char *user; /* -u uid[:gid] or a name */
	const char *cwd;  /* --cwd */
	char **caps;	  /* --cap, added to the bounding, effective and permitted sets */
	bool tty, detach;
	const char *pid_file, *console_socket;
	int stdio[3];
	unsigned preserve_fds; /* the caller's fds 3..3+N-1 go to the process too */
};
/*
 * Runs a process in a running container: in the foreground (the exit code
 * in ret_result), or detached (returns once it runs, left to the caller's
 * subreaper).
 */
int berth_oci_exec(const struct berth_oci_exec_options *o, struct berth_runtime_result *ret_result,
		   struct berth_error **err);
/* Sends a pty master to the console socket at path (SCM_RIGHTS), as runc does. */
int berth_oci_send_console(const char *path, int master, struct berth_error **err);
