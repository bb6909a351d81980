/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `features` (runtime-spec features.md): what this runtime knows of a
 * config.json. The mount options and seccomp's lists are read from the
 * tables mount-options.c and seccomp.c parse with.
 */
#include "runtime/oci.h"

#include "core/json.h"
#include "core/strv.h"
#include "runtime/internal.h"

json_t *berth_oci_features(void)
{
	static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
						 "time",   "user", "uts",   NULL};
	char **caps = berth_runtime_bounding_capabilities();
	json_t *capabilities = berth_json_strv(caps);
	berth_strv_free(caps);
	json_t *linux = json_pack(
		"{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}}", "namespaces",
		berth_json_strv((char *const *)namespaces), "capabilities", capabilities, "cgroup",
		"v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0, "seccomp",
		berth_seccomp_features(), "apparmor", "enabled", 0, "selinux", "enabled", 0);
	json_t *hooks = json_array();
	for (int p = 0; p < BERTH_HOOK_POINTS; p++)
		json_array_append_new(hooks, json_string(berth_hook_point_name(p)));
	char **mount_options = berth_runtime_mount_option_names();
	json_t *mopts = berth_json_strv(mount_options);
	berth_strv_free(mount_options);
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "ociVersionMin", "1.0.0", "ociVersionMax",
			 "1.0.2", "hooks", hooks, "mountOptions", mopts, "linux", linux);
}
