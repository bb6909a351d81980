/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker run-spec grammar: run's mount, ulimit, device, restart, security and signal flags. */
#include "core/runspec.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "core/alloc.h"
#include "core/bool.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "core/units.h"

void berth_mount_req_release(struct berth_mount_req *m)
{
	free(m->source);
	free(m->target);
	free(m->tmpfs_opts);
	memset(m, 0, sizeof(*m));
}

void berth_mount_reqs_free(struct berth_mount_req *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		berth_mount_req_release(&m[i]);
	free(m);
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

/* The options of -v SRC:DST:OPTS. */
static int parse_volume_options(const char *spec, char *opts, struct berth_mount_req *m,
				struct berth_error **err)
{
	char *save = NULL;
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "ro") == 0)
			m->read_only = true;
		else if (strcmp(o, "rw") == 0)
			m->read_only = false;
		else if (strcmp(o, "nocopy") == 0)
			m->nocopy = true;
		else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0 || strcmp(o, "rprivate") == 0 ||
			 strcmp(o, "private") == 0)
			continue;
		else
			return berth_error_set(err, EINVAL,
					       "invalid volume specification '%s': unknown "
					       "option '%s'",
					       spec, o);
	}
	return 0;
}

int berth_runspec_parse_volume(const char *spec, struct berth_mount_req *ret,
			       struct berth_error **err)
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
	struct berth_mount_req m = {.type = BERTH_MOUNT_VOLUME};
	if (n == 1) {
		m.target = berth_xstrdup(parts[0]);
	} else {
		m.source = berth_xstrdup(parts[0]);
		m.target = berth_xstrdup(parts[1]);
		if (parts[0][0] == '/') {
			m.type = BERTH_MOUNT_BIND;
			m.create_source = true;
		}
	}
	int r = n == 3 ? parse_volume_options(spec, parts[2], &m, err) : 0;
	if (r >= 0 && !*m.target)
		r = berth_error_set(err, EINVAL, "invalid volume specification '%s'", spec);
	if (r >= 0)
		r = clean_target(m.target, spec, err);
	if (r < 0) {
		berth_mount_req_release(&m);
		return r;
	}
	*ret = m;
	return 0;
}

static bool truthy(const char *v)
{
	return !v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

static void set_string(char **field, const char *v)
{
	free(*field);
	*field = berth_xstrdup(v);
}

/* One KEY[=VALUE] of --mount; type goes to *type, tmpfs options to tmpfs. */
static int parse_mount_key(const char *spec, char *kv, char **type, struct berth_mount_req *m,
			   struct berth_buf *tmpfs, struct berth_error **err)
{
	char *v = strchr(kv, '=');
	if (v)
		*v++ = '\0';
	if (strcmp(kv, "type") == 0 && v) {
		set_string(type, v);
	} else if ((strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) && v) {
		set_string(&m->source, v);
	} else if ((strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 ||
		    strcmp(kv, "dst") == 0) &&
		   v) {
		set_string(&m->target, v);
	} else if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0) {
		m->read_only = truthy(v);
	} else if (strcmp(kv, "volume-nocopy") == 0) {
		m->nocopy = truthy(v);
	} else if (strcmp(kv, "tmpfs-size") == 0 && v) {
		int64_t b;
		int r = berth_parse_bytes(v, &b, err);
		if (r < 0)
			return r;
		berth_buf_addf(tmpfs, "%ssize=%" PRId64, tmpfs->len ? "," : "", b);
	} else if (strcmp(kv, "tmpfs-mode") == 0 && v) {
		berth_buf_addf(tmpfs, "%smode=%s", tmpfs->len ? "," : "", v);
	} else if (strcmp(kv, "bind-propagation") != 0 && strcmp(kv, "consistency") != 0) {
		return berth_error_set(err, EINVAL, "invalid mount '%s': unknown key '%s'", spec,
				       kv);
	}
	return 0;
}

