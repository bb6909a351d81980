/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operations on a recorded container that neither start nor end it: pause
 * and unpause (the freezer cgroup), rename, update of its limits, its
 * processes (`top`) and its usage (`stats`). The cgroups are the ones its
 * monitor recorded in state.json (CgroupPaths) while it runs.
 */
#include "container/container.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

/*
 * The cgroup a running record names. Only directories below /sys/fs/cgroup
 * and without ".." are taken: the record is berth's, but a path is never
 * trusted further than that.
 */
static int state_cgroup(const json_t *st, struct berth_cgroup *ret, struct berth_error **err)
{
	static const char root[] = "/sys/fs/cgroup/";
	struct berth_cgroup cg = {0};
	int r = berth_cgroup_detect(&cg.layout, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(st, "CgroupPaths"), i, v) {
		const char *d = json_string_value(v);
		if (d && strncmp(d, root, sizeof(root) - 1) == 0 && !strstr(d, "/.."))
			berth_strv_push(&cg.dirs, d);
	}
	if (!cg.dirs)
		return berth_error_set(err, ENOENT, "the container has no recorded cgroup");
	*ret = cg;
	return 0;
}

static void cgroup_release(struct berth_cgroup *cg)
{
	berth_strv_free(cg->dirs);
	cg->dirs = NULL;
}

void berth_container_state_set_paused(json_t *st)
{
	json_t *s = json_object_get(st, "State");
	bool paused = false;
	struct berth_cgroup cg = {0};
	if (json_is_true(json_object_get(s, "Running")) && state_cgroup(st, &cg, NULL) >= 0) {
		paused = berth_cgroup_is_frozen(&cg) == 1;
		cgroup_release(&cg);
	}
	json_object_set_new(s, "Paused", json_boolean(paused));
	if (paused)
		json_object_set_new(s, "Status", json_string("paused"));
}

void berth_container_thaw(const json_t *st)
{
	struct berth_cgroup cg = {0};
	if (state_cgroup(st, &cg, NULL) < 0)
		return;
	if (berth_cgroup_is_frozen(&cg) == 1)
		(void)berth_cgroup_freeze(&cg, false, NULL);
	cgroup_release(&cg);
}

int berth_container_running_state(struct berth_store *store, const char *what, json_t **ret,
				  struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_inspect(store, what, &st, err);
	if (r < 0)
		return r;
	if (!berth_container_state_is_running(st))
		return berth_error_set(err, EINVAL, "container '%s' is not running", what);
	*ret = TAKE_PTR(st);
	return 0;
}

static int set_frozen(struct berth_store *store, const char *what, bool freeze,
		      struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_running_state(store, what, &st, err);
	if (r < 0)
		return r;
	bool paused = json_is_true(json_object_get(json_object_get(st, "State"), "Paused"));
	/* Docker's daemon refuses both no-ops with these words */
	if (freeze && paused)
		return berth_error_set(err, EINVAL, "container '%s' is already paused", what);
	if (!freeze && !paused)
		return berth_error_set(err, EINVAL, "container '%s' is not paused", what);
	/* the summary's claim that the cgroup is thawed goes before the freeze (summary.c) */
	if (freeze)
		berth_container_summary_forget(store, st);
	struct berth_cgroup cg = {0};
	r = state_cgroup(st, &cg, err);
	if (r >= 0)
		r = berth_cgroup_freeze(&cg, freeze, err);
	cgroup_release(&cg);
	if (r < 0)
		return berth_error_prefix(err, "cannot %s container '%s'",
					  freeze ? "pause" : "unpause", what);
	berth_container_event_st(store, st, freeze ? "pause" : "unpause", NULL);
	return 0;
}

int berth_container_pause(struct berth_store *store, const char *what, struct berth_error **err)
{
	return set_frozen(store, what, true, err);
}

int berth_container_unpause(struct berth_store *store, const char *what, struct berth_error **err)
{
	return set_frozen(store, what, false, err);
}

int berth_container_rename(struct berth_store *store, const char *what, const char *new_name,
			   struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	int r = berth_container_find(store, what, &id, err);
	if (r < 0)
		return r;
	if (!berth_container_name_is_valid(new_name))
		return berth_error_set(err, EINVAL,
				       "invalid container name '%s': only "
				       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
				       new_name);
	const char *n = new_name[0] == '/' ? new_name + 1 : new_name;
	_cleanup_close_ int cdir = berth_container_dir_open(store, err);
	if (cdir < 0)
		return cdir;
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, id);
	if (!st)
		return berth_error_set(err, EBADMSG, "container '%s' has no readable state", id);
	const char *old = json_string_value(json_object_get(st, "Name"));
	if (old && strcmp(old, n) == 0)
		return berth_error_set(err, EINVAL,
				       "renaming a container with the same name as its current "
				       "name");
	if (berth_container_name_in_use(cdir, n))
		return berth_error_set(err, EEXIST, "the container name '%s' is already in use", n);
	_cleanup_free_ char *old_name = berth_xasprintf("/%s", old ? old : "");
	json_object_set_new(st, "Name", json_string(n));
	r = berth_container_state_write(cdir, id, st, err);
	if (r >= 0)
		berth_container_event_st(store, st, "rename",
					 (const char *[]){"oldName", old_name, NULL});
	return r;
}

