/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the prune commands share, and `container prune` (prune.c). */

#include <stdbool.h>
#include <stdint.h>

#include "berth/cli.h"

/*
 * Docker's prompt before a prune (cli/command.PromptForConfirmation): prints
 * message (Docker's text, "WARNING! ... Are you sure you want to continue?")
 * and " [y/N] " on stdout and reads one line of stdin. True only for "y" or "Y" (spaces around it
 * ignored); EOF, an empty line or anything else is no, so a prune without
 * -f from a script with no input removes nothing.
 */
bool cli_confirm(const char *message);

/*
 * The flags every `X prune` shares: -f/--force and, where all_ok, -a/--all;
 * --filter is refused as not supported yet; no operands. Returns 0 to go on
 * (after the [y/N] question was answered yes or skipped by -f), 1 when there
 * is nothing more to do (--help printed, or the answer was no), < 0 on a bad
 * flag with *err set.
 */
int cli_prune_flags(struct berth_cli *cli, const char *usage, bool all_ok,
		    const char *(*warning)(bool all), int argc, char **argv, bool *ret_all,
		    struct berth_error **err);

/* Docker's "Deleted TITLE:" block, when anything was removed. */
void cli_print_deleted(const char *title, char *const *removed);
/* cli_print_deleted and Docker's "Total reclaimed space". */
void cli_print_pruned(const char *title, char *const *removed, uint64_t bytes);

int cmd_container_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err);
