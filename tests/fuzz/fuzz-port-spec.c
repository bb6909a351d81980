/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-p` values come from users and from compose files others write: every
 * value must parse or fail with a message, and what parses must be in range
 * and consistent. Also fed to the exposed-port and --add-host parsers,
 * which share the same kind of input. Input: the value, up to 4 KiB.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "network/hosts.h"
#include "network/ports.h"

static void failed_well(int r, struct berth_error **err)
{
	if (r != -EINVAL || berth_error_code(*err) != EINVAL || !berth_error_msg(*err)[0])
		__builtin_trap();
	berth_error_free(err);
}

static void check_spec(const char *value)
{
	struct berth_error *err = NULL;
	_cleanup_free_ struct berth_port_map *maps = NULL;
	size_t n = 0;
	int r = berth_port_spec_parse(value, &maps, &n, &err);
	if (r < 0) {
		failed_well(r, &err);
		if (n != 0 || maps)
			__builtin_trap();
		return;
	}
	if (err || n == 0 || n > 65535)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		const struct berth_port_map *m = &maps[i];
		if (m->container_port == 0 || (m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP))
			__builtin_trap();
		if (memchr(m->host_ip, '\0', sizeof(m->host_ip)) == NULL)
			__builtin_trap();
		if (m->host_port_end && (n != 1 || m->host_port_end <= m->host_port))
			__builtin_trap();
		if (i > 0 && m->container_port != maps[i - 1].container_port + 1)
			__builtin_trap();
	}
}

static void check_exposed(const char *value)
{
	struct berth_error *err = NULL;
	struct berth_port_map m;
	int r = berth_port_exposed_parse(value, &m, &err);
	if (r < 0) {
		if (r != -EINVAL || !berth_error_msg(err)[0])
			__builtin_trap();
		berth_error_free(&err);
		return;
	}
	if (m.host_port || m.host_ip[0] || !m.container_port)
		__builtin_trap();
}

static void check_add_host(const char *value)
{
	struct berth_error *err = NULL;
	_cleanup_free_ char *name = NULL, *ip = NULL;
	int r = berth_net_add_host_parse(value, &name, &ip, &err);
	if (r < 0) {
		failed_well(r, &err);
		return;
	}
	/* what a hosts file gets can never add a line */
	if (strpbrk(name, " \t\n#") || strpbrk(ip, " \t\n#"))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	_cleanup_free_ char *value = berth_xstrndup((const char *)data, size);
	check_spec(value);
	check_exposed(value);
	check_add_host(value);
	return 0;
}