/* The checks of a whole --mount, once its keys are read. */
static int check_mount(const char *spec, const char *type, struct berth_mount_req *m,
		       struct berth_error **err)
{
	if (!m->target)
		return berth_error_set(err, EINVAL, "invalid mount '%s': target is required", spec);
	if (strcmp(type, "bind") == 0) {
		m->type = BERTH_MOUNT_BIND;
		if (!m->source || m->source[0] != '/')
			return berth_error_set(err, EINVAL,
					       "invalid mount '%s': a bind source must be an "
					       "absolute host path",
					       spec);
	} else if (strcmp(type, "tmpfs") == 0) {
		m->type = BERTH_MOUNT_TMPFS;
		if (m->source)
			return berth_error_set(err, EINVAL,
					       "invalid mount '%s': tmpfs takes no "
					       "source",
					       spec);
	} else if (strcmp(type, "volume") == 0) {
		m->type = BERTH_MOUNT_VOLUME;
	} else {
		return berth_error_set(err, EINVAL,
				       "invalid mount '%s': type '%s' is not one of "
				       "bind, volume, tmpfs",
				       spec, type);
	}
	return clean_target(m->target, spec, err);
}

int berth_runspec_parse_mount(const char *spec, struct berth_mount_req *ret,
			      struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(spec);
	_cleanup_free_ char *type = NULL;
	struct berth_mount_req m = {.type = BERTH_MOUNT_VOLUME};
	struct berth_buf tmpfs = BERTH_BUF_INIT;
	char *save = NULL;
	int r = 0;
	for (char *kv = strtok_r(copy, ",", &save); kv && r >= 0; kv = strtok_r(NULL, ",", &save))
		r = parse_mount_key(spec, kv, &type, &m, &tmpfs, err);
	m.tmpfs_opts = berth_buf_detach(&tmpfs, NULL);
	if (r >= 0)
		r = check_mount(spec, type ? type : "volume", &m, err);
	if (r < 0) {
		berth_mount_req_release(&m);
		return r;
	}
	*ret = m;
	return 0;
}

int berth_runspec_parse_tmpfs(const char *spec, struct berth_mount_req *ret,
			      struct berth_error **err)
{
	const char *colon = strchr(spec, ':');
	struct berth_mount_req m = {.type = BERTH_MOUNT_TMPFS};
	m.target = colon ? berth_xstrndup(spec, (size_t)(colon - spec)) : berth_xstrdup(spec);
	m.tmpfs_opts = berth_xstrdup(colon ? colon + 1 : "noexec");
	int r = clean_target(m.target, spec, err);
	if (r < 0) {
		berth_mount_req_release(&m);
		return r;
	}
	*ret = m;
	return 0;
}

