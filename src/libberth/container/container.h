/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Containers: `run` options + an image config (or a plain rootfs directory)
 * become an OCI runtime spec, executed by the runtime on an overlay rootfs;
 * records live in the store's containers/<id>/ (config.json, state.json,
 * upper/, work/, merged/, hosts, hostname, resolv.conf), named volumes in
 * volumes/<name>/_data.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "core/digest.h"
#include "core/error.h"
#include "container/pod.h"
#include "core/runspec.h"
#include "image/image.h"
#include "network/network.h"
#include "runtime/runtime.h"

struct berth_health_config;
/* podman's --health-on-failure (see berth_health_on_failure_from_string) */
enum berth_health_on_failure {
	BERTH_HEALTH_ON_FAILURE_NONE,
	BERTH_HEALTH_ON_FAILURE_KILL,
	BERTH_HEALTH_ON_FAILURE_RESTART,
	BERTH_HEALTH_ON_FAILURE_STOP,
};
struct berth_store; /* store/store.h: every function here takes the store handle */

/* The image-derived defaults of a container (Docker's image config subset). */
struct berth_container_image {
	char **entrypoint; /* NULL when unset */
	char **cmd;	   /* NULL when unset */
	char **env;
	char *workdir;
	char *user;
	char *stop_signal;
	char **volumes;			    /* container paths */
	char **lowerdirs;		    /* unpacked layers, bottom first */
	char *ref;			    /* the image as the user named it */
	char *id;			    /* the image id, "sha256:..." */
	struct berth_health_config *health; /* the image's HEALTHCHECK, NULL when none */
	char **shell; /* the image's SHELL (a CMD-SHELL health check runs with it), NULL unset */
	char **exposed_ports;	 /* the image's ExposedPorts keys ("80/tcp"), what -P publishes */
	char **labels;		 /* the image's Labels, "K=V" */
	char *os, *architecture; /* the image's platform ("linux", "arm64"); NULL when unset */
};

/*
 * Resolves ref in the store (a reference, an image ID or a short ID), makes
 * sure its layers are unpacked and fills ret with its config and overlay
 * lower dirs. Release with berth_container_image_release.
 */
int berth_container_image_load(struct berth_store *store, const char *ref,
			       struct berth_container_image *ret, struct berth_error **err);
void berth_container_image_release(struct berth_container_image *img);

struct berth_run_options {
	const char *rootfs; /* --rootfs DIR: run on this directory (overlaid) */
	const struct berth_container_image *image; /* or the image's config */
	char **cmd;		/* CMD… after the image, NULL for the image's */
	const char *entrypoint; /* --entrypoint, NULL unset, "" clears */
	char **env;		/* K=V, already resolved by the CLI, in order */
	const char *user, *workdir, *hostname, *name;
	const char *domainname; /* --domainname, NULL or "": none */
	bool rm, tty, interactive, init, read_only, privileged, detach;
	bool stdin_once; /* with interactive: the first attach's end of input ends stdin */
	/* "bridge" (NULL: the default), "host", "none", "container:X" or a user network */
	const char *network;
	const char *ip;			    /* --ip on a user network, NULL: allocated */
	char **network_aliases;		    /* --network-alias on a user network */
	char **expose;			    /* --expose keys ("80/tcp"), beside the image's */
	const struct berth_port_map *ports; /* -p, published while it runs */
	size_t n_ports;
	/* --add-host as Docker's ExtraHosts, "name:ip" (ip may be BERTH_HOST_GATEWAY) */
	char **extra_hosts;
	const struct berth_resolv_options *dns; /* --dns*, NULL: none given */
	/* --tmpfs, -v and --mount, in that order (core/runspec.h parses them) */
	const struct berth_mount_req *mounts;
	size_t n_mounts;
	char **cap_add, **cap_drop;
	int no_new_privileges;	     /* -1 unset (off, as Docker's default), 0, 1 */
	bool seccomp_unconfined;     /* seccomp=unconfined */
	const char *seccomp_profile; /* seccomp=PROFILE.json, NULL: the default profile */
	const struct berth_ulimit *ulimits;
	size_t n_ulimits;
	const struct berth_device_req *devices; /* --device */
	size_t n_devices;
	int64_t memory;	    /* bytes, -1 none */
	int64_t nano_cpus;  /* 1e9 per CPU, -1 none */
	int64_t pids_limit; /* -1 none */
	int stop_signal;    /* a signal number, 0: the image's (or SIGTERM) */
	enum berth_restart_policy restart;
	int restart_max;			  /* on-failure's limit, 0: none */
	char **labels;				  /* K=V, in Config.Labels over the image's */
	const char *self_exe;			  /* the berth binary, for the detached monitor */
	const struct berth_health_config *health; /* --health-*, NULL: the image's */
	/* --health-on-failure: what an unhealthy container undergoes (needs a check) */
	enum berth_health_on_failure health_on_failure;
	bool create_only; /* `create`: the record only, berth_container_start runs it */
	/*
	 * --pod: the pod (name, id or prefix) whose network, IPC and UTS
	 * namespaces the container shares (container/pod.h); NULL: none.
	 */
	const char *pod;
	bool pod_infra; /* set by berth_pod_create only: the pod's infra itself */
};

