/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared between the files of src/libberth/container; not a public header. */

#include "container/container.h"
#include "store/store.h"

#include <sys/stat.h>
#include <sys/types.h>

/* A random name as Docker gives one ("brave_keel"; owned). */
char *berth_container_random_name(void);

/*
 * Config.Labels: image_labels, then labels over them ("K=V"; "K" alone: an
 * empty value), in key order as Docker writes a map (new reference).
 */
json_t *berth_container_labels_json(char *const *image_labels, char *const *labels);

/* The current time in RFC 3339 with nanoseconds, UTC (owned). */
char *berth_container_now(void);

/*
 * Whether a container record mounts volume name: 1 and *ret_container (its
 * name, owned) when one does, 0 when none.
 */
int berth_container_volume_user(struct berth_store *store, const char *name, char **ret_container);

/* The record helpers of record.c, for the other files of container/. */
/* <store>/containers (a dup of the store handle's fd, closed by the caller); an fd or -errno. */
int berth_container_dir_open(struct berth_store *store, struct berth_error **err);
/* containers/<id>/state.json (new reference); NULL when absent or broken. */
json_t *berth_container_state_read(int cdir, const char *id);
/* Replaces containers/<id>/state.json atomically, its summary.json first. */
int berth_container_state_write(int cdir, const char *id, const json_t *st,
				struct berth_error **err);
/* The same for the record of a run's start, whose summary claims "Thawed" (summary.c). */
int berth_container_state_write_started(int cdir, const char *id, const json_t *st,
					struct berth_error **err);
/* The record's lower dirs, bottom first ("Lowerdirs" lists them top first). */
char **berth_container_state_lowerdirs(const json_t *st);
/* Running, and its monitor alive. */
bool berth_container_state_is_running(const json_t *st);
/* The record of a running container what (EINVAL "is not running" otherwise). */
int berth_container_running_state(struct berth_store *store, const char *what, json_t **ret,
				  struct berth_error **err);
/* Docker's container names: [a-zA-Z0-9][a-zA-Z0-9_.-]+, a leading '/' allowed. */
bool berth_container_name_is_valid(const char *name);
bool berth_container_name_in_use(int cdir, const char *name);
/*
 * A record file, replaced atomically (temp + rename); durable adds the
 * fsyncs (not for an --rm container's record).
 */
int berth_container_record_file_write(int dfd, const char *name, const char *data, size_t len,
				      mode_t mode, bool durable, struct berth_error **err);

/*
 * summary.json (summary.c). _of: the summary of record st (new
 * reference). _write: st's summary into dfd (the container's directory),
 * stamped with stat (the state.json it goes with, written or about to be
 * renamed), with thawed the claim that its cgroup is not frozen; best
 * effort. _parse: data as a summary stamped with stat (-ESTALE when it is
 * not, -EBADMSG when it is no valid JSON), *ret without the stamp and the
 * claim, which goes to *ret_thawed. _read: containers/<id>'s summary when
 * its stamp is state.json's, else the record's own (without the claim);
 * NULL when it has no readable state. _forget: removes the summary of
 * record st, and so its claim (pause, before it freezes).
 */
json_t *berth_container_summary_of(const json_t *st);
void berth_container_summary_write(int dfd, const json_t *st, const struct stat *stat, bool thawed);
int berth_container_summary_parse(const char *data, size_t len, const struct stat *stat,
				  json_t **ret, bool *ret_thawed);
json_t *berth_container_summary_read(int cdir, const char *id, bool *ret_thawed);
void berth_container_summary_forget(struct berth_store *store, const json_t *st);

/* A container being made or started (lifecycle.c, spec.c, monitor.c). */
struct container {
	char id[65];
	char *name;
	char *dir; /* <store>/containers/<id> */
	int cdir;  /* <store>/containers */
	struct berth_spec spec;
	char **anon_volumes;
	json_t *mounts; /* state.json "Mounts" */
	/* made before the first start, which takes it over (runtime's cfg.cgroup) */
	struct berth_cgroup cgroup;
};

