/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /containers/{}/exec and /exec/{}/...: exec instances live in this
 * service's memory until it exits. A start runs `berth exec` (the same
 * library call, berth_container_exec) as a child of the service with its
 * stdio on a pty (Tty) or on pipes multiplexed onto the hijacked
 * connection: the library's exec drives the caller's own stdio, signals
 * and terminal, which a thread of a shared service cannot lend it.
 */
#include "api/containers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "store/store.h"

struct exec_instance {
	char id[65];
	char *container;
	char **cmd, **env;
	char *user, *workdir;
	bool tty, in, out, err, privileged;
	bool running, started;
	int exit_code;
	pid_t pid;
	int pty; /* the pty master while it runs with a tty, else -1 */
	struct exec_instance *next;
};

static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct exec_instance *exec_list;

/* The instance of the route's {} (exec_lock held); NULL when none. */
static struct exec_instance *exec_find(const char *id)
{
	for (struct exec_instance *e = exec_list; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

static int get_opt_str(const json_t *b, const char *key, char **ret, struct berth_error **err)
{
	json_t *v = json_object_get(b, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berth_error_set(err, EINVAL, "json: field '%s' must be a string", key);
	if (*json_string_value(v))
		*ret = berth_xstrdup(json_string_value(v));
	return 0;
}

static int get_opt_strv(const json_t *b, const char *key, char ***ret, struct berth_error **err)
{
	json_t *v = json_object_get(b, key), *e;
	size_t i;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return berth_error_set(err, EINVAL, "json: field '%s' must be a list of strings",
				       key);
	json_array_foreach (v, i, e) {
		if (!json_is_string(e))
			return berth_error_set(err, EINVAL,
					       "json: field '%s' must be a list of strings", key);
		berth_strv_push(ret, json_string_value(e));
	}
	return 0;
}

static void exec_free(struct exec_instance *e)
{
	if (!e)
		return;
	free(e->container);
	berth_strv_free(e->cmd);
	berth_strv_free(e->env);
	free(e->user);
	free(e->workdir);
	free(e);
}

static int exec_parse(const json_t *b, struct exec_instance *e, struct berth_error **err)
{
	int r = get_opt_strv(b, "Cmd", &e->cmd, err);
	if (r >= 0)
		r = get_opt_strv(b, "Env", &e->env, err);
	if (r >= 0)
		r = get_opt_str(b, "User", &e->user, err);
	if (r >= 0)
		r = get_opt_str(b, "WorkingDir", &e->workdir, err);
	if (r < 0)
		return r;
	if (!e->cmd || !e->cmd[0])
		return berth_error_set(err, EINVAL, "No exec command specified");
	e->tty = json_is_true(json_object_get(b, "Tty"));
	e->in = json_is_true(json_object_get(b, "AttachStdin"));
	e->out = json_is_true(json_object_get(b, "AttachStdout"));
	e->err = json_is_true(json_object_get(b, "AttachStderr"));
	e->privileged = json_is_true(json_object_get(b, "Privileged"));
	return 0;
}

static int exec_create(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *st = NULL;
	struct berth_error *err = NULL;
	if (!api_container_id(req, &id))
		return 0;
	if (berth_container_inspect(api_req_store(req), id, &st, NULL) < 0 ||
	    !json_is_true(json_object_get(json_object_get(st, "State"), "Running")))
		return api_reply_error(req, 409, "Container %s is not running", id);
	struct exec_instance *e = berth_xcalloc(1, sizeof(*e));
	e->pty = -1;
	if (exec_parse(api_req_json(req), e, &err) < 0) {
		exec_free(e);
		return api_reply_berror(req, &err);
	}
	unsigned char rnd[32];
	if (getentropy(rnd, sizeof(rnd)) < 0) {
		exec_free(e);
		return api_reply_error(req, 500, "exec: random id: %s", strerror(errno));
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(e->id + 2 * i, 3, "%02x", rnd[i]);
	e->container = TAKE_PTR(id);
	pthread_mutex_lock(&exec_lock);
	e->next = exec_list;
	exec_list = e;
	pthread_mutex_unlock(&exec_lock);
	return api_reply_json(req, 201, json_pack("{s:s}", "Id", e->id));
}

/* `berth --root ROOT exec [FLAGS] CONTAINER CMD...` for instance e. */
static char **exec_argv(struct api_req *req, const struct exec_instance *e, bool detach)
{
	char **argv = NULL;
	berth_strv_push(&argv, "berth");
	berth_strv_push(&argv, "--root");
	berth_strv_push(&argv, berth_store_root_path(api_req_store(req)));
	berth_strv_push(&argv, "exec");
	if (detach)
		berth_strv_push(&argv, "-d");
	if (e->tty)
		berth_strv_push(&argv, "-t");
	if (e->in)
		berth_strv_push(&argv, "-i");
	if (e->privileged)
		berth_strv_push(&argv, "--privileged");
	if (e->user)
		berth_strv_consume(&argv, berth_xasprintf("--user=%s", e->user));
	if (e->workdir)
		berth_strv_consume(&argv, berth_xasprintf("--workdir=%s", e->workdir));
	BERTH_STRV_FOREACH (v, e->env)
		berth_strv_consume(&argv, berth_xasprintf("--env=%s", *v));
	berth_strv_push(&argv, e->container);
	BERTH_STRV_FOREACH (a, e->cmd)
		berth_strv_push(&argv, *a);
	return argv;
}

/*
 * Forks the exec with stdio[0..2] (a pty slave as all three with a tty);
 * the child execs the service's own binary, so nothing of the service's
 * threads runs in it.
 */
static pid_t exec_spawn(char **argv, const int stdio[3], bool tty)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if (tty && (setsid() < 0 || ioctl(stdio[0], TIOCSCTTY, 0) < 0))
		_exit(125);
	/* what is not attached is /dev/null, never the service's own stdio */
	int null = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3; i++)
		if (dup2(stdio[i] >= 0 ? stdio[i] : null, i) < 0)
			_exit(125);
	execv("/proc/self/exe", argv);
	_exit(127);
}

/*
 * Output fds (out, err: -1 with a tty) to the socket; the socket to *in_fd
 * (closed and set to -1 when the client's stdin ends, not a tty's).
 * Returns when the output ends, or when the client is gone: its stdin
 * ended and the socket hung up (the hijack's relay closed its end), or a
 * write to it failed. The caller then closes the pty or pipes, so a
 * command whose client left gets SIGHUP (a tty) or EOF and EPIPE, as
 * under Docker.
 */
static void exec_relay(int sock, int *in_fd, int out_fd, int err_fd, bool tty)
{
	char buf[16384];
	struct pollfd p[3] = {{.fd = sock, .events = POLLIN},
			      {.fd = out_fd, .events = POLLIN},
			      {.fd = err_fd, .events = POLLIN}};
	while (p[1].fd >= 0 || p[2].fd >= 0) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		/* after its stdin ended, only the client's full close matters */
		if (p[0].events == 0 && (p[0].revents & (POLLHUP | POLLERR)))
			return;
		for (int i = 1; i < 3; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			unsigned char h[8] = {(unsigned char)i,
					      0,
					      0,
					      0,
					      (unsigned char)(n >> 24),
					      (unsigned char)(n >> 16),
					      (unsigned char)(n >> 8),
					      (unsigned char)n};
			if ((!tty && send(sock, h, 8, MSG_NOSIGNAL) != 8) ||
			    send(sock, buf, (size_t)n, MSG_NOSIGNAL) != n)
				return;
		}
		if (p[0].fd >= 0 && p[0].revents) {
			ssize_t n = recv(sock, buf, sizeof(buf), 0);
			if (n > 0 && *in_fd >= 0 && write(*in_fd, buf, (size_t)n) != n)
				return;
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return; /* reset: the client is gone */
			if (n == 0) {
				/* the client's stdin ended: so does the command's (not a tty's) */
				p[0].events = 0;
				if (!tty && *in_fd >= 0) {
					close(*in_fd);
					*in_fd = -1;
				}
			}
		}
	}
}

static void exec_set(struct exec_instance *e, bool running, pid_t pid, int pty, int code)
{
	pthread_mutex_lock(&exec_lock);
	e->running = running;
	e->pid = pid;
	e->pty = pty;
	e->exit_code = code;
	pthread_mutex_unlock(&exec_lock);
}

/* Runs e attached to sock (-1: detached) and records its exit code. */
static void exec_run(struct api_req *req, struct exec_instance *e, int sock)
{
	_cleanup_strv_free_ char **argv = exec_argv(req, e, sock < 0);
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, pty = -1, slave = -1;
	int stdio[3] = {-1, -1, -1};
	if (sock >= 0 && e->tty) {
		pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (pty < 0 || grantpt(pty) < 0 || unlockpt(pty) < 0 ||
		    (slave = open(ptsname(pty), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
			goto fail;
		stdio[0] = stdio[1] = stdio[2] = slave;
	} else if (sock >= 0) {
		if ((e->in && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 ||
		    pipe2(errp, O_CLOEXEC) < 0)
			goto fail;
		stdio[0] = in[0], stdio[1] = out[1], stdio[2] = errp[1];
	}
	pid_t pid = exec_spawn(argv, stdio, sock >= 0 && e->tty);
	if (pid < 0)
		goto fail;
	exec_set(e, true, pid, pty, 0);
	for (int *fd = (int[]){slave, in[0], out[1], errp[1]}, i = 0; i < 4; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (sock >= 0)
		exec_relay(sock, e->tty ? &pty : &in[1], e->tty ? pty : out[0],
			   e->tty ? -1 : errp[0], e->tty);
	/* before the wait: a command whose client left ends with SIGHUP or EOF */
	exec_set(e, true, pid, -1, 0);
	for (int *fd = (int[]){pty, in[1], out[0], errp[0]}, i = 0; i < 4; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	exec_set(e, false, 0, -1, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return;
fail:
	exec_set(e, false, 0, -1, 126);
	for (int *fd = (int[]){pty, slave, in[0], in[1], out[0], out[1], errp[0], errp[1]}, i = 0;
	     i < 8; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

static int exec_start(struct api_req *req)
{
	const char *id = api_req_param(req, 0);
	json_t *b = api_req_json(req);
	bool detach = json_is_true(json_object_get(b, "Detach"));
	pthread_mutex_lock(&exec_lock);
	struct exec_instance *e = exec_find(id);
	bool started = e && e->started;
	if (e && !started) {
		e->started = true;
		e->running = true;
		if (json_is_true(json_object_get(b, "Tty")))
			e->tty = true;
	}
	pthread_mutex_unlock(&exec_lock);
	if (!e)
		return api_reply_error(req, 404, "No such exec instance: %s", id);
	if (started)
		return api_reply_error(req, 409, "Exec %s has already been started", id);
	if (detach) {
		exec_run(req, e, -1);
		return api_reply_empty(req, 200);
	}
	int sock = api_hijack(req);
	if (sock < 0)
		return 0;
	exec_run(req, e, sock);
	close(sock);
	return 0;
}

static int exec_resize(struct api_req *req)
{
	const char *id = api_req_param(req, 0);
	const char *h = api_req_query(req, "h"), *w = api_req_query(req, "w");
	struct winsize ws = {.ws_row = (unsigned short)(h ? atoi(h) : 0),
			     .ws_col = (unsigned short)(w ? atoi(w) : 0)};
	pthread_mutex_lock(&exec_lock);
	struct exec_instance *e = exec_find(id);
	int r = e && e->pty >= 0 ? ioctl(e->pty, TIOCSWINSZ, &ws) : 0;
	pthread_mutex_unlock(&exec_lock);
	if (!e)
		return api_reply_error(req, 404, "No such exec instance: %s", id);
	if (r < 0)
		return api_reply_error(req, 500, "resize: %s", strerror(errno));
	return api_reply_empty(req, 200);
}

static int exec_inspect(struct api_req *req)
{
	const char *id = api_req_param(req, 0);
	pthread_mutex_lock(&exec_lock);
	struct exec_instance *e = exec_find(id);
	json_t *j = e ? json_pack("{s:s, s:b, s:i, s:b, s:b, s:b, s:s, s:i, s:b, s:s, "
				  "s:{s:b, s:s, s:o, s:b, s:s}}",
				  "ID", e->id, "Running", e->running, "ExitCode", e->exit_code,
				  "OpenStdin", e->in, "OpenStdout", e->out, "OpenStderr", e->err,
				  "ContainerID", e->container, "Pid", (int)e->pid, "CanRemove",
				  false, "DetachKeys", "", "ProcessConfig", "tty", e->tty,
				  "entrypoint", e->cmd[0], "arguments", berth_json_strv(e->cmd + 1),
				  "privileged", e->privileged, "user", e->user ? e->user : "")
		      : NULL;
	pthread_mutex_unlock(&exec_lock);
	if (!j)
		return api_reply_error(req, 404, "No such exec instance: %s", id);
	return api_reply_json(req, 200, j);
}

const struct api_route api_routes_exec[] = {
	{"POST", "/containers/{}/exec", API_BODY_JSON, exec_create},
	{"POST", "/exec/{}/start", API_BODY_JSON, exec_start},
	{"POST", "/exec/{}/resize", API_BODY_NONE, exec_resize},
	{"GET", "/exec/{}/json", API_BODY_NONE, exec_inspect},
	{0},
};
