/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health checks, as Docker runs them: the config (the image's HEALTHCHECK
 * merged with `run --health-*`, recorded as Config.Healthcheck), the state
 * machine (starting -> healthy | unhealthy, the failing streak, the last
 * results) and the prober: a child of the container's monitor that sleeps
 * an interval, runs the test inside the container as `exec` runs a command
 * (stdout and stderr captured, killed with its process group at the
 * timeout) and records the state in containers/<id>/health.json, replaced
 * atomically. The prober is the only writer of that file while it runs: it
 * dies with its monitor (PR_SET_PDEATHSIG), and the monitor writes the
 * final state only after it has killed and reaped the prober.
 */
#include "container/container.h"
#include "container/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "core/units.h"
#include "runtime/runtime.h"

/* ---- config ---- */

static const char *const on_failure_names[] = {
	[BERTH_HEALTH_ON_FAILURE_NONE] = "none",
	[BERTH_HEALTH_ON_FAILURE_KILL] = "kill",
	[BERTH_HEALTH_ON_FAILURE_RESTART] = "restart",
	[BERTH_HEALTH_ON_FAILURE_STOP] = "stop",
};

int berth_health_on_failure_from_string(const char *s, enum berth_health_on_failure *ret,
					struct berth_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(on_failure_names); i++)
		if (s && strcmp(s, on_failure_names[i]) == 0) {
			*ret = (enum berth_health_on_failure)i;
			return 0;
		}
	return berth_error_set(err, EINVAL,
			       "invalid health on-failure action '%s': none, kill, restart or stop",
			       s ? s : "");
}

const char *berth_health_on_failure_to_string(enum berth_health_on_failure a)
{
	return (size_t)a < ELEMENTSOF(on_failure_names) ? on_failure_names[a] : "none";
}

/* The record st's action (Config.HealthcheckOnFailureAction); none when unset or unknown. */
static enum berth_health_on_failure record_on_failure(const json_t *st)
{
	enum berth_health_on_failure a = BERTH_HEALTH_ON_FAILURE_NONE;
	const char *s = json_string_value(
		json_object_get(json_object_get(st, "Config"), "HealthcheckOnFailureAction"));
	if (s && berth_health_on_failure_from_string(s, &a, NULL) < 0)
		a = BERTH_HEALTH_ON_FAILURE_NONE;
	return a;
}

void berth_health_config_release(struct berth_health_config *h)
{
	if (!h)
		return;
	berth_strv_free(h->test);
	memset(h, 0, sizeof(*h));
}

static int duration_field(const json_t *j, const char *key, int64_t *ret, struct berth_error **err)
{
	json_t *v = json_object_get(j, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return berth_error_set(err, EINVAL,
				       "Healthcheck: '%s' is not a non-negative number of "
				       "nanoseconds",
				       key);
	*ret = (int64_t)json_integer_value(v);
	return 0;
}

int berth_health_config_from_json(const json_t *j, struct berth_health_config *ret,
				  struct berth_error **err)
{
	struct berth_health_config h = {0};
	int r;
	memset(ret, 0, sizeof(*ret));
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "Healthcheck is not an object");
	json_t *test = json_object_get(j, "Test");
	if (test && !json_is_null(test)) {
		if (!json_is_array(test))
			return berth_error_set(err, EINVAL, "Healthcheck: 'Test' is not a list");
		size_t i;
		json_t *v;
		json_array_foreach (test, i, v) {
			if (!json_is_string(v)) {
				berth_strv_free(h.test);
				return berth_error_set(err, EINVAL,
						       "Healthcheck: 'Test' holds a non-string");
			}
			berth_strv_push(&h.test, json_string_value(v));
		}
	}
	if ((r = duration_field(j, "Interval", &h.interval, err)) < 0 ||
	    (r = duration_field(j, "Timeout", &h.timeout, err)) < 0 ||
	    (r = duration_field(j, "StartPeriod", &h.start_period, err)) < 0 ||
	    (r = duration_field(j, "StartInterval", &h.start_interval, err)) < 0) {
		berth_health_config_release(&h);
		return r;
	}
	json_t *retries = json_object_get(j, "Retries");
	if (retries && !json_is_null(retries)) {
		if (!json_is_integer(retries) || json_integer_value(retries) < 0 ||
		    json_integer_value(retries) > INT32_MAX) {
			berth_health_config_release(&h);
			return berth_error_set(err, EINVAL,
					       "Healthcheck: 'Retries' is not a non-negative "
					       "number");
		}
		h.retries = (int)json_integer_value(retries);
	}
	*ret = h;
	return 0;
}

