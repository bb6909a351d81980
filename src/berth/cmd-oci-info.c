/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The berth-runc verbs that report or adjust: state, list, ps, events,
 * update, features and spec.
 */
#include "berth/cmd-oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static void print_json(const json_t *j)
{
	_cleanup_free_ char *s = berth_json_dump_pretty(j);
	printf("%s\n", s);
}

int oci_state(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
	      struct berth_error **err)
{
	bool help = false;
	int r = cli_no_flags(cli, "Usage: berth-runc state ID\n", NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	const char *id = NULL;
	optind = 1;
	r = oci_one_id(cli, argc, argv, &id, err);
	if (r < 0)
		return r;
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	r = berth_oci_load(g->root, id, &st, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *j = berth_oci_state_to_json(&st);
	print_json(j);
	return 0;
}

/* The flags of list and ps: --format table|json, -q (list). */
struct format_flags {
	bool json, quiet;
};

static int format_flag(struct berth_cli *cli, int c, const char *v, void *ctx,
		       struct berth_error **err)
{
	struct format_flags *ff = ctx;
	if (c == 'q') {
		ff->quiet = true;
		return 0;
	}
	if (strcmp(v, "json") != 0 && strcmp(v, "table") != 0)
		return cli_usage_error(cli, err, "invalid format '%s': table or json", v);
	ff->json = strcmp(v, "json") == 0;
	return 0;
}

int oci_list(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
	     struct berth_error **err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {0}};
	struct cli_flags f = {.usage = "Usage: berth-runc list [--format table|json] [-q]\n",
			      .shortopts = "f:q",
			      .longopts = opts};
	struct format_flags ff = {0};
	int r = oci_parse(cli, &f, argc, argv, format_flag, &ff, NULL, err);
	if (r != 0)
		return r < 0 ? r : 0;
	bool json = ff.json, quiet = ff.quiet;
	_cleanup_strv_free_ char **ids = NULL;
	r = berth_oci_list(g->root, &ids, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *all = json_array();
	if (!quiet && !json)
		printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	BERTH_STRV_FOREACH (id, ids) {
		_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
		/* one being deleted meanwhile, or a broken record: not listed */
		if (berth_oci_load(g->root, *id, &st, NULL) < 0)
			continue;
		if (quiet)
			printf("%s\n", *id);
		else if (json)
			json_array_append_new(all, berth_oci_state_to_json(&st));
		else
			printf("%-20s %-8d %-10s %-40s %-31s %s\n", st.id,
			       st.status == BERTH_OCI_STOPPED ? 0 : (int)st.pid,
			       berth_oci_status_name(st.status), st.bundle, st.created,
			       st.owner == 0 ? "root" : "");
	}
	if (json && !quiet)
		print_json(all);
	return 0;
}

/* The command line of pid, spaces between the arguments. */
static char *cmdline_of(pid_t pid)
{
	char path[64];
	char *data = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (berth_read_file_at(AT_FDCWD, path, 1 << 16, &data, &len, NULL) < 0)
		return berth_xstrdup("");
	for (size_t i = 0; i + 1 < len; i++)
		if (data[i] == '\0')
			data[i] = ' ';
	return data;
}

int oci_ps(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
	   struct berth_error **err)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	struct cli_flags f = {.usage = "Usage: berth-runc ps [--format table|json] ID\n",
			      .shortopts = "+f:",
			      .longopts = opts};
	struct format_flags ff = {0};
	const char *id = NULL;
	int r = oci_parse(cli, &f, argc, argv, format_flag, &ff, &id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	bool json = ff.json;
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	r = berth_oci_load(g->root, id, &st, err);
	if (r >= 0)
		r = berth_cgroup_pids(&st.cgroup, &pids, &n, err);
	if (r < 0)
		return r;
	if (json) {
		_cleanup_json_ json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_integer(pids[i]));
		_cleanup_free_ char *s = berth_json_dump(a, NULL);
		printf("%s\n", s);
		return 0;
	}
	printf("%-8s %s\n", "PID", "CMD");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *cmd = cmdline_of(pids[i]);
		printf("%-8d %s\n", (int)pids[i], cmd);
	}
	return 0;
}

