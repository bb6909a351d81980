/* SPDX-License-Identifier: Apache-2.0 */
/* berth network create|ls|inspect|rm|prune|connect|disconnect, as Docker's. */
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
#include "core/strv.h"
#include "network/network.h"

static const char create_usage[] =
	"Usage:  berth network create [OPTIONS] NETWORK\n\n"
	"Create a network\n\n"
	"Options:\n"
	"  -d, --driver string    Driver to manage the Network (only \"bridge\")\n"
	"      --gateway string   IPv4 Gateway for the master subnet\n"
	"      --internal         Restrict external access to the network\n"
	"      --label list       Set metadata on a network\n"
	"      --subnet string    Subnet in CIDR format that represents a network segment\n";

enum {
	OPT_GATEWAY = 256,
	OPT_INTERNAL,
	OPT_LABEL,
	OPT_SUBNET,
	OPT_ALIAS,
	OPT_IP
};

int cmd_network_create(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"driver", required_argument, NULL, 'd'},
		{"gateway", required_argument, NULL, OPT_GATEWAY},
		{"internal", no_argument, NULL, OPT_INTERNAL},
		{"label", required_argument, NULL, OPT_LABEL},
		{"subnet", required_argument, NULL, OPT_SUBNET},
		{0},
	};
	static const char *const unsupported[] = {"--attachable",
						  "--aux-address",
						  "--config-from",
						  "--config-only",
						  "--ingress",
						  "--ip-range",
						  "--ipam-driver",
						  "--ipam-opt",
						  "--ipv6",
						  "-o",
						  "--opt",
						  "--scope",
						  NULL};
	struct cli_flags f = {.usage = create_usage,
			      .shortopts = "d:",
			      .longopts = opts,
			      .unsupported = unsupported};
	struct berth_network_create_options o = {0};
	_cleanup_strv_free_ char **labels = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'd':
			o.driver = optarg;
			break;
		case OPT_GATEWAY:
			o.gateway = optarg;
			break;
		case OPT_INTERNAL:
			o.internal = true;
			break;
		case OPT_LABEL:
			berth_strv_push(&labels, optarg);
			break;
		case OPT_SUBNET:
			o.subnet = optarg;
			break;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
	o.name = argv[optind];
	o.labels = labels;
	struct berth_network n;
	int r = berth_network_create(cli->root, &o, &n, err);
	if (r < 0)
		return r;
	printf("%s\n", n.id);
	berth_network_release(&n);
	return 0;
}

static json_t *network_row(const struct berth_network *n)
{
	char short_id[13];
	snprintf(short_id, sizeof(short_id), "%.12s", n->id);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", short_id, "Name", n->name,
			 "Driver", n->driver, "Scope", "local", "IPv6", "false", "Internal",
			 n->internal ? "true" : "false", "CreatedAt", n->created ? n->created : "");
}

/* --filter name=X|id=X|driver=X (Docker's name and id filters match substrings/prefixes). */
static bool network_matches(const struct berth_network *n, char *const *filters)
{
	BERTH_STRV_FOREACH (f, filters) {
		const char *eq = strchr(*f, '=');
		const char *v = eq + 1;
		if (strncmp(*f, "name=", 5) == 0 && !strstr(n->name, v))
			return false;
		if (strncmp(*f, "id=", 3) == 0 && strncmp(n->id, v, strlen(v)) != 0)
			return false;
		if (strncmp(*f, "driver=", 7) == 0 && strcmp(n->driver, v) != 0)
			return false;
		bool builtin = strcmp(n->name, "bridge") == 0 || strcmp(n->name, "host") == 0 ||
			       strcmp(n->name, "none") == 0;
		if (strncmp(*f, "type=", 5) == 0 && (strcmp(v, "custom") == 0) == builtin)
			return false;
	}
	return true;
}

static const char ls_usage[] =
	"Usage:  berth network ls [OPTIONS]\n\n"
	"List networks\n\n"
	"Options:\n"
	"  -f, --filter filter   Provide filter values (name=, id=, driver=, type=custom|builtin)\n"
	"      --format string   Format output: table (default), json or a Go template\n"
	"      --no-trunc        Do not truncate the output\n"
	"  -q, --quiet           Only display network IDs\n";

