/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor: parent of a container's process, detached or foreground; its json-file log. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

/* One json-file log line, as Docker's json-file driver writes it. */
static void log_line(int log_fd, const char *stream, const char *data, size_t len)
{
	_cleanup_free_ char *now = berth_container_now();
	json_t *j = json_object();
	json_object_set_new(j, "log", json_stringn(data, len));
	json_object_set_new(j, "stream", json_string(stream));
	json_object_set_new(j, "time", json_string(now));
	_cleanup_free_ char *s = berth_json_dump(j, NULL);
	json_decref(j);
	struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addf(&b, "%s\n", s);
	berth_write_all(log_fd, b.buf, b.len, NULL);
	berth_buf_release(&b);
}

/* A failure of berth's own, in the container's log: the monitor has no terminal to print to. */
static void log_error(int log_fd, struct berth_error *e)
{
	_cleanup_free_ char *line = berth_xasprintf("berth: %s\n", berth_error_msg(e));
	log_line(log_fd, "stderr", line, strlen(line));
}

struct log_stream {
	int fd;
	const char *name;
	int echo_fd; /* foreground: berth's stdout or stderr, else -1 */
	struct berth_buf pending;
};

/* Reads what is there into the log (and the echo); false at EOF or on an error. */
static bool pump(struct log_stream *ls, int log_fd)
{
	char buf[8192];
	ssize_t n = read(ls->fd, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0) {
		/* a pty reads EIO once the container's side is closed */
		if (ls->pending.len)
			log_line(log_fd, ls->name, ls->pending.buf, ls->pending.len);
		berth_buf_reset(&ls->pending);
		return false;
	}
	/* a reader that went away (EPIPE) ends the echo, not the log */
	if (ls->echo_fd >= 0 && berth_write_all(ls->echo_fd, buf, (size_t)n, NULL) < 0)
		ls->echo_fd = -1;
	berth_buf_add(&ls->pending, buf, (size_t)n);
	char *start = ls->pending.buf, *nl;
	while ((nl = memchr(start, '\n', ls->pending.len - (size_t)(start - ls->pending.buf)))) {
		log_line(log_fd, ls->name, start, (size_t)(nl - start + 1));
		start = nl + 1;
	}
	size_t rest = ls->pending.len - (size_t)(start - ls->pending.buf);
	memmove(ls->pending.buf, start, rest);
	berth_buf_setlen(&ls->pending, rest);
	return true;
}

/*
 * cgroups: while running, the container's cgroup directories, so that `rm`
 * can still remove them when the monitor died without doing it (SIGKILL).
 * ret_st (may be NULL): the record as written, for the events and the
 * health check that follow, which would otherwise read it again.
 */
static int set_state(int cdir, const char *id, const char *status, int pid, int exit_code,
		     int restarts, char *const *cgroups, json_t **ret_st, struct berth_error **err)
{
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, id);
	if (!st)
		return berth_error_set(err, ENOENT, "container '%s' has no readable state", id);
	json_t *s = json_object_get(st, "State");
	_cleanup_free_ char *now = berth_container_now();
	bool running = strcmp(status, "running") == 0;
	json_object_set_new(s, "Status", json_string(status));
	json_object_set_new(s, "Running", json_boolean(running));
	json_object_set_new(s, "Pid", json_integer(pid));
	json_object_set_new(s, "MonitorPid", json_integer(running ? getpid() : 0));
	json_object_set_new(s, "ExitCode", json_integer(exit_code));
	json_object_set_new(s, running ? "StartedAt" : "FinishedAt", json_string(now));
	json_object_set_new(st, "RestartCount", json_integer(restarts));
	if (running)
		json_object_set_new(st, "CgroupPaths", berth_container_strv_json(cgroups));
	int r = berth_container_state_write(cdir, id, st, err);
	if (r < 0)
		return berth_error_prefix(err, "record container '%s' %s", id, status);
	if (ret_st) {
		json_decref(*ret_st);
		*ret_st = TAKE_PTR(st);
	}
	return 0;
}

/* What the monitor tells the berth that started it, over a pipe (one write each). */
enum {
	MONITOR_STARTED = 1,
	MONITOR_FAILED = 2,
	MONITOR_EXITED = 3,
};

