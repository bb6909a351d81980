/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/net-opts.h"
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
	"      --domainname NAME     the container's NIS domain name (and host.NAME in hosts)\n"
	"      --name NAME           container name\n"
	"      --rm                  remove the container when it exits\n"
	"      --entrypoint CMD      override the image's ENTRYPOINT ('' clears it)\n"
	"  -v, --volume SPEC         /host:/ctr[:ro], name:/ctr[:ro] or /ctr\n"
	"      --mount SPEC          type=bind|volume|tmpfs,source=..,target=..[,readonly]\n"
	"      --tmpfs PATH[:OPTS]   mount a tmpfs\n"
	"      --read-only           mount the root filesystem read-only\n"
	"      --init                run a built-in init as PID 1\n"
	"      --network NET         bridge (default), host, none, container:NAME|ID or\n"
	"                            a network of `berth network create`\n"
	"      --ip ADDR             IPv4 address on a user network\n"
	"  -p, --publish SPEC        publish [IP:][HOST[-HOST]:]CTR[-CTR][/tcp|udp]\n"
	"  -P, --publish-all         publish every EXPOSEd port on an ephemeral host port\n"
	"      --add-host NAME:IP    an /etc/hosts entry (IP host-gateway: the host)\n"
	"      --dns IP              a nameserver of /etc/resolv.conf\n"
	"      --dns-search DOMAIN   a search domain ('.': none)\n"
	"      --dns-option OPT      an options entry of /etc/resolv.conf\n"
	"      --network-alias NAME  another name on a user network\n"
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
	"      --restart POLICY      no, on-failure[:N], always\n"
	"      --health-cmd CMD      command run (with the shell) to check health\n"
	"      --health-interval D   time between checks (e.g. 30s, 1m30s; default 30s)\n"
	"      --health-timeout D    longest a check may run (default 30s)\n"
	"      --health-retries N    failures in a row that make it unhealthy (default 3)\n"
	"      --health-start-period D   failures in this first period do not count\n"
	"      --health-start-interval D time between checks in the start period (5s)\n"
	"      --no-healthcheck      disable the image's HEALTHCHECK\n"
	"  -l, --label K=V           set a label (over the image's)\n"
	"      --label-file FILE     read K=V label lines\n";

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
	OPT_IP,
	OPT_NETWORK_ALIAS,
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
	OPT_HEALTH_CMD,
	OPT_HEALTH_INTERVAL,
	OPT_HEALTH_TIMEOUT,
	OPT_HEALTH_RETRIES,
	OPT_HEALTH_START_PERIOD,
	OPT_HEALTH_START_INTERVAL,
	OPT_NO_HEALTHCHECK,
	OPT_ADD_HOST,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_DOMAINNAME,
	OPT_LABEL_FILE,
};

/* Docker's run flags berth does not have yet: refused as such, not as unknown. */
static const char *const run_unsupported[] = {
	"--expose",
	"-a",
	"--attach",
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
	"--mac-address",
	"--log-driver",
	"--log-opt",
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
void cli_push_env_flag(char ***env, const char *arg)
{
	if (strchr(arg, '=')) {
		berth_strv_push(env, arg);
		return;
	}
	const char *v = getenv(arg);
	if (v)
		berth_strv_consume(env, berth_xasprintf("%s=%s", arg, v));
}

/*
 * K=V lines of an --env-file or --label-file (blank and # lines skipped); a
 * bare K takes K's value from berth's environment with lookup (env files),
 * and is kept as it is without (label files, as Docker's).
 */
static int read_kv_file(const char *path, bool lookup, char ***env, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "%s file '%s'", lookup ? "env" : "label", path);
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!*line || *line == '#')
			continue;
		if (strchr(line, '=') || !lookup) {
			berth_strv_push(env, line);
		} else {
			const char *v = getenv(line);
			if (v)
				berth_strv_consume(env, berth_xasprintf("%s=%s", line, v));
		}
	}
	return 0;
}

static const char create_usage[] =
	"Usage: berth create [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
	"       berth create [OPTIONS] --rootfs DIR COMMAND [ARG...]\n\n"
	"Create a new container: the record `berth start` runs. The OPTIONS are\n"
	"run's (see 'berth run --help'); -d makes no difference.\n";

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

/* The --health-* flags as given, before Docker's checks turn them into a config. */
struct health_flags {
	const char *cmd;
	int64_t interval, timeout, start_period, start_interval;
	long long retries;
	bool any, none;
};

/* A Go duration flag, with the message Docker's flag parser gives. */
static int parse_duration_flag(struct berth_cli *cli, const char *flag, const char *arg,
			       int64_t *ret, struct berth_error **err)
{
	struct berth_error *e = NULL;
	if (berth_parse_duration(arg, ret, &e) >= 0)
		return 0;
	int r = cli_usage_error(cli, err, "invalid argument \"%s\" for \"%s\" flag: %s", arg, flag,
				berth_error_msg(e));
	berth_error_free(&e);
	return r;
}

