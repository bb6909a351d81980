/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The child side of the executor: what the clone made by
 * berth_runtime_start (linux.c) runs up to execve, in the container's new
 * namespaces. It joins the namespaces of the spec's paths, attaches the rootfs, makes
 * the mounts (mount.c), pivots into the rootfs, sets the hostname, the
 * rlimits, seccomp, the identity and capabilities, then (with --init) forks
 * the main process under the built-in init and execs. It cannot print: a
 * failure goes over the report pipe (berth_runtime_child_fail).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/netif.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/lazylib.h"
#include "core/strv.h"
#include "runtime/internal.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum {
	REPORT_SETUP = BERTH_REPORT_SETUP,
	REPORT_EXEC = BERTH_REPORT_EXEC
};

#define child_fail berth_runtime_child_fail

static _Noreturn void child_fail_err(int fd, struct berth_error *e)
{
	child_fail(fd, REPORT_SETUP, e ? e->code : EIO, "%s", berth_error_msg(e));
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_CPU", RLIMIT_CPU},	      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_DATA", RLIMIT_DATA},	      {"RLIMIT_STACK", RLIMIT_STACK},
	{"RLIMIT_CORE", RLIMIT_CORE},	      {"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_NPROC", RLIMIT_NPROC},	      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},	      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

/*
 * Only the limits the spec names are set: berth never raises a limit on its
 * own (a host whose root lacks CAP_SYS_RESOURCE refuses it). When the spec
 * asks for more than the hard limit allows, the error says which and why.
 */
int berth_runtime_set_rlimits(const struct berth_spec *spec, struct berth_error **err)
{
	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const struct berth_spec_rlimit *l = &spec->rlimits[i];
		size_t k;
		for (k = 0; k < ELEMENTSOF(rlimit_names); k++)
			if (strcmp(rlimit_names[k].name, l->type) == 0)
				break;
		if (k == ELEMENTSOF(rlimit_names))
			return berth_error_set(err, EINVAL, "unknown rlimit '%s'", l->type);
		struct rlimit cur, want = {.rlim_cur = l->soft, .rlim_max = l->hard};
		getrlimit(rlimit_names[k].resource, &cur);
		if (setrlimit(rlimit_names[k].resource, &want) < 0) {
			if (errno == EPERM)
				return berth_error_set(
					err, EPERM,
					"cannot set %s to %llu:%llu: above the hard limit %llu and "
					"berth lacks CAP_SYS_RESOURCE to raise it",
					l->type, (unsigned long long)l->soft,
					(unsigned long long)l->hard,
					(unsigned long long)cur.rlim_max);
			return berth_error_syscall(err, errno, "set %s", l->type);
		}
	}
	return 0;
}

char **berth_runtime_bounding_capabilities(void)
{
	char **caps = NULL;
	for (int c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
			continue;
		char *n = cap_to_name(c);
		if (!n)
			continue;
		char *up = berth_xstrdup(n);
		cap_free(n);
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		/* a capability newer than libcap has a number for a name: it cannot be kept */
		if (strncmp(up, "CAP_", 4) == 0)
			berth_strv_consume(&caps, up);
		else
			free(up);
	}
	return caps;
}

/* A capability list as values; an unknown name is refused with the name. */
struct cap_list {
	cap_value_t v[64];
	int n;
};

static int cap_list_from_names(char *const *names, struct cap_list *ret, struct berth_error **err)
{
	ret->n = 0;
	BERTH_STRV_FOREACH (c, names) {
		cap_value_t v;
		if (cap_from_name(*c, &v) < 0)
			return berth_error_set(err, EINVAL, "unknown capability '%s'", *c);
		if (ret->n < (int)ELEMENTSOF(ret->v))
			ret->v[ret->n++] = v;
	}
	return 0;
}

static bool cap_list_has(const struct cap_list *l, int c)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i] == c)
			return true;
	return false;
}

/* The spec's five sets (bounding, effective, permitted, inheritable, ambient). */
struct cap_sets {
	struct cap_list bounding, effective, permitted, inheritable, ambient;
};

