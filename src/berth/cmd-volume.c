/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cli.h"
#include "container/container.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

static const char volume_usage[] =
	"Usage: berth volume COMMAND\n\n"
	"Manage volumes\n\n"
	"Commands:\n"
	"  create [NAME]          Create a volume\n"
	"  ls [-q]                List volumes\n"
	"  inspect NAME...        Display detailed information on volumes\n"
	"  rm [-f] NAME...        Remove one or more volumes\n"
	"  prune [-f]             Remove volumes no container uses\n";

static int volume_create(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	if (argc > 2)
		return cli_usage_error(cli, err, "at most 1 argument");
	struct berth_volume v = {0};
	int r = berth_volume_create(cli->root, argc == 2 ? argv[1] : NULL, &v, NULL, err);
	if (r < 0)
		return r;
	printf("%s\n", v.name);
	berth_volume_release(&v);
	return 0;
}

static int volume_ls(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool quiet = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	struct berth_volume *v = NULL;
	size_t n = 0;
	int r = berth_volume_list(cli->root, &v, &n, err);
	if (r < 0)
		return r;
	if (!quiet)
		printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
	for (size_t i = 0; i < n; i++) {
		if (quiet)
			printf("%s\n", v[i].name);
		else
			printf("%-10s %s\n", "local", v[i].name);
		berth_volume_release(&v[i]);
	}
	free(v);
	return 0;
}

static int volume_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	if (argc < 2)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	_cleanup_json_ json_t *all = json_array();
	int ret = 0;
	for (int i = 1; i < argc; i++) {
		struct berth_volume v = {0};
		struct berth_error *e = NULL;
		if (berth_volume_get(cli->root, argv[i], &v, &e) < 0) {
			fprintf(stderr, "berth: %s\n", berth_error_msg(e));
			berth_error_free(&e);
			ret = 1;
			continue;
		}
		json_array_append_new(all, berth_volume_to_json(&v));
		berth_volume_release(&v);
	}
	_cleanup_free_ char *s = berth_json_dump_pretty(all);
	printf("%s\n", s);
	return ret;
}

static int volume_rm(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool force = false;
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "-f") == 0 || strcmp(argv[first], "--force") == 0)
			force = true;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[first]);
	}
	if (first >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	int ret = 0;
	for (int i = first; i < argc; i++) {
		struct berth_error *e = NULL;
		int r = berth_volume_remove(cli->root, argv[i], force, &e);
		if (r < 0 && !(force && r == -ENOENT)) {
			fprintf(stderr, "berth: %s\n", berth_error_msg(e));
			ret = 1;
		} else if (r >= 0) {
			printf("%s\n", argv[i]);
		}
		berth_error_free(&e);
	}
	return ret;
}

static int volume_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-f") != 0 && strcmp(argv[i], "--force") != 0 &&
		    strcmp(argv[i], "-a") != 0 && strcmp(argv[i], "--all") != 0)
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	_cleanup_strv_free_ char **removed = NULL;
	int r = berth_volume_prune(cli->root, &removed, err);
	if (r < 0)
		return r;
	if (removed) {
		printf("Deleted Volumes:\n");
		BERTH_STRV_FOREACH (v, removed)
			printf("%s\n", *v);
		printf("\n");
	}
	printf("Total reclaimed space: %zu volume(s)\n", berth_strv_len(removed));
	return 0;
}

int cmd_volume(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(volume_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "create") == 0)
		return volume_create(cli, argc - 1, argv + 1, err);
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return volume_ls(cli, argc - 1, argv + 1, err);
	if (strcmp(sub, "inspect") == 0)
		return volume_inspect(cli, argc - 1, argv + 1, err);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
		return volume_rm(cli, argc - 1, argv + 1, err);
	if (strcmp(sub, "prune") == 0)
		return volume_prune(cli, argc - 1, argv + 1, err);
	return cli_usage_error(cli, err, "unknown command 'volume %s'", sub);
}