/* spec.c: the runtime spec of c (c->spec) from o and its image; mounts go to c->mounts. */
int berth_container_build_spec(struct berth_store *store, struct container *c,
			       const struct berth_run_options *o, struct berth_error **err);
/* lifecycle.c: removes the record and, as Docker's --rm does, its anonymous volumes. */
void berth_container_discard(struct berth_store *store, struct container *c);

struct berth_runtime_result;
/*
 * monitor.c: starts the container under a monitor. Detached: a forked
 * monitor; returns once it runs. Foreground: the caller's process is the
 * monitor; returns when the first run ended, with its exit code in
 * ret_result; a monitor with restarts left goes on in the background.
 */
int berth_container_start_monitor(struct berth_store *store, struct container *c,
				  struct berth_runtime_config *cfg, bool rm,
				  enum berth_restart_policy restart, int restart_max,
				  bool foreground, struct berth_runtime_result *ret_result,
				  struct berth_error **err);

/*
 * ops.c: sets State.Paused (and Status "paused") of a running record from
 * its freezer, live as Running is: called by berth_container_inspect.
 */
void berth_container_state_set_paused(json_t *st);
/* ops.c: thaws a frozen container so that a SIGKILL just sent takes effect. */
void berth_container_thaw(const json_t *st);

struct berth_spec;
/* The spec a container runs with (config.json), for a process to exec into it (exec.c). */
int berth_container_load_spec(const char *store_root, const char *id, struct berth_spec *spec,
			      struct berth_error **err);

/*
 * Health checks (health.c). The monitor starts the prober once the
 * container's process pid runs (0 when the record has no enabled check) and
 * stops it when that process ended, which records the state as Docker does
 * for a stopped container (unhealthy). st: the record the monitor just
 * wrote (its Healthcheck). They take the store's root path, not its handle:
 * the prober is a process of its own that closes every fd it inherited
 * (the handle's too) and finds the container's files by path.
 */
pid_t berth_container_health_start(const char *store_root, const char *id, const json_t *st,
				   pid_t pid);
/*
 * True when the container is to start again for its health: it ended
 * unhealthy and its --health-on-failure is restart (podman's rule: an
 * unhealthy container is restarted however it ended, unless stopped).
 */
bool berth_container_health_stop(const char *store_root, const char *id, const json_t *st,
				 pid_t prober);
/* Puts the recorded health (health.json) into the record st as State.Health. */
void berth_container_health_inspect(const char *store_root, const char *id, json_t *st);

/*
 * Networking (network.c). At create: checks o's --network, --ip and
 * --network-alias, records the mode and networks in st (HostConfig,
 * NetworkSettings) and sets spec's network namespace.
 */
int berth_container_net_configure(struct berth_store *store, const struct berth_run_options *o,
				  struct berth_spec *spec, json_t *st, struct berth_error **err);
/*
 * At create, after berth_container_net_configure: the record's hosts (its
 * own name, --add-host) and resolv.conf (--dns*, the host's resolvers; on
 * a network of its own without the loopback ones), and HostConfig's
 * ExtraHosts, Dns, DnsSearch, DnsOptions.
 */
int berth_container_net_etc_files(const char *store_root, int dfd,
				  const struct berth_run_options *o, const char *hostname,
				  json_t *st, struct berth_error **err);

/*
 * In the monitor, before the first start: takes the container's network
 * lock (*ret_lock, -EBADF when the container has no networks of its own),
 * attaches it to its networks and points the spec's network namespace path at its
 * namespace
 * (or at X's for container:X). Nothing is left behind on failure.
 */
int berth_container_net_up(struct berth_store *store, int cdir, const char *cid,
			   const char *hostname, struct berth_spec *spec, int *ret_lock,
			   struct berth_error **err);
