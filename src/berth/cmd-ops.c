/* SPDX-License-Identifier: Apache-2.0 */
/* pause, unpause, rename, update, top, diff, export, commit: Docker's words and columns. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "builder/builder.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/bool.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/strv.h"
#include "core/units.h"

extern char **environ;

static int do_pause(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return *(bool *)ctx ? berth_container_pause(cli->store, what, err)
			    : berth_container_unpause(cli->store, what, err);
}

static const char pause_usage[] = "Usage:  berth pause CONTAINER [CONTAINER...]\n\n"
				  "Pause all processes within one or more containers\n";
static const char unpause_usage[] = "Usage:  berth unpause CONTAINER [CONTAINER...]\n\n"
				    "Unpause all processes within one or more containers\n";

static int pause_or_unpause(struct berth_cli *cli, bool pause, int argc, char **argv,
			    struct berth_error **err)
{
	bool help;
	int r = cli_no_flags(cli, pause ? pause_usage : unpause_usage, NULL, argc, argv, &help,
			     err);
	if (r < 0 || help)
		return r;
	return cli_for_each(cli, optind, argc, argv, do_pause, &pause, err);
}

int cmd_pause(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return pause_or_unpause(cli, true, argc, argv, err);
}

int cmd_unpause(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return pause_or_unpause(cli, false, argc, argv, err);
}

static const char rename_usage[] = "Usage:  berth rename CONTAINER NEW_NAME\n\n"
				   "Rename a container\n";

int cmd_rename(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool help;
	int r = cli_no_flags(cli, rename_usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "requires exactly 2 arguments");
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_rename(cli->store, argv[optind], argv[optind + 1], err);
}

/* ---- update ---- */

static const char update_usage[] =
	"Usage:  berth update [OPTIONS] CONTAINER [CONTAINER...]\n\n"
	"Update configuration of one or more containers\n\n"
	"Options:\n"
	"      --cpus decimal       Number of CPUs\n"
	"  -m, --memory bytes       Memory limit\n"
	"      --pids-limit int     Tune container pids limit (-1 for unlimited: not yet)\n";

static int do_update(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_update(cli->store, what, ctx, err);
}

int cmd_update(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	enum {
		OPT_CPUS = 256,
		OPT_PIDS_LIMIT
	};
	static const struct option opts[] = {
		{"memory", required_argument, NULL, 'm'},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
		{0},
	};
	static const char *const unsupported[] = {"--blkio-weight",
						  "--cpu-period",
						  "--cpu-quota",
						  "--cpu-rt-period",
						  "--cpu-rt-runtime",
						  "-c",
						  "--cpu-shares",
						  "--cpuset-cpus",
						  "--cpuset-mems",
						  "--kernel-memory",
						  "--memory-reservation",
						  "--memory-swap",
						  "--restart",
						  NULL};
	struct cli_flags f = {.usage = update_usage,
			      .shortopts = "m:",
			      .longopts = opts,
			      .unsupported = unsupported};
	struct berth_container_limits l = {.memory = -1, .nano_cpus = -1, .pids_limit = -1};
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'm':
			r = cli_parse_memory(cli, optarg, &l.memory, err);
			break;
		case OPT_CPUS:
			r = cli_parse_cpus(cli, optarg, &l.nano_cpus, err);
			break;
		default:
			r = cli_parse_pids_limit(cli, optarg, &l.pids_limit, err);
			if (r >= 0 && l.pids_limit < 0)
				r = cli_usage_error(cli, err,
						    "--pids-limit: an unlimited value is not "
						    "supported yet by update");
			break;
		}
		if (r < 0)
			return r;
	}
	if (c < 0 || f.help)
		return c;
	if (l.memory < 0 && l.nano_cpus < 0 && l.pids_limit < 0)
		return cli_usage_error(
			cli, err, "you must provide one or more flags when using this command");
	return cli_for_each(cli, optind, argc, argv, do_update, &l, err);
}

/* ---- top ---- */

/* ps's TTY column: "pts/N", "ttyN" or "?". */
static void tty_name(int tty_nr, char *out, size_t n)
{
	unsigned maj = major((dev_t)tty_nr), min = minor((dev_t)tty_nr);
	if (tty_nr == 0)
		snprintf(out, n, "?");
	else if (maj >= 136 && maj <= 143)
		snprintf(out, n, "pts/%u", min + (maj - 136) * 256);
	else if (maj == 4 && min < 64)
		snprintf(out, n, "tty%u", min);
	else
		snprintf(out, n, "?");
}

/* ps's STIME: HH:MM today, MonDD this year, the year before that. */
static void start_time(time_t t, time_t now, char *out, size_t n)
{
	struct tm tm, tnow;
	localtime_r(&t, &tm);
	localtime_r(&now, &tnow);
	if (now - t < 24 * 3600 && tm.tm_yday == tnow.tm_yday)
		strftime(out, n, "%H:%M", &tm);
	else if (tm.tm_year == tnow.tm_year)
		strftime(out, n, "%b%d", &tm);
	else
		strftime(out, n, "%Y", &tm);
}