json_t *berth_health_config_to_json(const struct berth_health_config *h)
{
	json_t *j = json_object();
	if (h->test) {
		json_object_set_new(j, "Test", berth_json_strv(h->test));
	}
	/* Docker's omitempty */
	if (h->interval)
		json_object_set_new(j, "Interval", json_integer(h->interval));
	if (h->timeout)
		json_object_set_new(j, "Timeout", json_integer(h->timeout));
	if (h->start_period)
		json_object_set_new(j, "StartPeriod", json_integer(h->start_period));
	if (h->start_interval)
		json_object_set_new(j, "StartInterval", json_integer(h->start_interval));
	if (h->retries)
		json_object_set_new(j, "Retries", json_integer(h->retries));
	return j;
}

static int64_t pick(int64_t run, int64_t image)
{
	return run ? run : image;
}

void berth_health_config_merge(const struct berth_health_config *image,
			       const struct berth_health_config *run,
			       struct berth_health_config *ret)
{
	static const struct berth_health_config none = {0};
	const struct berth_health_config *i = image ? image : &none;
	const struct berth_health_config *u = run ? run : &none;
	memset(ret, 0, sizeof(*ret));
	ret->test = berth_strv_copy(u->test ? u->test : i->test);
	if (!u->test && !i->test) {
		berth_strv_free(ret->test);
		ret->test = NULL;
	}
	ret->interval = pick(u->interval, i->interval);
	ret->timeout = pick(u->timeout, i->timeout);
	ret->start_period = pick(u->start_period, i->start_period);
	ret->start_interval = pick(u->start_interval, i->start_interval);
	ret->retries = u->retries ? u->retries : i->retries;
}

bool berth_health_config_is_enabled(const struct berth_health_config *h)
{
	if (!h || !h->test || berth_strv_len(h->test) < 2)
		return false;
	return strcmp(h->test[0], "CMD") == 0 || strcmp(h->test[0], "CMD-SHELL") == 0;
}

/* ---- state ---- */

static const char *const status_names[] = {
	[BERTH_HEALTH_STARTING] = "starting",
	[BERTH_HEALTH_HEALTHY] = "healthy",
	[BERTH_HEALTH_UNHEALTHY] = "unhealthy",
};

const char *berth_health_status_to_string(enum berth_health_status s)
{
	return (size_t)s < ELEMENTSOF(status_names) ? status_names[s] : "unhealthy";
}

static void result_release(struct berth_health_result *r)
{
	free(r->start);
	free(r->end);
	free(r->output);
	memset(r, 0, sizeof(*r));
}

void berth_health_state_release(struct berth_health_state *s)
{
	for (size_t i = 0; i < s->n_log; i++)
		result_release(&s->log[i]);
	memset(s, 0, sizeof(*s));
}

static void log_append(struct berth_health_state *s, struct berth_health_result *r)
{
	if (s->n_log == BERTH_HEALTH_LOG_MAX) {
		result_release(&s->log[0]);
		memmove(&s->log[0], &s->log[1], (BERTH_HEALTH_LOG_MAX - 1) * sizeof(s->log[0]));
		s->n_log--;
	}
	s->log[s->n_log++] = *r;
	memset(r, 0, sizeof(*r));
}

void berth_health_state_record(struct berth_health_state *s, struct berth_health_result *r,
			       bool in_start_period, int retries)
{
	if (r->exit_code == 0) {
		s->failing_streak = 0;
		s->status = BERTH_HEALTH_HEALTHY;
	} else if (!(s->status == BERTH_HEALTH_STARTING && in_start_period)) {
		/* a failure while starting within the start period does not count */
		s->failing_streak++;
		if (s->failing_streak >= retries)
			s->status = BERTH_HEALTH_UNHEALTHY;
	}
	log_append(s, r);
}

static char *dup_string(const json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));
	return berth_xstrdup(v ? v : "");
}

