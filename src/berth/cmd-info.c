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
#include "system/system.h"

/* The Client and Server objects of `docker version`'s --format. */
static json_t *version_json(void)
{
	json_t *server = berth_system_version();
	const char *arch = json_string_value(json_object_get(server, "Arch"));
	return json_pack("{s:{s:{s:s}, s:s, s:s, s:s, s:s}, s:o}", "Client", "Platform", "Name",
			 "berth", "Version", BERTH_VERSION, "Os", "linux", "Arch", arch, "Context",
			 "default", "Server", server);
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

static int info_json(struct berth_cli *cli, json_t **ret, struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_system_info(cli->store, cli->root, cli->log_level == BERTH_LOG_DEBUG, ret,
				 err);
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
