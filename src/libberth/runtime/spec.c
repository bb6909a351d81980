/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI runtime spec (config.json) subset berth reads and writes. */
#include "runtime/runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/internal.h"

/* Docker's default capability set (moby oci/caps/defaults.go). */
static const char *const default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

/* Docker's masked and read-only paths (moby oci/defaults.go). */
static const char *const default_masked[] = {
	"/proc/asound",
	"/proc/acpi",
	"/proc/interrupts",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};
static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* By berth_ns_index: the runtime-spec name and the clone flag of each kind. */
static const struct {
	const char *name;
	unsigned flag;
	unsigned long clone_flag;
} ns_names[BERTH_NS_KINDS] = {
	{"mount", BERTH_NS_MOUNT, CLONE_NEWNS},	      {"pid", BERTH_NS_PID, CLONE_NEWPID},
	{"uts", BERTH_NS_UTS, CLONE_NEWUTS},	      {"ipc", BERTH_NS_IPC, CLONE_NEWIPC},
	{"cgroup", BERTH_NS_CGROUP, CLONE_NEWCGROUP}, {"network", BERTH_NS_NETWORK, CLONE_NEWNET},
	{"user", BERTH_NS_USER, CLONE_NEWUSER},	      {"time", BERTH_NS_TIME, CLONE_NEWTIME},
};

const char *berth_ns_name(unsigned flag)
{
	return ns_names[berth_ns_index(flag)].name;
}

unsigned long berth_ns_clone_flag(unsigned flag)
{
	return ns_names[berth_ns_index(flag)].clone_flag;
}

const char *berth_spec_ns_path(const struct berth_spec *spec, unsigned flag)
{
	return spec->ns_paths[berth_ns_index(flag)];
}

void berth_spec_set_ns_path(struct berth_spec *spec, unsigned flag, const char *path)
{
	char **slot = &spec->ns_paths[berth_ns_index(flag)];
	free(*slot);
	*slot = path ? berth_xstrdup(path) : NULL;
	spec->namespaces |= flag;
}

void berth_spec_init(struct berth_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->memory_limit = -1;
	spec->cpu_quota = -1;
	spec->cpu_period = 100000;
	spec->pids_limit = -1;
}

void berth_spec_release(struct berth_spec *spec)
{
	berth_strv_free(spec->args);
	berth_strv_free(spec->env);
	free(spec->cwd);
	free(spec->additional_gids);
	free(spec->username);
	berth_strv_free(spec->capabilities);
	berth_strv_free(spec->cap_effective);
	berth_strv_free(spec->cap_permitted);
	berth_strv_free(spec->cap_inheritable);
	berth_strv_free(spec->cap_ambient);
	for (size_t i = 0; i < spec->n_rlimits; i++)
		free(spec->rlimits[i].type);
	free(spec->rlimits);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	for (size_t i = 0; i < BERTH_NS_KINDS; i++)
		free(spec->ns_paths[i]);
	berth_spec_linux_ext_release(spec);
	berth_spec_hooks_release(spec);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].destination);
		free(spec->mounts[i].type);
		free(spec->mounts[i].source);
		berth_strv_free(spec->mounts[i].options);
		berth_closep(&spec->mounts[i].source_fd);
	}
	free(spec->mounts);
	berth_strv_free(spec->masked_paths);
	berth_strv_free(spec->readonly_paths);
	if (spec->seccomp)
		json_decref(spec->seccomp);
	for (size_t i = 0; i < spec->n_devices; i++)
		free(spec->devices[i].path);
	free(spec->devices);
	free(spec->device_rules);
	berth_cgroup_resources_free(spec->resources);
	free(spec->cgroups_path);
	berth_spec_init(spec);
}

void berth_spec_add_device(struct berth_spec *spec, const char *path, char type, int64_t major,
			   int64_t minor, uint32_t file_mode, uint32_t uid, uint32_t gid)
{
	spec->devices =
		berth_xreallocarray(spec->devices, spec->n_devices + 1, sizeof(*spec->devices));
	spec->devices[spec->n_devices++] = (struct berth_spec_device){
		.path = berth_xstrdup(path),
		.type = type,
		.major = major,
		.minor = minor,
		.file_mode = file_mode,
		.uid = uid,
		.gid = gid,
	};
}