/* runc's "stats" event: the cgroup's usage in its field names. */
static json_t *stats_event(const struct berth_oci_state *st)
{
	struct berth_cgroup_usage u = {0};
	berth_cgroup_usage(&st->cgroup, &u);
	json_t *mem = json_pack("{s:{s:I, s:I}}", "usage", "usage", (json_int_t)u.memory, "limit",
				(json_int_t)(u.memory_limit < 0 ? 0 : u.memory_limit));
	json_t *data = json_pack("{s:{s:{s:I}}, s:o, s:{s:I}}", "cpu", "usage", "total",
				 (json_int_t)u.cpu_ns, "memory", mem, "pids", "current",
				 (json_int_t)u.pids);
	return json_pack("{s:s, s:s, s:o}", "type", "stats", "id", st->id, "data", data);
}

struct events_flags {
	bool once; /* --stats: one stats event */
	long interval;
};

static int events_flag(struct berth_cli *cli, int c, const char *v, void *ctx,
		       struct berth_error **err)
{
	struct events_flags *ef = ctx;
	if (c == 's')
		ef->once = true;
	else if ((ef->interval = strtol(v, NULL, 10)) <= 0)
		return cli_usage_error(cli, err, "invalid interval '%s'", v);
	return 0;
}

int oci_events(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
	       struct berth_error **err)
{
	static const struct option opts[] = {
		{"stats", no_argument, NULL, 's'}, {"interval", required_argument, NULL, 'i'}, {0}};
	struct cli_flags f = {.usage = "Usage: berth-runc events [--stats] [--interval SECONDS] "
				       "ID\n",
			      .shortopts = "+",
			      .longopts = opts};
	struct events_flags ef = {.interval = 5};
	const char *id = NULL;
	int r = oci_parse(cli, &f, argc, argv, events_flag, &ef, &id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	bool once = ef.once;
	long interval = ef.interval;
	for (;;) {
		_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
		r = berth_oci_load(g->root, id, &st, err);
		if (r < 0)
			return r;
		if (st.status == BERTH_OCI_STOPPED)
			return once ? berth_error_set(err, ESRCH, "container '%s' is not running",
						      id)
				    : 0;
		_cleanup_json_ json_t *ev = stats_event(&st);
		_cleanup_free_ char *s = berth_json_dump(ev, NULL);
		printf("%s\n", s);
		fflush(stdout);
		if (once)
			return 0;
		nanosleep(&(struct timespec){.tv_sec = interval}, NULL);
	}
}

int oci_features(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	(void)g;
	bool help = false;
	int r = cli_no_flags(cli, "Usage: berth-runc features\n", NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	_cleanup_json_ json_t *j = berth_oci_features();
	print_json(j);
	return 0;
}

/* The resources of --resources FILE (- is stdin) into limits. */
static int read_resources(const char *path, struct berth_spec *limits, struct berth_error **err)
{
	_cleanup_close_ int fd =
		strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *j = NULL;
	size_t len = 0;
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", path);
	int r = berth_read_fd(fd, 1 << 20, &data, &len, err);
	if (r >= 0)
		r = berth_json_parse(data, len, path, &j, err);
	if (r >= 0)
		r = berth_oci_resources_from_json(j, limits, err);
	if (r < 0)
		return berth_error_prefix(err, "--resources '%s'", path);
	return 0;
}

static int parse_count(struct berth_cli *cli, const char *flag, const char *v, int64_t *ret,
		       struct berth_error **err)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return cli_usage_error(cli, err, "invalid %s '%s'", flag, v);
	*ret = n;
	return 0;
}

/*
 * runc update's resource flags, each the linux.resources field it sets: the
 * flags become a resources object that goes through the same checks as
 * --resources (and, given after it, override its values).
 */
enum update_value {
	UPDATE_BYTES,
	UPDATE_NUMBER,
	UPDATE_STRING
};
static const struct update_flag {
	const char *name, *sub, *key;
	enum update_value kind;
} update_flags[] = {
	{"memory", "memory", "limit", UPDATE_BYTES},
	{"memory-reservation", "memory", "reservation", UPDATE_BYTES},
	{"memory-swap", "memory", "swap", UPDATE_BYTES},
	{"kernel-memory", "memory", "kernel", UPDATE_BYTES},
	{"kernel-memory-tcp", "memory", "kernelTCP", UPDATE_BYTES},
	{"cpu-shares", "cpu", "shares", UPDATE_NUMBER},
	{"cpu-quota", "cpu", "quota", UPDATE_NUMBER},
	{"cpu-period", "cpu", "period", UPDATE_NUMBER},
	{"cpu-rt-period", "cpu", "realtimePeriod", UPDATE_NUMBER},
	{"cpu-rt-runtime", "cpu", "realtimeRuntime", UPDATE_NUMBER},
	{"cpuset-cpus", "cpu", "cpus", UPDATE_STRING},
	{"cpuset-mems", "cpu", "mems", UPDATE_STRING},
	{"pids-limit", "pids", "limit", UPDATE_NUMBER},
	{"blkio-weight", "blockIO", "weight", UPDATE_NUMBER},
};

/* res.sub.key = the flag's value; -1 is runc's "unlimited" for a size */
static int add_update_flag(struct berth_cli *cli, const struct update_flag *fl, const char *v,
			   json_t *res, struct berth_error **err)
{
	int64_t n = 0;
	json_t *val;
	_cleanup_free_ char *flag = berth_xasprintf("--%s", fl->name);
	if (fl->kind == UPDATE_STRING)
		val = json_string(v);
	else if (fl->kind == UPDATE_BYTES && strcmp(v, "-1") != 0) {
		if (cli_parse_memory(cli, v, &n, err) < 0)
			return -EINVAL;
		val = json_integer(n);
	} else if (parse_count(cli, flag, v, &n, err) < 0) {
		return -EINVAL;
	} else {
		val = json_integer(n);
	}
	json_t *o = json_object_get(res, fl->sub);
	if (!o)
		json_object_set_new(res, fl->sub, o = json_object());
	json_object_set_new(o, fl->key, val);
	return 0;
}

enum {
	UPDATE_REFUSED = 0x200,
	UPDATE_FLAG0 = 0x300
};

struct update_ctx {
	struct berth_spec *limits; /* --resources */
	json_t *res;		   /* the flags' fields */
};

static int update_flag(struct berth_cli *cli, int c, const char *v, void *ctx,
		       struct berth_error **err)
{
	struct update_ctx *u = ctx;
	if (c == 'r')
		return read_resources(v, u->limits, err);
	if (c == UPDATE_REFUSED)
		/* Intel RDT (resctrl): berth does not manage it */
		return cli_usage_error(cli, err,
				       "--l3-cache-schema and --mem-bw-schema are not "
				       "supported (no Intel RDT)");
	return add_update_flag(cli, &update_flags[c - UPDATE_FLAG0], v, u->res, err);
}

int oci_update(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
	       struct berth_error **err)
{
	struct option opts[ELEMENTSOF(update_flags) + 4] = {
		{"resources", required_argument, NULL, 'r'},
		{"l3-cache-schema", required_argument, NULL, UPDATE_REFUSED},
		{"mem-bw-schema", required_argument, NULL, UPDATE_REFUSED},
	};
	for (size_t i = 0; i < ELEMENTSOF(update_flags); i++)
		opts[3 + i] = (struct option){update_flags[i].name, required_argument, NULL,
					      UPDATE_FLAG0 + (int)i};
	struct cli_flags f = {.usage = "Usage: berth-runc update [--resources FILE|-] [--memory N] "
				       "[--cpu-shares N] [--cpuset-cpus LIST] ... ID\n",
			      .shortopts = "+r:",
			      .longopts = opts};
	_cleanup_(berth_spec_release) struct berth_spec limits;
	_cleanup_json_ json_t *res = json_object();
	berth_spec_init(&limits);
	struct update_ctx u = {.limits = &limits, .res = res};
	const char *id = NULL;
	int r = oci_parse(cli, &f, argc, argv, update_flag, &u, &id, err);
	if (r != 0)
		return r < 0 ? r : 0;
	r = berth_oci_resources_from_json(res, &limits, err);
	if (r < 0)
		return r;
	return berth_oci_update(g->root, id, &limits, err);
}

/*
 * What runc spec --rootless changes: a user namespace mapping the caller's
 * uid and gid to root, no network namespace of its own (an unprivileged
 * user cannot make one that reaches anything), the host's /sys bind-mounted
 * (sysfs cannot be mounted there), no gid= on /dev/pts (the group is not
 * mapped) and no device cgroup rules (no cgroup to write them to).
 */
static void make_rootless(struct berth_spec *spec)
{
	spec->namespaces &= ~(unsigned)BERTH_NS_NETWORK;
	spec->namespaces |= BERTH_NS_USER;
	spec->uid_mappings = berth_xmalloc(sizeof(*spec->uid_mappings));
	spec->uid_mappings[0] = (struct berth_spec_idmap){0, (uint32_t)getuid(), 1};
	spec->n_uid_mappings = 1;
	spec->gid_mappings = berth_xmalloc(sizeof(*spec->gid_mappings));
	spec->gid_mappings[0] = (struct berth_spec_idmap){0, (uint32_t)getgid(), 1};
	spec->n_gid_mappings = 1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		struct berth_spec_mount *m = &spec->mounts[i];
		if (strcmp(m->destination, "/sys") == 0) {
			free(m->type);
			m->type = berth_xstrdup("none");
			free(m->source);
			m->source = berth_xstrdup("/sys");
			berth_strv_free(m->options);
			m->options = NULL;
			berth_strv_push(&m->options, "rbind");
			berth_strv_push(&m->options, "nosuid");
			berth_strv_push(&m->options, "noexec");
			berth_strv_push(&m->options, "nodev");
			berth_strv_push(&m->options, "ro");
		} else if (strcmp(m->type, "devpts") == 0) {
			size_t n = 0;
			BERTH_STRV_FOREACH (o, m->options)
				if (strncmp(*o, "gid=", 4) == 0)
					free(*o);
				else
					m->options[n++] = *o;
			if (m->options)
				m->options[n] = NULL;
		}
	}
	spec->n_device_rules = 0;
}

