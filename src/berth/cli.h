/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What every command of the CLI shares. A command parses its flags into an
 * options struct, makes one libberth call and prints the result. It returns
 * the process exit code (>= 0), or a negative errno with *err set; main()
 * then prints `berth: <message>` once and exits 1 for a user error or 125
 * for an engine failure, as Docker does.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"

struct berth_cli {
	const char *root; /* the store root: --root, $BERTH_ROOT or the default */
	const char *cmd;  /* the command's name as typed, "image ls" */
	enum berth_log_level log_level;
};

typedef int (*berth_cmd_fn)(struct berth_cli *cli, int argc, char **argv, struct berth_error **err);

struct berth_command {
	const char *name; /* "images", or two words: "image ls" */
	berth_cmd_fn fn;
	const char *summary; /* one line for `berth --help` */
};

/* An EINVAL "<cmd>: <usage problem>" error; exit 1 like Docker's flag errors. */
int cli_usage_error(struct berth_cli *cli, struct berth_error **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when --help comes before the first operand; prints usage to stdout then. */
bool cli_wants_help(int argc, char **argv, const char *usage);

struct berth_store;

/*
 * The image part of `image prune` and `system prune` (cmd-image.c): removes
 * untagged images (every image with all) that no container record uses, and
 * prints Docker's "Deleted Images:" block; *ret_bytes gets the blob bytes freed.
 */
int cli_image_prune(struct berth_cli *cli, struct berth_store *s, bool all, uint64_t *ret_bytes,
		    struct berth_error **err);

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
	X(cmd_image_mount)                                                                         \
	X(cmd_image_umount)                                                                        \
	X(cmd_dockerfile_dump)                                                                     \
	X(cmd_run)                                                                                 \
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
	X(cmd_volume)                                                                              \
	X(cmd_build)                                                                               \
	X(cmd_builder_prune)                                                                       \
	X(cmd_pull)                                                                                \
	X(cmd_push)                                                                                \
	X(cmd_login)                                                                               \
	X(cmd_logout)                                                                              \
	X(cmd_lint)                                                                                \
	X(cmd_analyze)

#define DECLARE_CMD(name)                                                                          \
	int name(struct berth_cli *cli, int argc, char **argv, struct berth_error **err);
BERTH_COMMANDS(DECLARE_CMD)
#undef DECLARE_CMD
