/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The runtime executes an OCI runtime spec (config.json, runtime-spec 1.x)
 * on a prepared rootfs (a detached mount or a path; it never mounts layers
 * itself). It knows no image, Dockerfile or registry: `run`, the
 * builder's RUN steps and the OCI runtime verbs all come through here.
 *
 *   struct berth_spec      the subset of the runtime spec berth reads and
 *                          writes (berth_spec_from_json / berth_spec_to_json)
 *   berth_runtime_start()  namespaces, cgroup, mounts, pivot_root, user,
 *                          capabilities, no_new_privs, seccomp, exec
 *   berth_runtime_wait()   the exit status, Docker's way (128+N on a signal)
 *   berth_runtime_run()    start + forward signals (+ pty proxy) + wait + cleanup
 */

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/error.h"

struct berth_spec_mount {
	char *destination; /* absolute path inside the container */
	char *type;	   /* "bind", "tmpfs", "proc", ... */
	char *source;	   /* host path for bind mounts (a name for messages with source_fd) */
	char **options;	   /* "ro", "nosuid", "rbind", "mode=1777", ... */
	/*
	 * A bind source opened by the caller (O_PATH, owned, -EBADF when the
	 * source is the path): the runtime clones the mount tree from this fd
	 * and never looks source up by name, so what the caller checked is what
	 * gets mounted. Such a mount only ever gains restrictions (ro, nosuid,
	 * nodev, noexec): "rw" never makes a read-only source writable. Not
	 * part of the JSON form.
	 */
	int source_fd;
};

struct berth_spec_rlimit {
	char *type; /* "RLIMIT_NOFILE" */
	uint64_t soft, hard;
};

/* linux.devices: a node the runtime creates in the container (--device). */
struct berth_spec_device {
	char *path; /* absolute path inside the container */
	char type;  /* 'c' or 'b' */
	int64_t major, minor;
	uint32_t file_mode; /* permission bits */
	uint32_t uid, gid;
};

/*
 * linux.resources.devices: the devices cgroup rules, applied in order (v1
 * devices.allow / devices.deny). None: the devices cgroup is not touched.
 */
struct berth_spec_device_rule {
	bool allow;
	char type;	      /* 'a' (all), 'c' or 'b' */
	int64_t major, minor; /* -1: any */
	char access[4];	      /* of "rwm" */
};

/* linux.uidMappings / gidMappings: size ids from container_id map to host_id on. */
struct berth_spec_idmap {
	uint32_t container_id, host_id, size;
};

/* The points a spec's hooks run at (runtime-spec "hooks"). */
enum berth_hook_point {
	BERTH_HOOK_PRESTART,	     /* runtime namespace, after the namespaces are made */
	BERTH_HOOK_CREATE_RUNTIME,   /* same point as prestart */
	BERTH_HOOK_CREATE_CONTAINER, /* container namespaces, before pivot_root */
	BERTH_HOOK_START_CONTAINER,  /* in the container, before its process execs */
	BERTH_HOOK_POSTSTART,	     /* runtime namespace, after start (the caller's) */
	BERTH_HOOK_POSTSTOP,	     /* runtime namespace, after delete (the caller's) */
	BERTH_HOOK_POINTS,
};

struct berth_spec_hook {
	char *path;	 /* absolute */
	char **args;	 /* argv, NULL: just the path */
	char **env;	 /* NULL: empty */
	int64_t timeout; /* seconds, 0: none */
};

/*
 * linux.resources beyond memory.limit, cpu.quota/period and pids.limit
 * (cgroup-res.c): each written where the host's cgroups have it (v1 or v2
 * file names), a warning naming the field where they do not.
 */
