/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Shared by the files of `berth compose`: the global flags, the project
 * they load, and the subcommands of cmd-compose-up.c (the lifecycle) and
 * cmd-compose-ops.c.
 */

#include "berth/cli.h"
#include "compose/compose.h"

struct compose_globals {
	char **files, **profiles, **env_files;
	const char *project_name, *project_dir;
};

/* Loads the project the global flags and the environment name; warnings are logged. */
int compose_load_project(struct compose_globals *g, bool all_profiles,
			 struct berth_compose_project **ret, struct berth_error **err);

typedef int (*compose_cmd_fn)(struct berth_cli *cli, struct compose_globals *g, int argc,
			      char **argv, struct berth_error **err);

int compose_pull(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err);
int compose_push(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err);
int compose_exec(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err);
int compose_logs(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err);
int compose_top(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		struct berth_error **err);

/* The lifecycle subcommands (cmd-compose-up.c); argv[0] is the subcommand. */
int compose_up(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
	       struct berth_error **err);
int compose_down(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err);
int compose_ps(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
	       struct berth_error **err);
int compose_ls(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
	       struct berth_error **err);
/* start, stop, restart, rm, kill */
int compose_lifecycle(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		      struct berth_error **err);
