/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cmd-compose.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/strv.h"

extern char **environ;

static const char compose_usage[] =
	"Usage:  berth compose [OPTIONS] COMMAND\n\n"
	"Define and run multi-container applications (the Compose Specification)\n\n"
	"Options:\n"
	"      --env-file stringArray       Specify an alternate environment file\n"
	"  -f, --file stringArray           Compose configuration files\n"
	"      --profile stringArray        Specify a profile to enable\n"
	"  -p, --project-name string        Project name\n"
	"      --project-directory string   Specify an alternate working directory\n"
	"                                   (default: the path of the first compose file)\n\n"
	"Commands:\n"
	"  build       Build or rebuild services\n"
	"  config      Parse, resolve and render compose file in canonical format\n"
	"  down        Stop and remove containers, networks\n"
	"  exec        Execute a command in a running container\n"
	"  images      List images used by the created containers\n"
	"  kill        Force stop service containers\n"
	"  logs        View output from containers\n"
	"  ls          List running compose projects\n"
	"  pause       Pause services\n"
	"  ps          List containers\n"
	"  pull        Pull service images\n"
	"  push        Push service images\n"
	"  restart     Restart service containers\n"
	"  run         Run a one-off command on a service\n"
	"  rm          Removes stopped service containers\n"
	"  start       Start services\n"
	"  stop        Stop services\n"
	"  top         Display the running processes\n"
	"  unpause     Unpause services\n"
	"  up          Create and start containers\n";

static const char *const later_commands[] = {
	"create", "events", "port", "wait", "watch", NULL,
};

static const struct {
	const char *name;
	compose_cmd_fn fn;
} subcommands[] = {
	{"config", NULL},
	{"up", compose_up},
	{"down", compose_down},
	{"ps", compose_ps},
	{"ls", compose_ls},
	{"start", compose_lifecycle},
	{"stop", compose_lifecycle},
	{"restart", compose_lifecycle},
	{"rm", compose_lifecycle},
	{"kill", compose_lifecycle},
	{"pause", compose_lifecycle},
	{"unpause", compose_lifecycle},
	{"pull", compose_pull},
	{"push", compose_push},
	{"exec", compose_exec},
	{"top", compose_top},
	{"logs", compose_logs},
	{"build", compose_build},
	{"images", compose_images},
	{"run", compose_run},
};

static void globals_release(struct compose_globals *g)
{
	berth_strv_free(g->files);
	berth_strv_free(g->profiles);
	berth_strv_free(g->env_files);
}

/* COMPOSE_FILE: the files when no -f is given, separated by COMPOSE_PATH_SEPARATOR (':'). */
static char **files_from_environment(void)
{
	const char *list = getenv("COMPOSE_FILE");
	const char *sep = getenv("COMPOSE_PATH_SEPARATOR");
	char **v = NULL;
	if (!list || !*list)
		return NULL;
	_cleanup_free_ char *copy = berth_xstrdup(list);
	for (char *p = copy, *save = NULL;; p = NULL) {
		char *t = strtok_r(p, sep && *sep ? sep : ":", &save);
		if (!t)
			return v;
		berth_strv_push(&v, t);
	}
}

int compose_load_project(struct compose_globals *g, bool all_profiles,
			 struct berth_compose_project **ret, struct berth_error **err)
{
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return berth_error_syscall(err, errno, "compose: the current directory");
	_cleanup_strv_free_ char **env_files = g->files ? NULL : files_from_environment();
	char *star[] = {"*", NULL};
	struct berth_compose_load_options o = {
		.files = g->files ? g->files : env_files,
		.project_name = g->project_name,
		.project_dir = g->project_dir,
		.profiles = all_profiles ? star : g->profiles,
		.env_files = g->env_files,
		.environ = environ,
		.cwd = cwd,
	};
	_cleanup_strv_free_ char **warnings = NULL;
	int r = berth_compose_load(&o, ret, &warnings, err);
	BERTH_STRV_FOREACH (w, warnings)
		berth_log(BERTH_LOG_WARN, "%s", *w);
	return r;
}

void compose_print_event(const char *kind, const char *name, const char *status, void *userdata)
{
	fprintf(stderr, " %s %s %s\n", kind, name, status);
}