struct monitor_msg {
	int kind;
	int pid;	 /* STARTED: the container's main process */
	int exit_code;	 /* FAILED, EXITED */
	int exec_errno;	 /* FAILED: the command could not be executed */
	char text[1024]; /* FAILED: the error */
};

static void monitor_send(int fd, const struct monitor_msg *m)
{
	if (fd >= 0)
		(void)!write(fd, m, sizeof(*m));
}

/* One message, or -1 at EOF or on an error. */
static int monitor_recv(int fd, struct monitor_msg *m)
{
	ssize_t n;
	do
		n = read(fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m)) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

struct monitor {
	struct berth_store *store; /* the caller's, inherited over the fork */
	const char *store_root;
	struct container *c;
	struct berth_runtime_config *cfg;
	bool rm, always, foreground;
	int max_restarts;
	int notify_fd;
	pid_t parent; /* foreground: the berth that waits for the first run */
	int console;  /* with a terminal: the socket that hands out its master (console.c) */
};

/*
 * A foreground monitor learns of its berth's death by PR_SET_PDEATHSIG
 * (SIGTERM): the container is killed, and the monitor then goes through
 * its usual end (wait, cgroups removed, state recorded, --rm honoured), so
 * a SIGKILL'ed `berth run` leaves neither a process nor a cgroup behind.
 */
static volatile sig_atomic_t monitor_child;
static volatile sig_atomic_t monitor_orphaned;

static void monitor_on_parent_death(int sig)
{
	(void)sig;
	monitor_orphaned = 1;
	if (monitor_child > 0)
		kill((pid_t)monitor_child, SIGKILL);
}

/*
 * Copies the container's output to the log (and, in the foreground, to
 * berth's stdout/stderr) until its side is closed; with a terminal in the
 * foreground, berth's stdin goes to the terminal too (berth's own terminal
 * raw meanwhile), and the terminal's master goes to the console's clients.
 */
static void monitor_pump(struct monitor *m, int out, int errp, int pty, int log_fd)
{
	struct log_stream ls[3] = {
		{out, "stdout", m->foreground ? STDOUT_FILENO : -1, BERTH_BUF_INIT},
		{errp, "stderr", m->foreground ? STDERR_FILENO : -1, BERTH_BUF_INIT},
		{pty, "stdout", m->foreground ? STDOUT_FILENO : -1, BERTH_BUF_INIT},
	};
	bool open_[3] = {true, true, pty >= 0};
	int in = m->foreground && pty >= 0 ? m->cfg->stdio[0] : -1, term = in;
	struct termios saved_tio;
	bool raw = term >= 0 && tcgetattr(term, &saved_tio) == 0;
	if (raw) {
		struct termios t = saved_tio;
		cfmakeraw(&t);
		raw = tcsetattr(term, TCSANOW, &t) == 0;
	}
	while (open_[0] || open_[1] || open_[2]) {
		struct pollfd fds[5] = {{open_[0] ? out : -1, POLLIN, 0},
					{open_[1] ? errp : -1, POLLIN, 0},
					{open_[2] ? pty : -1, POLLIN, 0},
					{in, POLLIN, 0},
					{open_[2] ? m->console : -1, POLLIN, 0}};
		if (poll(fds, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 3; i++)
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				open_[i] = pump(&ls[i], log_fd);
		if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[4096];
			ssize_t n = read(in, buf, sizeof(buf));
			if (n > 0)
				berth_write_all(pty, buf, (size_t)n, NULL);
			else if (n == 0 || errno != EINTR)
				in = -1;
		}
		if (fds[4].revents & POLLIN)
			berth_container_console_serve(m->console, pty);
	}
	if (raw)
		tcsetattr(term, TCSANOW, &saved_tio);
	for (int i = 0; i < 3; i++)
		berth_buf_release(&ls[i].pending);
}

/*
 * A start that failed: the record says exited, berth is told why, the
 * monitor ends. The record is written first: once told, `run -d` removes
 * the container, and a write after that would bring a record back.
 */
static _Noreturn void monitor_fail(struct monitor *m, int log_fd, struct berth_error *err,
				   int exit_code, int exec_errno, int restarts)
{
	struct monitor_msg msg = {
		.kind = MONITOR_FAILED, .exit_code = exit_code, .exec_errno = exec_errno};
	snprintf(msg.text, sizeof(msg.text), "%s", berth_error_msg(err));
	log_error(log_fd, err);
	set_state(m->c->cdir, m->c->id, "exited", 0, msg.exit_code, restarts, NULL, NULL, NULL);
	monitor_send(m->notify_fd, &msg);
	_exit(1);
}

