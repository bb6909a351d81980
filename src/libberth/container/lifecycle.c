/* SPDX-License-Identifier: Apache-2.0 */
/* `run`: options + image config -> spec -> record -> runtime; start, stop, kill, wait, rm. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "layer/layer.h"
#include "runtime/runtime.h"

char *berth_container_random_name(void)
{
	static const char *const adj[] = {"brave", "calm",  "eager",  "fancy", "gentle", "happy",
					  "jolly", "keen",  "lucid",  "merry", "nifty",	 "proud",
					  "quiet", "sharp", "tender", "vivid"};
	static const char *const noun[] = {
		"anchor", "bollard", "buoy",   "cleat",	  "dock", "ferry", "harbor", "hull",
		"jetty",  "keel",    "marina", "mooring", "pier", "quay",  "rudder", "wharf"};
	char hex[3];
	berth_random_hex(hex, 1);
	unsigned v = (unsigned)strtoul(hex, NULL, 16);
	return berth_xasprintf("%s_%s", adj[v >> 4], noun[v & 15]);
}

/* Docker's ENTRYPOINT/CMD combination. */
/* hosts and resolv.conf are network.c's (berth_container_net_etc_files) */
static int write_hostname(int dfd, const char *hostname, bool durable, struct berth_error **err)
{
	_cleanup_free_ char *hn = berth_xasprintf("%s\n", hostname);
	return berth_container_record_file_write(dfd, "hostname", hn, strlen(hn), 0644, durable,
						 err);
}

/*
 * A container's rootfs: an overlay, made by layer/ for every start, of its
 * lower dirs (bottom first) under the upper and work dirs in
 * containers/<id>/.
 */
struct container_rootfs {
	struct berth_overlay overlay;
	char **lower;
	char *upper, *work;
};

static void container_rootfs_init(struct container_rootfs *rf, const struct container *c,
				  char *const *lower)
{
	rf->lower = berth_strv_copy(lower);
	rf->upper = berth_xasprintf("%s/upper", c->dir);
	rf->work = berth_xasprintf("%s/work", c->dir);
	/* device nodes in the image work in the container, as with Docker */
	rf->overlay = (struct berth_overlay){.lowerdirs = rf->lower,
					     .upper = rf->upper,
					     .work = rf->work,
					     .flags = BERTH_OVERLAY_DEVICES};
}

static void container_rootfs_release(struct container_rootfs *rf)
{
	berth_strv_free(rf->lower);
	free(rf->upper);
	free(rf->work);
	memset(rf, 0, sizeof(*rf));
}

static void container_release(struct container *c)
{
	free(c->name);
	free(c->dir);
	if (c->cdir >= 0)
		close(c->cdir);
	berth_spec_release(&c->spec);
	berth_strv_free(c->anon_volumes);
	if (c->mounts)
		json_decref(c->mounts);
	if (c->cgroup.dirs)
		berth_cgroup_destroy(&c->cgroup, NULL); /* never started */
}

/*
 * The cgroup of the first start, made now: its attach's wait for the kernel
 * passes while the rest is prepared (runtime/cgroup-warm.c).
 */
static int make_cgroup_early(struct container *c, struct berth_error **err)
{
	int r = berth_cgroup_create(c->id, &c->spec, &c->cgroup, err);
	if (r >= 0)
		berth_cgroup_warm_begin();
	return r;
}

/*
 * Config.Labels: the image's, then the run's over them ("K" alone: an empty
 * value), in key order as Docker writes a map.
 */
json_t *berth_container_labels_json(char *const *image_labels, char *const *labels)
{
	_cleanup_json_ json_t *all = json_object();
	char *const *lists[] = {image_labels, labels};
	for (size_t i = 0; i < ELEMENTSOF(lists); i++)
		BERTH_STRV_FOREACH (l, lists[i]) {
			const char *eq = strchr(*l, '=');
			_cleanup_free_ char *k =
				eq ? berth_xstrndup(*l, (size_t)(eq - *l)) : berth_xstrdup(*l);
			json_object_set_new(all, k, json_string(eq ? eq + 1 : ""));
		}
	_cleanup_strv_free_ char **keys = NULL;
	const char *k;
	json_t *v;
	json_object_foreach (all, k, v)
		berth_strv_push(&keys, k);
	berth_strv_sort(keys);
	json_t *sorted = json_object();
	BERTH_STRV_FOREACH (key, keys)
		json_object_set(sorted, *key, json_object_get(all, *key));
	return sorted;
}

