/* SPDX-License-Identifier: Apache-2.0 */
/* run options + image config -> the runtime spec: args, env, caps, devices, ulimits, mounts. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

void berth_run_options_init(struct berth_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->memory = -1;
	o->nano_cpus = -1;
	o->pids_limit = -1;
	o->network = "bridge";
	o->no_new_privileges = -1;
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

static void add_ulimits(struct berth_spec *spec, const struct berth_run_options *o)
{
	for (size_t i = 0; i < o->n_ulimits; i++) {
		const struct berth_ulimit *u = &o->ulimits[i];
		spec->rlimits = berth_xreallocarray(spec->rlimits, spec->n_rlimits + 1,
						    sizeof(*spec->rlimits));
		struct berth_spec_rlimit *l = &spec->rlimits[spec->n_rlimits++];
		l->type = berth_xstrdup(berth_runspec_rlimit_name(u->resource));
		l->soft = u->soft;
		l->hard = u->hard;
	}
}

static int add_volume_mount(struct berth_store *store, struct container *c,
			    const struct berth_mount_req *m, struct berth_error **err)
{
	struct berth_volume v = {0};
	bool created = false;
	int r = berth_volume_create(store, m->source, &v, &created, err);
	if (r < 0)
		return r;
	if (!m->source)
		berth_strv_push(&c->anon_volumes, v.name);
	const char *opts[6] = {"rbind", m->read_only ? "ro" : "rw", "nosuid", "nodev", NULL, NULL};
	if (!m->nocopy)
		opts[4] = "berth.copyup";
	berth_spec_add_mount(&c->spec, m->target, "bind", v.mountpoint, opts);
	json_array_append_new(c->mounts, json_pack("{s:s, s:s, s:s, s:s, s:b}", "Type", "volume",
						   "Name", v.name, "Source", v.mountpoint,
						   "Destination", m->target, "RW", !m->read_only));
	berth_volume_release(&v);
	return 0;
}

static int add_mount_req(struct berth_store *store, struct container *c,
			 const struct berth_mount_req *m, struct berth_error **err)
{
	if (!m->target || m->target[0] != '/' || strcmp(m->target, "/") == 0)
		return berth_error_set(err, EINVAL, "invalid mount target '%s'",
				       m->target ? m->target : "");
	if (m->type == BERTH_MOUNT_VOLUME)
		return add_volume_mount(store, c, m, err);
	if (m->type == BERTH_MOUNT_TMPFS) {
		_cleanup_strv_free_ char **opts = NULL;
		berth_strv_push(&opts, "nosuid");
		berth_strv_push(&opts, "nodev");
		berth_strv_push(&opts, m->read_only ? "ro" : "rw");
		_cleanup_free_ char *tmpfs_opts = berth_xstrdup(m->tmpfs_opts ? m->tmpfs_opts : "");
		if (*tmpfs_opts) {
			char *save = NULL;
			for (char *o = strtok_r(tmpfs_opts, ",", &save); o;
			     o = strtok_r(NULL, ",", &save))
				berth_strv_push(&opts, o);
		}
		berth_spec_add_mount(&c->spec, m->target, "tmpfs", "tmpfs",
				     (const char *const *)opts);
		json_array_append_new(c->mounts,
				      json_pack("{s:s, s:s, s:s, s:b}", "Type", "tmpfs", "Source",
						"", "Destination", m->target, "RW", !m->read_only));
		return 0;
	}
	if (!m->source || m->source[0] != '/')
		return berth_error_set(err, EINVAL,
				       "invalid mount on '%s': a bind source must be an absolute "
				       "host path",
				       m->target);
	struct stat st;
	if (stat(m->source, &st) < 0) {
		if (errno != ENOENT || !m->create_source)
			return berth_error_syscall(err, errno, "bind source path '%s'", m->source);
		/* -v creates a missing host directory, as Docker does */
		int r = berth_mkdir_p(m->source, 0755, err);
		if (r < 0)
			return r;
	}
	berth_spec_add_mount(
		&c->spec, m->target, "bind", m->source,
		(const char *[]){"rbind", m->read_only ? "ro" : "rw", "nosuid", "nodev", NULL});
	json_array_append_new(c->mounts,
			      json_pack("{s:s, s:s, s:s, s:b}", "Type", "bind", "Source", m->source,
					"Destination", m->target, "RW", !m->read_only));
	return 0;
}

/*
 * --device: the host's node (a symlink to it is followed) is recreated at
 * its container path with its numbers, mode and owner, and allowed with its
 * permissions in the devices cgroup.
 */