/*
 * The end of a run with exit code code: the network goes (unless the
 * policy, or health_restart (--health-on-failure restart), restarts it),
 * the die event, the record says exited (*rec becomes it, NULL when the
 * record is gone). Returns whether to run again.
 */
static bool monitor_record_exit(struct monitor *m, int log_fd, int code, int restarts,
				bool health_restart, int *net_lock, json_t **rec)
{
	struct container *c = m->c;
	struct berth_error *err = NULL;
	/* a `stop` marks the record: a stopped container is not restarted */
	_cleanup_json_ json_t *st = berth_container_state_read(c->cdir, c->id);
	bool stopped = json_is_true(json_object_get(st, "StopRequested"));
	bool again = !stopped && !monitor_orphaned &&
		     (m->always || health_restart || (code != 0 && restarts < m->max_restarts));
	/* the network goes before the record says exited: rm and stop wait for that */
	if (!again) {
		berth_container_net_down(m->store_root, c->cdir, c->id, *net_lock);
		*net_lock = -EBADF;
	}
	char exit_code[16];
	snprintf(exit_code, sizeof(exit_code), "%d", code);
	/* before the record says exited: who waited for that (stop) logs after it */
	if (st)
		berth_container_event_st(m->store, st, "die",
					 (const char *[]){"exitCode", exit_code, NULL});
	if (set_state(c->cdir, c->id, "exited", 0, code, restarts, NULL, rec, &err) < 0) {
		/* a record gone (rm -f) has had its destroy event */
		json_decref(TAKE_PTR(*rec));
		log_error(log_fd, err);
		berth_error_free(&err);
	}
	return again;
}

/*
 * The monitor: parent of the container's process, it keeps the json-file
 * log and the state, and restarts the process as the policy says. Detached
 * (`run -d`, `start`) it runs in its own session; in the foreground it is
 * the child of `berth run`, shares its terminal and dies with it (killing
 * the container). notify_fd gets STARTED or FAILED once the first start
 * succeeded or failed, and in the foreground EXITED when the first run
 * ended: the restart policy then goes on in the background, as Docker's
 * does while its CLI returns after the first run. In the foreground berth
 * waits for the monitor's exit and then reads EXITED: with a run to come,
 * a child of the monitor goes on with the policy; with none, the monitor
 * exits once the network is down and an --rm container removed.
 */
/*
 * Before the first start: the container's networks (its network lock
 * returned) and, for a pod's container, the IPC and UTS namespaces of the
 * pod's infra. A failure ends the monitor.
 */
static int monitor_namespaces_up(struct monitor *m, int log_fd)
{
	struct container *c = m->c;
	struct berth_error *err = NULL;
	int net_lock = -EBADF;
	if (berth_container_net_up(m->store, c->cdir, c->id, c->spec.hostname, &c->spec, &net_lock,
				   &err) < 0)
		monitor_fail(m, log_fd, err, 125, 0, 0);
	if (berth_pod_member_join(m->store, c->cdir, c->id, &c->spec, &err) < 0) {
		berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
		monitor_fail(m, log_fd, err, 125, 0, 0);
	}
	return net_lock;
}

