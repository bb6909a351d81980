/* SPDX-License-Identifier: Apache-2.0 */
/* run options + image config -> the runtime spec: args, env, caps, devices, ulimits, mounts. */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/bool.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "core/units.h"
#include "runtime/runtime.h"

void berth_run_options_init(struct berth_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->memory = -1;
	o->nano_cpus = -1;
	o->pids_limit = -1;
	o->network = "bridge";
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

int berth_container_build_spec(const char *store_root, struct container *c,
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