struct berth_cgroup_throttle {
	int64_t major, minor;
	uint64_t rate; /* bytes or operations per second */
};
struct berth_cgroup_weight_device {
	int64_t major, minor;
	uint16_t weight; /* 10..1000 */
};
struct berth_cgroup_hugepage {
	char *pagesize; /* "2MB" */
	uint64_t limit; /* bytes */
};
struct berth_cgroup_net_prio {
	char *name; /* interface */
	uint32_t priority;
};
/* blockIO.throttle{Read,Write}{Bps,IOPS}Device, in that order */
#define BERTH_THROTTLE_KINDS 4
struct berth_cgroup_resources {
	int64_t memory_reservation; /* bytes, -1 not set (v1 soft limit, v2 memory.low) */
	bool has_memory_swap;
	int64_t memory_swap;	/* memory + swap bytes (runtime-spec), -1 unlimited */
	int disable_oom_killer; /* -1 not set, 0, 1 */
	uint64_t cpu_shares;	/* 0 not set (v2: converted to cpu.weight) */
	bool has_rt_runtime;
	int64_t cpu_rt_runtime;		 /* microseconds, -1 unlimited */
	uint64_t cpu_rt_period;		 /* microseconds, 0 not set */
	char *cpuset_cpus, *cpuset_mems; /* "0-3,5", NULL not set */
	uint16_t blkio_weight;		 /* 10..1000, 0 not set */
	struct berth_cgroup_weight_device *weight_devices;
	size_t n_weight_devices;
	struct berth_cgroup_throttle *throttle[BERTH_THROTTLE_KINDS];
	size_t n_throttle[BERTH_THROTTLE_KINDS];
	struct berth_cgroup_hugepage *hugepages;
	size_t n_hugepages;
	bool has_class_id;
	uint32_t class_id; /* v1 net_cls */
	struct berth_cgroup_net_prio *prios;
	size_t n_prios;
};
/* A resources record with every field "not set". */
struct berth_cgroup_resources *berth_cgroup_resources_new(void);
void berth_cgroup_resources_free(struct berth_cgroup_resources *r);
/*
 * The fields of a linux.resources object into *ret (allocated when NULL;
 * a field given again replaces the old value). kernel memory is a warning.
 */
int berth_cgroup_resources_from_json(const json_t *res, struct berth_cgroup_resources **ret,
				     struct berth_error **err);
/* The set fields of r into the linux.resources object res (its memory, cpu, ... objects added to). */
void berth_cgroup_resources_to_json(const struct berth_cgroup_resources *r, json_t *res);
/* runc's conversion of cpu.shares (2..262144) to a v2 cpu.weight (1..10000). */
uint64_t berth_cgroup_shares_to_weight(uint64_t shares);

/* The Linux namespaces of a spec, as flags. */
enum {
	BERTH_NS_MOUNT = 1 << 0,
	BERTH_NS_PID = 1 << 1,
	BERTH_NS_UTS = 1 << 2,
	BERTH_NS_IPC = 1 << 3,
	BERTH_NS_CGROUP = 1 << 4,
	BERTH_NS_NETWORK = 1 << 5,
	BERTH_NS_USER = 1 << 6,
	BERTH_NS_TIME = 1 << 7,
};
/* How many kinds there are: the size of berth_spec's ns_paths. */
#define BERTH_NS_KINDS 8

/* The index in ns_paths of one BERTH_NS_* flag. */
static inline unsigned berth_ns_index(unsigned flag)
{
	return (unsigned)__builtin_ctz(flag);
}

/* process.scheduler, as sched_setattr(2) takes it (SCHED_*, SCHED_FLAG_*). */
struct berth_spec_scheduler {
	uint32_t policy;
	int32_t nice;
	uint32_t priority;
	uint64_t flags;
	uint64_t runtime, deadline, period; /* nanoseconds, SCHED_DEADLINE */
};

