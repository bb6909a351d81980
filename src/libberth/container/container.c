/* SPDX-License-Identifier: Apache-2.0 */
/* `run`: options + image config -> runtime spec -> record -> runtime. */
#include "container/container.h"

#include <dirent.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/names.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/bool.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "core/units.h"
#include "image/image.h"
#include "layer/layer.h"
#include "runtime/runtime.h"
#include "store/store.h"

void berth_run_options_init(struct berth_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->memory = -1;
	o->nano_cpus = -1;
	o->pids_limit = -1;
	o->network = "bridge";
}

char *berth_container_now(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return berth_xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

void berth_container_image_release(struct berth_container_image *img)
{
	berth_strv_free(img->entrypoint);
	berth_strv_free(img->cmd);
	berth_strv_free(img->env);
	free(img->workdir);
	free(img->user);
	free(img->stop_signal);
	berth_strv_free(img->volumes);
	berth_strv_free(img->lowerdirs);
	free(img->ref);
	free(img->id);
	berth_health_config_release(img->health);
	free(img->health);
	berth_strv_free(img->shell);
	berth_strv_free(img->exposed_ports);
	berth_strv_free(img->labels);
	memset(img, 0, sizeof(*img));
}

int berth_container_image_load(const char *store_root, const char *ref,
			       struct berth_container_image *ret, struct berth_error **err)
{
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_store_open(store_root, &s, err);
	if (r < 0)
		return r;
	r = berth_image_resolve(s, ref, &img, err);
	if (r < 0)
		return r;
	size_t n = img->manifest->n_layers;
	if (n != img->config->n_diff_ids)
		return berth_error_set(
			err, EBADMSG, "image '%s' has %zu layers but its config lists %zu diff IDs",
			ref, n, img->config->n_diff_ids);
	_cleanup_free_ struct berth_digest *blobs = berth_xcalloc(n ? n : 1, sizeof(*blobs));
	for (size_t i = 0; i < n; i++) {
		if (img->manifest->layers[i].foreign)
			return berth_error_set(err, ENOTSUP,
					       "image '%s': layer %zu is a foreign layer", ref, i);
		blobs[i] = img->manifest->layers[i].digest;
	}
	_cleanup_strv_free_ char **lower = NULL;
	r = berth_layer_store_stack(s, img->config->diff_ids, blobs, n, 0, &lower, err);
	if (r < 0)
		return berth_error_prefix(err, "image '%s'", ref);
	struct berth_container_image out = {0};
	out.lowerdirs = TAKE_PTR(lower);
	const struct berth_image_config *c = img->config;
	out.entrypoint = c->entrypoint ? berth_strv_copy(c->entrypoint) : NULL;
	out.cmd = c->cmd ? berth_strv_copy(c->cmd) : NULL;
	out.env = berth_strv_copy(c->env);
	out.workdir = c->working_dir ? berth_xstrdup(c->working_dir) : NULL;
	out.user = c->user ? berth_xstrdup(c->user) : NULL;
	out.stop_signal = c->stop_signal ? berth_xstrdup(c->stop_signal) : NULL;
	out.volumes = berth_strv_copy(c->volumes);
	out.shell = c->shell ? berth_strv_copy(c->shell) : NULL;
	out.exposed_ports = berth_strv_copy(c->exposed_ports);
	for (size_t i = 0; c->label_keys && c->label_keys[i]; i++)
		berth_strv_consume(&out.labels,
				   berth_xasprintf("%s=%s", c->label_keys[i], c->label_values[i]));
	if (c->healthcheck) {
		out.health = berth_xcalloc(1, sizeof(*out.health));
		r = berth_health_config_from_json(c->healthcheck, out.health, err);
		if (r < 0) {
			berth_container_image_release(&out);
			return berth_error_prefix(err, "image '%s'", ref);
		}
	}
	out.ref = berth_xstrdup(ref);
	char idbuf[80];
	out.id = berth_xstrdup(berth_digest_fmt(&img->id, idbuf));
	*ret = out;
	return 0;
}

static int containers_dir(const char *store_root, struct berth_error **err)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/containers", store_root);
	int r = berth_mkdir_p(p, 0700, err);
	if (r < 0)
		return r;
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", p);
	return fd;
}

/* Reads containers/<id>/state.json; NULL when absent or broken. */
static json_t *read_state(int cdir, const char *id)
{
	_cleanup_free_ char *name = berth_xasprintf("%s/state.json", id);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (berth_read_file_at(cdir, name, 1 << 22, &data, &len, NULL) < 0)
		return NULL;
	json_t *j = NULL;
	if (berth_json_parse(data, len, name, &j, NULL) < 0)
		return NULL;
	return j;
}

/*
 * A record file, replaced atomically (temp + rename: `ps` never reads half a
 * file). durable adds the fsyncs of berth_write_file_atomic; the record of an
 * --rm container goes without: it is removed when the container ends and a
 * crash leaves nothing to resume, so its fsyncs were pure cost on every run
 * (bench/run).
 */