void berth_spec_add_device_rule(struct berth_spec *spec, bool allow, char type, int64_t major,
				int64_t minor, const char *access)
{
	spec->device_rules = berth_xreallocarray(spec->device_rules, spec->n_device_rules + 1,
						 sizeof(*spec->device_rules));
	struct berth_spec_device_rule *r = &spec->device_rules[spec->n_device_rules++];
	*r = (struct berth_spec_device_rule){
		.allow = allow, .type = type, .major = major, .minor = minor};
	snprintf(r->access, sizeof(r->access), "%s", access);
}

/* Docker's default device rules (moby oci/defaults.go and daemon/oci_linux.go). */
static const struct {
	char type;
	int64_t major, minor;
	const char *access;
} default_device_rules[] = {
	{'c', -1, -1, "m"},    /* mknod of any char device (not its use) */
	{'b', -1, -1, "m"},    /* mknod of any block device */
	{'c', 1, 3, "rwm"},    /* null */
	{'c', 1, 8, "rwm"},    /* random */
	{'c', 1, 7, "rwm"},    /* full */
	{'c', 5, 0, "rwm"},    /* tty */
	{'c', 1, 5, "rwm"},    /* zero */
	{'c', 1, 9, "rwm"},    /* urandom */
	{'c', 136, -1, "rwm"}, /* pts */
	{'c', 5, 2, "rwm"},    /* ptmx */
	{'c', 10, 200, "rwm"}, /* tun */
};

void berth_spec_set_default_device_rules(struct berth_spec *spec)
{
	spec->n_device_rules = 0;
	berth_spec_add_device_rule(spec, false, 'a', -1, -1, "rwm");
	berth_spec_allow_default_devices(spec);
}

void berth_spec_allow_default_devices(struct berth_spec *spec)
{
	for (size_t i = 0; i < ELEMENTSOF(default_device_rules); i++)
		berth_spec_add_device_rule(
			spec, true, default_device_rules[i].type, default_device_rules[i].major,
			default_device_rules[i].minor, default_device_rules[i].access);
}

void berth_spec_allow_all_devices(struct berth_spec *spec)
{
	spec->n_device_rules = 0;
	berth_spec_add_device_rule(spec, true, 'a', -1, -1, "rwm");
}

void berth_spec_add_mount(struct berth_spec *spec, const char *destination, const char *type,
			  const char *source, const char *const *options)
{
	spec->mounts = berth_xreallocarray(spec->mounts, spec->n_mounts + 1, sizeof(*spec->mounts));
	struct berth_spec_mount *m = &spec->mounts[spec->n_mounts++];
	m->destination = berth_xstrdup(destination);
	m->type = berth_xstrdup(type);
	m->source = berth_xstrdup(source ? source : type);
	m->options = NULL;
	m->source_fd = -EBADF;
	for (const char *const *o = options; o && *o; o++)
		berth_strv_push(&m->options, *o);
}

void berth_spec_add_mount_fd(struct berth_spec *spec, const char *destination, int source_fd,
			     const char *name, const char *const *options)
{
	berth_spec_add_mount(spec, destination, "bind", name, options);
	spec->mounts[spec->n_mounts - 1].source_fd = source_fd;
}

