/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cgroups v1, v2 and the hybrid layout (v1 controllers beside an empty v2
 * hierarchy), detected at run time from what /sys/fs/cgroup is.
 */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/*
 * The v1 hierarchies berth puts a container in: limits, accounting (blkio
 * for `stats`' BLOCK I/O), freezing and, when the spec has device rules, the
 * devices controller.
 */
static const char *const v1_controllers[] = {"memory",	"pids",	   "cpu",  "cpuacct",
					     "freezer", "devices", "blkio"};
/* The v1 hierarchies made only when the spec's resources have a field of theirs. */
static const char *const v1_optional[] = {"cpuset", "hugetlb", "net_cls", "net_prio"};

const char *berth_cgroup_layout_name(enum berth_cgroup_layout l)
{
	switch (l) {
	case BERTH_CGROUP_V1:
		return "v1";
	case BERTH_CGROUP_HYBRID:
		return "hybrid";
	case BERTH_CGROUP_V2:
		return "v2";
	}
	return "unknown";
}

static int cgroup_detect(enum berth_cgroup_layout *ret, struct berth_error **err)
{
	struct statfs fs;
	if (statfs(CGROUP_ROOT, &fs) < 0)
		return berth_error_syscall(err, errno, "statfs '%s'", CGROUP_ROOT);
	if (fs.f_type == CGROUP2_SUPER_MAGIC) {
		*ret = BERTH_CGROUP_V2;
		return 0;
	}
	if (fs.f_type != TMPFS_MAGIC)
		return berth_error_set(err, ENOTSUP,
				       "'%s' is neither cgroup2 nor a tmpfs of v1 "
				       "hierarchies",
				       CGROUP_ROOT);
	if (statfs(CGROUP_ROOT "/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		*ret = BERTH_CGROUP_HYBRID;
	else
		*ret = BERTH_CGROUP_V1;
	return 0;
}

/* Once per process (layout + 1; 0 unknown): `ps` asks for every running container it lists. */
int berth_cgroup_detect(enum berth_cgroup_layout *ret, struct berth_error **err)
{
	static _Atomic int known;
	int k = known;
	if (k == 0) {
		enum berth_cgroup_layout layout;
		int r = cgroup_detect(&layout, err);
		if (r < 0)
			return r;
		known = k = (int)layout + 1;
	}
	*ret = (enum berth_cgroup_layout)(k - 1);
	return 0;
}

/* The caller's own cgroup path in a v1 hierarchy ("memory"), from /proc/self/cgroup. */
static char *own_path(const char *own, const char *controller)
{
	/* own: that file's text (read_own_cgroups), NULL when it could not be read */
	size_t clen = strlen(controller);
	for (const char *line = own; line && *line;) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		/* the controller list may be "cpu,cpuacct" */
		for (const char *c = c1 ? c1 + 1 : NULL; c && c < c2;) {
			const char *end = memchr(c, ',', (size_t)(c2 - c));
			if (!end)
				end = c2;
			if ((size_t)(end - c) == clen && memcmp(c, controller, clen) == 0)
				return berth_xstrndup(c2 + 1, (size_t)(eol - c2 - 1));
			c = end + 1;
		}
		line = *eol ? eol + 1 : eol;
	}
	return berth_xstrdup("/");
}

/* /proc/self/cgroup, read once for every hierarchy (NULL when unreadable). */
static char *read_own_cgroups(void)
{
	char *data = NULL;
	size_t len = 0;
	if (berth_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, &data, &len, NULL) < 0)
		return NULL;
	return data;
}