static int add_device(struct berth_spec *spec, const struct berth_device_req *d,
		      struct berth_error **err)
{
	if (!d->host || !d->container || d->host[0] != '/' || d->container[0] != '/')
		return berth_error_set(err, EINVAL,
				       "invalid device '%s': the paths must be absolute",
				       d->host ? d->host : "");
	struct stat st;
	if (stat(d->host, &st) < 0)
		return berth_error_syscall(err, errno,
					   "error gathering device information while adding "
					   "custom device '%s'",
					   d->host);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return berth_error_set(err, ENOTSUP,
				       "'%s' is not a character or block device (a directory "
				       "of devices is not supported)",
				       d->host);
	char type = S_ISBLK(st.st_mode) ? 'b' : 'c';
	berth_spec_add_device(spec, d->container, type, major(st.st_rdev), minor(st.st_rdev),
			      st.st_mode & 07777, st.st_uid, st.st_gid);
	berth_spec_add_device_rule(spec, true, type, major(st.st_rdev), minor(st.st_rdev),
				   d->perms);
	return 0;
}

static bool target_taken(const struct berth_spec *spec, const char *target)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].destination, target) == 0)
			return true;
	return false;
}

/* The process: args, hostname, domainname, env, working directory, user, terminal. */
static int set_process(struct container *c, const struct berth_run_options *o,
		       struct berth_error **err)
{
	struct berth_spec *spec = &c->spec;
	const struct berth_container_image *img = o->image;
	int r = make_args(o, &spec->args, err);
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
	return 0;
}

/* Capabilities, --privileged, devices, no-new-privileges and seccomp. */
static int set_security(struct berth_spec *spec, const struct berth_run_options *o,
			struct berth_error **err)
{
	int r = apply_caps(spec, o, err);
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
	for (size_t i = 0; i < o->n_devices; i++) {
		r = add_device(spec, &o->devices[i], err);
		if (r < 0)
			return r;
	}
	/*
	 * Docker's default is off: setuid tools of an image (su, sudo, ping on
	 * old images) need it; --security-opt no-new-privileges turns it on.
	 */
	spec->no_new_privileges = o->no_new_privileges > 0;
	if (o->seccomp_unconfined || o->seccomp_profile) {
		json_decref(spec->seccomp);
		spec->seccomp = NULL;
	}
	if (o->seccomp_profile && !o->seccomp_unconfined)
		return berth_seccomp_load_profile(o->seccomp_profile, &spec->seccomp, err);
	return 0;
}

/* Memory, CPU, pids and ulimits. */
static void set_limits(struct berth_spec *spec, const struct berth_run_options *o)
{
	spec->memory_limit = o->memory;
	if (o->nano_cpus >= 0) {
		spec->cpu_period = 100000;
		spec->cpu_quota = o->nano_cpus / 10000;
		if (spec->cpu_quota < 1000)
			spec->cpu_quota = 1000;
	}
	spec->pids_limit = o->pids_limit;
	add_ulimits(spec, o);
}

/* The requested mounts, the image's other VOLUMEs, then berth's /etc files. */
static int add_mounts(struct berth_store *store, struct container *c,
		      const struct berth_run_options *o, struct berth_error **err)
{
	int r;
	for (size_t i = 0; i < o->n_mounts; i++) {
		r = add_mount_req(store, c, &o->mounts[i], err);
		if (r < 0)
			return r;
	}
	/* the image's VOLUMEs not covered by a mount become anonymous volumes */
	BERTH_STRV_FOREACH (v, o->image ? o->image->volumes : NULL) {
		if (target_taken(&c->spec, *v) || (*v)[0] != '/')
			continue;
		struct berth_mount_req m = {.type = BERTH_MOUNT_VOLUME, .target = *v};
		r = add_mount_req(store, c, &m, err);
		if (r < 0)
			return r;
	}
	/* files of /etc berth provides, last: a volume on /etc must not hide them */
	static const char *const etc[] = {"hosts", "hostname", "resolv.conf"};
	for (size_t i = 0; i < ELEMENTSOF(etc); i++) {
		_cleanup_free_ char *src = berth_xasprintf("%s/%s", c->dir, etc[i]);
		_cleanup_free_ char *dst = berth_xasprintf("/etc/%s", etc[i]);
		berth_spec_add_mount(
			&c->spec, dst, "bind", src,
			(const char *[]){"rbind", "rprivate", "nosuid", "nodev", NULL});
	}
	return 0;
}

int berth_container_build_spec(struct berth_store *store, struct container *c,
			       const struct berth_run_options *o, struct berth_error **err)
{
	struct berth_spec *spec = &c->spec;
	berth_spec_set_defaults(spec);
	int r = set_process(c, o, err);
	if (r < 0)
		return r;
	spec->root_readonly = o->read_only;
	spec->root_path = berth_xasprintf("%s/merged", c->dir);
	r = set_security(spec, o, err);
	if (r < 0)
		return r;
	set_limits(spec, o);
	return add_mounts(store, c, o, err);
}
