/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "berth/inspect.h"
#include "berth/prune.h"
#include "container/container.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"

static const char create_usage[] = "Usage:  berth volume create [VOLUME]\n\n"
				   "Create a volume (a random name when VOLUME is omitted)\n";

int cmd_volume_create(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {"-d", "--driver", "--label", "-o", "--opt", NULL};
	bool help;
	int r = cli_no_flags(cli, create_usage, unsupported, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "at most 1 argument");
	struct berth_volume v = {0};
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_volume_create(cli->store, optind < argc ? argv[optind] : NULL, &v, NULL, err);
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

static const char ls_usage[] =
	"Usage:  berth volume ls [OPTIONS]\n\n"
	"List volumes\n\n"
	"Options:\n"
	"      --format string   Format output: table (default), json or a Go "
	"template\n"
	"  -q, --quiet           Only display volume names\n";

int cmd_volume_ls(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"format", required_argument, NULL, 'F'},
		{0},
	};
	static const char *const unsupported[] = {"-f", "--filter", NULL};
	struct cli_flags f = {
		.usage = ls_usage, .shortopts = "q", .longopts = opts, .unsupported = unsupported};
	bool quiet = false;
	const char *format = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'q')
			quiet = true;
		else
			format = optarg;
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	struct berth_volume *v = NULL;
	size_t n = 0;
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_volume_list(cli->store, &v, &n, err);
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

static const char inspect_usage[] =
	"Usage:  berth volume inspect [OPTIONS] VOLUME [VOLUME...]\n\n"
	"Display detailed information on one or more volumes\n\n"
	"Options:\n"
	"  -f, --format string   Format output: json (default) or a Go template\n";

int cmd_volume_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_inspect_command(cli, inspect_usage, "volume", NULL, argc, argv, err);
}

static const char rm_usage[] =
	"Usage:  berth volume rm [OPTIONS] VOLUME [VOLUME...]\n\n"
	"Remove one or more volumes\n\n"
	"Options:\n"
	"  -f, --force   Remove even when a container uses it; no error for a "
	"missing one\n";

int cmd_volume_rm(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{0},
	};
	struct cli_flags f = {.usage = rm_usage, .shortopts = "f", .longopts = opts};
	bool force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		force = true;
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		struct berth_error *e = NULL;
		r = berth_volume_remove(cli->store, argv[i], force, &e);
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

static const char prune_usage[] =
	"Usage:  berth volume prune [OPTIONS]\n\n"
	"Remove unused local volumes\n\n"
	"Options:\n"
	"  -a, --all     Remove all unused volumes, not just anonymous ones\n"
	"  -f, --force   Do not prompt for confirmation\n";

/* Docker's texts (cli/command/volume/prune.go) */
static const char *volume_prune_warning(bool all)
{
	return all ? "WARNING! This will remove all local volumes not used by at least one "
		     "container.\nAre you sure you want to continue?"
		   : "WARNING! This will remove anonymous local volumes not used by at least "
		     "one container.\nAre you sure you want to continue?";
}

int cmd_volume_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool all;
	int r = cli_prune_flags(cli, prune_usage, true, volume_prune_warning, argc, argv, &all,
				err);
	if (r != 0)
		return r < 0 ? r : 0;
	_cleanup_strv_free_ char **removed = NULL;
	uint64_t bytes = 0;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_volume_prune(cli->store, all, &removed, &bytes, err);
	if (r < 0)
		return r;
	cli_print_pruned("Volumes", removed, bytes);
	return 0;
}
