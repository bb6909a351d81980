/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/sort.h"
#include "core/strv.h"
#include "dockerfile/shell.h"
#include "layer/layer.h"
#include "runtime/runtime.h"

#define TAIL_LINES 10

/* Reads the RUN's output pipe, streams it line by line, keeps the last lines. */
struct reader {
	struct sstate *ss;
	int fd;
	char *tail[TAIL_LINES];
	size_t n_tail;
};

static void reader_line(struct reader *rd, const char *line, size_t len)
{
	char *l = berth_xstrndup(line, len);
	builder_event(rd->ss->b, BERTH_BUILD_EVENT_OUTPUT, rd->ss->step,
		      now_seconds() - rd->ss->started, "%s", l);
	if (rd->n_tail == TAIL_LINES) {
		free(rd->tail[0]);
		memmove(rd->tail, rd->tail + 1, sizeof(rd->tail[0]) * (TAIL_LINES - 1));
		rd->n_tail--;
	}
	rd->tail[rd->n_tail++] = l;
}

/* Streams the lines of one chunk of output; keeps an unfinished line in b. */
static void reader_feed(struct reader *rd, struct berth_buf *b, const char *data, size_t n)
{
	berth_buf_add(b, data, n);
	char *start = b->buf, *nl;
	while ((nl = memchr(start, '\n', b->len - (size_t)(start - b->buf)))) {
		size_t l = (size_t)(nl - start);
		if (l && start[l - 1] == '\r')
			l--;
		reader_line(rd, start, l);
		start = nl + 1;
	}
	size_t rest = b->len - (size_t)(start - b->buf);
	memmove(b->buf, start, rest);
	berth_buf_setlen(b, rest);
	if (b->len > 65536) { /* a line without end: flush it as it is */
		reader_line(rd, b->buf, b->len);
		berth_buf_reset(b);
	}
}

/*
 * Reads the output until its last writer is gone. When the build is
 * interrupted meanwhile, writes one byte to ctl_fd (the helper then kills
 * the container) and goes on reading what is left.
 */
