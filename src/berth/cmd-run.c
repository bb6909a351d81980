/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <sys/platform/x86.h>
#endif

#include "berth/cli.h"
#include "berth/net-opts.h"
#include "container/container.h"
#include "registry/registry.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/runspec.h"
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
	"      --pod POD             join the pod's network, IPC and UTS namespaces\n"
	"      --ip ADDR             IPv4 address on a user network\n"
	"  -p, --publish SPEC        publish [IP:][HOST[-HOST]:]CTR[-CTR][/tcp|udp]\n"
	"  -P, --publish-all         publish every EXPOSEd port on an ephemeral host port\n"
	"      --expose PORT[/PROTO] expose a port or a range of ports (what -P publishes)\n"
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
	"      --health-on-failure A when unhealthy: none (default), kill, restart or stop\n"
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
	OPT_POD,
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
	OPT_HEALTH_ON_FAILURE,
	OPT_ADD_HOST,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_DOMAINNAME,
	OPT_EXPOSE,
	OPT_LABEL_FILE,
};

/* The host's platform as Docker shows it: amd64 with its micro-architecture level. */
static void host_platform_shown(char *buf, size_t size)
{
	const char *host = berth_registry_host_platform();
	const char *level = "";
#if defined(__x86_64__)
	/* glibc's record of the cpu (made once at its start), not libgcc's
	 * __builtin_cpu_supports: that one brings a constructor that runs cpuid
	 * ~10 times at every start of berth, each a trap to the hypervisor in
	 * a VM (about 5 us here) */
	bool v2 = CPU_FEATURE_ACTIVE(SSE4_2) && CPU_FEATURE_ACTIVE(POPCNT) &&
		  CPU_FEATURE_ACTIVE(SSSE3);
	bool v3 = v2 && CPU_FEATURE_ACTIVE(AVX2) && CPU_FEATURE_ACTIVE(BMI1) &&
		  CPU_FEATURE_ACTIVE(BMI2) && CPU_FEATURE_ACTIVE(FMA);
	bool v4 = v3 && CPU_FEATURE_ACTIVE(AVX512F) && CPU_FEATURE_ACTIVE(AVX512BW) &&
		  CPU_FEATURE_ACTIVE(AVX512CD) && CPU_FEATURE_ACTIVE(AVX512DQ) &&
		  CPU_FEATURE_ACTIVE(AVX512VL);
	level = v4 ? "/v4" : v3 ? "/v3" : v2 ? "/v2" : "";
#endif
	snprintf(buf, size, "%s%s", host, level);
}

/*
 * Docker's warning when the image was made for another OS or architecture
 * (berth has no --platform for run yet, so none was requested); the run goes
 * on, and fails as the kernel decides.
 */
static void warn_platform(const struct berth_container_image *img)
{
	if (!img->os || !img->architecture)
		return;
	_cleanup_free_ char *want = berth_xasprintf("%s/%s", img->os, img->architecture);
	const char *host = berth_registry_host_platform();
	size_t n = strlen(want);
	if (strncmp(host, want, n) == 0 && (host[n] == '\0' || host[n] == '/'))
		return;
	char shown[96];
	host_platform_shown(shown, sizeof(shown));
	fprintf(stderr,
		"WARNING: The requested image's platform (%s) does not match the detected host "
		"platform (%s) and no specific platform was requested\n",
		want, shown);
}

