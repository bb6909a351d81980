/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `berth version` and `berth info` print and the API's /version and
 * /info answer: one model, in Docker's field names. berth has no daemon: the
 * "Server" is the library in the berth process (or `berth system service`),
 * and info's counts are read from the store.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "image/image.h"
#include "runtime/runtime.h"
#include "store/store.h"
#include "system/system.h"

const char *berth_system_go_arch(const char *machine)
{
	static const char *const map[][2] = {
		{"x86_64", "amd64"}, {"aarch64", "arm64"},   {"i686", "386"},
		{"armv7l", "arm"},   {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
	};
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (strcmp(machine, map[i][0]) == 0)
			return map[i][1];
	return machine;
}

json_t *berth_system_version(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	const char *arch = berth_system_go_arch(u.machine);
	json_t *details =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ApiVersion",
			  BERTH_API_VERSION, "Arch", arch, "BuildTime", "n/a", "Experimental",
			  "false", "GitCommit", "n/a", "GoVersion", "n/a", "KernelVersion",
			  u.release, "MinAPIVersion", BERTH_API_MIN_VERSION, "Os", "linux");
	json_t *engine = json_pack("{s:s, s:s, s:o}", "Name", "Engine", "Version", BERTH_VERSION,
				   "Details", details);
	return json_pack("{s:{s:s}, s:[o], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "Platform", "Name", "berth (daemonless)", "Components", engine, "Version",
			 BERTH_VERSION, "ApiVersion", BERTH_API_VERSION, "MinAPIVersion",
			 BERTH_API_MIN_VERSION, "GitCommit", "n/a", "GoVersion", "n/a", "Os",
			 "linux", "Arch", arch, "KernelVersion", u.release, "BuildTime", "n/a");
}

/* PRETTY_NAME of /etc/os-release, unquoted; "Linux" without one. */
static char *os_name(void)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	/* a link to ../usr/lib/os-release on most systems: the host's own file, followed */
	_cleanup_close_ int fd = open("/etc/os-release", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || berth_read_fd(fd, 1 << 16, &data, &len, NULL) < 0)
		return berth_xstrdup("Linux");
	const char *p = strstr(data, "PRETTY_NAME=");
	if (!p || (p != data && p[-1] != '\n'))
		return berth_xstrdup("Linux");
	p += 12;
	if (*p == '"')
		p++;
	size_t n = strcspn(p, "\"\n");
	return berth_xstrndup(p, n);
}

int berth_system_info(struct berth_store *s, const char *root, bool debug, json_t **ret,
		      struct berth_error **err)
{
	_cleanup_json_ json_t *list = NULL;
	int r = berth_container_list(s, &list, err);
	if (r < 0)
		return r;
	json_int_t running = 0, paused = 0;
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		json_t *st = json_object_get(c, "State");
		paused += json_is_true(json_object_get(st, "Paused"));
		running += json_is_true(json_object_get(st, "Running")) &&
			   !json_is_true(json_object_get(st, "Paused"));
	}
	_cleanup_(berth_image_list_freep) struct berth_image_list *images = NULL;
	r = berth_image_list(s, &images, err);
	if (r < 0)
		return r;
	/* Docker counts images, not tags */
	json_int_t n_images = 0;
	for (size_t k = 0; k < images->n; k++) {
		bool seen = false;
		for (size_t m = 0; m < k && !seen; m++)
			seen = berth_digest_eq(&images->items[m].id, &images->items[k].id);
		n_images += !seen;
	}
	enum berth_cgroup_layout layout = BERTH_CGROUP_V1;
	(void)berth_cgroup_detect(&layout, NULL);
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	struct sysinfo si;
	uint64_t mem = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
	_cleanup_free_ char *os = os_name();
	json_int_t total = (json_int_t)json_array_size(list);
	*ret = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
			 "s:i, s:I, s:s, s:s, s:s, s:s, s:b}",
			 "Containers", total, "ContainersRunning", running, "ContainersPaused",
			 paused, "ContainersStopped", total - running - paused, "Images", n_images,
			 "Driver", "overlay", "CgroupDriver", "cgroupfs", "CgroupVersion",
			 layout == BERTH_CGROUP_V2 ? "2" : "1", "KernelVersion", u.release,
			 "OperatingSystem", os, "OSType", "linux", "Architecture", u.machine,
			 "LoggingDriver", "json-file", "NCPU", (int)sysconf(_SC_NPROCESSORS_ONLN),
			 "MemTotal", (json_int_t)mem, "DockerRootDir", root, "Name", u.nodename,
			 "ServerVersion", BERTH_VERSION, "OSVersion", "", "Debug", debug);
	return 0;
}