static int cap_sets_from_spec(const struct berth_spec *spec, struct cap_sets *ret,
			      struct berth_error **err)
{
	bool given = spec->cap_sets_given;
	char *const *all = spec->capabilities;
	int r = cap_list_from_names(all, &ret->bounding, err);
	if (r >= 0)
		r = cap_list_from_names(given ? spec->cap_effective : all, &ret->effective, err);
	if (r >= 0)
		r = cap_list_from_names(given ? spec->cap_permitted : all, &ret->permitted, err);
	if (r >= 0)
		r = cap_list_from_names(given ? spec->cap_inheritable : all, &ret->inheritable,
					err);
	if (r >= 0)
		r = cap_list_from_names(given ? spec->cap_ambient : NULL, &ret->ambient, err);
	return r;
}

/* After the identity change: effective, permitted, inheritable, then ambient raised. */
static int set_cap_sets(const struct cap_sets *sets, struct berth_error **err)
{
	cap_t caps = cap_init();
	if (sets->effective.n)
		cap_set_flag(caps, CAP_EFFECTIVE, sets->effective.n, sets->effective.v, CAP_SET);
	if (sets->permitted.n)
		cap_set_flag(caps, CAP_PERMITTED, sets->permitted.n, sets->permitted.v, CAP_SET);
	if (sets->inheritable.n)
		cap_set_flag(caps, CAP_INHERITABLE, sets->inheritable.n, sets->inheritable.v,
			     CAP_SET);
	int r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0)
		return berth_error_syscall(err, errno, "set capabilities");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int i = 0; i < sets->ambient.n; i++) {
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, sets->ambient.v[i], 0, 0) == 0)
			continue;
		/*
		 * The kernel raises only what is permitted and inheritable too.
		 * runc skips the others (runc spec's template asks for three
		 * ambient capabilities and no inheritable ones), and so must a
		 * runtime engines drive with the same config.json.
		 */
		if (errno == EPERM)
			continue;
		char *name = cap_to_name(sets->ambient.v[i]);
		r = berth_error_syscall(err, errno, "raise ambient capability '%s'",
					name ? name : "?");
		cap_free(name);
		return r;
	}
	return 0;
}

int berth_runtime_load_libraries(const struct berth_spec *spec, struct berth_error **err)
{
	int r = berth_lib_load(BERTH_LIB_CAP, err);
	if (r >= 0 && spec->seccomp)
		r = berth_lib_load(BERTH_LIB_SECCOMP, err);
	return r;
}

/*
 * The system calls, not libc's wrappers: a process berth cloned beside a
 * thread of its own (runtime/cgroup-warm.c) is alone in the kernel, but
 * libc's set*id would signal the threads it still lists and wait for them
 * forever.
 */
int berth_runtime_set_ids(uid_t uid, gid_t gid)
{
	if (syscall(SYS_setresgid, gid, gid, gid) < 0)
		return -1;
	return (int)syscall(SYS_setresuid, uid, uid, uid);
}

