/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor: a spec and a rootfs path become a process in new mount,
 * PID, UTS, IPC and cgroup namespaces (and network with --network none),
 * on a pivot_root'ed rootfs, with Docker's mounts, devices, masked paths,
 * capabilities, no_new_privs and seccomp. The rootfs comes prepared: a
 * detached mount from the caller's open_rootfs (an image's overlay, made
 * by layer/) attached in the new mount namespace, or the path as it is.
 *
 * The child is made with a fork-like clone (berth is single-threaded), so it
 * runs berth's own code up to execve; it cannot print, so it reports a
 * failure over a CLOEXEC pipe (EOF there means execve succeeded) and the
 * parent turns the report into the caller's error.
 *
 * This file is the parent's side (start, wait, kill, attach); the clone's
 * side is child.c and the mounts it makes are mount.c.
 */
#include "runtime/runtime.h"

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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/netif.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/chase.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/strv.h"
#include "runtime/internal.h"

enum {
	REPORT_SETUP = BERTH_REPORT_SETUP,
	REPORT_EXEC = BERTH_REPORT_EXEC
};

#define child_fail berth_runtime_child_fail

_Noreturn void berth_runtime_child_fail(int fd, int kind, int code, const char *fmt, ...)
{
	struct berth_runtime_report rep = {.kind = kind, .code = code};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep.msg, sizeof(rep.msg), fmt, ap);
	va_end(ap);
	(void)!write(fd, &rep, sizeof(rep));
	if (kind == REPORT_EXEC)
		_exit(code == ENOENT ? 127 : 126);
	_exit(125);
}

ssize_t berth_runtime_read_report(int fd, struct berth_runtime_report *rep)
{
	ssize_t n;
	do
		n = read(fd, rep, sizeof(*rep));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*rep))
		rep->msg[sizeof(rep->msg) - 1] = '\0';
	return n;
}

int(berth_runtime_report_error)(const struct berth_runtime_report *rep,
				struct berth_runtime_result *ret_result, struct berth_error **err)
{
	int code = rep->code > 0 ? rep->code : EIO;
	if (rep->kind == REPORT_EXEC && ret_result)
		ret_result->exec_errno = code;
	return berth_error_set(err, code, "%s", rep->msg);
}

