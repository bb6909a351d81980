/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

int cli_usage_error(struct berth_cli *cli, struct berth_error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m;
	if (vasprintf(&m, fmt, ap) < 0)
		berth_oom();
	va_end(ap);
	int r = berth_error_set(err, EINVAL, "%s: %s (see 'berth %s --help')", cli->cmd, m,
				cli->cmd);
	free(m);
	return r;
}

bool cli_wants_help(int argc, char **argv, const char *usage)
{
	/* only before the first operand: `run IMG ls --help` is the container's */
	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return true;
		}
	}
	return false;
}