void berth_run_options_init(struct berth_run_options *o);

struct berth_run_result {
	char id[65];
	int exit_code;	/* foreground: the container's exit code (Docker's rules) */
	int exec_errno; /* non-zero when the command could not be executed (126/127) */
};

/*
 * Creates the container record and runs it in the foreground (signals
 * forwarded, exit code in ret->exit_code), removing everything afterwards
 * with o->rm. Returns 0 when the container ran (whatever its exit code) or
 * -errno when berth failed (ret->exec_errno tells a command not found or not
 * executable apart).
 */
int berth_container_run(struct berth_store *store, const struct berth_run_options *o,
			struct berth_run_result *ret, struct berth_error **err);

/*
 * Recorded containers. what is a full id, a unique id prefix or a name
 * (ENOENT when nothing matches, EINVAL when a prefix is ambiguous).
 */
int berth_container_find(struct berth_store *store, const char *what, char **ret_id,
			 struct berth_error **err);
/*
 * berth_container_find for each of what[0..n), sharing one pass over the
 * records: ret_ids[i] gets the id (the caller frees it) or NULL, with the
 * error in errs[i]. Returns 0 when every operand was found, else the first
 * failure's -errno.
 */
int berth_container_find_many(struct berth_store *store, char *const *what, size_t n,
			      char **ret_ids, struct berth_error **errs);
/* The record (state.json) with a live Running status (new reference). */
int berth_container_inspect(struct berth_store *store, const char *what, json_t **ret,
			    struct berth_error **err);
/* Every record, as berth_container_inspect gives them (new reference). */
int berth_container_list(struct berth_store *store, json_t **ret, struct berth_error **err);
/*
 * Every record's summary, live as above: Id, Name, Created, Path, Args,
 * Image, ImageRef, Rootfs, Pod, State, Mounts, NetworkSettings,
 * RestartCount, Config.Labels and .Healthcheck, HostConfig.NetworkMode and
 * .AutoRemove. What `ps` lists and filters on; a fifth of the bytes to
 * parse (summary.json beside each state.json, checked against it).
 */
int berth_container_list_summary(struct berth_store *store, json_t **ret, struct berth_error **err);

/*
 * Docker's container list filters, "key=value" each (ps --filter, the API's
 * filters): ancestor, exited, health, id, label, name, pod, status. Check
 * refuses an unknown key or a bad value (EINVAL, Docker's message); match
 * takes a record as the lists above give it: values of one key are
 * alternatives, different keys must all match. pods (berth_pod_list's
 * array, may be NULL) name the pod= filter's pods.
 */
int berth_container_filters_check(char *const *filters, struct berth_error **err);
bool berth_container_filters_match(const json_t *c, char *const *filters, const json_t *pods);
/*
 * The daemon's State.String() of a record's State at now, the list's
 * Status column (ps, GET /containers/json): "Up 5 minutes", "Up 2 hours
 * (Paused)", "Up 3 seconds (healthy)", "Up 1 second (health: starting)",
 * "Exited (0) 2 minutes ago", "Created". Owned by the caller.
 */
char *berth_container_status_text(const json_t *state, time_t now);
/* The name of pod pod_id in pods; "" when it is not there. */
const char *berth_container_pod_name(const json_t *pods, const char *pod_id);