static int write_record_file(int dfd, const char *name, const char *data, size_t len, mode_t mode,
			     bool durable, struct berth_error **err)
{
	if (durable)
		return berth_write_file_atomic(dfd, name, data, len, mode, err);
	char hex[17], tmp[64];
	berth_random_hex(hex, 8);
	snprintf(tmp, sizeof(tmp), ".tmp-%s", hex);
	_cleanup_close_ int fd =
		openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return berth_error_syscall(err, errno, "create '%s'", name);
	int r = berth_write_all(fd, data, len, err);
	if (r >= 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = berth_error_syscall(err, errno, "rename '%s'", name);
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	return r;
}

static int write_state(int cdir, const char *id, const json_t *state, struct berth_error **err);

json_t *berth_container_state_read(int cdir, const char *id)
{
	return read_state(cdir, id);
}

int berth_container_state_write(int cdir, const char *id, const json_t *state,
				struct berth_error **err)
{
	return write_state(cdir, id, state, err);
}

static int write_state(int cdir, const char *id, const json_t *state, struct berth_error **err)
{
	_cleanup_close_ int fd = openat(cdir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open container '%s'", id);
	_cleanup_free_ char *s = berth_json_dump(state, NULL);
	bool rm = json_is_true(json_object_get(json_object_get(state, "HostConfig"), "AutoRemove"));
	return write_record_file(fd, "state.json", s, strlen(s), 0600, !rm, err);
}

int berth_container_volume_user(const char *store_root, const char *name, char **ret_container)
{
	_cleanup_close_ int cdir = containers_dir(store_root, NULL);
	if (cdir < 0)
		return 0;
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_json_ json_t *st = read_state(cdir, de->d_name);
		json_t *mounts = json_object_get(st, "Mounts");
		size_t i;
		json_t *m;
		json_array_foreach (mounts, i, m) {
			const char *t = json_string_value(json_object_get(m, "Type"));
			const char *n = json_string_value(json_object_get(m, "Name"));
			if (t && n && strcmp(t, "volume") == 0 && strcmp(n, name) == 0) {
				const char *cn = json_string_value(json_object_get(st, "Name"));
				*ret_container = berth_xstrdup(cn ? cn : de->d_name);
				return 1;
			}
		}
	}
	return 0;
}

static bool name_is_valid(const char *n)
{
	/* Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+, a leading "/" allowed */
	return berth_object_name_is_valid(n[0] == '/' ? n + 1 : n, 2, 128);
}

static bool name_in_use(int cdir, const char *name)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return false;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_json_ json_t *st = read_state(cdir, de->d_name);
		const char *n = json_string_value(json_object_get(st, "Name"));
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static char *random_name(void)
{
	static const char *const adj[] = {"brave", "calm",  "eager",  "fancy", "gentle", "happy",
					  "jolly", "keen",  "lucid",  "merry", "nifty",	 "proud",
					  "quiet", "sharp", "tender", "vivid"};
	static const char *const noun[] = {
		"anchor", "bollard", "buoy",   "cleat",	  "dock", "ferry", "harbor", "hull",
		"jetty",  "keel",    "marina", "mooring", "pier", "quay",  "rudder", "wharf"};
	char hex[3];
	berth_random_hex(hex, 1);
	unsigned v = (unsigned)strtoul(hex, NULL, 16);
	return berth_xasprintf("%s_%s", adj[v >> 4], noun[v & 15]);
}

/* Docker's ENTRYPOINT/CMD combination. */
static int make_args(const struct berth_run_options *o, char ***ret, struct berth_error **err)
{
	const struct berth_container_image *img = o->image;
	char **args = NULL;
	if (o->entrypoint) {
		if (*o->entrypoint)
			berth_strv_push(&args, o->entrypoint);
		/* an overridden entrypoint drops the image's CMD */
		BERTH_STRV_FOREACH (c, o->cmd)
			berth_strv_push(&args, *c);
	} else {
		BERTH_STRV_FOREACH (e, img ? img->entrypoint : NULL)
			berth_strv_push(&args, *e);
		char *const *cmd = berth_strv_len(o->cmd) ? o->cmd : img ? img->cmd : NULL;
		BERTH_STRV_FOREACH (c, cmd)
			berth_strv_push(&args, *c);
	}
	if (berth_strv_len(args) == 0)
		return berth_error_set(err, EINVAL, "no command specified");
	*ret = args;
	return 0;
}

struct mount_req {
	char *type; /* bind, volume, tmpfs */
	char *source;
	char *target;
	bool ro;
	bool nocopy;
	char *tmpfs_opts;
};

static void mount_req_release(struct mount_req *m)
{
	free(m->type);
	free(m->source);
	free(m->target);
	free(m->tmpfs_opts);
	memset(m, 0, sizeof(*m));
}

static int clean_target(const char *t, const char *spec, struct berth_error **err)
{
	if (t[0] != '/')
		return berth_error_set(err, EINVAL,
				       "invalid mount '%s': target '%s' is not absolute", spec, t);
	if (strcmp(t, "/") == 0)
		return berth_error_set(err, EINVAL, "invalid mount '%s': cannot mount over '/'",
				       spec);
	return 0;
}

/* -v SRC:DST[:OPTS] | -v DST */
static int parse_volume_flag(const char *spec, struct mount_req *m, struct berth_error **err)
{
	_cleanup_strv_free_ char **parts = NULL;
	const char *p = spec;
	while (true) {
		const char *c = strchrnul(p, ':');
		berth_strv_consume(&parts, berth_xstrndup(p, (size_t)(c - p)));
		if (!*c)
			break;
		p = c + 1;
	}
	size_t n = berth_strv_len(parts);
	if (n == 0 || n > 3)
		return berth_error_set(err, EINVAL, "invalid volume specification '%s'", spec);
	if (n == 1) {
		m->type = berth_xstrdup("volume");
		m->target = berth_xstrdup(parts[0]);
	} else {
		m->source = berth_xstrdup(parts[0]);
		m->target = berth_xstrdup(parts[1]);
		m->type = berth_xstrdup(parts[0][0] == '/' ? "bind" : "volume");
	}
	if (n == 3) {
		char *save = NULL;
		for (char *o = strtok_r(parts[2], ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (strcmp(o, "ro") == 0)
				m->ro = true;
			else if (strcmp(o, "rw") == 0)
				m->ro = false;
			else if (strcmp(o, "nocopy") == 0)
				m->nocopy = true;
			else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0 ||
				 strcmp(o, "rprivate") == 0 || strcmp(o, "private") == 0)
				continue;
			else
				return berth_error_set(err, EINVAL,
						       "invalid volume specification '%s': unknown "
						       "option '%s'",
						       spec, o);
		}
	}
	if (!*m->target)
		return berth_error_set(err, EINVAL, "invalid volume specification '%s'", spec);
	return clean_target(m->target, spec, err);
}

static bool truthy(const char *v)
{
	return !v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

/* --mount type=bind|volume|tmpfs,source=..,target=..,readonly,... */
static int parse_mount_flag(const char *spec, struct mount_req *m, struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(spec);
	struct berth_buf tmpfs = BERTH_BUF_INIT;
	char *save = NULL;
	int r = 0;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		if (v)
			*v++ = '\0';
		if (strcmp(kv, "type") == 0 && v) {
			free(m->type);
			m->type = berth_xstrdup(v);
		} else if ((strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) && v) {
			free(m->source);
			m->source = berth_xstrdup(v);
		} else if ((strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 ||
			    strcmp(kv, "dst") == 0) &&
			   v) {
			free(m->target);
			m->target = berth_xstrdup(v);
		} else if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0) {
			m->ro = truthy(v);
		} else if (strcmp(kv, "volume-nocopy") == 0) {
			m->nocopy = truthy(v);
		} else if (strcmp(kv, "tmpfs-size") == 0 && v) {
			int64_t b;
			r = berth_parse_bytes(v, &b, err);
			if (r < 0)
				break;
			berth_buf_addf(&tmpfs, "%ssize=%" PRId64, tmpfs.len ? "," : "", b);
		} else if (strcmp(kv, "tmpfs-mode") == 0 && v) {
			berth_buf_addf(&tmpfs, "%smode=%s", tmpfs.len ? "," : "", v);
		} else if (strcmp(kv, "bind-propagation") == 0 || strcmp(kv, "consistency") == 0) {
			continue;
		} else {
			r = berth_error_set(err, EINVAL, "invalid mount '%s': unknown key '%s'",
					    spec, kv);
			break;
		}
	}
	m->tmpfs_opts = berth_buf_detach(&tmpfs, NULL);
	if (r < 0)
		return r;
	if (!m->type)
		m->type = berth_xstrdup("volume");
	if (!m->target)
		return berth_error_set(err, EINVAL, "invalid mount '%s': target is required", spec);
	if (strcmp(m->type, "bind") == 0) {
		if (!m->source || m->source[0] != '/')
			return berth_error_set(err, EINVAL,
					       "invalid mount '%s': a bind source must be an "
					       "absolute host path",
					       spec);
		struct stat st;
		if (stat(m->source, &st) < 0)
			return berth_error_syscall(err, errno, "bind source path '%s'", m->source);
	} else if (strcmp(m->type, "tmpfs") == 0) {
		if (m->source)
			return berth_error_set(err, EINVAL,
					       "invalid mount '%s': tmpfs takes no "
					       "source",
					       spec);
	} else if (strcmp(m->type, "volume") != 0) {
		return berth_error_set(err, EINVAL,
				       "invalid mount '%s': type '%s' is not one of "
				       "bind, volume, tmpfs",
				       spec, m->type);
	}
	return clean_target(m->target, spec, err);
}

/* Docker's capability names may come without the CAP_ prefix, in any case. */
static char *cap_name(const char *in)
{
	_cleanup_free_ char *up = berth_xstrdup(in);
	for (char *c = up; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	if (strncmp(up, "CAP_", 4) == 0)
		return TAKE_PTR(up);
	return berth_xasprintf("CAP_%s", up);
}

static const char *const all_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
	NULL,
};

static int apply_caps(struct berth_spec *spec, const struct berth_run_options *o,
		      struct berth_error **err)
{
	if (o->privileged) {
		berth_strv_free(spec->capabilities);
		spec->capabilities = berth_runtime_bounding_capabilities();
		return 0;
	}
	BERTH_STRV_FOREACH (d, o->cap_drop) {
		_cleanup_free_ char *n = cap_name(*d);
		if (strcmp(n, "CAP_ALL") == 0) {
			berth_strv_free(spec->capabilities);
			spec->capabilities = NULL;
			continue;
		}
		if (!berth_strv_contains((char *const *)all_caps, n))
			return berth_error_set(err, EINVAL, "unknown capability '%s'", *d);
		char **kept = NULL;
		BERTH_STRV_FOREACH (c, spec->capabilities)
			if (strcmp(*c, n) != 0)
				berth_strv_push(&kept, *c);
		berth_strv_free(spec->capabilities);
		spec->capabilities = kept;
	}
	BERTH_STRV_FOREACH (a, o->cap_add) {
		_cleanup_free_ char *n = cap_name(*a);
		if (strcmp(n, "CAP_ALL") == 0) {
			berth_strv_free(spec->capabilities);
			spec->capabilities = berth_runtime_bounding_capabilities();
			continue;
		}
		if (!berth_strv_contains((char *const *)all_caps, n))
			return berth_error_set(err, EINVAL, "unknown capability '%s'", *a);
		if (!berth_strv_contains(spec->capabilities, n))
			berth_strv_push(&spec->capabilities, n);
	}
	return 0;
}