/* runc spec's config.json: berth's defaults (Docker's) with runc's process. */
static json_t *default_config(bool rootless)
{
	_cleanup_(berth_spec_release) struct berth_spec spec;
	berth_spec_init(&spec);
	berth_spec_set_defaults(&spec);
	spec.namespaces |= BERTH_NS_NETWORK;
	spec.terminal = true;
	berth_strv_push(&spec.args, "sh");
	berth_strv_push(&spec.env,
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	berth_strv_push(&spec.env, "TERM=xterm");
	spec.cwd = berth_xstrdup("/");
	spec.root_path = berth_xstrdup("rootfs");
	spec.root_readonly = true;
	spec.hostname = berth_xstrdup("berth");
	if (rootless)
		make_rootless(&spec);
	return berth_spec_to_json(&spec);
}

struct spec_flags {
	const char *bundle;
	bool rootless;
};

static int spec_flag(struct berth_cli *cli, int c, const char *v, void *ctx,
		     struct berth_error **err)
{
	struct spec_flags *sf = ctx;
	if (c == 'R')
		sf->rootless = true;
	else
		sf->bundle = v;
	return 0;
}

int oci_spec(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
	     struct berth_error **err)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, 'R'},
					     {0}};
	struct cli_flags f = {.usage = "Usage: berth-runc spec [--bundle DIR] [--rootless]\n",
			      .shortopts = "b:",
			      .longopts = opts};
	struct spec_flags sf = {.bundle = "."};
	(void)g;
	int r = oci_parse(cli, &f, argc, argv, spec_flag, &sf, NULL, err);
	if (r != 0)
		return r < 0 ? r : 0;
	const char *bundle = sf.bundle;
	bool rootless = sf.rootless;
	if (optind != argc)
		return cli_usage_error(cli, err, "takes no arguments");
	_cleanup_close_ int dir = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return berth_error_syscall(err, errno, "bundle '%s'", bundle);
	_cleanup_close_ int fd =
		openat(dir, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return berth_error_set(err, EEXIST, "'%s/config.json' exists: remove it first",
				       bundle);
	if (fd < 0)
		return berth_error_syscall(err, errno, "create '%s/config.json'", bundle);
	_cleanup_json_ json_t *j = default_config(rootless);
	_cleanup_free_ char *s = berth_json_dump_pretty(j);
	r = berth_write_all(fd, s, strlen(s), err);
	if (r >= 0)
		r = berth_write_all(fd, "\n", 1, err);
	return r;
}
