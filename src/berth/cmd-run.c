/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cli.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "core/units.h"

static const char run_usage[] =
	"Usage: berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
	"       berth run [OPTIONS] --rootfs DIR COMMAND [ARG...]\n\n"
	"Create and run a new container\n\n"
	"Options:\n"
	"      --rootfs DIR          run on an unpacked rootfs directory (left unmodified:\n"
	"                            the container writes to an overlay upper dir)\n"
	"  -d, --detach              run in the background and print the container id\n"
	"  -i, --interactive         keep stdin attached\n"
	"  -t, --tty                 allocate a pseudo-terminal\n"
	"  -e, --env K=V|K           set an environment variable (K alone: from ours)\n"
	"      --env-file FILE       read K=V lines\n"
	"  -u, --user USER[:GROUP]   name, uid, uid:gid or name:group\n"
	"  -w, --workdir DIR         working directory inside the container\n"
	"  -h, --hostname NAME       hostname (default: the short container id)\n"
	"      --name NAME           container name\n"
	"      --rm                  remove the container when it exits\n"
	"      --entrypoint CMD      override the image's ENTRYPOINT ('' clears it)\n"
	"  -v, --volume SPEC         /host:/ctr[:ro], name:/ctr[:ro] or /ctr\n"
	"      --mount SPEC          type=bind|volume|tmpfs,source=..,target=..[,readonly]\n"
	"      --tmpfs PATH[:OPTS]   mount a tmpfs\n"
	"      --read-only           mount the root filesystem read-only\n"
	"      --init                run a built-in init as PID 1\n"
	"      --network host|none   network namespace (default host)\n"
	"      --cap-add CAP         add a capability\n"
	"      --cap-drop CAP        drop a capability\n"
	"      --privileged          all capabilities, no seccomp, no masked paths\n"
	"      --device H[:C][:P]    add host device H (as C; permissions P of rwm)\n"
	"      --security-opt OPT    seccomp=unconfined|PROFILE.json,\n"
	"                            no-new-privileges[=true|false] (default false)\n"
	"  -m, --memory BYTES        memory limit (e.g. 32m)\n"
	"      --cpus N              CPU quota (e.g. 0.5)\n"
	"      --pids-limit N        process limit\n"
	"      --ulimit NAME=S[:H]   resource limit (e.g. nofile=1024:2048)\n"
	"      --stop-signal SIG     signal to stop the container\n"
	"      --restart POLICY      no, on-failure[:N], always\n";

enum {
	OPT_ROOTFS = 256,
	OPT_ENV_FILE,
	OPT_NAME,
	OPT_RM,
	OPT_ENTRYPOINT,
	OPT_MOUNT,
	OPT_TMPFS,
	OPT_READ_ONLY,
	OPT_INIT,
	OPT_NETWORK,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_PRIVILEGED,
	OPT_DEVICE,
	OPT_SECURITY_OPT,
	OPT_CPUS,
	OPT_PIDS_LIMIT,
	OPT_ULIMIT,
	OPT_STOP_SIGNAL,
	OPT_RESTART,
};

/* Docker's run flags berth does not have yet: refused as such, not as unknown. */
static const char *const run_unsupported[] = {
	"-p",
	"--publish",
	"-P",
	"--publish-all",
	"--expose",
	"-l",
	"--label",
	"--label-file",
	"-a",
	"--attach",
	"--add-host",
	"--dns",
	"--dns-search",
	"--dns-option",
	"--platform",
	"--pull",
	"--cidfile",
	"--ipc",
	"--pid",
	"--uts",
	"--userns",
	"--group-add",
	"--shm-size",
	"--sysctl",
	"--gpus",
	"-c",
	"--cpu-shares",
	"--cpuset-cpus",
	"--memory-swap",
	"--link",
	"--ip",
	"--mac-address",
	"--log-driver",
	"--log-opt",
	"--health-cmd",
	"--no-healthcheck",
	"--detach-keys",
	"--cgroupns",
	"--cgroup-parent",
	"--runtime",
	"--annotation",
	"--blkio-weight",
	"--blkio-weight-device",
	"--cpu-count",
	"--cpu-percent",
	"--cpu-period",
	"--cpu-quota",
	"--cpu-rt-period",
	"--cpu-rt-runtime",
	"--cpuset-mems",
	"--device-cgroup-rule",
	"--device-read-bps",
	"--device-read-iops",
	"--device-write-bps",
	"--device-write-iops",
	"--disable-content-trust",
	"--domainname",
	"--health-interval",
	"--health-retries",
	"--health-start-interval",
	"--health-start-period",
	"--health-timeout",
	"--io-maxbandwidth",
	"--io-maxiops",
	"--ip6",
	"--isolation",
	"--kernel-memory",
	"--link-local-ip",
	"--memory-reservation",
	"--memory-swappiness",
	"--network-alias",
	"--oom-kill-disable",
	"--oom-score-adj",
	"-q",
	"--quiet",
	"--sig-proxy",
	"--stop-timeout",
	"--storage-opt",
	"--use-api-socket",
	"--volume-driver",
	"--volumes-from",
	NULL,
};