/* The boot time (btime of /proc/stat) and the seconds since boot. */
static int boot_times(time_t *ret_btime, double *ret_uptime)
{
	_cleanup_free_ char *stat = NULL, *up = NULL;
	size_t len = 0;
	if (berth_read_file_at(AT_FDCWD, "/proc/stat", 1 << 22, &stat, &len, NULL) < 0 ||
	    berth_read_file_at(AT_FDCWD, "/proc/uptime", 4096, &up, &len, NULL) < 0)
		return -EIO;
	const char *b = strstr(stat, "\nbtime ");
	if (!b)
		return -EIO;
	*ret_btime = (time_t)strtoll(b + 7, NULL, 10);
	*ret_uptime = strtod(up, NULL);
	return 0;
}

/* One row of `ps -ef`, tab-separated: UID PID PPID C STIME TTY TIME CMD. */
static void ps_ef_row(struct berth_buf *b, const struct berth_process *p, time_t btime,
		      double uptime, long hz)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024], user[32], tty[16], stime[16];
	if (getpwuid_r(p->uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res &&
	    strlen(pw.pw_name) <= 8)
		snprintf(user, sizeof(user), "%s", pw.pw_name);
	else
		snprintf(user, sizeof(user), "%u", (unsigned)p->uid);
	double started = (double)p->start_ticks / (double)hz;
	double elapsed = uptime - started;
	unsigned long long cpu = p->cpu_ticks / (unsigned long long)hz;
	/* ps: integer percent of the CPU time over the life of the process */
	unsigned c =
		elapsed > 0 ? (unsigned)((double)p->cpu_ticks / (double)hz * 100 / elapsed) : 0;
	tty_name(p->tty_nr, tty, sizeof(tty));
	start_time(btime + (time_t)started, time(NULL), stime, sizeof(stime));
	berth_buf_addf(b, "%s\t%d\t%d\t%u\t%s\t%s\t", user, (int)p->pid, (int)p->ppid, c, stime,
		       tty);
	if (cpu >= 86400)
		berth_buf_addf(b, "%llu-", cpu / 86400);
	berth_buf_addf(b, "%02llu:%02llu:%02llu\t%s\n", cpu / 3600 % 24, cpu / 60 % 60, cpu % 60,
		       p->cmd);
}

static bool pid_listed(const struct berth_process *p, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].pid == pid)
			return true;
	return false;
}

/*
 * Docker's top with ps options: the host's `ps OPTIONS` runs and only its
 * rows whose PID column is one of the container's are kept, header first.
 */
