/* SPDX-License-Identifier: Apache-2.0 */
/* `compose build`, `run` and `images`: their flags; compose/ does the work. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cmd-compose.h"
#include "core/cleanup.h"
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