char *berth_cgroup_own_procs_file(void)
{
	enum berth_cgroup_layout layout;
	_cleanup_free_ char *own = read_own_cgroups();
	if (!own || berth_cgroup_detect(&layout, NULL) < 0)
		return NULL;
	if (layout == BERTH_CGROUP_V2) {
		const char *line = strncmp(own, "0::", 3) == 0 ? own : strstr(own, "\n0::");
		if (!line)
			return NULL;
		line += line == own ? 3 : 4;
		return berth_xasprintf(CGROUP_ROOT "%.*s/cgroup.procs", (int)strcspn(line, "\n"),
				       line);
	}
	for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
		_cleanup_free_ char *mnt = berth_xasprintf(CGROUP_ROOT "/%s", v1_controllers[i]);
		struct statfs fs;
		if (statfs(mnt, &fs) < 0 || fs.f_type != CGROUP_SUPER_MAGIC)
			continue;
		_cleanup_free_ char *mine = own_path(own, v1_controllers[i]);
		return berth_xasprintf("%s%s/cgroup.procs", mnt,
				       strcmp(mine, "/") == 0 ? "" : mine);
	}
	return NULL;
}

/*
 * The v1 directory of cgroup name in controller's hierarchy (below the
 * caller's own cgroup, own being /proc/self/cgroup; with a cgroupsPath,
 * that path from the hierarchy's root when absolute, below the caller's
 * cgroup when relative), or NULL when that hierarchy is not mounted here.
 */
static char *v1_dir(const char *ctrl, const char *name, const char *cgroups_path, const char *own)
{
	_cleanup_free_ char *mnt = berth_xasprintf(CGROUP_ROOT "/%s", ctrl);
	struct statfs fs;
	if (statfs(mnt, &fs) < 0 || fs.f_type != CGROUP_SUPER_MAGIC)
		return NULL; /* not mounted here (or a link to a co-mounted one) */
	if (cgroups_path && cgroups_path[0] == '/')
		return berth_xasprintf("%s%s", mnt, cgroups_path);
	_cleanup_free_ char *mine = own_path(own, ctrl);
	/*
	 * Below the caller's own cgroup: the limits of whoever runs berth
	 * keep applying to its containers.
	 */
	const char *sep = mine[strlen(mine) - 1] == '/' ? "" : "/";
	if (cgroups_path)
		return berth_xasprintf("%s%s%s%s", mnt, mine, sep, cgroups_path);
	return berth_xasprintf("%s%s%sberth-%s", mnt, mine, sep, name);
}

/* Opens dir/file for writing (one open: a cgroup file is written on every start). */
static int open_cgroup_file(const char *dir, const char *file, struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xasprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", path);
	return fd;
}

int berth_cgroup_write_file(const char *dir, const char *file, const char *value,
			    struct berth_error **err)
{
	_cleanup_close_ int fd = open_cgroup_file(dir, file, err);
	if (fd < 0)
		return fd;
	if (write(fd, value, strlen(value)) < 0)
		return berth_error_syscall(err, errno, "write '%s' to '%s/%s'", value, dir, file);
	return 0;
}

static int set_limits_v1(const char *ctrl, const char *dir, const struct berth_spec *spec,
			 struct berth_error **err)
{
	char buf[64];
	int r = 0;
	if (strcmp(ctrl, "memory") == 0 && spec->memory_limit >= 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, spec->memory_limit);
		r = berth_cgroup_write_file(dir, "memory.limit_in_bytes", buf, err);
		if (r < 0)
			return r;
		/* swap is no escape from the limit (Docker: --memory-swap defaults to 2x; we say so) */
		if (faccessat(AT_FDCWD, dir, F_OK, 0) == 0)
			(void)berth_cgroup_write_file(dir, "memory.memsw.limit_in_bytes", buf,
						      NULL);
	}
	if (strcmp(ctrl, "pids") == 0 && spec->pids_limit >= 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, spec->pids_limit);
		r = berth_cgroup_write_file(dir, "pids.max", buf, err);
	}
	if (strcmp(ctrl, "cpu") == 0 && spec->cpu_quota >= 0) {
		snprintf(buf, sizeof(buf), "%" PRIu64, spec->cpu_period);
		r = berth_cgroup_write_file(dir, "cpu.cfs_period_us", buf, err);
		if (r < 0)
			return r;
		snprintf(buf, sizeof(buf), "%" PRId64, spec->cpu_quota);
		r = berth_cgroup_write_file(dir, "cpu.cfs_quota_us", buf, err);
	}
	if (r < 0)
		return r;
	return berth_cgroup_resources_write_v1(ctrl, dir, spec->resources, err);
}