/*
 * What run overrode of the image's ENTRYPOINT and CMD ({"Entrypoint": [...]}
 * with --entrypoint, [] when it cleared it; {"Cmd": [...]} with a command):
 * Config.Cmd holds only the resulting process, and `kube generate` writes
 * command/args of the overrides alone. Records made before it lack the key.
 */
static json_t *run_overrides_json(const struct berth_run_options *o)
{
	json_t *ov = json_object();
	if (o->entrypoint) {
		json_t *ep = json_array();
		if (*o->entrypoint)
			json_array_append_new(ep, json_string(o->entrypoint));
		json_object_set_new(ov, "Entrypoint", ep);
	}
	if (o->cmd)
		json_object_set_new(ov, "Cmd", berth_json_strv(o->cmd));
	return ov;
}

static json_t *make_state(const struct container *c, const struct berth_run_options *o)
{
	_cleanup_free_ char *now = berth_container_now();
	json_t *st = json_object();
	json_object_set_new(st, "Id", json_string(c->id));
	json_object_set_new(st, "Name", json_string(c->name));
	json_object_set_new(st, "Created", json_string(now));
	json_object_set_new(st, "Path", json_string(c->spec.args[0]));
	json_object_set_new(st, "Args", berth_json_strv(c->spec.args + 1));
	json_object_set_new(st, "Image", json_string(o->image && o->image->id ? o->image->id : ""));
	json_object_set_new(st, "ImageRef",
			    json_string(o->image && o->image->ref ? o->image->ref : ""));
	json_object_set_new(st, "Rootfs", json_string(o->rootfs ? o->rootfs : ""));
	if (o->pod)
		json_object_set_new(st, "Pod", json_string(o->pod));
	if (o->pod_infra)
		json_object_set_new(st, "IsInfra", json_true());
	json_object_set_new(st, "State",
			    json_pack("{s:s, s:b, s:i, s:i, s:s, s:s}", "Status", "created",
				      "Running", 0, "Pid", 0, "ExitCode", 0, "StartedAt",
				      "0001-01-01T00:00:00Z", "FinishedAt",
				      "0001-01-01T00:00:00Z"));
	json_t *cfg = json_object();
	json_object_set_new(cfg, "Hostname", json_string(c->spec.hostname));
	json_object_set_new(cfg, "Domainname",
			    json_string(c->spec.domainname ? c->spec.domainname : ""));
	json_object_set_new(cfg, "User", json_string(c->spec.username ? c->spec.username : ""));
	json_object_set_new(cfg, "Env", berth_json_strv(c->spec.env));
	json_object_set_new(cfg, "Cmd", berth_json_strv(c->spec.args));
	json_object_set_new(cfg, "WorkingDir", json_string(c->spec.cwd));
	json_object_set_new(cfg, "Tty", json_boolean(o->tty));
	json_object_set_new(cfg, "OpenStdin", json_boolean(o->interactive));
	json_object_set_new(cfg, "StdinOnce", json_boolean(o->interactive && o->stdin_once));
	_cleanup_free_ char *ss = o->stop_signal > 0 && sigabbrev_np(o->stop_signal)
					  ? berth_xasprintf("SIG%s", sigabbrev_np(o->stop_signal))
				  : o->stop_signal > 0 ? berth_xasprintf("%d", o->stop_signal)
				  : o->image && o->image->stop_signal && *o->image->stop_signal
					  ? berth_xstrdup(o->image->stop_signal)
					  : berth_xstrdup("SIGTERM");
	json_object_set_new(cfg, "StopSignal", json_string(ss));
	json_object_set_new(
		cfg, "Labels",
		berth_container_labels_json(o->image ? o->image->labels : NULL, o->labels));
	struct berth_health_config hc;
	berth_health_config_merge(o->image ? o->image->health : NULL, o->health, &hc);
	if (hc.test)
		json_object_set_new(cfg, "Healthcheck", berth_health_config_to_json(&hc));
	if (o->health_on_failure != BERTH_HEALTH_ON_FAILURE_NONE)
		json_object_set_new(
			cfg, "HealthcheckOnFailureAction",
			json_string(berth_health_on_failure_to_string(o->health_on_failure)));
	if (o->image && o->image->shell)
		json_object_set_new(cfg, "Shell", berth_json_strv(o->image->shell));
	berth_health_config_release(&hc);
	json_object_set_new(st, "Config", cfg);
	_cleanup_free_ char *restart = berth_runspec_restart_format(o->restart, o->restart_max);
	json_object_set_new(st, "HostConfig",
			    json_pack("{s:b, s:b, s:b, s:s, s:s}", "AutoRemove", o->rm, "Init",
				      o->init, "ReadonlyRootfs", o->read_only, "NetworkMode",
				      o->network ? o->network : "bridge", "RestartPolicy",
				      restart));
	json_t *host = json_object_get(st, "HostConfig");
	json_object_set_new(host, "Memory", json_integer(o->memory > 0 ? o->memory : 0));
	json_object_set_new(host, "NanoCpus", json_integer(o->nano_cpus > 0 ? o->nano_cpus : 0));
	json_object_set_new(host, "CapAdd", berth_json_strv(o->cap_add));
	json_object_set_new(host, "CapDrop", berth_json_strv(o->cap_drop));
	json_object_set_new(st, "RunOverrides", run_overrides_json(o));
	json_object_set(st, "Mounts", c->mounts);
	json_object_set_new(st, "AnonymousVolumes", berth_json_strv(c->anon_volumes));
	return st;
}

