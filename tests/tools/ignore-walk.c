/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hidden helper for tests and bench/ignore: walks a build context the
 * way the context loader does with the ignore API (parent results passed
 * down, excluded directories entered only when berth_ignore_must_descend()
 * says so) and prints the counts and the time spent.
 *
 *   ignore-walk [-l] CONTEXT [DOCKERFILE]     -l lists the kept paths
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "ignore/ignore.h"

struct walk {
	const struct berth_ignore *m;
	bool list;
	unsigned long entries, kept, excluded, descended;
	double match_s;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int walk_dir(struct walk *w, int dfd, const char *rel, const bool *parent_info,
		    struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	size_t n = berth_ignore_count(w->m);
	struct dirent *de;

	if (!d)
		return berth_error_syscall(err, errno, "open directory '%s'", rel);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *path = *rel ? berth_xasprintf("%s/%s", rel, de->d_name)
						 : berth_xstrdup(de->d_name);
		bool is_dir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return berth_error_syscall(err, errno, "stat '%s'", path);
			is_dir = S_ISDIR(st.st_mode);
		}
		_cleanup_free_ bool *info = is_dir ? berth_xcalloc(n + 1, sizeof(bool)) : NULL;
		double t0 = now();
		int r = berth_ignore_matches_in_walk(w->m, path, parent_info, info, err);
		w->match_s += now() - t0;
		if (r < 0)
			return r;
		w->entries++;
		bool enter = is_dir;
		if (r) {
			w->excluded++;
			enter = is_dir && berth_ignore_must_descend(w->m, path);
			w->descended += enter;
		} else {
			w->kept++;
			if (w->list)
				printf("%s%s\n", path, is_dir ? "/" : "");
		}
		if (!enter)
			continue;
		int sub = openat(dirfd(d), de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return berth_error_syscall(err, errno, "open '%s'", path);
		r = walk_dir(w, sub, path, info, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct berth_error *err = NULL;
	_cleanup_strv_free_ char **patterns = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	struct walk w = {0};
	int a = 1, r;

	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		w.list = true;
		a++;
	}
	if (argc - a < 1 || argc - a > 2) {
		fprintf(stderr, "usage: ignore-walk [-l] CONTEXT [DOCKERFILE]\n");
		return 2;
	}
	int ctx = open(argv[a], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx < 0) {
		fprintf(stderr, "ignore-walk: open '%s': %s\n", argv[a], strerror(errno));
		return 1;
	}
	double t0 = now();
	r = berth_ignore_load(ctx, argc - a == 2 ? argv[a + 1] : NULL, &patterns, &name, &err);
	if (r >= 0)
		r = berth_ignore_new(patterns, &m, &err);
	if (r >= 0) {
		w.m = m;
		r = walk_dir(&w, ctx, "", NULL, &err);
	}
	double total = now() - t0;
	if (r < 0) {
		fprintf(stderr, "ignore-walk: %s\n", berth_error_msg(err));
		berth_error_free(&err);
		return 1;
	}
	fprintf(w.list ? stderr : stdout,
		"ignore-file=%s patterns=%zu entries=%lu kept=%lu excluded=%lu "
		"descended=%lu match_s=%.4f total_s=%.4f\n",
		*name ? name : "-", berth_ignore_count(m), w.entries, w.kept, w.excluded,
		w.descended, w.match_s, total);
	return 0;
}
