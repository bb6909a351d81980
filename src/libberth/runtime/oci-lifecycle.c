/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI lifecycle verbs (oci.h): create (up to the exec fifo), start,
 * kill, delete, pause and resume, on the state directory ROOT/ID.
 */
#include "runtime/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strv.h"
#include "core/units.h"
#include "runtime/internal.h"

#define CONFIG_MAX (16 << 20)

/* field 22 of /proc/PID/stat, 0 when unreadable */
static uint64_t start_time_of(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *data = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (berth_read_file_at(AT_FDCWD, path, 4096, &data, &len, NULL) < 0)
		return 0;
	char *p = strrchr(data, ')');
	int field = 2;
	for (; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	return p && field == 22 ? strtoull(p, NULL, 10) : 0;
}

static int write_record(int dir_fd, const struct berth_oci_state *st, struct berth_error **err)
{
	_cleanup_json_ json_t *j = berth_oci_state_to_record(st);
	size_t len;
	_cleanup_free_ char *data = berth_json_dump(j, &len);
	return berth_write_file_replace(dir_fd, "state.json", data, len, 0600, err);
}

/*
 * bundle/config.json as a spec, root.path made absolute against the bundle
 * (the spec's rule for a relative one), and its annotations.
 */
static int load_bundle(const char *bundle, struct berth_spec *spec, json_t **ret_annotations,
		       struct berth_error **err)
{
	_cleanup_close_ int fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_json_ json_t *j = NULL;
	if (fd < 0)
		return berth_error_syscall(err, errno, "bundle '%s'", bundle);
	int r = berth_json_read_at(fd, "config.json", CONFIG_MAX, &j, err);
	if (r >= 0)
		r = berth_spec_from_json(j, spec, err);
	if (r < 0)
		return berth_error_prefix(err, "'%s/config.json'", bundle);
	if (spec->root_path[0] != '/') {
		char *abs = berth_xasprintf("%s/%s", bundle, spec->root_path);
		free(spec->root_path);
		spec->root_path = abs;
	}
	/* the nodes the runtime always makes must stay usable, whatever the rules say */
	if (spec->n_device_rules > 0)
		berth_spec_allow_default_devices(spec);
	json_t *ann = json_object_get(j, "annotations");
	*ret_annotations = json_is_object(ann) ? json_incref(ann) : json_object();
	return 0;
}

int berth_oci_send_console(const char *path, int master, struct berth_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return berth_error_set(err, ENAMETOOLONG, "console socket path '%s' is too long",
				       path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berth_error_syscall(err, errno, "connect to console socket '%s'", path);
	int r = berth_runtime_send_fd(sock, master);
	if (r < 0)
		return berth_error_syscall(err, -r, "send the console to '%s'", path);
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct berth_error **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open pid file '%s'", path);
	return berth_write_all(fd, buf, (size_t)n, err);
}

/* The state directory ROOT/ID, new; EEXIST says the id is taken. */
static int make_state_dir(const char *root, const char *id, int *ret_root_fd,
			  struct berth_error **err)
{
	int r = berth_mkdir_p(root, 0700, err);
	if (r < 0)
		return r;
	int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", root);
	if (mkdirat(root_fd, id, 0700) < 0) {
		r = errno == EEXIST
			    ? berth_error_set(err, EEXIST, "container '%s' already exists", id)
			    : berth_error_syscall(err, errno, "create '%s/%s'", root, id);
		close(root_fd);
		return r;
	}
	*ret_root_fd = root_fd;
	return 0;
}

/* After berth_runtime_start: the record, the console, the pid file. */
static int finish_create(const struct berth_oci_create_options *o, int dir_fd,
			 struct berth_oci_state *st, struct berth_runtime_process *p,
			 bool hand_over, struct berth_error **err)
{
	st->pid = p->pid;
	st->start_time = start_time_of(p->pid);
	st->cgroup.dirs = berth_strv_copy(p->cgroup.dirs);
	st->cgroup.kept = berth_strv_copy(p->cgroup.kept);
	int r = write_record(dir_fd, st, err);
	if (r < 0)
		return r;
	if (p->pty_master >= 0 && o->console_socket) {
		r = berth_oci_send_console(o->console_socket, p->pty_master, err);
		if (r < 0)
			return r;
	} else if (p->pty_master >= 0 && !hand_over) {
		return berth_error_set(err, EINVAL,
				       "process.terminal needs --console-socket to hand the "
				       "terminal to");
	}
	if (o->pid_file)
		return write_pid_file(o->pid_file, p->pid, err);
	return 0;
}

/* The caller keeps nothing of a created process but its record. */
static void forget_process(struct berth_runtime_process *p)
{
	berth_closep(&p->pidfd);
	berth_closep(&p->pty_master);
	berth_strv_free(p->cgroup.dirs);
	p->cgroup.dirs = NULL;
	berth_strv_free(p->cgroup.kept);
	p->cgroup.kept = NULL;
}

int berth_oci_create(const struct berth_oci_create_options *o,
		     struct berth_runtime_process *ret_process, struct berth_error **err)
{
	_cleanup_(berth_spec_release) struct berth_spec spec;
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	_cleanup_close_ int root_fd = -EBADF, dir_fd = -EBADF;
	_cleanup_free_ char *bundle = NULL, *fifo = NULL;
	struct berth_runtime_process p = {.pid = -1, .pidfd = -EBADF, .pty_master = -EBADF};
	struct berth_runtime_result res = {0};

	berth_spec_init(&spec);
	int r = berth_oci_check_id(o->id, err);
	if (r < 0)
		return r;
	r = berth_runtime_check_preserved_fds(o->preserve_fds, err);
	if (r < 0)
		return berth_error_prefix(err, "--preserve-fds");
	bundle = realpath(o->bundle, NULL);
	if (!bundle)
		return berth_error_syscall(err, errno, "bundle '%s'", o->bundle);
	st.id = berth_xstrdup(o->id);
	st.bundle = berth_xstrdup(bundle);
	st.created = berth_time_now_rfc3339nano();
	st.owner = geteuid();
	r = load_bundle(bundle, &spec, &st.annotations, err);
	if (r < 0)
		return r;
	st.post_hooks_known = true;
	for (unsigned point = BERTH_HOOK_POSTSTART; point <= BERTH_HOOK_POSTSTOP; point++)
		if (spec.n_hooks[point] > 0)
			st.post_hooks |= 1u << point;
	st.rootfs = berth_xstrdup(spec.root_path);
	r = make_state_dir(o->root, o->id, &root_fd, err);
	if (r < 0)
		return r;
	dir_fd = openat(root_fd, o->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	fifo = berth_xasprintf("%s/%s/exec.fifo", o->root, o->id);
	if (dir_fd < 0)
		r = berth_error_syscall(err, errno, "open '%s/%s'", o->root, o->id);
	else if ((r = write_record(dir_fd, &st, err)) >= 0 &&
		 mkfifoat(dir_fd, "exec.fifo", 0600) < 0)
		r = berth_error_syscall(err, errno, "create '%s'", fifo);
	if (r >= 0) {
		struct berth_runtime_config cfg = {
			.spec = &spec,
			.id = o->id,
			.stdio = {o->stdio[0], o->stdio[1], o->stdio[2]},
			.exec_fifo = fifo,
			.bundle = bundle,
			.preserve_fds = o->preserve_fds,
		};
		r = berth_runtime_start(&cfg, &p, &res, err);
	}
	if (r >= 0)
		r = finish_create(o, dir_fd, &st, &p, ret_process != NULL, err);
	if (r < 0) {
		if (p.pid > 0)
			berth_runtime_process_release(&p, NULL);
		berth_rm_rf_at(root_fd, o->id, NULL);
		return r;
	}
	if (ret_process)
		*ret_process = p;
	else
		forget_process(&p);
	return 0;
}

int berth_oci_run(const struct berth_oci_create_options *o, struct berth_runtime_result *ret_result,
		  struct berth_error **err)
{
	struct berth_runtime_process p;
	ret_result->exit_code = 1;
	int r = berth_oci_create(o, &p, err);
	if (r < 0)
		return r;
	r = berth_oci_start(o->root, o->id, err);
	if (r < 0)
		berth_runtime_process_release(&p, NULL);
	else
		r = berth_runtime_attach(o->stdio, &p, ret_result, err);
	berth_oci_delete(o->root, o->id, true, NULL);
	return r;
}

/*
 * The poststart or poststop hooks of the container's bundle, with its state
 * (as status) on their stdin. The runtime spec makes their failure a
 * warning: the container has started or stopped either way.
 */
static void run_post_hooks(const struct berth_oci_state *st, enum berth_oci_status status,
			   enum berth_hook_point point)
{
	_cleanup_(berth_spec_release) struct berth_spec spec;
	berth_spec_init(&spec);
	_cleanup_json_ json_t *ann = NULL;
	struct berth_error *e = NULL;
	/* none at create: config.json is not read again on every start and delete */
	if (st->post_hooks_known && !(st->post_hooks & (1u << point)))
		return;
	if (load_bundle(st->bundle, &spec, &ann, &e) >= 0 && spec.n_hooks[point] > 0) {
		struct berth_oci_state as = *st;
		as.status = status;
		_cleanup_json_ json_t *j = berth_oci_state_to_json(&as);
		_cleanup_free_ char *state = berth_json_dump(j, NULL);
		berth_hooks_run(&spec, point, state, &e);
	}
	if (e)
		berth_warn("%s hook of '%s': %s", berth_hook_point_name(point), st->id,
			   berth_error_msg(e));
	berth_error_free(&e);
}

/* The state and the directory fd of a container. */
static int open_container(const char *root, const char *id, struct berth_oci_state *st,
			  int *ret_dir_fd, struct berth_error **err)
{
	int r = berth_oci_load(root, id, st, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = berth_xasprintf("%s/%s", root, id);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		berth_oci_state_release(st);
		return berth_error_syscall(err, errno, "open '%s'", dir);
	}
	*ret_dir_fd = fd;
	return 0;
}

int berth_oci_start(const char *root, const char *id, struct berth_error **err)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	_cleanup_close_ int dir_fd = -EBADF, fifo_fd = -EBADF;
	int r = open_container(root, id, &st, &dir_fd, err);
	if (r < 0)
		return r;
	if (st.status != BERTH_OCI_CREATED)
		return berth_error_set(err, EINVAL, "cannot start a container that is %s",
				       berth_oci_status_name(st.status));
	/* O_NONBLOCK: ENXIO instead of waiting when the process is gone */
	fifo_fd = openat(dir_fd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo_fd < 0)
		return berth_error_syscall(err, errno, "start container '%s'", id);
	if (write(fifo_fd, "0", 1) != 1)
		return berth_error_syscall(err, errno, "start container '%s'", id);
	if (unlinkat(dir_fd, "exec.fifo", 0) < 0)
		return berth_error_syscall(err, errno, "remove the exec fifo of '%s'", id);
	run_post_hooks(&st, BERTH_OCI_RUNNING, BERTH_HOOK_POSTSTART);
	return 0;
}

/* A pidfd of the container's process that is sure to be it (not a reused pid). */
static int open_process(const struct berth_oci_state *st, struct berth_error **err)
{
	int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0 && errno != ESRCH)
		return berth_error_syscall(err, errno, "open process %d", (int)st->pid);
	if (fd < 0 || start_time_of(st->pid) != st->start_time) {
		if (fd >= 0)
			close(fd);
		return berth_error_set(err, ESRCH, "container '%s' is not running", st->id);
	}
	return fd;
}

static int kill_cgroup(const struct berth_oci_state *st, int sig, struct berth_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = berth_cgroup_pids(&st->cgroup, &pids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return berth_error_syscall(err, errno, "kill %d", (int)pids[i]);
	return 0;
}

int berth_oci_kill(const char *root, const char *id, int sig, bool all, struct berth_error **err)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	int r = berth_oci_load(root, id, &st, err);
	if (r < 0)
		return r;
	if (all)
		return kill_cgroup(&st, sig, err);
	if (st.status == BERTH_OCI_STOPPED || st.status == BERTH_OCI_CREATING)
		return berth_error_set(err, ESRCH, "container '%s' is not running", id);
	_cleanup_close_ int pidfd = open_process(&st, err);
	if (pidfd < 0)
		return pidfd;
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return berth_error_syscall(err, errno, "send signal %d to '%s'", sig, id);
	return 0;
}

/*
 * What a --force delete of a container without a state does, as runc's: it
 * succeeds (podman and the containerd shim delete --force after a failed
 * create) and removes the directory an aborted create left.
 */
static int delete_missing(const char *root, const char *id, struct berth_error **err)
{
	_cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return errno == ENOENT ? 0 : berth_error_syscall(err, errno, "open '%s'", root);
	return berth_rm_rf_at(root_fd, id, err);
}

int berth_oci_delete(const char *root, const char *id, bool force, struct berth_error **err)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	_cleanup_close_ int root_fd = -EBADF;
	int r = berth_oci_load(root, id, &st, err);
	if (r == -ENOENT && force) {
		berth_error_free(err);
		return delete_missing(root, id, err);
	}
	if (r < 0)
		return r;
	if (st.status != BERTH_OCI_STOPPED && st.status != BERTH_OCI_CREATING && !force)
		return berth_error_set(err, EBUSY,
				       "cannot delete container '%s' that is %s (use --force)", id,
				       berth_oci_status_name(st.status));
	if (st.status == BERTH_OCI_PAUSED)
		berth_cgroup_freeze(&st.cgroup, false, NULL);
	if (st.status != BERTH_OCI_STOPPED && st.status != BERTH_OCI_CREATING) {
		_cleanup_close_ int pidfd = open_process(&st, NULL);
		if (pidfd >= 0)
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	}
	/* a create that died before recording its cgroup: where berth_cgroup_create makes it */
	if (st.status == BERTH_OCI_CREATING && !st.cgroup.dirs)
		(void)berth_cgroup_find(id, &st.cgroup, NULL);
	/* destroying the cgroup kills what is left in it */
	r = berth_cgroup_destroy(&st.cgroup, err);
	if (r < 0)
		return r;
	run_post_hooks(&st, BERTH_OCI_STOPPED, BERTH_HOOK_POSTSTOP);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", root);
	return berth_rm_rf_at(root_fd, id, err);
}