/*
 * Makes the container's directory and files; its record (state.json) is
 * *ret_st, written by the caller once it knows the rootfs (Lowerdirs).
 */
static int create_container(struct berth_store *store, const struct berth_run_options *o,
			    struct container *c, json_t **ret_st, struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	int r;
	c->cdir = berth_container_dir_open(store, err);
	if (c->cdir < 0)
		return c->cdir;
	if (o->name) {
		if (!berth_container_name_is_valid(o->name))
			return berth_error_set(err, EINVAL,
					       "invalid container name '%s': only "
					       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
					       o->name);
		const char *n = o->name[0] == '/' ? o->name + 1 : o->name;
		if (berth_container_name_in_use(c->cdir, n))
			return berth_error_set(err, EEXIST,
					       "the container name '%s' is already in use", n);
		c->name = berth_xstrdup(n);
	} else {
		for (int i = 0; i < 8 && !c->name; i++) {
			char *n = berth_container_random_name();
			if (berth_container_name_in_use(c->cdir, n))
				free(n);
			else
				c->name = n;
		}
		if (!c->name)
			c->name = berth_xasprintf("berth_%.12s", c->id);
	}
	if (mkdirat(c->cdir, c->id, 0700) < 0)
		return berth_error_syscall(err, errno, "create container '%s'", c->id);
	c->dir = berth_xasprintf("%s/containers/%s", store_root, c->id);
	_cleanup_close_ int dfd = openat(c->cdir, c->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open container '%s'", c->id);
	static const char *const dirs[] = {"upper", "work", "merged"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
		if (mkdirat(dfd, dirs[i], 0755) < 0)
			return berth_error_syscall(err, errno, "create '%s/%s'", c->dir, dirs[i]);
	c->mounts = json_array();
	r = berth_container_build_spec(store, c, o, err);
	if (r >= 0 && !o->create_only)
		r = make_cgroup_early(c, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *st = make_state(c, o);
	r = berth_container_net_configure(store, o, &c->spec, st, err);
	if (r < 0)
		return r;
	r = write_hostname(dfd, c->spec.hostname, !o->rm, err);
	if (r < 0)
		return r;
	r = berth_container_net_etc_files(store_root, dfd, o, c->spec.hostname, st, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *sj = berth_spec_to_json(&c->spec);
	_cleanup_free_ char *s = berth_json_dump(sj, NULL);
	r = berth_container_record_file_write(dfd, "config.json", s, strlen(s), 0600, !o->rm, err);
	if (r < 0)
		return r;
	*ret_st = TAKE_PTR(st);
	return 0;
}

/* Removes the record and, as Docker's --rm does, its anonymous volumes. */
void berth_container_discard(struct berth_store *store, struct container *c)
{
	if (c->cdir >= 0 && c->id[0])
		berth_rm_rf_at(c->cdir, c->id, NULL);
	BERTH_STRV_FOREACH (v, c->anon_volumes)
		berth_volume_remove(store, *v, true, NULL);
}

static int run_container(struct berth_store *store, const struct berth_run_options *o,
			 struct berth_run_result *ret, struct berth_error **err);

int berth_container_run(struct berth_store *store, const struct berth_run_options *o,
			struct berth_run_result *ret, struct berth_error **err)
{
	if (!o->pod || o->pod_infra)
		return run_container(store, o, ret, err);
	memset(ret, 0, sizeof(*ret));
	_cleanup_(berth_pod_member_release) struct berth_pod_member m = {0};
	int r = berth_pod_member_prepare(store, o, &m, err);
	if (r < 0)
		return r;
	return run_container(store, &m.o, ret, err);
}

/* An action on failure is for a container whose health is checked. */
static bool on_failure_has_check(const struct berth_run_options *o)
{
	if (o->health_on_failure == BERTH_HEALTH_ON_FAILURE_NONE)
		return true;
	struct berth_health_config hc;
	berth_health_config_merge(o->image ? o->image->health : NULL, o->health, &hc);
	bool enabled = berth_health_config_is_enabled(&hc);
	berth_health_config_release(&hc);
	return enabled;
}

static int run_container(struct berth_store *store, const struct berth_run_options *o,
			 struct berth_run_result *ret, struct berth_error **err)
{
	struct container c = {.cdir = -EBADF};
	_cleanup_(container_rootfs_release) struct container_rootfs rootfs = {0};
	_cleanup_free_ char *empty = NULL;
	int r;

	berth_spec_init(&c.spec);
	memset(ret, 0, sizeof(*ret));
	if (!o->rootfs && !o->image) {
		container_release(&c);
		return berth_error_set(err, EINVAL, "no image and no --rootfs given");
	}
	if (!on_failure_has_check(o)) {
		container_release(&c);
		return berth_error_set(err, EINVAL,
				       "--health-on-failure %s needs a health check (--health-cmd "
				       "or the image's HEALTHCHECK)",
				       berth_health_on_failure_to_string(o->health_on_failure));
	}
	berth_random_hex(c.id, 32);
	memcpy(ret->id, c.id, sizeof(c.id));
	_cleanup_free_ char *rootfs_abs = NULL;
	if (o->rootfs) {
		rootfs_abs = realpath(o->rootfs, NULL);
		struct stat st;
		if (!rootfs_abs || stat(rootfs_abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
			container_release(&c);
			return berth_error_set(err, ENOENT, "rootfs '%s' is not a directory",
					       o->rootfs);
		}
	}
	_cleanup_json_ json_t *rec = NULL;
	r = create_container(store, o, &c, &rec, err);
	if (r < 0)
		goto out_remove;

	char *rootfs_lower[2] = {rootfs_abs, NULL};
	char *empty_lower[2] = {NULL, NULL};
	if (!o->rootfs && berth_strv_len(o->image->lowerdirs) == 0) {
		/* an image without layers: overlay still needs one lower dir */
		empty = berth_xasprintf("%s/empty", c.dir);
		if (mkdir(empty, 0755) < 0) {
			r = berth_error_syscall(err, errno, "create '%s'", empty);
			goto out_remove;
		}
		empty_lower[0] = empty;
	}
	container_rootfs_init(&rootfs, &c,
			      o->rootfs ? rootfs_lower
			      : empty	? empty_lower
					: o->image->lowerdirs);
	struct berth_runtime_config cfg = {
		.spec = &c.spec,
		.id = c.id,
		.open_rootfs = berth_overlay_open_cb,
		.rootfs_ctx = &rootfs.overlay,
		.stdio = {o->interactive ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO},
		.init = o->init,
		.pause = o->pod_infra,
		.cgroup = &c.cgroup,
	};
	struct berth_runtime_result res = {0};
	json_t *l = json_array();
	/* top first, as overlay's lowerdir= option listed them when berth used it */
	for (size_t i = berth_strv_len(rootfs.lower); i > 0; i--)
		json_array_append_new(l, json_string(rootfs.lower[i - 1]));
	json_object_set_new(rec, "Lowerdirs", l);
	r = berth_container_state_write(c.cdir, c.id, rec, err);
	if (r < 0)
		goto out_remove;
	berth_container_event_st(store, rec, "create", NULL);
	if (o->create_only) {
		/* `create`: the record is complete; `start` runs it */
		container_release(&c);
		return 0;
	}
	/* a monitor owns the container (berth's own process in the foreground): ps, stop, exec see it */
	r = berth_container_start_monitor(store, &c, &cfg, o->rm, o->restart, o->restart_max,
					  !o->detach, &res, err);
	ret->exit_code = res.exit_code;
	ret->exec_errno = res.exec_errno;
	if (r < 0 && !res.exec_errno)
		goto out_remove;
	/* a command that could not be executed leaves an exited record, gone with --rm */
	if (r < 0 && o->rm)
		berth_container_discard(store, &c);
	container_release(&c);
	return r;

out_remove:
	/* a container that never ran leaves nothing behind */
	berth_container_discard(store, &c);
	container_release(&c);
	return r;
}

/* ---- lifecycle of recorded containers ---- */

int berth_container_kill(struct berth_store *store, const char *what, int sig,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_running_state(store, what, &st, err);
	if (r < 0)
		return r;
	json_int_t pid = json_integer_value(json_object_get(json_object_get(st, "State"), "Pid"));
	if (pid <= 0 || kill((pid_t)pid, sig) < 0)
		return berth_error_syscall(err, errno ? errno : ESRCH, "kill container '%s'", what);
	if (sig == SIGKILL)
		berth_container_thaw(st); /* a frozen process dies only once thawed */
	char signame[16];
	snprintf(signame, sizeof(signame), "%d", sig);
	berth_container_event_st(store, st, "kill", (const char *[]){"signal", signame, NULL});
	return 0;
}

int berth_container_wait(struct berth_store *store, const char *what, int timeout_ms, int *ret_code,
			 struct berth_error **err)
{
	return berth_container_wait_for(store, what, BERTH_WAIT_NOT_RUNNING, timeout_ms, ret_code,
					err);
}

int berth_container_wait_for(struct berth_store *store, const char *what,
			     enum berth_wait_condition cond, int timeout_ms, int *ret_code,
			     struct berth_error **err)
{
	_cleanup_free_ char *id = NULL, *finished = NULL;
	int r = berth_container_find(store, what, &id, err);
	if (r < 0)
		return r;
	/* the sleeps grow from 1 ms to 50: a SIGKILLed container is recorded
	 * ended within milliseconds, and rm -f or stop waited a whole 50 ms */
	for (int waited = 0, step = 1;; waited += step, step = step < 25 ? step * 2 : 50) {
		_cleanup_json_ json_t *st = NULL;
		r = berth_container_inspect(store, id, &st, err);
		/* EBADMSG: caught between the removal of state.json and of its directory */
		if ((r == -ENOENT || r == -EBADMSG) && cond == BERTH_WAIT_REMOVED && finished) {
			berth_error_free(err);
			return 0;
		}
		if (r < 0)
			return r;
		json_t *s = json_object_get(st, "State");
		const char *at = json_string_value(json_object_get(s, "FinishedAt"));
		bool running = berth_container_state_is_running(st);
		/* next-exit: an exit recorded after the first look (FinishedAt moved) */
		bool exited = !running && (cond != BERTH_WAIT_NEXT_EXIT ||
					   (finished && at && strcmp(at, finished) != 0));
		if (!finished)
			finished = berth_xstrdup(at ? at : "");
		if (exited || (!running && cond == BERTH_WAIT_REMOVED))
			*ret_code = (int)json_integer_value(json_object_get(s, "ExitCode"));
		if (exited && cond != BERTH_WAIT_REMOVED)
			return 0;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){.tv_nsec = step * 1000000L}, NULL);
	}
}

/*
 * Records whether a stop was asked for: the monitor reads it before it
 * applies the restart policy, so a stop that is not recorded is not a stop.
 * ENOENT when the record is gone (an --rm container that just ended).
 */
static int mark_stop(struct berth_store *store, const char *id, bool stop, struct berth_error **err)
{
	_cleanup_close_ int cdir = berth_container_dir_open(store, err);
	if (cdir < 0)
		return cdir;
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, id);
	if (!st)
		return berth_error_set(err, ENOENT, "container '%s' has no readable state", id);
	json_object_set_new(st, "StopRequested", json_boolean(stop));
	int r = berth_container_state_write(cdir, id, st, err);
	if (r < 0)
		return berth_error_prefix(err, "record the stop of container '%s'", id);
	return 0;
}

/* mark_stop(true) before a kill; a record gone meanwhile needs no mark. */
static int mark_stopping(struct berth_store *store, const char *id, struct berth_error **err)
{
	int r = mark_stop(store, id, true, err);
	if (r == -ENOENT) {
		berth_error_free(err);
		return 0;
	}
	return r;
}

int berth_container_stop(struct berth_store *store, const char *what, int timeout_s,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *id = NULL;
	int r = berth_container_find(store, what, &id, err);
	if (r < 0)
		return r;
	r = berth_container_inspect(store, id, &st, err);
	if (r < 0)
		return r;
	if (!berth_container_state_is_running(st))
		return 0;
	r = mark_stopping(store, id, err);
	if (r < 0)
		return r;
	const char *sig_name =
		json_string_value(json_object_get(json_object_get(st, "Config"), "StopSignal"));
	int sig = sig_name ? berth_runspec_parse_signal(sig_name) : SIGTERM;
	if (sig < 0)
		sig = SIGTERM;
	berth_container_kill(store, id, sig, NULL);
	int code;
	if (berth_container_wait(store, id, timeout_s * 1000, &code, NULL) != -ETIMEDOUT) {
		berth_container_event_st(store, st, "stop", NULL);
		return 0;
	}
	/* SIGKILL cannot be refused, but a loaded machine may take seconds to
	 * reap and record it: a stop that returns must mean stopped */
	berth_container_kill(store, id, SIGKILL, NULL);
	if (berth_container_wait(store, id, 60000, &code, NULL) == -ETIMEDOUT)
		return berth_error_set(err, ETIMEDOUT,
				       "container %.12s did not stop within 60 s of SIGKILL", id);
	berth_container_event_st(store, st, "stop", NULL);
	return 0;
}

/*
 * Whether path is a cgroup directory berth made for container id: below
 * /sys/fs/cgroup, no "..", named berth-<id> (v1) or berth/<id> (v2). The
 * record is berth's own, but nothing outside that shape is ever removed.
 */
static bool is_container_cgroup(const char *path, const char *id)
{
	static const char root[] = "/sys/fs/cgroup/";
	if (strncmp(path, root, sizeof(root) - 1) != 0 || strstr(path, "/../") ||
	    strstr(path, "//"))
		return false;
	const char *base = strrchr(path, '/') + 1;
	if (strncmp(base, "berth-", 6) == 0 && strcmp(base + 6, id) == 0)
		return true;
	size_t n = strlen(path), m = strlen(id);
	return n > m + 7 && strcmp(path + n - m, id) == 0 &&
	       strncmp(path + n - m - 7, "/berth/", 7) == 0;
}

/*
 * The cgroups a dead monitor left (it was killed before it could remove
 * them): what is still in them is killed and the directories removed. Those
 * it made but had not recorded yet are found where they are made.
 */
static int remove_leftover_cgroups(const json_t *st, const char *id, struct berth_error **err)
{
	struct berth_cgroup cg = {0};
	if (berth_cgroup_find(id, &cg, NULL) < 0)
		cg = (struct berth_cgroup){0};
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(st, "CgroupPaths"), i, v) {
		const char *d = json_string_value(v);
		if (d && is_container_cgroup(d, id) && !berth_strv_contains(cg.dirs, d))
			berth_strv_push(&cg.dirs, d);
	}
	return berth_cgroup_destroy(&cg, err);
}

/* One container of a removal: its record, and whether rm killed it. */
struct removal {
	char *id;
	json_t *st;
	bool killed;
};

/*
 * Whether the monitor of st may start it again once it ended: a policy
 * other than "no", or --health-on-failure restart.
 */
static bool may_restart(const json_t *st)
{
	const char *policy = json_string_value(
		json_object_get(json_object_get(st, "HostConfig"), "RestartPolicy"));
	const char *on_failure = json_string_value(
		json_object_get(json_object_get(st, "Config"), "HealthcheckOnFailureAction"));
	enum berth_restart_policy p;
	int max;
	if (on_failure && strcmp(on_failure, "restart") == 0)
		return true;
	return berth_runspec_parse_restart(policy ? policy : "no", &p, &max, NULL) < 0 ||
	       p != BERTH_RESTART_NO;
}

/* Whether it can go; a running one (force) is marked stopped and killed, not waited for. */
static int removal_begin(struct berth_store *store, const char *what, bool force,
			 struct removal *rm, struct berth_error **err)
{
	int r = berth_container_inspect(store, rm->id, &rm->st, err);
	if (r < 0)
		return r;
	r = berth_pod_infra_guard(store, rm->st, what, err);
	if (r < 0)
		return r;
	if (!berth_container_state_is_running(rm->st))
		return 0;
	if (!force)
		return berth_error_set(err, EBUSY,
				       "cannot remove container '%s': it is running: stop it "
				       "first or use --force",
				       what);
	/* the mark (two fsyncs) matters only to a monitor that would restart it */
	r = may_restart(rm->st) ? mark_stopping(store, rm->id, err) : 0;
	if (r < 0)
		return r;
	berth_container_kill(store, rm->id, SIGKILL, NULL);
	rm->killed = true;
	return 0;
}

/* The monitor records the end once the process is reaped and its cgroups removed. */
static int removal_wait(struct berth_store *store, const char *what, const struct removal *rm,
			struct berth_error **err)
{
	int code;
	if (rm->killed && berth_container_wait(store, rm->id, 10000, &code, NULL) == -ETIMEDOUT)
		return berth_error_set(err, ETIMEDOUT,
				       "cannot remove container '%s': it is still running "
				       "10 s after SIGKILL",
				       what);
	return 0;
}

/* What a stopped container leaves: its cgroups, its directory, its anonymous volumes. */
static int removal_finish(struct berth_store *store, int cdir, const char *what,
			  const struct removal *rm, bool *net_left, struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	int r = remove_leftover_cgroups(rm->st, rm->id, err);
	if (r < 0)
		return berth_error_prefix(err, "cannot remove container '%s'", what);
	*net_left = *net_left || berth_container_net_left_behind(store_root, rm->id);
	r = berth_rm_rf_at(cdir, rm->id, err);
	if (r < 0)
		return berth_error_prefix(err, "remove container '%s'", what);
	berth_container_event_st(store, rm->st, "destroy", NULL);
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(rm->st, "AnonymousVolumes"), i, v)
		berth_volume_remove(store, json_string_value(v), true, NULL);
	return 0;
}

