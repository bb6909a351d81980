/* SPDX-License-Identifier: Apache-2.0 */
/* `compose build`, `images` and `run`: their flags; compose/ does the work. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "berth/cmd-compose.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"

static const char build_usage[] =
	"Usage:  berth compose build [OPTIONS] [SERVICE...]\n\n"
	"Build or rebuild services\n\n"
	"Options:\n"
	"      --build-arg stringArray   Set build-time variables for services\n"
	"      --no-cache                Do not use cache when building the image\n"
	"      --pull                    Always attempt to pull a newer version of "
	"the image\n"
	"  -q, --quiet                   Don't print anything to STDOUT\n";

enum {
	BUILD_NO_CACHE = 0x100,
	BUILD_PULL,
	BUILD_ARG,
};

struct build_opts {
	struct berth_compose_build_options o;
	char **args;
};

static int build_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		      struct berth_error **err)
{
	struct build_opts *b = cmd->opts;
	if (c == BUILD_NO_CACHE)
		b->o.no_cache = true;
	else if (c == BUILD_PULL)
		b->o.pull = true;
	else if (c == BUILD_ARG)
		cli_push_env_flag(&b->args, optarg); /* a bare K: its value from our environment */
	else
		b->o.on_event = NULL;
	return 0;
}

int compose_build(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		  struct berth_error **err)
{
	static const struct option opts[] = {
		{"build-arg", required_argument, NULL, BUILD_ARG},
		{"no-cache", no_argument, NULL, BUILD_NO_CACHE},
		{"pull", no_argument, NULL, BUILD_PULL},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	static const char *const unsupported[] = {
		"--builder",	"--check", "-m",     "--memory", "--print",
		"--provenance", "--push",  "--sbom", "--ssh",	 "--with-dependencies",
		NULL,
	};
	struct build_opts b = {.o = {.on_event = compose_print_event}};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = build_usage,
			  .shortopts = "q",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = build_flag,
		.opts = &b,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	_cleanup_strv_free_ char **args = b.args;
	if (r <= 0)
		return r;
	b.o.services = cmd.args;
	b.o.build_args = args;
	return berth_compose_build(cli->store, cmd.project, &b.o, err);
}

static const char images_usage[] =
	"Usage:  berth compose images [OPTIONS] [SERVICE...]\n\n"
	"List images used by the created containers\n\n"
	"Options:\n"
	"      --format string   Format the output: table (default) or json\n"
	"  -q, --quiet           Only display IDs\n";

struct images_opts {
	bool quiet, json;
};

static int images_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		       struct berth_error **err)
{
	struct images_opts *o = cmd->opts;
	if (c == 'q')
		o->quiet = true;
	else if (strcmp(optarg, "json") == 0)
		o->json = true;
	else if (strcmp(optarg, "table") != 0)
		return cli_usage_error(cli, err, "unsupported format '%s' (table or json)", optarg);
	return 0;
}

/* -q: each image id once, without "sha256:", as docker compose v2. */
static void print_image_ids(const struct berth_compose_image *v, size_t n)
{
	_cleanup_strv_free_ char **seen = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *hex = strchr(v[i].id, ':') ? strchr(v[i].id, ':') + 1 : v[i].id;
		if (!berth_strv_contains(seen, hex)) {
			printf("%s\n", hex);
			berth_strv_push(&seen, hex);
		}
	}
}

/* --format json: one array, docker compose v2's fields (Size in bytes). */
static void print_images_json(const struct berth_compose_image *v, size_t n)
{
	_cleanup_json_ json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I}", "ID", v[i].id,
						   "ContainerName", v[i].container, "Repository",
						   v[i].repository, "Tag", v[i].tag, "Size",
						   (json_int_t)v[i].size));
	_cleanup_free_ char *text = json_dumps(a, JSON_COMPACT);
	printf("%s\n", text);
}

static void widen(int *w, const char *cell)
{
	if ((int)strlen(cell) > *w)
		*w = (int)strlen(cell);
}

/* The table: CONTAINER REPOSITORY TAG IMAGE ID SIZE, columns 3 spaces apart as v2's tabwriter. */
static void print_images_table(const struct berth_compose_image *v, size_t n)
{
	char(*sizes)[32] = berth_xcalloc(n ? n : 1, sizeof(*sizes));
	int w[3] = {(int)strlen("CONTAINER"), (int)strlen("REPOSITORY"), (int)strlen("TAG")};
	for (size_t i = 0; i < n; i++) {
		berth_format_size(v[i].size, sizes[i]);
		widen(&w[0], v[i].container);
		widen(&w[1], v[i].repository);
		widen(&w[2], v[i].tag);
	}
	printf("%-*s   %-*s   %-*s   %-12s   %s\n", w[0], "CONTAINER", w[1], "REPOSITORY", w[2],
	       "TAG", "IMAGE ID", "SIZE");
	for (size_t i = 0; i < n; i++) {
		const char *hex = strchr(v[i].id, ':') ? strchr(v[i].id, ':') + 1 : v[i].id;
		printf("%-*s   %-*s   %-*s   %-12.12s   %s\n", w[0], v[i].container, w[1],
		       v[i].repository, w[2], v[i].tag, hex, sizes[i]);
	}
	free(sizes);
}

