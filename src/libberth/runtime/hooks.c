/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime-spec hooks: parsed from a config.json's "hooks" object, and
 * run (berth_hooks_run) as the spec says: the state on stdin, the timeout
 * enforced with SIGKILL, a non-zero exit an error. The hook gets stdin over
 * a socket written with MSG_NOSIGNAL: a hook that does not read it must not
 * kill berth with SIGPIPE. Its stderr is read while it runs (so a chatty
 * hook cannot block on a full pipe) and its first line goes into the error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/internal.h"

static const char *const point_names[BERTH_HOOK_POINTS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

const char *berth_hook_point_name(enum berth_hook_point point)
{
	return point_names[point];
}

static int strv_from_json(const json_t *a, const char *key, char ***ret, struct berth_error **err)
{
	size_t i;
	json_t *e;
	if (!a)
		return 0;
	if (!json_is_array(a))
		return berth_error_set(err, EINVAL, "'%s' is not an array", key);
	json_array_foreach (a, i, e) {
		if (!json_is_string(e))
			return berth_error_set(err, EINVAL, "'%s[%zu]' is not a string", key, i);
		berth_strv_push(ret, json_string_value(e));
	}
	return 0;
}

static int parse_hook(const json_t *h, struct berth_spec_hook *ret, struct berth_error **err)
{
	const char *path = NULL;
	int r = berth_json_get_string(h, "path", true, &path, err);
	if (r < 0)
		return r;
	if (path[0] != '/')
		return berth_error_set(err, EINVAL, "path '%s' is not absolute", path);
	int64_t timeout = 0;
	r = berth_spec_get_uint(h, "timeout", INT32_MAX, &timeout, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r >= 0 && timeout == 0)
		return berth_error_set(err, EINVAL, "timeout must be greater than zero");
	ret->path = berth_xstrdup(path);
	ret->timeout = timeout;
	r = strv_from_json(json_object_get(h, "args"), "args", &ret->args, err);
	if (r >= 0)
		r = strv_from_json(json_object_get(h, "env"), "env", &ret->env, err);
	return r;
}

int berth_spec_hooks_from_json(const json_t *j, struct berth_spec *spec, struct berth_error **err)
{
	json_t *hooks = NULL;
	int r = berth_json_get_object(j, "hooks", false, &hooks, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (int p = 0; p < BERTH_HOOK_POINTS; p++) {
		json_t *a = NULL;
		r = berth_json_get_array(hooks, point_names[p], false, &a, err);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return berth_error_prefix(err, "hooks");
		size_t i;
		json_t *h;
		json_array_foreach (a, i, h) {
			spec->hooks[p] = berth_xreallocarray(spec->hooks[p], spec->n_hooks[p] + 1,
							     sizeof(*spec->hooks[p]));
			struct berth_spec_hook *hook = &spec->hooks[p][spec->n_hooks[p]++];
			*hook = (struct berth_spec_hook){0};
			if (!json_is_object(h))
				return berth_error_set(err, EINVAL,
						       "hooks.%s[%zu] is not an object",
						       point_names[p], i);
			r = parse_hook(h, hook, err);
			if (r < 0)
				return berth_error_prefix(err, "hooks.%s[%zu]", point_names[p], i);
		}
	}
	return 0;
}

void berth_spec_hooks_to_json(const struct berth_spec *spec, json_t *root)
{
	json_t *hooks = NULL;
	for (int p = 0; p < BERTH_HOOK_POINTS; p++) {
		if (!spec->n_hooks[p])
			continue;
		json_t *a = json_array();
		for (size_t i = 0; i < spec->n_hooks[p]; i++) {
			const struct berth_spec_hook *h = &spec->hooks[p][i];
			json_t *jh = json_pack("{s:s}", "path", h->path);
			if (h->args)
				json_object_set_new(jh, "args", berth_json_strv(h->args));
			if (h->env)
				json_object_set_new(jh, "env", berth_json_strv(h->env));
			if (h->timeout)
				json_object_set_new(jh, "timeout", json_integer(h->timeout));
			json_array_append_new(a, jh);
		}
		if (!hooks)
			hooks = json_object();
		json_object_set_new(hooks, point_names[p], a);
	}
	if (hooks)
		json_object_set_new(root, "hooks", hooks);
}

void berth_spec_hooks_release(struct berth_spec *spec)
{
	for (int p = 0; p < BERTH_HOOK_POINTS; p++) {
		for (size_t i = 0; i < spec->n_hooks[p]; i++) {
			free(spec->hooks[p][i].path);
			berth_strv_free(spec->hooks[p][i].args);
			berth_strv_free(spec->hooks[p][i].env);
		}
		free(spec->hooks[p]);
		spec->hooks[p] = NULL;
		spec->n_hooks[p] = 0;
	}
}

/* In the fork: stdin the socket, stdout /dev/null, stderr the pipe; then exec. */
static _Noreturn void exec_hook(const struct berth_spec_hook *h, int in, int errw)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0 || dup2(errw, 2) < 0)
		_exit(126);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char *just_path[] = {h->path, NULL};
	char *no_env[] = {NULL};
	execve(h->path, h->args ? h->args : just_path, h->env ? h->env : no_env);
	dprintf(2, "exec: %s", strerror(errno));
	_exit(127);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Collects the hook's stderr (the first 255 bytes) until it exits or its
 * time is over (then it is killed). Returns the wait status, or -ETIME.
 */
static int wait_hook(pid_t pid, int pidfd, int errr, int64_t timeout, char *msg, size_t n)
{
	int64_t end = timeout ? now_ms() + timeout * 1000 : 0;
	size_t got = 0;
	bool timed_out = false;
	for (;;) {
		int wait_ms = -1;
		if (end) {
			int64_t left = end - now_ms();
			wait_ms = left > 0 ? (int)left : 0;
		}
		struct pollfd fds[2] = {{.fd = pidfd, .events = POLLIN},
					{.fd = errr, .events = POLLIN}};
		int r = poll(fds, errr >= 0 ? 2 : 1, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (errr >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
			char buf[512];
			ssize_t k = read(errr, buf, sizeof(buf));
			if (k <= 0) {
				errr = -1;
			} else if (got + 1 < n) {
				size_t take = (size_t)k < n - 1 - got ? (size_t)k : n - 1 - got;
				memcpy(msg + got, buf, take);
				got += take;
			}
		}
		if (fds[0].revents & POLLIN)
			break;
	}
	msg[got] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return timed_out ? -ETIME : st;
}

static int run_hook(const struct berth_spec_hook *h, const char *point, const char *state,
		    struct berth_error **err)
{
	int sv[2], ep[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return berth_error_syscall(err, errno, "socketpair");
	if (pipe2(ep, O_CLOEXEC) < 0) {
		int r = berth_error_syscall(err, errno, "pipe");
		close(sv[0]), close(sv[1]);
		return r;
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_hook(h, sv[1], ep[1]);
	close(sv[1]);
	close(ep[1]);
	_cleanup_close_ int in = sv[0], errr = ep[0];
	if (pid < 0)
		return berth_error_syscall(err, errno, "fork %s hook '%s'", point, h->path);
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		int r = berth_error_syscall(err, errno, "pidfd_open");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return r;
	}
	/* the state fits the socket's buffer; a hook that does not read it just ignores it */
	size_t len = strlen(state);
	for (size_t off = 0; off < len;) {
		ssize_t k = send(in, state + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	shutdown(in, SHUT_WR);
	char msg[256];
	int st = wait_hook(pid, pidfd, errr, h->timeout, msg, sizeof(msg));
	if (st == -ETIME)
		return berth_error_set(err, ETIME, "%s hook '%s' timed out after %lld s", point,
				       h->path, (long long)h->timeout);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	const char *sep = msg[0] ? ": " : "";
	if (WIFSIGNALED(st))
		return berth_error_set(err, EIO, "%s hook '%s' killed by signal %d%s%s", point,
				       h->path, WTERMSIG(st), sep, msg);
	return berth_error_set(err, EIO, "%s hook '%s' exited with status %d%s%s", point, h->path,
			       WEXITSTATUS(st), sep, msg);
}

int berth_hooks_run(const struct berth_spec *spec, enum berth_hook_point point,
		    const char *state_json, struct berth_error **err)
{
	for (size_t i = 0; i < spec->n_hooks[point]; i++) {
		int r = run_hook(&spec->hooks[point][i], point_names[point], state_json, err);
		if (r < 0)
			return r;
	}
	return 0;
}

char *berth_runtime_state_json(const struct berth_runtime_config *cfg, pid_t pid,
			       const char *status)
{
	_cleanup_json_ json_t *j = json_pack(
		"{s:s, s:s, s:s, s:I, s:s}", "ociVersion", "1.0.2", "id", cfg->id, "status", status,
		"pid", (json_int_t)pid, "bundle", cfg->bundle ? cfg->bundle : "");
	json_object_set_new(j, "annotations", json_object());
	return json_dumps(j, JSON_COMPACT);
}

static bool child_has_hooks(const struct berth_spec *spec)
{
	return spec->n_hooks[BERTH_HOOK_CREATE_CONTAINER] ||
	       spec->n_hooks[BERTH_HOOK_START_CONTAINER];
}

bool berth_runtime_goes_early(const struct berth_spec *spec)
{
	if (spec->namespaces & BERTH_NS_USER)
		return false; /* its id maps come first */
	for (size_t i = 0; i <= BERTH_HOOK_START_CONTAINER; i++)
		if (spec->n_hooks[i])
			return false; /* they run between the two, on a container in its cgroup */
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].type, "cgroup") == 0)
			return false; /* mounted as the cgroup namespace shows it */
	return true;
}

int berth_runtime_let_go(const struct berth_runtime_config *cfg, pid_t pid, int sync_fd,
			 struct berth_error **err)
{
	const struct berth_spec *spec = cfg->spec;
	_cleanup_free_ char *state = berth_runtime_state_json(cfg, pid, "creating");
	int r = berth_hooks_run(spec, BERTH_HOOK_PRESTART, state, err);
	if (r >= 0)
		r = berth_hooks_run(spec, BERTH_HOOK_CREATE_RUNTIME, state, err);
	if (r < 0)
		return r;
	/* not write(2): a child that failed its early set-up is gone, no SIGPIPE for that */
	if (send(sync_fd, "g", 1, MSG_NOSIGNAL) != 1)
		return berth_error_syscall(err, errno, "start the container");
	if (child_has_hooks(spec) && berth_write_all(sync_fd, state, strlen(state), err) < 0)
		return berth_error_prefix(err, "start the container");
	return 0;
}

int berth_runtime_wait_go(const struct berth_spec *spec, int sync_fd, char **ret_state)
{
	char c;
	*ret_state = NULL;
	if (read(sync_fd, &c, 1) != 1)
		return -EIO;
	if (!child_has_hooks(spec))
		return 0;
	/* the state, up to the parent's close */
	size_t len = 0, cap = 4096;
	char *buf = berth_xmalloc(cap);
	for (;;) {
		if (len + 1 == cap)
			buf = berth_xrealloc(buf, cap *= 2);
		ssize_t k = read(sync_fd, buf + len, cap - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	buf[len] = '\0';
	*ret_state = buf;
	return 0;
}
