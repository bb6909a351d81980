/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "registry/internal.h"

/* The platform an index entry must match by default: the host's, as Docker names it. */

const char *berth_registry_host_platform(void)
{
	static char platform[64];
	if (platform[0])
		return platform;
	struct utsname u;
	const char *arch = "amd64", *variant = NULL;
	if (uname(&u) == 0) {
		if (strcmp(u.machine, "x86_64") == 0)
			arch = "amd64";
		else if (strcmp(u.machine, "aarch64") == 0)
			arch = "arm64", variant = "v8";
		else if (strncmp(u.machine, "armv7", 5) == 0)
			arch = "arm", variant = "v7";
		else if (strncmp(u.machine, "armv6", 5) == 0)
			arch = "arm", variant = "v6";
		else if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
			arch = "386";
		else if (strcmp(u.machine, "ppc64le") == 0)
			arch = "ppc64le";
		else if (strcmp(u.machine, "s390x") == 0)
			arch = "s390x";
		else if (strcmp(u.machine, "riscv64") == 0)
			arch = "riscv64";
	}
	snprintf(platform, sizeof(platform), "linux/%s%s%s", arch, variant ? "/" : "",
		 variant ? variant : "");
	return platform;
}