/* Docker's run flags berth does not have yet: refused as such, not as unknown. */
static const char *const run_unsupported[] = {
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

/* run's and create's flags (cmd_run and cmd_create share them). */
static const struct option run_opts[] = {
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
	{"pod", required_argument, NULL, OPT_POD},
	{"ip", required_argument, NULL, OPT_IP},
	{"publish", required_argument, NULL, 'p'},
	{"publish-all", no_argument, NULL, 'P'},
	{"expose", required_argument, NULL, OPT_EXPOSE},
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
	{"health-on-failure", required_argument, NULL, OPT_HEALTH_ON_FAILURE},
	{"label", required_argument, NULL, 'l'},
	{"label-file", required_argument, NULL, OPT_LABEL_FILE},
	{0},
};

/* What run's flags collect before they become a struct berth_run_options. */
struct run_flags {
	struct berth_run_options o;
	char **env, **cap_add, **cap_drop, **aliases, **extra_hosts, **cmd, **labels;
	char **label_flags; /* --label, over the --label-file lines in labels */
	/* --tmpfs, -v, --mount: the library takes them in this order, in one array */
	struct berth_mount_req *mounts[3];
	size_t n_mounts[3];
	struct berth_mount_req *all_mounts;
	struct berth_ulimit *ulimits;
	size_t n_ulimits;
	struct berth_device_req *devices;
	size_t n_devices;
	struct berth_security_opts sec;
	struct health_flags hf;
	struct berth_health_config health;
	struct net_opts net;
	struct berth_container_image img;
	bool network_given; /* --network, which --pod refuses */
};

static void run_flags_release(struct run_flags *rf)
{
	berth_strv_free(rf->env);
	berth_strv_free(rf->cap_add);
	berth_strv_free(rf->cap_drop);
	berth_strv_free(rf->aliases);
	berth_strv_free(rf->extra_hosts);
	berth_strv_free(rf->cmd);
	berth_strv_free(rf->labels);
	berth_strv_free(rf->label_flags);
	for (size_t i = 0; i < ELEMENTSOF(rf->mounts); i++)
		berth_mount_reqs_free(rf->mounts[i], rf->n_mounts[i]);
	free(rf->all_mounts); /* its entries are the three arrays' */
	free(rf->ulimits);
	berth_device_reqs_free(rf->devices, rf->n_devices);
	berth_health_config_release(&rf->health);
	net_opts_release(&rf->net);
	berth_container_image_release(&rf->img);
}

/* Appends one element of size sz to *array (n elements) and returns it, zeroed. */
static void *grow(void *array_ptr, size_t *n, size_t sz)
{
	void **array = array_ptr;
	*array = berth_xreallocarray(*array, *n + 1, sz);
	void *e = (char *)*array + *n * sz;
	memset(e, 0, sz);
	(*n)++;
	return e;
}

/* -v, --mount, --tmpfs; 0 when c is not one of them. */
static int parse_storage_flag(struct run_flags *rf, int c, const char *arg,
			      struct berth_error **err)
{
	size_t k = c == OPT_TMPFS ? 0 : c == 'v' ? 1 : c == OPT_MOUNT ? 2 : 3;
	if (k == 3)
		return 0;
	struct berth_mount_req m;
	int r = k == 0	 ? berth_runspec_parse_tmpfs(arg, &m, err)
		: k == 1 ? berth_runspec_parse_volume(arg, &m, err)
			 : berth_runspec_parse_mount(arg, &m, err);
	if (r < 0)
		return r;
	*(struct berth_mount_req *)grow(&rf->mounts[k], &rf->n_mounts[k], sizeof(m)) = m;
	return 1;
}

/* Capabilities, devices, security options and resource limits; 0 when c is none of them. */
static int parse_security_flag(struct berth_cli *cli, struct run_flags *rf, int c, const char *arg,
			       struct berth_error **err)
{
	struct berth_run_options *o = &rf->o;
	switch (c) {
	case OPT_CAP_ADD:
		berth_strv_push(&rf->cap_add, arg);
		return 1;
	case OPT_CAP_DROP:
		berth_strv_push(&rf->cap_drop, arg);
		return 1;
	case OPT_PRIVILEGED:
		o->privileged = true;
		return 1;
	case OPT_SECURITY_OPT:
		return berth_runspec_parse_security_opt(arg, &rf->sec, err) < 0 ? -EINVAL : 1;
	case OPT_DEVICE: {
		struct berth_device_req d;
		int r = berth_runspec_parse_device(arg, &d, err);
		if (r < 0)
			return r;
		*(struct berth_device_req *)grow(&rf->devices, &rf->n_devices, sizeof(d)) = d;
		return 1;
	}
	case OPT_ULIMIT: {
		struct berth_ulimit u;
		int r = berth_runspec_parse_ulimit(arg, &u, err);
		if (r < 0)
			return r;
		*(struct berth_ulimit *)grow(&rf->ulimits, &rf->n_ulimits, sizeof(u)) = u;
		return 1;
	}
	case 'm':
		return cli_parse_memory(cli, arg, &o->memory, err) < 0 ? -EINVAL : 1;
	case OPT_CPUS:
		return cli_parse_cpus(cli, arg, &o->nano_cpus, err) < 0 ? -EINVAL : 1;
	case OPT_PIDS_LIMIT:
		return cli_parse_pids_limit(cli, arg, &o->pids_limit, err) < 0 ? -EINVAL : 1;
	}
	return 0;
}

/* --network and what goes with it; 0 when c is none of them. */
static int parse_network_flag(struct run_flags *rf, int c, const char *arg,
			      struct berth_error **err)
{
	int r = 1;
	switch (c) {
	case OPT_NETWORK:
		rf->o.network = arg;
		rf->network_given = true;
		break;
	case OPT_POD:
		rf->o.pod = arg;
		break;
	case OPT_IP:
		rf->o.ip = arg;
		break;
	case 'p':
		r = net_opts_publish(&rf->net, arg, err);
		break;
	case 'P':
		rf->net.publish_all = true;
		break;
	case OPT_EXPOSE:
		r = net_opts_expose(&rf->net, arg, err);
		break;
	case OPT_ADD_HOST:
		r = net_opts_add_host(&rf->net, arg, err);
		break;
	case OPT_DNS:
		r = net_opts_dns(&rf->net, arg, err);
		break;
	case OPT_DNS_SEARCH:
		r = net_opts_dns_search(&rf->net, arg, err);
		break;
	case OPT_DNS_OPTION:
		r = net_opts_dns_option(&rf->net, arg, err);
		break;
	case OPT_NETWORK_ALIAS:
		berth_strv_push(&rf->aliases, arg);
		break;
	default:
		return 0;
	}
	return r < 0 ? r : 1;
}

/* The --health-* flags; 0 when c is none of them. */
static int parse_health_flag(struct berth_cli *cli, struct health_flags *hf, int c, const char *arg,
			     struct berth_error **err)
{
	switch (c) {
	case OPT_HEALTH_CMD:
		hf->cmd = arg;
		hf->any = hf->any || *arg;
		return 1;
	case OPT_HEALTH_INTERVAL:
	case OPT_HEALTH_TIMEOUT:
	case OPT_HEALTH_START_PERIOD:
	case OPT_HEALTH_START_INTERVAL: {
		int64_t *v = c == OPT_HEALTH_INTERVAL	    ? &hf->interval
			     : c == OPT_HEALTH_TIMEOUT	    ? &hf->timeout
			     : c == OPT_HEALTH_START_PERIOD ? &hf->start_period
							    : &hf->start_interval;
		const char *flag = c == OPT_HEALTH_INTERVAL	  ? "--health-interval"
				   : c == OPT_HEALTH_TIMEOUT	  ? "--health-timeout"
				   : c == OPT_HEALTH_START_PERIOD ? "--health-start-period"
								  : "--health-start-interval";
		if (parse_duration_flag(cli, flag, arg, v, err) < 0)
			return -EINVAL;
		hf->any = hf->any || *v != 0;
		return 1;
	}
	case OPT_HEALTH_RETRIES:
		if (parse_long(arg, &hf->retries) < 0)
			return cli_usage_error(cli, err,
					       "invalid argument \"%s\" for \"--health-retries\" "
					       "flag: strconv.ParseInt: parsing \"%s\": invalid "
					       "syntax",
					       arg, arg);
		hf->any = hf->any || hf->retries != 0;
		return 1;
	case OPT_NO_HEALTHCHECK:
		hf->none = true;
		return 1;
	}
	return 0;
}

/* --stop-signal, --restart and --health-on-failure. */
static int parse_policy_flag(struct run_flags *rf, int c, const char *arg, struct berth_error **err)
{
	if (c == OPT_HEALTH_ON_FAILURE)
		return berth_health_on_failure_from_string(arg, &rf->o.health_on_failure, err) < 0
			       ? -EINVAL
			       : 1;
	if (c == OPT_STOP_SIGNAL) {
		rf->o.stop_signal = berth_runspec_parse_signal(arg);
		if (rf->o.stop_signal < 0)
			return berth_error_set(err, EINVAL, "invalid stop signal '%s'", arg);
		return 1;
	}
	if (c == OPT_RESTART)
		return berth_runspec_parse_restart(arg, &rf->o.restart, &rf->o.restart_max, err) < 0
			       ? -EINVAL
			       : 1;
	return 0;
}

/* The process and the container's own flags; 0 when c is none of them. */
static int parse_process_flag(struct run_flags *rf, int c, const char *arg,
			      struct berth_error **err)
{
	struct berth_run_options *o = &rf->o;
	switch (c) {
	case OPT_ROOTFS:
		o->rootfs = arg;
		break;
	case 'd':
		o->detach = true;
		break;
	case 'i':
		o->interactive = true;
		break;
	case 't':
		o->tty = true;
		break;
	case 'e':
		cli_push_env_flag(&rf->env, arg);
		break;
	case OPT_ENV_FILE:
		return read_kv_file(arg, true, &rf->env, err) < 0 ? -EINVAL : 1;
	case 'l':
		berth_strv_push(&rf->label_flags, arg);
		break;
	case OPT_LABEL_FILE:
		return read_kv_file(arg, false, &rf->labels, err) < 0 ? -EINVAL : 1;
	case 'u':
		o->user = arg;
		break;
	case 'w':
		o->workdir = arg;
		break;
	case 'h':
		o->hostname = arg;
		break;
	case OPT_DOMAINNAME:
		o->domainname = arg;
		break;
	case OPT_NAME:
		o->name = arg;
		break;
	case OPT_RM:
		o->rm = true;
		break;
	case OPT_ENTRYPOINT:
		o->entrypoint = arg;
		break;
	case OPT_READ_ONLY:
		o->read_only = true;
		break;
	case OPT_INIT:
		o->init = true;
		break;
	default:
		return parse_policy_flag(rf, c, arg, err);
	}
	return 1;
}

/* One flag of run, by its family; <0 with *err set when its value is wrong. */
static int parse_run_flag(struct berth_cli *cli, struct run_flags *rf, int c, const char *arg,
			  struct berth_error **err)
{
	int r = parse_process_flag(rf, c, arg, err);
	if (r == 0)
		r = parse_storage_flag(rf, c, arg, err);
	if (r == 0)
		r = parse_security_flag(cli, rf, c, arg, err);
	if (r == 0)
		r = parse_network_flag(rf, c, arg, err);
	if (r == 0)
		r = parse_health_flag(cli, &rf->hf, c, arg, err);
	return r;
}

/* The collected flags into rf->o: everything but the image and the command. */
static int finish_run_options(struct berth_cli *cli, struct run_flags *rf, struct berth_error **err)
{
	struct berth_run_options *o = &rf->o;
	o->env = rf->env;
	size_t n = 0;
	for (size_t k = 0; k < ELEMENTSOF(rf->mounts); k++)
		for (size_t i = 0; i < rf->n_mounts[k]; i++)
			*(struct berth_mount_req *)grow(&rf->all_mounts, &n,
							sizeof(*rf->all_mounts)) = rf->mounts[k][i];
	o->mounts = rf->all_mounts;
	o->n_mounts = n;
	o->cap_add = rf->cap_add;
	o->cap_drop = rf->cap_drop;
	o->no_new_privileges = rf->sec.no_new_privileges;
	o->seccomp_unconfined = rf->sec.seccomp_unconfined;
	o->seccomp_profile = rf->sec.seccomp_profile;
	o->ulimits = rf->ulimits;
	o->n_ulimits = rf->n_ulimits;
	o->devices = rf->devices;
	o->n_devices = rf->n_devices;
	/* as Docker: the label files' lines first, --label over them */
	BERTH_STRV_FOREACH (l, rf->label_flags)
		berth_strv_push(&rf->labels, *l);
	o->labels = rf->labels;
	if (rf->hf.any || rf->hf.none) {
		int r = health_config(cli, &rf->hf, &rf->health, err);
		if (r < 0)
			return r;
		o->health = &rf->health;
	}
	o->network_aliases = rf->aliases;
	for (size_t i = 0; rf->net.add_host_name && rf->net.add_host_name[i]; i++)
		berth_strv_consume(
			&rf->extra_hosts,
			berth_xasprintf("%s:%s", rf->net.add_host_name[i], rf->net.add_host_ip[i]));
	o->extra_hosts = rf->extra_hosts;
	o->dns = &rf->net.dns;
	return 0;
}

/* The image operand (unless --rootfs), -P's ports and the command. */
static int finish_run_operands(struct berth_cli *cli, struct run_flags *rf, int argc, char **argv,
			       struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	struct berth_run_options *o = &rf->o;
	if (!o->rootfs) {
		if (optind >= argc)
			return cli_usage_error(cli, err, "requires at least 1 argument");
		r = berth_container_image_load(cli->store, argv[optind], &rf->img, err);
		if (r < 0)
			return r;
		o->image = &rf->img;
		optind++;
		warn_platform(&rf->img);
	}
	const char *warning = net_opts_discard_ports(&rf->net, o->network);
	if (warning)
		fprintf(stderr, "WARNING: %s\n", warning);
	/* -P: the image's EXPOSEd ports and --expose's on ephemeral host ports, after -p's */
	if (rf->net.publish_all &&
	    ((o->image && net_opts_publish_exposed(&rf->net, o->image->exposed_ports, err) < 0) ||
	     net_opts_publish_exposed(&rf->net, rf->net.expose, err) < 0))
		return -EINVAL;
	o->expose = rf->net.expose;
	o->ports = rf->net.ports;
	o->n_ports = rf->net.n_ports;
	for (int i = optind; i < argc; i++)
		berth_strv_push(&rf->cmd, argv[i]);
	o->cmd = rf->cmd;
	return 0;
}

/* Runs (or creates) the container of rf->o; the exit status of `berth run`. */
static int run_container(struct berth_cli *cli, struct run_flags *rf, bool create,
			 struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	struct berth_run_options *o = &rf->o;
	struct berth_run_result res;
	r = berth_container_run(cli->store, o, &res, err);
	if (r >= 0 && (o->detach || create)) {
		printf("%s\n", res.id);
		return 0;
	}
	if (r >= 0) {
		fflush(stdout);
		return res.exit_code;
	}
	fprintf(stderr, "berth: %s\n", berth_error_msg(*err));
	/* Docker: 127 when the command is not found, 126 when it cannot run; 125: berth failed */
	if (res.exec_errno)
		return res.exec_errno == ENOENT ? 127 : 126;
	return 125;
}

/* run, or create: the same flags and record, without starting it. */
static int run_or_create(struct berth_cli *cli, int argc, char **argv, bool create,
			 struct berth_error **err)
{
	/* "+": the first operand is the image, what follows is the container's */
	struct cli_flags f = {.usage = create ? create_usage : run_usage,
			      .shortopts = "+dite:u:w:h:v:m:p:Pl:",
			      .longopts = run_opts,
			      .unsupported = run_unsupported};
	_cleanup_(run_flags_release) struct run_flags rf = {.sec = BERTH_SECURITY_OPTS_INIT};
	int c = 0, r = 0;

	berth_run_options_init(&rf.o);
	while (r >= 0 && (c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		r = parse_run_flag(cli, &rf, c, optarg, err);
	if (f.help)
		return 0;
	if (r >= 0 && c < 0)
		r = c; /* *err says which flag */
	if (r >= 0 && rf.o.pod && rf.network_given)
		r = cli_usage_error(cli, err,
				    "--network cannot be used with --pod: the container shares "
				    "the pod's network");
	if (r >= 0)
		r = finish_run_options(cli, &rf, err);
	if (r >= 0)
		r = finish_run_operands(cli, &rf, argc, argv, err);
	rf.o.create_only = create;
	if (r >= 0 && rf.o.tty && rf.o.interactive && !rf.o.detach && !create &&
	    !isatty(STDIN_FILENO))
		r = berth_error_set(err, EINVAL, "the input device is not a TTY");
	if (r >= 0)
		return run_container(cli, &rf, create, err);
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
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_container_exec(cli->store, what, o, &res, err);
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