/*
 * The spec's device rules, in order: "a" to devices.deny, "c 1:5 rwm" to
 * devices.allow, ... The kernel takes one rule per write(), but each file
 * is opened once for all of its rules.
 */
static int set_devices_v1(const char *dir, const struct berth_spec *spec, struct berth_error **err)
{
	_cleanup_close_ int deny = -EBADF;
	_cleanup_close_ int allow = -EBADF;
	for (size_t i = 0; i < spec->n_device_rules; i++) {
		const struct berth_spec_device_rule *d = &spec->device_rules[i];
		char rule[80], maj[24] = "*", min[24] = "*";
		if (d->major >= 0)
			snprintf(maj, sizeof(maj), "%" PRId64, d->major);
		if (d->minor >= 0)
			snprintf(min, sizeof(min), "%" PRId64, d->minor);
		int n = snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type, maj, min, d->access);
		const char *file = d->allow ? "devices.allow" : "devices.deny";
		int *fd = d->allow ? &allow : &deny;
		if (*fd < 0 && (*fd = open_cgroup_file(dir, file, err)) < 0)
			return *fd;
		if (write(*fd, rule, (size_t)n) < 0)
			return berth_error_syscall(err, errno, "write '%s' to '%s/%s'", rule, dir,
						   file);
	}
	return 0;
}

static int set_limits_v2(const char *dir, const struct berth_spec *spec, struct berth_error **err)
{
	char buf[64];
	int r;
	if (spec->memory_limit >= 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, spec->memory_limit);
		r = berth_cgroup_write_file(dir, "memory.max", buf, err);
		if (r < 0)
			return r;
		(void)berth_cgroup_write_file(dir, "memory.swap.max", "0", NULL);
	}
	if (spec->pids_limit >= 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, spec->pids_limit);
		r = berth_cgroup_write_file(dir, "pids.max", buf, err);
		if (r < 0)
			return r;
	}
	if (spec->cpu_quota >= 0) {
		snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, spec->cpu_quota,
			 spec->cpu_period);
		r = berth_cgroup_write_file(dir, "cpu.max", buf, err);
		if (r < 0)
			return r;
	}
	return berth_cgroup_resources_write_v2(dir, spec->resources, spec->memory_limit, err);
}

/* The v2 controllers berth hands down from dir to its children. */
static void enable_v2_controllers(const struct berth_spec *spec, const char *dir)
{
	const char *ctl =
		spec->resources ? "+memory +pids +cpu +cpuset +io +hugetlb" : "+memory +pids +cpu";
	/* one at a time: a controller the host lacks must not keep the others off */
	_cleanup_free_ char *list = berth_xstrdup(ctl);
	char *save = NULL;
	for (char *c = strtok_r(list, " ", &save); c; c = strtok_r(NULL, " ", &save))
		(void)berth_cgroup_write_file(dir, "cgroup.subtree_control", c, NULL);
}

/*
 * Makes the directories of dir's path below root that are missing, but
 * not dir: with spec (v2), each hands its controllers down; in a v1
 * cpuset hierarchy, each new one gets its parent's cpus and mems (an
 * empty cpuset takes no task).
 */
static int make_parents(const char *root, const char *dir, const struct berth_spec *spec,
			bool cpuset, struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xstrdup(dir);
	if (spec)
		enable_v2_controllers(spec, root);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		bool made = mkdir(path, 0755) == 0;
		if (!made && errno != EEXIST)
			return berth_error_syscall(err, errno, "create cgroup '%s'", path);
		if (made && cpuset) {
			int r = berth_cgroup_cpuset_inherit(path, NULL, NULL, err);
			if (r < 0)
				return r;
		}
		if (spec)
			enable_v2_controllers(spec, path);
		*p = '/';
	}
	return 0;
}

/*
 * Makes the leaf dir of cg: a cgroupsPath's may exist already (an engine
 * made it), and is then kept on destroy.
 */
static int make_leaf(struct berth_cgroup *cg, const char *dir, const struct berth_spec *spec,
		     struct berth_error **err)
{
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno == EEXIST && spec->cgroups_path) {
		berth_strv_push(&cg->kept, dir);
		return 0;
	}
	return berth_error_syscall(err, errno, "create cgroup '%s'", dir);
}