static _Noreturn void monitor_main(struct monitor *m)
{
	struct container *c = m->c;
	struct berth_runtime_config *cfg = m->cfg;
	_cleanup_free_ char *log_name = berth_xasprintf("%s/%s-json.log", c->id, c->id);
	int log_fd = openat(c->cdir, log_name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int restarts = 0;
	bool health_restart = false; /* this run restarts one that ended unhealthy */
	/* the record as the monitor last wrote it: what its events name */
	_cleanup_json_ json_t *rec = NULL;
	int net_lock = monitor_namespaces_up(m, log_fd);
	int last_code = 0; /* the exit code of the last run */
	for (;;) {
		int out[2], errp[2];
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
			_exit(125);
		if (!m->foreground)
			cfg->stdio[0] = -1;
		cfg->stdio[1] = out[1];
		cfg->stdio[2] = errp[1];
		struct berth_runtime_process p;
		struct berth_runtime_result res = {0};
		struct berth_error *err = NULL;
		int r = berth_runtime_start(cfg, &p, &res, &err);
		close(out[1]);
		close(errp[1]);
		if (r >= 0) {
			monitor_child = p.pid;
			if (monitor_orphaned)
				kill(p.pid, SIGKILL);
			/* a container no record shows as running could not be stopped */
			r = set_state(c->cdir, c->id, "running", p.pid, 0, restarts, p.cgroup.dirs,
				      &rec, &err);
			if (r < 0) {
				berth_runtime_process_release(&p, NULL);
				res.exit_code = 125;
			} else {
				berth_container_event_st(m->store, rec, "start", NULL);
				if (health_restart)
					berth_container_event_st(m->store, rec, "restart", NULL);
			}
		}
		if (r < 0) {
			berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
			monitor_fail(m, log_fd, err, res.exec_errno ? res.exit_code : 125,
				     res.exec_errno, restarts);
		}
		/* before STARTED too: a client resizes the terminal once start returned */
		if (m->console < 0 && p.pty_master >= 0)
			m->console = berth_container_console_listen(c->cdir, c->id);
		/* before STARTED: `run -d` returns with the health "starting" */
		pid_t prober = berth_container_health_start(m->store_root, c->id, rec, p.pid);
		if (restarts == 0) {
			struct monitor_msg msg = {.kind = MONITOR_STARTED, .pid = p.pid};
			monitor_send(m->notify_fd, &msg);
			if (!m->foreground) {
				close(m->notify_fd);
				m->notify_fd = -1;
			}
		}
		monitor_pump(m, out[0], errp[0], p.pty_master, log_fd);
		close(out[0]);
		close(errp[0]);
		int code = berth_runtime_wait(&p, NULL);
		health_restart = berth_container_health_stop(m->store_root, c->id, rec, prober);
		berth_runtime_process_release(&p, NULL);
		monitor_child = 0;
		bool again = monitor_record_exit(m, log_fd, code, restarts, health_restart,
						 &net_lock, &rec);
		if (m->foreground) {
			/* from here on the monitor outlives its berth, or ends now */
			if (again) {
				prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
				again = !monitor_orphaned && getppid() == m->parent;
			}
			last_code = code;
			if (again) {
				struct monitor_msg msg = {.kind = MONITOR_EXITED,
							  .exit_code = code};
				monitor_send(m->notify_fd, &msg);
				close(m->notify_fd);
				m->notify_fd = -1;
				m->foreground = false;
				/* berth waits for this process: a child goes on with the policy */
				if (fork() != 0)
					_exit(0);
				setsid();
				int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
				for (int fd = 0; fd < 3; fd++)
					dup2(devnull, fd);
			}
		}
		if (!again)
			break;
		restarts++;
	}
	berth_container_console_close(c->cdir, c->id, m->console);
	berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
	if (m->rm) {
		if (rec)
			berth_container_event_st(m->store, rec, "destroy", NULL);
		berth_container_discard(m->store, c);
	}
	/*
	 * Still in the foreground: berth, blocked in waitpid() for this
	 * process, finds EXITED in the pipe once woken by this exit: woken
	 * once for the end, after the network is down and an --rm container
	 * removed (it forwards signals through the container's pidfd, which a
	 * reused pid cannot receive).
	 */
	if (m->foreground) {
		struct monitor_msg msg = {.kind = MONITOR_EXITED, .exit_code = last_code};
		monitor_send(m->notify_fd, &msg);
	}
	_exit(0);
}

/* The monitor's process: its own session (detached) or berth's child (foreground). */
static _Noreturn void monitor_process(struct monitor *m)
{
	if (m->foreground) {
		struct sigaction sa = {.sa_handler = monitor_on_parent_death};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		if (getppid() != m->parent)
			monitor_orphaned = 1;
		/* berth forwards these to the container; the terminal sends them to us too */
		static const int fwd[] = {SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};
		for (size_t i = 0; i < ELEMENTSOF(fwd); i++)
			signal(fwd[i], SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		monitor_main(m);
	}
	setsid();
	if (fork() != 0)
		_exit(0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		dup2(devnull, fd);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	monitor_main(m);
}

/* The monitor's first message: 0 for STARTED, the start's error for FAILED or none. */
static int monitor_started(const struct monitor_msg *msg, struct berth_runtime_result *ret_result,
			   struct berth_error **err)
{
	if (msg->kind == MONITOR_STARTED)
		return 0;
	if (msg->kind != MONITOR_FAILED)
		return berth_error_set(err, EIO, "the monitor exited before starting");
	ret_result->exit_code = msg->exit_code;
	ret_result->exec_errno = msg->exec_errno;
	return berth_error_set(err, msg->exec_errno ? msg->exec_errno : EIO, "%s", msg->text);
}

/* A foreground berth's pipe from its monitor, and its first message once a signal read it. */
static int fg_notify_fd = -1;
static struct monitor_msg fg_first;
static volatile sig_atomic_t fg_first_read;

/*
 * In a signal handler: the container's pid once the monitor's STARTED is
 * in the pipe, else 0 (nothing is read before a whole message is there).
 */
static pid_t fg_started_pid(void)
{
	int n = 0;
	if (!fg_first_read) {
		if (ioctl(fg_notify_fd, FIONREAD, &n) < 0 || n < (int)sizeof(fg_first) ||
		    read(fg_notify_fd, &fg_first, sizeof(fg_first)) != (ssize_t)sizeof(fg_first))
			return 0;
		fg_first_read = 1;
	}
	return fg_first.kind == MONITOR_STARTED ? fg_first.pid : 0;
}

/*
 * Starts the container under a monitor. Detached: returns once it runs.
 * Foreground: forwards berth's signals to it and returns when its first run
 * ended, with its exit code in ret_result; a monitor with restarts left goes
 * on in the background.
 */
int berth_container_start_monitor(struct berth_store *store, struct container *c,
				  struct berth_runtime_config *cfg, bool rm,
				  enum berth_restart_policy restart, int restart_max,
				  bool foreground, struct berth_runtime_result *ret_result,
				  struct berth_error **err)
{
	struct monitor m = {.store = store,
			    .store_root = berth_store_root_path(store),
			    .c = c,
			    .cfg = cfg,
			    .rm = rm,
			    .foreground = foreground,
			    .parent = getpid(),
			    .console = -1};
	m.always = restart == BERTH_RESTART_ALWAYS || restart == BERTH_RESTART_UNLESS_STOPPED;
	if (restart == BERTH_RESTART_ON_FAILURE)
		m.max_restarts = restart_max ? restart_max : INT32_MAX;
	ret_result->exit_code = 125;
	ret_result->exec_errno = 0;
	int notify[2];
	if (pipe2(notify, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	_cleanup_close_ int nfd = notify[0];
	/*
	 * The monitor outlives this call with a copy of the store handle: a
	 * shared gc lock it inherited would hold off rmi/prune for as long as
	 * the container runs. Everything the caller wrote is referenced by now.
	 */
	berth_store_writes_done(store);
	fflush(NULL);
	_cleanup_pid_ pid_t pid = fork();
	if (pid < 0) {
		close(notify[1]);
		return berth_error_syscall(err, errno, "fork the monitor");
	}
	if (pid == 0) {
		close(nfd);
		m.notify_fd = notify[1];
		monitor_process(&m);
	}
	close(notify[1]);
	struct monitor_msg msg;
	if (!foreground) {
		/* the first child exits at once, leaving the monitor to init */
		waitpid(TAKE_PID(pid), NULL, 0);
		monitor_recv(nfd, &msg);
		return monitor_started(&msg, ret_result, err);
	}
	/*
	 * In the foreground only the monitor's exit wakes us: STARTED and
	 * EXITED wait in the pipe, read when a signal comes (STARTED: the
	 * container's pid to forward it to) or once the monitor has exited (a
	 * child of it goes on with a restart policy). One wake-up for the run.
	 */
	struct berth_runtime_forward fwd;
	fg_notify_fd = nfd;
	fg_first_read = 0;
	berth_runtime_forward_begin_lazy(fg_started_pid, &fwd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	TAKE_PID(pid);
	berth_runtime_forward_end(&fwd);
	if (fg_first_read) {
		msg = fg_first;
		msg.text[sizeof(msg.text) - 1] = '\0';
	} else {
		monitor_recv(nfd, &msg);
	}
	int r = monitor_started(&msg, ret_result, err);
	if (r < 0)
		return r;
	if (monitor_recv(nfd, &msg) < 0 || msg.kind != MONITOR_EXITED)
		return berth_error_set(err, EIO, "the monitor of container '%s' died", c->id);
	ret_result->exit_code = msg.exit_code;
	return 0;
}