/* Whether an earlier operand of the same removal named id. */
static bool removal_seen(const struct removal *v, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (v[k].id && strcmp(v[k].id, v[i].id) == 0)
			return true;
	return false;
}

/*
 * Three passes so that the waits overlap: rm -f of n running containers
 * waits about as long as for one of them, not n times as long.
 */
static void removal_run(struct berth_store *store, char *const *what, size_t n, bool force,
			struct removal *v, struct berth_error **errs)
{
	_cleanup_close_ int cdir = -EBADF;
	bool net_left = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i].id && removal_seen(v, i))
			berth_error_set(&errs[i], ENOENT, "no such container: '%s'", what[i]);
		else if (v[i].id)
			removal_begin(store, what[i], force, &v[i], &errs[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (!errs[i])
			removal_wait(store, what[i], &v[i], &errs[i]);
	for (size_t i = 0; i < n; i++) {
		if (errs[i])
			continue;
		if (cdir < 0)
			cdir = berth_container_dir_open(store, &errs[i]);
		if (cdir >= 0)
			removal_finish(store, cdir, what[i], &v[i], &net_left, &errs[i]);
	}
	if (net_left)
		berth_container_net_reclaim(berth_store_root_path(store));
}

int berth_container_remove_many(struct berth_store *store, char *const *what, size_t n, bool force,
				struct berth_error **errs)
{
	_cleanup_free_ char **ids = berth_xcalloc(n ? n : 1, sizeof(*ids));
	_cleanup_free_ struct removal *v = berth_xcalloc(n ? n : 1, sizeof(*v));
	berth_container_find_many(store, what, n, ids, errs);
	for (size_t i = 0; i < n; i++)
		v[i].id = ids[i];
	removal_run(store, what, n, force, v, errs);
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		json_decref(v[i].st);
		if (errs[i] && !first)
			first = -berth_error_code(errs[i]);
	}
	return first;
}

