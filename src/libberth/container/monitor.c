/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor: parent of a container's process, detached or in berth's own process; its json-file log. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	bool raw; /* a terminal: what it read is logged at once (a prompt has no newline) */
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
	if (ls->raw) {
		log_line(log_fd, ls->name, ls->pending.buf, ls->pending.len);
		berth_buf_reset(&ls->pending);
		return true;
	}
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
		json_object_set_new(st, "CgroupPaths", berth_json_strv(cgroups));
	/* a run's start: its cgroup is new, and no pause comes before this record */
	int r = running ? berth_container_state_write_started(cdir, id, st, err)
			: berth_container_state_write(cdir, id, st, err);
	if (r < 0)
		return berth_error_prefix(err, "record container '%s' %s", id, status);
	if (ret_st) {
		json_decref(*ret_st);
		*ret_st = TAKE_PTR(st);
	}
	return 0;
}

/* What the monitor tells the berth that started it (detached: over a pipe, one write each). */
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

/*
 * One monitor loop, two hosts. Detached (`run -d`, `start`) it is a
 * process of its own, in its own session, and tells the berth that forked
 * it STARTED or FAILED over notify_fd. In the foreground (`berth run`)
 * berth's own process is the monitor: no fork; what the pipe would carry
 * is kept in first and exited, the first run shares berth's terminal and
 * stdio, and berth's signals go to the container.
 */
struct monitor {
	struct berth_store *store; /* the caller's (detached: inherited over the fork) */
	const char *store_root;
	struct container *c;
	struct berth_runtime_config *cfg;
	bool rm, always;
	bool foreground; /* hosted in berth's process: the loop returns to it */
	int max_restarts;
	int notify_fd;	 /* detached: the pipe to the berth that forked it */
	int console;	 /* with a terminal: the socket that hands out its master (console.c) */
	int stdin_w;	 /* detached, -i without a terminal: the stdin pipe's end it hands out */
	bool stdin_once; /* StdinOnce: to the first client only, then it is the only writer */
	struct monitor_msg first, exited; /* foreground: STARTED or FAILED, and EXITED */
};

static void monitor_send(struct monitor *m, const struct monitor_msg *msg)
{
	if (m->notify_fd >= 0)
		(void)!write(m->notify_fd, msg, sizeof(*msg));
	else if (m->foreground)
		*(msg->kind == MONITOR_EXITED ? &m->exited : &m->first) = *msg;
}

/*
 * In the foreground, berth's signals are the container's (runtime's
 * forwarding, to the container's process while it runs). One that comes
 * before the container ever ran is kept (BERTH_RUNTIME_FORWARD_EARLY) and
 * ends the run where it would have ended berth: the container is killed as
 * soon as it is started, and recorded and removed as at any end. A
 * SIGKILL'ed berth takes the container with it by the PDEATHSIG the runtime
 * gives it. One forwarding per process: this is the hosted monitor's.
 */
static struct berth_runtime_forward hosted_fwd;

/* A process of its own: its own session, init's child (a double fork), no terminal. */
static void monitor_detach(void)
{
	setsid();
	if (fork() != 0)
		_exit(0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		dup2(devnull, fd);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

/*
 * The foreground's first run ended with a run to come: berth returns its
 * code now and a process of its own goes on with the policy, as Docker's
 * CLI returns after the first run while the policy goes on. 1 in that
 * process (detached from now on), 0 in berth, -1 when it could not fork.
 */
static int hosted_hand_over(struct monitor *m)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		/* the first child exits at once, leaving the monitor to init */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return 0;
	}
	berth_runtime_forward_end(&hosted_fwd);
	monitor_detach();
	m->foreground = false;
	return 1;
}

/* A console client takes the terminal, or the stdin pipe (with StdinOnce, the first only). */
static void monitor_console_serve(struct monitor *m, int pty)
{
	if (!berth_container_console_serve(m->console, pty >= 0 ? pty : m->stdin_w) || pty >= 0 ||
	    !m->stdin_once)
		return;
	close(m->stdin_w);
	m->stdin_w = -EBADF;
	berth_container_console_close(m->c->cdir, m->c->id, m->console);
	m->console = -1;
}

/*
 * Copies the container's output to the log (and, in the foreground, to
 * berth's stdout/stderr) until its side is closed; with a terminal in the
 * foreground, berth's stdin goes to the terminal too, and the terminal's
 * master goes to the console's clients.
 */