/* When the monitor ends: detaches everything and drops the lock. */
void berth_container_net_down(const char *store_root, int cdir, const char *cid, int lock);
/*
 * At rm: whether a monitor killed with SIGKILL left the container's
 * namespace file (or its lock) behind, with endpoints and ports on its
 * networks; berth_container_net_reclaim then reclaims what every dead
 * container left, once for all the containers one rm removes.
 */
bool berth_container_net_left_behind(const char *store_root, const char *cid);
void berth_container_net_reclaim(const char *store_root);

/*
 * events.c: appends a container event to the store's event log with
 * Docker's attributes (labels, image, name) from the record st, plus extra
 * (NULL-terminated key, value pairs; NULL values left out). Never fails.
 */
void berth_container_event_st(struct berth_store *store, const json_t *st, const char *action,
			      const char *const *extra);
/*
 * exec_create, exec_start (phase; the action names cmd, as Docker's) and
 * exec_die (with exit_code, which may be NULL otherwise) of exec exec_id.
 */
void berth_container_exec_event(struct berth_store *store, const json_t *st, const char *phase,
				char *const *cmd, const char *exec_id, const int *exit_code);
/*
 * The same as berth_container_event_st, the record read from containers/<id>;
 * nothing when it is gone. A caller that holds the record passes it to
 * berth_container_event_st instead: this reads it again.
 */
void berth_container_event(struct berth_store *store, const char *id, const char *action,
			   const char *const *extra);
/*
 * The same by the store's root path, for health.c's prober: a process forked
 * off the monitor that closes every fd it inherited (the monitor's pipes and
 * a foreground berth's terminal are not its to hold open), the store
 * handle's with them, and logs health_status events for as long as the
 * container runs.
 */
void berth_container_event_at_root(const char *store_root, const char *id, const char *action,
				   const char *const *extra);

/*
 * Pods (pod.c). A container of a pod is run with its options rewritten:
 * the network of the pod's infra (container:<infra>), the pod's hostname,
 * o.pod its full id. Refuses --network, -p and --hostname (the pod's);
 * for a run (not a create), starts the infra when it is not running.
 */
struct berth_pod_member {
	struct berth_run_options o;
	char *pod_id, *network, *hostname;
};
int berth_pod_member_prepare(struct berth_store *store, const struct berth_run_options *o,
			     struct berth_pod_member *ret, struct berth_error **err);
void berth_pod_member_release(struct berth_pod_member *m);
/* Before a start of the pod container st (not the infra): its infra is started. */
int berth_pod_member_start(struct berth_store *store, const json_t *st, struct berth_error **err);
/*
 * In the monitor, before each start of a pod's container (not the infra):
 * points spec's IPC and UTS namespaces at the running infra's (its network
 * is joined as container:<infra> by berth_container_net_up).
 */
int berth_pod_member_join(struct berth_store *store, int cdir, const char *cid,
			  struct berth_spec *spec, struct berth_error **err);
/* EBUSY when st is the infra of a pod that exists and is not being removed. */
int berth_pod_infra_guard(struct berth_store *store, const json_t *st, const char *what,
			  struct berth_error **err);

/*
 * console.c, in the monitor of a container with a terminal or a stdin
 * pipe: the listening socket <cdir>/<id>/console.sock (-1 when it cannot
 * be made: the container runs without a console); serve hands fd (the pty
 * master or the pipe's writing end) to one client waiting on it, never
 * blocking, and says whether it did; close unlinks and closes it.
 */
int berth_container_console_listen(int cdir, const char *id);
bool berth_container_console_serve(int listen_fd, int fd);
/*
 * The stdin of a detached run of container id when its record says
 * OpenStdin and no Tty: a pipe (O_CLOEXEC), ret[0] the container's stdin,
 * ret[1] for the console; *ret_once its StdinOnce. 0 with both -EBADF when
 * it has none; -errno when the pipe cannot be made.
 */
int berth_container_console_stdin(int cdir, const char *id, int ret[2], bool *ret_once);
void berth_container_console_close(int cdir, const char *id, int listen_fd);
