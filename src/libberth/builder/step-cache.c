/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"

#define ENTRY_MAX (64u << 20)

/*
 * Entries are files cache/build/<key-hex>.json below the store root, each a
 * whole image state (config + layers). They are written atomically; a
 * damaged or stale one (a blob it names was collected) reads as a miss.
 */

int bcache_dir(struct bstore *s, struct berth_error **err)
{
	int root = bstore_root_fd(s);
	if (mkdirat(root, "cache", 0700) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create 'cache' in the store");
	if (mkdirat(root, "cache/build", 0700) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create 'cache/build' in the store");
	int fd = openat(root, "cache/build", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open 'cache/build' in the store");
	return fd;
}

int bcache_get(struct bstore *s, const struct berth_digest *key, struct bimage *ret,
	       struct berth_error **err)
{
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *j = NULL;
	char hex[65], name[80];
	size_t len;
	struct bimage im;
	int r;

	dfd = bcache_dir(s, err);
	if (dfd < 0)
		return dfd;
	snprintf(name, sizeof(name), "%s.json", berth_digest_hex(key, hex));
	r = berth_read_file_at(dfd, name, ENTRY_MAX, &data, &len, NULL);
	if (r < 0)
		return 0;
	if (berth_json_parse(data, len, "a build cache entry", &j, NULL) < 0)
		return 0;
	if (bimage_from_json(j, &im, NULL) < 0)
		return 0;
	for (size_t i = 0; i < im.n_layers; i++) {
		if (!bstore_has_blob(s, &im.layers[i].digest)) {
			bimage_release(&im);
			return 0;
		}
	}
	/* the mtime says when the entry was last used, for prune --keep-storage */
	(void)utimensat(dfd, name, NULL, 0);
	*ret = im;
	return 1;
}

int bcache_put(struct bstore *s, const struct berth_digest *key, const struct bimage *im,
	       struct berth_error **err)
{
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_json_ json_t *j = bimage_to_json(im);
	_cleanup_free_ char *data = NULL;
	char hex[65], name[80];
	size_t len;

	if (bstore_defer_entry(s, key, im))
		return 0; /* written by bstore_sync, once its layers are durable */
	dfd = bcache_dir(s, err);
	if (dfd < 0)
		return dfd;
	/* O_PATH fds cannot hold files written at; reopen the directory for real */
	_cleanup_close_ int wfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wfd < 0)
		return berth_error_syscall(err, errno, "open 'cache/build' in the store");
	data = berth_json_dump(j, &len);
	snprintf(name, sizeof(name), "%s.json", berth_digest_hex(key, hex));
	/* the root first: an entry is never on disk without its layers kept alive */
	int r = bstore_cache_root_set(s, key, im, err);
	if (r < 0)
		return r;
	return berth_write_file_atomic(wfd, name, data, len, 0600, err);
}
