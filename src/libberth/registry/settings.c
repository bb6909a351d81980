/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "core/strv.h"
#include "registry/internal.h"

static struct berth_registry_settings settings;

void berth_registry_configure(const struct berth_registry_settings *s)
{
	settings = *s;
}

const struct berth_registry_settings *registry_settings(void)
{
	return &settings;
}

/*
 * Plain HTTP is allowed only for the loopback (as Docker does) and for
 * registries the user named: a registry reachable over the network gets TLS.
 */
bool registry_is_insecure(const char *domain)
{
	size_t hl;
	if (domain[0] == '[') {
		const char *close = strchr(domain, ']');
		hl = close ? (size_t)(close - domain) + 1 : strlen(domain);
	} else {
		hl = strcspn(domain, ":");
	}
	if ((hl == 9 && strncmp(domain, "localhost", 9) == 0) || strncmp(domain, "127.", 4) == 0 ||
	    strncmp(domain, "[::1]", 5) == 0)
		return true;
	BERTH_STRV_FOREACH (s, settings.insecure_registries) {
		if (strcmp(*s, domain) == 0 || (strlen(*s) == hl && strncmp(*s, domain, hl) == 0))
			return true;
	}
	return false;
}

const char *registry_api_host(const char *domain)
{
	if (strcmp(domain, "docker.io") == 0)
		return "registry-1.docker.io";
	return domain;
}