/* `cp`, as Docker's: its options, for both directions. */
struct berth_cp_options {
	bool follow_link; /* -L: a symlink as SRC is copied as its target */
	bool archive;	  /* -a: keep the source's uid/gid (else the destination user's) */
};
/*
 * Copies src in the container what (running or stopped) to host_dest with
 * Docker's rules (SRC/. copies a directory's contents, a trailing "/" on
 * DEST asserts a directory, a directory never replaces a file nor the
 * reverse). Paths in the container resolve in its root. Files written on
 * the host belong to the caller's euid/egid unless o->archive.
 */
int berth_container_cp_from(struct berth_store *store, const char *what, const char *src,
			    const char *host_dest, const struct berth_cp_options *o,
			    struct berth_error **err);
/* host_src into the container at dest; what it writes belongs to root (0:0) unless o->archive. */
int berth_container_cp_to(struct berth_store *store, const char *what, const char *host_src,
			  const char *dest, const struct berth_cp_options *o,
			  struct berth_error **err);
/* src in the container as an uncompressed tar written to out_fd (`cp CONTAINER:SRC -`). */
int berth_container_cp_tar_out(struct berth_store *store, const char *what, const char *src,
			       const struct berth_cp_options *o, int out_fd,
			       struct berth_error **err);
/*
 * The pty master of the running container what, started with a terminal,
 * as an fd of the caller's (*ret_fd, O_CLOEXEC): what is written to it is
 * the container's input; its output goes on to the log. For a detached
 * container run with -i and no terminal, the writing end of its stdin pipe
 * (isatty() tells them apart): with StdinOnce the first caller's copy is
 * the only one, and closing it is the container's EOF. ENOTTY when the
 * container is not running or has neither.
 */
int berth_container_console(struct berth_store *store, const char *what, int *ret_fd,
			    struct berth_error **err);
/* Sizes that terminal (rows, cols: 1..65535); ENOTTY as berth_container_console. */
int berth_container_resize(struct berth_store *store, const char *what, unsigned rows,
			   unsigned cols, struct berth_error **err);

/* Docker's --detach-keys: a sequence of keys, and how much of it was typed so far. */
struct berth_detach_keys {
	unsigned char seq[16];
	size_t len; /* 0: none (an empty --detach-keys) */
	size_t matched;
};
/*
 * Parses spec (NULL: Docker's default "ctrl-p,ctrl-q"): keys separated by
 * commas, each one character or ctrl-@, ctrl-a … ctrl-z, ctrl-[, ctrl-\,
 * ctrl-], ctrl-^, ctrl-_. EINVAL naming the key it does not know.
 */
int berth_detach_keys_parse(const char *spec, struct berth_detach_keys *ret,
			    struct berth_error **err);
/*
 * Passes n bytes of input through the keys: into out (room for n +
 * sizeof(seq) bytes) what goes to the container, a part of the sequence
 * held back until it completes or breaks; returns its length. At a complete
 * sequence *ret_detached is true and the input after it is not read.
 */
size_t berth_detach_keys_filter(struct berth_detach_keys *k, const void *in, size_t n, void *out,
				bool *ret_detached);

/* What `berth attach` attaches. */
struct berth_container_attach_options {
	int in;			 /* the caller's input (-1: none, --no-stdin) */
	int out, err;		 /* where the container's stdout and stderr go */
	const char *detach_keys; /* --detach-keys (NULL: ctrl-p,ctrl-q) */
	bool sig_proxy;		 /* without a terminal: SIGINT and SIGTERM go to the container */
};
/*
 * Attaches to the running container what (attach.c): its output from now
 * on, from its log, to o->out and o->err; o->in, when it was run with -i,
 * to its terminal or its stdin (through berth_container_console; with
 * StdinOnce, the end of o->in is the container's). With a terminal, o->in
 * is raw while attached and o->out's size is the container's, at the start
 * and at each SIGWINCH. Returns 0 once it stopped, with *ret_code its exit
 * code; 1 when the detach keys were typed (it goes on running); -EINVAL for
 * a container not running, -ENOTTY with a terminal and an o->in that is
 * none.
 */
int berth_container_attach(struct berth_store *store, const char *what,
			   const struct berth_container_attach_options *o, int *ret_code,
			   struct berth_error **err);

/* What cp learns of a path in a container before a copy (the Engine API's archive stat). */
struct berth_cp_stat {
	char *name;	   /* the path's last component ("/" for the root) */
	struct stat st;	   /* the path's lstat, its parents resolved in the container's root */
	char *link_target; /* a symlink's target resolved in that root ("/etc/x"); else NULL */
};
/*
 * Fills *ret (released by berth_cp_stat_release) for src in the container
 * what, resolved as `cp CONTAINER:SRC` resolves it without -L: a trailing
 * "/" or "/." follows a symlink, else the path is the link itself. ENOENT
 * when it does not exist.
 */