struct berth_spec {
	/* process */
	bool terminal;
	char **args;
	char **env;
	char *cwd;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	/*
	 * process.user.username: when set, the runtime resolves it (name, uid,
	 * uid:gid, name:group) against the rootfs's /etc/passwd and /etc/group
	 * and overrides uid/gid/additional_gids, and sets HOME when env lacks it.
	 */
	char *username;
	/*
	 * process.capabilities: capabilities is the bounding set ("CAP_CHOWN",
	 * ...) and, unless cap_sets_given, the effective, permitted and
	 * inheritable sets too (what `berth run` means). With cap_sets_given
	 * (a config.json's capabilities object), each set is its own list,
	 * NULL empty. Whoever sets capabilities alone clears cap_sets_given.
	 */
	char **capabilities;
	bool cap_sets_given;
	char **cap_effective, **cap_permitted, **cap_inheritable, **cap_ambient;
	bool no_new_privileges;
	struct berth_spec_rlimit *rlimits;
	size_t n_rlimits;
	/* root */
	char *root_path;
	bool root_readonly;
	char *hostname;
	char *domainname; /* the UTS domain name, NULL: none */
	struct berth_spec_mount *mounts;
	size_t n_mounts;
	/* linux */
	unsigned namespaces; /* BERTH_NS_* */
	/*
	 * linux.namespaces[].path, by berth_ns_index(BERTH_NS_*): with that
	 * kind in namespaces, the process joins this namespace (a bind-mounted
	 * namespace file, or /proc/PID/ns/KIND) instead of getting a new one.
	 * NULL: a new one. Set with berth_spec_set_ns_path.
	 */
	char *ns_paths[BERTH_NS_KINDS];
	/*
	 * With a new user namespace (BERTH_NS_USER without a path; both are then
	 * required): the maps the runtime writes for the child before it goes on.
	 */
	struct berth_spec_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	/*
	 * linux.sysctl as "key=value" (key dotted: net.ipv4.ip_forward), written
	 * under /proc/sys in the container; only namespaced keys are taken.
	 */
	char **sysctl;
	/* process.oomScoreAdj, written by the parent when has_oom_score_adj */
	bool has_oom_score_adj;
	int oom_score_adj;
	/* hooks, by berth_hook_point, each in order */
	struct berth_spec_hook *hooks[BERTH_HOOK_POINTS];
	size_t n_hooks[BERTH_HOOK_POINTS];
	int64_t memory_limit;			  /* bytes, -1 none */
	int64_t cpu_quota;			  /* microseconds per period, -1 none */
	uint64_t cpu_period;			  /* microseconds */
	int64_t pids_limit;			  /* -1 none */
	struct berth_cgroup_resources *resources; /* the rest of linux.resources, NULL: none */
	/*
	 * linux.cgroupsPath: absolute ("/default/ID": from each hierarchy's
	 * root) or relative (below where berth puts its cgroups: the caller's
	 * own v1 cgroup, v2's /berth); NULL: "berth-<id>" (v1), "/berth/<id>"
	 * (v2). Checked: no "." or ".." component, not systemd's "a:b:c".
	 */
	char *cgroups_path;
	char **masked_paths;
	char **readonly_paths;
	json_t *seccomp; /* linux.seccomp object, owned; NULL is unconfined */
	struct berth_spec_device *devices;
	size_t n_devices;
	struct berth_spec_device_rule *device_rules;
	size_t n_device_rules;
	/*
	 * Set by the child before it drops privileges (spec-process.c), each
	 * when its has_ flag is: linux.personality (PER_LINUX, PER_LINUX32),
	 * process.ioPriority (IOPRIO_PRIO_VALUE), process.scheduler.
	 */
	bool has_personality, has_io_priority, has_scheduler;
	unsigned long personality;
	int io_priority;
	struct berth_spec_scheduler scheduler;
	/*
	 * process.apparmorProfile, selinuxLabel, linux.mountLabel (NULL: none):
	 * never applied; berth_runtime_start refuses them on a host with
	 * AppArmor or SELinux and warns once that they are ignored elsewhere.
	 */
	char *apparmor_profile, *selinux_label, *mount_label;
	/*
	 * linux.rootfsPropagation as mount flags (MS_SHARED, MS_SLAVE | MS_REC,
	 * ...), set on the container's / after pivot_root; 0: left private.
	 */
	unsigned long rootfs_propagation;
};

/* Zeroes spec and sets the "none" values (-1 limits). */
void berth_spec_init(struct berth_spec *spec);
void berth_spec_release(struct berth_spec *spec);

/*
 * The namespace path of kind flag (one BERTH_NS_*), NULL for a new one;
 * set_ns_path copies path (NULL: a new one) and adds flag to namespaces.
 */
const char *berth_spec_ns_path(const struct berth_spec *spec, unsigned flag);
void berth_spec_set_ns_path(struct berth_spec *spec, unsigned flag, const char *path);
/* The runtime-spec name of kind flag ("network"), the clone flag (CLONE_NEWNET). */
const char *berth_ns_name(unsigned flag);
unsigned long berth_ns_clone_flag(unsigned flag);

/* Appends a mount; all strings are copied, options is NULL-terminated (may be NULL). */
void berth_spec_add_mount(struct berth_spec *spec, const char *destination, const char *type,
			  const char *source, const char *const *options);

/*
 * Appends a bind mount of source_fd (taken over, closed by
 * berth_spec_release); name is the source as messages show it.
 */
void berth_spec_add_mount_fd(struct berth_spec *spec, const char *destination, int source_fd,
			     const char *name, const char *const *options);