/* Docker's rules (its CLI's, then its daemon's) for the --health-* flags. */
static int health_config(struct berth_cli *cli, const struct health_flags *h,
			 struct berth_health_config *ret, struct berth_error **err)
{
	static const char *const names[] = {"--health-interval", "--health-timeout",
					    "--health-start-period", "--health-start-interval"};
	static const char *const fields[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
	const int64_t values[] = {h->interval, h->timeout, h->start_period, h->start_interval};
	memset(ret, 0, sizeof(*ret));
	if (h->none) {
		if (h->any)
			return cli_usage_error(
				cli, err, "--no-healthcheck conflicts with --health-* options");
		berth_strv_push(&ret->test, "NONE");
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(values); i++) {
		if (values[i] < 0)
			return cli_usage_error(cli, err, "%s cannot be negative", names[i]);
		if (values[i] > 0 && values[i] < 1000000)
			return berth_error_set(err, EINVAL,
					       "%s in Healthcheck cannot be less than 1ms",
					       fields[i]);
	}
	if (h->retries < 0)
		return cli_usage_error(cli, err, "--health-retries cannot be negative");
	if (h->retries > INT32_MAX)
		return cli_usage_error(cli, err, "invalid --health-retries '%lld'", h->retries);
	if (h->cmd && *h->cmd) {
		berth_strv_push(&ret->test, "CMD-SHELL");
		berth_strv_push(&ret->test, h->cmd);
	}
	ret->interval = h->interval;
	ret->timeout = h->timeout;
	ret->start_period = h->start_period;
	ret->start_interval = h->start_interval;
	ret->retries = (int)h->retries;
	return 0;
}

/* run, or create: the same flags and record, without starting it. */
static int run_or_create(struct berth_cli *cli, int argc, char **argv, bool create,
			 struct berth_error **err)
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
		{"domainname", required_argument, NULL, OPT_DOMAINNAME},
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
		{"ip", required_argument, NULL, OPT_IP},
		{"publish", required_argument, NULL, 'p'},
		{"publish-all", no_argument, NULL, 'P'},
		{"add-host", required_argument, NULL, OPT_ADD_HOST},
		{"dns", required_argument, NULL, OPT_DNS},
		{"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
		{"dns-option", required_argument, NULL, OPT_DNS_OPTION},
		{"network-alias", required_argument, NULL, OPT_NETWORK_ALIAS},
		{"net-alias", required_argument, NULL, OPT_NETWORK_ALIAS},
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
		{"health-cmd", required_argument, NULL, OPT_HEALTH_CMD},
		{"health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL},
		{"health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT},
		{"health-retries", required_argument, NULL, OPT_HEALTH_RETRIES},
		{"health-start-period", required_argument, NULL, OPT_HEALTH_START_PERIOD},
		{"health-start-interval", required_argument, NULL, OPT_HEALTH_START_INTERVAL},
		{"no-healthcheck", no_argument, NULL, OPT_NO_HEALTHCHECK},
		{"label", required_argument, NULL, 'l'},
		{"label-file", required_argument, NULL, OPT_LABEL_FILE},
		{0},
	};
	/* "+": the first operand is the image, what follows is the container's */
	struct cli_flags f = {.usage = create ? create_usage : run_usage,
			      .shortopts = "+dite:u:w:h:v:m:p:Pl:",
			      .longopts = opts,
			      .unsupported = run_unsupported};
	struct berth_run_options o;
	_cleanup_strv_free_ char **env = NULL, **volumes = NULL, **mounts = NULL, **tmpfs = NULL,
				 **cap_add = NULL, **cap_drop = NULL, **secopts = NULL,
				 **ulimits = NULL, **devices = NULL, **cmd = NULL, **aliases = NULL,
				 **extra_hosts = NULL, **labels = NULL, **label_flags = NULL;
	_cleanup_(berth_container_image_release) struct berth_container_image img = {0};
	_cleanup_(berth_health_config_release) struct berth_health_config health = {0};
	struct health_flags hf = {0};
	_cleanup_(net_opts_release) struct net_opts net = {0};
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
			cli_push_env_flag(&env, optarg);
			break;
		case OPT_ENV_FILE:
			r = read_kv_file(optarg, true, &env, err);
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
		case OPT_DOMAINNAME:
			o.domainname = optarg;
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
		case OPT_IP:
			o.ip = optarg;
			break;
		case 'p':
			r = net_opts_publish(&net, optarg, err);
			if (r < 0)
				goto fail;
			break;
		case 'P':
			net.publish_all = true;
			break;
		case OPT_ADD_HOST:
		case OPT_DNS:
		case OPT_DNS_SEARCH:
		case OPT_DNS_OPTION:
			r = c == OPT_ADD_HOST	  ? net_opts_add_host(&net, optarg, err)
			    : c == OPT_DNS	  ? net_opts_dns(&net, optarg, err)
			    : c == OPT_DNS_SEARCH ? net_opts_dns_search(&net, optarg, err)
						  : net_opts_dns_option(&net, optarg, err);
			if (r < 0)
				goto fail;
			break;
		case OPT_NETWORK_ALIAS:
			berth_strv_push(&aliases, optarg);
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
			r = cli_parse_memory(cli, optarg, &o.memory, err);
			if (r < 0)
				goto fail;
			break;
		case OPT_CPUS:
			r = cli_parse_cpus(cli, optarg, &o.nano_cpus, err);
			if (r < 0)
				goto fail;
			break;
		case OPT_PIDS_LIMIT:
			r = cli_parse_pids_limit(cli, optarg, &o.pids_limit, err);
			if (r < 0)
				goto fail;
			break;
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
		case OPT_HEALTH_CMD:
			hf.cmd = optarg;
			hf.any = hf.any || *optarg;
			break;
		case OPT_HEALTH_INTERVAL:
		case OPT_HEALTH_TIMEOUT:
		case OPT_HEALTH_START_PERIOD:
		case OPT_HEALTH_START_INTERVAL: {
			int64_t *v = c == OPT_HEALTH_INTERVAL	    ? &hf.interval
				     : c == OPT_HEALTH_TIMEOUT	    ? &hf.timeout
				     : c == OPT_HEALTH_START_PERIOD ? &hf.start_period
								    : &hf.start_interval;
			const char *flag = c == OPT_HEALTH_INTERVAL  ? "--health-interval"
					   : c == OPT_HEALTH_TIMEOUT ? "--health-timeout"
					   : c == OPT_HEALTH_START_PERIOD
						   ? "--health-start-period"
						   : "--health-start-interval";
			if (parse_duration_flag(cli, flag, optarg, v, err) < 0)
				goto fail;
			hf.any = hf.any || *v != 0;
			break;
		}
		case OPT_HEALTH_RETRIES:
			if (parse_long(optarg, &hf.retries) < 0) {
				cli_usage_error(cli, err,
						"invalid argument \"%s\" for \"--health-retries\" "
						"flag: strconv.ParseInt: parsing \"%s\": invalid "
						"syntax",
						optarg, optarg);
				goto fail;
			}
			hf.any = hf.any || hf.retries != 0;
			break;
		case OPT_NO_HEALTHCHECK:
			hf.none = true;
			break;
		case 'l':
			berth_strv_push(&label_flags, optarg);
			break;
		case OPT_LABEL_FILE:
			if (read_kv_file(optarg, false, &labels, err) < 0)
				goto fail;
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
	/* as Docker: the label files' lines first, --label over them */
	BERTH_STRV_FOREACH (l, label_flags)
		berth_strv_push(&labels, *l);
	o.labels = labels;
	if (hf.any || hf.none) {
		if (health_config(cli, &hf, &health, err) < 0)
			goto fail;
		o.health = &health;
	}
	o.network_aliases = aliases;
	for (size_t i = 0; net.add_host_name && net.add_host_name[i]; i++)
		berth_strv_consume(&extra_hosts, berth_xasprintf("%s:%s", net.add_host_name[i],
								 net.add_host_ip[i]));
	o.extra_hosts = extra_hosts;
	o.dns = &net.dns;
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
	/* -P: the image's EXPOSEd ports on ephemeral host ports, after -p's */
	if (net.publish_all && o.image &&
	    net_opts_publish_exposed(&net, o.image->exposed_ports, err) < 0)
		goto fail;
	o.ports = net.ports;
	o.n_ports = net.n_ports;
	for (int i = optind; i < argc; i++)
		berth_strv_push(&cmd, argv[i]);
	o.cmd = cmd;
	o.create_only = create;
	if (o.tty && !isatty(STDIN_FILENO) && o.interactive && !create) {
		berth_error_set(err, EINVAL, "the input device is not a TTY");
		goto fail;
	}

	struct berth_run_result res;
	r = berth_container_run(cli->root, &o, &res, err);
	if (r >= 0 && (o.detach || create)) {
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

int cmd_run(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return run_or_create(cli, argc, argv, false, err);
}

int cmd_create(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return run_or_create(cli, argc, argv, true, err);
}

int cli_exec(struct berth_cli *cli, const char *what, const struct berth_exec_options *o,
	     struct berth_error **err)
{
	struct berth_run_result res;
	int r = berth_container_exec(cli->root, what, o, &res, err);
	if (r >= 0) {
		fflush(stdout);
		return o->detach ? 0 : res.exit_code;
	}
	if (res.exec_errno) {
		/* Docker: 127 when the command is not found, 126 when it cannot run */
		fprintf(stderr, "berth: %s\n", berth_error_msg(*err));
		return res.exec_errno == ENOENT ? 127 : 126;
	}
	return r;
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
			cli_push_env_flag(&env, optarg);
			break;
		case OPT_ENV_FILE:
			r = read_kv_file(optarg, true, &env, err);
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

	return cli_exec(cli, what, &o, err);
}