int compose_cmd_parse(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		      struct compose_cmd *cmd, struct berth_error **err)
{
	int c, r;
	while ((c = cli_flag_next(cli, &cmd->flags, argc, argv, err)) > 0) {
		r = cmd->on_flag ? cmd->on_flag(cli, cmd, c, err)
				 : cli_usage_error(cli, err, "unknown flag");
		if (r < 0)
			return r;
	}
	if (c < 0 || cmd->flags.help)
		return c;
	if (cmd->operands == COMPOSE_OPERANDS_NONE && optind < argc)
		return cli_usage_error(cli, err, "takes no arguments");
	for (int i = optind; i < argc; i++)
		berth_strv_push(&cmd->args, argv[i]);
	if (!cmd->no_project) {
		r = compose_load_project(g, cmd->all_profiles, &cmd->project, err);
		if (r < 0)
			return r;
		if (cmd->operands == COMPOSE_OPERANDS_SERVICES)
			BERTH_STRV_FOREACH (n, cmd->args)
				if (!berth_compose_find_service(cmd->project, *n))
					return berth_error_set(err, ENOENT,
							       "%s: no such service: %s", cli->cmd,
							       *n);
	}
	/* the subcommands work on the store (config does not): opened once, here */
	if (!cmd->no_store) {
		r = cli_store_open(cli, NULL, err);
		if (r < 0)
			return r;
	}
	return 1;
}

void compose_cmd_release(struct compose_cmd *cmd)
{
	berth_strv_free(cmd->args);
	cmd->args = NULL;
	berth_compose_project_free(cmd->project);
	cmd->project = NULL;
}

static const char config_usage[] =
	"Usage:  berth compose config [OPTIONS]\n\n"
	"Parse, resolve and render compose file in canonical format\n\n"
	"Options:\n"
	"      --format string   Format the output: yaml (default) or json\n"
	"      --hash string     Print the config hash of the services (\"*\" for all, or a\n"
	"                        comma-separated list), one \"SERVICE HASH\" per line\n"
	"      --images          Print the image names, one per line\n"
	"      --profiles        Print the profile names, one per line\n"
	"  -q, --quiet           Only validate the configuration, don't print anything\n"
	"      --services        Print the service names, one per line\n"
	"      --volumes         Print the volume names, one per line\n";

enum config_list {
	LIST_NONE,
	LIST_SERVICES,
	LIST_VOLUMES,
	LIST_PROFILES,
	LIST_IMAGES
};

static void print_profiles(const struct berth_compose_project *p)
{
	_cleanup_strv_free_ char **all = NULL;
	for (size_t i = 0; i < p->n_services; i++)
		BERTH_STRV_FOREACH (pr, p->services[i].profiles)
			if (!berth_strv_contains(all, *pr))
				berth_strv_push(&all, *pr);
	if (all)
		berth_strv_sort(all);
	BERTH_STRV_FOREACH (pr, all)
		printf("%s\n", *pr);
}

static int print_list(const struct berth_compose_project *p, enum config_list what,
		      struct berth_error **err)
{
	if (what == LIST_PROFILES) {
		print_profiles(p);
		return 0;
	}
	if (what == LIST_VOLUMES) {
		for (size_t i = 0; i < p->n_volumes; i++)
			printf("%s\n", p->volumes[i].key);
		return 0;
	}
	_cleanup_free_ struct berth_compose_service **order = NULL;
	int r = berth_compose_start_order(p, &order, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_services; i++) {
		if (what == LIST_SERVICES) {
			printf("%s\n", order[i]->name);
		} else {
			_cleanup_free_ char *image = berth_compose_image_name(p, order[i]);
			printf("%s\n", image);
		}
	}
	return 0;
}

/* `--hash`: "SERVICE HASH" lines in start order, for "*" or the listed services. */
static int print_hashes(const struct berth_compose_project *p, const char *which,
			struct berth_error **err)
{
	_cleanup_free_ struct berth_compose_service **order = NULL;
	_cleanup_strv_free_ char **names = NULL;
	if (strcmp(which, "*") != 0) {
		_cleanup_free_ char *copy = berth_xstrdup(which);
		for (char *t = copy, *save = NULL; (t = strtok_r(t, ",", &save)); t = NULL) {
			if (!berth_compose_find_service(p, t))
				return berth_error_set(err, EINVAL,
						       "compose config: no such service: %s", t);
			berth_strv_push(&names, t);
		}
	}
	int r = berth_compose_start_order(p, &order, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_services; i++) {
		if (names && !berth_strv_contains(names, order[i]->name))
			continue;
		char h[65];
		berth_compose_service_hash(order[i], h);
		printf("%s %s\n", order[i]->name, h);
	}
	return 0;
}

struct config_opts {
	enum config_list what;
	enum berth_compose_format format;
	bool quiet;
	const char *hash;
};

