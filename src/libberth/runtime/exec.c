/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exec: a new process inside a running container, as `docker exec`.
 *
 * berth holds a pidfd of the container's main process and checks that the
 * pid is still the container's (it sits in the container's cgroup; the
 * pidfd is still alive after that read, so the pid was not reused in
 * between). A helper child then joins the container's cgroups (while it
 * still sees the host's /sys/fs/cgroup), joins every namespace at once with
 * setns(pidfd), and clones the process with CLONE_PARENT: setns(CLONE_NEWPID)
 * only applies to children, and CLONE_PARENT makes that child berth's own,
 * so berth waits for it and forwards signals to it like a `run`. The helper
 * reports the pid and exits; the process sets itself up (user, rlimits,
 * capabilities, no_new_privs, cwd, seccomp) and reports a failure over the
 * same CLOEXEC pipe, whose EOF means execve succeeded.
 */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/strv.h"
#include "runtime/internal.h"

#define CGROUP_ROOT  "/sys/fs/cgroup"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * The cgroup directories of pid that berth made for container id (v1:
 * ".../berth-<id>" in each hierarchy; v2: "/berth/<id>"), from
 * /proc/<pid>/cgroup as the host sees it. ESRCH when there is none: the pid
 * is not the container's.
 */
static int container_cgroups(pid_t pid, const char *id, char ***ret, struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xasprintf("/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, 1 << 16, &data, &len, NULL);
	if (r < 0)
		return berth_error_set(err, ESRCH, "process %d is gone", (int)pid);
	enum berth_cgroup_layout layout;
	r = berth_cgroup_detect(&layout, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *v1_name = berth_xasprintf("berth-%s", id);
	_cleanup_free_ char *v2_name = berth_xasprintf("/berth/%s", id);
	char **dirs = NULL;
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* "N:controllers:/path" */
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2[1] != '/')
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1, *cg = c2 + 1;
		const char *base = strrchr(cg, '/') + 1;
		char *dir = NULL;
		if (!*ctrls) {
			size_t n = strlen(cg), m = strlen(v2_name);
			if (n < m || strcmp(cg + n - m, v2_name) != 0)
				continue;
			dir = berth_xasprintf("%s%s",
					      layout == BERTH_CGROUP_V2 ? CGROUP_ROOT
									: CGROUP_ROOT "/unified",
					      cg);
		} else {
			if (strcmp(base, v1_name) != 0)
				continue;
			if (strncmp(ctrls, "name=", 5) == 0)
				ctrls += 5;
			dir = berth_xasprintf(CGROUP_ROOT "/%s%s", ctrls, cg);
			struct stat st;
			if (stat(dir, &st) < 0 && strchr(ctrls, ',')) {
				/* co-mounted controllers under the first one's name */
				free(dir);
				dir = berth_xasprintf(CGROUP_ROOT "/%.*s%s",
						      (int)strcspn(ctrls, ","), ctrls, cg);
			}
		}
		berth_strv_consume(&dirs, dir);
	}
	if (!dirs)
		return berth_error_set(err, ESRCH,
				       "process %d is not in the cgroup of container '%s'",
				       (int)pid, id);
	*ret = dirs;
	return 0;
}

static unsigned long ns_flags(unsigned ns)
{
	unsigned long f = 0;
	for (unsigned i = 0; i < BERTH_NS_KINDS; i++)
		if (ns & (1u << i))
			f |= berth_ns_clone_flag(1u << i);
	return f;
}

/*
 * The process, in the container's namespaces and cgroups: set up and exec,
 * with the caller's fds 3..3+keep-1 (--preserve-fds).
 */