void berth_spec_set_defaults(struct berth_spec *spec)
{
	spec->namespaces =
		BERTH_NS_MOUNT | BERTH_NS_PID | BERTH_NS_UTS | BERTH_NS_IPC | BERTH_NS_CGROUP;
	berth_spec_add_mount(spec, "/proc", "proc", "proc",
			     (const char *[]){"nosuid", "noexec", "nodev", NULL});
	berth_spec_add_mount(
		spec, "/dev", "tmpfs", "tmpfs",
		(const char *[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
	berth_spec_add_mount(spec, "/dev/pts", "devpts", "devpts",
			     (const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666",
					      "mode=0620", "gid=5", NULL});
	berth_spec_add_mount(spec, "/sys", "sysfs", "sysfs",
			     (const char *[]){"nosuid", "noexec", "nodev", "ro", NULL});
	berth_spec_add_mount(spec, "/dev/mqueue", "mqueue", "mqueue",
			     (const char *[]){"nosuid", "noexec", "nodev", NULL});
	berth_spec_add_mount(
		spec, "/dev/shm", "tmpfs", "shm",
		(const char *[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
	berth_strv_free(spec->capabilities);
	spec->capabilities = berth_strv_copy((char *const *)default_caps);
	spec->cap_sets_given = false;
	spec->no_new_privileges = true;
	berth_strv_free(spec->masked_paths);
	spec->masked_paths = berth_strv_copy((char *const *)default_masked);
	berth_strv_free(spec->readonly_paths);
	spec->readonly_paths = berth_strv_copy((char *const *)default_readonly);
	if (spec->seccomp)
		json_decref(spec->seccomp);
	spec->seccomp = berth_seccomp_default_profile();
	berth_spec_set_default_device_rules(spec);
}

/* The five sets; without cap_sets_given all but ambient are the bounding set. */
static json_t *caps_to_json(const struct berth_spec *spec)
{
	bool given = spec->cap_sets_given;
	char *const *all = spec->capabilities;
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "bounding", berth_json_strv(all), "effective",
			 berth_json_strv(given ? spec->cap_effective : all), "permitted",
			 berth_json_strv(given ? spec->cap_permitted : all), "inheritable",
			 berth_json_strv(given ? spec->cap_inheritable : all), "ambient",
			 berth_json_strv(given ? spec->cap_ambient : NULL));
}

json_t *berth_spec_to_json(const struct berth_spec *spec)
{
	json_t *root = json_object();
	json_object_set_new(root, "ociVersion", json_string("1.0.2"));

	json_t *proc = json_object();
	json_object_set_new(proc, "terminal", json_boolean(spec->terminal));
	json_t *user = json_object();
	json_object_set_new(user, "uid", json_integer(spec->uid));
	json_object_set_new(user, "gid", json_integer(spec->gid));
	if (spec->n_additional_gids) {
		json_t *g = json_array();
		for (size_t i = 0; i < spec->n_additional_gids; i++)
			json_array_append_new(g, json_integer(spec->additional_gids[i]));
		json_object_set_new(user, "additionalGids", g);
	}
	if (spec->username)
		json_object_set_new(user, "username", json_string(spec->username));
	json_object_set_new(proc, "user", user);
	json_object_set_new(proc, "args", berth_json_strv(spec->args));
	json_object_set_new(proc, "env", berth_json_strv(spec->env));
	json_object_set_new(proc, "cwd", json_string(spec->cwd ? spec->cwd : "/"));
	json_object_set_new(proc, "capabilities", caps_to_json(spec));
	if (spec->n_rlimits) {
		json_t *rl = json_array();
		for (size_t i = 0; i < spec->n_rlimits; i++)
			json_array_append_new(
				rl, json_pack("{s:s, s:I, s:I}", "type", spec->rlimits[i].type,
					      "soft", (json_int_t)spec->rlimits[i].soft, "hard",
					      (json_int_t)spec->rlimits[i].hard));
		json_object_set_new(proc, "rlimits", rl);
	}
	json_object_set_new(proc, "noNewPrivileges", json_boolean(spec->no_new_privileges));
	if (spec->has_oom_score_adj)
		json_object_set_new(proc, "oomScoreAdj", json_integer(spec->oom_score_adj));
	json_object_set_new(root, "process", proc);

	json_object_set_new(root, "root",
			    json_pack("{s:s, s:b}", "path",
				      spec->root_path ? spec->root_path : "rootfs", "readonly",
				      spec->root_readonly));
	if (spec->hostname)
		json_object_set_new(root, "hostname", json_string(spec->hostname));
	if (spec->domainname)
		json_object_set_new(root, "domainname", json_string(spec->domainname));

	json_t *mounts = json_array();
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct berth_spec_mount *m = &spec->mounts[i];
		json_t *jm = json_pack("{s:s, s:s, s:s}", "destination", m->destination, "type",
				       m->type, "source", m->source);
		json_object_set_new(jm, "options", berth_json_strv(m->options));
		json_array_append_new(mounts, jm);
	}
	json_object_set_new(root, "mounts", mounts);
	berth_spec_hooks_to_json(spec, root);

	json_t *linux_ = json_object();
	json_t *ns = json_array();
	for (size_t i = 0; i < ELEMENTSOF(ns_names); i++)
		if (spec->namespaces & ns_names[i].flag) {
			json_t *e = json_pack("{s:s}", "type", ns_names[i].name);
			if (spec->ns_paths[i])
				json_object_set_new(e, "path", json_string(spec->ns_paths[i]));
			json_array_append_new(ns, e);
		}
	json_object_set_new(linux_, "namespaces", ns);
	berth_spec_linux_ext_to_json(spec, linux_);
	berth_spec_attrs_to_json(spec, proc, linux_);
	json_t *res = json_object();
	if (spec->memory_limit >= 0)
		json_object_set_new(res, "memory",
				    json_pack("{s:I}", "limit", (json_int_t)spec->memory_limit));
	if (spec->cpu_quota >= 0)
		json_object_set_new(res, "cpu",
				    json_pack("{s:I, s:I}", "quota", (json_int_t)spec->cpu_quota,
					      "period", (json_int_t)spec->cpu_period));
	if (spec->pids_limit >= 0)
		json_object_set_new(res, "pids",
				    json_pack("{s:I}", "limit", (json_int_t)spec->pids_limit));
	if (spec->n_device_rules) {
		json_t *rules = json_array();
		for (size_t i = 0; i < spec->n_device_rules; i++) {
			const struct berth_spec_device_rule *d = &spec->device_rules[i];
			json_t *jr = json_pack("{s:b, s:s#, s:s}", "allow", d->allow, "type",
					       &d->type, (int)1, "access", d->access);
			if (d->major >= 0)
				json_object_set_new(jr, "major", json_integer(d->major));
			if (d->minor >= 0)
				json_object_set_new(jr, "minor", json_integer(d->minor));
			json_array_append_new(rules, jr);
		}
		json_object_set_new(res, "devices", rules);
	}
	berth_cgroup_resources_to_json(spec->resources, res);
	json_object_set_new(linux_, "resources", res);
	if (spec->cgroups_path)
		json_object_set_new(linux_, "cgroupsPath", json_string(spec->cgroups_path));
	if (spec->n_devices) {
		json_t *devs = json_array();
		for (size_t i = 0; i < spec->n_devices; i++) {
			const struct berth_spec_device *d = &spec->devices[i];
			json_array_append_new(
				devs, json_pack("{s:s, s:s#, s:I, s:I, s:I, s:I, s:I}", "path",
						d->path, "type", &d->type, (int)1, "major",
						(json_int_t)d->major, "minor", (json_int_t)d->minor,
						"fileMode", (json_int_t)d->file_mode, "uid",
						(json_int_t)d->uid, "gid", (json_int_t)d->gid));
		}
		json_object_set_new(linux_, "devices", devs);
	}
	json_object_set_new(linux_, "maskedPaths", berth_json_strv(spec->masked_paths));
	json_object_set_new(linux_, "readonlyPaths", berth_json_strv(spec->readonly_paths));
	if (spec->seccomp)
		json_object_set(linux_, "seccomp", spec->seccomp);
	json_object_set_new(root, "linux", linux_);
	return root;
}

static int json_to_strv(const json_t *obj, const char *key, char ***ret, struct berth_error **err)
{
	json_t *a = NULL;
	int r = berth_json_get_array(obj, key, false, &a, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **v = NULL;
	size_t i;
	json_t *s;
	json_array_foreach (a, i, s) {
		if (!json_is_string(s))
			return berth_error_set(err, EINVAL, "'%s[%zu]' is not a string", key, i);
		berth_strv_push(&v, json_string_value(s));
	}
	berth_strv_free(*ret);
	*ret = TAKE_PTR(v);
	return 0;
}

/* The fields of linux.resources the cgroup's own limits do not cover; none: spec->resources NULL. */
static int parse_more_resources(const json_t *res, struct berth_spec *spec,
				struct berth_error **err)
{
	static const char *const keys[] = {"memory", "cpu", "blockIO", "hugepageLimits", "network"};
	bool any = false;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		any = any || json_object_get(res, keys[i]);
	if (!any)
		return 0;
	int r = berth_cgroup_resources_from_json(res, &spec->resources, err);
	if (r < 0)
		return berth_error_prefix(err, "linux");
	return 0;
}

/* linux.cgroupsPath: a path of names; systemd's "slice:prefix:name" is refused clearly. */
static int parse_cgroups_path(const json_t *linux_, struct berth_spec *spec,
			      struct berth_error **err)
{
	const char *s = NULL;
	int r = berth_json_get_string(linux_, "cgroupsPath", false, &s, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return berth_error_prefix(err, "linux");
	if (strchr(s, ':'))
		return berth_error_set(err, ENOTSUP,
				       "cgroupsPath '%s': the systemd form (slice:prefix:name) "
				       "is not supported: berth manages cgroupfs (use the engine's "
				       "cgroupfs manager)",
				       s);
	_cleanup_free_ char *copy = berth_xstrdup(s);
	size_t names = 0;
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save), names++)
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0 || strchr(c, '\n'))
			return berth_error_set(err, EINVAL, "cgroupsPath '%s': bad component", s);
	if (names == 0 || strlen(s) > 1024)
		return berth_error_set(err, EINVAL, "cgroupsPath '%s': not a cgroup path", s);
	free(spec->cgroups_path);
	spec->cgroups_path = berth_xstrdup(s);
	return 0;
}

int berth_spec_get_uint(const json_t *obj, const char *key, int64_t max, int64_t *ret,
			struct berth_error **err)
{
	int64_t v = 0;
	int r = berth_json_get_int(obj, key, false, &v, err);
	if (r < 0)
		return r;
	if (v < 0 || v > max)
		return berth_error_set(err, EINVAL, "'%s' out of range: %" PRId64, key, v);
	*ret = v;
	return 0;
}

static int parse_process(const json_t *proc, struct berth_spec *spec, struct berth_error **err)
{
	json_t *v = json_object_get(proc, "terminal");
	spec->terminal = json_is_true(v);
	int r = json_to_strv(proc, "args", &spec->args, err);
	if (r < 0)
		return r;
	r = json_to_strv(proc, "env", &spec->env, err);
	if (r < 0)
		return r;
	const char *s = NULL;
	r = berth_json_get_string(proc, "cwd", false, &s, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (s) {
		if (s[0] != '/')
			return berth_error_set(err, EINVAL, "cwd '%s' is not absolute", s);
		spec->cwd = berth_xstrdup(s);
	}
	json_t *user = NULL;
	r = berth_json_get_object(proc, "user", false, &user, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (user) {
		int64_t n = 0;
		r = berth_spec_get_uint(user, "uid", UINT32_MAX - 1, &n, err);
		if (r < 0 && r != -ENOENT)
			return r;
		spec->uid = (uint32_t)n;
		n = 0;
		r = berth_spec_get_uint(user, "gid", UINT32_MAX - 1, &n, err);
		if (r < 0 && r != -ENOENT)
			return r;
		spec->gid = (uint32_t)n;
		json_t *g = NULL;
		r = berth_json_get_array(user, "additionalGids", false, &g, err);
		if (r < 0 && r != -ENOENT)
			return r;
		if (g) {
			size_t i;
			json_t *e;
			spec->additional_gids =
				berth_xcalloc(json_array_size(g) + 1, sizeof(uint32_t));
			json_array_foreach (g, i, e) {
				if (!json_is_integer(e) || json_integer_value(e) < 0 ||
				    json_integer_value(e) >= UINT32_MAX)
					return berth_error_set(err, EINVAL,
							       "invalid additionalGids[%zu]", i);
				spec->additional_gids[spec->n_additional_gids++] =
					(uint32_t)json_integer_value(e);
			}
		}
		r = berth_json_get_string(user, "username", false, &s, err);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r >= 0)
			spec->username = berth_xstrdup(s);
	}
	json_t *caps = NULL;
	r = berth_json_get_object(proc, "capabilities", false, &caps, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (caps) {
		spec->cap_sets_given = true;
		r = json_to_strv(caps, "bounding", &spec->capabilities, err);
		if (r >= 0)
			r = json_to_strv(caps, "effective", &spec->cap_effective, err);
		if (r >= 0)
			r = json_to_strv(caps, "permitted", &spec->cap_permitted, err);
		if (r >= 0)
			r = json_to_strv(caps, "inheritable", &spec->cap_inheritable, err);
		if (r >= 0)
			r = json_to_strv(caps, "ambient", &spec->cap_ambient, err);
		if (r < 0)
			return berth_error_prefix(err, "capabilities");
	}
	r = berth_spec_process_ext_from_json(proc, spec, err);
	if (r < 0)
		return r;
	json_t *rl = NULL;
	r = berth_json_get_array(proc, "rlimits", false, &rl, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (rl) {
		size_t i;
		json_t *e;
		spec->rlimits = berth_xcalloc(json_array_size(rl) + 1, sizeof(*spec->rlimits));
		json_array_foreach (rl, i, e) {
			const char *t = NULL;
			int64_t soft = 0, hard = 0;
			if (berth_json_get_string(e, "type", true, &t, err) < 0 ||
			    berth_spec_get_uint(e, "soft", INT64_MAX, &soft, err) < 0 ||
			    berth_spec_get_uint(e, "hard", INT64_MAX, &hard, err) < 0)
				return berth_error_prefix(err, "rlimits[%zu]", i);
			spec->rlimits[spec->n_rlimits].type = berth_xstrdup(t);
			spec->rlimits[spec->n_rlimits].soft = (uint64_t)soft;
			spec->rlimits[spec->n_rlimits].hard = (uint64_t)hard;
			spec->n_rlimits++;
		}
	}
	spec->no_new_privileges = json_is_true(json_object_get(proc, "noNewPrivileges"));
	return 0;
}

/* A device type: "c" (or "u", unbuffered char), "b", and with all_ok "a". */
static int parse_device_type(const json_t *obj, bool all_ok, char *ret, struct berth_error **err)
{
	const char *t = NULL;
	int r = berth_json_get_string(obj, "type", !all_ok, &t, err);
	if (r == -ENOENT && all_ok) {
		*ret = 'a';
		return 0;
	}
	if (r < 0)
		return r;
	if (strcmp(t, "c") == 0 || strcmp(t, "u") == 0 || strcmp(t, "b") == 0 ||
	    (all_ok && strcmp(t, "a") == 0)) {
		*ret = t[0] == 'u' ? 'c' : t[0];
		return 0;
	}
	return berth_error_set(err, EINVAL, "invalid device type '%s'", t);
}

/* major/minor: absent is -1 (any) in a rule, required for a device. */
static int get_dev_number(const json_t *obj, const char *key, bool required, int64_t *ret,
			  struct berth_error **err)
{
	*ret = -1;
	if (!json_object_get(obj, key))
		return required ? berth_error_set(err, ENOENT, "'%s' is missing", key) : 0;
	return berth_spec_get_uint(obj, key, UINT32_MAX, ret, err);
}

static int parse_device_rules(const json_t *res, struct berth_spec *spec, struct berth_error **err)
{
	json_t *a = NULL;
	int r = berth_json_get_array(res, "devices", false, &a, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	spec->n_device_rules = 0;
	size_t i;
	json_t *e;
	json_array_foreach (a, i, e) {
		if (!json_is_object(e))
			return berth_error_set(err, EINVAL, "'devices[%zu]' is not an object", i);
		json_t *allow = json_object_get(e, "allow");
		if (!json_is_boolean(allow))
			return berth_error_set(err, EINVAL, "'devices[%zu].allow' is not a boolean",
					       i);
		char type;
		int64_t major, minor;
		const char *access = NULL;
		if (parse_device_type(e, true, &type, err) < 0 ||
		    get_dev_number(e, "major", false, &major, err) < 0 ||
		    get_dev_number(e, "minor", false, &minor, err) < 0)
			return berth_error_prefix(err, "devices[%zu]", i);
		r = berth_json_get_string(e, "access", false, &access, err);
		if (r == -ENOENT)
			access = "rwm";
		else if (r < 0)
			return berth_error_prefix(err, "devices[%zu]", i);
		if (!*access || strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
			return berth_error_set(err, EINVAL, "devices[%zu]: invalid access '%s'", i,
					       access);
		berth_spec_add_device_rule(spec, json_is_true(allow), type, major, minor, access);
	}
	return 0;
}

static int parse_devices(const json_t *linux_, struct berth_spec *spec, struct berth_error **err)
{
	json_t *a = NULL;
	int r = berth_json_get_array(linux_, "devices", false, &a, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach (a, i, e) {
		const char *path = NULL;
		char type;
		int64_t major, minor, mode = 0666, uid = 0, gid = 0;
		if (!json_is_object(e))
			return berth_error_set(err, EINVAL, "'devices[%zu]' is not an object", i);
		if (berth_json_get_string(e, "path", true, &path, err) < 0 ||
		    parse_device_type(e, false, &type, err) < 0 ||
		    get_dev_number(e, "major", true, &major, err) < 0 ||
		    get_dev_number(e, "minor", true, &minor, err) < 0 ||
		    (json_object_get(e, "fileMode") &&
		     berth_spec_get_uint(e, "fileMode", 07777, &mode, err) < 0) ||
		    (json_object_get(e, "uid") &&
		     berth_spec_get_uint(e, "uid", UINT32_MAX, &uid, err) < 0) ||
		    (json_object_get(e, "gid") &&
		     berth_spec_get_uint(e, "gid", UINT32_MAX, &gid, err) < 0))
			return berth_error_prefix(err, "devices[%zu]", i);
		if (path[0] != '/')
			return berth_error_set(err, EINVAL,
					       "devices[%zu]: path '%s' is not absolute", i, path);
		berth_spec_add_device(spec, path, type, major, minor, (uint32_t)mode, (uint32_t)uid,
				      (uint32_t)gid);
	}
	return 0;
}

static int parse_linux(const json_t *linux_, struct berth_spec *spec, struct berth_error **err)
{
	json_t *ns = NULL;
	int r = berth_json_get_array(linux_, "namespaces", false, &ns, err);
	if (r < 0 && r != -ENOENT)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach (ns, i, e) {
		const char *t = NULL;
		r = berth_json_get_string(e, "type", true, &t, err);
		if (r < 0)
			return berth_error_prefix(err, "namespaces[%zu]", i);
		size_t k;
		for (k = 0; k < ELEMENTSOF(ns_names); k++)
			if (strcmp(ns_names[k].name, t) == 0)
				break;
		if (k == ELEMENTSOF(ns_names))
			return berth_error_set(err, ENOTSUP, "namespace '%s' is not supported", t);
		const char *path = NULL;
		r = berth_json_get_string(e, "path", false, &path, err);
		if (r < 0 && r != -ENOENT)
			return berth_error_prefix(err, "namespaces[%zu]", i);
		if (path && path[0] != '/')
			return berth_error_set(
				err, EINVAL, "namespaces[%zu]: path '%s' is not absolute", i, path);
		if (spec->namespaces & ns_names[k].flag)
			return berth_error_set(err, EINVAL, "namespace '%s' is listed twice", t);
		berth_spec_set_ns_path(spec, ns_names[k].flag, path);
	}
	json_t *res = json_object_get(linux_, "resources");
	if (json_is_object(res)) {
		/* an absent limit (-ENOENT, err untouched) keeps the "none" value */
		int64_t n;
		r = berth_spec_get_uint(json_object_get(res, "memory"), "limit", INT64_MAX, &n,
					err);
		if (r >= 0)
			spec->memory_limit = n;
		else if (r != -ENOENT)
			return r;
		json_t *cpu = json_object_get(res, "cpu");
		r = berth_spec_get_uint(cpu, "quota", INT64_MAX, &n, err);
		if (r >= 0)
			spec->cpu_quota = n;
		else if (r != -ENOENT)
			return r;
		r = berth_spec_get_uint(cpu, "period", 1000000, &n, err);
		if (r >= 0)
			spec->cpu_period = (uint64_t)n;
		else if (r != -ENOENT)
			return r;
		r = berth_spec_get_uint(json_object_get(res, "pids"), "limit", INT64_MAX, &n, err);
		if (r >= 0)
			spec->pids_limit = n;
		else if (r != -ENOENT)
			return r;
		r = parse_device_rules(res, spec, err);
		if (r < 0)
			return r;
		r = parse_more_resources(res, spec, err);
		if (r < 0)
			return r;
	}
	r = parse_cgroups_path(linux_, spec, err);
	if (r < 0)
		return r;
	r = parse_devices(linux_, spec, err);
	if (r < 0)
		return r;
	r = berth_spec_linux_ext_from_json(linux_, spec, err);
	if (r < 0)
		return r;
	r = json_to_strv(linux_, "maskedPaths", &spec->masked_paths, err);
	if (r < 0)
		return r;
	r = json_to_strv(linux_, "readonlyPaths", &spec->readonly_paths, err);
	if (r < 0)
		return r;
	json_t *sc = json_object_get(linux_, "seccomp");
	if (json_is_object(sc)) {
		r = berth_seccomp_check(sc, err);
		if (r < 0)
			return r;
		if (spec->seccomp)
			json_decref(spec->seccomp);
		spec->seccomp = json_deep_copy(sc);
	}
	return 0;
}

int berth_spec_from_json(const json_t *j, struct berth_spec *spec, struct berth_error **err)
{
	if (!json_is_object(j))
		return berth_error_set(err, EINVAL, "runtime spec is not a JSON object");
	json_t *proc = NULL;
	int r = berth_json_get_object(j, "process", true, &proc, err);
	if (r < 0)
		return berth_error_prefix(err, "runtime spec");
	r = parse_process(proc, spec, err);
	if (r < 0)
		return berth_error_prefix(err, "runtime spec process");
	if (berth_strv_len(spec->args) == 0)
		return berth_error_set(err, EINVAL, "runtime spec: process.args is empty");
	json_t *root = NULL;
	r = berth_json_get_object(j, "root", true, &root, err);
	if (r < 0)
		return berth_error_prefix(err, "runtime spec");
	const char *s = NULL;
	r = berth_json_get_string(root, "path", true, &s, err);
	if (r < 0)
		return berth_error_prefix(err, "runtime spec root");
	spec->root_path = berth_xstrdup(s);
	spec->root_readonly = json_is_true(json_object_get(root, "readonly"));
	r = berth_json_get_string(j, "hostname", false, &s, err);
	if (r >= 0)
		spec->hostname = berth_xstrdup(s);
	else if (r != -ENOENT)
		return r;
	r = berth_json_get_string(j, "domainname", false, &s, err);
	if (r >= 0)
		spec->domainname = berth_xstrdup(s);
	else if (r != -ENOENT)
		return r;

	json_t *mounts = NULL;
	r = berth_json_get_array(j, "mounts", false, &mounts, err);
	if (r < 0 && r != -ENOENT)
		return r;
	size_t i;
	json_t *m;
	json_array_foreach (mounts, i, m) {
		const char *dst = NULL, *type = NULL, *src = NULL;
		_cleanup_strv_free_ char **opts = NULL;
		if (berth_json_get_string(m, "destination", true, &dst, err) < 0)
			return berth_error_prefix(err, "runtime spec mounts[%zu]", i);
		if (dst[0] != '/')
			return berth_error_set(err, EINVAL,
					       "runtime spec mounts[%zu]: '%s' is not absolute", i,
					       dst);
		r = berth_json_get_string(m, "type", false, &type, err);
		if (r < 0 && r != -ENOENT)
			return r;
		r = berth_json_get_string(m, "source", false, &src, err);
		if (r < 0 && r != -ENOENT)
			return r;
		r = json_to_strv(m, "options", &opts, err);
		if (r < 0)
			return berth_error_prefix(err, "runtime spec mounts[%zu]", i);
		berth_spec_add_mount(spec, dst, type ? type : "bind", src,
				     (const char *const *)opts);
	}
	r = berth_spec_hooks_from_json(j, spec, err);
	if (r < 0)
		return berth_error_prefix(err, "runtime spec");
	json_t *linux_ = NULL;
	r = berth_json_get_object(j, "linux", false, &linux_, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (linux_) {
		r = parse_linux(linux_, spec, err);
		if (r < 0)
			return berth_error_prefix(err, "runtime spec linux");
	}
	return 0;
}