int berth_health_state_from_json(const json_t *j, struct berth_health_state *ret,
				 struct berth_error **err)
{
	struct berth_health_state s = {0};
	memset(ret, 0, sizeof(*ret));
	if (!json_is_object(j))
		return berth_error_set(err, EBADMSG, "health state is not an object");
	const char *status = json_string_value(json_object_get(j, "Status"));
	size_t k;
	for (k = 0; k < ELEMENTSOF(status_names); k++)
		if (status && strcmp(status, status_names[k]) == 0)
			break;
	if (k == ELEMENTSOF(status_names))
		return berth_error_set(err, EBADMSG, "health state: unknown status '%s'",
				       status ? status : "");
	s.status = (enum berth_health_status)k;
	s.failing_streak = (int)json_integer_value(json_object_get(j, "FailingStreak"));
	json_t *log = json_object_get(j, "Log");
	size_t n = json_array_size(log);
	/* the newest BERTH_HEALTH_LOG_MAX */
	for (size_t i = n > BERTH_HEALTH_LOG_MAX ? n - BERTH_HEALTH_LOG_MAX : 0; i < n; i++) {
		json_t *e = json_array_get(log, i);
		struct berth_health_result r = {
			.start = dup_string(e, "Start"),
			.end = dup_string(e, "End"),
			.exit_code = (int)json_integer_value(json_object_get(e, "ExitCode")),
			.output = dup_string(e, "Output"),
		};
		log_append(&s, &r);
	}
	*ret = s;
	return 0;
}

json_t *berth_health_state_to_json(const struct berth_health_state *s)
{
	json_t *log = json_array();
	for (size_t i = 0; i < s->n_log; i++) {
		const struct berth_health_result *r = &s->log[i];
		json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s}", "Start",
						     r->start ? r->start : "", "End",
						     r->end ? r->end : "", "ExitCode", r->exit_code,
						     "Output", r->output ? r->output : ""));
	}
	return json_pack("{s:s, s:i, s:o}", "Status", berth_health_status_to_string(s->status),
			 "FailingStreak", s->failing_streak, "Log", log);
}

/* ---- the record: Config.Healthcheck in state.json, the state in health.json ---- */

static json_t *read_json(const char *path)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	json_t *j = NULL;
	if (berth_read_file_at(AT_FDCWD, path, BERTH_CONTAINER_RECORD_MAX, &data, &len, NULL) < 0 ||
	    berth_json_parse(data, len, path, &j, NULL) < 0)
		return NULL;
	return j;
}

/* The config of record st; false when it has no enabled check. */
static bool record_config(const json_t *st, struct berth_health_config *ret)
{
	json_t *hc = json_object_get(json_object_get(st, "Config"), "Healthcheck");
	if (berth_health_config_from_json(hc, ret, NULL) < 0)
		return false;
	if (berth_health_config_is_enabled(ret))
		return true;
	berth_health_config_release(ret);
	return false;
}

/*
 * The recorded config of container id and its shell (Config.Shell, the
 * image's SHELL; NULL unset); false when it has no enabled check.
 */
/* The record st's enabled check and its SHELL; false when it has none. */
static bool load_config(const json_t *st, struct berth_health_config *ret, char ***ret_shell)
{
	if (!record_config(st, ret))
		return false;
	*ret_shell = NULL;
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(json_object_get(st, "Config"), "Shell"), i, v)
		if (json_is_string(v))
			berth_strv_push(ret_shell, json_string_value(v));
	return true;
}

static void load_state(const char *store_root, const char *id, struct berth_health_state *ret)
{
	_cleanup_free_ char *path = berth_xasprintf("%s/containers/%s/health.json", store_root, id);
	_cleanup_json_ json_t *j = read_json(path);
	if (!j || berth_health_state_from_json(j, ret, NULL) < 0)
		memset(ret, 0, sizeof(*ret));
}

/* Atomic (temp file + rename): the writer may be killed at any moment. */
static void save_state(const char *store_root, const char *id, const struct berth_health_state *s)
{
	_cleanup_free_ char *dir = berth_xasprintf("%s/containers/%s", store_root, id);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return; /* removed (rm -f): nothing to record */
	_cleanup_json_ json_t *j = berth_health_state_to_json(s);
	_cleanup_free_ char *data = berth_json_dump(j, NULL);
	berth_write_file_atomic(dfd, "health.json", data, strlen(data), 0600, NULL);
}