static _Noreturn void process_main(const struct berth_spec *spec, int rfd, bool tty, unsigned keep)
{
	struct berth_error *err = NULL;
	if (setsid() < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno, "setsid: %s",
					 strerror(errno));
	if (tty && ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno,
					 "set controlling terminal: %s", strerror(errno));
	uid_t uid = spec->uid;
	gid_t gid = spec->gid;
	gid_t *groups = (gid_t *)spec->additional_gids;
	size_t n_groups = spec->n_additional_gids;
	char **env = berth_strv_copy(spec->env);
	if (spec->username) {
		int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct berth_user u;
		if (root_fd < 0 || berth_user_resolve(root_fd, spec->username, &u, &err) < 0)
			berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, err ? err->code : errno,
						 "%s",
						 err ? berth_error_msg(err) : "open the rootfs");
		close(root_fd);
		uid = u.uid, gid = u.gid, groups = u.groups, n_groups = u.n_groups;
		if (!berth_env_get(env, "HOME"))
			berth_strv_consume(&env, berth_xasprintf("HOME=%s", u.home));
	}
	if (!berth_env_get(env, "PATH"))
		berth_strv_push(&env, "PATH=" DEFAULT_PATH);
	/* without no_new_privs the filter needs CAP_SYS_ADMIN: before the drop (linux.c) */
	bool seccomp_first = spec->seccomp && !spec->no_new_privileges;
	if (berth_runtime_set_process_attrs(spec, &err) < 0 ||
	    berth_runtime_set_rlimits(spec, &err) < 0 ||
	    (seccomp_first && berth_seccomp_apply(spec->seccomp, &err) < 0) ||
	    berth_runtime_drop_privileges(spec, uid, gid, groups, n_groups, &err) < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, err->code, "%s",
					 berth_error_msg(err));
	const char *cwd = spec->cwd && *spec->cwd ? spec->cwd : "/";
	if (chdir(cwd) < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno, "chdir to '%s': %s", cwd,
					 strerror(errno));
	if (spec->seccomp && !seccomp_first && berth_seccomp_apply(spec->seccomp, &err) < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, err->code, "%s",
					 berth_error_msg(err));
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_close_range, 3 + keep, ~0U, CLOSE_RANGE_CLOEXEC);
	for (unsigned i = 0; i < keep; i++)
		fcntl(3 + (int)i, F_SETFD, 0);
	berth_runtime_exec_process(rfd, spec->args, env);
}

/* The helper child: cgroups, namespaces, then the process as berth's child. */
int berth_runtime_send_fd(int sock, int fd)
{
	char byte = 'p';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int berth_runtime_recv_fd(int sock)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !c || c->cmsg_type != SCM_RIGHTS)
		return -EPIPE;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static _Noreturn void helper_main(const struct berth_runtime_exec_config *cfg, int pidfd,
				  int root_fd, char **cgroups, int sock, int rfd)
{
	const struct berth_spec *spec = cfg->spec;
	berth_runtime_forward_reset();
	signal(SIGPIPE, SIG_DFL);
	char me[32];
	snprintf(me, sizeof(me), "%d", (int)getpid());
	BERTH_STRV_FOREACH (d, cgroups) {
		_cleanup_free_ char *procs = berth_xasprintf("%s/cgroup.procs", *d);
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, me, strlen(me)) < 0)
			berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno,
						 "join cgroup '%s': %s", *d, strerror(errno));
		close(fd);
	}
	if (setns(pidfd, (int)ns_flags(spec->namespaces)) < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno,
					 "join the container's namespaces: %s", strerror(errno));
	/* the mount namespace's root must be the container's rootfs, nothing above it */
	struct stat want, got;
	if (fstat(root_fd, &want) < 0 || stat("/", &got) < 0 || want.st_dev != got.st_dev ||
	    want.st_ino != got.st_ino)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, EXDEV,
					 "the container's mount namespace does not have its "
					 "rootfs as root");
	close(root_fd);
	close(pidfd);
	/* the terminal is one of the container's devpts, as `tty` there expects */
	int slave = -1;
	if (spec->terminal) {
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || unlockpt(master) < 0)
			berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno,
						 "allocate a pseudo-terminal in the container: %s",
						 strerror(errno));
		slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0 || berth_runtime_send_fd(sock, master) < 0)
			berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno,
						 "open the pseudo-terminal's peer: %s",
						 strerror(errno));
		close(master);
	}
	if (sock >= 0)
		close(sock);
	if (berth_runtime_setup_stdio(cfg->stdio, slave) < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno, "set up stdio: %s",
					 strerror(errno));
	if (slave >= 0)
		close(slave);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, NULL);
	if (pid < 0)
		berth_runtime_child_fail(rfd, BERTH_REPORT_SETUP, errno,
					 "create the process in the container: %s",
					 strerror(errno));
	if (pid == 0)
		process_main(spec, rfd, slave >= 0, cfg->preserve_fds);
	struct berth_runtime_report rep = {.kind = BERTH_REPORT_PID, .code = pid};
	(void)!write(rfd, &rep, sizeof(rep));
	_exit(0);
}

int berth_runtime_exec_start(const struct berth_runtime_exec_config *cfg,
			     struct berth_runtime_process *ret,
			     struct berth_runtime_result *ret_result, struct berth_error **err)
{
	const struct berth_spec *spec = cfg->spec;
	struct berth_runtime_process p = {.pid = -1, .pidfd = -EBADF, .pty_master = -EBADF};
	_cleanup_close_ int pidfd = -EBADF, root_fd = -EBADF, rep_r = -EBADF, rep_w = -EBADF;
	_cleanup_close_ int sock_r = -EBADF, sock_w = -EBADF;
	_cleanup_strv_free_ char **cgroups = NULL;
	int pipes[2], r;

