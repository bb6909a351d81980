/* SPDX-License-Identifier: Apache-2.0 */
/* USER resolution against a rootfs's /etc/passwd and /etc/group, as Docker does it. */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"

static bool parse_id(const char *s, uint32_t *ret)
{
	if (!*s)
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v >= UINT32_MAX || s[0] == '-' || s[0] == '+')
		return false;
	*ret = (uint32_t)v;
	return true;
}

/*
 * Reads a colon-separated database file of the image. The file is opened
 * in the root (a symlinked /etc/passwd cannot point out of the image) and
 * capped in size; a missing file is an empty database.
 */
static int read_db(int root_fd, const char *path, char ***ret_lines, struct berth_error **err)
{
	_cleanup_close_ int fd = berth_open_in_root(root_fd, path, O_RDONLY, 0, NULL);
	*ret_lines = NULL;
	if (fd < 0)
		return 0;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_fd(fd, 4 << 20, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "read '%s' of the image", path);
	char *p = data;
	while (p < data + len) {
		char *nl = memchr(p, '\n', (size_t)(data + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
		if (n > 0 && p[0] != '#')
			berth_strv_consume(ret_lines, berth_xstrndup(p, n));
		p += n + 1;
	}
	return 0;
}

/* Splits a line into at most max fields (the last keeps any further colons). */
static size_t split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		char *c = strchr(p, ':');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static bool in_members(const char *members, const char *name)
{
	size_t nl = strlen(name);
	const char *p = members;
	while (*p) {
		const char *e = strchrnul(p, ',');
		if ((size_t)(e - p) == nl && strncmp(p, name, nl) == 0)
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

void berth_user_release(struct berth_user *u)
{
	free(u->groups);
	free(u->home);
	memset(u, 0, sizeof(*u));
}

int berth_user_resolve(int root_fd, const char *spec, struct berth_user *ret,
		       struct berth_error **err)
{
	_cleanup_free_ char *user_part = berth_xstrdup(spec);
	char *group_part = strchr(user_part, ':');
	if (group_part)
		*group_part++ = '\0';
	if (!*user_part)
		return berth_error_set(err, EINVAL, "invalid user '%s'", spec);

	_cleanup_strv_free_ char **passwd = NULL, **group = NULL;
	int r = read_db(root_fd, "/etc/passwd", &passwd, err);
	if (r < 0)
		return r;
	r = read_db(root_fd, "/etc/group", &group, err);
	if (r < 0)
		return r;

	struct berth_user u = {0};
	_cleanup_free_ char *name = NULL;
	uint32_t id;
	bool numeric = parse_id(user_part, &id);
	bool found = false;
	BERTH_STRV_FOREACH (l, passwd) {
		_cleanup_free_ char *line = berth_xstrdup(*l);
		char *f[7];
		if (split(line, f, 7) < 7)
			continue;
		uint32_t puid, pgid;
		if (!parse_id(f[2], &puid) || !parse_id(f[3], &pgid))
			continue;
		if (numeric ? puid == id : strcmp(f[0], user_part) == 0) {
			u.uid = puid;
			u.gid = pgid;
			u.home = berth_xstrdup(*f[5] ? f[5] : "/");
			name = berth_xstrdup(f[0]);
			found = true;
			break;
		}
	}
	if (!found) {
		if (!numeric)
			return berth_error_set(err, ENOENT,
					       "unable to find user '%s': no matching entries in "
					       "passwd file",
					       user_part);
		u.uid = id;
		u.gid = 0;
		u.home = berth_xstrdup("/");
	}

	if (group_part) {
		if (!*group_part) {
			free(u.home);
			return berth_error_set(err, EINVAL, "invalid user '%s'", spec);
		}
		bool gnum = parse_id(group_part, &id);
		bool gfound = false;
		BERTH_STRV_FOREACH (l, group) {
			_cleanup_free_ char *line = berth_xstrdup(*l);
			char *f[4];
			uint32_t gid;
			if (split(line, f, 4) < 3 || !parse_id(f[2], &gid))
				continue;
			if (gnum ? gid == id : strcmp(f[0], group_part) == 0) {
				u.gid = gid;
				gfound = true;
				break;
			}
		}
		if (!gfound) {
			if (!gnum) {
				free(u.home);
				return berth_error_set(err, ENOENT,
						       "unable to find group '%s': no matching "
						       "entries in group file",
						       group_part);
			}
			u.gid = id;
		}
	}

	/* supplementary groups: every group that lists the user's name */
	if (name) {
		BERTH_STRV_FOREACH (l, group) {
			_cleanup_free_ char *line = berth_xstrdup(*l);
			char *f[4];
			uint32_t gid;
			if (split(line, f, 4) < 4 || !parse_id(f[2], &gid))
				continue;
			if (!in_members(f[3], name))
				continue;
			bool dup = gid == u.gid;
			for (size_t i = 0; i < u.n_groups; i++)
				dup = dup || u.groups[i] == gid;
			if (dup || u.n_groups >= 65536)
				continue;
			u.groups = berth_xreallocarray(u.groups, u.n_groups + 1, sizeof(gid_t));
			u.groups[u.n_groups++] = gid;
		}
	}
	*ret = u;
	return 0;
}
