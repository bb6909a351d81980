/* SPDX-License-Identifier: Apache-2.0 */
/* `compose pull`, `push`, `exec` and `top`: their flags; compose/ does the work. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "berth/cmd-compose.h"
#include "berth/progress.h"
#include "container/container.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/strv.h"
#include "store/store.h"

typedef int (*compose_move_fn)(struct berth_store *store, const struct berth_compose_project *p,
			       char *const *services, bool ignore_failures,
			       struct berth_progress *progress, char ***warnings,
			       struct berth_error **err);

/* Loads the project and moves the services' images with fn; the failures ignored are warnings. */
static int move_images(struct berth_cli *cli, struct compose_globals *g, char **services,
		       bool ignore_failures, bool quiet, compose_move_fn fn,
		       struct berth_error **err)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	int r = compose_load_project(g, false, &p, err);
	if (r < 0)
		return r;
	struct berth_store *store = NULL;
	r = cli_store_open(cli, &store, err);
	if (r < 0)
		return r;
	struct berth_progress *progress =
		cli_progress_new(stderr, quiet ? CLI_PROGRESS_QUIET : CLI_PROGRESS_AUTO);
	_cleanup_strv_free_ char **warnings = NULL;
	r = fn(store, p, services, ignore_failures, progress, &warnings, err);
	berth_progress_free(progress);
	BERTH_STRV_FOREACH (w, warnings)
		berth_log(BERTH_LOG_WARN, "%s: %s", cli->cmd, *w);
	return r < 0 ? berth_error_prefix(err, "%s", cli->cmd) : r;
}

/* What tells pull and push apart; their flags are alike. */
struct move_command {
	const char *usage;
	const char *ignore_flag; /* --ignore-pull-failures or --ignore-push-failures */
	const char *const *unsupported;
	compose_move_fn fn;
};

static int move_command(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
			const struct move_command *m, struct berth_error **err)
{
	const struct option opts[] = {
		{m->ignore_flag, no_argument, NULL, 'I'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct cli_flags f = {.usage = m->usage,
			      .shortopts = "q",
			      .longopts = opts,
			      .unsupported = m->unsupported};
	bool ignore = false, quiet = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'I')
			ignore = true;
		else
			quiet = true;
	}
	if (c < 0 || f.help)
		return c;
	return move_images(cli, g, argv + optind, ignore, quiet, m->fn, err);
}

int compose_pull(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	static const char *const unsupported[] = {"--ignore-buildable", "--include-deps",
						  "--policy", NULL};
	static const struct move_command m = {
		.usage = "Usage:  berth compose pull [OPTIONS] [SERVICE...]\n\n"
			 "Pull service images\n\n"
			 "Options:\n"
			 "      --ignore-pull-failures   Pull what it can and ignores images with "
			 "pull failures\n"
			 "  -q, --quiet                  Pull without printing progress "
			 "information\n",
		.ignore_flag = "ignore-pull-failures",
		.unsupported = unsupported,
		.fn = berth_compose_pull,
	};
	return move_command(cli, g, argc, argv, &m, err);
}

int compose_push(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	static const char *const unsupported[] = {"--include-deps", NULL};
	static const struct move_command m = {
		.usage = "Usage:  berth compose push [OPTIONS] [SERVICE...]\n\n"
			 "Push service images (the services with both build and image)\n\n"
			 "Options:\n"
			 "      --ignore-push-failures   Push what it can and ignores images with "
			 "push failures\n"
			 "  -q, --quiet                  Push without printing progress "
			 "information\n",
		.ignore_flag = "ignore-push-failures",
		.unsupported = unsupported,
		.fn = berth_compose_push,
	};
	return move_command(cli, g, argc, argv, &m, err);
}

static const char exec_usage[] =
	"Usage:  berth compose exec [OPTIONS] SERVICE COMMAND [ARGS...]\n\n"
	"Execute a command in a running container of a service\n\n"
	"Options:\n"
	"  -d, --detach           Detached mode: Run command in the background\n"
	"  -e, --env stringArray  Set environment variables\n"
	"      --index int        Index of the container if service has multiple replicas "
	"(default 1)\n"
	"      --privileged       Give extended privileges to the process\n"
	"  -T, --no-TTY           Disable pseudo-TTY allocation (default: a TTY when stdin is "
	"one)\n"
	"  -u, --user string      Run the command as this user\n"
	"  -w, --workdir string   Path to workdir directory for this command\n";