int berth_container_cp_stat(struct berth_store *store, const char *what, const char *src,
			    struct berth_cp_stat *ret, struct berth_error **err);
void berth_cp_stat_release(struct berth_cp_stat *s);
/*
 * The tar read from in_fd (hostile: the layer extraction rules) into the
 * directory dest of the container (`cp - CONTAINER:DEST`); its entries
 * belong to root unless o->archive keeps the archive's ids.
 */
int berth_container_cp_tar_in(struct berth_store *store, const char *what, int in_fd,
			      const char *dest, const struct berth_cp_options *o,
			      struct berth_error **err);

/* Docker's SizeRw (bytes of the upper dir) and SizeRootFs (those plus the image's). */
struct berth_container_size {
	uint64_t rw;
	uint64_t rootfs;
};
/*
 * The sizes of the container record (as berth_container_list gives it);
 * s finds its image. Best effort: a size is
 * only reported, so what cannot be read counts as nothing.
 */
void berth_container_size(struct berth_store *s, const json_t *record,
			  struct berth_container_size *ret);
/* Docker's SizeRw alone: the content bytes of the record's upper dir (0 when unreadable). */
uint64_t berth_container_rw_size(struct berth_store *s, const json_t *record);
int berth_container_kill(struct berth_store *store, const char *what, int sig,
			 struct berth_error **err);
/* The stop signal, then SIGKILL after timeout_s; the restart policy does not apply. */
int berth_container_stop(struct berth_store *store, const char *what, int timeout_s,
			 struct berth_error **err);
/* Waits until it is not running (timeout_ms < 0: forever; -ETIMEDOUT). */
int berth_container_wait(struct berth_store *store, const char *what, int timeout_ms, int *ret_code,
			 struct berth_error **err);
/* The conditions of Docker's wait API (`wait --condition`). */
enum berth_wait_condition {
	BERTH_WAIT_NOT_RUNNING, /* now, when it is not running */
	BERTH_WAIT_NEXT_EXIT,	/* its next exit (after a start when it is not running) */
	BERTH_WAIT_REMOVED,	/* its record is gone; the code is the last exit's */
};
/* As berth_container_wait, for a condition. */
int berth_container_wait_for(struct berth_store *store, const char *what,
			     enum berth_wait_condition cond, int timeout_ms, int *ret_code,
			     struct berth_error **err);
/* Removes the record (and anonymous volumes); a running one needs force (killed). */
int berth_container_remove(struct berth_store *store, const char *what, bool force,
			   struct berth_error **err);
/*
 * berth_container_remove for each of what[0..n), as one batch: the names
 * resolved in one pass over the records, the running ones (force) all
 * killed first and then waited for together, the network state reclaimed
 * once at the end. errs[i] gets what[i]'s error (NULL when it was removed);
 * an operand naming a container an earlier one named fails as gone.
 * Returns 0 when all went, else the first failure's -errno.
 */
int berth_container_remove_many(struct berth_store *store, char *const *what, size_t n, bool force,
				struct berth_error **errs);
/*
 * Removes every container that is not running, as `docker container prune`;
 * ret_removed lists their full ids (owned strv), *ret_bytes (may be NULL) is
 * Docker's SizeRw of each (berth_container_size: the content bytes of the
 * upper dir), as Docker reports what a container prune freed.
 */
int berth_container_prune(struct berth_store *store, char ***ret_removed, uint64_t *ret_bytes,
			  struct berth_error **err);
/* Starts a stopped container again, detached, under a new monitor. */
int berth_container_start(struct berth_store *store, const char *what, struct berth_error **err);
/* containers/<id>/<id>-json.log (owned). */
char *berth_container_log_path(struct berth_store *store, const char *id);

/* One record of a container's json-file log (logs.c). */
struct berth_log_record {
	char *text; /* the line as the container wrote it, with its '\n' (owned) */
	size_t len;
	bool is_stderr;
	char time[40]; /* RFC 3339 with nine digits: two compare as strings ("": none) */
};
void berth_log_record_release(struct berth_log_record *rec);
/* Parses one line of the log (without its '\n'); -EINVAL when it is no record. */
int berth_log_record_parse(const char *line, size_t len, struct berth_log_record *ret);

