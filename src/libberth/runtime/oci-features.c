/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `features` (runtime-spec features.md): what this runtime knows of a
 * config.json. The lists name what spec.c, mount.c and seccomp.c accept;
 * a name added there is added here.
 */
#include "runtime/oci.h"

#include "core/strv.h"

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

json_t *berth_oci_features(void)
{
	static const char *const mount_options[] = {
		"async",       "bind",	  "dev",    "dirsync",	   "exec",  "noatime",	"nodev",
		"nodiratime",  "noexec",  "nosuid", "private",	   "rbind", "relatime", "ro",
		"rprivate",    "rshared", "rslave", "runbindable", "rw",    "shared",	"slave",
		"strictatime", "suid",	  "sync",   "unbindable",  NULL};
	static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
						 "time",   "user", "uts",   NULL};
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW",	 "SCMP_ACT_ERRNO",	 "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
		"SCMP_ACT_TRACE",	 "SCMP_ACT_TRAP",	 NULL};
	static const char *const operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
						"SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
						"SCMP_CMP_NE", NULL};
	static const char *const no_hooks[] = {NULL};
	char **caps = berth_runtime_bounding_capabilities();
	json_t *capabilities = caps ? strings((const char *const *)caps) : json_array();
	berth_strv_free(caps);
	json_t *linux =
		json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o}, s:{s:b}, s:{s:b}}",
			  "namespaces", strings(namespaces), "capabilities", capabilities, "cgroup",
			  "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0, "seccomp", "enabled", 1,
			  "actions", strings(actions), "operators", strings(operators), "apparmor",
			  "enabled", 0, "selinux", "enabled", 0);
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "ociVersionMin", "1.0.0", "ociVersionMax",
			 "1.0.2", "hooks", strings(no_hooks), "mountOptions",
			 strings(mount_options), "linux", linux);
}
