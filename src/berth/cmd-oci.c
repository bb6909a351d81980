/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth oci COMMAND` and `berth-runc COMMAND`: the global flags, the
 * verbs' table and the lifecycle verbs (create, start, run, kill, delete,
 * pause, resume). Errors are one line on stderr (and in --log, as runc
 * writes it: containerd reads a JSON log on failure) and exit 1.
 */
#include "berth/cmd-oci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/runspec.h"
#include "core/units.h"
#include "runtime/runtime.h"

int oci_one_id(struct berth_cli *cli, int argc, char **argv, const char **ret,
	       struct berth_error **err)
{
	if (optind != argc - 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument: the container id");
	*ret = argv[optind];
	return 0;
}

int oci_parse(struct berth_cli *cli, struct cli_flags *f, int argc, char **argv,
	      oci_flag_fn on_flag, void *ctx, const char **ret_id, struct berth_error **err)
{
	int c, r = 0;
	while (r >= 0 && (c = cli_flag_next(cli, f, argc, argv, err)) > 0)
		r = on_flag(cli, c, optarg, ctx, err);
	if (r < 0)
		return r;
	if (c < 0)
		return c;
	if (f->help)
		return 1;
	return ret_id ? oci_one_id(cli, argc, argv, ret_id, err) : 0;
}

int oci_flag_true(struct berth_cli *cli, int c, const char *arg, void *ctx,
		  struct berth_error **err)
{
	*(bool *)ctx = true;
	return 0;
}

/* --preserve-fds N: a count of fds after stdio, below what a process can hold */
int oci_parse_preserve_fds(struct berth_cli *cli, const char *v, unsigned *ret,
			   struct berth_error **err)
{
	char *end = NULL;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n > 65536)
		return cli_usage_error(cli, err, "invalid --preserve-fds '%s'", v);
	*ret = (unsigned)n;
	return 0;
}

struct create_flags {
	struct berth_oci_create_options o;
	bool run, detach;
};

static int create_flag(struct berth_cli *cli, int c, const char *arg, void *ctx,
		       struct berth_error **err)
{
	struct create_flags *cf = ctx;
	switch (c) {
	case 'b':
		cf->o.bundle = arg;
		break;
	case 'p':
		cf->o.pid_file = arg;
		break;
	case 'c':
		cf->o.console_socket = arg;
		break;
	case 'f':
		return oci_parse_preserve_fds(cli, arg, &cf->o.preserve_fds, err) < 0 ? -EINVAL : 0;
	case 'd':
		if (!cf->run)
			return cli_usage_error(cli, err, "unknown flag --detach");
		cf->detach = true;
		break;
	}
	/* --no-pivot, --no-new-keyring, --no-subreaper: nothing to do (berth has no keyring) */
	return 0;
}

static int oci_create_or_run(struct berth_cli *cli, const struct oci_globals *g, int argc,
			     char **argv, bool run, struct berth_error **err)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"pid-file", required_argument, NULL, 'p'},
		{"console-socket", required_argument, NULL, 'c'},
		{"no-pivot", no_argument, NULL, 'N'},
		{"no-new-keyring", no_argument, NULL, 'K'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{"detach", no_argument, NULL, 'd'},
		{"no-subreaper", no_argument, NULL, 'S'},
		{0},
	};
	struct create_flags cf = {
		.o = {.root = g->root, .bundle = ".", .stdio = {0, 1, 2}},
		.run = run,
		.detach = !run,
	};
	struct berth_oci_create_options *o = &cf.o;
	struct cli_flags f = {
		.usage = run ? "Usage: berth-runc run [-d] [--bundle DIR] [--pid-file FILE] "
			       "[--console-socket SOCK] [--preserve-fds N] ID\n"
			     : "Usage: berth-runc create [--bundle DIR] [--pid-file FILE] "
			       "[--console-socket SOCK] [--preserve-fds N] ID\n",
		.shortopts = run ? "+b:d" : "+b:",
		.longopts = opts};
	int r = oci_parse(cli, &f, argc, argv, create_flag, &cf, &o->id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!run || cf.detach) {
		r = berth_oci_create(o, NULL, err);
		if (r >= 0 && run)
			r = berth_oci_start(g->root, o->id, err);
		if (r < 0 && run)
			berth_oci_delete(g->root, o->id, true, NULL);
		return r < 0 ? r : 0;
	}
	struct berth_runtime_result res = {0};
	r = berth_oci_run(o, &res, err);
	return r < 0 ? r : res.exit_code;
}

static int oci_create(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		      struct berth_error **err)
{
	return oci_create_or_run(cli, g, argc, argv, false, err);
}

static int oci_run(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		   struct berth_error **err)
{
	return oci_create_or_run(cli, g, argc, argv, true, err);
}

/* A verb of one ID and no flags of its own. */
static int one_id_verb(struct berth_cli *cli, const char *usage, int argc, char **argv,
		       const char **ret, struct berth_error **err)
{
	bool help = false;
	int r = cli_no_flags(cli, usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r < 0 ? r : 1;
	optind = 1;
	return oci_one_id(cli, argc, argv, ret, err);
}

static int oci_start(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		     struct berth_error **err)
{
	const char *id = NULL;
	int r = one_id_verb(cli, "Usage: berth-runc start ID\n", argc, argv, &id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return berth_oci_start(g->root, id, err);
}

static int oci_pause(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		     struct berth_error **err)
{
	const char *id = NULL;
	int r = one_id_verb(cli, "Usage: berth-runc pause ID\n", argc, argv, &id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return berth_oci_pause(g->root, id, true, err);
}

static int oci_resume(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		      struct berth_error **err)
{
	const char *id = NULL;
	int r = one_id_verb(cli, "Usage: berth-runc resume ID\n", argc, argv, &id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return berth_oci_pause(g->root, id, false, err);
}

static int oci_kill(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		    struct berth_error **err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	struct cli_flags f = {.usage = "Usage: berth-runc kill [--all] ID [SIGNAL]\n",
			      .shortopts = "+a",
			      .longopts = opts};
	bool all = false;
	int r = oci_parse(cli, &f, argc, argv, oci_flag_true, &all, NULL, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (optind != argc - 1 && optind != argc - 2)
		return cli_usage_error(cli, err,
				       "requires the container id and an optional signal");
	int sig = SIGTERM;
	if (optind == argc - 2) {
		sig = berth_runspec_parse_signal(argv[argc - 1]);
		if (sig < 0)
			return cli_usage_error(cli, err, "invalid signal '%s'", argv[argc - 1]);
	}
	return berth_oci_kill(g->root, argv[optind], sig, all, err);
}

static int oci_delete(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		      struct berth_error **err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	struct cli_flags f = {.usage = "Usage: berth-runc delete [--force] ID\n",
			      .shortopts = "+f",
			      .longopts = opts};
	bool force = false;
	const char *id = NULL;
	int r = oci_parse(cli, &f, argc, argv, oci_flag_true, &force, &id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	return berth_oci_delete(g->root, id, force, err);
}

static const struct {
	const char *name;
	oci_verb_fn fn;
	const char *summary;
} verbs[] = {
	{"create", oci_create, "create a container"},
	{"start", oci_start, "execute the user-defined process in a created container"},
	{"run", oci_run, "create and run a container"},
	{"state", oci_state, "output the state of a container"},
	{"kill", oci_kill, "send a signal to the container's init process"},
	{"delete", oci_delete, "delete a container and the resources it holds"},
	{"exec", oci_exec, "execute a new process inside the container"},
	{"ps", oci_ps, "display the processes running inside a container"},
	{"list", oci_list, "list containers started by berth-runc with the given root"},
	{"pause", oci_pause, "suspend all processes inside the container"},
	{"resume", oci_resume, "resume all processes that have been previously paused"},
	{"update", oci_update, "update the container's resource constraints"},
	{"events", oci_events, "display container events such as OOM and resource usage"},
	{"features", oci_features, "show the enabled features"},
	{"spec", oci_spec, "create a new specification file"},
};

static void usage(FILE *out)
{
	fputs("Usage: berth oci [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
	      "       berth-runc [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n\n"
	      "berth's OCI runtime, with runc 1.1's command line\n\n"
	      "Global options:\n"
	      "  --root DIR            state directory (default /run/berth-runc)\n"
	      "  --log FILE            also write errors to FILE\n"
	      "  --log-format FORMAT   text or json (default text)\n"
	      "  --debug               debug logging\n"
	      "  --systemd-cgroup      refused: berth manages cgroupfs itself\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
}

/* The failure as runc logs it: text or a JSON line containerd parses. */
/* One line of --log (runc's text or json form) at level ("error", "warning"). */
static void log_line(const struct oci_globals *g, const char *level, const char *msg)
{
	if (!g->log)
		return;
	_cleanup_fclose_ FILE *f = fopen(g->log, "ae");
	if (!f)
		return;
	_cleanup_free_ char *now = berth_time_now_rfc3339nano();
	if (g->log_json) {
		_cleanup_json_ json_t *j =
			json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", now);
		_cleanup_free_ char *line = berth_json_dump(j, NULL);
		fprintf(f, "%s\n", line);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=\"%s\"\n", now, level, msg);
	}
}

/* The library's warnings (a failed poststart hook): on stderr and in --log, as runc's. */
static void log_sink(enum berth_log_level level, const char *msg, void *userdata)
{
	const char *name = level == BERTH_LOG_ERROR  ? "error"
			   : level == BERTH_LOG_WARN ? "warning"
						     : berth_log_level_name(level);
	log_line(userdata, name, msg);
	fprintf(stderr, "berth: %s: %s\n", name, msg);
}

static int parse_globals(struct berth_cli *cli, int argc, char **argv, struct oci_globals *g,
			 bool *ret_done, struct berth_error **err)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'F'},
		{"debug", no_argument, NULL, 'D'},
		{"systemd-cgroup", no_argument, NULL, 'S'},
		{"criu", required_argument, NULL, 'C'},
		{"rootless", required_argument, NULL, 'R'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	_cleanup_free_ char *usage_text = NULL;
	size_t usage_len = 0;
	FILE *m = open_memstream(&usage_text, &usage_len);
	if (!m)
		berth_oom();
	usage(m);
	fclose(m);
	struct cli_flags f = {.usage = usage_text, .shortopts = "+v", .longopts = opts};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'r':
			g->root = optarg;
			break;
		case 'l':
			g->log = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return cli_usage_error(cli, err, "invalid log format '%s'", optarg);
			g->log_json = strcmp(optarg, "json") == 0;
			break;
		case 'D':
			g->debug = true;
			break;
		case 'S':
			return berth_error_set(err, ENOTSUP,
					       "--systemd-cgroup is not supported: berth manages "
					       "the cgroup itself (cgroupfs)");
		case 'v':
			printf("berth-runc version %s\nspec: 1.0.2\n", BERTH_VERSION);
			*ret_done = true;
			return 0;
		}
		/* --criu, --rootless: nothing to do */
	}
	*ret_done = f.help;
	return c;
}

/* Runs argv (argv[0] the program or "oci"): the exit code; errors are printed here. */
static int oci_main(struct berth_cli *cli, int argc, char **argv)
{
	struct oci_globals g = {.root = "/run/berth-runc"};
	_cleanup_error_ struct berth_error *err = NULL;
	bool done = false;
	int r = parse_globals(cli, argc, argv, &g, &done, &err);
	berth_log_set_level(BERTH_LOG_WARN);
	berth_log_set_sink(log_sink, &g);
	if (r >= 0 && !done && optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (r >= 0 && !done) {
		size_t i;
		for (i = 0; i < ELEMENTSOF(verbs); i++)
			if (strcmp(verbs[i].name, argv[optind]) == 0)
				break;
		if (i == ELEMENTSOF(verbs)) {
			r = berth_error_set(&err, EINVAL, "'%s' is not a berth-runc command",
					    argv[optind]);
		} else {
			char **vargv = argv + optind;
			int vargc = argc - optind;
			optind = 0;
			cli->cmd = verbs[i].name;
			r = verbs[i].fn(cli, &g, vargc, vargv, &err);
		}
	}
	fflush(stdout);
	if (r >= 0)
		return r;
	const char *msg = err ? berth_error_msg(err) : strerror(-r);
	log_line(&g, "error", msg);
	fprintf(stderr, "berth: %s\n", msg);
	return 1;
}

int cmd_oci(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	(void)err;
	return oci_main(cli, argc, argv);
}

int berth_runc_main(int argc, char **argv)
{
	struct berth_cli cli = {.root = NULL, .log_level = BERTH_LOG_WARN};
	return oci_main(&cli, argc, argv);
}