	if (berth_strv_len(spec->args) == 0)
		return berth_error_set(err, EINVAL, "no command to run");
	if (!(spec->namespaces & BERTH_NS_MOUNT))
		return berth_error_set(err, ENOTSUP,
				       "a container without a mount namespace cannot be joined");
	if (cfg->pid <= 0)
		return berth_error_set(err, ESRCH, "the container has no process");
	r = berth_runtime_load_libraries(spec, err);
	if (r < 0)
		return r;
	pidfd = (int)syscall(SYS_pidfd_open, cfg->pid, 0);
	if (pidfd < 0)
		return berth_error_syscall(err, errno, "open process %d", (int)cfg->pid);
	/* an OCI record's (its cgroupsPath may be any name); its pid's start time was checked */
	if (cfg->cgroup_dirs)
		cgroups = berth_strv_copy(cfg->cgroup_dirs);
	else if ((r = container_cgroups(cfg->pid, cfg->id, &cgroups, err)) < 0)
		return r;
	_cleanup_free_ char *root = berth_xasprintf("/proc/%d/root", (int)cfg->pid);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", root);
	/* still alive after those reads: they were of the container's process */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return berth_error_set(err, ESRCH, "process %d is gone", (int)cfg->pid);

	if (pipe2(pipes, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	rep_r = pipes[0], rep_w = pipes[1];
	if (spec->terminal) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipes) < 0) {
			r = berth_error_syscall(err, errno, "socketpair");
			goto fail;
		}
		sock_r = pipes[0], sock_w = pipes[1];
	}

	fflush(NULL);
	pid_t helper = fork();
	if (helper < 0) {
		r = berth_error_syscall(err, errno, "fork");
		goto fail;
	}
	if (helper == 0) {
		close(rep_r);
		if (sock_r >= 0)
			close(sock_r);
		helper_main(cfg, pidfd, root_fd, cgroups, sock_w, rep_w);
	}
	close(TAKE_FD(rep_w));
	if (sock_r >= 0) {
		close(TAKE_FD(sock_w));
		int m = berth_runtime_recv_fd(sock_r);
		if (m >= 0) {
			p.pty_master = m;
			struct winsize ws;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(m, TIOCSWINSZ, &ws);
		}
	}
	struct berth_runtime_report rep;
	ssize_t n = berth_runtime_read_report(rep_r, &rep);
	int st;
	while (waitpid(helper, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(rep) && rep.kind == BERTH_REPORT_PID && rep.code > 0) {
		p.pid = rep.code;
		p.pidfd = (int)syscall(SYS_pidfd_open, p.pid, 0);
		if (p.pidfd < 0)
			p.pidfd = -EBADF;
		n = berth_runtime_read_report(rep_r, &rep);
	} else if (n != (ssize_t)sizeof(rep)) {
		r = berth_error_set(err, EIO, "the exec helper exited before reporting");
		goto fail;
	}
	if (n == (ssize_t)sizeof(rep)) {
		r = berth_runtime_report_error(&rep, ret_result, err);
		goto fail;
	}
	*ret = p;
	return 0;

fail:
	if (p.pid > 0) {
		while (waitpid(p.pid, &st, 0) < 0 && errno == EINTR)
			;
		if (ret_result)
			ret_result->exit_code = berth_runtime_exit_code(st);
	}
	if (p.pidfd >= 0)
		close(p.pidfd);
	if (p.pty_master >= 0)
		close(p.pty_master);
	return r;
}

/*
 * A detached exec with a terminal: Docker keeps the terminal open and
 * discards what the command writes to it (nothing reaches the container's
 * log). Closing our master instead would hang the terminal up and SIGHUP the
 * command. So a small process of ours keeps the master and drains it until
 * the last slave closes (read returns EIO), then exits. It is orphaned at
 * once (double fork), so nobody has to reap it; on failure to fork the
 * master is closed as before.
 */
static void drain_detached_tty(int master)
{
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid > 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return;
	}
	if (fork() != 0)
		_exit(0);
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	if (dup2(master, 3) != 3)
		_exit(0);
	syscall(SYS_close_range, 4, ~0U, 0);
	char buf[4096];
	for (;;) {
		ssize_t n = read(3, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
	}
}

int berth_runtime_exec(const struct berth_runtime_exec_config *cfg, bool detach,
		       struct berth_runtime_result *ret_result, struct berth_error **err)
{
	struct berth_runtime_process p;
	ret_result->exec_errno = 0;
	ret_result->exit_code = 125;
	int r = berth_runtime_exec_start(cfg, &p, ret_result, err);
	if (r < 0)
		return r;
	if (detach) {
		/* not waited for: it runs on in the container */
		if (p.pidfd >= 0)
			close(p.pidfd);
		if (p.pty_master >= 0) {
			drain_detached_tty(p.pty_master);
			close(p.pty_master);
		}
		ret_result->exit_code = 0;
		return 0;
	}
	return berth_runtime_attach(cfg->stdio, &p, ret_result, err);
}
