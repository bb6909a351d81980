/* SPDX-License-Identifier: Apache-2.0 */
#include "core/du.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees are not worth a stack overflow: their size is a report. */
#define DU_MAX_DEPTH 256

static uint64_t du_below(int dir_fd, const char *name, dev_t dev, int depth)
{
	struct stat st;
	if (depth > DU_MAX_DEPTH || fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	uint64_t total = depth > 0 ? (uint64_t)st.st_blocks * 512 : 0;
	if (!S_ISDIR(st.st_mode) || (depth > 0 && st.st_dev != dev))
		return total;
	/* O_NOFOLLOW: name was a directory when stat'ed; a swap to a link is refused */
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return total;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return total;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			total += du_below(dirfd(d), de->d_name, st.st_dev, depth + 1);
	closedir(d);
	return total;
}

uint64_t berth_du_at(int dir_fd, const char *name)
{
	return du_below(dir_fd, name, 0, 0);
}