/* Appends a device node (path copied) and a device cgroup rule. */
void berth_spec_add_device(struct berth_spec *spec, const char *path, char type, int64_t major,
			   int64_t minor, uint32_t file_mode, uint32_t uid, uint32_t gid);
void berth_spec_add_device_rule(struct berth_spec *spec, bool allow, char type, int64_t major,
				int64_t minor, const char *access);
/* Replaces the device rules by Docker's default list (deny all, then allow the standard nodes). */
void berth_spec_set_default_device_rules(struct berth_spec *spec);
/*
 * Appends the allow rules of the standard nodes (null, zero, full, tty,
 * random, urandom, pts, ptmx...), as runc does after a config.json's own
 * rules: the runtime creates those nodes in every container.
 */
void berth_spec_allow_default_devices(struct berth_spec *spec);
/* Replaces the device rules by one that allows every device (--privileged). */
void berth_spec_allow_all_devices(struct berth_spec *spec);

/*
 * Fills spec with Docker's defaults: the namespaces (mount, pid, uts, ipc,
 * cgroup), /proc, /dev (tmpfs), /dev/pts, /dev/shm, /dev/mqueue, /sys
 * read-only, Docker's default capability set, no_new_privs, its masked and
 * read-only paths, the default seccomp profile and its device cgroup rules. args, env, root_path are
 * left to the caller.
 */
void berth_spec_set_defaults(struct berth_spec *spec);

/* The spec as a runtime-spec config.json object (new reference). */
json_t *berth_spec_to_json(const struct berth_spec *spec);
/* Parses a config.json object into spec (which must be berth_spec_init'ed). */
int berth_spec_from_json(const json_t *j, struct berth_spec *spec, struct berth_error **err);

/*
 * Hooks (hooks.c): runs the hooks of point in order, each with state_json
 * (the runtime-spec state) on its stdin, stdout to /dev/null, and its
 * timeout (SIGKILL once it is over). The first that cannot be run, exits
 * non-zero or times out fails the call, its stderr's first line in the
 * message. The runtime runs prestart, createRuntime, createContainer and
 * startContainer itself (berth_runtime_start); poststart and poststop are the
 * caller's, which per the spec turns their failure into a warning.
 */
int berth_hooks_run(const struct berth_spec *spec, enum berth_hook_point point,
		    const char *state_json, struct berth_error **err);
/* The runtime-spec name of point ("createRuntime"). */
const char *berth_hook_point_name(enum berth_hook_point point);

/*
 * Seccomp (seccomp.c). The default profile blocks what Docker's default
 * profile blocks (it is written as a deny list over an allow default).
 * berth_seccomp_load_profile reads a Docker/OCI JSON profile file.
 */
json_t *berth_seccomp_default_profile(void);
int berth_seccomp_load_profile(const char *path, json_t **ret, struct berth_error **err);
/*
 * What of a linux.seccomp object is refused before anything runs:
 * SCMP_ACT_NOTIFY (as the default or a rule's action) and listenerPath,
 * which need a seccomp agent berth does not have.
 */
int berth_seccomp_check(const json_t *profile, struct berth_error **err);
/* linux.seccomp of `features` (runtime-spec features.md): what the tables above accept. */
json_t *berth_seccomp_features(void);
/*
 * Compiles an OCI linux.seccomp object (rules with args, errnoRet,
 * defaultErrnoRet, architectures, flags TSYNC, LOG and SPEC_ALLOW) and loads it
 * into the calling thread.
 */
int berth_seccomp_apply(const json_t *profile, struct berth_error **err);

/*
 * Every capability the host lets berth's processes hold, as "CAP_X" (owned
 * strv): those of the kernel (and libcap) that the calling process's
 * bounding set still has. This is what "all" means for --privileged and
 * --cap-add ALL (Docker, podman): a capability outside the bounding set can
 * never be raised, asking for it fails with EPERM.
 */
char **berth_runtime_bounding_capabilities(void);

/* Users (user.c): resolves USER against root_fd's /etc/passwd and /etc/group. */
struct berth_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, owned */
	size_t n_groups;
	char *home; /* owned, "/" when unknown */
};
int berth_user_resolve(int root_fd, const char *spec, struct berth_user *ret,
		       struct berth_error **err);
void berth_user_release(struct berth_user *u);