void berth_container_health_inspect(const char *store_root, const char *id, json_t *st)
{
	struct berth_health_config hc = {0};
	if (!record_config(st, &hc))
		return;
	berth_health_config_release(&hc);
	struct berth_health_state s;
	_cleanup_free_ char *path = berth_xasprintf("%s/containers/%s/health.json", store_root, id);
	_cleanup_json_ json_t *j = read_json(path);
	if (!j || berth_health_state_from_json(j, &s, NULL) < 0)
		return; /* never started */
	json_t *state = json_object_get(st, "State");
	/* a monitor that died left a stale state: Docker's for a stopped container */
	if (!json_is_true(json_object_get(state, "Running")))
		s.status = BERTH_HEALTH_UNHEALTHY;
	json_object_set_new(state, "Health", berth_health_state_to_json(&s));
	berth_health_state_release(&s);
}

/* ---- the prober ---- */

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Docker's limitedBuffer: the first BERTH_HEALTH_OUTPUT_MAX bytes, "..." when cut. */
struct probe_output {
	struct berth_buf buf;
	bool truncated;
};

static void output_add(struct probe_output *o, const char *data, size_t n)
{
	size_t room = BERTH_HEALTH_OUTPUT_MAX - o->buf.len;
	berth_buf_add(&o->buf, data, n < room ? n : room);
	if (n > room)
		o->truncated = true;
}

/* One read into o: read's result (> 0 when something was added). */
static ssize_t output_read(struct probe_output *o, int fd)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	if (n > 0)
		output_add(o, chunk, (size_t)n);
	return n;
}

static bool process_exited(pid_t pid)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/*
 * The test's command line: CMD's arguments, or CMD-SHELL's after the
 * container's shell (the image's SHELL, else /bin/sh -c), as Docker's getShell.
 */
static char **probe_args(char *const *test, char *const *shell)
{
	char **args = NULL;
	if (strcmp(test[0], "CMD-SHELL") == 0) {
		if (berth_strv_len(shell) > 0) {
			args = berth_strv_copy(shell);
		} else {
			berth_strv_push(&args, "/bin/sh");
			berth_strv_push(&args, "-c");
		}
	}
	for (size_t i = 1; test[i]; i++)
		berth_strv_push(&args, test[i]);
	return args;
}

/*
 * Waits for the probe p until its deadline, collecting its output from fd;
 * true when it exited in time. At the deadline the probe and its process
 * group (it is a session leader: what it started, unless that left its
 * group) are killed; the caller reaps it.
 */
static bool probe_wait(struct berth_runtime_process *p, int fd, int64_t timeout,
		       struct probe_output *out)
{
	int64_t deadline = monotonic_ns() + timeout;
	bool open_ = true;
	for (;;) {
		if (process_exited(p->pid))
			break;
		int64_t left = deadline - monotonic_ns();
		if (left <= 0) {
			kill(-p->pid, SIGKILL);
			berth_runtime_kill(p, SIGKILL, NULL);
			return false;
		}
		int ms = (int)((left + 999999) / 1000000);
		/* without a pidfd, look at the process every 50 ms */
		if (p->pidfd < 0 && ms > 50)
			ms = 50;
		struct pollfd fds[2] = {{open_ ? fd : -1, POLLIN, 0}, {p->pidfd, POLLIN, 0}};
		int n = poll(fds, 2, ms);
		if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t got = output_read(out, fd);
			open_ = got > 0 || (got < 0 && errno == EINTR);
		}
	}
	/* what it wrote before it exited (a child it left may hold the pipe: no EOF wait) */
	if (open_ && fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
		while (output_read(out, fd) > 0)
			;
	return true;
}

static void probe_failed(struct berth_health_result *ret, const char *msg)
{
	ret->exit_code = -1;
	ret->output = berth_xstrdup(msg);
}