static const struct {
	const char *name, *rlimit;
} ulimit_names[] = {
	{"core", "RLIMIT_CORE"},	 {"cpu", "RLIMIT_CPU"},
	{"data", "RLIMIT_DATA"},	 {"fsize", "RLIMIT_FSIZE"},
	{"locks", "RLIMIT_LOCKS"},	 {"memlock", "RLIMIT_MEMLOCK"},
	{"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
	{"nofile", "RLIMIT_NOFILE"},	 {"nproc", "RLIMIT_NPROC"},
	{"rss", "RLIMIT_RSS"},		 {"rtprio", "RLIMIT_RTPRIO"},
	{"rttime", "RLIMIT_RTTIME"},	 {"sigpending", "RLIMIT_SIGPENDING"},
	{"stack", "RLIMIT_STACK"},	 {"as", "RLIMIT_AS"},
};

static int parse_ulimit(const char *s, struct berth_spec *spec, struct berth_error **err)
{
	const char *eq = strchr(s, '=');
	if (!eq)
		return berth_error_set(err, EINVAL, "invalid ulimit '%s': want NAME=SOFT[:HARD]",
				       s);
	size_t k;
	for (k = 0; k < ELEMENTSOF(ulimit_names); k++)
		if (strlen(ulimit_names[k].name) == (size_t)(eq - s) &&
		    strncmp(ulimit_names[k].name, s, (size_t)(eq - s)) == 0)
			break;
	if (k == ELEMENTSOF(ulimit_names))
		return berth_error_set(err, EINVAL, "invalid ulimit '%s': unknown name", s);
	char *end = NULL;
	errno = 0;
	long long soft = strtoll(eq + 1, &end, 10), hard = soft;
	if (errno || end == eq + 1 || (*end && *end != ':'))
		return berth_error_set(err, EINVAL, "invalid ulimit '%s'", s);
	if (*end == ':') {
		const char *h = end + 1;
		hard = strtoll(h, &end, 10);
		if (errno || end == h || *end)
			return berth_error_set(err, EINVAL, "invalid ulimit '%s'", s);
	}
	if (soft < -1 || hard < -1 || (hard != -1 && (soft == -1 || soft > hard)))
		return berth_error_set(err, EINVAL, "invalid ulimit '%s': soft above hard", s);
	spec->rlimits =
		berth_xreallocarray(spec->rlimits, spec->n_rlimits + 1, sizeof(*spec->rlimits));
	struct berth_spec_rlimit *l = &spec->rlimits[spec->n_rlimits++];
	l->type = berth_xstrdup(ulimit_names[k].rlimit);
	l->soft = soft == -1 ? UINT64_MAX : (uint64_t)soft;
	l->hard = hard == -1 ? UINT64_MAX : (uint64_t)hard;
	return 0;
}

/* hosts and resolv.conf are network.c's (berth_container_net_etc_files) */
static int write_hostname(int dfd, const char *hostname, bool durable, struct berth_error **err)
{
	_cleanup_free_ char *hn = berth_xasprintf("%s\n", hostname);
	return write_record_file(dfd, "hostname", hn, strlen(hn), 0644, durable, err);
}

struct container {
	char id[65];
	char *name;
	char *dir; /* <store>/containers/<id> */
	int cdir;  /* <store>/containers */
	struct berth_spec spec;
	char **anon_volumes;
	json_t *mounts; /* state.json "Mounts" */
};

/*
 * A container's rootfs: an overlay, made by layer/ for every start, of its
 * lower dirs (bottom first) under the upper and work dirs in
 * containers/<id>/.
 */
struct container_rootfs {
	struct berth_overlay overlay;
	char **lower;
	char *upper, *work;
};

static void container_rootfs_init(struct container_rootfs *rf, const struct container *c,
				  char *const *lower)
{
	rf->lower = berth_strv_copy(lower);
	rf->upper = berth_xasprintf("%s/upper", c->dir);
	rf->work = berth_xasprintf("%s/work", c->dir);
	/* device nodes in the image work in the container, as with Docker */
	rf->overlay = (struct berth_overlay){.lowerdirs = rf->lower,
					     .upper = rf->upper,
					     .work = rf->work,
					     .flags = BERTH_OVERLAY_DEVICES};
}

static void container_rootfs_release(struct container_rootfs *rf)
{
	berth_strv_free(rf->lower);
	free(rf->upper);
	free(rf->work);
	memset(rf, 0, sizeof(*rf));
}

static void container_release(struct container *c)
{
	free(c->name);
	free(c->dir);
	if (c->cdir >= 0)
		close(c->cdir);
	berth_spec_release(&c->spec);
	berth_strv_free(c->anon_volumes);
	if (c->mounts)
		json_decref(c->mounts);
}

static int add_volume_mount(const char *store_root, struct container *c, struct mount_req *m,
			    struct berth_error **err)
{
	struct berth_volume v = {0};
	bool created = false;
	int r = berth_volume_create(store_root, m->source, &v, &created, err);
	if (r < 0)
		return r;
	if (!m->source)
		berth_strv_push(&c->anon_volumes, v.name);
	const char *opts[4] = {"rbind", m->ro ? "ro" : "rw", NULL, NULL};
	if (!m->nocopy)
		opts[2] = "berth.copyup";
	berth_spec_add_mount(&c->spec, m->target, "bind", v.mountpoint, opts);
	json_array_append_new(c->mounts, json_pack("{s:s, s:s, s:s, s:s, s:b}", "Type", "volume",
						   "Name", v.name, "Source", v.mountpoint,
						   "Destination", m->target, "RW", !m->ro));
	berth_volume_release(&v);
	return 0;
}

static int add_mount_req(const char *store_root, struct container *c, struct mount_req *m,
			 bool create_bind_source, struct berth_error **err)
{
	if (strcmp(m->type, "volume") == 0)
		return add_volume_mount(store_root, c, m, err);
	if (strcmp(m->type, "tmpfs") == 0) {
		_cleanup_strv_free_ char **opts = NULL;
		berth_strv_push(&opts, "nosuid");
		berth_strv_push(&opts, "nodev");
		berth_strv_push(&opts, m->ro ? "ro" : "rw");
		if (m->tmpfs_opts && *m->tmpfs_opts) {
			char *save = NULL;
			for (char *o = strtok_r(m->tmpfs_opts, ",", &save); o;
			     o = strtok_r(NULL, ",", &save))
				berth_strv_push(&opts, o);
		}
		berth_spec_add_mount(&c->spec, m->target, "tmpfs", "tmpfs",
				     (const char *const *)opts);
		json_array_append_new(c->mounts,
				      json_pack("{s:s, s:s, s:s, s:b}", "Type", "tmpfs", "Source",
						"", "Destination", m->target, "RW", !m->ro));
		return 0;
	}
	/* a bind mount: its source was required when the request was parsed */
	assert(m->source);
	struct stat st;
	if (stat(m->source, &st) < 0) {
		if (errno != ENOENT || !create_bind_source)
			return berth_error_syscall(err, errno, "bind source path '%s'", m->source);
		/* -v creates a missing host directory, as Docker does */
		int r = berth_mkdir_p(m->source, 0755, err);
		if (r < 0)
			return r;
	}
	berth_spec_add_mount(&c->spec, m->target, "bind", m->source,
			     (const char *[]){"rbind", m->ro ? "ro" : "rw", NULL});
	json_array_append_new(c->mounts,
			      json_pack("{s:s, s:s, s:s, s:b}", "Type", "bind", "Source", m->source,
					"Destination", m->target, "RW", !m->ro));
	return 0;
}

static bool device_perms_valid(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || n > 3 || strspn(p, "rwm") != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr(p + i + 1, p[i]))
			return false;
	return true;
}

/*
 * --device HOST[:CONTAINER][:PERMS], Docker's syntax: the host's node (a
 * symlink to it is followed) is recreated at CONTAINER (default HOST) with
 * its numbers, mode and owner, and allowed with PERMS (default rwm) in the
 * devices cgroup.
 */
static int add_device(struct berth_spec *spec, const char *flag, struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(flag);
	char *host = copy, *ctr = NULL, *perms = "rwm";
	char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c2 && strchr(c2 + 1, ':'))
		return berth_error_set(err, EINVAL, "invalid device specification '%s'", flag);
	if (c1)
		*c1 = '\0';
	if (c2) {
		*c2 = '\0';
		ctr = c1 + 1;
		perms = c2 + 1;
		if (!device_perms_valid(perms))
			return berth_error_set(err, EINVAL, "invalid device mode '%s' in '%s'",
					       perms, flag);
	} else if (c1) {
		if (device_perms_valid(c1 + 1))
			perms = c1 + 1;
		else
			ctr = c1 + 1;
	}
	if (!ctr || !*ctr)
		ctr = host;
	if (host[0] != '/' || ctr[0] != '/' || ctr[strspn(ctr, "/")] == '\0')
		return berth_error_set(err, EINVAL,
				       "invalid device '%s': the paths must be absolute", flag);
	struct stat st;
	if (stat(host, &st) < 0)
		return berth_error_syscall(err, errno,
					   "error gathering device information while adding "
					   "custom device '%s'",
					   host);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return berth_error_set(err, ENOTSUP,
				       "'%s' is not a character or block device (a directory "
				       "of devices is not supported)",
				       host);
	char type = S_ISBLK(st.st_mode) ? 'b' : 'c';
	berth_spec_add_device(spec, ctr, type, major(st.st_rdev), minor(st.st_rdev),
			      st.st_mode & 07777, st.st_uid, st.st_gid);
	berth_spec_add_device_rule(spec, true, type, major(st.st_rdev), minor(st.st_rdev), perms);
	return 0;
}

static bool target_taken(const struct berth_spec *spec, const char *target)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].destination, target) == 0)
			return true;
	return false;
}

/* no-new-privileges[=BOOL] of --security-opt; BOOL as Go's strconv.ParseBool, as Docker reads it. */
static int parse_no_new_privileges(const char *opt, const char *value, bool *ret,
				   struct berth_error **err)
{
	if (!value) {
		*ret = true;
		return 0;
	}
	if (berth_parse_bool(value, ret) < 0)
		return berth_error_set(err, EINVAL, "invalid --security-opt '%s': not a boolean",
				       opt);
	return 0;
}

