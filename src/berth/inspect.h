/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * `berth inspect` over every kind of object, as Docker's `docker inspect`
 * (cli/command/system/inspect.go): without a type each name is looked up
 * as a container, then an image, then a network, then a volume, and the
 * first match wins.
 */

#include "berth/cli.h"
#include "core/json.h"

/*
 * Prints the objects names (NULL-terminated) denote as one JSON array, or
 * through format (cli_format_inspect). type is NULL (any) or "container",
 * "image", "network", "volume"; anything else is a usage error. A name that matches
 * nothing prints `berth: no such object: NAME` (or the typed lookup's own
 * error) on stderr after the others are printed, and makes the exit code 1.
 * Returns the exit code, or -errno with *err set when nothing could be done.
 */
int cli_inspect(struct berth_cli *cli, const char *type, char *const *names, const char *format,
		struct berth_error **err);

/*
 * A `TYPE inspect [-f FORMAT] NAME...` command: its flags (-f, --format and
 * unsupported, NULL or NULL-terminated), then cli_inspect of the operands.
 */
int cli_inspect_command(struct berth_cli *cli, const char *usage, const char *type,
			const char *const *unsupported, int argc, char **argv,
			struct berth_error **err);