/* The v2 directory of a container: /berth/<name>, or its cgroupsPath. */
static char *v2_dir(const char *name, const char *cgroups_path)
{
	if (cgroups_path && cgroups_path[0] == '/')
		return berth_xasprintf(CGROUP_ROOT "%s", cgroups_path);
	return berth_xasprintf(CGROUP_ROOT "/berth/%s", cgroups_path ? cgroups_path : name);
}

static bool wants_limits(const struct berth_spec *spec)
{
	return spec->memory_limit >= 0 || spec->pids_limit >= 0 || spec->cpu_quota >= 0 ||
	       spec->resources;
}

int berth_cgroup_create(const char *name, const struct berth_spec *spec, struct berth_cgroup *ret,
			struct berth_error **err)
{
	struct berth_cgroup cg = {0};
	int r = berth_cgroup_detect(&cg.layout, err);
	if (r < 0)
		return r;
	if (cg.layout == BERTH_CGROUP_V2) {
		/*
		 * A v2 cgroup with processes cannot hand controllers to its
		 * children, so containers go below /berth, whose parent is the
		 * root (exempt from that rule).
		 */
		char *dir = v2_dir(name, spec->cgroups_path);
		r = make_parents(CGROUP_ROOT, dir, wants_limits(spec) ? spec : NULL, false, err);
		if (r >= 0)
			r = make_leaf(&cg, dir, spec, err);
		if (r < 0) {
			free(dir);
			return r;
		}
		/* listed once made: a directory berth did not make is never removed */
		berth_strv_consume(&cg.dirs, dir);
		r = set_limits_v2(dir, spec, err);
		if (r < 0) {
			berth_cgroup_destroy(&cg, NULL);
			return r;
		}
		*ret = cg;
		return 0;
	}
	_cleanup_free_ char *own =
		spec->cgroups_path && spec->cgroups_path[0] == '/' ? NULL : read_own_cgroups();
	for (size_t i = 0; i < ELEMENTSOF(v1_controllers) + ELEMENTSOF(v1_optional); i++) {
		bool optional = i >= ELEMENTSOF(v1_controllers);
		const char *ctrl =
			optional ? v1_optional[i - ELEMENTSOF(v1_controllers)] : v1_controllers[i];
		bool devices = strcmp(ctrl, "devices") == 0;
		if (devices && spec->n_device_rules == 0)
			continue;
		if (optional && !berth_cgroup_resources_need(spec->resources, ctrl))
			continue;
		char *dir = v1_dir(ctrl, name, spec->cgroups_path, own);
		if (!dir && optional)
			berth_cgroup_resources_warn_missing(spec->resources, ctrl);
		if (!dir)
			continue;
		_cleanup_free_ char *mnt = berth_xasprintf(CGROUP_ROOT "/%s", ctrl);
		bool cpuset = strcmp(ctrl, "cpuset") == 0;
		r = make_parents(mnt, dir, NULL, cpuset, err);
		if (r >= 0)
			r = make_leaf(&cg, dir, spec, err);
		if (r < 0) {
			free(dir);
			berth_cgroup_destroy(&cg, NULL);
			return r;
		}
		berth_strv_consume(&cg.dirs, dir);
		r = devices ? set_devices_v1(dir, spec, err) : set_limits_v1(ctrl, dir, spec, err);
		if (r < 0) {
			berth_cgroup_destroy(&cg, NULL);
			return r;
		}
	}
	if (!cg.dirs && wants_limits(spec))
		return berth_error_set(err, ENOTSUP,
				       "no cgroup v1 controller is mounted: cannot "
				       "apply resource limits");
	*ret = cg;
	return 0;
}

