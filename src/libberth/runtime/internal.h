/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Shared between the files of src/libberth/runtime (linux.c, exec.c); not a
 * public header. A process berth sets up in a container reports a failure
 * over a CLOEXEC pipe (EOF there means execve succeeded).
 */

#include <stddef.h>
#include <sys/types.h>

#include "runtime/runtime.h"

enum berth_runtime_report_kind {
	BERTH_REPORT_SETUP = 1,
	BERTH_REPORT_EXEC = 2,
	BERTH_REPORT_PID = 3, /* exec: the pid of the process made in the container */
};

struct berth_runtime_report {
	int kind;
	int code; /* errno, or the pid with BERTH_REPORT_PID */
	char msg[1024];
};

/* Child side: sends a report and exits (127/126 on exec, else 125); never returns. */
_Noreturn void berth_runtime_child_fail(int fd, int kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parent side: reads one report; returns sizeof(*rep) for a report, 0 at EOF, -1 on error. */
ssize_t berth_runtime_read_report(int fd, struct berth_runtime_report *rep);
/* The error a report carries (-errno); an exec failure's errno goes to ret_result too. */
int berth_runtime_report_error(const struct berth_runtime_report *rep,
			       struct berth_runtime_result *ret_result, struct berth_error **err);
/* always negative, stated where it is called (core/error.h says why) */
#define berth_runtime_report_error(...)                                                            \
	BERTH_ERROR_NEGATIVE(berth_runtime_report_error(__VA_ARGS__))

/* The spec's rlimits (only those it names; never raised on berth's own). */
int berth_runtime_set_rlimits(const struct berth_spec *spec, struct berth_error **err);
/* Bounding set, groups, uid/gid, capabilities, no_new_privs of the spec. */
int berth_runtime_drop_privileges(const struct berth_spec *spec, uid_t uid, gid_t gid,
				  const gid_t *groups, size_t n_groups, struct berth_error **err);
/* execvpe with the container's PATH; reports ENOENT/EACCES on report_fd. */
_Noreturn void berth_runtime_exec_process(int report_fd, char *const *args, char *const *env);
/* stdio[] (or the pty slave when tty_slave >= 0) onto fds 0, 1, 2; -errno. */
int berth_runtime_setup_stdio(const int stdio[3], int tty_slave);
/*
 * Foreground: forwards signals to p (and copies between stdio and its pty),
 * waits, releases p; ret_result->exit_code is its exit code.
 */
int berth_runtime_attach(const int stdio[3], struct berth_runtime_process *p,
			 struct berth_runtime_result *ret_result, struct berth_error **err);
