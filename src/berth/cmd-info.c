/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version and info. berth has no daemon: the engine runs in the berth
 * process, so the "Server" Docker's scripts read ({{.Server.Version}}) is
 * the same binary as the "Client", and info's counts are read from the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/progress.h"
#include "image/image.h"
#include "runtime/runtime.h"
#include "store/store.h"

/* Go's GOARCH of the machine uname reports (Docker prints Go's names). */
static const char *go_arch(const char *machine)
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

/* The Client and Server objects of `docker version`'s --format. */
static json_t *version_json(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	const char *arch = go_arch(u.machine);
	json_t *engine = json_pack("{s:s, s:s}", "Name", "Engine", "Version", BERTH_VERSION);
	return json_pack(
		"{s:{s:{s:s}, s:s, s:s, s:s, s:s}, s:{s:{s:s}, s:[o], s:s, s:s, s:s, s:s}}",
		"Client", "Platform", "Name", "berth", "Version", BERTH_VERSION, "Os", "linux",
		"Arch", arch, "Context", "default", "Server", "Platform", "Name",
		"berth (daemonless)", "Components", engine, "Version", BERTH_VERSION, "Os", "linux",
		"Arch", arch, "KernelVersion", u.release);
}

static const char version_usage[] =
	"Usage:  berth version [OPTIONS]\n\n"
	"Show the berth version information\n\n"
	"Options:\n"
	"  -f, --format string   Format output: json or a Go template ({{.Client.Version}})\n";

int cmd_version(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	const char *format;
	bool help;
	int c = cli_format_flag_only(cli, version_usage, NULL, argc, argv, &format, &help, err);
	if (c < 0 || help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	_cleanup_json_ json_t *v = version_json();
	if (format && *format) {
		_cleanup_json_ json_t *one = json_pack("[O]", v);
		return cli_format_inspect(format, one, err);
	}
	json_t *cl = json_object_get(v, "Client"), *sv = json_object_get(v, "Server");
	/* Docker's template through tabwriter(minwidth 20, padding 1) */
	printf("Client:\n");
	printf("%-20s%s\n", " Version:", BERTH_VERSION);
	printf("%-20s%s/%s\n", " OS/Arch:", "linux",
	       json_string_value(json_object_get(cl, "Arch")));
	printf("%-20s%s\n\n", " Context:", "default");
	printf("Server: %s\n", "berth (daemonless: the engine runs in each berth process)");
	printf(" Engine:\n");
	printf("%-20s%s\n", "  Version:", BERTH_VERSION);
	printf("%-20s%s/%s\n", "  OS/Arch:", "linux",
	       json_string_value(json_object_get(sv, "Arch")));
	printf("%-20s%s\n",
	       "  Kernel Version:", json_string_value(json_object_get(sv, "KernelVersion")));
	return 0;
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

static int info_json(struct berth_cli *cli, json_t **ret, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *list = NULL;
	r = berth_container_list(cli->store, &list, err);
	if (r < 0)
		return r;
	json_int_t running = 0, paused = 0;
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		json_t *s = json_object_get(c, "State");
		paused += json_is_true(json_object_get(s, "Paused"));
		running += json_is_true(json_object_get(s, "Running")) &&
			   !json_is_true(json_object_get(s, "Paused"));
	}
	_cleanup_(berth_image_list_freep) struct berth_image_list *images = NULL;
	r = berth_image_list(cli->store, &images, err);
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
			 "MemTotal", (json_int_t)mem, "DockerRootDir", cli->root, "Name",
			 u.nodename, "ServerVersion", BERTH_VERSION, "OSVersion", "", "Debug",
			 cli->log_level == BERTH_LOG_DEBUG);
	return 0;
}

static const char info_usage[] =
	"Usage:  berth info [OPTIONS]\n\n"
	"Display system-wide information\n\n"
	"Options:\n"
	"  -f, --format string   Format output: json or a Go template ({{.Containers}})\n";

int cmd_info(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	const char *format;
	bool help;
	int c = cli_format_flag_only(cli, info_usage, NULL, argc, argv, &format, &help, err);
	if (c < 0 || help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	_cleanup_json_ json_t *v = NULL;
	int r = info_json(cli, &v, err);
	if (r < 0)
		return r;
	if (format && *format) {
		_cleanup_json_ json_t *one = json_pack("[O]", v);
		return cli_format_inspect(format, one, err);
	}
#define I(k) ((long long)json_integer_value(json_object_get(v, k)))
#define S(k) json_string_value(json_object_get(v, k))
	char mem[16];
	printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: %s\n\n", BERTH_VERSION,
	       json_is_true(json_object_get(v, "Debug")) ? "true" : "false");
	printf("Server:\n");
	printf(" Containers: %lld\n  Running: %lld\n  Paused: %lld\n  Stopped: %lld\n",
	       I("Containers"), I("ContainersRunning"), I("ContainersPaused"),
	       I("ContainersStopped"));
	printf(" Images: %lld\n", I("Images"));
	printf(" Server Version: %s\n", S("ServerVersion"));
	printf(" Storage Driver: %s\n", S("Driver"));
	printf(" Logging Driver: %s\n", S("LoggingDriver"));
	printf(" Cgroup Driver: %s\n", S("CgroupDriver"));
	printf(" Cgroup Version: %s\n", S("CgroupVersion"));
	printf(" Kernel Version: %s\n", S("KernelVersion"));
	printf(" Operating System: %s\n", S("OperatingSystem"));
	printf(" OSType: %s\n", S("OSType"));
	printf(" Architecture: %s\n", S("Architecture"));
	printf(" CPUs: %lld\n", I("NCPU"));
	printf(" Total Memory: %s\n", berth_format_size_binary((uint64_t)I("MemTotal"), mem));
	printf(" Name: %s\n", S("Name"));
	printf(" Berth Root Dir: %s\n", S("DockerRootDir"));
#undef I
#undef S
	return 0;
}