/* Cgroups (cgroup.c). */
enum berth_cgroup_layout {
	BERTH_CGROUP_V1,
	BERTH_CGROUP_HYBRID, /* v1 controllers beside an empty v2 hierarchy */
	BERTH_CGROUP_V2,
};
/* Detects the layout of the host's /sys/fs/cgroup. */
int berth_cgroup_detect(enum berth_cgroup_layout *ret, struct berth_error **err);
const char *berth_cgroup_layout_name(enum berth_cgroup_layout l);

struct berth_cgroup {
	enum berth_cgroup_layout layout;
	char **dirs; /* the created directories, one per hierarchy */
	/*
	 * Those of dirs that existed before (a linux.cgroupsPath an engine
	 * made): berth_cgroup_destroy leaves them and what runs in them alone.
	 */
	char **kept;
};
/*
 * Creates the cgroup "berth-<name>" (below the caller's own cgroup on v1,
 * below /berth on v2, where a parent with processes cannot delegate) and
 * writes the spec's limits. ret is berth_cgroup_destroy'ed by the caller.
 */
int berth_cgroup_create(const char *name, const struct berth_spec *spec, struct berth_cgroup *ret,
			struct berth_error **err);
/*
 * The directories of cgroup "berth-<name>" that exist now, where
 * berth_cgroup_create makes them: for a process killed between creating
 * them and recording them.
 */
int berth_cgroup_find(const char *name, struct berth_cgroup *ret, struct berth_error **err);
int berth_cgroup_add_pid(const struct berth_cgroup *cg, pid_t pid, struct berth_error **err);
/*
 * The cgroup.procs of the caller's own cgroup in one hierarchy (v2's, or
 * the first v1 one berth uses; owned), NULL when there is none.
 */
char *berth_cgroup_own_procs_file(void);
/*
 * berth_cgroup_add_pid's first migration after a quiet spell waits for a
 * kernel grace period: begin (once the container's cgroups are made) starts
 * that wait on a thread while the caller prepares the rest, end (which
 * berth_runtime_start calls once the process is in) stops it; cgroup-warm.c
 * says how. Best effort, for any number of callers and threads; end acts
 * only in the process that began it.
 */
void berth_cgroup_warm_begin(void);
void berth_cgroup_warm_end(void);
/* Kills what is left in the cgroup and removes its directories. NULL-safe contents. */
int berth_cgroup_destroy(struct berth_cgroup *cg, struct berth_error **err);
/* Frees what cg holds and leaves its directories to whoever took them over. */
void berth_cgroup_forget(struct berth_cgroup *cg);

/*
 * A live container's cgroup (cg's dirs as the record lists them): the spec's
 * limits that are set (>= 0) written again (`update`); freezing (v1 freezer,
 * v2 cgroup.freeze) waited for until every task is stopped (`pause`); the
 * processes of cgroup.procs (`top`); and what it uses (`stats`).
 */
int berth_cgroup_set_limits(const struct berth_cgroup *cg, const struct berth_spec *spec,
			    struct berth_error **err);
int berth_cgroup_freeze(const struct berth_cgroup *cg, bool freeze, struct berth_error **err);
/* 1 when frozen, 0 otherwise (no freezer: 0). */
int berth_cgroup_is_frozen(const struct berth_cgroup *cg);
/* The pids of cgroup.procs (*ret owned). */
int berth_cgroup_pids(const struct berth_cgroup *cg, pid_t **ret, size_t *ret_n,
		      struct berth_error **err);
struct berth_cgroup_usage {
	uint64_t cpu_ns;      /* CPU time used since the cgroup was made */
	uint64_t memory;      /* bytes, without the inactive page cache (as Docker's CLI) */
	int64_t memory_limit; /* bytes, -1 none */
	uint64_t pids;
	uint64_t block_read, block_write; /* bytes */
	bool has_block_io;		  /* v2 io.stat or v1 blkio was readable */
};
/* What is readable of the usage (a missing file counts 0); -ENOENT without dirs. */
int berth_cgroup_usage(const struct berth_cgroup *cg, struct berth_cgroup_usage *ret);

/*
 * What the runtime executes: a spec and how to wire it. Volume copy-up: for
 * bind mounts whose options contain "berth.copyup", an empty source
 * directory is filled with the image's content at the destination before
 * the mount (Docker's named-volume pre-fill).
 */
