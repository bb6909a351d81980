/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builder/flags.h"
#include "core/alloc.h"
#include "core/cleanup.h"

void build_run_mount_release(struct build_run_mount *m)
{
	free(m->type);
	free(m->target);
	free(m->source);
	free(m->from);
	free(m->id);
	free(m->sharing);
	*m = (struct build_run_mount){0};
}

/* A decimal or (with base 8) octal number of at most max, all of s. */
static bool parse_number(const char *s, int base, unsigned long max, unsigned long *ret)
{
	char *end;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

int build_parse_chmod(const char *s, mode_t *ret, struct berth_error **err)
{
	unsigned long v;
	if (!parse_number(s, 8, 07777, &v))
		return berth_error_set(err, EINVAL, "invalid chmod parameter '%s'", s);
	*ret = (mode_t)v;
	return 0;
}

/* Go's strconv.ParseBool, as BuildKit reads these; a bare key is true. */
static int parse_bool(const char *key, const char *v, const char *spec, bool *ret,
		      struct berth_error **err)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	for (size_t i = 0; v && i < ELEMENTSOF(yes); i++) {
		if (strcmp(v, yes[i]) == 0)
			v = NULL;
		else if (strcmp(v, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	if (!v)
		*ret = true;
	else
		return berth_error_set(err, EINVAL, "invalid value '%s' of '%s' in '--mount=%s'", v,
				       key, spec);
	return 0;
}

static int parse_id(const char *key, const char *v, const char *spec, unsigned long *ret,
		    struct berth_error **err)
{
	/* (uid_t)-1 means "unchanged" to chown(2): not an id */
	if (!v || !parse_number(v, 10, UINT32_MAX - 1, ret))
		return berth_error_set(err, EINVAL, "invalid %s '%s' in '--mount=%s'", key,
				       v ? v : "", spec);
	return 0;
}

static int parse_key(struct build_run_mount *m, const char *kv, const char *v, const char *spec,
		     struct berth_error **err)
{
	static const struct {
		const char *name;
		size_t off;
	} strings[] = {
		{"type", offsetof(struct build_run_mount, type)},
		{"target", offsetof(struct build_run_mount, target)},
		{"dst", offsetof(struct build_run_mount, target)},
		{"destination", offsetof(struct build_run_mount, target)},
		{"source", offsetof(struct build_run_mount, source)},
		{"src", offsetof(struct build_run_mount, source)},
		{"from", offsetof(struct build_run_mount, from)},
		{"id", offsetof(struct build_run_mount, id)},
		{"sharing", offsetof(struct build_run_mount, sharing)},
	};
	unsigned long n = 0;
	bool b = false;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
		if (strcmp(kv, strings[i].name) != 0)
			continue;
		char **slot = (char **)(void *)((char *)m + strings[i].off);
		free(*slot);
		*slot = berth_xstrdup(v ? v : "");
		return 0;
	}
	if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0 || strcmp(kv, "readwrite") == 0 ||
	    strcmp(kv, "rw") == 0) {
		r = parse_bool(kv, v, spec, &b, err);
		if (r < 0)
			return r;
		bool ro_key = strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0;
		m->readonly = ro_key ? b : !b;
		m->rw_set = true;
	} else if (strcmp(kv, "required") == 0) {
		return parse_bool(kv, v, spec, &m->required, err);
	} else if (strcmp(kv, "mode") == 0) {
		if (!v || !parse_number(v, 8, 07777, &n))
			return berth_error_set(err, EINVAL, "invalid mode '%s' in '--mount=%s'",
					       v ? v : "", spec);
		m->mode = (mode_t)n, m->has_mode = true;
	} else if (strcmp(kv, "uid") == 0) {
		r = parse_id(kv, v, spec, &n, err);
		if (r < 0)
			return r;
		m->uid = (uid_t)n, m->has_uid = true;
	} else if (strcmp(kv, "gid") == 0) {
		r = parse_id(kv, v, spec, &n, err);
		if (r < 0)
			return r;
		m->gid = (gid_t)n, m->has_gid = true;
	} else if (strcmp(kv, "size") != 0 && strcmp(kv, "env") != 0) {
		return berth_error_set(err, EINVAL, "unexpected key '%s' in '--mount=%s'", kv,
				       spec);
	}
	return 0;
}

int build_run_mount_parse(const char *spec, struct build_run_mount *ret, struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(spec);
	struct build_run_mount *m = ret;
	char *save = NULL;
	int r;

	*m = (struct build_run_mount){0};
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq = '\0';
		r = parse_key(m, kv, eq ? eq + 1 : NULL, spec, err);
		if (r < 0)
			return r;
	}
	if (!m->type)
		m->type = berth_xstrdup("bind");
	if (strcmp(m->type, "bind") && strcmp(m->type, "cache") && strcmp(m->type, "tmpfs") &&
	    strcmp(m->type, "secret"))
		return berth_error_set(err, EINVAL, "unsupported mount type '%s'", m->type);
	if (strcmp(m->type, "secret") == 0 && !m->target) {
		const char *id = m->id ? m->id : m->source;
		if (!id || !*id)
			return berth_error_set(err, EINVAL, "secret mount needs an id: '%s'", spec);
		m->target = berth_xasprintf("/run/secrets/%s", id);
	}
	if (!m->target || !*m->target)
		return berth_error_set(err, EINVAL, "mount '%s' has no target", spec);
	if (m->target[0] != '/')
		return berth_error_set(err, EINVAL, "mount target '%s' must be absolute",
				       m->target);
	return 0;
}
