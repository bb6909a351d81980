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

int cli_prune_flags(struct berth_cli *cli, const char *usage, bool all_ok,
		    const char *(*warning)(bool all), int argc, char **argv, bool *ret_all,
		    struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{0},
	};
	static const char *const unsupported[] = {"--filter", NULL};
	struct cli_flags f = {.usage = usage,
			      .shortopts = all_ok ? "af" : "f",
			      .longopts = all_ok ? opts : opts + 1,
			      .unsupported = unsupported};
	bool all = false, force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		all |= c == 'a';
		force |= c == 'f';
	}
	if (c < 0)
		return c;
	if (f.help)
		return 1;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	if (!force && !cli_confirm(warning(all)))
		return 1;
	*ret_all = all;
	return 0;
}

void cli_print_deleted(const char *title, char *const *removed)
{
	if (!removed || !*removed)
		return;
	printf("Deleted %s:\n", title);
	BERTH_STRV_FOREACH (id, removed)
		printf("%s\n", *id);
	printf("\n");
}

void cli_print_pruned(const char *title, char *const *removed, uint64_t bytes)
{
	cli_print_deleted(title, removed);
	char sz[32];
	printf("Total reclaimed space: %s\n", berth_format_size_prec(bytes, 4, sz));
}

static const char container_prune_usage[] = "Usage:  berth container prune [OPTIONS]\n\n"
					    "Remove all stopped containers\n\n"
					    "Options:\n"
					    "  -f, --force   Do not prompt for confirmation\n";

static const char *container_prune_warning(bool all)
{
	(void)all;
	return "WARNING! This will remove all stopped containers.\n"
	       "Are you sure you want to continue?";
}

int cmd_container_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool all;
	int r = cli_prune_flags(cli, container_prune_usage, false, container_prune_warning, argc,
				argv, &all, err);
	if (r != 0)
		return r < 0 ? r : 0;
	_cleanup_strv_free_ char **removed = NULL;
	uint64_t bytes = 0;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_prune(cli->store, &removed, &bytes, err);
	if (r < 0)
		return r;
	cli_print_pruned("Containers", removed, bytes);
	return 0;
}