int compose_images(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		   struct berth_error **err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'F'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct images_opts o = {0};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = images_usage, .shortopts = "q", .longopts = opts},
		.on_flag = images_flag,
		.opts = &o,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	struct berth_compose_image *v = NULL;
	size_t n = 0;
	r = berth_compose_images(cli->store, cmd.project, cmd.args, &v, &n, err);
	if (r < 0)
		return r;
	if (o.quiet)
		print_image_ids(v, n);
	else if (o.json)
		print_images_json(v, n);
	else
		print_images_table(v, n);
	berth_compose_images_free(v, n);
	return 0;
}

static const char run_usage[] =
	"Usage:  berth compose run [OPTIONS] SERVICE [COMMAND] [ARGS...]\n\n"
	"Run a one-off command on a service\n\n"
	"Options:\n"
	"  -d, --detach              Run container in background and print container ID\n"
	"      --entrypoint string   Override the entrypoint of the image\n"
	"  -e, --env stringArray     Set environment variables\n"
	"  -l, --label stringArray   Add or override a label\n"
	"      --name string         Assign a name to the container\n"
	"      --no-deps             Don't start linked services\n"
	"      --rm                  Automatically remove the container when it exits\n"
	"      --service-ports       Run command with the service's ports published\n"
	"  -T, --no-TTY              Disable pseudo-TTY allocation (default: a TTY when stdin is "
	"one)\n"
	"  -u, --user string         Run as specified username or uid\n"
	"  -w, --workdir string      Working directory inside the container\n";

enum {
	RUN_ENTRYPOINT = 0x100,
	RUN_NAME,
	RUN_NO_DEPS,
	RUN_RM,
	RUN_SERVICE_PORTS,
};

struct run_opts {
	struct berth_compose_run_oneoff_options o;
	char **env, **labels;
	bool no_tty;
};

static int run_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c, struct berth_error **err)
{
	struct run_opts *ro = cmd->opts;
	switch (c) {
	case 'd':
		ro->o.detach = true;
		break;
	case 'e':
		cli_push_env_flag(&ro->env, optarg);
		break;
	case 'l':
		berth_strv_push(&ro->labels, optarg);
		break;
	case 'T':
		ro->no_tty = true;
		break;
	case 'u':
		ro->o.user = optarg;
		break;
	case 'w':
		ro->o.workdir = optarg;
		break;
	case RUN_ENTRYPOINT:
		ro->o.entrypoint = optarg;
		break;
	case RUN_NAME:
		ro->o.name = optarg;
		break;
	case RUN_NO_DEPS:
		ro->o.no_deps = true;
		break;
	case RUN_RM:
		ro->o.rm = true;
		break;
	default: /* --service-ports */
		ro->o.service_ports = true;
	}
	return 0;
}

static void run_opts_release(struct run_opts *ro)
{
	berth_strv_free(ro->env);
	berth_strv_free(ro->labels);
}

int compose_run(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		struct berth_error **err)
{
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"entrypoint", required_argument, NULL, RUN_ENTRYPOINT},
		{"env", required_argument, NULL, 'e'},
		{"label", required_argument, NULL, 'l'},
		{"name", required_argument, NULL, RUN_NAME},
		{"no-deps", no_argument, NULL, RUN_NO_DEPS},
		{"rm", no_argument, NULL, RUN_RM},
		{"service-ports", no_argument, NULL, RUN_SERVICE_PORTS},
		{"no-TTY", no_argument, NULL, 'T'},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{0},
	};
	static const char *const unsupported[] = {
		"--build",
		"--cap-add",
		"--cap-drop",
		"--env-from-file",
		"-i",
		"--interactive",
		"-P",
		"--publish",
		"-p",
		"--pull",
		"--quiet-pull",
		"--quiet",
		"-q",
		"--remove-orphans",
		"--use-aliases",
		"-v",
		"--volume",
		"--quiet-build",
		NULL,
	};
	_cleanup_(run_opts_release) struct run_opts ro = {0};
	/* "+": after SERVICE, everything is the command's */
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = run_usage,
			  .shortopts = "+de:l:Tu:w:",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = run_flag,
		.opts = &ro,
		.operands = COMPOSE_OPERANDS_ANY,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	if (!cmd.args)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	if (!berth_compose_find_service(cmd.project, cmd.args[0]))
		return berth_error_set(err, ENOENT, "%s: no such service: %s", cli->cmd,
				       cmd.args[0]);
	ro.o.service = cmd.args[0];
	ro.o.cmd = cmd.args + 1;
	ro.o.env = ro.env;
	ro.o.labels = ro.labels;
	/* docker compose: stdin attached, a TTY when stdin is one, unless -T or -d */
	ro.o.interactive = !ro.o.detach;
	ro.o.tty = !ro.o.detach && !ro.no_tty && isatty(STDIN_FILENO);
	ro.o.on_event = compose_print_event;
	struct berth_run_result res = {0};
	r = berth_compose_run(cli->store, cmd.project, &ro.o, &res, err);
	if (r < 0) {
		berth_error_prefix(err, "%s", cli->cmd);
		/* as docker compose: 127 when the command is not found, 126 when it cannot run */
		if (res.exec_errno) {
			fprintf(stderr, "berth: %s\n", berth_error_msg(*err));
			return res.exec_errno == ENOENT ? 127 : 126;
		}
		return r;
	}
	if (ro.o.detach) {
		printf("%s\n", res.id);
		return 0;
	}
	fflush(stdout);
	return res.exit_code;
}
