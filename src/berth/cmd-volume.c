/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "berth/prune.h"
#include "container/container.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"

static const char volume_usage[] =
	"Usage: berth volume COMMAND\n\n"
	"Manage volumes\n\n"
	"Commands:\n"
	"  create [NAME]          Create a volume\n"
	"  ls [-q] [--format F]   List volumes\n"
	"  inspect [-f F] NAME... Display detailed information on volumes\n"
	"  rm [-f] NAME...        Remove one or more volumes\n"
	"  prune [-a] [-f]        Remove anonymous (-a: all) volumes no container uses\n";

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

/* The volume formatter's fields (keys sorted, as Docker's JSON). */
static json_t *volume_row(const struct berth_volume *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability", "N/A", "Driver",
			 "local", "Group", "N/A", "Labels", "", "Links", "N/A", "Mountpoint",
			 v->mountpoint, "Name", v->name);
}

static int volume_ls_formatted(const char *format, struct berth_volume *v, size_t n,
			       struct berth_error **err)
{
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	int r = cli_format_init(&fmt, format, err);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_json_ json_t *row = volume_row(&v[i]);
		json_object_set_new(row, "Scope", json_string("local"));
		json_object_set_new(row, "Size", json_string("N/A"));
		json_object_set_new(row, "Status", json_string("N/A"));
		r = cli_format_row(&fmt, row, err);
	}
	if (r < 0)
		return r;
	_cleanup_json_ json_t *titles =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability",
			  "AVAILABILITY", "Driver", "DRIVER", "Group", "GROUP", "Labels", "LABELS",
			  "Links", "LINKS", "Mountpoint", "MOUNTPOINT", "Name", "VOLUME NAME",
			  "Scope", "SCOPE", "Size", "SIZE", "Status", "STATUS");
	return cli_format_flush(&fmt, titles, err);
}

static int volume_ls(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool quiet = false;
	const char *format = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			format = argv[i] + 9;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	struct berth_volume *v = NULL;
	size_t n = 0;
	int r = berth_volume_list(cli->root, &v, &n, err);
	if (r < 0)
		return r;
	/* as Docker's NewVolumeFormat, a custom format wins over -q */
	bool custom = format && *format && strcmp(format, "table") != 0;
	if (custom)
		r = volume_ls_formatted(format, v, n, err);
	else if (!quiet)
		printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
	for (size_t i = 0; i < n; i++) {
		if (quiet && !custom)
			printf("%s\n", v[i].name);
		else if (!custom)
			printf("%-10s %s\n", "local", v[i].name);
		berth_volume_release(&v[i]);
	}
	free(v);
	return r < 0 ? r : 0;
}

static int volume_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	const char *format = NULL;
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if ((strcmp(argv[first], "-f") == 0 || strcmp(argv[first], "--format") == 0) &&
		    first + 1 < argc)
			format = argv[++first];
		else if (strncmp(argv[first], "--format=", 9) == 0)
			format = argv[first] + 9;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[first]);
	}
	if (first >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	_cleanup_json_ json_t *all = json_array();
	int ret = 0;
	for (int i = first; i < argc; i++) {
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
	int r = cli_format_inspect(format, all, err);
	return r < 0 ? r : ret;
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

/* Docker's texts (cli/command/volume/prune.go) */
static const char *volume_prune_warning(bool all)
{
	return all ? "WARNING! This will remove all local volumes not used by at least one "
		     "container.\nAre you sure you want to continue?"
		   : "WARNING! This will remove anonymous local volumes not used by at least "
		     "one container.\nAre you sure you want to continue?";
}

static int volume_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool all = false, force = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
			all = true;
		else
			return cli_usage_error(cli, err, "unknown flag '%s'", argv[i]);
	}
	if (!force && !cli_confirm(volume_prune_warning(all)))
		return 0;
	_cleanup_strv_free_ char **removed = NULL;
	uint64_t bytes = 0;
	int r = berth_volume_prune(cli->root, all, &removed, &bytes, err);
	if (r < 0)
		return r;
	if (removed) {
		printf("Deleted Volumes:\n");
		BERTH_STRV_FOREACH(v, removed)
		printf("%s\n", *v);
		printf("\n");
	}
	char sz[32];
	printf("Total reclaimed space: %s\n", berth_format_size_prec(bytes, 4, sz));
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
