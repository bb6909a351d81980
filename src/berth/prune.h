/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the prune commands share, and `container prune` (prune.c). */

#include <stdbool.h>

#include "berth/cli.h"

/*
 * Docker's prompt before a prune (cli/command.PromptForConfirmation): prints
 * message (Docker's text, "WARNING! ... Are you sure you want to continue?")
 * and " [y/N] " on stdout and reads one line of stdin. True only for "y" or "Y" (spaces around it
 * ignored); EOF, an empty line or anything else is no, so a prune without
 * -f from a script with no input removes nothing.
 */
bool cli_confirm(const char *message);

int cmd_container_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err);