int cmd_network_ls(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"filter", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'F'},
		{"no-trunc", no_argument, NULL, 'T'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct cli_flags f = {.usage = ls_usage, .shortopts = "f:q", .longopts = opts};
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'q') {
			quiet = true;
		} else if (c == 'T') {
			no_trunc = true;
		} else if (c == 'F') {
			format = optarg;
		} else {
			static const char *const keys[] = {"name=", "id=", "driver=", "type="};
			bool ok = false;
			for (size_t i = 0; i < ELEMENTSOF(keys); i++)
				ok = ok || strncmp(optarg, keys[i], strlen(keys[i])) == 0;
			if (!ok)
				return cli_usage_error(cli, err, "invalid filter '%s'", optarg);
			berth_strv_push(&filters, optarg);
		}
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	struct berth_network *nets = NULL;
	size_t n = 0;
	int r = berth_network_list(cli->root, &nets, &n, err);
	if (r < 0)
		return r;
	bool custom = format && *format && strcmp(format, "table") != 0;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	if (custom)
		r = cli_format_init(&fmt, format, err);
	else if (!quiet)
		printf("%-12s   %-20s %-10s %s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!network_matches(&nets[i], filters))
			continue;
		if (custom) {
			_cleanup_json_ json_t *row = network_row(&nets[i]);
			r = cli_format_row(&fmt, row, err);
		} else if (quiet) {
			printf("%.*s\n", no_trunc ? 64 : 12, nets[i].id);
		} else {
			printf("%-12.*s   %-20s %-10s %s\n", no_trunc ? 64 : 12, nets[i].id,
			       nets[i].name, nets[i].driver, "local");
		}
	}
	if (custom && r >= 0) {
		_cleanup_json_ json_t *titles =
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "NETWORK ID", "Name",
				  "NAME", "Driver", "DRIVER", "Scope", "SCOPE", "IPv6", "IPV6",
				  "Internal", "INTERNAL", "CreatedAt", "CREATED AT");
		r = cli_format_flush(&fmt, titles, err);
	}
	for (size_t i = 0; i < n; i++)
		berth_network_release(&nets[i]);
	free(nets);
	return r < 0 ? r : 0;
}

static const char inspect_usage[] =
	"Usage:  berth network inspect [OPTIONS] NETWORK [NETWORK...]\n\n"
	"Display detailed information on one or more networks\n\n"
	"Options:\n"
	"  -f, --format string   Format output: json (default) or a Go template\n";

int cmd_network_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {"-v", "--verbose", NULL};
	return cli_inspect_command(cli, inspect_usage, "network", unsupported, argc, argv, err);
}

static const char rm_usage[] = "Usage:  berth network rm NETWORK [NETWORK...]\n\n"
			       "Remove one or more networks\n\n"
			       "Options:\n"
			       "  -f, --force   Do not error if the network does not exist\n";

int cmd_network_rm(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
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
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		struct berth_error *e = NULL;
		int r = berth_network_remove(cli->root, argv[i], &e);
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

static const char prune_usage[] = "Usage:  berth network prune [OPTIONS]\n\n"
				  "Remove all unused networks\n\n"
				  "Options:\n"
				  "  -f, --force   Do not prompt for confirmation\n";

static const char *network_prune_warning(bool all)
{
	(void)all;
	return "WARNING! This will remove all custom networks not used by at least one "
	       "container.\nAre you sure you want to continue?";
}

int cmd_network_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool all;
	int r = cli_prune_flags(cli, prune_usage, false, network_prune_warning, argc, argv, &all,
				err);
	if (r != 0)
		return r < 0 ? r : 0;
	_cleanup_strv_free_ char **removed = NULL;
	r = berth_network_prune(cli->root, &removed, err);
	if (r < 0)
		return r;
	/* Docker prints no reclaimed space for networks */
	if (removed && removed[0]) {
		printf("Deleted Networks:\n");
		BERTH_STRV_FOREACH (n, removed)
			printf("%s\n", *n);
	}
	return 0;
}

static const char connect_usage[] =
	"Usage:  berth network connect [OPTIONS] NETWORK CONTAINER\n\n"
	"Connect a container to a network\n\n"
	"Options:\n"
	"      --alias strings   Add network-scoped alias for the container\n"
	"      --ip string       IPv4 address (e.g., \"172.30.100.104\")\n";

int cmd_network_connect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"alias", required_argument, NULL, OPT_ALIAS},
		{"ip", required_argument, NULL, OPT_IP},
		{0},
	};
	static const char *const unsupported[] = {"--driver-opt", "--ip6", "--link",
						  "--link-local-ip", NULL};
	struct cli_flags f = {.usage = connect_usage,
			      .shortopts = "",
			      .longopts = opts,
			      .unsupported = unsupported};
	_cleanup_strv_free_ char **aliases = NULL;
	const char *ip = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == OPT_ALIAS)
			berth_strv_push(&aliases, optarg);
		else
			ip = optarg;
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "requires exactly 2 arguments");
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_network_connect(cli->store, argv[optind + 1], argv[optind], aliases,
					       ip, err);
}

static const char disconnect_usage[] =
	"Usage:  berth network disconnect [OPTIONS] NETWORK CONTAINER\n\n"
	"Disconnect a container from a network\n";

int cmd_network_disconnect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {"-f", "--force", NULL};
	bool help;
	int r = cli_no_flags(cli, disconnect_usage, unsupported, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "requires exactly 2 arguments");
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_network_disconnect(cli->store, argv[optind + 1], argv[optind], err);
}
