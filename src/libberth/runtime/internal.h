/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Shared between the files of src/libberth/runtime (linux.c, child.c,
 * mount.c, exec.c); not a
 * public header. A process berth sets up in a container reports a failure
 * over a CLOEXEC pipe (EOF there means execve succeeded).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "runtime/runtime.h"

enum berth_runtime_report_kind {
	BERTH_REPORT_SETUP = 1,
	BERTH_REPORT_EXEC = 2,
	BERTH_REPORT_PID = 3,	/* exec: the pid of the process made in the container */
	BERTH_REPORT_READY = 4, /* exec_fifo: set up, waiting for `start` */
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
/* Loads what the container's process calls after it left the host's
 * filesystem (pivot_root, setns): libcap, and libseccomp when the spec has a
 * filter (core/lazylib.h). Called before that process is created; -ELIBACC
 * naming the library when it cannot be loaded. */
int berth_runtime_load_libraries(const struct berth_spec *spec, struct berth_error **err);
/* setresgid(gid…) then setresuid(uid…) of the calling thread only; -1 with errno. */
int berth_runtime_set_ids(uid_t uid, gid_t gid);
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

/* The child side of berth_runtime_start (child.c): what its clone is given. */
struct berth_runtime_child_args {
	const struct berth_runtime_config *cfg;
	int sync_fd;
	int report_fd;
	int tty_slave;
	const char *tty_name; /* the slave's path in the host's /dev/pts */
	const int *trees;     /* per mount: its source's detached clone, or -EBADF */
	int rootfs_fd;	      /* the detached rootfs from cfg->open_rootfs, or -EBADF */
	int *ns_fds;	      /* by berth_ns_index: the namespaces to join, or -EBADF */
	int exec_fifo_fd;     /* cfg->exec_fifo opened read-write, or -EBADF */
	int parent_pidfd;     /* the creator's pidfd when the process dies with it, or -EBADF */
	bool early;	      /* set up before the cgroup attach (berth_runtime_goes_early) */
};
/* Sets the container up in the clone and execs its process; never returns. */
_Noreturn void berth_runtime_child_main(const struct berth_runtime_child_args *a);

/*
 * The runtime-spec fields of spec-linux.c (uid/gid mappings, ...): parsed
 * from the linux object (after its namespaces), written into it, released.
 */
/* obj's key as an integer in 0..max; -ENOENT (err untouched) when absent. */
int berth_spec_get_uint(const json_t *obj, const char *key, int64_t max, int64_t *ret,
			struct berth_error **err);
int berth_spec_linux_ext_from_json(const json_t *linux_, struct berth_spec *spec,
				   struct berth_error **err);
int berth_spec_process_ext_from_json(const json_t *proc, struct berth_spec *spec,
				     struct berth_error **err);
/* The parent: process.oomScoreAdj for pid. The child, after pivot_root: linux.sysctl. */
int berth_runtime_write_oom_score_adj(const struct berth_spec *spec, pid_t pid,
				      struct berth_error **err);
int berth_runtime_write_sysctl(const struct berth_spec *spec, struct berth_error **err);
void berth_spec_linux_ext_to_json(const struct berth_spec *spec, json_t *linux_);

/*
 * spec-process.c: personality, ioPriority, scheduler and the security
 * labels, parsed from the process and linux objects (called by spec-linux.c),
 * released; set in the child (set_process_attrs); the labels checked in the
 * parent against the LSMs below sys_root ("/sys"): refused where the host has
 * AppArmor or SELinux, else one warning.
 */
int berth_spec_process_attrs_from_json(const json_t *proc, struct berth_spec *spec,
				       struct berth_error **err);
int berth_spec_linux_attrs_from_json(const json_t *linux_, struct berth_spec *spec,
				     struct berth_error **err);
void berth_spec_attrs_release(struct berth_spec *spec);
/* The same fields back into the process and linux objects (berth_spec_to_json). */
void berth_spec_attrs_to_json(const struct berth_spec *spec, json_t *proc, json_t *linux_);
int berth_runtime_set_process_attrs(const struct berth_spec *spec, struct berth_error **err);
int berth_runtime_check_labels(const struct berth_spec *spec, const char *sys_root,
			       struct berth_error **err);
void berth_spec_linux_ext_release(struct berth_spec *spec);

/* The spec's "hooks" (hooks.c): parsed from the top-level object, written into it, released. */
int berth_spec_hooks_from_json(const json_t *j, struct berth_spec *spec, struct berth_error **err);
void berth_spec_hooks_to_json(const struct berth_spec *spec, json_t *root);
void berth_spec_hooks_release(struct berth_spec *spec);
/* The runtime-spec state of cfg's container for its hooks (owned, NUL-terminated). */
char *berth_runtime_state_json(const struct berth_runtime_config *cfg, pid_t pid,
			       const char *status);

/*
 * In the parent, the child made: runs the prestart and createRuntime hooks,
 * then lets the child go on sync_fd ("g", then the state for its
 * createContainer and startContainer hooks when it has some). In the child:
 * reads that (NULL state without such hooks, or on error).
 */
int berth_runtime_let_go(const struct berth_runtime_config *cfg, pid_t pid, int sync_fd,
			 struct berth_error **err);
int berth_runtime_wait_go(const struct berth_spec *spec, int sync_fd, char **ret_state);
/*
 * Whether the child may set up its rootfs while the parent puts it in its
 * cgroups (the first attach after a quiet spell waits for a kernel grace
 * period, 5-15 ms, as long as the set-up itself on a busy machine): the
 * parent sends "e" before the attach and "g" after it; the child goes on at
 * "e" and waits for "g" before its cgroup namespace and its confinement.
 * Not when a user namespace's id maps must be written first, hooks run
 * between the two, or a "cgroup" mount must see the cgroup namespace.
 */
bool berth_runtime_goes_early(const struct berth_spec *spec);

/*
 * Namespaces (namespace.c). In the parent: the spec's namespace paths
 * opened into fds (-EBADF for the kinds not joined), each checked to be a
 * namespace of its kind; the clone flags of the new ones; around the clone,
 * the PID and time namespaces the child is to be in (they apply to children
 * only), saved[2] what _leave goes back to. In the child: the namespaces of
 * fds joined, the user one first (fds closed as they are joined), and the
 * new ones a joined user namespace must own unshared.
 */
int berth_runtime_open_namespaces(const struct berth_spec *spec, int fds[BERTH_NS_KINDS],
				  struct berth_error **err);
void berth_runtime_close_namespaces(int fds[BERTH_NS_KINDS]);
int berth_runtime_clone_flags(const struct berth_spec *spec, unsigned long *ret,
			      struct berth_error **err);
int berth_runtime_ns_for_child_enter(const struct berth_spec *spec, const int fds[BERTH_NS_KINDS],
				     int saved[2], struct berth_error **err);
void berth_runtime_ns_for_child_leave(int saved[2]);
/* Writes the spec's uid and gid maps for pid (in a new user namespace); 0 without one. */
int berth_runtime_write_idmaps(const struct berth_spec *spec, pid_t pid, struct berth_error **err);
int berth_runtime_join_namespaces(const struct berth_spec *spec, int fds[BERTH_NS_KINDS],
				  struct berth_error **err);

/*
 * Mounts (mount.c). In the caller's namespace: a detached clone of every
 * mount's source fd (ret[i] -EBADF for the mounts by path), freed with
 * close_trees. In the child: the spec's mounts and devices in the rootfs
 * (root_fd), tty_name the pty slave for /dev/console; after pivot_root the
 * masked and read-only paths.
 */
int berth_runtime_clone_source_trees(const struct berth_spec *spec, int **ret,
				     struct berth_error **err);
void berth_runtime_close_trees(int *trees, size_t n);
/* The spec's mount of type "cgroup" on the target `path` (a /proc/self/fd path) of dest (mount-cgroup.c). */
int berth_runtime_mount_cgroup(int root_fd, const char *dest, const char *path, unsigned long flags,
			       struct berth_error **err);
/* A propagation option's mount flags ("rshared": MS_SHARED | MS_REC); -EINVAL when it is none. */
int berth_runtime_propagation_flag(const char *name, unsigned long *ret);
/* The propagation option of those flags; NULL for 0 (none asked) or flags of none. */
const char *berth_runtime_propagation_name(unsigned long flag);

/*
 * A mount's options read (mount-options.c): MS_* flags asked on and asked
 * off, propagation, the recursive attributes (MOUNT_ATTR_* to set and
 * clear with AT_RECURSIVE), the copy-ups and the filesystem's data. Start
 * from BERTH_MOUNT_OPTS_INIT; an unknown word is an error naming it.
 */
struct berth_mount_opts {
	unsigned long flags, cleared, prop;
	uint64_t rec_set, rec_clr;
	bool copyup, tmpcopyup;
	struct berth_buf data;
};
#define BERTH_MOUNT_OPTS_INIT                                                                      \
	{                                                                                          \
		.data = BERTH_BUF_INIT                                                             \
	}
int berth_runtime_mount_opts_parse(char *const *options, struct berth_mount_opts *o,
				   struct berth_error **err);
void berth_runtime_mount_opts_release(struct berth_mount_opts *o);
/* Every option word the tables know, for `features`. */
char **berth_runtime_mount_option_names(void);
int berth_runtime_setup_mounts(int root_fd, const struct berth_spec *spec, const int *trees,
			       const char *tty_name, struct berth_error **err);
void berth_runtime_mask_paths(char *const *masked, char *const *readonly);

/*
 * Cgroup files (cgroup.c, cgroup-res.c): value to dir/file; the resources
 * record's fields to one v1 controller's directory or to a v2 directory
 * (memory_limit: the spec's, which v2's swap.max is counted from).
 */
int berth_cgroup_write_file(const char *dir, const char *file, const char *value,
			    struct berth_error **err);
int berth_cgroup_resources_write_v1(const char *ctrl, const char *dir,
				    const struct berth_cgroup_resources *r,
				    struct berth_error **err);
int berth_cgroup_resources_write_v2(const char *dir, const struct berth_cgroup_resources *r,
				    int64_t memory_limit, struct berth_error **err);
/* Whether r needs the v1 controller ctrl (cpuset, hugetlb, net_cls, net_prio) made. */
bool berth_cgroup_resources_need(const struct berth_cgroup_resources *r, const char *ctrl);
/* A warning for each field of r that needs ctrl, which the host does not have. */
void berth_cgroup_resources_warn_missing(const struct berth_cgroup_resources *r, const char *ctrl);
/*
 * A v1 cpuset's cpus and mems: those given, or its parent's for NULL (an
 * empty cpuset takes no task).
 */
int berth_cgroup_cpuset_inherit(const char *dir, const char *cpus, const char *mems,
				struct berth_error **err);