struct berth_runtime_config {
	const struct berth_spec *spec;
	const char *id; /* names the cgroup; 1..64 of [a-zA-Z0-9_.-] */
	/*
	 * The rootfs, prepared by the caller (an image's overlay comes from
	 * layer/): open_rootfs(rootfs_ctx) returns a detached mount of it
	 * (fsmount, open_tree OPEN_TREE_CLONE), which the runtime attaches at
	 * spec->root_path inside the container's new mount namespace, so it
	 * lives and goes with that namespace and never shows on the host. It
	 * is called at every start: a restarted container needs a fresh tree,
	 * the one attached before went with the old namespace. When
	 * open_rootfs is NULL, spec->root_path is bind-mounted as it is.
	 */
	int (*open_rootfs)(void *rootfs_ctx, struct berth_error **err);
	void *rootfs_ctx;
	int stdio[3]; /* the container's stdin/out/err (ignored with a terminal) */
	bool init;    /* a built-in init as PID 1 that reaps and forwards */
	/*
	 * With init: the init runs alone and spec->args are never executed (a
	 * pod's infra, which only holds the namespaces its pod shares): it
	 * reaps what it is given and exits 0 on SIGTERM, SIGINT or SIGHUP.
	 */
	bool pause;
	const char *bundle; /* the bundle directory the hooks' state names, NULL: "" */
	/*
	 * The create/start split of the OCI verbs (runc's exec fifo): a FIFO's
	 * path, or NULL. The process is set up completely, then tells
	 * berth_runtime_start that it is ready (start returns) and blocks on the
	 * FIFO until `start` writes a byte to it; only then it execs. It does
	 * not die with its creator, which exits leaving it running.
	 */
	const char *exec_fifo;
	/*
	 * runc's --preserve-fds: the caller's fds 3..3+preserve_fds-1 (each
	 * must be open when berth_runtime_start is called) stay open in the
	 * process, CLOEXEC cleared; every other fd above 2 is closed on exec.
	 */
	unsigned preserve_fds;
	/*
	 * The container's cgroup, made by the caller beforehand (so that
	 * berth_cgroup_warm_begin can follow), or NULL: berth_runtime_start
	 * takes its dirs over, leaving it empty, else makes its own.
	 */
	struct berth_cgroup *cgroup;
};
/*
 * EBADF unless fds 3..3+n-1 are all open: called before any fd of the
 * caller's own is opened, so that none took a missing one's number.
 */
int berth_runtime_check_preserved_fds(unsigned n, struct berth_error **err);

struct berth_runtime_process {
	pid_t pid;	/* in the caller's PID namespace */
	int pidfd;	/* pollable, -EBADF when unavailable */
	int pty_master; /* with a terminal, else -EBADF */
	struct berth_cgroup cgroup;
	bool waited;
	int status; /* raw wait status when waited */
};

/* How berth_runtime_run()/start() failed to exec the process, for 126/127. */
struct berth_runtime_result {
	int exit_code;	/* 0..255, 128+N when killed by signal N */
	int exec_errno; /* non-zero when the command could not be executed */
};

/*
 * Creates the container and execs its process. On success ret is running and
 * must be berth_runtime_wait()ed and berth_runtime_process_release()d. When
 * the command itself cannot be executed (not found, not executable), returns
 * -ENOENT/-EACCES with *err saying so and ret_result->exec_errno set.
 */
int berth_runtime_start(const struct berth_runtime_config *cfg, struct berth_runtime_process *ret,
			struct berth_runtime_result *ret_result, struct berth_error **err);
/* Waits for the process; returns Docker's exit code (>= 0) or -errno. */
int berth_runtime_wait(struct berth_runtime_process *p, struct berth_error **err);
/* Sends sig to the container's main process. */
int berth_runtime_kill(struct berth_runtime_process *p, int sig, struct berth_error **err);
/* Kills what is left, waits, removes the cgroup, closes fds. */
int berth_runtime_process_release(struct berth_runtime_process *p, struct berth_error **err);

/* Sends fd over the unix socket sock (SCM_RIGHTS, one byte of data); -errno. */
int berth_runtime_send_fd(int sock, int fd);
/* The fd sent over sock (O_CLOEXEC), or -errno (-EPIPE when the sender closed it first). */
int berth_runtime_recv_fd(int sock);

/*
 * Runs the container in the foreground: start, forward the caller's signals
 * to it (berth_runtime_forward_begin()), copy between the caller's stdio
 * and the pty when there is one, wait, clean up.
 * ret_result->exit_code is the container's exit code.
 */
int berth_runtime_run(const struct berth_runtime_config *cfg,
		      struct berth_runtime_result *ret_result, struct berth_error **err);