int berth_runtime_setup_stdio(const int stdio[3], int tty_slave)
{
	int fds[3];
	for (int i = 0; i < 3; i++) {
		int src = tty_slave >= 0 ? tty_slave : stdio[i];
		if (src < 0) {
			fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		} else {
			fds[i] = fcntl(src, F_DUPFD_CLOEXEC, 10);
		}
		if (fds[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			return -errno;
		close(fds[i]);
	}
	return 0;
}

int berth_runtime_exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

/* What a start holds until the child runs: released on every way out. */
struct start {
	const struct berth_runtime_config *cfg;
	const struct berth_spec *spec;
	int sync_r, sync_w;	    /* the child waits on it until it is in the cgroup */
	int rep_r, rep_w;	    /* the child's failure report; EOF once it has exec'd */
	int slave;		    /* the pty slave, with a terminal */
	int rootfs_fd;		    /* the detached rootfs from cfg->open_rootfs */
	int ns_fds[BERTH_NS_KINDS]; /* the namespaces to join, by berth_ns_index */
	int fifo_fd;		    /* cfg->exec_fifo, read-write: the child waits on it */
	int parent_pidfd;	    /* ours, for the child to know we are gone */
	bool early;		    /* berth_runtime_goes_early: one answer for both sides */
	int *trees;		    /* per mount: its source's detached clone, or -EBADF */
	char tty_name[128];
};

static void start_release(struct start *s)
{
	berth_closep(&s->sync_r);
	berth_closep(&s->sync_w);
	berth_closep(&s->rep_r);
	berth_closep(&s->rep_w);
	berth_closep(&s->slave);
	berth_closep(&s->rootfs_fd);
	berth_runtime_close_namespaces(s->ns_fds);
	berth_closep(&s->fifo_fd);
	berth_closep(&s->parent_pidfd);
	berth_runtime_close_trees(TAKE_PTR(s->trees), s->spec->n_mounts);
	berth_cgroup_warm_end(); /* a start that failed before the attach */
}

int berth_runtime_check_preserved_fds(unsigned n, struct berth_error **err)
{
	for (unsigned i = 0; i < n; i++)
		if (fcntl(3 + (int)i, F_GETFD) < 0)
			return berth_error_set(err, EBADF,
					       "fd %u of the %u to preserve is not open", 3 + i, n);
	return 0;
}

/* The spec's command and rootfs, the namespaces to join, the detached rootfs. */
static int open_inputs(const struct berth_runtime_config *cfg, struct start *s,
		       struct berth_error **err)
{
	const struct berth_spec *spec = cfg->spec;

	if (berth_strv_len(spec->args) == 0)
		return berth_error_set(err, EINVAL, "no command to run");
	int r = berth_runtime_check_preserved_fds(cfg->preserve_fds, err);
	if (r < 0)
		return r;
	if (!spec->root_path)
		return berth_error_set(err, EINVAL, "no rootfs path");
	r = berth_runtime_open_namespaces(spec, s->ns_fds, err);
	if (r < 0)
		return r;
	if (cfg->exec_fifo) {
		/* read-write: opening it never blocks, and the child's read waits for `start` */
		s->fifo_fd = open(cfg->exec_fifo, O_RDWR | O_CLOEXEC);
		if (s->fifo_fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", cfg->exec_fifo);
	}
	if (cfg->open_rootfs) {
		s->rootfs_fd = cfg->open_rootfs(cfg->rootfs_ctx, err);
		if (s->rootfs_fd < 0) {
			berth_error_prefix(err, "rootfs");
			return s->rootfs_fd;
		}
	}
	return 0;
}

/* A pty (master into p, slave into s) sized as our stdin. */
static int open_pty(struct start *s, struct berth_runtime_process *p, struct berth_error **err)
{
	p->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->pty_master < 0 || grantpt(p->pty_master) < 0 || unlockpt(p->pty_master) < 0)
		return berth_error_syscall(err, errno, "allocate a pseudo-terminal");
	if (ptsname_r(p->pty_master, s->tty_name, sizeof(s->tty_name)) != 0)
		return berth_error_syscall(err, errno, "ptsname");
	s->slave = open(s->tty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->slave < 0)
		return berth_error_syscall(err, errno, "open '%s'", s->tty_name);
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(s->slave, TIOCSWINSZ, &ws);
	return 0;
}

/* The sync and report pipes, our pidfd, and the pty with a terminal. */
static int open_channels(struct start *s, struct berth_runtime_process *p, struct berth_error **err)
{
	/* the child dies with us, not a created one (berth_runtime_child_main) */
	if (!s->cfg->exec_fifo) {
		s->parent_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (s->parent_pidfd < 0)
			return berth_error_syscall(err, errno, "pidfd_open");
	}
	int pipes[2];
	/* a socket: the parent sends with MSG_NOSIGNAL (berth_runtime_goes_early) */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipes) < 0)
		return berth_error_syscall(err, errno, "socketpair");
	s->sync_r = pipes[0], s->sync_w = pipes[1];
	if (pipe2(pipes, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	s->rep_r = pipes[0], s->rep_w = pipes[1];
	return s->spec->terminal ? open_pty(s, p, err) : 0;
}

/* In the clone: drops what is the parent's, sets up stdio, runs the child side. */
static _Noreturn void start_child(const struct berth_runtime_config *cfg, struct start *s,
				  int pty_master)
{
	/* signal dispositions of the caller must not stay in the container */
	berth_runtime_forward_reset();
	signal(SIGPIPE, SIG_DFL);
	close(s->sync_w);
	close(s->rep_r);
	if (pty_master >= 0)
		close(pty_master);
	if (berth_runtime_setup_stdio(cfg->stdio, s->slave) < 0)
		child_fail(s->rep_w, REPORT_SETUP, errno, "set up stdio: %s", strerror(errno));
	struct berth_runtime_child_args a = {.cfg = cfg,
					     .sync_fd = s->sync_r,
					     .report_fd = s->rep_w,
					     .tty_slave = s->slave >= 0 ? 0 : -1,
					     .tty_name = s->tty_name,
					     .trees = s->trees,
					     .rootfs_fd = s->rootfs_fd,
					     .ns_fds = s->ns_fds,
					     .exec_fifo_fd = s->fifo_fd,
					     .parent_pidfd = s->parent_pidfd,
					     .early = s->early};
	berth_runtime_child_main(&a);
}

/*
 * In the parent once the clone is made: puts the child in the cgroup, writes
 * the maps of its user namespace, runs the runtime's create hooks, lets it go, and reads its report (EOF: it has exec'd).
 */
static int release_child(struct start *s, struct berth_runtime_process *p,
			 struct berth_runtime_result *ret_result, struct berth_error **err)
{
	berth_runtime_close_trees(TAKE_PTR(s->trees), s->spec->n_mounts);
	/* the child holds it until attached; not attached, it goes when the child does */
	berth_closep(&s->rootfs_fd);
	berth_closep(&s->sync_r);
	berth_closep(&s->rep_w);
	berth_closep(&s->slave);
	berth_closep(&s->fifo_fd);
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd < 0)
		p->pidfd = -EBADF;
	bool early = s->early;
	int r = 0;
	if (early && send(s->sync_w, "e", 1, MSG_NOSIGNAL) != 1)
		r = berth_error_syscall(err, errno, "start the container");
	if (r >= 0)
		r = berth_cgroup_add_pid(&p->cgroup, p->pid, err);
	berth_cgroup_warm_end();
	if (r >= 0)
		r = berth_runtime_write_idmaps(s->spec, p->pid, err);
	if (r >= 0)
		r = berth_runtime_write_oom_score_adj(s->spec, p->pid, err);
	if (r >= 0)
		r = berth_runtime_let_go(s->cfg, p->pid, s->sync_w, err);
	berth_closep(&s->sync_w);
	if (r < 0)
		kill(p->pid, SIGKILL);
	/* after an early "e", what failed here may be the child's own failure: its report says */
	struct berth_runtime_report rep;
	if ((r >= 0 || early) &&
	    berth_runtime_read_report(s->rep_r, &rep) == (ssize_t)sizeof(rep) &&
	    rep.kind != BERTH_REPORT_READY) {
		berth_error_free(err);
		return berth_runtime_report_error(&rep, ret_result, err);
	}
	return r;
}

/* A start that failed: reaps the child if there is one, frees what p holds. */
static void abort_start(struct berth_runtime_process *p, struct berth_runtime_result *ret_result)
{
	if (p->pid > 0) {
		int st;
		while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
			;
		if (ret_result)
			ret_result->exit_code = berth_runtime_exit_code(st);
		p->waited = true;
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->pty_master >= 0)
		close(p->pty_master);
	berth_cgroup_destroy(&p->cgroup, NULL);
}

int berth_runtime_start(const struct berth_runtime_config *cfg, struct berth_runtime_process *ret,
			struct berth_runtime_result *ret_result, struct berth_error **err)
{
	const struct berth_spec *spec = cfg->spec;
	struct berth_runtime_process p = {.pid = -1, .pidfd = -EBADF, .pty_master = -EBADF};
	__attribute__((cleanup(start_release))) struct start s = {
		.cfg = cfg,
		.spec = spec,
		.sync_r = -EBADF,
		.sync_w = -EBADF,
		.rep_r = -EBADF,
		.rep_w = -EBADF,
		.slave = -EBADF,
		.rootfs_fd = -EBADF,
		.fifo_fd = -EBADF,
		.parent_pidfd = -EBADF,
	};
	unsigned long flags;
	int saved_ns[2];

	for (size_t i = 0; i < BERTH_NS_KINDS; i++)
		s.ns_fds[i] = -EBADF;

	int r = berth_runtime_check_labels(spec, "/sys", err);
	if (r >= 0)
		r = berth_runtime_load_libraries(spec, err);
	if (r < 0)
		return r;
	r = open_inputs(cfg, &s, err);
	if (r < 0)
		return r;
	r = berth_runtime_clone_source_trees(spec, &s.trees, err);
	if (r < 0)
		return r;
	if (cfg->cgroup && cfg->cgroup->dirs) {
		p.cgroup = *cfg->cgroup;
		*cfg->cgroup = (struct berth_cgroup){0};
	} else {
		r = berth_cgroup_create(cfg->id, spec, &p.cgroup, err);
		if (r < 0)
			return r;
	}
	s.early = berth_runtime_goes_early(spec);
	r = open_channels(&s, &p, err);
	if (r >= 0)
		r = berth_runtime_clone_flags(spec, &flags, err);
	if (r >= 0)
		r = berth_runtime_ns_for_child_enter(spec, s.ns_fds, saved_ns, err);
	if (r < 0) {
		abort_start(&p, ret_result);
		return r;
	}
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid != 0)
		berth_runtime_ns_for_child_leave(saved_ns);
	if (pid < 0) {
		r = berth_error_syscall(err, errno, "create the container's namespaces");
		abort_start(&p, ret_result);
		return r;
	}
	if (pid == 0)
		start_child(cfg, &s, p.pty_master);
	p.pid = pid;
	r = release_child(&s, &p, ret_result, err);
	if (r < 0) {
		abort_start(&p, ret_result);
		return r;
	}
	*ret = p;
	return 0;
}