int berth_cgroup_find(const char *name, struct berth_cgroup *ret, struct berth_error **err)
{
	struct berth_cgroup cg = {0};
	int r = berth_cgroup_detect(&cg.layout, err);
	if (r < 0)
		return r;
	if (cg.layout == BERTH_CGROUP_V2) {
		char *dir = berth_xasprintf(CGROUP_ROOT "/berth/%s", name);
		if (access(dir, F_OK) == 0)
			berth_strv_consume(&cg.dirs, dir);
		else
			free(dir);
	} else {
		_cleanup_free_ char *own = read_own_cgroups();
		for (size_t i = 0; i < ELEMENTSOF(v1_controllers) + ELEMENTSOF(v1_optional); i++) {
			char *dir = v1_dir(i < ELEMENTSOF(v1_controllers)
						   ? v1_controllers[i]
						   : v1_optional[i - ELEMENTSOF(v1_controllers)],
					   name, NULL, own);
			if (dir && access(dir, F_OK) == 0)
				berth_strv_consume(&cg.dirs, dir);
			else
				free(dir);
		}
	}
	*ret = cg;
	return 0;
}

int berth_cgroup_add_pid(const struct berth_cgroup *cg, pid_t pid, struct berth_error **err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	BERTH_STRV_FOREACH (d, cg->dirs) {
		int r = berth_cgroup_write_file(*d, "cgroup.procs", buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Kills every process listed in dir/cgroup.procs; returns how many were there. */
static int kill_procs(const char *dir)
{
	_cleanup_free_ char *path = berth_xasprintf("%s/cgroup.procs", dir);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (berth_read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, NULL) < 0)
		return 0;
	int n = 0;
	char *p = data;
	while (*p) {
		char *end = NULL;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0) {
			kill((pid_t)pid, SIGKILL);
			n++;
		}
		p = end;
		while (*p == '\n')
			p++;
	}
	return n;
}

int berth_cgroup_destroy(struct berth_cgroup *cg, struct berth_error **err)
{
	int ret = 0;
	/* children first: the list holds one directory per hierarchy, none nested */
	BERTH_STRV_FOREACH (d, cg->dirs) {
		if (berth_strv_contains(cg->kept, *d))
			continue;
		for (int tries = 0;; tries++) {
			if (rmdir(*d) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY || tries >= 2000) {
				if (ret == 0)
					ret = berth_error_syscall(err, errno, "remove cgroup '%s'",
								  *d);
				break;
			}
			kill_procs(*d);
			nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
		}
	}
	berth_cgroup_forget(cg);
	return ret;
}

void berth_cgroup_forget(struct berth_cgroup *cg)
{
	berth_strv_free(cg->dirs);
	cg->dirs = NULL;
	berth_strv_free(cg->kept);
	cg->kept = NULL;
}

/* ---- a live container's cgroup: update, freeze, processes, usage ---- */

/* The v1 controller of dir, "memory" of /sys/fs/cgroup/memory/...; NULL for v2. */
static char *v1_controller_of(const struct berth_cgroup *cg, const char *dir)
{
	static const char root[] = CGROUP_ROOT "/";
	if (cg->layout == BERTH_CGROUP_V2 || strncmp(dir, root, sizeof(root) - 1) != 0)
		return NULL;
	const char *c = dir + sizeof(root) - 1;
	const char *slash = strchr(c, '/');
	return slash ? berth_xstrndup(c, (size_t)(slash - c)) : NULL;
}

/* The directory of cg in the v1 hierarchy ctrl (the v2 directory for v2); NULL when none. */
static const char *dir_of(const struct berth_cgroup *cg, const char *ctrl)
{
	BERTH_STRV_FOREACH (d, cg->dirs) {
		if (cg->layout == BERTH_CGROUP_V2)
			return *d;
		_cleanup_free_ char *c = v1_controller_of(cg, *d);
		if (c && strcmp(c, ctrl) == 0)
			return *d;
	}
	return NULL;
}

int berth_cgroup_set_limits(const struct berth_cgroup *cg, const struct berth_spec *spec,
			    struct berth_error **err)
{
	for (size_t i = 0; cg->layout != BERTH_CGROUP_V2 && i < ELEMENTSOF(v1_optional); i++)
		if (berth_cgroup_resources_need(spec->resources, v1_optional[i]) &&
		    !dir_of(cg, v1_optional[i]))
			return berth_error_set(err, ENOTSUP,
					       "the container has no '%s' cgroup to update (its "
					       "spec set nothing of it)",
					       v1_optional[i]);
	BERTH_STRV_FOREACH (d, cg->dirs) {
		if (cg->layout == BERTH_CGROUP_V2) {
			if (wants_limits(spec)) {
				_cleanup_free_ char *parent = berth_xstrdup(*d);
				*strrchr(parent, '/') = '\0';
				enable_v2_controllers(spec, parent);
			}
			int r = set_limits_v2(*d, spec, err);
			if (r < 0)
				return r;
			continue;
		}
		_cleanup_free_ char *ctrl = v1_controller_of(cg, *d);
		if (!ctrl)
			continue;
		if (strcmp(ctrl, "memory") == 0 && spec->memory_limit >= 0) {
			/* raising the limit above memsw's: memsw first, as the kernel demands */
			char buf[64];
			snprintf(buf, sizeof(buf), "%" PRId64, spec->memory_limit);
			(void)berth_cgroup_write_file(*d, "memory.memsw.limit_in_bytes", buf, NULL);
		}
		int r = set_limits_v1(ctrl, *d, spec, err);
		if (r < 0)
			return r;
	}
	if (wants_limits(spec) &&
	    (cg->layout == BERTH_CGROUP_V2 ? !cg->dirs : !dir_of(cg, "memory")))
		return berth_error_set(err, ENOTSUP, "the container has no cgroup to update");
	return 0;
}

/* A cgroup file whole, NUL-terminated; NULL with errno set when it cannot be read. */
static char *read_small(const char *dir, const char *file)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return NULL;
	char *s = NULL;
	size_t len = 0;
	int r = berth_read_file_at(dfd, file, 1 << 20, &s, &len, NULL);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return s;
}