static void reader_main(struct reader *rd, int ctl_fd)
{
	struct berth_buf b = BERTH_BUF_INIT;
	int wake = builder_interrupt_fd();
	bool told = false;
	char buf[8192];
	for (;;) {
		if (!told && berth_build_interrupted()) {
			(void)!send(ctl_fd, "k", 1, MSG_NOSIGNAL);
			told = true;
		}
		struct pollfd fds[2] = {
			{.fd = rd->fd, .events = POLLIN},
			{.fd = told ? -1 : wake, .events = POLLIN},
		};
		/* without a wake pipe, the flag is polled every 100 ms */
		int pr = poll(fds, 2, !told && wake < 0 ? 100 : -1);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(rd->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		reader_feed(rd, &b, buf, (size_t)n);
	}
	if (b.len)
		reader_line(rd, b.buf, b.len);
	berth_buf_release(&b);
}

static int fill_upper(void *ctx, struct berth_layer_writer *w, struct berth_error **err)
{
	int *fd = ctx;
	return berth_layer_writer_add_upper(w, *fd, err);
}

/* The command of RUN: exec form as is; shell form (and heredocs) through SHELL. */
static char **run_argv(struct sstate *ss, const struct berth_dockerfile_instruction *ins)
{
	char **argv = NULL;
	if (ins->json) {
		for (size_t i = 0; i < ins->n_args; i++)
			berth_strv_push(&argv, ins->args[i]);
		return argv;
	}
	argv = sstate_shell(ss);
	const char *line = ins->n_args ? ins->args[0] : "";
	if (ins->n_heredocs == 1) {
		const struct berth_dockerfile_heredoc *h = &ins->heredocs[0];
		const char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		/* `RUN <<EOF` alone: the heredoc is the script */
		if (strncmp(p, "<<", 2) == 0 && !strchr(p, ' ')) {
			size_t len;
			char *body = h->chomp ? berth_dockerfile_heredoc_chomp(h->content,
									       h->content_len, &len)
					      : berth_xstrdup(h->content);
			berth_strv_consume(&argv, body);
			return argv;
		}
	}
	if (ins->n_heredocs) {
		/* the shell reads the heredocs itself, as BuildKit hands them over */
		struct berth_buf b = BERTH_BUF_INIT;
		berth_buf_addstr(&b, line);
		berth_buf_addch(&b, '\n');
		for (size_t i = 0; i < ins->n_heredocs; i++) {
			berth_buf_add(&b, ins->heredocs[i].content, ins->heredocs[i].content_len);
			berth_buf_addf(&b, "%s\n", ins->heredocs[i].name);
		}
		berth_strv_consume(&argv, berth_buf_detach(&b, NULL));
		return argv;
	}
	berth_strv_push(&argv, line);
	return argv;
}

/*
 * Runs the container from a forked helper process. The runtime clones a
 * child that allocates and resolves users before it execs; doing that from
 * this process, where other threads (parallel stages) may hold the malloc
 * or stdio locks, can deadlock the child. fork() resets those locks, and
 * the helper is single-threaded. The helper reports the result over a pipe;
 * this thread streams the output until the last writer is gone.
 *
 * A control socket goes the other way: a byte on it (the build was
 * interrupted), or its end (this process died), makes the helper kill the
 * container; the helper then reaps it and removes its cgroup as usual.
 */
struct helper_status {
	int r;
	int exit_code;
	int code;
	char msg[1024];
};

/* In the helper: SIGINT/SIGTERM of a terminal's process group are the parent's to act on. */
static void helper_signal(int sig)
{
	(void)sig;
}

static bool helper_exited(const struct berth_runtime_process *p)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

/* In the helper: waits for the container or for the parent's word to kill it. */
static void helper_watch(struct berth_runtime_process *p, int ctl_fd)
{
	for (;;) {
		struct pollfd fds[2] = {
			{.fd = ctl_fd, .events = POLLIN},
			{.fd = p->pidfd, .events = POLLIN},
		};
		/* without a pidfd, the exit is polled every 100 ms */
		int pr = poll(fds, 2, p->pidfd >= 0 ? -1 : 100);
		if (pr < 0 && errno != EINTR)
			return;
		if (pr > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			berth_runtime_kill(p, SIGKILL, NULL);
			return;
		}
		if ((pr > 0 && (fds[1].revents & (POLLIN | POLLHUP))) ||
		    (p->pidfd < 0 && helper_exited(p)))
			return;
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * In the helper: closes every fd but keep. The helper was forked from a
 * process whose other threads may be running steps too: their pipe and
 * socket ends must not stay open here, or their readers would wait for
 * this helper to end before they see EOF or their parent's death.
 */
static void close_all_but(int *keep, size_t n)
{
	int from = 0;
	berth_qsort(keep, n, sizeof(*keep), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			syscall(SYS_close_range, (unsigned)from, (unsigned)keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)from, ~0U, 0);
}

static _Noreturn void helper_main(const struct berth_runtime_config *cfg, int ctl_fd, int st_fd)
{
	struct helper_status hs = {0};
	struct berth_error *e = NULL;
	struct berth_runtime_result rr = {.exit_code = 125};
	struct berth_runtime_process p;
	struct sigaction sa = {.sa_handler = helper_signal};
	const struct berth_spec *spec = cfg->spec;
	int fixed[] = {0, 1, 2, cfg->stdio[0], cfg->stdio[1], cfg->stdio[2], ctl_fd, st_fd};
	size_t n_keep = ELEMENTSOF(fixed);
	/* the mount sources travel as fds: they stay open for the runtime */
	int *keep = berth_xreallocarray(NULL, n_keep + spec->n_mounts, sizeof(*keep));
	memcpy(keep, fixed, sizeof(fixed));
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (spec->mounts[i].source_fd >= 0)
			keep[n_keep++] = spec->mounts[i].source_fd;
	close_all_but(keep, n_keep);
	free(keep);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	hs.r = berth_runtime_start(cfg, &p, &rr, &e);
	if (hs.r >= 0) {
		helper_watch(&p, ctl_fd);
		int code = berth_runtime_wait(&p, &e);
		if (code >= 0)
			rr.exit_code = code;
		int r2 = berth_runtime_process_release(&p, code < 0 ? NULL : &e);
		hs.r = code < 0 ? code : r2 < 0 ? r2 : 0;
	}
	hs.exit_code = rr.exit_code;
	hs.code = berth_error_code(e);
	snprintf(hs.msg, sizeof(hs.msg), "%s", berth_error_msg(e));
	(void)!write(st_fd, &hs, sizeof(hs));
	_exit(0);
}

static int run_in_helper(const struct berth_runtime_config *cfg, int pipefd[2], struct reader *rd,
			 struct berth_runtime_result *res, struct berth_error **err)
{
	_cleanup_close_ int st_r = -EBADF, ctl_w = -EBADF;
	int st[2], ctl[2];
	struct helper_status hs = {0};
	pid_t pid;

	if (pipe2(st, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	st_r = st[0];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0) {
		close(st[1]);
		return berth_error_syscall(err, errno, "socketpair");
	}
	ctl_w = ctl[0];
	pid = fork();
	if (pid < 0) {
		close(st[1]);
		close(ctl[1]);
		return berth_error_syscall(err, errno, "fork");
	}
	if (pid == 0) {
		close(st_r);
		close(ctl_w);
		close(pipefd[0]);
		helper_main(cfg, ctl[1], st[1]);
	}
	close(st[1]);
	close(ctl[1]);
	close(pipefd[1]);
	pipefd[1] = -1;
	reader_main(rd, ctl_w);
	ssize_t n;
	do
		n = read(st_r, &hs, sizeof(hs));
	while (n < 0 && errno == EINTR);
	int wst;
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(hs))
		return berth_error_set(err, EIO, "the RUN helper process died");
	if (hs.r < 0)
		return berth_error_set(err, hs.code ? hs.code : -hs.r, "%s", hs.msg);
	res->exit_code = hs.exit_code;
	return 0;
}

/* One RUN: its command, its private dirs, the spec it runs with. */
struct run_op {
	const char *network;
	char **argv;
	char **lower;	/* the stage's layers, bottom first */
	char **targets; /* the mount points of --mount, dropped from the layer */
	struct berth_buf text;
	struct run_dirs dirs;
	struct berth_spec spec;
	bool spec_init;
};

static void run_op_release(struct run_op *op)
{
	if (op->spec_init)
		berth_spec_release(&op->spec);
	run_dirs_release(&op->dirs);
	berth_buf_release(&op->text);
	berth_strv_free(op->argv);
	berth_strv_free(op->lower);
	berth_strv_free(op->targets);
}

/* The flags RUN accepts, the network mode, and a command to run. */
static int run_check(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		     struct run_op *op, struct berth_error **err)
{
	static const char *const allowed[] = {"mount", "network", "security", NULL};
	struct builder *b = ss->b;

	for (size_t i = 0; i < ins->n_flags; i++) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= strcmp(*a, ins->flags[i].name) == 0;
		if (!ok) {
			berth_error_set(err, EINVAL, "unknown flag: --%s", ins->flags[i].name);
			return builder_error_at(b, ins, err);
		}
		if (strcmp(ins->flags[i].name, "network") == 0)
			op->network = ins->flags[i].value;
		if (strcmp(ins->flags[i].name, "security") == 0 && ins->flags[i].value &&
		    strcmp(ins->flags[i].value, "sandbox") != 0) {
			berth_error_set(err, ENOTSUP, "RUN --security=%s is not supported",
					ins->flags[i].value);
			return builder_error_at(b, ins, err);
		}
	}
	const char *network = op->network;
	if (network && strcmp(network, "default") && strcmp(network, "host") &&
	    strcmp(network, "none")) {
		berth_error_set(err, EINVAL, "network mode '%s' is not supported (host, none)",
				network);
		return builder_error_at(b, ins, err);
	}
	if (ins->n_args == 0 && !ins->n_heredocs) {
		berth_error_set(err, EINVAL, "RUN requires at least one argument");
		return builder_error_at(b, ins, err);
	}
	return 0;
}

/*
 * Begins the step: the key is the command, its flags, and the ARGs it sees
 * (not persisted). > 0 on a cache hit.
 */
static int run_step_begin(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			  struct run_op *op, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf extra = BERTH_BUF_INIT;
	_cleanup_strv_free_ char **visible = berth_strv_copy(ss->args);

	berth_buf_addstr(&op->text, "RUN");
	for (size_t i = 0; i < ins->n_flags; i++)
		berth_buf_addf(&op->text, " %s", ins->flags[i].raw);
	BERTH_STRV_FOREACH (a, op->argv)
		berth_buf_addf(&op->text, " %s", *a);
	berth_strv_sort(visible);
	BERTH_STRV_FOREACH (a, visible)
		berth_buf_add(&extra, *a, strlen(*a) + 1);
	return step_begin(ss, ins, op->text.buf, extra.buf, extra.len, err);
}

/* A private dir for this step: upper, work and the rootfs mount point. */
static int run_make_dirs(struct builder *b, struct run_dirs *dirs, struct berth_error **err)
{
	char rnd[17];
	berth_random_hex(rnd, 8);
	dirs->path = berth_xasprintf("%s/run-%s", b->tmp_path, rnd);
	if (mkdir(dirs->path, 0700) < 0)
		return berth_error_syscall(err, errno, "create '%s'", dirs->path);
	dirs->fd = open(dirs->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirs->fd < 0 || mkdirat(dirs->fd, "upper", 0755) < 0 ||
	    mkdirat(dirs->fd, "work", 0700) < 0 || mkdirat(dirs->fd, "rootfs", 0755) < 0)
		return berth_error_syscall(err, errno, "create '%s'", dirs->path);
	return 0;
}

/* The stage's layers as lower dirs; FROM scratch has one empty dir. */
static int run_lowerdirs(struct sstate *ss, char ***ret, struct berth_error **err)
{
	int r = sstate_lowerdirs(ss, ret, err);
	if (r < 0 || *ret)
		return r;
	r = builder_empty_dir(ss->b, err);
	if (r < 0)
		return r;
	berth_strv_consume(ret, berth_xasprintf("%s/empty", ss->b->tmp_path));
	return 0;
}

/* ARGs are the environment too, unless ENV overrides them; Docker's HOME for root. */
static char **run_env(struct sstate *ss)
{
	_cleanup_strv_free_ char **env = NULL;
	BERTH_STRV_FOREACH (a, ss->args)
		berth_strv_push(&env, *a);
	json_t *e = json_object_get(bimage_cfg(&ss->img), "Env");
	size_t i;
	json_t *v;
	json_array_foreach (e, i, v) {
		const char *s = json_string_value(v);
		const char *eq = s ? strchr(s, '=') : NULL;
		if (!eq)
			continue;
		_cleanup_free_ char *k = berth_xstrndup(s, (size_t)(eq - s));
		env_set(&env, k, eq + 1);
	}
	/* the runtime sets HOME for a USER */
	const char *user = json_string_value(json_object_get(bimage_cfg(&ss->img), "User"));
	if (!berth_shell_getenv(env, "HOME", NULL) && !(user && *user))
		env_set(&env, "HOME", "/root");
	return TAKE_PTR(env);
}

/* The spec of the step's container: the stage's config, the network, the --mounts. */
static int run_make_spec(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			 struct run_op *op, struct berth_error **err)
{
	struct berth_spec *spec = &op->spec;
	json_t *cfg = bimage_cfg(&ss->img);

	berth_spec_init(spec);
	op->spec_init = true;
	berth_spec_set_defaults(spec);
	spec->args = berth_strv_copy(op->argv);
	spec->env = run_env(ss);
	const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
	spec->cwd = berth_xstrdup(wd && *wd ? wd : "/");
	const char *user = json_string_value(json_object_get(cfg, "User"));
	if (user && *user)
		spec->username = berth_xstrdup(user);
	spec->root_path = berth_xasprintf("%s/rootfs", op->dirs.path);
	spec->hostname = berth_xstrdup("buildkitsandbox");
	if (op->network && strcmp(op->network, "none") == 0)
		spec->namespaces |= BERTH_NS_NETWORK;
	else
		spec->namespaces &= ~(unsigned)BERTH_NS_NETWORK;
	int r = add_run_mounts(ss, ins, spec, &op->dirs, &op->targets, err);
	return r < 0 ? builder_error_at(ss->b, ins, err) : 0;
}

/* The error of a command that exited non-zero: the command, the code, its last lines. */
static int run_failed(char *const *argv, int exit_code, const struct reader *rd,
		      struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf m = BERTH_BUF_INIT;
	berth_buf_addstr(&m, "process \"");
	BERTH_STRV_FOREACH (a, argv)
		berth_buf_addf(&m, "%s%s", a == argv ? "" : " ", *a);
	berth_buf_addf(&m, "\" did not complete successfully: exit code: %d", exit_code);
	if (rd->n_tail) {
		berth_buf_addstr(&m, "; last output:");
		for (size_t i = 0; i < rd->n_tail; i++)
			berth_buf_addf(&m, "\n  %s", rd->tail[i]);
	}
	return berth_error_set(err, EINVAL, "%s", m.buf);
}

/* Runs the command in a container on an overlay of the stage (upper: the step's dir). */
static int run_command(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		       struct run_op *op, struct berth_error **err)
{
	_cleanup_close_ int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char rnd[17];
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	_cleanup_close_ int out_r = pipefd[0];
	(void)out_r; /* owned here: the read end, closed on return */
	berth_random_hex(rnd, 8);
	_cleanup_free_ char *id = berth_xasprintf("build-%s", rnd);
	_cleanup_free_ char *upper = berth_xasprintf("%s/upper", op->dirs.path);
	_cleanup_free_ char *work = berth_xasprintf("%s/work", op->dirs.path);
	/* the step's rootfs: made by layer/ as a container's is, in the helper */
	struct berth_overlay rootfs = {
		.lowerdirs = op->lower,
		.upper = upper,
		.work = work,
		.flags = BERTH_OVERLAY_DEVICES,
	};
	struct berth_runtime_config cfg = {
		.spec = &op->spec,
		.id = id,
		.open_rootfs = berth_overlay_open_cb,
		.rootfs_ctx = &rootfs,
		.stdio = {devnull, pipefd[1], pipefd[1]},
	};
	struct reader rd = {.ss = ss, .fd = pipefd[0]};
	struct berth_runtime_result res = {0};
	int r = run_in_helper(&cfg, pipefd, &rd, &res, err);
	if (pipefd[1] >= 0) /* still open when run_in_helper failed early */
		close(pipefd[1]);
	bool interrupted = berth_build_interrupted();
	if (interrupted) {
		/* the container was killed for it: no Dockerfile line, no output tail */
		berth_error_free(err);
		r = builder_check_interrupt(err);
	} else if (r >= 0 && res.exit_code != 0) {
		r = run_failed(op->argv, res.exit_code, &rd, err);
	}
	for (size_t i = 0; i < rd.n_tail; i++)
		free(rd.tail[i]);
	if (r < 0 && !interrupted)
		return builder_error_at(ss->b, ins, err);
	return r;
}

/* The upper dir (without the --mount points) becomes the layer; then the history entry. */
static int run_commit_layer(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    struct run_op *op, struct berth_error **err)
{
	_cleanup_close_ int ufd =
		openat(op->dirs.fd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0)
		return berth_error_syscall(err, errno, "open the upper dir of the RUN");
	drop_mount_stubs(ufd, op->targets);
	int r = sstate_add_layer(ss, fill_upper, &ufd, err);
	if (r < 0)
		return builder_error_at(ss->b, ins, err);
	/* BuildKit's: the ARGs the command sees, the command, no flags */
	_cleanup_buf_ struct berth_buf created_by = BERTH_BUF_INIT;
	berth_buf_addstr(&created_by, "RUN ");
	history_add_run_args(ss, &created_by);
	BERTH_STRV_FOREACH (a, op->argv)
		berth_buf_addf(&created_by, "%s%s", a == op->argv ? "" : " ", *a);
	berth_buf_addstr(&created_by, " # buildkit");
	sstate_history(ss, created_by.buf, false);
	return step_end(ss, err);
}

int exec_run(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
	     struct berth_error **err)
{
	_cleanup_(run_op_release) struct run_op op = {
		.network = ss->b->o->network,
		.text = BERTH_BUF_INIT,
		.dirs = {.fd = -EBADF, .secrets_fd = -EBADF},
	};
	int r = run_check(ss, ins, &op, err);
	if (r < 0)
		return r;
	op.argv = run_argv(ss, ins);
	r = run_step_begin(ss, ins, &op, err);
	if (r != 0)
		return r < 0 ? r : 0; /* > 0: a cache hit */
	r = run_make_dirs(ss->b, &op.dirs, err);
	if (r >= 0)
		r = run_lowerdirs(ss, &op.lower, err);
	if (r >= 0)
		r = run_make_spec(ss, ins, &op, err);
	if (r >= 0)
		r = run_command(ss, ins, &op, err);
	if (r < 0)
		return r;
	return run_commit_layer(ss, ins, &op, err);
}