/* Runs the test once inside container id (main process pid) into ret. */
static void run_probe(const char *store_root, const char *id, pid_t pid,
		      const struct berth_health_config *hc, char *const *shell,
		      struct berth_health_result *ret)
{
	struct berth_spec spec;
	struct berth_error *err = NULL;
	struct berth_runtime_process p;
	struct berth_runtime_result res = {0};
	struct probe_output out = {BERTH_BUF_INIT, false};
	int pipes[2];
	int64_t timeout = hc->timeout ? hc->timeout : BERTH_HEALTH_DEFAULT_TIMEOUT;

	ret->start = berth_container_now();
	berth_spec_init(&spec);
	int r = berth_container_load_spec(store_root, id, &spec, &err);
	if (r >= 0 && pipe2(pipes, O_CLOEXEC) < 0)
		r = berth_error_syscall(&err, errno, "pipe");
	if (r >= 0) {
		berth_strv_free(spec.args);
		spec.args = probe_args(hc->test, shell);
		spec.terminal = false;
		struct berth_runtime_exec_config cfg = {
			.spec = &spec, .pid = pid, .id = id, .stdio = {-1, pipes[1], pipes[1]}};
		r = berth_runtime_exec_start(&cfg, &p, &res, &err);
		close(pipes[1]);
		if (r >= 0) {
			if (probe_wait(&p, pipes[0], timeout, &out)) {
				ret->exit_code = berth_runtime_wait(&p, NULL);
				if (out.truncated)
					berth_buf_addstr(&out.buf, "...");
				ret->output = berth_buf_detach(&out.buf, NULL);
			} else {
				char d[32];
				ret->output = berth_xasprintf(
					"Health check exceeded timeout (%s)",
					berth_format_duration(timeout, d, sizeof(d)));
				ret->exit_code = -1;
			}
			berth_runtime_process_release(&p, NULL);
		}
		close(pipes[0]);
	}
	if (r < 0)
		probe_failed(ret, berth_error_msg(err));
	berth_error_free(&err);
	berth_buf_release(&out.buf);
	berth_spec_release(&spec);
	ret->end = berth_container_now();
}

/* Docker's "health_status: healthy" event, logged when the status changes. */
static void health_event(const char *store_root, const char *id, enum berth_health_status status)
{
	_cleanup_free_ char *action =
		berth_xasprintf("health_status: %s", berth_health_status_to_string(status));
	berth_container_event_at_root(store_root, id, action, NULL);
}

/* What the prober does once the container is unhealthy (podman's --health-on-failure). */
struct on_failure {
	enum berth_health_on_failure action;
	int stop_signal; /* the record's Config.StopSignal, SIGTERM unset */
};

static void on_failure_load(const json_t *st, struct on_failure *ret)
{
	const char *sig =
		json_string_value(json_object_get(json_object_get(st, "Config"), "StopSignal"));
	ret->action = record_on_failure(st);
	ret->stop_signal = sig ? berth_runspec_parse_signal(sig) : SIGTERM;
	if (ret->stop_signal <= 0)
		ret->stop_signal = SIGTERM;
}

/* `stop`'s mark, by path: the monitor then applies no restart policy. */
static void mark_stop_requested(const char *store_root, const char *id)
{
	_cleanup_free_ char *dir = berth_xasprintf("%s/containers", store_root);
	_cleanup_close_ int cdir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cdir < 0)
		return;
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, id);
	if (!st)
		return;
	json_object_set_new(st, "StopRequested", json_true());
	berth_container_state_write(cdir, id, st, NULL);
}

/* `kill`'s signal and its event. */
static void signal_container(const char *store_root, const char *id, pid_t pid, int sig)
{
	char signame[16];
	snprintf(signame, sizeof(signame), "%d", sig);
	berth_container_event_at_root(store_root, id, "kill",
				      (const char *[]){"signal", signame, NULL});
	kill(pid, sig);
}

/*
 * kill: SIGKILL. stop and restart: the stop signal, SIGKILL after
 * BERTH_HEALTH_STOP_TIMEOUT, as `stop` does; only stop is marked as a
 * stop (restart is the monitor's, which sees the unhealthy state once the
 * process ended). The monitor kills this prober once the process ended.
 */
