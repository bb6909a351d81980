/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/prune.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "container/container.h"
#include "core/cleanup.h"
#include "core/progress.h"
#include "core/strv.h"

bool cli_confirm(const char *message)
{
	printf("%s [y/N] ", message);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	char *s = line, *e = line + strlen(line);
	while (isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return e - s == 1 && (*s == 'y' || *s == 'Y');
}

static const char container_prune_usage[] = "Usage:  berth container prune [OPTIONS]\n\n"
					    "Remove all stopped containers\n\n"
					    "Options:\n"
					    "  -f, --force   Do not prompt for confirmation\n";

int cmd_container_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{0},
	};
	static const char *const unsupported[] = {"--filter", NULL};
	struct cli_flags f = {.usage = container_prune_usage,
			      .shortopts = "f",
			      .longopts = opts,
			      .unsupported = unsupported};
	bool force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		force = true;
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	if (!force && !cli_confirm("WARNING! This will remove all stopped containers.\n"
				   "Are you sure you want to continue?"))
		return 0;
	_cleanup_strv_free_ char **removed = NULL;
	uint64_t bytes = 0;
	int r = berth_container_prune(cli->root, &removed, &bytes, err);
	if (r < 0)
		return r;
	if (removed) {
		printf("Deleted Containers:\n");
		BERTH_STRV_FOREACH (id, removed)
			printf("%s\n", *id);
		printf("\n");
	}
	char sz[32];
	printf("Total reclaimed space: %s\n", berth_format_size_prec(bytes, 4, sz));
	return 0;
}