static int config_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		       struct berth_error **err)
{
	struct config_opts *o = cmd->opts;
	if (c == 'H')
		o->hash = optarg;
	else if (c == 'q')
		o->quiet = true;
	else if (c == 's')
		o->what = LIST_SERVICES;
	else if (c == 'V')
		o->what = LIST_VOLUMES;
	else if (c == 'P')
		o->what = LIST_PROFILES;
	else if (c == 'I')
		o->what = LIST_IMAGES;
	else if (strcmp(optarg, "json") == 0)
		o->format = BERTH_COMPOSE_FORMAT_JSON;
	else if (strcmp(optarg, "yaml") != 0)
		return cli_usage_error(cli, err, "unsupported format '%s' (yaml or json)", optarg);
	cmd->all_profiles = o->what == LIST_PROFILES;
	return 0;
}

static int compose_config(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
			  struct berth_error **err)
{
	static const struct option opts[] = {
		{"services", no_argument, NULL, 's'},	{"volumes", no_argument, NULL, 'V'},
		{"profiles", no_argument, NULL, 'P'},	{"images", no_argument, NULL, 'I'},
		{"quiet", no_argument, NULL, 'q'},	{"format", required_argument, NULL, 'F'},
		{"hash", required_argument, NULL, 'H'}, {0},
	};
	static const char *const unsupported[] = {
		"--no-interpolate",
		"--no-normalize",
		"--no-path-resolution",
		"--no-consistency",
		"--resolve-image-digests",
		"-o",
		"--output",
		"--variables",
		"--environment",
		"--networks",
		"--models",
		"--lock-image-digests",
		NULL,
	};
	struct config_opts o = {.what = LIST_NONE, .format = BERTH_COMPOSE_FORMAT_YAML};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = config_usage,
			  .shortopts = "q",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = config_flag,
		.opts = &o,
		.operands = COMPOSE_OPERANDS_NONE,
		.no_store = true,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0 || o.quiet)
		return r < 0 ? r : 0;
	if (o.hash)
		return print_hashes(cmd.project, o.hash, err);
	if (o.what != LIST_NONE)
		return print_list(cmd.project, o.what, err);
	_cleanup_free_ char *text = NULL;
	r = berth_compose_emit(cmd.project, o.format, &text, err);
	if (r < 0)
		return r;
	fputs(text, stdout);
	return 0;
}

int cmd_compose(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"file", required_argument, NULL, 'f'},
		{"project-name", required_argument, NULL, 'p'},
		{"profile", required_argument, NULL, 'P'},
		{"env-file", required_argument, NULL, 'E'},
		{"project-directory", required_argument, NULL, 'D'},
		{0},
	};
	static const char *const unsupported[] = {
		"--ansi",     "--compatibility", "--dry-run", "--parallel",
		"--progress", "--all-resources", NULL,
	};
	/* "+": the subcommand's flags are its own */
	struct cli_flags f = {.usage = compose_usage,
			      .shortopts = "+f:p:",
			      .longopts = opts,
			      .unsupported = unsupported};
	_cleanup_(globals_release) struct compose_globals g = {0};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'f':
			berth_strv_push(&g.files, optarg);
			break;
		case 'p':
			g.project_name = optarg;
			break;
		case 'P':
			berth_strv_push(&g.profiles, optarg);
			break;
		case 'E':
			berth_strv_push(&g.env_files, optarg);
			break;
		default:
			g.project_dir = optarg;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (optind >= argc) {
		fputs(compose_usage, stderr);
		return 1;
	}
	const char *sub = argv[optind];
	if (berth_strv_contains((char **)later_commands, sub))
		return berth_error_set(err, ENOTSUP, "compose %s: not supported yet", sub);
	size_t k = 0;
	while (k < ELEMENTSOF(subcommands) && strcmp(subcommands[k].name, sub) != 0)
		k++;
	if (k == ELEMENTSOF(subcommands))
		return berth_error_set(err, EINVAL,
				       "compose: '%s' is not a compose command (see 'berth compose "
				       "--help')",
				       sub);
	int sargc = argc - optind;
	char **sargv = argv + optind;
	optind = 0; /* glibc: full getopt re-initialisation for the subcommand */
	const char *outer = cli->cmd;
	_cleanup_free_ char *cmd = berth_xasprintf("compose %s", sub);
	cli->cmd = cmd;
	int r = subcommands[k].fn ? subcommands[k].fn(cli, &g, sargc, sargv, err)
				  : compose_config(cli, &g, sargc, sargv, err);
	cli->cmd = outer;
	return r;
}