static int build_spec(const char *store_root, struct container *c,
		      const struct berth_run_options *o, struct berth_error **err)
{
	struct berth_spec *spec = &c->spec;
	const struct berth_container_image *img = o->image;
	int r;

	berth_spec_set_defaults(spec);
	r = make_args(o, &spec->args, err);
	if (r < 0)
		return r;
	spec->hostname = o->hostname ? berth_xstrdup(o->hostname) : berth_xstrndup(c->id, 12);
	if (o->domainname && *o->domainname) {
		/* it goes into hosts files: a name, nothing that could add a line */
		if (!berth_net_name_is_valid(o->domainname, 64))
			return berth_error_set(
				err, EINVAL, "invalid domainname: at most 64 of A-Z a-z 0-9 . - _");
		spec->domainname = berth_xstrdup(o->domainname);
	}
	BERTH_STRV_FOREACH (e, img ? img->env : NULL)
		berth_env_set(&spec->env, *e);
	if (!berth_env_get(spec->env, "PATH"))
		berth_env_set(&spec->env,
			      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	_cleanup_free_ char *hn = berth_xasprintf("HOSTNAME=%s", spec->hostname);
	berth_env_set(&spec->env, hn);
	if (o->tty)
		berth_env_set(&spec->env, "TERM=xterm");
	BERTH_STRV_FOREACH (e, o->env)
		berth_env_set(&spec->env, *e);
	const char *wd = o->workdir				? o->workdir
			 : img && img->workdir && *img->workdir ? img->workdir
								: "/";
	if (wd[0] != '/')
		return berth_error_set(err, EINVAL,
				       "the working directory '%s' is invalid: it "
				       "needs to be an absolute path",
				       wd);
	spec->cwd = berth_xstrdup(wd);
	const char *user = o->user ? o->user : img && img->user && *img->user ? img->user : "0";
	spec->username = berth_xstrdup(user);
	spec->terminal = o->tty;
	spec->root_readonly = o->read_only;
	spec->root_path = berth_xasprintf("%s/merged", c->dir);
	r = apply_caps(spec, o, err);
	if (r < 0)
		return r;
	if (o->privileged) {
		berth_strv_free(spec->masked_paths);
		berth_strv_free(spec->readonly_paths);
		spec->masked_paths = spec->readonly_paths = NULL;
		json_decref(spec->seccomp);
		spec->seccomp = NULL;
		berth_spec_allow_all_devices(spec);
	}
	BERTH_STRV_FOREACH (d, o->devices) {
		r = add_device(spec, *d, err);
		if (r < 0)
			return r;
	}
	/*
	 * Docker's default is off: setuid tools of an image (su, sudo, ping on
	 * old images) need it; --security-opt no-new-privileges turns it on.
	 */
	spec->no_new_privileges = false;
	BERTH_STRV_FOREACH (s, o->security_opts) {
		const char *v = strchr(*s, '=');
		if (!v)
			v = strchr(*s, ':');
		if (strncmp(*s, "no-new-privileges", 17) == 0 && (!v || v == *s + 17)) {
			r = parse_no_new_privileges(*s, v ? v + 1 : NULL, &spec->no_new_privileges,
						    err);
			if (r < 0)
				return r;
		} else if (strncmp(*s, "seccomp", 7) == 0 && v && v == *s + 7) {
			json_decref(spec->seccomp);
			spec->seccomp = NULL;
			if (strcmp(v + 1, "unconfined") != 0) {
				r = berth_seccomp_load_profile(v + 1, &spec->seccomp, err);
				if (r < 0)
					return r;
			}
		} else {
			return berth_error_set(err, EINVAL, "invalid --security-opt '%s'", *s);
		}
	}
	spec->memory_limit = o->memory;
	if (o->nano_cpus >= 0) {
		spec->cpu_period = 100000;
		spec->cpu_quota = o->nano_cpus / 10000;
		if (spec->cpu_quota < 1000)
			spec->cpu_quota = 1000;
	}
	spec->pids_limit = o->pids_limit;
	BERTH_STRV_FOREACH (u, o->ulimits) {
		r = parse_ulimit(*u, spec, err);
		if (r < 0)
			return r;
	}

	BERTH_STRV_FOREACH (t, o->tmpfs) {
		_cleanup_(mount_req_release) struct mount_req m = {0};
		const char *colon = strchr(*t, ':');
		m.type = berth_xstrdup("tmpfs");
		m.target = colon ? berth_xstrndup(*t, (size_t)(colon - *t)) : berth_xstrdup(*t);
		m.tmpfs_opts = berth_xstrdup(colon ? colon + 1 : "noexec");
		r = clean_target(m.target, *t, err);
		if (r < 0)
			return r;
		r = add_mount_req(store_root, c, &m, false, err);
		if (r < 0)
			return r;
	}
	BERTH_STRV_FOREACH (v, o->volumes) {
		_cleanup_(mount_req_release) struct mount_req m = {0};
		r = parse_volume_flag(*v, &m, err);
		if (r < 0)
			return r;
		r = add_mount_req(store_root, c, &m, true, err);
		if (r < 0)
			return r;
	}
	BERTH_STRV_FOREACH (v, o->mounts) {
		_cleanup_(mount_req_release) struct mount_req m = {0};
		r = parse_mount_flag(*v, &m, err);
		if (r < 0)
			return r;
		r = add_mount_req(store_root, c, &m, false, err);
		if (r < 0)
			return r;
	}
	/* the image's VOLUMEs not covered by a mount become anonymous volumes */
	BERTH_STRV_FOREACH (v, img ? img->volumes : NULL) {
		if (target_taken(spec, *v) || (*v)[0] != '/')
			continue;
		struct mount_req m = {.type = berth_xstrdup("volume"), .target = berth_xstrdup(*v)};
		r = add_mount_req(store_root, c, &m, false, err);
		mount_req_release(&m);
		if (r < 0)
			return r;
	}
	/* files of /etc berth provides, last: a volume on /etc must not hide them */
	static const char *const etc[] = {"hosts", "hostname", "resolv.conf"};
	for (size_t i = 0; i < ELEMENTSOF(etc); i++) {
		_cleanup_free_ char *src = berth_xasprintf("%s/%s", c->dir, etc[i]);
		_cleanup_free_ char *dst = berth_xasprintf("/etc/%s", etc[i]);
		berth_spec_add_mount(spec, dst, "bind", src,
				     (const char *[]){"rbind", "rprivate", NULL});
	}
	return 0;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	BERTH_STRV_FOREACH (s, v)
		json_array_append_new(a, json_string(*s));
	return a;
}

/* "K=V" entries into obj (a later key replaces an earlier one; "K" alone: an empty value). */
static void labels_set(json_t *obj, char *const *labels)
{
	BERTH_STRV_FOREACH (l, labels) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? berth_xstrndup(*l, (size_t)(eq - *l)) : NULL;
		json_object_set_new(obj, k ? k : *l, json_string(eq ? eq + 1 : ""));
	}
}

/* The image's labels with --label over them, in key order (as Docker's JSON of a map). */
static json_t *make_labels(const struct berth_run_options *o)
{
	_cleanup_json_ json_t *all = json_object();
	labels_set(all, o->image ? o->image->labels : NULL);
	labels_set(all, o->labels);
	_cleanup_strv_free_ char **keys = NULL;
	const char *k;
	json_t *v;
	json_object_foreach (all, k, v)
		berth_strv_push(&keys, k);
	berth_strv_sort(keys);
	json_t *sorted = json_object();
	BERTH_STRV_FOREACH (key, keys)
		json_object_set(sorted, *key, json_object_get(all, *key));
	return sorted;
}

static json_t *make_state(const struct container *c, const struct berth_run_options *o)
{
	_cleanup_free_ char *now = berth_container_now();
	json_t *st = json_object();
	json_object_set_new(st, "Id", json_string(c->id));
	json_object_set_new(st, "Name", json_string(c->name));
	json_object_set_new(st, "Created", json_string(now));
	json_object_set_new(st, "Path", json_string(c->spec.args[0]));
	json_object_set_new(st, "Args", strv_json(c->spec.args + 1));
	json_object_set_new(st, "Image", json_string(o->image && o->image->id ? o->image->id : ""));
	json_object_set_new(st, "ImageRef",
			    json_string(o->image && o->image->ref ? o->image->ref : ""));
	json_object_set_new(st, "Rootfs", json_string(o->rootfs ? o->rootfs : ""));
	json_object_set_new(st, "State",
			    json_pack("{s:s, s:b, s:i, s:i, s:s, s:s}", "Status", "created",
				      "Running", 0, "Pid", 0, "ExitCode", 0, "StartedAt",
				      "0001-01-01T00:00:00Z", "FinishedAt",
				      "0001-01-01T00:00:00Z"));
	json_t *cfg = json_object();
	json_object_set_new(cfg, "Hostname", json_string(c->spec.hostname));
	json_object_set_new(cfg, "Domainname",
			    json_string(c->spec.domainname ? c->spec.domainname : ""));
	json_object_set_new(cfg, "User", json_string(c->spec.username ? c->spec.username : ""));
	json_object_set_new(cfg, "Env", strv_json(c->spec.env));
	json_object_set_new(cfg, "Cmd", strv_json(c->spec.args));
	json_object_set_new(cfg, "WorkingDir", json_string(c->spec.cwd));
	json_object_set_new(cfg, "Tty", json_boolean(o->tty));
	json_object_set_new(cfg, "OpenStdin", json_boolean(o->interactive));
	const char *ss = o->stop_signal ? o->stop_signal
			 : o->image && o->image->stop_signal && *o->image->stop_signal
				 ? o->image->stop_signal
				 : "SIGTERM";
	json_object_set_new(cfg, "StopSignal", json_string(ss));
	struct berth_health_config hc;
	berth_health_config_merge(o->image ? o->image->health : NULL, o->health, &hc);
	if (hc.test)
		json_object_set_new(cfg, "Healthcheck", berth_health_config_to_json(&hc));
	if (o->image && o->image->shell)
		json_object_set_new(cfg, "Shell", strv_json(o->image->shell));
	berth_health_config_release(&hc);
	json_object_set_new(cfg, "Labels", make_labels(o));
	json_object_set_new(st, "Config", cfg);
	json_object_set_new(st, "HostConfig",
			    json_pack("{s:b, s:b, s:b, s:s, s:s}", "AutoRemove", o->rm, "Init",
				      o->init, "ReadonlyRootfs", o->read_only, "NetworkMode",
				      o->network ? o->network : "bridge", "RestartPolicy",
				      o->restart ? o->restart : "no"));
	json_object_set(st, "Mounts", c->mounts);
	json_object_set_new(st, "AnonymousVolumes", strv_json(c->anon_volumes));
	return st;
}