int berth_container_remove(struct berth_store *store, const char *what, bool force,
			   struct berth_error **err)
{
	struct berth_error *e = NULL;
	int r = berth_container_remove_many(store, (char *const[]){(char *)what}, 1, force, &e);
	if (r < 0) {
		if (err)
			*err = e;
		else
			berth_error_free(&e);
	}
	return r;
}

int berth_container_start(struct berth_store *store, const char *what, struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	struct container c = {.cdir = -EBADF};
	_cleanup_free_ char *id = NULL;
	_cleanup_(container_rootfs_release) struct container_rootfs rootfs = {0};
	_cleanup_json_ json_t *st = NULL, *sj = NULL;
	_cleanup_strv_free_ char **lower = NULL;
	int r = berth_container_find(store, what, &id, err);
	if (r < 0)
		return r;
	r = berth_container_inspect(store, id, &st, err);
	if (r < 0)
		return r;
	if (berth_container_state_is_running(st))
		return 0;
	r = berth_pod_member_start(store, st, err);
	if (r < 0)
		return berth_error_prefix(err, "start the pod of container '%s'", what);
	berth_spec_init(&c.spec);
	memcpy(c.id, id, 65);
	c.cdir = berth_container_dir_open(store, err);
	if (c.cdir < 0)
		return c.cdir;
	c.dir = berth_xasprintf("%s/containers/%s", store_root, id);
	c.name = berth_xstrdup(json_string_value(json_object_get(st, "Name")));
	_cleanup_free_ char *cfgname = berth_xasprintf("%s/config.json", id);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	r = berth_read_file_at(c.cdir, cfgname, BERTH_CONTAINER_RECORD_MAX, &data, &len, err);
	if (r >= 0)
		r = berth_json_parse(data, len, cfgname, &sj, err);
	if (r >= 0)
		r = berth_spec_from_json(sj, &c.spec, err);
	if (r < 0) {
		container_release(&c);
		return berth_error_prefix(err, "container '%s'", what);
	}
	r = make_cgroup_early(&c, err);
	if (r < 0) {
		container_release(&c);
		return r;
	}
	size_t i;
	json_t *v;
	/* the record lists them top first */
	json_t *lowers = json_object_get(st, "Lowerdirs");
	for (i = json_array_size(lowers); i > 0; i--)
		berth_strv_push(&lower, json_string_value(json_array_get(lowers, i - 1)));
	json_t *anon = json_object_get(st, "AnonymousVolumes");
	json_array_foreach (anon, i, v)
		berth_strv_push(&c.anon_volumes, json_string_value(v));
	container_rootfs_init(&rootfs, &c, lower);
	r = mark_stop(store, id, false, err);
	if (r < 0) {
		container_release(&c);
		return r;
	}
	struct berth_runtime_config cfg = {
		.spec = &c.spec,
		.id = c.id,
		.open_rootfs = berth_overlay_open_cb,
		.rootfs_ctx = &rootfs.overlay,
		.init = json_is_true(json_object_get(json_object_get(st, "HostConfig"), "Init")),
		.pause = json_is_true(json_object_get(st, "IsInfra")),
		.cgroup = &c.cgroup,
	};
	json_t *hc = json_object_get(st, "HostConfig");
	const char *policy = json_string_value(json_object_get(hc, "RestartPolicy"));
	enum berth_restart_policy restart;
	int restart_max;
	struct berth_runtime_result res;
	r = berth_runspec_parse_restart(policy ? policy : "no", &restart, &restart_max, err);
	if (r >= 0)
		r = berth_container_start_monitor(store, &c, &cfg,
						  json_is_true(json_object_get(hc, "AutoRemove")),
						  restart, restart_max, false, &res, err);
	container_release(&c);
	return r;
}