/* The value of key in a "key value" per line file (memory.stat, cpu.stat, cgroup.events). */
static bool keyed_value(const char *data, const char *key, uint64_t *ret)
{
	size_t n = strlen(key);
	for (const char *p = data; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ' ') {
			*ret = strtoull(p + n + 1, NULL, 10);
			return true;
		}
	return false;
}

static bool read_u64(const char *dir, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	if (!dir || !(s = read_small(dir, file)))
		return false;
	char *end = NULL;
	*ret = strtoull(s, &end, 10);
	return end != s;
}

int berth_cgroup_is_frozen(const struct berth_cgroup *cg)
{
	_cleanup_free_ char *s = NULL;
	if (cg->layout == BERTH_CGROUP_V2) {
		uint64_t v = 0;
		if (!cg->dirs || !(s = read_small(cg->dirs[0], "cgroup.events")))
			return 0;
		return keyed_value(s, "frozen", &v) && v == 1;
	}
	const char *d = dir_of(cg, "freezer");
	if (!d || !(s = read_small(d, "freezer.state")))
		return 0;
	return strncmp(s, "FROZEN", 6) == 0;
}

int berth_cgroup_freeze(const struct berth_cgroup *cg, bool freeze, struct berth_error **err)
{
	bool v2 = cg->layout == BERTH_CGROUP_V2;
	const char *d = v2 ? (cg->dirs ? cg->dirs[0] : NULL) : dir_of(cg, "freezer");
	if (!d)
		return berth_error_set(err, ENOTSUP,
				       "the container is in no freezer cgroup (v1 'freezer' "
				       "controller or v2 cgroup.freeze)");
	int r = v2 ? berth_cgroup_write_file(d, "cgroup.freeze", freeze ? "1" : "0", err)
		   : berth_cgroup_write_file(d, "freezer.state", freeze ? "FROZEN" : "THAWED", err);
	if (r < 0)
		return r;
	/* v1 goes through FREEZING, v2 reports "frozen 1" once every task stopped */
	for (int i = 0; i < 5000; i++) {
		if ((berth_cgroup_is_frozen(cg) == 1) == freeze)
			return 0;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	return berth_error_set(err, ETIMEDOUT, "the cgroup '%s' did not %s within 5 s", d,
			       freeze ? "freeze" : "thaw");
}

int berth_cgroup_pids(const struct berth_cgroup *cg, pid_t **ret, size_t *ret_n,
		      struct berth_error **err)
{
	const char *d = cg->dirs ? cg->dirs[0] : NULL;
	_cleanup_free_ char *s = NULL;
	if (!d)
		return berth_error_set(err, ENOENT, "the container has no cgroup");
	s = read_small(d, "cgroup.procs");
	if (!s)
		return berth_error_syscall(err, errno, "read '%s/cgroup.procs'", d);
	pid_t *v = NULL;
	size_t n = 0;
	for (char *p = s, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		v = berth_xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = (pid_t)pid;
		while (*end == '\n')
			end++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Sums rbytes= and wbytes= over the devices of a v2 io.stat. */
static void io_stat_sum(const char *s, uint64_t *rd, uint64_t *wr)
{
	for (const char *p = s; (p = strstr(p, "bytes=")); p += 6) {
		if (p - s >= 1 && p[-1] == 'r')
			*rd += strtoull(p + 6, NULL, 10);
		else if (p - s >= 1 && p[-1] == 'w')
			*wr += strtoull(p + 6, NULL, 10);
	}
}

/* Sums the Read and Write lines of a v1 blkio.throttle.io_service_bytes. */
static void blkio_sum(const char *s, uint64_t *rd, uint64_t *wr)
{
	for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *sp = strchr(p, ' ');
		const char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		if (!sp2)
			continue;
		if (strncmp(sp + 1, "Read ", 5) == 0)
			*rd += strtoull(sp2 + 1, NULL, 10);
		else if (strncmp(sp + 1, "Write ", 6) == 0)
			*wr += strtoull(sp2 + 1, NULL, 10);
	}
}

int berth_cgroup_usage(const struct berth_cgroup *cg, struct berth_cgroup_usage *ret)
{
	struct berth_cgroup_usage u = {.memory_limit = -1};
	_cleanup_free_ char *stat = NULL, *mstat = NULL, *io = NULL, *max = NULL;
	uint64_t v = 0, inactive = 0;
	if (cg->layout == BERTH_CGROUP_V2) {
		const char *d = cg->dirs ? cg->dirs[0] : NULL;
		if (!d)
			return -ENOENT;
		if ((stat = read_small(d, "cpu.stat")) && keyed_value(stat, "usage_usec", &v))
			u.cpu_ns = v * 1000;
		read_u64(d, "memory.current", &u.memory);
		/* Docker's CLI subtracts the inactive page cache (cgroup v2: inactive_file) */
		if ((mstat = read_small(d, "memory.stat")) &&
		    keyed_value(mstat, "inactive_file", &inactive) && inactive <= u.memory)
			u.memory -= inactive;
		if ((max = read_small(d, "memory.max")) && max[0] >= '0' && max[0] <= '9')
			u.memory_limit = (int64_t)strtoull(max, NULL, 10);
		read_u64(d, "pids.current", &u.pids);
		if ((io = read_small(d, "io.stat"))) {
			io_stat_sum(io, &u.block_read, &u.block_write);
			u.has_block_io = true;
		}
		*ret = u;
		return 0;
	}
	read_u64(dir_of(cg, "cpuacct"), "cpuacct.usage", &u.cpu_ns);
	const char *md = dir_of(cg, "memory");
	read_u64(md, "memory.usage_in_bytes", &u.memory);
	/* cgroup v1: total_inactive_file, as Docker's CLI calculateMemUsageUnixNoCache */
	if (md && (mstat = read_small(md, "memory.stat")) &&
	    keyed_value(mstat, "total_inactive_file", &inactive) && inactive <= u.memory)
		u.memory -= inactive;
	/* no limit is the largest page-aligned int64 on v1 */
	if (read_u64(md, "memory.limit_in_bytes", &v) && v < (UINT64_C(1) << 62))
		u.memory_limit = (int64_t)v;
	read_u64(dir_of(cg, "pids"), "pids.current", &u.pids);
	const char *bd = dir_of(cg, "blkio");
	if (bd && (io = read_small(bd, "blkio.throttle.io_service_bytes"))) {
		blkio_sum(io, &u.block_read, &u.block_write);
		u.has_block_io = true;
	}
	*ret = u;
	return 0;
}
