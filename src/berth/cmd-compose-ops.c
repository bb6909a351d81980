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

/* What tells pull and push apart; their flags are alike. */
struct move_command {
	const char *usage;
	const char *ignore_flag; /* --ignore-pull-failures or --ignore-push-failures */
	const char *const *unsupported;
	compose_move_fn fn;
};

struct move_opts {
	bool ignore_failures, quiet;
};

static int move_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		     struct berth_error **err)
{
	struct move_opts *o = cmd->opts;
	if (c == 'I')
		o->ignore_failures = true;
	else
		o->quiet = true;
	return 0;
}

/* Moves the selected services' images with m->fn; the failures ignored are warnings. */
static int move_command(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
			const struct move_command *m, struct berth_error **err)
{
	const struct option opts[] = {
		{m->ignore_flag, no_argument, NULL, 'I'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct move_opts o = {0};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = m->usage,
			  .shortopts = "q",
			  .longopts = opts,
			  .unsupported = m->unsupported},
		.on_flag = move_flag,
		.opts = &o,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	struct berth_progress *progress =
		cli_progress_new(stderr, o.quiet ? CLI_PROGRESS_QUIET : CLI_PROGRESS_AUTO);
	_cleanup_strv_free_ char **warnings = NULL;
	r = m->fn(cli->store, cmd.project, cmd.args, o.ignore_failures, progress, &warnings, err);
	berth_progress_free(progress);
	BERTH_STRV_FOREACH (w, warnings)
		berth_log(BERTH_LOG_WARN, "%s: %s", cli->cmd, *w);
	return r < 0 ? berth_error_prefix(err, "%s", cli->cmd) : r;
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

struct exec_opts {
	struct berth_exec_options o;
	char **env;
	bool no_tty;
	unsigned index;
};

static int exec_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		     struct berth_error **err)
{
	struct exec_opts *e = cmd->opts;
	char *end = NULL;
	long v;
	switch (c) {
	case 'd':
		e->o.detach = true;
		return 0;
	case 'e':
		cli_push_env_flag(&e->env, optarg);
		return 0;
	case 'T':
		e->no_tty = true;
		return 0;
	case 'u':
		e->o.user = optarg;
		return 0;
	case 'w':
		e->o.workdir = optarg;
		return 0;
	case EXEC_PRIVILEGED:
		e->o.privileged = true;
		return 0;
	default: /* --index */
		v = strtol(optarg, &end, 10);
		if (!*optarg || *end || v < 1 || v > 100000)
			return cli_usage_error(cli, err, "invalid --index '%s'", optarg);
		e->index = (unsigned)v;
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
	struct exec_opts e = {.index = 1};
	_cleanup_strv_free_ char **env = NULL;
	/* "+": after SERVICE, everything is the command's */
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = exec_usage,
			  .shortopts = "+de:Tu:w:",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = exec_flag,
		.opts = &e,
		.operands = COMPOSE_OPERANDS_ANY,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	env = e.env;
	if (r <= 0)
		return r;
	if (berth_strv_len(cmd.args) < 2)
		return cli_usage_error(cli, err, "requires at least 2 arguments");
	const char *service = cmd.args[0];
	/* docker compose: stdin attached, a TTY when stdin is one, unless -T or -d */
	e.o.interactive = !e.o.detach;
	e.o.tty = !e.o.detach && !e.no_tty && isatty(STDIN_FILENO);
	e.o.cmd = cmd.args + 1;
	e.o.env = env;
	if (!berth_compose_find_service(cmd.project, service))
		return berth_error_set(err, ENOENT, "%s: no such service: %s", cli->cmd, service);
	_cleanup_free_ char *id = NULL;
	r = berth_compose_service_container(cli->store, cmd.project->name, service, e.index, &id,
					    err);
	if (r < 0)
		return berth_error_prefix(err, "%s", cli->cmd);
	return cli_exec(cli, id, &e.o, err);
}

static const char top_usage[] = "Usage:  berth compose top [SERVICES...]\n\n"
				"Display the running processes of the project's containers\n";

int compose_top(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		struct berth_error **err)
{
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = top_usage, .shortopts = ""},
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	_cleanup_free_ struct berth_compose_service **list = NULL;
	size_t n_list = 0;
	r = berth_compose_select_services(cmd.project, cmd.args, &list, &n_list, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", cli->cmd);
	struct berth_compose_container *ct = NULL;
	size_t n = 0;
	r = berth_compose_project_containers(cli->store, cmd.project->name, NULL, &ct, &n, err);
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
