/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What every command of the CLI shares. A command parses its flags into an
 * options struct, makes one libberth call and prints the result. It returns
 * the process exit code (>= 0), or a negative errno with *err set; main()
 * then prints `berth: <message>` once and exits 1 for a user error or 125
 * for an engine failure, as Docker does.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"

struct berth_registry_settings;

/* Fills the settings of registry/ the environment gives: the credentials
 * files ($BERTH_CONFIG, else ~/.config/berth/auth.json; $DOCKER_CONFIG/
 * config.json, else ~/.docker/config.json), $BERTH_CERTS_D and
 * $BERTH_REGISTRY_CHUNK_SIZE. main() configures them for every command
 * (build and run pull too); registry commands add their flags. */
void cli_registry_env(struct berth_registry_settings *s);

struct berth_store;

struct berth_cli {
	const char *root;	   /* the store root: --root, $BERTH_ROOT or the default */
	struct berth_store *store; /* opened by cli_store_open, freed after the command */
	const char *cmd;	   /* the command's name as typed, "image ls" */
	enum berth_log_level log_level;
};

typedef int (*berth_cmd_fn)(struct berth_cli *cli, int argc, char **argv, struct berth_error **err);

struct berth_command {
	const char *name; /* "images", or two words: "image ls" */
	berth_cmd_fn fn;
	const char *summary; /* one line for `berth --help` */
};

/*
 * The store of the command, opened on the first call and then the same
 * handle (borrowed: main frees it when the command returns). A command
 * calls it once it has parsed its flags, before its first library call
 * that takes the store; *ret may be NULL.
 */
int cli_store_open(struct berth_cli *cli, struct berth_store **ret, struct berth_error **err);