static void monitor_pump(struct monitor *m, int out, int errp, int pty, int log_fd)
{
	struct log_stream ls[3] = {
		{out, "stdout", m->foreground ? STDOUT_FILENO : -1, BERTH_BUF_INIT},
		{errp, "stderr", m->foreground ? STDERR_FILENO : -1, BERTH_BUF_INIT},
		{pty, "stdout", m->foreground ? STDOUT_FILENO : -1, BERTH_BUF_INIT, true},
	};
	bool open_[3] = {true, true, pty >= 0};
	int in = m->foreground && pty >= 0 ? m->cfg->stdio[0] : -1;
	while (open_[0] || open_[1] || open_[2]) {
		struct pollfd fds[5] = {{open_[0] ? out : -1, POLLIN, 0},
					{open_[1] ? errp : -1, POLLIN, 0},
					{open_[2] ? pty : -1, POLLIN, 0},
					{in, POLLIN, 0},
					{open_[2] || m->stdin_w >= 0 ? m->console : -1, POLLIN, 0}};
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
			monitor_console_serve(m, pty);
	}
	for (int i = 0; i < 3; i++)
		berth_buf_release(&ls[i].pending);
}

/*
 * A start that failed: the record says exited, berth is told why, the
 * monitor ends (a process of its own exits). The record is written first:
 * once told, `run -d` removes the container, and a write after that would
 * bring a record back. Takes err.
 */
static void monitor_fail(struct monitor *m, int log_fd, struct berth_error *err, int exit_code,
			 int exec_errno, int restarts)
{
	struct monitor_msg msg = {
		.kind = MONITOR_FAILED, .exit_code = exit_code, .exec_errno = exec_errno};
	snprintf(msg.text, sizeof(msg.text), "%s", berth_error_msg(err));
	log_error(log_fd, err);
	berth_error_free(&err);
	berth_container_console_close(m->c->cdir, m->c->id, m->console);
	m->console = -1;
	/* the cgroup made for this start when the start never took it over */
	if (m->cfg->cgroup && m->cfg->cgroup->dirs)
		berth_cgroup_destroy(m->cfg->cgroup, NULL);
	set_state(m->c->cdir, m->c->id, "exited", 0, msg.exit_code, restarts, NULL, NULL, NULL);
	monitor_send(m, &msg);
	if (!m->foreground)
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
	bool again = !stopped && !berth_runtime_forward_early() &&
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
	/*
	 * The record saying exited is the last the monitor does in the
	 * container's directory (set_state renames state.json after the
	 * summary): once it is there, rm may remove the directory.
	 */
	if (!again) {
		berth_container_console_close(c->cdir, c->id, m->console);
		m->console = -1;
	}
	if (set_state(c->cdir, c->id, "exited", 0, code, restarts, NULL, rec, &err) < 0) {
		/* a record gone (rm -f) has had its destroy event */
		json_decref(TAKE_PTR(*rec));
		log_error(log_fd, err);
		berth_error_free(&err);
	}
	return again;
}

/*
 * Before the first start: the container's networks (*ret_net_lock, its
 * network lock) and, for a pod's container, the IPC and UTS namespaces of
 * the pod's infra. -1 when that failed (monitor_fail has ended it).
 */
static int monitor_namespaces_up(struct monitor *m, int log_fd, int *ret_net_lock)
{
	struct container *c = m->c;
	struct berth_error *err = NULL;
	int net_lock = -EBADF;
	if (berth_container_net_up(m->store, c->cdir, c->id, c->spec.hostname, &c->spec, &net_lock,
				   &err) < 0) {
		monitor_fail(m, log_fd, err, 125, 0, 0);
		return -1;
	}
	if (berth_pod_member_join(m->store, c->cdir, c->id, &c->spec, &err) < 0) {
		berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
		monitor_fail(m, log_fd, err, 125, 0, 0);
		return -1;
	}
	*ret_net_lock = net_lock;
	return 0;
}

/* A run of the container: its process, its output pipes, its health prober. */
struct monitor_run {
	struct berth_runtime_process p;
	int out, errp;
	pid_t prober;
};

/*
 * Starts a run: the runtime's start, the record "running" and the start
 * event, the health prober, and STARTED after the first. -1 when it failed
 * (the network is down, monitor_fail has ended the monitor).
 */
