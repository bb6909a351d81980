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

/* Progress lines as docker compose v2 prints them (on stderr): "Container p-web-1 Started". */
void compose_print_event(const char *kind, const char *name, const char *status, void *userdata);

enum compose_operands {
	COMPOSE_OPERANDS_SERVICES, /* [SERVICE...]: each must be a service of the project */
	COMPOSE_OPERANDS_NONE,	   /* none: an operand is a usage error */
	COMPOSE_OPERANDS_ANY,	   /* taken as given (SERVICE COMMAND...) */
};

/*
 * What every compose subcommand does before its library call: parse its
 * flags (on_flag gets each flag's code, optarg set), take its operands and
 * load the project.
 *
 *	struct compose_cmd cmd = {.flags = {...}, .on_flag = up_flag, .opts = &o};
 *	r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
 *	if (r <= 0)
 *		return r;
 *	// cmd.operands, cmd.project; compose_cmd_release(&cmd) (or _cleanup_)
 */
struct compose_cmd {
	struct cli_flags flags;
	/* 0 or -errno (a usage error); may set all_profiles; NULL for a command without flags */
	int (*on_flag)(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		       struct berth_error **err);
	void *opts; /* the command's options, for on_flag */
	enum compose_operands operands;
	bool all_profiles; /* load the services of every profile (down, ps, stop...) */
	bool no_project;   /* don't load a project (ls) */
	bool no_store;	   /* don't open the store (config) */
	/* set by compose_cmd_parse */
	char **args;			       /* the operands; NULL when none */
	struct berth_compose_project *project; /* NULL with no_project */
};

/*
 * 1 with cmd->args and cmd->project set; 0 when --help printed the usage
 * (the command is done); -errno with *err set (a bad flag or operand, a
 * project that does not load, a SERVICE operand that is no service).
 */
int compose_cmd_parse(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		      struct compose_cmd *cmd, struct berth_error **err);
void compose_cmd_release(struct compose_cmd *cmd);

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

/* How an attached `compose up` shows the output and when it ends (cmd-compose-logs.c). */
struct compose_attach {
	bool no_color, no_prefix, timestamps;
	bool abort_on_exit;	    /* --abort-on-container-exit */
	const char *exit_code_from; /* --exit-code-from SERVICE (implies abort_on_exit) */
};

/*
 * `up` without -d: up as o says, then the output of the services' containers
 * until they have all exited, one exits (a->abort_on_exit) or SIGINT/SIGTERM
 * (they are then stopped). The exit status: 130 after a signal, else
 * --exit-code-from's service's code, else the first exit's with
 * --abort-on-container-exit, else 0.
 */
int compose_up_attached(struct berth_cli *cli, const struct berth_compose_project *p,
			struct berth_compose_up_options *o, const struct compose_attach *a,
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

/* cmd-compose-cmds.c */
int compose_build(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		  struct berth_error **err);
int compose_images(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		   struct berth_error **err);
int compose_run(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		struct berth_error **err);