int berth_runtime_drop_privileges(const struct berth_spec *spec, uid_t uid, gid_t gid,
				  const gid_t *groups, size_t n_groups, struct berth_error **err)
{
	struct cap_sets sets;
	int r = cap_sets_from_spec(spec, &sets, err);
	if (r < 0)
		return r;
	int last = cap_max_bits();
	for (int c = 0; c < last; c++)
		if (!cap_list_has(&sets.bounding, c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return berth_error_syscall(err, errno, "drop capability %d", c);
	/* the system call: see berth_runtime_set_ids */
	if (syscall(SYS_setgroups, n_groups, groups) < 0)
		return berth_error_syscall(err, errno, "setgroups");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return berth_error_syscall(err, errno, "keep capabilities");
	if (berth_runtime_set_ids(uid, gid) < 0)
		return berth_error_syscall(err, errno, "set uid %u gid %u", (unsigned)uid,
					   (unsigned)gid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	r = set_cap_sets(&sets, err);
	if (r < 0)
		return r;
	if (spec->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berth_error_syscall(err, errno, "set no_new_privs");
	return 0;
}

/* execvpe with the container's PATH (glibc's would use berth's own). */
_Noreturn void berth_runtime_exec_process(int report_fd, char *const *args, char *const *env)
{
	const char *cmd = args[0];
	if (strchr(cmd, '/')) {
		execve(cmd, args, env);
		int e = errno;
		child_fail(report_fd, REPORT_EXEC,
			   e == ENOENT	  ? ENOENT
			   : e == ENOEXEC ? EACCES
					  : e,
			   "exec '%s': %s", cmd, strerror(e));
	}
	const char *path = berth_env_get(env, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	int seen = ENOENT;
	const char *p = path;
	while (true) {
		const char *e = strchrnul(p, ':');
		char full[PATH_MAX];
		int n = snprintf(full, sizeof(full), "%.*s%s%s", (int)(e - p), p, e == p ? "" : "/",
				 cmd);
		if (n > 0 && (size_t)n < sizeof(full)) {
			execve(full, args, env);
			if (errno == EACCES || errno == ENOEXEC)
				seen = EACCES;
		}
		if (!*e)
			break;
		p = e + 1;
	}
	if (seen == ENOENT)
		child_fail(report_fd, REPORT_EXEC, ENOENT,
			   "exec '%s': executable file not found in $PATH", cmd);
	child_fail(report_fd, REPORT_EXEC, EACCES, "exec '%s': permission denied", cmd);
}

/*
 * The built-in init (--init): PID 1 of the container. It forwards every
 * catchable signal to the main process, reaps every zombie the kernel
 * reparents to it, and exits with the main process's exit code (128+N for
 * signal N) once that one is gone.
 */
static _Noreturn void init_loop(pid_t child)
{
	sigset_t all;
	sigfillset(&all);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == child)
				_exit(berth_runtime_exit_code(st));
	}
}

/* The init of a pod's infra (cfg->pause): nothing to run, it only waits for its stop. */
static _Noreturn void pause_loop(void)
{
	sigset_t all;
	sigfillset(&all);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			_exit(0);
		while (sig == SIGCHLD && waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

/*
 * The built-in init is a fork of berth that never execs: its command line
 * and environment would be berth's (its options, -e values, the caller's
 * environment), readable in the container at /proc/1/cmdline and
 * /proc/1/environ. Their places in memory come from /proc/self/stat
 * (arg_start, arg_end, env_start, env_end: fields 48 to 51), read before
 * pivot_root while the host's /proc is still there.
 */
struct proc_areas {
	unsigned long arg_start, arg_end, env_start, env_end;
};

static int read_proc_areas(struct proc_areas *ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, "/proc/self/stat", 1 << 12, &data, &len, err);
	if (r < 0)
		return r;
	/* the command name (field 2) may hold spaces and parentheses: skip past the last ')' */
	char *p = strrchr(data, ')');
	unsigned long v[4];
	int field = 2, got = 0;
	char *save = NULL;
	for (char *t = p ? strtok_r(p + 1, " \n", &save) : NULL; t && got < 4;
	     t = strtok_r(NULL, " \n", &save)) {
		field++;
		if (field >= 48 && field <= 51)
			v[got++] = strtoul(t, NULL, 10);
	}
	if (got != 4 || v[1] < v[0] || v[3] < v[2])
		return berth_error_set(err, EIO, "cannot find the arguments in /proc/self/stat");
	*ret = (struct proc_areas){v[0], v[1], v[2], v[3]};
	return 0;
}

/*
 * Overwrites them in place: the command line becomes "berth-init" (the area
 * cannot shrink without CAP_SYS_RESOURCE, so NULs follow) and the
 * environment NULs. Not dumpable, the init's memory (/proc/1/mem) and what
 * is left in it stay closed to the container's processes.
 */
static void scrub_init_identity(const struct proc_areas *a)
{
	static const char name[] = "berth-init";
	char *args = (char *)a->arg_start;
	size_t n = a->arg_end - a->arg_start;
	memset(args, 0, n);
	if (n > sizeof(name))
		memcpy(args, name, sizeof(name));
	memset((char *)a->env_start, 0, a->env_end - a->env_start);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The state the parent sent for our createContainer and startContainer hooks. */
static char *hook_state;

static void run_hooks(int rfd, const struct berth_spec *spec, enum berth_hook_point point)
{
	struct berth_error *err = NULL;
	if (hook_state && berth_hooks_run(spec, point, hook_state, &err) < 0)
		child_fail_err(rfd, err);
}

/* Waits for the parent's "g": we are in the cgroup (and the hooks' state, if any). */
static void wait_go(const struct berth_runtime_child_args *a)
{
	if (berth_runtime_wait_go(a->cfg->spec, a->sync_fd, &hook_state) < 0)
		_exit(125);
	close(a->sync_fd);
}

/* Our own cgroup namespace, rooted at the cgroup we are in. */
static void unshare_cgroup_namespace(const struct berth_runtime_child_args *a)
{
	const struct berth_spec *spec = a->cfg->spec;
	if ((spec->namespaces & BERTH_NS_CGROUP) && !berth_spec_ns_path(spec, BERTH_NS_CGROUP) &&
	    unshare(CLONE_NEWCGROUP) < 0)
		child_fail(a->report_fd, REPORT_SETUP, errno, "unshare cgroup namespace: %s",
			   strerror(errno));
}

/*
 * Waits for the parent (its "e" when we go early, else its "g": we are in
 * the cgroup), joins the namespaces of the spec's paths, and makes a
 * session of our own with the pty slave as the controlling terminal. With
 * --init, the places of our command line and environment are read first,
 * while the host's /proc is still there.
 */
static void enter_namespaces(const struct berth_runtime_child_args *a, bool early,
			     struct proc_areas *areas)
{
	const struct berth_spec *spec = a->cfg->spec;
	struct berth_error *err = NULL;
	int rfd = a->report_fd;
	char c;

	if (!early)
		wait_go(a);
	else if (read(a->sync_fd, &c, 1) != 1)
		_exit(125);
	if (berth_runtime_join_namespaces(spec, a->ns_fds, &err) < 0)
		child_fail_err(rfd, err);
	if (a->cfg->init && read_proc_areas(areas, &err) < 0)
		child_fail_err(rfd, err);
	if (!early)
		unshare_cgroup_namespace(a);
	if (setsid() < 0)
		child_fail(rfd, REPORT_SETUP, errno, "setsid: %s", strerror(errno));
	if (a->tty_slave >= 0 && ioctl(a->tty_slave, TIOCSCTTY, 0) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "set controlling terminal: %s",
			   strerror(errno));
}

/* The rootfs at its path in our mount namespace; returns an O_PATH fd of it. */
static int attach_rootfs(const struct berth_runtime_child_args *a)
{
	const struct berth_spec *spec = a->cfg->spec;
	int rfd = a->report_fd;

	/* our mounts must not reach the host; the host's unmounts may reach us */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "make / rslave: %s", strerror(errno));
	if (a->rootfs_fd >= 0) {
		if (move_mount(a->rootfs_fd, "", AT_FDCWD, spec->root_path,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			child_fail(rfd, REPORT_SETUP, errno, "attach the rootfs at '%s': %s",
				   spec->root_path, strerror(errno));
		close(a->rootfs_fd);
	} else if (mount(spec->root_path, spec->root_path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		child_fail(rfd, REPORT_SETUP, errno, "bind rootfs '%s': %s", spec->root_path,
			   strerror(errno));
	}
	int root_fd = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		child_fail(rfd, REPORT_SETUP, errno, "open rootfs '%s': %s", spec->root_path,
			   strerror(errno));
	return root_fd;
}

/* Who the process runs as: the spec's ids, or its user resolved in the rootfs. */
struct identity {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	struct berth_user user;
};

/* The identity and the environment (HOME of the user, a default PATH). */
static char **resolve_identity(int rfd, int root_fd, const struct berth_spec *spec,
			       struct identity *id)
{
	struct berth_error *err = NULL;
	char **env = berth_strv_copy(spec->env);

	*id = (struct identity){.uid = spec->uid,
				.gid = spec->gid,
				.groups = (const gid_t *)spec->additional_gids,
				.n_groups = spec->n_additional_gids};
	if (spec->username) {
		if (berth_user_resolve(root_fd, spec->username, &id->user, &err) < 0)
			child_fail_err(rfd, err);
		id->uid = id->user.uid, id->gid = id->user.gid;
		id->groups = id->user.groups, id->n_groups = id->user.n_groups;
		if (!berth_env_get(env, "HOME"))
			berth_strv_consume(&env, berth_xasprintf("HOME=%s", id->user.home));
	}
	if (!berth_env_get(env, "PATH"))
		berth_strv_push(&env, "PATH=" DEFAULT_PATH);
	return env;
}

/* The mounts and devices (with the modes the spec gives), and the working directory. */
static void populate_rootfs(const struct berth_runtime_child_args *a, int root_fd)
{
	const struct berth_spec *spec = a->cfg->spec;
	struct berth_error *err = NULL;

	umask(0);
	if (berth_runtime_setup_mounts(root_fd, spec, a->trees, a->tty_name, &err) < 0)
		child_fail_err(a->report_fd, err);
	umask(022);
	if (spec->cwd && strcmp(spec->cwd, "/") != 0) {
		int w = berth_mkdirs_in_root(root_fd, spec->cwd, 0755, &err);
		if (w < 0)
			child_fail_err(a->report_fd, err);
		close(w);
	}
}

/* pivot_root into the rootfs (closes root_fd), then what must be done inside it. */
static void enter_rootfs(int rfd, int root_fd, const struct berth_spec *spec)
{
	struct berth_error *err = NULL;

	if (fchdir(root_fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail(rfd, REPORT_SETUP, errno, "pivot_root to '%s': %s", spec->root_path,
			   strerror(errno));
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		child_fail(rfd, REPORT_SETUP, errno, "detach the old root: %s", strerror(errno));
	close(root_fd);
	/* before /proc/sys is made read-only */
	if (berth_runtime_write_sysctl(spec, &err) < 0)
		child_fail_err(rfd, err);
	berth_runtime_mask_paths(spec->masked_paths, spec->readonly_paths);
	if (spec->root_readonly &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "make the rootfs read-only: %s",
			   strerror(errno));
	/* on the container's / (as runc, after pivot_root): the host's mounts stay slaves */
	if (spec->rootfs_propagation && mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "linux.rootfsPropagation: %s",
			   strerror(errno));
	if ((spec->namespaces & BERTH_NS_UTS) && spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "sethostname: %s", strerror(errno));
	if ((spec->namespaces & BERTH_NS_UTS) && spec->domainname &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "setdomainname: %s", strerror(errno));
	if ((spec->namespaces & BERTH_NS_NETWORK) && !berth_spec_ns_path(spec, BERTH_NS_NETWORK) &&
	    berth_loopback_up(&err) < 0)
		child_fail_err(rfd, err);
}

/*
 * personality, I/O priority, scheduler, rlimits, seccomp, identity and
 * capabilities, and the working directory.
 */
static void confine(int rfd, const struct berth_spec *spec, const struct identity *id)
{
	struct berth_error *err = NULL;

	if (berth_runtime_set_process_attrs(spec, &err) < 0)
		child_fail_err(rfd, err);
	if (berth_runtime_set_rlimits(spec, &err) < 0)
		child_fail_err(rfd, err);
	/*
	 * Without no_new_privs only CAP_SYS_ADMIN may load a filter: it goes in
	 * before the capabilities are dropped (as runc does), and then the
	 * filter must allow what dropping them takes (Docker's does).
	 */
	bool seccomp_first = spec->seccomp && !spec->no_new_privileges;
	if (seccomp_first && berth_seccomp_apply(spec->seccomp, &err) < 0)
		child_fail_err(rfd, err);
	if (berth_runtime_drop_privileges(spec, id->uid, id->gid, id->groups, id->n_groups, &err) <
	    0)
		child_fail_err(rfd, err);
	const char *cwd = spec->cwd ? spec->cwd : "/";
	if (chdir(cwd) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "chdir to '%s': %s", cwd, strerror(errno));
	if (spec->seccomp && !seccomp_first && berth_seccomp_apply(spec->seccomp, &err) < 0)
		child_fail_err(rfd, err);
}

/* With --init, forks: the parent becomes the init, the child goes on; then execs. */
static _Noreturn void exec_main_process(int rfd, const struct berth_runtime_config *cfg,
					const struct proc_areas *areas, char **env)
{
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	if (cfg->init && cfg->pause) {
		sigprocmask(SIG_SETMASK, &all, NULL);
		syscall(SYS_close_range, 0, ~0U, 0);
		scrub_init_identity(areas);
		pause_loop();
	}
	if (cfg->init) {
		sigprocmask(SIG_SETMASK, &all, NULL);
		pid_t pid = fork();
		if (pid < 0)
			child_fail(rfd, REPORT_SETUP, errno, "fork the main process: %s",
				   strerror(errno));
		if (pid > 0) {
			/* it never execs: nothing of berth's (CLOEXEC or not) may stay open in it */
			syscall(SYS_close_range, 0, ~0U, 0);
			scrub_init_identity(areas);
			init_loop(pid);
		}
	}
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* nothing of berth's may leak into the container; the caller's preserved fds do */
	unsigned keep = cfg->preserve_fds;
	syscall(SYS_close_range, 3 + keep, ~0U, CLOSE_RANGE_CLOEXEC);
	for (unsigned i = 0; i < keep; i++)
		fcntl(3 + (int)i, F_SETFD, 0);
	berth_runtime_exec_process(rfd, cfg->spec->args, env);
}

/*
 * The create/start split: tells the creator the container is set up, then
 * waits for the byte `start` writes to the exec fifo. The process has no
 * parent of berth's to report to any more once it goes on.
 */
static void wait_for_start(const struct berth_runtime_child_args *a)
{
	if (a->exec_fifo_fd < 0)
		return;
	struct berth_runtime_report rep = {.kind = BERTH_REPORT_READY};
	if (write(a->report_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(125);
	char c;
	ssize_t n;
	do
		n = read(a->exec_fifo_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(125);
	close(a->exec_fifo_fd);
}

/*
 * The container dies with its berth process (foreground) or monitor: a
 * parent-death signal, armed at the start and again after the uid changed
 * (a change of credentials clears it); a parent already gone by then is
 * seen on its pidfd. A created one (the exec fifo) outlives its creator.
 */
static void die_with_parent(const struct berth_runtime_child_args *a)
{
	if (a->parent_pidfd < 0)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	struct pollfd p = {.fd = a->parent_pidfd, .events = POLLIN};
	if (poll(&p, 1, 0) != 0)
		_exit(125);
}

_Noreturn void berth_runtime_child_main(const struct berth_runtime_child_args *a)
{
	const struct berth_spec *spec = a->cfg->spec;
	struct proc_areas areas = {0};
	struct identity id;

	bool early = a->early;
	die_with_parent(a);
	enter_namespaces(a, early, &areas);
	int root_fd = attach_rootfs(a);
	char **env = resolve_identity(a->report_fd, root_fd, spec, &id);
	populate_rootfs(a, root_fd);
	run_hooks(a->report_fd, spec, BERTH_HOOK_CREATE_CONTAINER);
	enter_rootfs(a->report_fd, root_fd, spec);
	run_hooks(a->report_fd, spec, BERTH_HOOK_START_CONTAINER);
	/* in the cgroup before the limits and the filter, and before anything runs */
	if (early) {
		wait_go(a);
		unshare_cgroup_namespace(a);
	}
	confine(a->report_fd, spec, &id);
	die_with_parent(a);
	wait_for_start(a);
	exec_main_process(a->report_fd, a->cfg, &areas, env);
}