static int monitor_start_run(struct monitor *m, int log_fd, int restarts, bool health_restart,
			     int net_lock, json_t **rec, struct monitor_run *run)
{
	struct container *c = m->c;
	struct berth_runtime_config *cfg = m->cfg;
	struct berth_runtime_result res = {0};
	struct berth_error *err = NULL;
	int out[2] = {-EBADF, -EBADF}, errp[2] = {-EBADF, -EBADF}, in[2] = {-EBADF, -EBADF};
	int r;
	if (m->stdin_w >= 0)
		close(m->stdin_w);
	m->stdin_w = -EBADF;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (!m->foreground &&
	     berth_container_console_stdin(c->cdir, c->id, in, &m->stdin_once) < 0)) {
		r = berth_error_syscall(&err, errno, "pipe");
	} else {
		if (!m->foreground)
			cfg->stdio[0] = in[0];
		cfg->stdio[1] = out[1];
		cfg->stdio[2] = errp[1];
		r = berth_runtime_start(cfg, &run->p, &res, &err);
	}
	if (out[1] >= 0)
		close(out[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (in[0] >= 0)
		close(in[0]);
	m->stdin_w = in[1];
	/* before the record says running: who sees it running finds its console */
	if (r >= 0 && m->console < 0 && (run->p.pty_master >= 0 || m->stdin_w >= 0))
		m->console = berth_container_console_listen(c->cdir, c->id);
	if (r >= 0) {
		berth_runtime_forward_to(run->p.pid);
		if (berth_runtime_forward_early())
			kill(run->p.pid, SIGKILL);
		/* a container no record shows as running could not be stopped */
		r = set_state(c->cdir, c->id, "running", run->p.pid, 0, restarts,
			      run->p.cgroup.dirs, rec, &err);
		if (r < 0) {
			berth_runtime_forward_to(0);
			berth_runtime_process_release(&run->p, NULL);
			res.exit_code = 125;
		} else {
			berth_container_event_st(m->store, *rec, "start", NULL);
			if (health_restart)
				berth_container_event_st(m->store, *rec, "restart", NULL);
		}
	}
	if (r < 0) {
		if (out[0] >= 0)
			close(out[0]);
		if (errp[0] >= 0)
			close(errp[0]);
		berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
		monitor_fail(m, log_fd, err, res.exec_errno ? res.exit_code : 125, res.exec_errno,
			     restarts);
		return -1;
	}
	/* before STARTED: `run -d` returns with the health "starting" */
	run->prober = berth_container_health_start(m->store_root, c->id, *rec, run->p.pid);
	if (restarts == 0) {
		struct monitor_msg msg = {.kind = MONITOR_STARTED, .pid = run->p.pid};
		monitor_send(m, &msg);
		if (m->notify_fd >= 0)
			close(m->notify_fd);
		m->notify_fd = -EBADF;
	}
	run->out = out[0];
	run->errp = errp[0];
	return 0;
}

/*
 * Pumps the output until the container closes it (in raw mode while a
 * foreground terminal is the container's), then waits for its exit, ends
 * its health prober and releases it. Returns its exit code; *ret_health_restart
 * whether it ends unhealthy with --health-on-failure restart.
 */
static int monitor_finish_run(struct monitor *m, int log_fd, json_t *rec, struct monitor_run *run,
			      bool *ret_health_restart)
{
	struct berth_runtime_config *cfg = m->cfg;
	struct termios saved_tio;
	bool raw = false;
	if (m->foreground && run->p.pty_master >= 0 && cfg->stdio[0] >= 0 &&
	    tcgetattr(cfg->stdio[0], &saved_tio) == 0) {
		struct termios t = saved_tio;
		cfmakeraw(&t);
		raw = tcsetattr(cfg->stdio[0], TCSANOW, &t) == 0;
	}
	monitor_pump(m, run->out, run->errp, run->p.pty_master, log_fd);
	if (raw)
		tcsetattr(cfg->stdio[0], TCSANOW, &saved_tio);
	close(run->out);
	close(run->errp);
	int code = berth_runtime_forward_wait(&run->p, NULL);
	*ret_health_restart =
		berth_container_health_stop(m->store_root, m->c->id, rec, run->prober);
	berth_runtime_process_release(&run->p, NULL);
	return code;
}

/*
 * The monitor: parent of the container's process, it keeps the json-file
 * log and the state, and restarts the process as the policy says. In the
 * foreground (berth's own process) the first run ends the foreground: with
 * a run to come, a process of its own goes on with the policy (Docker's CLI
 * returns after the first run too) and berth returns; with none, berth
 * returns once the network is down and an --rm container removed, with the
 * code in exited. Returns only in the foreground: a process of its own
 * exits.
 */
static void monitor_main(struct monitor *m)
{
	struct container *c = m->c;
	_cleanup_free_ char *log_name = berth_xasprintf("%s/%s-json.log", c->id, c->id);
	_cleanup_close_ int log_fd =
		openat(c->cdir, log_name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int restarts = 0;
	bool health_restart = false; /* this run restarts one that ended unhealthy */
	/* the record as the monitor last wrote it: what its events name */
	_cleanup_json_ json_t *rec = NULL;
	int net_lock = -EBADF;
	int last_code = 0; /* the exit code of the last run */
	if (monitor_namespaces_up(m, log_fd, &net_lock) < 0)
		return;
	for (;;) {
		struct monitor_run run;
		if (monitor_start_run(m, log_fd, restarts, health_restart, net_lock, &rec, &run) <
		    0)
			return;
		last_code = monitor_finish_run(m, log_fd, rec, &run, &health_restart);
		bool again = monitor_record_exit(m, log_fd, last_code, restarts, health_restart,
						 &net_lock, &rec);
		if (m->foreground && again) {
			struct monitor_msg msg = {.kind = MONITOR_EXITED, .exit_code = last_code};
			monitor_send(m, &msg);
			int h = hosted_hand_over(m);
			if (h == 0) {
				/* berth: the network, the record and the console are the new process's */
				if (net_lock >= 0)
					close(net_lock);
				if (m->console >= 0)
					close(m->console);
				return;
			}
			again = h > 0;
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
	if (!m->foreground)
		_exit(0);
	struct monitor_msg msg = {.kind = MONITOR_EXITED, .exit_code = last_code};
	monitor_send(m, &msg);
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

/*
 * Foreground: the monitor's loop in berth's own process (no fork: a third
 * process, its copy-on-write faults and its wake-ups were most of what a
 * foreground run cost over base), with berth's signals the container's.
 */
static int monitor_host(struct monitor *m, struct berth_runtime_result *ret_result,
			struct berth_error **err)
{
	/* a reader of the output that went away (EPIPE) ends the echo, not berth */
	berth_runtime_forward_begin(
		&hosted_fwd, 0, BERTH_RUNTIME_FORWARD_EARLY | BERTH_RUNTIME_FORWARD_IGNORE_SIGPIPE);
	monitor_main(m);
	berth_runtime_forward_end(&hosted_fwd);
	int r = monitor_started(&m->first, ret_result, err);
	if (r < 0)
		return r;
	/* a signal that ended the run before it ran: the code berth would have died with */
	int early = berth_runtime_forward_early();
	ret_result->exit_code = early ? 128 + early : m->exited.exit_code;
	return 0;
}

/*
 * A detached monitor forked from a process that serves others (the Engine
 * API service) would hold copies of that process's connections and pipes
 * for as long as its container runs: a copy of another container's stdin
 * pipe keeps that container from its EOF (docker run -i), a copy of a
 * client's socket or of a caller's pipe (a test harness's fd 3) keeps its
 * reader from the end. The monitor needs none of them: of pipes and
 * sockets it keeps keep (its notify pipe) alone; the store's directories
 * and files stay.
 */
static void monitor_close_inherited(int keep)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		struct stat st;
		if (*end || fd <= STDERR_FILENO || fd == keep || fd == dirfd(d) ||
		    fstat((int)fd, &st) < 0)
			continue;
		if (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode))
			close((int)fd);
	}
}

/*
 * Starts the container under a monitor. Detached: forks the monitor and
 * returns once the container runs. Foreground: berth is the monitor; returns
 * when the first run ended, with its exit code in ret_result; with restarts
 * left, a monitor of its own goes on in the background.
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
			    .console = -1,
			    .stdin_w = -EBADF,
			    .notify_fd = -EBADF};
	m.always = restart == BERTH_RESTART_ALWAYS || restart == BERTH_RESTART_UNLESS_STOPPED;
	if (restart == BERTH_RESTART_ON_FAILURE)
		m.max_restarts = restart_max ? restart_max : INT32_MAX;
	ret_result->exit_code = 125;
	ret_result->exec_errno = 0;
	/*
	 * The monitor keeps the store handle for as long as the container
	 * runs: a shared gc lock it held would hold off rmi/prune as long.
	 * Everything the caller wrote is referenced by now.
	 */
	berth_store_writes_done(store);
	fflush(NULL);
	if (foreground)
		return monitor_host(&m, ret_result, err);
	int notify[2];
	if (pipe2(notify, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	_cleanup_close_ int nfd = notify[0];
	pid_t pid = fork();
	if (pid < 0) {
		close(notify[1]);
		return berth_error_syscall(err, errno, "fork the monitor");
	}
	if (pid == 0) {
		close(nfd);
		m.notify_fd = notify[1];
		monitor_close_inherited(notify[1]);
		monitor_detach();
		monitor_main(&m);
		_exit(0);
	}
	close(notify[1]);
	/* the monitor took the cgroup made for this start over */
	if (cfg->cgroup)
		berth_cgroup_forget(cfg->cgroup);
	/* the first child exits at once, leaving the monitor to init */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	monitor_recv(nfd, &m.first);
	berth_cgroup_warm_end(); /* the monitor has attached its container by now */
	return monitor_started(&m.first, ret_result, err);
}