static void act_on_failure(const char *store_root, const char *id, pid_t pid,
			   const struct on_failure *f)
{
	if (f->action == BERTH_HEALTH_ON_FAILURE_NONE)
		return;
	if (f->action == BERTH_HEALTH_ON_FAILURE_STOP)
		mark_stop_requested(store_root, id);
	int sig = f->action == BERTH_HEALTH_ON_FAILURE_KILL ? SIGKILL : f->stop_signal;
	signal_container(store_root, id, pid, sig);
	if (sig == SIGKILL)
		return;
	sleep_ns(BERTH_HEALTH_STOP_TIMEOUT);
	if (kill(pid, 0) == 0)
		signal_container(store_root, id, pid, SIGKILL);
}

static _Noreturn void prober_main(const char *store_root, const char *id, pid_t pid,
				  const struct berth_health_config *hc, char *const *shell,
				  const struct on_failure *f, struct berth_health_state *s)
{
	int64_t interval = hc->interval ? hc->interval : BERTH_HEALTH_DEFAULT_INTERVAL;
	int64_t start_interval =
		hc->start_interval ? hc->start_interval : BERTH_HEALTH_DEFAULT_START_INTERVAL;
	int retries = hc->retries ? hc->retries : BERTH_HEALTH_DEFAULT_RETRIES;
	int64_t started = monotonic_ns();
	for (;;) {
		/* Docker probes at the start interval while starting within the start period */
		bool early = monotonic_ns() - started < hc->start_period &&
			     s->status == BERTH_HEALTH_STARTING;
		sleep_ns(early ? start_interval : interval);
		if (kill(pid, 0) < 0)
			_exit(0);
		int64_t begin = monotonic_ns();
		struct berth_health_result r = {0};
		run_probe(store_root, id, pid, hc, shell, &r);
		enum berth_health_status before = s->status;
		berth_health_state_record(s, &r, begin - started < hc->start_period, retries);
		save_state(store_root, id, s);
		if (s->status != before)
			health_event(store_root, id, s->status);
		/* podman acts on every unhealthy result: an action that failed is tried again */
		if (s->status == BERTH_HEALTH_UNHEALTHY)
			act_on_failure(store_root, id, pid, f);
	}
}

pid_t berth_container_health_start(const char *store_root, const char *id, const json_t *st,
				   pid_t pid)
{
	struct berth_health_config hc = {0};
	struct berth_health_state s;
	char **shell = NULL;
	struct on_failure f;
	if (!load_config(st, &hc, &shell))
		return 0;
	on_failure_load(st, &f);
	/* Docker keeps the log across restarts and starts over as "starting" */
	load_state(store_root, id, &s);
	s.status = BERTH_HEALTH_STARTING;
	s.failing_streak = 0;
	save_state(store_root, id, &s);
	pid_t monitor = getpid();
	pid_t prober = fork();
	if (prober != 0) {
		berth_health_config_release(&hc);
		berth_health_state_release(&s);
		berth_strv_free(shell);
		return prober < 0 ? 0 : prober;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != monitor)
		_exit(0);
	/* not the foreground berth's forwarding (or its caller's dispositions) */
	berth_runtime_forward_reset();
	signal(SIGPIPE, SIG_IGN);
	/*
	 * the monitor's fds (its notify pipe, the log, the container's output)
	 * are not ours, nor a foreground berth's terminal or pipes: a reader of
	 * `berth run | …` sees its EOF when the monitor ends, not when we do
	 */
	syscall(SYS_close_range, 3, ~0U, 0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && devnull >= 0; fd++)
		dup2(devnull, fd);
	prober_main(store_root, id, pid, &hc, shell, &f, &s);
}

bool berth_container_health_stop(const char *store_root, const char *id, const json_t *st,
				 pid_t prober)
{
	if (prober <= 0)
		return false;
	kill(prober, SIGKILL);
	while (waitpid(prober, NULL, 0) < 0 && errno == EINTR)
		;
	struct berth_health_state s;
	load_state(store_root, id, &s);
	bool restart = s.status == BERTH_HEALTH_UNHEALTHY &&
		       record_on_failure(st) == BERTH_HEALTH_ON_FAILURE_RESTART;
	/* Docker: "unhealthy when the monitor has stopped for compatibility reasons" */
	s.status = BERTH_HEALTH_UNHEALTHY;
	save_state(store_root, id, &s);
	berth_health_state_release(&s);
	return restart;
}
