/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What `berth lint` and `berth build --check` share (cmd-lint.c): where the
 * .berthlint of a build is found, and the check run before a build.
 */

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"
#include "lint/lint.h"

/*
 * Reads the config into o: the file config when given (a path), else the
 * .berthlint beside the Dockerfile (dockerfile is a path, NULL or "-" for
 * none), else the one in the context (ctx_fd, or -EBADF for none).
 */
int cli_lint_load_config(int ctx_fd, const char *dockerfile, const char *config,
			 struct berth_lint_options *o, struct berth_error **err);

/*
 * `berth build --check`: lints data (the Dockerfile, named name in messages,
 * read from the path dockerfile or from stdin when that is NULL) with the
 * .berthlint of the build, as `berth lint` would, and prints the findings in
 * the text format to out (with quiet, only when there is a finding). Returns 0 when the build may go on; -EINVAL with
 * a message saying nothing was built when a finding is at or above the
 * error threshold (`error` unless .berthlint says otherwise).
 */
int cli_lint_check(int ctx_fd, const char *context, const char *dockerfile, const char *data,
		   size_t len, bool quiet, FILE *out, struct berth_error **err);