/* -e K=V as given; -e K takes K from berth's own environment, or nothing when unset. */
static void push_env_flag(char ***env, const char *arg)
{
	if (strchr(arg, '=')) {
		berth_strv_push(env, arg);
		return;
	}
	const char *v = getenv(arg);
	if (v)
		berth_strv_consume(env, berth_xasprintf("%s=%s", arg, v));
}

static int read_env_file(const char *path, char ***env, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "env file '%s'", path);
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!*line || *line == '#')
			continue;
		if (strchr(line, '=')) {
			berth_strv_push(env, line);
		} else {
			const char *v = getenv(line);
			if (v)
				berth_strv_consume(env, berth_xasprintf("%s=%s", line, v));
		}
	}
	return 0;
}

static int parse_long(const char *s, long long *ret)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cmd_run(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"detach", no_argument, NULL, 'd'},
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"env", required_argument, NULL, 'e'},
		{"env-file", required_argument, NULL, OPT_ENV_FILE},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{"hostname", required_argument, NULL, 'h'},
		{"name", required_argument, NULL, OPT_NAME},
		{"rm", no_argument, NULL, OPT_RM},
		{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
		{"volume", required_argument, NULL, 'v'},
		{"mount", required_argument, NULL, OPT_MOUNT},
		{"tmpfs", required_argument, NULL, OPT_TMPFS},
		{"read-only", no_argument, NULL, OPT_READ_ONLY},
		{"init", no_argument, NULL, OPT_INIT},
		{"network", required_argument, NULL, OPT_NETWORK},
		{"net", required_argument, NULL, OPT_NETWORK},
		{"cap-add", required_argument, NULL, OPT_CAP_ADD},
		{"cap-drop", required_argument, NULL, OPT_CAP_DROP},
		{"privileged", no_argument, NULL, OPT_PRIVILEGED},
		{"device", required_argument, NULL, OPT_DEVICE},
		{"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
		{"memory", required_argument, NULL, 'm'},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
		{"ulimit", required_argument, NULL, OPT_ULIMIT},
		{"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
		{"restart", required_argument, NULL, OPT_RESTART},
		{0},
	};
	/* "+": the first operand is the image, what follows is the container's */
	struct cli_flags f = {.usage = run_usage,
			      .shortopts = "+dite:u:w:h:v:m:",
			      .longopts = opts,
			      .unsupported = run_unsupported};
	struct berth_run_options o;
	_cleanup_strv_free_ char **env = NULL, **volumes = NULL, **mounts = NULL, **tmpfs = NULL,
				 **cap_add = NULL, **cap_drop = NULL, **secopts = NULL,
				 **ulimits = NULL, **devices = NULL, **cmd = NULL;
	_cleanup_(berth_container_image_release) struct berth_container_image img = {0};
	int c, r;

	berth_run_options_init(&o);
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case OPT_ROOTFS:
			o.rootfs = optarg;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'i':
			o.interactive = true;
			break;
		case 't':
			o.tty = true;
			break;
		case 'e':
			push_env_flag(&env, optarg);
			break;
		case OPT_ENV_FILE:
			r = read_env_file(optarg, &env, err);
			if (r < 0)
				goto fail;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'w':
			o.workdir = optarg;
			break;
		case 'h':
			o.hostname = optarg;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case OPT_RM:
			o.rm = true;
			break;
		case OPT_ENTRYPOINT:
			o.entrypoint = optarg;
			break;
		case 'v':
			berth_strv_push(&volumes, optarg);
			break;
		case OPT_MOUNT:
			berth_strv_push(&mounts, optarg);
			break;
		case OPT_TMPFS:
			berth_strv_push(&tmpfs, optarg);
			break;
		case OPT_READ_ONLY:
			o.read_only = true;
			break;
		case OPT_INIT:
			o.init = true;
			break;
		case OPT_NETWORK:
			o.network = optarg;
			break;
		case OPT_CAP_ADD:
			berth_strv_push(&cap_add, optarg);
			break;
		case OPT_CAP_DROP:
			berth_strv_push(&cap_drop, optarg);
			break;
		case OPT_PRIVILEGED:
			o.privileged = true;
			break;
		case OPT_SECURITY_OPT:
			berth_strv_push(&secopts, optarg);
			break;
		case 'm':
			r = berth_parse_bytes(optarg, &o.memory, err);
			if (r < 0)
				goto fail;
			if (o.memory < 6 * 1024 * 1024) {
				cli_usage_error(cli, err, "minimum memory limit allowed is 6MB");
				goto fail;
			}
			break;
		case OPT_CPUS: {
			char *end = NULL;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v > 0) || v > 4096) {
				cli_usage_error(cli, err, "invalid --cpus '%s'", optarg);
				goto fail;
			}
			o.nano_cpus = (int64_t)(v * 1e9 + 0.5);
			break;
		}
		case OPT_PIDS_LIMIT: {
			long long v;
			if (parse_long(optarg, &v) < 0) {
				cli_usage_error(cli, err, "invalid --pids-limit '%s'", optarg);
				goto fail;
			}
			o.pids_limit = v <= 0 ? -1 : v;
			break;
		}
		case OPT_ULIMIT:
			berth_strv_push(&ulimits, optarg);
			break;
		case OPT_DEVICE:
			berth_strv_push(&devices, optarg);
			break;
		case OPT_STOP_SIGNAL:
			o.stop_signal = optarg;
			break;
		case OPT_RESTART:
			o.restart = optarg;
			break;
		}
	}
	if (f.help)
		return 0;
	if (c < 0)
		goto fail; /* *err says which flag */
	o.env = env;
	o.volumes = volumes;
	o.mounts = mounts;
	o.tmpfs = tmpfs;
	o.cap_add = cap_add;
	o.cap_drop = cap_drop;
	o.security_opts = secopts;
	o.ulimits = ulimits;
	o.devices = devices;
	if (!o.rootfs) {
		if (optind >= argc) {
			cli_usage_error(cli, err, "requires at least 1 argument");
			goto fail;
		}
		r = berth_container_image_load(cli->root, argv[optind], &img, err);
		if (r < 0)
			goto fail;
		o.image = &img;
		optind++;
	}
	for (int i = optind; i < argc; i++)
		berth_strv_push(&cmd, argv[i]);
	o.cmd = cmd;
	if (o.tty && !isatty(STDIN_FILENO) && o.interactive) {
		berth_error_set(err, EINVAL, "the input device is not a TTY");
		goto fail;
	}

	struct berth_run_result res;
	r = berth_container_run(cli->root, &o, &res, err);
	if (r >= 0 && o.detach) {
		printf("%s\n", res.id);
		return 0;
	}
	if (r >= 0) {
		fflush(stdout);
		return res.exit_code;
	}
	if (res.exec_errno) {
		/* Docker: 127 when the command is not found, 126 when it cannot run */
		fprintf(stderr, "berth: %s\n", berth_error_msg(*err));
		return res.exec_errno == ENOENT ? 127 : 126;
	}
