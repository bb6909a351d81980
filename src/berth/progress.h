/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * berth's drawing of the library's progress reports (core/progress.h): on a
 * terminal it redraws one bar per active item; otherwise it prints one plain
 * line when an item ends, so CI logs stay readable.
 */

#include <stdbool.h>
#include <stdio.h>

#include "core/progress.h"

enum cli_progress_mode {
	CLI_PROGRESS_AUTO, /* TTY when out is a terminal, else PLAIN */
	CLI_PROGRESS_TTY,
	CLI_PROGRESS_PLAIN,
	CLI_PROGRESS_QUIET, /* nothing */
};

/* Parses "auto", "tty", "plain", "quiet"; -EINVAL otherwise. */
int cli_progress_mode_parse(const char *s, enum cli_progress_mode *ret);

/* A progress drawn on out (borrowed); free with berth_progress_free(). */
struct berth_progress *cli_progress_new(FILE *out, enum cli_progress_mode mode);