/*
 * A reader of the log of container id: from its start, or from_end from
 * what is written after the open. A log that does not exist yet is read
 * once it does.
 */
struct berth_log_reader;
int berth_log_reader_open(struct berth_store *store, const char *id, bool from_end,
			  struct berth_log_reader **ret, struct berth_error **err);
void berth_log_reader_free(struct berth_log_reader *r);
static inline void berth_log_reader_freep(struct berth_log_reader **r)
{
	berth_log_reader_free(*r);
}
/* Skips to the last n complete lines of what the log holds now (n < 0: all of it). */
void berth_log_reader_tail(struct berth_log_reader *r, long n);
/* The next complete record into *ret (released by the caller): 1, or 0 when there is none yet. */
int berth_log_reader_next(struct berth_log_reader *r, struct berth_log_record *ret);

/* Volumes (volume.c). */
struct berth_volume {
	char *name;
	char *mountpoint; /* host path of its data */
	char *created;	  /* RFC 3339 */
	bool anonymous;	  /* made for a mount without a name (-v /dst, an image VOLUME) */
	char **labels;	  /* "K=V", sorted by key; NULL: none */
};
void berth_volume_release(struct berth_volume *v);
/* Creates volume name (a random 64-hex name when NULL); EEXIST is success with created=false. */
int berth_volume_create(struct berth_store *store, const char *name, struct berth_volume *ret,
			bool *ret_created, struct berth_error **err);
/* As berth_volume_create, with labels ("K=V", NULL: none) recorded when it is created. */
int berth_volume_create_labelled(struct berth_store *store, const char *name, char *const *labels,
				 struct berth_volume *ret, bool *ret_created,
				 struct berth_error **err);
int berth_volume_get(struct berth_store *store, const char *name, struct berth_volume *ret,
		     struct berth_error **err);
/* All volumes, sorted by name; *ret is an array of n entries, owned. */
int berth_volume_list(struct berth_store *store, struct berth_volume **ret, size_t *ret_n,
		      struct berth_error **err);
/* Removes a volume; EBUSY when a container record uses it (unless force). */
int berth_volume_remove(struct berth_store *store, const char *name, bool force,
			struct berth_error **err);
/*
 * Removes the anonymous volumes no container uses (every unused one with
 * all), as Docker 23+'s `volume prune [-a]`; ret_removed lists them (owned
 * strv), *ret_bytes (may be NULL) is what they held on disk.
 */
int berth_volume_prune(struct berth_store *store, bool all, char ***ret_removed,
		       uint64_t *ret_bytes, struct berth_error **err);
/* Disk bytes of a volume's data (0 when it cannot be read), as volume prune counts them. */
uint64_t berth_volume_data_size(struct berth_store *store, const char *name);
/* True for Docker's volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
bool berth_volume_name_is_valid(const char *name);
/* The volume as `volume inspect` prints it (new reference). */
json_t *berth_volume_to_json(const struct berth_volume *v);

/*
 * Networks (network.c), as `docker network connect|disconnect`: a running
 * container gets (or loses) its endpoint now, a stopped one at its next
 * start. aliases and ip only on user networks.
 */
int berth_container_network_connect(struct berth_store *store, const char *what, const char *net,
				    char **aliases, const char *ip, struct berth_error **err);
int berth_container_network_disconnect(struct berth_store *store, const char *what, const char *net,
				       struct berth_error **err);

/* Exec (exec.c): a new process in a running container, as `docker exec`. */
struct berth_exec_options {
	char **cmd;	     /* the command and its arguments */
	char **env;	     /* K=V added to (or replacing in) the container's env */
	const char *user;    /* USER[:GROUP], NULL for the container's */
	const char *workdir; /* NULL for the container's */
	bool tty, interactive, detach, privileged;
};

/*
 * Runs o->cmd in the running container what (id, prefix or name), joined to
 * its namespaces and cgroup with its capabilities, seccomp profile,
 * no_new_privs and rlimits. Foreground: signals forwarded, ret->exit_code is
 * the command's; detach: returns once it runs. ENOENT when there is no such
 * container, EINVAL when it is not running; ret->exec_errno as for run.
 */
