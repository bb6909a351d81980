/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/internal.h"
#include "store/store.h"
#include "core/sort.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/du.h"
#include "core/fs.h"
#include "core/json.h"

struct entry {
	char *name;
	struct timespec used;
	struct bimage im;
	bool removed;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Disk bytes of the cache mounts (cache/mounts/), as `system df` counts them too. */
static uint64_t mounts_size(int cache_fd)
{
	return berth_du_at(cache_fd, "mounts");
}

uint64_t berth_builder_mounts_size(struct berth_store *s)
{
	int cfd = berth_store_dir_fd(s, "cache");
	return cfd >= 0 ? mounts_size(cfd) : 0;
}

static bool in_set(const struct berth_digest *set, size_t n, const struct berth_digest *d)
{
	for (size_t i = 0; i < n; i++)
		if (berth_digest_eq(&set[i], d))
			return true;
	return false;
}

/* Bytes of the layers only cache entries (not images) keep alive. */
static uint64_t cache_only_bytes(struct entry *es, size_t n, const struct berth_digest *img,
				 size_t n_img)
{
	struct berth_digest *seen = NULL;
	size_t n_seen = 0;
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (es[i].removed)
			continue;
		for (size_t k = 0; k < es[i].im.n_layers; k++) {
			const struct blayer *l = &es[i].im.layers[k];
			if (in_set(img, n_img, &l->digest) || in_set(seen, n_seen, &l->digest))
				continue;
			seen = berth_xreallocarray(seen, n_seen + 1, sizeof(*seen));
			seen[n_seen++] = l->digest;
			total += l->size;
		}
	}
	free(seen);
	return total;
}

int berth_builder_prune(struct berth_store *store, bool all, uint64_t keep_storage,
			uint64_t *ret_reclaimed, unsigned *ret_entries, struct berth_error **err)
{
	struct bstore *s = NULL;
	_cleanup_close_ int dfd = -EBADF, rfd = -EBADF;
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ struct berth_digest *img = NULL, *keep = NULL;
	struct entry *es = NULL;
	size_t n = 0, n_img = 0, n_keep = 0;
	unsigned removed = 0;
	uint64_t freed = 0;
	int r;

	r = bstore_open(store, &s, err);
	if (r < 0)
		return r;
	dfd = bcache_dir(s, err);
	if (dfd < 0) {
		r = dfd;
		goto out;
	}
	rfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0) {
		r = berth_error_syscall(err, errno, "open 'cache/build'");
		goto out;
	}
	d = fdopendir(fcntl(rfd, F_DUPFD_CLOEXEC, 3));
	if (!d) {
		r = berth_error_syscall(err, errno, "read 'cache/build'");
		goto out;
	}
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (l != 64 + 5 || strcmp(de->d_name + 64, ".json") != 0)
			continue;
		struct stat st;
		_cleanup_free_ char *data = NULL;
		_cleanup_json_ json_t *j = NULL;
		size_t len;
		struct entry e = {0};
		if (fstatat(rfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		e.name = berth_xstrdup(de->d_name);
		e.used = st.st_mtim;
		if (berth_read_file_at(rfd, de->d_name, 64u << 20, &data, &len, NULL) < 0 ||
		    berth_json_parse(data, len, "cache entry", &j, NULL) < 0 ||
		    bimage_from_json(j, &e.im, NULL) < 0)
			e.im = (struct bimage){0};
		es = berth_xreallocarray(es, n + 1, sizeof(*es));
		es[n++] = e;
	}
	berth_qsort(es, n, sizeof(*es), entry_cmp);
	r = bstore_image_layers(s, &img, &n_img, err);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < n; i++) {
		bool drop = all;
		if (!all && !keep_storage) {
			/* dangling: its newest layer belongs to no image */
			drop = es[i].im.n_layers == 0 ||
			       !in_set(img, n_img, &es[i].im.layers[es[i].im.n_layers - 1].digest);
		}
		if (drop)
			es[i].removed = true;
	}
	if (keep_storage && !all) {
		for (size_t i = 0; i < n; i++)
			es[i].removed = false;
		for (size_t i = 0; i < n && cache_only_bytes(es, n, img, n_img) > keep_storage; i++)
			es[i].removed = true; /* oldest first */
	}
	for (size_t i = 0; i < n; i++) {
		if (es[i].removed) {
			struct berth_digest key;
			_cleanup_free_ char *ds = berth_xasprintf("sha256:%.64s", es[i].name);
			if (unlinkat(rfd, es[i].name, 0) == 0)
				removed++;
			if (berth_digest_parse(ds, &key, NULL) >= 0) {
				r = bstore_cache_root_remove(s, &key, err);
				if (r < 0)
					goto out;
			}
			continue;
		}
		for (size_t k = 0; k < es[i].im.n_layers; k++) {
			keep = berth_xreallocarray(keep, n_keep + 1, sizeof(*keep));
			keep[n_keep++] = es[i].im.layers[k].digest;
		}
	}
	uint64_t mounts = 0;
	if (all) {
		/* cache mounts of RUN --mount=type=cache go too */
		int cfd = openat(bstore_root_fd(s), "cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd >= 0) {
			mounts = mounts_size(cfd);
			(void)berth_rm_rf_at(cfd, "mounts", NULL);
			close(cfd);
		}
	}
	r = bstore_gc(s, keep, n_keep, &freed, err);
	if (r < 0)
		goto out;
	*ret_reclaimed = freed + mounts;
	*ret_entries = removed;
	r = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(es[i].name);
		bimage_release(&es[i].im);
	}
	free(es);
	bstore_free(s);
	return r;
}