int berth_oci_pause(const char *root, const char *id, bool pause, struct berth_error **err)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	int r = berth_oci_load(root, id, &st, err);
	if (r < 0)
		return r;
	enum berth_oci_status want = pause ? BERTH_OCI_RUNNING : BERTH_OCI_PAUSED;
	if (st.status != want)
		return berth_error_set(err, EINVAL, "cannot %s container '%s' that is %s",
				       pause ? "pause" : "resume", id,
				       berth_oci_status_name(st.status));
	return berth_cgroup_freeze(&st.cgroup, pause, err);
}

/* A number at obj.sub.key when there is one: 1, 0 when absent, -errno. */
static int get_nested(const json_t *j, const char *sub, const char *key, int64_t *ret,
		      struct berth_error **err)
{
	json_t *o;
	int r = berth_json_get_object(j, sub, false, &o, err);
	if (r == -ENOENT || (r >= 0 && !json_object_get(o, key)))
		return 0;
	if (r >= 0)
		r = berth_json_get_int(o, key, true, ret, err);
	if (r < 0)
		return berth_error_prefix(err, "resources.%s", sub);
	return 1;
}

int berth_oci_resources_from_json(const json_t *j, struct berth_spec *limits,
				  struct berth_error **err)
{
	int64_t v;
	int r;
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "resources: not a JSON object");
	if ((r = get_nested(j, "memory", "limit", &v, err)) < 0)
		return r;
	if (r > 0)
		limits->memory_limit = v < 0 ? -1 : v;
	if ((r = get_nested(j, "cpu", "quota", &v, err)) < 0)
		return r;
	if (r > 0)
		limits->cpu_quota = v <= 0 ? -1 : v;
	if ((r = get_nested(j, "cpu", "period", &v, err)) < 0)
		return r;
	if (r > 0 && v > 0)
		limits->cpu_period = (uint64_t)v;
	if ((r = get_nested(j, "pids", "limit", &v, err)) < 0)
		return r;
	if (r > 0)
		limits->pids_limit = v <= 0 ? -1 : v;
	return berth_cgroup_resources_from_json(j, &limits->resources, err);
}

int berth_oci_update(const char *root, const char *id, const struct berth_spec *limits,
		     struct berth_error **err)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	int r = berth_oci_load(root, id, &st, err);
	if (r < 0)
		return r;
	if (st.status == BERTH_OCI_STOPPED)
		return berth_error_set(err, ESRCH, "container '%s' is not running", id);
	return berth_cgroup_set_limits(&st.cgroup, limits, err);
}