/* The new limits into the spec of config.json, so that a later start keeps them. */
static int update_spec(int cdir, const char *id, const struct berth_container_limits *l,
		       struct berth_spec *spec, struct berth_error **err)
{
	_cleanup_free_ char *name = berth_xasprintf("%s/config.json", id);
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *j = NULL, *out = NULL;
	size_t len = 0;
	int r = berth_read_file_at(cdir, name, BERTH_CONTAINER_RECORD_MAX, &data, &len, err);
	if (r >= 0)
		r = berth_json_parse(data, len, name, &j, err);
	if (r >= 0)
		r = berth_spec_from_json(j, spec, err);
	if (r < 0)
		return r;
	if (l->memory >= 0)
		spec->memory_limit = l->memory;
	if (l->pids_limit >= 0)
		spec->pids_limit = l->pids_limit;
	if (l->nano_cpus >= 0)
		spec->cpu_quota = berth_container_cpu_quota(l->nano_cpus, spec->cpu_period);
	out = berth_spec_to_json(spec);
	_cleanup_free_ char *s = berth_json_dump(out, NULL);
	_cleanup_close_ int dfd = openat(cdir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open container '%s'", id);
	return berth_write_file_atomic(dfd, "config.json", s, strlen(s), 0600, err);
}

int64_t berth_container_cpu_quota(int64_t nano_cpus, uint64_t period_us)
{
	/* nano_cpus / 1e9 CPUs of each period; the kernel's minimum quota is 1 ms */
	int64_t q = (int64_t)((double)nano_cpus * (double)period_us / 1e9);
	return q < 1000 ? 1000 : q;
}

int berth_container_update(struct berth_store *store, const char *what,
			   const struct berth_container_limits *l, struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_find(store, what, &id, err);
	if (r >= 0)
		r = berth_container_inspect(store, id, &st, err);
	if (r < 0)
		return r;
	_cleanup_close_ int cdir = berth_container_dir_open(store, err);
	if (cdir < 0)
		return cdir;
	struct berth_spec spec;
	berth_spec_init(&spec);
	r = update_spec(cdir, id, l, &spec, err);
	if (r >= 0 && berth_container_state_is_running(st)) {
		/* only what changes is written to the live cgroup */
		struct berth_spec live;
		berth_spec_init(&live);
		live.memory_limit = l->memory >= 0 ? spec.memory_limit : -1;
		live.pids_limit = l->pids_limit >= 0 ? spec.pids_limit : -1;
		live.cpu_quota = l->nano_cpus >= 0 ? spec.cpu_quota : -1;
		live.cpu_period = spec.cpu_period;
		struct berth_cgroup cg = {0};
		r = state_cgroup(st, &cg, err);
		if (r >= 0)
			r = berth_cgroup_set_limits(&cg, &live, err);
		cgroup_release(&cg);
		berth_spec_release(&live);
	}
	berth_spec_release(&spec);
	if (r < 0)
		return berth_error_prefix(err, "cannot update container '%s'", what);
	/* the record shows them as Docker's HostConfig does */
	_cleanup_json_ json_t *rec = berth_container_state_read(cdir, id);
	if (!rec)
		return berth_error_set(err, EBADMSG, "container '%s' has no readable state", id);
	json_t *hc = json_object_get(rec, "HostConfig");
	if (l->memory >= 0)
		json_object_set_new(hc, "Memory", json_integer(l->memory));
	if (l->nano_cpus >= 0)
		json_object_set_new(hc, "NanoCpus", json_integer(l->nano_cpus));
	if (l->pids_limit >= 0)
		json_object_set_new(hc, "PidsLimit", json_integer(l->pids_limit));
	return berth_container_state_write(cdir, id, rec, err);
}

/* ---- processes ---- */

int berth_proc_parse_stat(const char *data, struct berth_process *p)
{
	/* "pid (comm) S ppid pgrp session tty_nr ..." where comm may hold ") " */
	const char *open = strchr(data, '(');
	const char *close = strrchr(data, ')');
	if (!open || !close || close < open)
		return -EBADMSG;
	free(p->comm);
	p->comm = berth_xstrndup(open + 1, (size_t)(close - open - 1));
	p->pid = (pid_t)strtol(data, NULL, 10);
	unsigned long long f[22] = {0};
	const char *s = close + 2;
	/* fields 3.. of proc(5): state, then numbers */
	if (*s)
		s++;
	for (int i = 4; i <= 22; i++) {
		char *end = NULL;
		f[i - 1] = strtoull(s, &end, 10);
		if (end == s)
			return -EBADMSG;
		s = end;
	}
	p->ppid = (pid_t)f[3];
	p->tty_nr = (int)f[6];
	p->cpu_ticks = f[13] + f[14];
	p->start_ticks = f[21];
	return 0;
}

void berth_process_release(struct berth_process *p)
{
	free(p->comm);
	free(p->cmd);
	memset(p, 0, sizeof(*p));
}

/* The effective uid of the Uid: line of /proc/PID/status (ps's UID column). */
static uid_t status_euid(const char *status)
{
	const char *u = strstr(status, "\nUid:");
	if (!u)
		return (uid_t)-1;
	char *end = NULL;
	strtoul(u + 5, &end, 10);
	return (uid_t)strtoul(end, NULL, 10);
}

static int read_process(int proc_fd, pid_t pid, struct berth_process *p)
{
	char dir[32];
	snprintf(dir, sizeof(dir), "%d", (int)pid);
	_cleanup_close_ int dfd = openat(proc_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	_cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL;
	size_t len = 0, clen = 0;
	int r = berth_read_file_at(dfd, "stat", 1 << 16, &stat, &len, NULL);
	if (r >= 0)
		r = berth_read_file_at(dfd, "status", 1 << 16, &status, &len, NULL);
	if (r < 0)
		return r;
	r = berth_proc_parse_stat(stat, p);
	if (r < 0)
		return r;
	p->uid = status_euid(status);
	(void)berth_read_file_at(dfd, "cmdline", 1 << 16, &cmdline, &clen, NULL);
	/* ps: the arguments joined by spaces, [comm] for a process without any */
	if (cmdline && clen > 0) {
		for (size_t i = 0; i + 1 < clen; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		p->cmd = berth_xstrndup(cmdline, clen);
	} else {
		p->cmd = berth_xasprintf("[%s]", p->comm);
	}
	return 0;
}

int berth_container_processes(struct berth_store *store, const char *what,
			      struct berth_process **ret, size_t *ret_n, struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_running_state(store, what, &st, err);
	if (r < 0)
		return r;
	struct berth_cgroup cg = {0};
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	r = state_cgroup(st, &cg, err);
	if (r >= 0)
		r = berth_cgroup_pids(&cg, &pids, &n, err);
	cgroup_release(&cg);
	if (r < 0)
		return berth_error_prefix(err, "container '%s'", what);
	_cleanup_close_ int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		return berth_error_syscall(err, errno, "open /proc");
	struct berth_process *v = berth_xcalloc(n ? n : 1, sizeof(*v));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		/* a process that ended meanwhile is not listed */
		if (read_process(proc_fd, pids[i], &v[m]) >= 0)
			m++;
		else
			berth_process_release(&v[m]);
	*ret = v;
	*ret_n = m;
	return 0;
}

/* ---- usage ---- */

void berth_net_dev_sum(const char *net_dev, uint64_t *rx, uint64_t *tx)
{
	*rx = *tx = 0;
	/* two header lines, then "  name: rx_bytes packets ... (8 rx fields) tx_bytes ..." */
	for (const char *p = net_dev; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *colon = strchr(p, ':');
		const char *nl = strchr(p, '\n');
		if (!colon || (nl && colon > nl))
			continue;
		const char *name = p;
		while (*name == ' ')
			name++;
		if (strncmp(name, "lo:", 3) == 0)
			continue;
		unsigned long long f[9];
		const char *s = colon + 1;
		int i;
		for (i = 0; i < 9; i++) {
			char *end = NULL;
			f[i] = strtoull(s, &end, 10);
			if (end == s)
				break;
			s = end;
		}
		if (i == 9) {
			*rx += f[0];
			*tx += f[8];
		}
	}
}

int berth_container_stats(struct berth_store *store, const char *what,
			  struct berth_container_stats *ret, struct berth_error **err)
{
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_inspect(store, what, &st, err);
	if (r < 0)
		return r;
	struct berth_container_stats s = {0};
	const char *id = json_string_value(json_object_get(st, "Id"));
	const char *name = json_string_value(json_object_get(st, "Name"));
	snprintf(s.id, sizeof(s.id), "%s", id ? id : "");
	s.name = berth_xstrdup(name ? name : "");
	s.running = berth_container_state_is_running(st);
	if (!s.running) {
		*ret = s;
		return 0;
	}
	struct berth_cgroup cg = {0};
	r = state_cgroup(st, &cg, err);
	if (r < 0) {
		free(s.name);
		return berth_error_prefix(err, "container '%s'", what);
	}
	(void)berth_cgroup_usage(&cg, &s.usage); /* cg has dirs: it cannot fail */
	cgroup_release(&cg);
	/* host network: no counters of its own, 0B / 0B as Docker shows */
	const char *net = json_string_value(
		json_object_get(json_object_get(st, "HostConfig"), "NetworkMode"));
	json_int_t pid = json_integer_value(json_object_get(json_object_get(st, "State"), "Pid"));
	if (net && strcmp(net, "host") != 0 && pid > 0) {
		_cleanup_free_ char *path = berth_xasprintf("/proc/%lld/net/dev", (long long)pid);
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		if (berth_read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, NULL) >= 0)
			berth_net_dev_sum(data, &s.net_rx, &s.net_tx);
	}
	*ret = s;
	return 0;
}

void berth_container_stats_release(struct berth_container_stats *s)
{
	free(s->name);
	s->name = NULL;
}
