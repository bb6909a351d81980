/* SPDX-License-Identifier: Apache-2.0 */
#include "core/du.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

/* Deeper trees are not worth a stack overflow: their size is a report. */
#define DU_MAX_DEPTH 256

/* What a walk counts: disk blocks (du) or content bytes, and the hard links seen. */
struct du_walk {
	bool content;
	dev_t dev;
	ino_t *seen; /* inodes with more than one link, counted already */
	size_t n_seen;
};

static bool seen_before(struct du_walk *w, const struct stat *st)
{
	if (st->st_nlink < 2)
		return false;
	for (size_t i = 0; i < w->n_seen; i++)
		if (w->seen[i] == st->st_ino)
			return true;
	w->seen = berth_xreallocarray(w->seen, w->n_seen + 1, sizeof(*w->seen));
	w->seen[w->n_seen++] = st->st_ino;
	return false;
}

static uint64_t entry_size(struct du_walk *w, const struct stat *st)
{
	if (!w->content)
		return (uint64_t)st->st_blocks * 512;
	if (S_ISDIR(st->st_mode) || seen_before(w, st))
		return 0;
	return (uint64_t)st->st_size;
}

static uint64_t du_below(struct du_walk *w, int dir_fd, const char *name, int depth)
{
	struct stat st;
	if (depth > DU_MAX_DEPTH || fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	uint64_t total = depth > 0 ? entry_size(w, &st) : 0;
	if (depth == 0)
		w->dev = st.st_dev;
	if (!S_ISDIR(st.st_mode) || st.st_dev != w->dev)
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
			total += du_below(w, dirfd(d), de->d_name, depth + 1);
	closedir(d);
	return total;
}

uint64_t berth_du_at(int dir_fd, const char *name)
{
	struct du_walk w = {0};
	return du_below(&w, dir_fd, name, 0);
}

uint64_t berth_content_size_at(int dir_fd, const char *name)
{
	struct du_walk w = {.content = true};
	uint64_t total = du_below(&w, dir_fd, name, 0);
	free(w.seen);
	return total;
}