fail:
	/* every failure of berth itself in `run` is 125, as Docker's */
	fprintf(stderr, "berth: %s\n", berth_error_msg(*err));
	return 125;
}

static const char exec_usage[] =
	"Usage: berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
	"Run a command in a running container (its namespaces, cgroup, capabilities,\n"
	"seccomp profile and rlimits); exits with the command's exit code.\n\n"
	"Options:\n"
	"  -d, --detach              run the command in the background\n"
	"  -i, --interactive         keep stdin attached\n"
	"  -t, --tty                 allocate a pseudo-terminal\n"
	"  -u, --user USER[:GROUP]   run as this user (the container's /etc/passwd)\n"
	"  -w, --workdir DIR         working directory inside the container\n"
	"  -e, --env K=V|K           set an environment variable (K alone: from ours)\n"
	"      --env-file FILE       read K=V lines\n"
	"      --privileged          give the command every capability\n";

int cmd_exec(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"env", required_argument, NULL, 'e'},
		{"env-file", required_argument, NULL, OPT_ENV_FILE},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{"privileged", no_argument, NULL, OPT_PRIVILEGED},
		{0},
	};
	static const char *const unsupported[] = {"--detach-keys", NULL};
	/* "+": the first operand is the container, what follows is the command's */
	struct cli_flags f = {.usage = exec_usage,
			      .shortopts = "+dite:u:w:",
			      .longopts = opts,
			      .unsupported = unsupported};
	struct berth_exec_options o = {0};
	_cleanup_strv_free_ char **env = NULL, **cmd = NULL;
	int c, r;

	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'd':
			o.detach = true;
			break;
		case 'i':
			o.interactive = true;
			break;
		case 't':
			o.tty = true;
			break;
		case 'e':
			push_env_flag(&env, optarg);
			break;
		case OPT_ENV_FILE:
			r = read_env_file(optarg, &env, err);
			if (r < 0)
				return r;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'w':
			o.workdir = optarg;
			break;
		case OPT_PRIVILEGED:
			o.privileged = true;
			break;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind < 2)
		return cli_usage_error(cli, err, "requires at least 2 arguments");
	const char *what = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		berth_strv_push(&cmd, argv[i]);
	o.cmd = cmd;
	o.env = env;
	if (o.tty && o.interactive && !isatty(STDIN_FILENO))
		return berth_error_set(err, EINVAL, "the input device is not a TTY");

	struct berth_run_result res;
	r = berth_container_exec(cli->root, what, &o, &res, err);
	if (r >= 0) {
		fflush(stdout);
		return o.detach ? 0 : res.exit_code;
	}
	if (res.exec_errno) {
		/* Docker: 127 when the command is not found, 126 when it cannot run */
		fprintf(stderr, "berth: %s\n", berth_error_msg(*err));
		return res.exec_errno == ENOENT ? 127 : 126;
	}
	return r;
}