int berth_runtime_wait(struct berth_runtime_process *p, struct berth_error **err)
{
	if (!p->waited) {
		int st;
		while (waitpid(p->pid, &st, 0) < 0) {
			if (errno != EINTR)
				return berth_error_syscall(err, errno, "wait for the container");
		}
		p->status = st;
		p->waited = true;
	}
	return berth_runtime_exit_code(p->status);
}

int berth_runtime_kill(struct berth_runtime_process *p, int sig, struct berth_error **err)
{
	if (p->waited)
		return berth_error_set(err, ESRCH, "the container is not running");
	if (p->pidfd >= 0 ? syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0) < 0
			  : kill(p->pid, sig) < 0)
		return berth_error_syscall(err, errno, "send signal %d", sig);
	return 0;
}

int berth_runtime_process_release(struct berth_runtime_process *p, struct berth_error **err)
{
	if (p->pid > 0 && !p->waited) {
		berth_runtime_kill(p, SIGKILL, NULL);
		berth_runtime_wait(p, NULL);
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->pty_master >= 0)
		close(p->pty_master);
	p->pidfd = p->pty_master = -EBADF;
	return berth_cgroup_destroy(&p->cgroup, err);
}

/* Copies between the caller's stdio and the pty until the process exits. */
static void proxy_pty(const int stdio[3], struct berth_runtime_process *p)
{
	int in = stdio[0], out = stdio[1] >= 0 ? stdio[1] : STDOUT_FILENO;
	char buf[8192];
	bool in_open = in >= 0;
	for (;;) {
		struct pollfd fds[3] = {
			{.fd = p->pty_master, .events = POLLIN},
			{.fd = p->pidfd, .events = POLLIN},
			{.fd = in_open ? in : -1, .events = POLLIN},
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (fds[0].revents & POLLIN) {
			ssize_t n = read(p->pty_master, buf, sizeof(buf));
			if (n > 0)
				berth_write_all(out, buf, (size_t)n, NULL);
		} else if (fds[0].revents & (POLLHUP | POLLERR)) {
			return;
		}
		if (fds[2].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(in, buf, sizeof(buf));
			if (n > 0)
				berth_write_all(p->pty_master, buf, (size_t)n, NULL);
			else
				in_open = false;
		}
		if (fds[1].revents & POLLIN) {
			/* drain what the process wrote before it exited */
			ssize_t n;
			while (poll(fds, 1, 0) > 0 && (fds[0].revents & POLLIN) &&
			       (n = read(p->pty_master, buf, sizeof(buf))) > 0)
				berth_write_all(out, buf, (size_t)n, NULL);
			return;
		}
	}
}

int berth_runtime_attach(const int stdio[3], struct berth_runtime_process *p,
			 struct berth_runtime_result *ret_result, struct berth_error **err)
{
	struct berth_runtime_forward fwd;
	struct termios saved_tio;
	bool raw = false;
	int r;

	berth_runtime_forward_begin(&fwd, p->pid, 0);
	if (p->pty_master >= 0) {
		if (stdio[0] >= 0 && tcgetattr(stdio[0], &saved_tio) == 0) {
			struct termios t = saved_tio;
			cfmakeraw(&t);
			raw = tcsetattr(stdio[0], TCSANOW, &t) == 0;
		}
		proxy_pty(stdio, p);
	}
	r = berth_runtime_forward_wait(p, err);
	if (raw)
		tcsetattr(stdio[0], TCSANOW, &saved_tio);
	berth_runtime_forward_end(&fwd);
	if (r >= 0)
		ret_result->exit_code = r;
	int r2 = berth_runtime_process_release(p, r < 0 ? NULL : err);
	if (r < 0)
		return r;
	return r2 < 0 ? r2 : 0;
}

int berth_runtime_run(const struct berth_runtime_config *cfg,
		      struct berth_runtime_result *ret_result, struct berth_error **err)
{
	struct berth_runtime_process p;

	ret_result->exec_errno = 0;
	ret_result->exit_code = 125;
	int r = berth_runtime_start(cfg, &p, ret_result, err);
	if (r < 0)
		return r;
	return berth_runtime_attach(cfg->stdio, &p, ret_result, err);
}