static const struct {
	const char *name, *rlimit;
	int resource;
} ulimit_names[] = {
	{"core", "RLIMIT_CORE", RLIMIT_CORE},
	{"cpu", "RLIMIT_CPU", RLIMIT_CPU},
	{"data", "RLIMIT_DATA", RLIMIT_DATA},
	{"fsize", "RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"locks", "RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"memlock", "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"msgqueue", "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"nice", "RLIMIT_NICE", RLIMIT_NICE},
	{"nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"nproc", "RLIMIT_NPROC", RLIMIT_NPROC},
	{"rss", "RLIMIT_RSS", RLIMIT_RSS},
	{"rtprio", "RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"rttime", "RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"sigpending", "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"stack", "RLIMIT_STACK", RLIMIT_STACK},
	{"as", "RLIMIT_AS", RLIMIT_AS},
};

const char *berth_runspec_rlimit_name(int resource)
{
	for (size_t k = 0; k < ELEMENTSOF(ulimit_names); k++)
		if (ulimit_names[k].resource == resource)
			return ulimit_names[k].rlimit;
	return NULL;
}

int berth_runspec_ulimit_resource(const char *name)
{
	for (size_t k = 0; k < ELEMENTSOF(ulimit_names); k++)
		if (strcmp(ulimit_names[k].name, name) == 0)
			return ulimit_names[k].resource;
	return -1;
}

int berth_runspec_parse_ulimit(const char *s, struct berth_ulimit *ret, struct berth_error **err)
{
	const char *eq = strchr(s, '=');
	if (!eq)
		return berth_error_set(err, EINVAL, "invalid ulimit '%s': want NAME=SOFT[:HARD]",
				       s);
	_cleanup_free_ char *name = berth_xstrndup(s, (size_t)(eq - s));
	int resource = berth_runspec_ulimit_resource(name);
	if (resource < 0)
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
	ret->resource = resource;
	ret->soft = soft == -1 ? UINT64_MAX : (uint64_t)soft;
	ret->hard = hard == -1 ? UINT64_MAX : (uint64_t)hard;
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

void berth_device_req_release(struct berth_device_req *d)
{
	free(d->host);
	free(d->container);
	memset(d, 0, sizeof(*d));
}

void berth_device_reqs_free(struct berth_device_req *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		berth_device_req_release(&d[i]);
	free(d);
}

/* HOST[:CONTAINER][:PERMS], Docker's syntax: a lone second field is PERMS when it reads as one. */
int berth_runspec_parse_device(const char *flag, struct berth_device_req *ret,
			       struct berth_error **err)
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
	*ret = (struct berth_device_req){.host = berth_xstrdup(host),
					 .container = berth_xstrdup(ctr)};
	snprintf(ret->perms, sizeof(ret->perms), "%s", perms);
	return 0;
}

int berth_runspec_parse_restart(const char *policy, enum berth_restart_policy *ret, int *ret_max,
				struct berth_error **err)
{
	*ret = BERTH_RESTART_NO;
	*ret_max = 0;
	if (strcmp(policy, "no") == 0)
		return 0;
	if (strcmp(policy, "always") == 0 || strcmp(policy, "unless-stopped") == 0) {
		*ret = policy[0] == 'a' ? BERTH_RESTART_ALWAYS : BERTH_RESTART_UNLESS_STOPPED;
		return 0;
	}
	if (strncmp(policy, "on-failure", 10) == 0) {
		if (policy[10] == '\0') {
			*ret = BERTH_RESTART_ON_FAILURE;
			return 0;
		}
		char *end = NULL;
		errno = 0;
		long n = policy[10] == ':' ? strtol(policy + 11, &end, 10) : -1;
		if (errno == 0 && n >= 0 && n <= INT32_MAX && end && !*end && end != policy + 11) {
			*ret = BERTH_RESTART_ON_FAILURE;
			*ret_max = (int)n;
			return 0;
		}
	}
	return berth_error_set(err, EINVAL, "invalid restart policy '%s'", policy);
}

char *berth_runspec_restart_format(enum berth_restart_policy p, int max)
{
	switch (p) {
	case BERTH_RESTART_ON_FAILURE:
		return max ? berth_xasprintf("on-failure:%d", max) : berth_xstrdup("on-failure");
	case BERTH_RESTART_ALWAYS:
		return berth_xstrdup("always");
	case BERTH_RESTART_UNLESS_STOPPED:
		return berth_xstrdup("unless-stopped");
	case BERTH_RESTART_NO:
		break;
	}
	return berth_xstrdup("no");
}

int berth_runspec_parse_security_opt(const char *opt, struct berth_security_opts *opts,
				     struct berth_error **err)
{
	const char *v = strchr(opt, '=');
	if (!v)
		v = strchr(opt, ':');
	if (strncmp(opt, "no-new-privileges", 17) == 0 && (v ? v == opt + 17 : !opt[17])) {
		/* BOOL as Go's strconv.ParseBool, as Docker reads it */
		bool b = true;
		if (v && berth_parse_bool(v + 1, &b) < 0)
			return berth_error_set(err, EINVAL,
					       "invalid --security-opt '%s': not a boolean", opt);
		opts->no_new_privileges = b;
		return 0;
	}
	if (strncmp(opt, "seccomp", 7) == 0 && v && v == opt + 7) {
		opts->seccomp_unconfined = strcmp(v + 1, "unconfined") == 0;
		opts->seccomp_profile = opts->seccomp_unconfined ? NULL : v + 1;
		return 0;
	}
	return berth_error_set(err, EINVAL, "invalid --security-opt '%s'", opt);
}

int berth_runspec_parse_signal(const char *s)
{
	const char *n = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	char *end = NULL;
	errno = 0;
	long v = strtol(n, &end, 10);
	if (end != n)
		return !errno && !*end && v > 0 && v < 65 ? (int)v : -EINVAL;
	for (int i = 1; i < 65; i++) {
		const char *a = sigabbrev_np(i);
		if (a && *n && strcasecmp(a, n) == 0)
			return i;
	}
	return -EINVAL;
}