int berth_container_exec(struct berth_store *store, const char *what,
			 const struct berth_exec_options *o, struct berth_run_result *ret,
			 struct berth_error **err);

/*
 * Operations on a recorded container (ops.c): pause/unpause freeze its
 * cgroup (v1 freezer or v2 cgroup.freeze; inspect then shows State.Paused
 * and Status "paused"); rename; update of its limits (the live cgroup when
 * it runs, and the record either way); its processes; its usage.
 */
int berth_container_pause(struct berth_store *store, const char *what, struct berth_error **err);
int berth_container_unpause(struct berth_store *store, const char *what, struct berth_error **err);
/* EEXIST when new_name is taken, EINVAL when it is invalid or the same. */
int berth_container_rename(struct berth_store *store, const char *what, const char *new_name,
			   struct berth_error **err);

struct berth_container_limits {
	int64_t memory;	    /* bytes; -1 unchanged */
	int64_t nano_cpus;  /* 1e9 per CPU; -1 unchanged */
	int64_t pids_limit; /* > 0; -1 unchanged */
};
int berth_container_update(struct berth_store *store, const char *what,
			   const struct berth_container_limits *l, struct berth_error **err);
/* The CFS quota (microseconds per period) of nano_cpus, at least the kernel's 1 ms. */
int64_t berth_container_cpu_quota(int64_t nano_cpus, uint64_t period_us);

/* A process of a running container, as /proc shows it (host pids and uids). */
struct berth_process {
	pid_t pid, ppid;
	uid_t uid; /* effective */
	int tty_nr;
	unsigned long long cpu_ticks;	/* utime + stime, clock ticks */
	unsigned long long start_ticks; /* after boot, clock ticks */
	char *comm;
	char *cmd; /* the arguments joined by spaces, or "[comm]" */
};
void berth_process_release(struct berth_process *p);
/* Parses /proc/PID/stat into p's pid, ppid, tty_nr, ticks and comm; -EBADMSG. */
int berth_proc_parse_stat(const char *data, struct berth_process *p);
/* The processes of the container's cgroup; *ret is an array of *ret_n, owned. */
int berth_container_processes(struct berth_store *store, const char *what,
			      struct berth_process **ret, size_t *ret_n, struct berth_error **err);

struct berth_container_stats {
	char id[65];
	char *name;
	bool running; /* false: nothing else is set */
	struct berth_cgroup_usage usage;
	uint64_t net_rx, net_tx; /* bytes, every interface but lo; 0 on the host network */
};
/* One sample of what (cgroup v1 or v2 counters; CPU % needs two). */
int berth_container_stats(struct berth_store *store, const char *what,
			  struct berth_container_stats *ret, struct berth_error **err);
void berth_container_stats_release(struct berth_container_stats *s);
/* Sums received and sent bytes of a /proc/net/dev text, lo left out. */
void berth_net_dev_sum(const char *net_dev, uint64_t *rx, uint64_t *tx);

/*
 * The container's filesystem against its image (fsdiff.c). diff reads its
 * upper dir as Docker's overlay2 driver does: 'A' added, 'C' changed, 'D'
 * deleted (a whiteout), in Docker's walk order.
 */
struct berth_change {
	char kind; /* 'A', 'C' or 'D' */
	char *path;
};
int berth_container_diff(struct berth_store *store, const char *what, struct berth_change **ret,
			 size_t *ret_n, struct berth_error **err);
void berth_changes_free(struct berth_change *v, size_t n);
/* A tar of its root filesystem (image layers + its changes, no volumes) to out_fd. */
int berth_container_export(struct berth_store *store, const char *what, int out_fd,
			   struct berth_error **err);

struct berth_commit_options {
	const char *name;		      /* REPO[:TAG], NULL for an untagged image */
	char *const *changes;		      /* Dockerfile instructions, as import --change */
	berth_image_changes_fn apply_changes; /* what applies them (as import's) */
	const char *message, *author;
	bool pause; /* freeze a running container while its upper dir is read */
};
/* A new image: the container's image plus its upper dir as the top layer. */
int berth_container_commit(struct berth_store *store, const char *what,
			   const struct berth_commit_options *o, struct berth_digest *ret_id,
			   struct berth_error **err);

/*
 * The largest container record file (state.json, config.json) read back.
 * Above the API service's JSON body limit (10 MiB, api/server.c), so a
 * container any client could create (a 9 MiB label) can be inspected,
 * started and listed; Docker has no such limit on its side.
 */