/*
 * Signal forwarding of a foreground process (forward.c): while it is on,
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH reaching
 * the process that turned it on are sent to its target, a child of that
 * process not reaped yet, whatever the caller's dispositions of them were.
 * In a process forked from it (a health prober) they reach nothing. One
 * forwarding at a time per process (the handler reads globals).
 */
#define BERTH_RUNTIME_FORWARD_NSIG 7
enum berth_runtime_forward_flags {
	/*
	 * A signal that comes before there was ever a target is kept (the
	 * first one only), unless the caller ignored it (SIG_IGN, or
	 * SIGWINCH's default): berth_runtime_forward_early() returns it.
	 * Without the flag, or once there was a target, one that comes while
	 * there is none is dropped.
	 */
	BERTH_RUNTIME_FORWARD_EARLY = 1 << 0,
	/* SIGPIPE is ignored while forwarding is on: a write to a reader gone is EPIPE */
	BERTH_RUNTIME_FORWARD_IGNORE_SIGPIPE = 1 << 1,
};
struct berth_runtime_forward {
	struct sigaction old[BERTH_RUNTIME_FORWARD_NSIG + 1]; /* the caller's, and SIGPIPE's */
	unsigned flags;
};
/* Turns forwarding on, to target (0: none yet); flags: berth_runtime_forward_flags. */
void berth_runtime_forward_begin(struct berth_runtime_forward *f, pid_t target, unsigned flags);
/* The target from now on: a child not reaped yet, or 0 for none. */
void berth_runtime_forward_to(pid_t target);
/*
 * Waits for p like berth_runtime_wait(), and stops forwarding to p between
 * its exit and its reap, so that its pid is never signalled once it may
 * name another process.
 */
int berth_runtime_forward_wait(struct berth_runtime_process *p, struct berth_error **err);
/* With BERTH_RUNTIME_FORWARD_EARLY, the signal kept (0: none); still set after the end. */
int berth_runtime_forward_early(void);
/* Puts the caller's dispositions back. */
void berth_runtime_forward_end(struct berth_runtime_forward *f);
/* In a new child of the caller: the forwarded signals back to SIG_DFL. */
void berth_runtime_forward_reset(void);

/* Docker's exit code of a wait status: the code, or 128+N for signal N. */
int berth_runtime_exit_code(int wait_status);

/*
 * Exec (exec.c): a new process in a running container, as `docker exec`.
 * The process joins the namespaces of the container's main process (through
 * a pidfd: mount, PID, UTS, IPC, cgroup and network as spec->namespaces
 * says) and its cgroups, and becomes a child in its PID namespace; the spec
 * gives the process: args, env, cwd, username (resolved against the
 * container's /etc/passwd and /etc/group; HOME set when env lacks it),
 * terminal, capabilities, no_new_privileges, rlimits and seccomp. Mounts,
 * root and limits of the spec are ignored: those of the container apply.
 */
struct berth_runtime_exec_config {
	const struct berth_spec *spec;
	pid_t pid;	/* the container's main process, in the caller's PID namespace */
	const char *id; /* the container's cgroup name: a pid in no cgroup of it was reused */
	int stdio[3];	/* ignored with a terminal; -1 is /dev/null */
	/* the container's cgroup directories as its record has them (OCI); NULL: found by id */
	char *const *cgroup_dirs;
	unsigned preserve_fds; /* runc's exec --preserve-fds: fds 3..3+N-1 of the caller kept */
};

/*
 * Starts the process; ret is like berth_runtime_start()'s (its cgroup empty:
 * the container's is not the exec's to remove). ESRCH when pid is gone or is
 * not the container's any more; -ENOENT/-EACCES with
 * ret_result->exec_errno set when the command cannot be executed.
 */
int berth_runtime_exec_start(const struct berth_runtime_exec_config *cfg,
			     struct berth_runtime_process *ret,
			     struct berth_runtime_result *ret_result, struct berth_error **err);
/*
 * Foreground exec: start, forward signals (and the pty), wait; or, with
 * detach, return once the command runs (it is not waited for).
 */
int berth_runtime_exec(const struct berth_runtime_exec_config *cfg, bool detach,
		       struct berth_runtime_result *ret_result, struct berth_error **err);

/* The OCI runtime lifecycle of `berth oci` / berth-runc: part of this public face. */
#include "runtime/oci.h"
