/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test driver of network/nat.h for tests/e2e/nat.bats (run only inside a
 * network namespace of the test's own):
 *   nat-tool bridge BRIDGE CIDR [internal]   berth_net_nat_setup
 *   nat-tool unbridge BRIDGE                 berth_net_nat_teardown
 *   nat-tool publish OWNER CONTAINER_IP SPEC berth_net_nat_ports_add (SPEC as -p, host port set)
 *   nat-tool unpublish OWNER                 berth_net_nat_ports_remove
 * Exit 0, or 1 with "nat-tool: <message>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network.h"

static int publish(const char *owner, const char *ip, const char *spec, struct berth_error **err)
{
	struct berth_port_map *maps = NULL;
	size_t n = 0;
	int r = berth_port_spec_parse(spec, &maps, &n, err);
	if (r == 0)
		r = berth_net_nat_ports_add(owner, ip, maps, n, true, err);
	free(maps);
	return r;
}

int main(int argc, char **argv)
{
	struct berth_error *err = NULL;
	int r = -1;
	const char *verb = argc > 1 ? argv[1] : "";
	if (strcmp(verb, "bridge") == 0 && (argc == 4 || argc == 5))
		r = berth_net_nat_setup(argv[2], argv[3],
					argc == 5 && strcmp(argv[4], "internal") == 0, &err);
	else if (strcmp(verb, "unbridge") == 0 && argc == 3)
		r = berth_net_nat_teardown(argv[2], &err);
	else if (strcmp(verb, "publish") == 0 && argc == 5)
		r = publish(argv[2], argv[3], argv[4], &err);
	else if (strcmp(verb, "unpublish") == 0 && argc == 3)
		r = berth_net_nat_ports_remove(argv[2], &err);
	else {
		fprintf(stderr, "usage: nat-tool bridge|unbridge|publish|unpublish ...\n");
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "nat-tool: %s\n", berth_error_msg(err));
		berth_error_free(&err);
		return 1;
	}
	return 0;
}