#define BERTH_CONTAINER_RECORD_MAX (16u << 20)

/*
 * Health checks (health.c), Docker's semantics: the image's HEALTHCHECK
 * merged with `run --health-*`, a probe run inside the container as `exec`
 * runs a command (from the container's monitor, on a timer), and the state
 * `inspect` shows as .State.Health. Durations are nanoseconds, as Docker
 * stores them; 0 is unset (the default applies).
 */
#define BERTH_HEALTH_DEFAULT_INTERVAL	    30000000000LL
#define BERTH_HEALTH_DEFAULT_TIMEOUT	    30000000000LL
#define BERTH_HEALTH_DEFAULT_START_INTERVAL 5000000000LL
#define BERTH_HEALTH_DEFAULT_RETRIES	    3
#define BERTH_HEALTH_LOG_MAX		    5	 /* results kept, as Docker's maxLogEntries */
#define BERTH_HEALTH_OUTPUT_MAX		    4096 /* bytes of output kept per result */
/* --health-on-failure stop|restart: SIGKILL this long after the stop signal, as `stop`'s default */
#define BERTH_HEALTH_STOP_TIMEOUT 10000000000LL

struct berth_health_config {
	char **test; /* NULL unset; ["NONE"], ["CMD", arg...] or ["CMD-SHELL", command] */
	int64_t interval, timeout, start_period, start_interval;
	int retries; /* 0 unset */
};

/*
 * podman's --health-on-failure: what the prober does when the container
 * turns unhealthy. KILL sends SIGKILL (the restart policy then applies, as
 * to any exit); STOP stops it as `stop` does (its stop signal, SIGKILL
 * after 10 s; no restart); RESTART stops it so and the monitor starts it
 * again whatever the restart policy (RestartCount counts it, a restart
 * event tells it), as the kubelet does on a failing liveness probe.
 * Recorded as Config.HealthcheckOnFailureAction (podman's name).
 */
int berth_health_on_failure_from_string(const char *s, enum berth_health_on_failure *ret,
					struct berth_error **err);
const char *berth_health_on_failure_to_string(enum berth_health_on_failure a);

void berth_health_config_release(struct berth_health_config *h);
/* From Docker's JSON form ({"Test": [...], "Interval": ns, ...}); an image's is hostile. */
int berth_health_config_from_json(const json_t *j, struct berth_health_config *ret,
				  struct berth_error **err);
json_t *berth_health_config_to_json(const struct berth_health_config *h);
/* Docker's merge: what run leaves unset comes from the image (either may be NULL). */
void berth_health_config_merge(const struct berth_health_config *image,
			       const struct berth_health_config *run,
			       struct berth_health_config *ret);
/* Whether a probe runs: a CMD or CMD-SHELL test with a command (not NONE, not unset). */
bool berth_health_config_is_enabled(const struct berth_health_config *h);

enum berth_health_status {
	BERTH_HEALTH_STARTING,
	BERTH_HEALTH_HEALTHY,
	BERTH_HEALTH_UNHEALTHY,
};
const char *berth_health_status_to_string(enum berth_health_status s);

struct berth_health_result {
	char *start, *end; /* RFC 3339 */
	int exit_code;	   /* 0 healthy, 1 unhealthy, -1 timed out or not run, else reserved */
	char *output;
};

struct berth_health_state {
	enum berth_health_status status;
	int failing_streak;
	struct berth_health_result log[BERTH_HEALTH_LOG_MAX]; /* oldest first */
	size_t n_log;
};

void berth_health_state_release(struct berth_health_state *s);
/*
 * Docker's handleProbeResult: a success makes the container healthy; a
 * failure (any exit code but 0) counts in the failing streak unless the
 * container is still starting and the probe began within the start period,
 * and a streak of retries makes it unhealthy. The result (its strings taken)
 * goes to the log, which keeps the last BERTH_HEALTH_LOG_MAX.
 */
void berth_health_state_record(struct berth_health_state *s, struct berth_health_result *r,
			       bool in_start_period, int retries);
int berth_health_state_from_json(const json_t *j, struct berth_health_state *ret,
				 struct berth_error **err);
/* Docker's State.Health: {"Status", "FailingStreak", "Log": [{Start, End, ExitCode, Output}]}. */
json_t *berth_health_state_to_json(const struct berth_health_state *s);
