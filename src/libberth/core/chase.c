/* SPDX-License-Identifier: Apache-2.0 */
#include "core/chase.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"

#define MAX_LINKS 40

int berth_chase_in_root(int root_fd, const char *path, char **ret, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf done = BERTH_BUF_INIT; /* "/a/b", "" is the root */
	_cleanup_free_ char *todo = berth_xstrdup(path);
	const char *p = todo;
	bool missing = false;
	int links = 0;

	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		_cleanup_free_ char *comp = berth_xstrndup(p, (size_t)(e - p));
		p = e;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			/* done has no symlink in it: ".." is lexical, clamped at the root */
			char *slash = strrchr(done.buf, '/');
			berth_buf_setlen(&done, slash ? (size_t)(slash - done.buf) : 0);
			continue;
		}
		if (!missing) {
			_cleanup_close_ int dir = berth_open_in_root(
				root_fd, done.len ? done.buf : "/", O_PATH | O_DIRECTORY, 0, err);
			if (dir < 0)
				return berth_error_prefix(err, "resolve '%s'", path);
			struct stat st;
			if (fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno != ENOENT)
					return berth_error_syscall(err, errno, "resolve '%s'",
								   path);
				missing = true;
			} else if (S_ISLNK(st.st_mode)) {
				if (++links > MAX_LINKS)
					return berth_error_set(err, ELOOP,
							       "resolve '%s': too many levels of "
							       "symbolic links",
							       path);
				char target[PATH_MAX];
				ssize_t n = readlinkat(dir, comp, target, sizeof(target) - 1);
				if (n < 0)
					return berth_error_syscall(err, errno, "readlink in '%s'",
								   path);
				target[n] = '\0';
				if (target[0] == '/')
					berth_buf_setlen(&done, 0);
				char *next = berth_xasprintf("%s/%s", target, p);
				free(todo);
				todo = next;
				p = todo;
				continue;
			}
		}
		berth_buf_addch(&done, '/');
		berth_buf_addstr(&done, comp);
	}
	*ret = berth_xstrdup(done.len ? done.buf : "/");
	return 0;
}