static int create_container(const char *store_root, const struct berth_run_options *o,
			    struct container *c, struct berth_error **err)
{
	int r;
	c->cdir = containers_dir(store_root, err);
	if (c->cdir < 0)
		return c->cdir;
	if (o->name) {
		if (!name_is_valid(o->name))
			return berth_error_set(err, EINVAL,
					       "invalid container name '%s': only "
					       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
					       o->name);
		const char *n = o->name[0] == '/' ? o->name + 1 : o->name;
		if (name_in_use(c->cdir, n))
			return berth_error_set(err, EEXIST,
					       "the container name '%s' is already in use", n);
		c->name = berth_xstrdup(n);
	} else {
		for (int i = 0; i < 8 && !c->name; i++) {
			char *n = random_name();
			if (name_in_use(c->cdir, n))
				free(n);
			else
				c->name = n;
		}
		if (!c->name)
			c->name = berth_xasprintf("berth_%.12s", c->id);
	}
	if (mkdirat(c->cdir, c->id, 0700) < 0)
		return berth_error_syscall(err, errno, "create container '%s'", c->id);
	c->dir = berth_xasprintf("%s/containers/%s", store_root, c->id);
	_cleanup_close_ int dfd = openat(c->cdir, c->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open container '%s'", c->id);
	static const char *const dirs[] = {"upper", "work", "merged"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
		if (mkdirat(dfd, dirs[i], 0755) < 0)
			return berth_error_syscall(err, errno, "create '%s/%s'", c->dir, dirs[i]);
	c->mounts = json_array();
	r = build_spec(store_root, c, o, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *st = make_state(c, o);
	r = berth_container_net_configure(store_root, o, &c->spec, st, err);
	if (r < 0)
		return r;
	r = write_hostname(dfd, c->spec.hostname, !o->rm, err);
	if (r < 0)
		return r;
	r = berth_container_net_etc_files(store_root, dfd, o, c->spec.hostname, st, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *sj = berth_spec_to_json(&c->spec);
	_cleanup_free_ char *s = berth_json_dump(sj, NULL);
	r = write_record_file(dfd, "config.json", s, strlen(s), 0600, !o->rm, err);
	if (r < 0)
		return r;
	return write_state(c->cdir, c->id, st, err);
}

/* Removes the record and, as Docker's --rm does, its anonymous volumes. */
static void remove_container(const char *store_root, struct container *c)
{
	if (c->cdir >= 0 && c->id[0])
		berth_rm_rf_at(c->cdir, c->id, NULL);
	BERTH_STRV_FOREACH (v, c->anon_volumes)
		berth_volume_remove(store_root, *v, true, NULL);
}

/* ---- the monitor: parent of a container's process, detached or foreground ---- */

static int parse_restart(const char *policy, int *ret_max, bool *ret_always,
			 struct berth_error **err)
{
	*ret_max = 0;
	*ret_always = false;
	if (!policy || strcmp(policy, "no") == 0)
		return 0;
	if (strcmp(policy, "always") == 0 || strcmp(policy, "unless-stopped") == 0) {
		*ret_always = true;
		return 0;
	}
	if (strncmp(policy, "on-failure", 10) == 0) {
		if (policy[10] == '\0') {
			*ret_max = INT32_MAX;
			return 0;
		}
		char *end = NULL;
		long n = policy[10] == ':' ? strtol(policy + 11, &end, 10) : -1;
		if (n >= 0 && end && !*end && end != policy + 11) {
			*ret_max = n ? (int)n : INT32_MAX;
			return 0;
		}
	}
	return berth_error_set(err, EINVAL, "invalid restart policy '%s'", policy);
}

/* One json-file log line, as Docker's json-file driver writes it. */
static void log_line(int log_fd, const char *stream, const char *data, size_t len)
{
	_cleanup_free_ char *now = berth_container_now();
	json_t *j = json_object();
	json_object_set_new(j, "log", json_stringn(data, len));
	json_object_set_new(j, "stream", json_string(stream));
	json_object_set_new(j, "time", json_string(now));
	_cleanup_free_ char *s = berth_json_dump(j, NULL);
	json_decref(j);
	struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addf(&b, "%s\n", s);
	berth_write_all(log_fd, b.buf, b.len, NULL);
	berth_buf_release(&b);
}

/* A failure of berth's own, in the container's log: the monitor has no terminal to print to. */
static void log_error(int log_fd, struct berth_error *e)
{
	_cleanup_free_ char *line = berth_xasprintf("berth: %s\n", berth_error_msg(e));
	log_line(log_fd, "stderr", line, strlen(line));
}

struct log_stream {
	int fd;
	const char *name;
	int echo_fd; /* foreground: berth's stdout or stderr, else -1 */
	struct berth_buf pending;
};

/* Reads what is there into the log (and the echo); false at EOF or on an error. */
static bool pump(struct log_stream *ls, int log_fd)
{
	char buf[8192];
	ssize_t n = read(ls->fd, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0) {
		/* a pty reads EIO once the container's side is closed */
		if (ls->pending.len)
			log_line(log_fd, ls->name, ls->pending.buf, ls->pending.len);
		berth_buf_reset(&ls->pending);
		return false;
	}
	/* a reader that went away (EPIPE) ends the echo, not the log */
	if (ls->echo_fd >= 0 && berth_write_all(ls->echo_fd, buf, (size_t)n, NULL) < 0)
		ls->echo_fd = -1;
	berth_buf_add(&ls->pending, buf, (size_t)n);
	char *start = ls->pending.buf, *nl;
	while ((nl = memchr(start, '\n', ls->pending.len - (size_t)(start - ls->pending.buf)))) {
		log_line(log_fd, ls->name, start, (size_t)(nl - start + 1));
		start = nl + 1;
	}
	size_t rest = ls->pending.len - (size_t)(start - ls->pending.buf);
	memmove(ls->pending.buf, start, rest);
	berth_buf_setlen(&ls->pending, rest);
	return true;
}

/*
 * cgroups: while running, the container's cgroup directories, so that `rm`
 * can still remove them when the monitor died without doing it (SIGKILL).
 */
static int set_state(int cdir, const char *id, const char *status, int pid, int exit_code,
		     int restarts, char *const *cgroups, struct berth_error **err)
{
	_cleanup_json_ json_t *st = read_state(cdir, id);
	if (!st)
		return berth_error_set(err, ENOENT, "container '%s' has no readable state", id);
	json_t *s = json_object_get(st, "State");
	_cleanup_free_ char *now = berth_container_now();
	bool running = strcmp(status, "running") == 0;
	json_object_set_new(s, "Status", json_string(status));
	json_object_set_new(s, "Running", json_boolean(running));
	json_object_set_new(s, "Pid", json_integer(pid));
	json_object_set_new(s, "MonitorPid", json_integer(running ? getpid() : 0));
	json_object_set_new(s, "ExitCode", json_integer(exit_code));
	json_object_set_new(s, running ? "StartedAt" : "FinishedAt", json_string(now));
	json_object_set_new(st, "RestartCount", json_integer(restarts));
	if (running)
		json_object_set_new(st, "CgroupPaths", strv_json(cgroups));
	int r = write_state(cdir, id, st, err);
	if (r < 0)
		return berth_error_prefix(err, "record container '%s' %s", id, status);
	return 0;
}

/* What the monitor tells the berth that started it, over a pipe (one write each). */
enum {
	MONITOR_STARTED = 1,
	MONITOR_FAILED = 2,
	MONITOR_EXITED = 3,
};

struct monitor_msg {
	int kind;
	int pid;	 /* STARTED: the container's main process */
	int exit_code;	 /* FAILED, EXITED */
	int exec_errno;	 /* FAILED: the command could not be executed */
	bool detached;	 /* EXITED: the monitor goes on in the background (restart policy) */
	char text[1024]; /* FAILED: the error */
};

static void monitor_send(int fd, const struct monitor_msg *m)
{
	if (fd >= 0)
		(void)!write(fd, m, sizeof(*m));
}

/* One message, or -1 at EOF or on an error. */
static int monitor_recv(int fd, struct monitor_msg *m)
{
	ssize_t n;
	do
		n = read(fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m)) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

struct monitor {
	const char *store_root;
	struct container *c;
	struct berth_runtime_config *cfg;
	bool rm, always, foreground;
	int max_restarts;
	int notify_fd;
	pid_t parent; /* foreground: the berth that waits for the first run */
};

/*
 * A foreground monitor learns of its berth's death by PR_SET_PDEATHSIG
 * (SIGTERM): the container is killed, and the monitor then goes through
 * its usual end (wait, cgroups removed, state recorded, --rm honoured), so
 * a SIGKILL'ed `berth run` leaves neither a process nor a cgroup behind.
 */
static volatile sig_atomic_t monitor_child;
static volatile sig_atomic_t monitor_orphaned;

static void monitor_on_parent_death(int sig)
{
	(void)sig;
	monitor_orphaned = 1;
	if (monitor_child > 0)
		kill((pid_t)monitor_child, SIGKILL);
}

/*
 * Copies the container's output to the log (and, in the foreground, to
 * berth's stdout/stderr) until its side is closed; with a terminal in the
 * foreground, berth's stdin goes to the terminal too.
 */
static void monitor_pump(struct monitor *m, int out, int errp, int pty, int log_fd)
{
	struct log_stream ls[3] = {
		{out, "stdout", m->foreground ? STDOUT_FILENO : -1, BERTH_BUF_INIT},
		{errp, "stderr", m->foreground ? STDERR_FILENO : -1, BERTH_BUF_INIT},
		{pty, "stdout", m->foreground ? STDOUT_FILENO : -1, BERTH_BUF_INIT},
	};
	bool open_[3] = {true, true, pty >= 0};
	int in = m->foreground && pty >= 0 ? m->cfg->stdio[0] : -1;
	while (open_[0] || open_[1] || open_[2]) {
		struct pollfd fds[4] = {{open_[0] ? out : -1, POLLIN, 0},
					{open_[1] ? errp : -1, POLLIN, 0},
					{open_[2] ? pty : -1, POLLIN, 0},
					{in, POLLIN, 0}};
		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 3; i++)
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				open_[i] = pump(&ls[i], log_fd);
		if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[4096];
			ssize_t n = read(in, buf, sizeof(buf));
			if (n > 0)
				berth_write_all(pty, buf, (size_t)n, NULL);
			else if (n == 0 || errno != EINTR)
				in = -1;
		}
	}
	for (int i = 0; i < 3; i++)
		berth_buf_release(&ls[i].pending);
}

/*
 * A start that failed: the record says exited, berth is told why, the
 * monitor ends. The record is written first: once told, `run -d` removes
 * the container, and a write after that would bring a record back.
 */
static _Noreturn void monitor_fail(struct monitor *m, int log_fd, struct berth_error *err,
				   int exit_code, int exec_errno, int restarts)
{
	struct monitor_msg msg = {
		.kind = MONITOR_FAILED, .exit_code = exit_code, .exec_errno = exec_errno};
	snprintf(msg.text, sizeof(msg.text), "%s", berth_error_msg(err));
	log_error(log_fd, err);
	set_state(m->c->cdir, m->c->id, "exited", 0, msg.exit_code, restarts, NULL, NULL);
	monitor_send(m->notify_fd, &msg);
	_exit(1);
}

/*
 * The monitor: parent of the container's process, it keeps the json-file
 * log and the state, and restarts the process as the policy says. Detached
 * (`run -d`, `start`) it runs in its own session; in the foreground it is
 * the child of `berth run`, shares its terminal and dies with it (killing
 * the container). notify_fd gets STARTED or FAILED once the first start
 * succeeded or failed, and in the foreground EXITED when the first run
 * ended: the restart policy then goes on in the background, as Docker's
 * does while its CLI returns after the first run.
 */
static _Noreturn void monitor_main(struct monitor *m)
{
	struct container *c = m->c;
	struct berth_runtime_config *cfg = m->cfg;
	_cleanup_free_ char *log_name = berth_xasprintf("%s/%s-json.log", c->id, c->id);
	int log_fd = openat(c->cdir, log_name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int restarts = 0;
	int net_lock = -EBADF;
	{
		struct berth_error *err = NULL;
		if (berth_container_net_up(m->store_root, c->cdir, c->id, c->spec.hostname,
					   &c->spec, &net_lock, &err) < 0)
			monitor_fail(m, log_fd, err, 125, 0, 0);
	}
	for (;;) {
		int out[2], errp[2];
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
			_exit(125);
		if (!m->foreground)
			cfg->stdio[0] = -1;
		cfg->stdio[1] = out[1];
		cfg->stdio[2] = errp[1];
		struct berth_runtime_process p;
		struct berth_runtime_result res = {0};
		struct berth_error *err = NULL;
		int r = berth_runtime_start(cfg, &p, &res, &err);
		close(out[1]);
		close(errp[1]);
		if (r >= 0) {
			monitor_child = p.pid;
			if (monitor_orphaned)
				kill(p.pid, SIGKILL);
			/* a container no record shows as running could not be stopped */
			r = set_state(c->cdir, c->id, "running", p.pid, 0, restarts, p.cgroup.dirs,
				      &err);
			if (r < 0) {
				berth_runtime_process_release(&p, NULL);
				res.exit_code = 125;
			}
		}
		if (r < 0) {
			berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
			monitor_fail(m, log_fd, err, res.exec_errno ? res.exit_code : 125,
				     res.exec_errno, restarts);
		}
		/* before STARTED: `run -d` returns with the health "starting" */
		pid_t prober = berth_container_health_start(m->store_root, c->id, p.pid);
		if (restarts == 0) {
			struct monitor_msg msg = {.kind = MONITOR_STARTED, .pid = p.pid};
			monitor_send(m->notify_fd, &msg);
			if (!m->foreground) {
				close(m->notify_fd);
				m->notify_fd = -1;
			}
		}
		struct termios saved_tio;
		bool raw = false;
		if (m->foreground && p.pty_master >= 0 && cfg->stdio[0] >= 0 &&
		    tcgetattr(cfg->stdio[0], &saved_tio) == 0) {
			struct termios t = saved_tio;
			cfmakeraw(&t);
			raw = tcsetattr(cfg->stdio[0], TCSANOW, &t) == 0;
		}
		monitor_pump(m, out[0], errp[0], p.pty_master, log_fd);
		if (raw)
			tcsetattr(cfg->stdio[0], TCSANOW, &saved_tio);
		close(out[0]);
		close(errp[0]);
		int code = berth_runtime_wait(&p, NULL);
		berth_container_health_stop(m->store_root, c->id, prober);
		berth_runtime_process_release(&p, NULL);
		monitor_child = 0;
		/* a `stop` marks the record: a stopped container is not restarted */
		_cleanup_json_ json_t *st = read_state(c->cdir, c->id);
		bool stopped = json_is_true(json_object_get(st, "StopRequested"));
		bool again = !stopped && !monitor_orphaned &&
			     (m->always || (code != 0 && restarts < m->max_restarts));
		/* the network goes before the record says exited: rm and stop wait for that */
		if (!again) {
			berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
			net_lock = -EBADF;
		}
		if (set_state(c->cdir, c->id, "exited", 0, code, restarts, NULL, &err) < 0) {
			log_error(log_fd, err);
			berth_error_free(&err);
		}
		if (m->foreground) {
			/* from here on the monitor outlives its berth, or ends now */
			if (again) {
				prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
				again = !monitor_orphaned && getppid() == m->parent;
			}
			struct monitor_msg msg = {
				.kind = MONITOR_EXITED, .exit_code = code, .detached = again};
			monitor_send(m->notify_fd, &msg);
			if (again) {
				close(m->notify_fd);
				m->notify_fd = -1;
				m->foreground = false;
				setsid();
				int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
				for (int fd = 0; fd < 3; fd++)
					dup2(devnull, fd);
			}
		}
		if (!again)
			break;
		restarts++;
	}
	berth_container_net_down(m->store_root, c->cdir, c->id, net_lock);
	if (m->rm)
		remove_container(m->store_root, c);
	_exit(0);
}

/* The monitor's process: its own session (detached) or berth's child (foreground). */
static _Noreturn void monitor_process(struct monitor *m)
{
	if (m->foreground) {
		struct sigaction sa = {.sa_handler = monitor_on_parent_death};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		if (getppid() != m->parent)
			monitor_orphaned = 1;
		/* berth forwards these to the container; the terminal sends them to us too */
		static const int fwd[] = {SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};
		for (size_t i = 0; i < ELEMENTSOF(fwd); i++)
			signal(fwd[i], SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		monitor_main(m);
	}
	setsid();
	if (fork() != 0)
		_exit(0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		dup2(devnull, fd);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	monitor_main(m);
}

/*
 * Starts the container under a monitor. Detached: returns once it runs.
 * Foreground: forwards berth's signals to it and returns when its first run
 * ended, with its exit code in ret_result; a monitor with restarts left goes
 * on in the background.
 */
static int start_monitor(const char *store_root, struct container *c,
			 struct berth_runtime_config *cfg, bool rm, const char *restart,
			 bool foreground, struct berth_runtime_result *ret_result,
			 struct berth_error **err)
{
	struct monitor m = {.store_root = store_root,
			    .c = c,
			    .cfg = cfg,
			    .rm = rm,
			    .foreground = foreground,
			    .parent = getpid()};
	int r = parse_restart(restart, &m.max_restarts, &m.always, err);
	if (r < 0)
		return r;
	ret_result->exit_code = 125;
	ret_result->exec_errno = 0;
	int notify[2];
	if (pipe2(notify, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	_cleanup_close_ int nfd = notify[0];
	fflush(NULL);
	_cleanup_pid_ pid_t pid = fork();
	if (pid < 0) {
		close(notify[1]);
		return berth_error_syscall(err, errno, "fork the monitor");
	}
	if (pid == 0) {
		close(nfd);
		m.notify_fd = notify[1];
		monitor_process(&m);
	}
	close(notify[1]);
	if (!foreground)
		/* the first child exits at once, leaving the monitor to init */
		waitpid(TAKE_PID(pid), NULL, 0);
	struct monitor_msg msg;
	if (monitor_recv(nfd, &msg) < 0 || msg.kind != MONITOR_STARTED) {
		/* the monitor exits by itself after a failed start */
		if (pid > 0)
			waitpid(TAKE_PID(pid), NULL, 0);
		if (msg.kind != MONITOR_FAILED)
			return berth_error_set(err, EIO, "the monitor exited before starting");
		ret_result->exit_code = msg.exit_code;
		ret_result->exec_errno = msg.exec_errno;
		return berth_error_set(err, msg.exec_errno ? msg.exec_errno : EIO, "%s", msg.text);
	}
	if (!foreground)
		return 0;
	struct berth_runtime_forward fwd;
	berth_runtime_forward_begin(msg.pid, &fwd);
	r = monitor_recv(nfd, &msg);
	berth_runtime_forward_end(&fwd);
	if (r < 0 || msg.kind != MONITOR_EXITED) {
		waitpid(TAKE_PID(pid), NULL, 0);
		return berth_error_set(err, EIO, "the monitor of container '%s' died", c->id);
	}
	ret_result->exit_code = msg.exit_code;
	if (msg.detached)
		TAKE_PID(pid); /* it goes on with the restart policy */
	else
		waitpid(TAKE_PID(pid), NULL, 0);
	return 0;
}

int berth_container_run(const char *store_root, const struct berth_run_options *o,
			struct berth_run_result *ret, struct berth_error **err)
{
	struct container c = {.cdir = -EBADF};
	_cleanup_(container_rootfs_release) struct container_rootfs rootfs = {0};
	_cleanup_free_ char *empty = NULL;
	int r;

	berth_spec_init(&c.spec);
	memset(ret, 0, sizeof(*ret));
	if (!o->rootfs && !o->image) {
		container_release(&c);
		return berth_error_set(err, EINVAL, "no image and no --rootfs given");
	}
	berth_random_hex(c.id, 32);
	memcpy(ret->id, c.id, sizeof(c.id));
	_cleanup_free_ char *rootfs_abs = NULL;
	if (o->rootfs) {
		rootfs_abs = realpath(o->rootfs, NULL);
		struct stat st;
		if (!rootfs_abs || stat(rootfs_abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
			container_release(&c);
			return berth_error_set(err, ENOENT, "rootfs '%s' is not a directory",
					       o->rootfs);
		}
	}
	r = create_container(store_root, o, &c, err);
	if (r < 0)
		goto out_remove;

	char *rootfs_lower[2] = {rootfs_abs, NULL};
	char *empty_lower[2] = {NULL, NULL};
	if (!o->rootfs && berth_strv_len(o->image->lowerdirs) == 0) {
		/* an image without layers: overlay still needs one lower dir */
		empty = berth_xasprintf("%s/empty", c.dir);
		if (mkdir(empty, 0755) < 0) {
			r = berth_error_syscall(err, errno, "create '%s'", empty);
			goto out_remove;
		}
		empty_lower[0] = empty;
	}
	container_rootfs_init(&rootfs, &c,
			      o->rootfs ? rootfs_lower
			      : empty	? empty_lower
					: o->image->lowerdirs);
	struct berth_runtime_config cfg = {
		.spec = &c.spec,
		.id = c.id,
		.open_rootfs = berth_overlay_open_cb,
		.rootfs_ctx = &rootfs.overlay,
		.stdio = {o->interactive ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO},
		.init = o->init,
	};
	struct berth_runtime_result res = {0};
	{
		_cleanup_json_ json_t *st = read_state(c.cdir, c.id);
		json_t *l = json_array();
		/* top first, as overlay's lowerdir= option listed them when berth used it */
		for (size_t i = berth_strv_len(rootfs.lower); i > 0; i--)
			json_array_append_new(l, json_string(rootfs.lower[i - 1]));
		json_object_set_new(st, "Lowerdirs", l);
		r = st ? write_state(c.cdir, c.id, st, err)
		       : berth_error_set(err, EIO, "container '%s' has no readable state", c.id);
		if (r < 0)
			goto out_remove;
	}
	if (o->create_only) {
		/* `create`: the record is complete; `start` runs it */
		container_release(&c);
		return 0;
	}
	/* foreground or not, a monitor owns the container: ps, stop, exec, logs see it */
	r = start_monitor(store_root, &c, &cfg, o->rm, o->restart, !o->detach, &res, err);
	ret->exit_code = res.exit_code;
	ret->exec_errno = res.exec_errno;
	if (r < 0 && !res.exec_errno)
		goto out_remove;
	/* a command that could not be executed leaves an exited record, gone with --rm */
	if (r < 0 && o->rm)
		remove_container(store_root, &c);
	container_release(&c);
	return r;

out_remove:
	/* a container that never ran leaves nothing behind */
	remove_container(store_root, &c);
	container_release(&c);
	return r;
}

/* ---- lifecycle of recorded containers ---- */

static bool state_running(const json_t *st)
{
	json_t *s = json_object_get(st, "State");
	if (!json_is_true(json_object_get(s, "Running")))
		return false;
	json_int_t mon = json_integer_value(json_object_get(s, "MonitorPid"));
	return mon > 0 && kill((pid_t)mon, 0) == 0;
}

int berth_container_find(const char *store_root, const char *what, char **ret_id,
			 struct berth_error **err)
{
	_cleanup_close_ int cdir = containers_dir(store_root, err);
	if (cdir < 0)
		return cdir;
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read containers");
	char *found = NULL;
	int matches = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
			continue;
		if (strcmp(de->d_name, what) == 0) {
			free(found);
			*ret_id = berth_xstrdup(de->d_name);
			return 0;
		}
		_cleanup_json_ json_t *st = read_state(cdir, de->d_name);
		const char *n = json_string_value(json_object_get(st, "Name"));
		if (n && strcmp(n, what[0] == '/' ? what + 1 : what) == 0) {
			free(found);
			*ret_id = berth_xstrdup(de->d_name);
			return 0;
		}
		if (strncmp(de->d_name, what, strlen(what)) == 0) {
			matches++;
			free(found);
			found = berth_xstrdup(de->d_name);
		}
	}
	if (matches == 1 && *what) {
		*ret_id = found;
		return 0;
	}
	free(found);
	if (matches > 1)
		return berth_error_set(err, EINVAL, "multiple containers match '%s'", what);
	return berth_error_set(err, ENOENT, "no such container: '%s'", what);
}

int berth_container_inspect(const char *store_root, const char *what, json_t **ret,
			    struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	int r = berth_container_find(store_root, what, &id, err);
	if (r < 0)
		return r;
	_cleanup_close_ int cdir = containers_dir(store_root, err);
	if (cdir < 0)
		return cdir;
	json_t *st = read_state(cdir, id);
	if (!st)
		return berth_error_set(err, EBADMSG, "container '%s' has no readable state", id);
	/* a monitor that died (host reboot, kill -9) leaves "running" behind */
	if (json_is_true(json_object_get(json_object_get(st, "State"), "Running")) &&
	    !state_running(st)) {
		json_t *s = json_object_get(st, "State");
		json_object_set_new(s, "Running", json_false());
		json_object_set_new(s, "Status", json_string("exited"));
	}
	berth_container_state_set_paused(st);
	berth_container_health_inspect(store_root, id, st);
	*ret = st;
	return 0;
}

int berth_container_list(const char *store_root, json_t **ret, struct berth_error **err)
{
	_cleanup_close_ int cdir = containers_dir(store_root, err);
	if (cdir < 0)
		return cdir;
	_cleanup_closedir_ DIR *d = berth_opendir_at(cdir, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read containers");
	json_t *all = json_array();
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
			continue;
		json_t *st = NULL;
		if (berth_container_inspect(store_root, de->d_name, &st, NULL) < 0)
			continue;
		json_array_append_new(all, st);
	}
	*ret = all;
	return 0;
}

int berth_container_kill(const char *store_root, const char *what, int sig,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_inspect(store_root, what, &st, err);
	if (r < 0)
		return r;
	if (!state_running(st))
		return berth_error_set(err, EINVAL, "container '%s' is not running", what);
	json_int_t pid = json_integer_value(json_object_get(json_object_get(st, "State"), "Pid"));
	if (pid <= 0 || kill((pid_t)pid, sig) < 0)
		return berth_error_syscall(err, errno ? errno : ESRCH, "kill container '%s'", what);
	if (sig == SIGKILL)
		berth_container_thaw(st); /* a frozen process dies only once thawed */
	return 0;
}

int berth_container_wait(const char *store_root, const char *what, int timeout_ms, int *ret_code,
			 struct berth_error **err)
{
	return berth_container_wait_for(store_root, what, BERTH_WAIT_NOT_RUNNING, timeout_ms,
					ret_code, err);
}

int berth_container_wait_for(const char *store_root, const char *what,
			     enum berth_wait_condition cond, int timeout_ms, int *ret_code,
			     struct berth_error **err)
{
	_cleanup_free_ char *id = NULL, *finished = NULL;
	int r = berth_container_find(store_root, what, &id, err);
	if (r < 0)
		return r;
	for (int waited = 0;; waited += 50) {
		_cleanup_json_ json_t *st = NULL;
		r = berth_container_inspect(store_root, id, &st, err);
		/* EBADMSG: caught between the removal of state.json and of its directory */
		if ((r == -ENOENT || r == -EBADMSG) && cond == BERTH_WAIT_REMOVED && finished) {
			berth_error_free(err);
			return 0;
		}
		if (r < 0)
			return r;
		json_t *s = json_object_get(st, "State");
		const char *at = json_string_value(json_object_get(s, "FinishedAt"));
		bool running = state_running(st);
		/* next-exit: an exit recorded after the first look (FinishedAt moved) */
		bool exited = !running && (cond != BERTH_WAIT_NEXT_EXIT ||
					   (finished && at && strcmp(at, finished) != 0));
		if (!finished)
			finished = berth_xstrdup(at ? at : "");
		if (exited || (!running && cond == BERTH_WAIT_REMOVED))
			*ret_code = (int)json_integer_value(json_object_get(s, "ExitCode"));
		if (exited && cond != BERTH_WAIT_REMOVED)
			return 0;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
	}
}

/*
 * Records whether a stop was asked for: the monitor reads it before it
 * applies the restart policy, so a stop that is not recorded is not a stop.
 * ENOENT when the record is gone (an --rm container that just ended).
 */
static int mark_stop(const char *store_root, const char *id, bool stop, struct berth_error **err)
{
	_cleanup_close_ int cdir = containers_dir(store_root, err);
	if (cdir < 0)
		return cdir;
	_cleanup_json_ json_t *st = read_state(cdir, id);
	if (!st)
		return berth_error_set(err, ENOENT, "container '%s' has no readable state", id);
	json_object_set_new(st, "StopRequested", json_boolean(stop));
	int r = write_state(cdir, id, st, err);
	if (r < 0)
		return berth_error_prefix(err, "record the stop of container '%s'", id);
	return 0;
}

/* mark_stop(true) before a kill; a record gone meanwhile needs no mark. */
static int mark_stopping(const char *store_root, const char *id, struct berth_error **err)
{
	int r = mark_stop(store_root, id, true, err);
	if (r == -ENOENT) {
		berth_error_free(err);
		return 0;
	}
	return r;
}

int berth_container_stop(const char *store_root, const char *what, int timeout_s,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *id = NULL;
	int r = berth_container_find(store_root, what, &id, err);
	if (r < 0)
		return r;
	r = berth_container_inspect(store_root, id, &st, err);
	if (r < 0)
		return r;
	if (!state_running(st))
		return 0;
	r = mark_stopping(store_root, id, err);
	if (r < 0)
		return r;
	const char *sig_name =
		json_string_value(json_object_get(json_object_get(st, "Config"), "StopSignal"));
	int sig = SIGTERM;
	if (sig_name) {
		const char *n = strncmp(sig_name, "SIG", 3) == 0 ? sig_name + 3 : sig_name;
		char *end = NULL;
		long v = strtol(n, &end, 10);
		if (end != n && !*end && v > 0 && v < 65)
			sig = (int)v;
		else
			for (int i = 1; i < 65; i++) {
				const char *abbr = sigabbrev_np(i);
				if (abbr && strcmp(abbr, n) == 0) {
					sig = i;
					break;
				}
			}
	}
	berth_container_kill(store_root, id, sig, NULL);
	int code;
	if (berth_container_wait(store_root, id, timeout_s * 1000, &code, NULL) != -ETIMEDOUT)
		return 0;
	/* SIGKILL cannot be refused, but a loaded machine may take seconds to
	 * reap and record it: a stop that returns must mean stopped */
	berth_container_kill(store_root, id, SIGKILL, NULL);
	if (berth_container_wait(store_root, id, 60000, &code, NULL) == -ETIMEDOUT)
		return berth_error_set(err, ETIMEDOUT,
				       "container %.12s did not stop within 60 s of SIGKILL", id);
	return 0;
}

/*
 * Whether path is a cgroup directory berth made for container id: below
 * /sys/fs/cgroup, no "..", named berth-<id> (v1) or berth/<id> (v2). The
 * record is berth's own, but nothing outside that shape is ever removed.
 */
static bool is_container_cgroup(const char *path, const char *id)
{
	static const char root[] = "/sys/fs/cgroup/";
	if (strncmp(path, root, sizeof(root) - 1) != 0 || strstr(path, "/../") ||
	    strstr(path, "//"))
		return false;
	const char *base = strrchr(path, '/') + 1;
	if (strncmp(base, "berth-", 6) == 0 && strcmp(base + 6, id) == 0)
		return true;
	size_t n = strlen(path), m = strlen(id);
	return n > m + 7 && strcmp(path + n - m, id) == 0 &&
	       strncmp(path + n - m - 7, "/berth/", 7) == 0;
}

/*
 * The cgroups a dead monitor left (it was killed before it could remove
 * them): what is still in them is killed and the directories removed. Those
 * it made but had not recorded yet are found where they are made.
 */
static int remove_leftover_cgroups(const json_t *st, const char *id, struct berth_error **err)
{
	struct berth_cgroup cg = {0};
	if (berth_cgroup_find(id, &cg, NULL) < 0)
		cg = (struct berth_cgroup){0};
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(st, "CgroupPaths"), i, v) {
		const char *d = json_string_value(v);
		if (d && is_container_cgroup(d, id) && !berth_strv_contains(cg.dirs, d))
			berth_strv_push(&cg.dirs, d);
	}
	return berth_cgroup_destroy(&cg, err);
}

int berth_container_remove(const char *store_root, const char *what, bool force,
			   struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	int r = berth_container_find(store_root, what, &id, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *st = NULL;
	r = berth_container_inspect(store_root, id, &st, err);
	if (r < 0)
		return r;
	if (state_running(st)) {
		if (!force)
			return berth_error_set(
				err, EBUSY,
				"cannot remove container '%s': it is running: stop it "
				"first or use --force",
				what);
		r = mark_stopping(store_root, id, err);
		if (r < 0)
			return r;
		berth_container_kill(store_root, id, SIGKILL, NULL);
		/* the monitor records the end once the process is reaped and its cgroups removed */
		int code;
		if (berth_container_wait(store_root, id, 10000, &code, NULL) == -ETIMEDOUT)
			return berth_error_set(err, ETIMEDOUT,
					       "cannot remove container '%s': it is still running "
					       "10 s after SIGKILL",
					       what);
	}
	r = remove_leftover_cgroups(st, id, err);
	if (r < 0)
		return berth_error_prefix(err, "cannot remove container '%s'", what);
	berth_container_net_reclaim(store_root, id);
	_cleanup_close_ int cdir = containers_dir(store_root, err);
	if (cdir < 0)
		return cdir;
	json_t *anon = json_object_get(st, "AnonymousVolumes");
	r = berth_rm_rf_at(cdir, id, err);
	if (r < 0)
		return berth_error_prefix(err, "remove container '%s'", what);
	size_t i;
	json_t *v;
	json_array_foreach (anon, i, v)
		berth_volume_remove(store_root, json_string_value(v), true, NULL);
	return 0;
}

int berth_container_start(const char *store_root, const char *what, struct berth_error **err)
{
	struct container c = {.cdir = -EBADF};
	_cleanup_free_ char *id = NULL;
	_cleanup_(container_rootfs_release) struct container_rootfs rootfs = {0};
	_cleanup_json_ json_t *st = NULL, *sj = NULL;
	_cleanup_strv_free_ char **lower = NULL;
	int r = berth_container_find(store_root, what, &id, err);
	if (r < 0)
		return r;
	r = berth_container_inspect(store_root, id, &st, err);
	if (r < 0)
		return r;
	if (state_running(st))
		return 0;
	berth_spec_init(&c.spec);
	memcpy(c.id, id, 65);
	c.cdir = containers_dir(store_root, err);
	if (c.cdir < 0)
		return c.cdir;
	c.dir = berth_xasprintf("%s/containers/%s", store_root, id);
	c.name = berth_xstrdup(json_string_value(json_object_get(st, "Name")));
	_cleanup_free_ char *cfgname = berth_xasprintf("%s/config.json", id);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	r = berth_read_file_at(c.cdir, cfgname, 1 << 22, &data, &len, err);
	if (r >= 0)
		r = berth_json_parse(data, len, cfgname, &sj, err);
	if (r >= 0)
		r = berth_spec_from_json(sj, &c.spec, err);
	if (r < 0) {
		container_release(&c);
		return berth_error_prefix(err, "container '%s'", what);
	}
	size_t i;
	json_t *v;
	/* the record lists them top first */
	json_t *lowers = json_object_get(st, "Lowerdirs");
	for (i = json_array_size(lowers); i > 0; i--)
		berth_strv_push(&lower, json_string_value(json_array_get(lowers, i - 1)));
	json_t *anon = json_object_get(st, "AnonymousVolumes");
	json_array_foreach (anon, i, v)
		berth_strv_push(&c.anon_volumes, json_string_value(v));
	container_rootfs_init(&rootfs, &c, lower);
	r = mark_stop(store_root, id, false, err);
	if (r < 0) {
		container_release(&c);
		return r;
	}
	struct berth_runtime_config cfg = {
		.spec = &c.spec,
		.id = c.id,
		.open_rootfs = berth_overlay_open_cb,
		.rootfs_ctx = &rootfs.overlay,
		.init = json_is_true(json_object_get(json_object_get(st, "HostConfig"), "Init")),
	};
	json_t *hc = json_object_get(st, "HostConfig");
	struct berth_runtime_result res;
	r = start_monitor(store_root, &c, &cfg, json_is_true(json_object_get(hc, "AutoRemove")),
			  json_string_value(json_object_get(hc, "RestartPolicy")), false, &res,
			  err);
	container_release(&c);
	return r;
}

char *berth_container_log_path(const char *store_root, const char *id)
{
	return berth_xasprintf("%s/containers/%s/%s-json.log", store_root, id, id);
}

/* ---- for the other files of container/ (internal.h) ---- */

int berth_container_dir_open(const char *store_root, struct berth_error **err)
{
	return containers_dir(store_root, err);
}

bool berth_container_state_is_running(const json_t *st)
{
	return state_running(st);
}

bool berth_container_name_is_valid(const char *name)
{
	return name_is_valid(name);
}

bool berth_container_name_in_use(int cdir, const char *name)
{
	return name_in_use(cdir, name);
}