/* An EINVAL "<cmd>: <usage problem>" error; exit 1 like Docker's flag errors. */
int cli_usage_error(struct berth_cli *cli, struct berth_error **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A command's flags, parsed by getopt_long behind one front so that every
 * command behaves alike: `--help` (and `-h`, unless the command gives -h
 * another meaning, as run's --hostname) prints the usage on stdout; an
 * unknown flag, a missing value or a Docker flag berth does not have yet is
 * one error line naming the flag. getopt itself never prints (opterr = 0).
 *
 *	struct cli_flags f = {.usage = ps_usage, .shortopts = "aq", .longopts = opts};
 *	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
 *		switch (c) { ... }  // optarg as getopt sets it
 *	if (c < 0 || f.help)
 *		return c;
 *	// the operands are argv[optind..argc-1]
 */
struct cli_flags {
	const char *usage;		/* printed for --help */
	const char *shortopts;		/* getopt's; a leading '+' stops at the first operand */
	const struct option *longopts;	/* NULL or {0}-terminated; every .flag NULL */
	const char *const *unsupported; /* NULL or NULL-terminated: "-p", "--publish" */
	bool help;			/* set when --help was given and the usage printed */
	/* the parser's own state */
	bool started;
	char all_short[64];
	struct option all_long[64];
};

/*
 * The next flag's code (> 0, getopt's value; optarg set); 0 when the flags
 * end (optind is the first operand) or when --help printed the usage (then
 * f->help is true); a negative errno with *err set for a bad flag.
 */
int cli_flag_next(struct berth_cli *cli, struct cli_flags *f, int argc, char **argv,
		  struct berth_error **err);

/* For a command without flags: --help, -h and unknown flags as above; 0 or -errno. */
int cli_no_flags(struct berth_cli *cli, const char *usage, const char *const *unsupported, int argc,
		 char **argv, bool *ret_help, struct berth_error **err);

/*
 * For a command whose one flag is -f/--format (inspect, version, info):
 * *ret_format is its value or NULL; otherwise as cli_no_flags.
 */
int cli_format_flag_only(struct berth_cli *cli, const char *usage, const char *const *unsupported,
			 int argc, char **argv, const char **ret_format, bool *ret_help,
			 struct berth_error **err);

/*
 * Runs fn on each operand argv[first..argc-1] as Docker's container commands
 * do: the operand printed when it succeeded, one error line otherwise, and
 * the next one anyway; 1 when any failed. No operand is a usage error.
 */
int cli_for_each(struct berth_cli *cli, int first, int argc, char **argv,
		 int (*fn)(struct berth_cli *, const char *, void *, struct berth_error **),
		 void *ctx, struct berth_error **err);

/*
 * run's and update's -m/--memory (at least 6MB, as Docker), --cpus (nano
 * CPUs) and --pids-limit (<= 0: unlimited, -1); a usage error otherwise.
 */
int cli_parse_memory(struct berth_cli *cli, const char *v, int64_t *ret, struct berth_error **err);
int cli_parse_cpus(struct berth_cli *cli, const char *v, int64_t *ret, struct berth_error **err);
int cli_parse_pids_limit(struct berth_cli *cli, const char *v, int64_t *ret,
			 struct berth_error **err);

/*
 * $SOURCE_DATE_EPOCH, read and parsed here only: *ret_set is false when it
 * is unset or empty; EINVAL "invalid SOURCE_DATE_EPOCH" when it is not a
 * non-negative number of seconds.
 */
int cli_source_date_epoch(bool *ret_set, int64_t *ret, struct berth_error **err);

/* An -e/--env value: "K=V" as given, a bare "K" from our environment (left out when unset). */
void cli_push_env_flag(char ***env, const char *arg);

/*
 * `top`'s table of the processes of the container what, on stdout: the
 * columns of `ps -ef`, or the host's ps with ps_args (NULL or empty: none).
 */
int cli_top(struct berth_cli *cli, const char *what, char **ps_args, struct berth_error **err);

struct berth_exec_options;

/*
 * `exec`'s run of o in the container what: the command's exit status (0
 * detached); 127/126 with the error printed when it cannot be found or run;
 * a negative errno for berth's own failures.
 */
int cli_exec(struct berth_cli *cli, const char *what, const struct berth_exec_options *o,
	     struct berth_error **err);

struct berth_store;

/* Commands, one family per file (cmd-<family>.c). */
#define BERTH_COMMANDS(X)                                                                          \
	X(cmd_images)                                                                              \
	X(cmd_tag)                                                                                 \
	X(cmd_rmi)                                                                                 \
	X(cmd_inspect)                                                                             \
	X(cmd_history)                                                                             \
	X(cmd_save)                                                                                \
	X(cmd_load)                                                                                \
	X(cmd_import)                                                                              \
	X(cmd_image_prune)                                                                         \
	X(cmd_system_df)                                                                           \
	X(cmd_system_check)                                                                        \
	X(cmd_system_prune)                                                                        \
	X(cmd_system_service)                                                                      \
	X(cmd_image_mount)                                                                         \
	X(cmd_image_umount)                                                                        \
	X(cmd_dockerfile_dump)                                                                     \
	X(cmd_run)                                                                                 \
	X(cmd_create)                                                                              \
	X(cmd_ps)                                                                                  \
	X(cmd_logs)                                                                                \
	X(cmd_stop)                                                                                \
	X(cmd_kill)                                                                                \
	X(cmd_wait)                                                                                \
	X(cmd_rm)                                                                                  \
	X(cmd_start)                                                                               \
	X(cmd_restart)                                                                             \
	X(cmd_exec)                                                                                \
	X(cmd_container_inspect)                                                                   \
	X(cmd_network_create)                                                                      \
	X(cmd_network_ls)                                                                          \
	X(cmd_network_inspect)                                                                     \
	X(cmd_network_rm)                                                                          \
	X(cmd_network_prune)                                                                       \
	X(cmd_network_connect)                                                                     \
	X(cmd_network_disconnect)                                                                  \
	X(cmd_pod_create)                                                                          \
	X(cmd_pod_ls)                                                                              \
	X(cmd_pod_ps)                                                                              \
	X(cmd_pod_inspect)                                                                         \
	X(cmd_pod_start)                                                                           \
	X(cmd_pod_stop)                                                                            \
	X(cmd_pod_rm)                                                                              \
	X(cmd_pod_prune)                                                                           \
	X(cmd_volume_create)                                                                       \
	X(cmd_volume_ls)                                                                           \
	X(cmd_volume_inspect)                                                                      \
	X(cmd_volume_rm)                                                                           \
	X(cmd_volume_prune)                                                                        \
	X(cmd_port)                                                                                \
	X(cmd_kube_generate)                                                                       \
	X(cmd_kube_play)                                                                           \
	X(cmd_build)                                                                               \
	X(cmd_builder_prune)                                                                       \
	X(cmd_pull)                                                                                \
	X(cmd_push)                                                                                \
	X(cmd_login)                                                                               \
	X(cmd_logout)                                                                              \
	X(cmd_lint)                                                                                \
	X(cmd_oci)                                                                                 \
	X(cmd_analyze)                                                                             \
	X(cmd_sbom)                                                                                \
	X(cmd_scan)                                                                                \
	X(cmd_compose)                                                                             \
	X(cmd_pause)                                                                               \
	X(cmd_unpause)                                                                             \
	X(cmd_rename)                                                                              \
	X(cmd_update)                                                                              \
	X(cmd_top)                                                                                 \
	X(cmd_diff)                                                                                \
	X(cmd_export)                                                                              \
	X(cmd_commit)                                                                              \
	X(cmd_cp)                                                                                  \
	X(cmd_attach)                                                                              \
	X(cmd_stats)                                                                               \
	X(cmd_version)                                                                             \
	X(cmd_info)                                                                                \
	X(cmd_events)

#define DECLARE_CMD(name)                                                                          \
	int name(struct berth_cli *cli, int argc, char **argv, struct berth_error **err);
BERTH_COMMANDS(DECLARE_CMD)
#undef DECLARE_CMD