enum {
	EXEC_INDEX = 0x100,
	EXEC_PRIVILEGED
};

static int exec_flag(struct berth_cli *cli, int c, struct berth_exec_options *o, char ***env,
		     bool *no_tty, unsigned *index, struct berth_error **err)
{
	char *end = NULL;
	long v;
	switch (c) {
	case 'd':
		o->detach = true;
		return 0;
	case 'e':
		cli_push_env_flag(env, optarg);
		return 0;
	case 'T':
		*no_tty = true;
		return 0;
	case 'u':
		o->user = optarg;
		return 0;
	case 'w':
		o->workdir = optarg;
		return 0;
	case EXEC_PRIVILEGED:
		o->privileged = true;
		return 0;
	default: /* --index */
		v = strtol(optarg, &end, 10);
		if (!*optarg || *end || v < 1 || v > 100000)
			return cli_usage_error(cli, err, "invalid --index '%s'", optarg);
		*index = (unsigned)v;
		return 0;
	}
}

int compose_exec(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"env", required_argument, NULL, 'e'},
		{"index", required_argument, NULL, EXEC_INDEX},
		{"privileged", no_argument, NULL, EXEC_PRIVILEGED},
		{"no-TTY", no_argument, NULL, 'T'},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{0},
	};
	static const char *const unsupported[] = {"--dry-run", NULL};
	/* "+": after SERVICE, everything is the command's */
	struct cli_flags f = {.usage = exec_usage,
			      .shortopts = "+de:Tu:w:",
			      .longopts = opts,
			      .unsupported = unsupported};
	struct berth_exec_options o = {0};
	_cleanup_strv_free_ char **env = NULL, **cmd = NULL;
	bool no_tty = false;
	unsigned index = 1;
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		if (exec_flag(cli, c, &o, &env, &no_tty, &index, err) < 0)
			return -EINVAL;
	if (c < 0 || f.help)
		return c;
	if (argc - optind < 2)
		return cli_usage_error(cli, err, "requires at least 2 arguments");
	const char *service = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		berth_strv_push(&cmd, argv[i]);
	/* docker compose: stdin attached, a TTY when stdin is one, unless -T or -d */
	o.interactive = !o.detach;
	o.tty = !o.detach && !no_tty && isatty(STDIN_FILENO);
	o.cmd = cmd;
	o.env = env;
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	r = compose_load_project(g, false, &p, err);
	if (r < 0)
		return r;
	if (!berth_compose_find_service(p, service))
		return berth_error_set(err, ENOENT, "%s: no such service: %s", cli->cmd, service);
	_cleanup_free_ char *id = NULL;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_compose_service_container(cli->store, p->name, service, index, &id, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", cli->cmd);
	return cli_exec(cli, id, &o, err);
}

static const char top_usage[] = "Usage:  berth compose top [SERVICES...]\n\n"
				"Display the running processes of the project's containers\n";

int compose_top(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		struct berth_error **err)
{
	struct cli_flags f = {.usage = top_usage, .shortopts = ""};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		;
	if (c < 0 || f.help)
		return c;
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	int r = compose_load_project(g, false, &p, err);
	if (r < 0)
		return r;
	_cleanup_free_ struct berth_compose_service **list = NULL;
	size_t n_list = 0;
	r = berth_compose_select_services(p, argv + optind, &list, &n_list, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", cli->cmd);
	struct berth_compose_container *ct = NULL;
	size_t n = 0;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_compose_project_containers(cli->store, p->name, NULL, &ct, &n, err);
	if (r < 0)
		return r;
	/* as docker compose v2: each running container's name, its table, a blank line */
	bool first = true;
	for (size_t i = 0; i < n && r >= 0; i++) {
		bool selected = false;
		for (size_t j = 0; j < n_list; j++)
			selected = selected || strcmp(list[j]->name, ct[i].service) == 0;
		if (!selected || strcmp(ct[i].state, "running") != 0)
			continue;
		printf("%s%s\n", first ? "" : "\n", ct[i].name);
		fflush(stdout);
		first = false;
		r = cli_top(cli, ct[i].id, NULL, err);
	}
	berth_compose_containers_free(ct, n);
	return r;
}