static int ps_with_options(char **ps_args, const struct berth_process *p, size_t n,
			   struct berth_buf *out, struct berth_error **err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	_cleanup_strv_free_ char **argv = NULL;
	berth_strv_push(&argv, "ps");
	BERTH_STRV_FOREACH (a, ps_args)
		berth_strv_push(&argv, *a);
	pid_t pid;
	int e = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (e != 0) {
		close(pfd[0]);
		return berth_error_syscall(err, e, "run ps");
	}
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = berth_read_fd(pfd[0], 1 << 26, &text, &len, err);
	close(pfd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return berth_error_set(err, EINVAL, "ps exited with status %d",
				       WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	int pid_col = -1;
	char *save = NULL;
	bool header = true;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_free_ char **fields = NULL;
		char *copy = berth_xstrdup(line), *s2 = NULL;
		for (char *w = strtok_r(copy, " \t", &s2); w; w = strtok_r(NULL, " \t", &s2))
			berth_strv_push(&fields, w);
		free(copy);
		if (header) {
			for (size_t i = 0; fields && fields[i]; i++)
				if (strcmp(fields[i], "PID") == 0)
					pid_col = (int)i;
			if (pid_col < 0)
				return berth_error_set(err, EINVAL,
						       "Couldn't find PID field in ps output");
			header = false;
		} else if (!fields || (size_t)pid_col >= berth_strv_len(fields) ||
			   !pid_listed(p, n, strtol(fields[pid_col], NULL, 10))) {
			continue;
		}
		berth_buf_addf(out, "%s\n", line);
	}
	return 0;
}

static const char top_usage[] =
	"Usage:  berth top CONTAINER [ps OPTIONS]\n\n"
	"Display the running processes of a container\n\n"
	"Without ps OPTIONS the columns of `ps -ef` are read from /proc; with them\n"
	"the host's ps runs and only the container's processes are shown, as Docker.\n";

int cmd_top(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	/* "+": the ps options after CONTAINER are ps's, not berth's */
	struct cli_flags f = {.usage = top_usage, .shortopts = "+"};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		;
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	return cli_top(cli, argv[optind], argv + optind + 1, err);
}

int cli_top(struct berth_cli *cli, const char *what, char **ps_args, struct berth_error **err)
{
	struct berth_process *p = NULL;
	size_t n = 0;
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_processes(cli->store, what, &p, &n, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	if (ps_args && *ps_args) {
		r = ps_with_options(ps_args, p, n, &b, err);
	} else {
		time_t btime = 0;
		double uptime = 0;
		long hz = sysconf(_SC_CLK_TCK);
		r = boot_times(&btime, &uptime);
		if (r < 0)
			berth_error_syscall(err, -r, "read /proc/stat and /proc/uptime");
		berth_buf_addstr(&b, "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD\n");
		for (size_t i = 0; i < n && r >= 0; i++)
			ps_ef_row(&b, &p[i], btime, uptime, hz > 0 ? hz : 100);
	}
	for (size_t i = 0; i < n; i++)
		berth_process_release(&p[i]);
	free(p);
	if (r < 0)
		return r;
	/* Docker's top: tabwriter.NewWriter(out, 20, 1, 3, ' ', 0) */
	cli_tabwrite_min(stdout, b.buf, b.len, 20);
	return 0;
}

/* ---- diff, export, commit ---- */

static const char diff_usage[] =
	"Usage:  berth diff CONTAINER\n\n"
	"Inspect changes to files or directories on a container's filesystem\n";

int cmd_diff(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool help;
	int r = cli_no_flags(cli, diff_usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
	struct berth_change *v = NULL;
	size_t n = 0;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_diff(cli->store, argv[optind], &v, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		printf("%c %s\n", v[i].kind, v[i].path);
	berth_changes_free(v, n);
	return 0;
}

static const char export_usage[] = "Usage:  berth export [OPTIONS] CONTAINER\n\n"
				   "Export a container's filesystem as a tar archive\n\n"
				   "Options:\n"
				   "  -o, --output string   Write to a file, instead of STDOUT\n";

/* The tar to a temporary file beside path, renamed over it once whole (Docker's CopyToFile). */
static int export_to_file(struct berth_cli *cli, const char *what, const char *path,
			  struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *tmp = berth_xasprintf("%s.berth-tmp-XXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "create '%s'", path);
	r = berth_container_export(cli->store, what, fd, err);
	if (r >= 0 && fchmod(fd, 0644) < 0)
		r = berth_error_syscall(err, errno, "chmod '%s'", path);
	if (r >= 0 && rename(tmp, path) < 0)
		r = berth_error_syscall(err, errno, "rename to '%s'", path);
	if (r < 0)
		unlink(tmp);
	return r;
}

int cmd_export(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{0},
	};
	struct cli_flags f = {.usage = export_usage, .shortopts = "o:", .longopts = opts};
	const char *output = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		output = optarg;
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
	if (output && *output)
		return export_to_file(cli, argv[optind], output, err);
	if (isatty(STDOUT_FILENO))
		return cli_usage_error(cli, err,
				       "cowardly refusing to save to a terminal. Use the -o flag "
				       "or redirect");
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_export(cli->store, argv[optind], STDOUT_FILENO, err);
}

static const char commit_usage[] =
	"Usage:  berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\n"
	"Create a new image from a container's changes\n\n"
	"Options:\n"
	"  -a, --author string    Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")\n"
	"  -c, --change list      Apply Dockerfile instruction to the created image\n"
	"  -m, --message string   Commit message\n"
	"  -p, --pause            Pause container during commit (default true)\n";

int cmd_commit(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"author", required_argument, NULL, 'a'},
		{"change", required_argument, NULL, 'c'},
		{"message", required_argument, NULL, 'm'},
		{"pause", optional_argument, NULL, 'p'},
		{0},
	};
	struct cli_flags f = {.usage = commit_usage, .shortopts = "a:c:m:p::", .longopts = opts};
	_cleanup_strv_free_ char **changes = NULL;
	struct berth_commit_options o = {.pause = true};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'a':
			o.author = optarg;
			break;
		case 'c':
			berth_strv_push(&changes, optarg);
			break;
		case 'm':
			o.message = optarg;
			break;
		case 'p': {
			/* -p, --pause, -p=false, --pause=false */
			const char *v = optarg && *optarg == '=' ? optarg + 1 : optarg;
			if (v && berth_parse_bool(v, &o.pause) < 0)
				return cli_usage_error(
					cli, err,
					"invalid argument \"%s\" for \"-p, --pause\" flag", v);
			if (!v)
				o.pause = true;
			break;
		}
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err, "requires at least 1 and at most 2 arguments");
	o.changes = changes;
	o.apply_changes = berth_builder_apply_changes;
	o.name = argc - optind == 2 ? argv[optind + 1] : NULL;
	struct berth_digest id;
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_commit(cli->store, argv[optind], &o, &id, err);
	if (r < 0)
		return r;
	char buf[80];
	printf("%s\n", berth_digest_fmt(&id, buf));
	return 0;
}
