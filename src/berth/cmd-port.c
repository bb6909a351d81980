/* SPDX-License-Identifier: Apache-2.0 */
/* berth port CONTAINER [PRIVATE_PORT[/PROTO]] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/cli.h"
#include "berth/net-opts.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "network/network.h"

static const char port_usage[] = "Usage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n"
				 "\n"
				 "List port mappings or a specific mapping for the container\n";

/*
 * The ports a container holds now: the allocations of network/ports.h under
 * <root>/networks (released when the container stops, so a stopped
 * container lists none, as with Docker).
 */
static int container_ports(const char *root, const char *id, struct berth_port_map **ret,
			   size_t *ret_n, struct berth_error **err)
{
	_cleanup_free_ char *dir = berth_xasprintf("%s/networks", root);
	return berth_net_ports_list(dir, id, ret, ret_n, err);
}

int cmd_port(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool help = false;
	int r = cli_no_flags(cli, port_usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err, "requires 1 or 2 arguments");
	const char *ctr = argv[optind];
	const char *filter = argc - optind == 2 ? argv[optind + 1] : NULL;
	_cleanup_free_ char *id = NULL;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_find(cli->store, ctr, &id, err);
	if (r < 0)
		return r;
	_cleanup_free_ struct berth_port_map *maps = NULL;
	size_t n = 0;
	r = container_ports(cli->root, id, &maps, &n, err);
	if (r < 0)
		return r;
	r = net_ports_print(stdout, maps, n, filter, ctr, err);
	return r < 0 ? r : 0;
}
