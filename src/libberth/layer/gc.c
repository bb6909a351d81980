/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Garbage collection of the unpacked-layer cache: layers/<chain-id>/ that
 * no mount or caller-named root needs (the caller, system/, names the
 * chains of images and containers), and that no process holds locked, are
 * removed under their exclusive lock (taken without waiting: a busy layer
 * is in use and stays).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer-internal.h"
#include "layer/layer.h"
#include "store/store.h"

bool layer_is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int berth_layer_chain_of_lowerdir(const char *path, struct berth_digest *ret)
{
	static const char suffix[] = "/diff";
	size_t len = strlen(path);
	if (len < 64 + sizeof(suffix) || strcmp(path + len - (sizeof(suffix) - 1), suffix) != 0)
		return -EINVAL;
	const char *hex = path + len - (sizeof(suffix) - 1) - 64;
	if (hex[-1] != '/' || !layer_is_hex64(hex, 64))
		return -EINVAL;
	char buf[65];
	memcpy(buf, hex, 64);
	buf[64] = 0;
	return berth_digest_parse_hex(buf, ret, NULL) < 0 ? -EINVAL : 0;
}

/* The chains of images mounted by `berth image mount`: mnt/<id>.chains beside a live mount. */
static int keep_mounts(int layers_fd, char ***keep, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(layers_fd, "mnt");
	if (!d)
		return errno == ENOENT ? 0 : berth_error_syscall(err, errno, "open 'layers/mnt'");
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), sl = strlen(LAYER_MOUNT_CHAINS_SUFFIX);
		if (len != 64 + sl || strcmp(de->d_name + 64, LAYER_MOUNT_CHAINS_SUFFIX) != 0)
			continue;
		/* only while mounted (a reboot leaves the list behind) */
		char id[65];
		memcpy(id, de->d_name, 64);
		id[64] = 0;
		struct statx stx;
		if (statx(dirfd(d), id, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0 ||
		    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
		    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
			continue;
		_cleanup_free_ char *data = NULL;
		size_t n = 0;
		int r = berth_read_file_at(dirfd(d), de->d_name, 1 << 20, &data, &n, err);
		if (r < 0)
			return berth_error_prefix(err, "image mount");
		char *save = NULL;
		for (char *line = strtok_r(data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (layer_is_hex64(line, strlen(line)) && !berth_strv_contains(*keep, line))
				berth_strv_push(keep, line);
	}
	return 0;
}

static _Thread_local uint64_t du_total;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* Disk bytes below layers/<name> (best effort). */
static uint64_t du_layer(int layers_fd, const char *name)
{
	_cleanup_close_ int fd =
		openat(layers_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/.", fd);
	du_total = 0;
	(void)nftw(proc, du_one, 16, FTW_PHYS | FTW_MOUNT);
	return du_total;
}

/* The chain hex of a cache entry: "<hex>", ".tmp-<hex>" or "<hex>.lock"; NULL for others. */
static bool entry_hex(const char *name, char hex[static 65])
{
	size_t len = strlen(name);
	const char *h = NULL;
	if (len == 64)
		h = name;
	else if (len == 69 && strncmp(name, ".tmp-", 5) == 0)
		h = name + 5;
	else if (len == 69 && strcmp(name + 64, ".lock") == 0)
		h = name;
	if (!h || !layer_is_hex64(h, 64))
		return false;
	memcpy(hex, h, 64);
	hex[64] = 0;
	return true;
}

static int list_entries(int layers_fd, char ***ret, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(layers_fd, ".");
	if (!d)
		return berth_error_syscall(err, errno, "open 'layers'");
	_cleanup_strv_free_ char **hexes = NULL;
	struct dirent *de;
	char hex[65];
	while ((de = readdir(d)))
		if (entry_hex(de->d_name, hex) && !berth_strv_contains(hexes, hex))
			berth_strv_push(&hexes, hex);
	*ret = TAKE_PTR(hexes);
	return 0;
}

/*
 * The gc's walk; with dry_run nothing is removed and res says what would be
 * (a lock taken and dropped at once is how a layer in use is told apart).
 */
static int layer_gc(struct berth_store *s, const struct berth_digest *keep, size_t n_keep,
		    bool dry_run, struct berth_layer_gc_result *ret, struct berth_error **err)
{
	struct berth_layer_gc_result res = {0};
	int layers_fd = berth_store_dir_fd(s, "layers");
	if (layers_fd < 0)
		return berth_error_set(err, ENOENT, "layer gc: the store has no 'layers'");
	_cleanup_strv_free_ char **live = NULL;
	for (size_t i = 0; i < n_keep; i++) {
		char hex[65];
		berth_digest_hex(&keep[i], hex);
		if (!berth_strv_contains(live, hex))
			berth_strv_push(&live, hex);
	}
	int r = keep_mounts(layers_fd, &live, err);
	if (r < 0)
		return berth_error_prefix(err, "layer gc");

	_cleanup_strv_free_ char **hexes = NULL;
	r = list_entries(layers_fd, &hexes, err);
	if (r < 0)
		return berth_error_prefix(err, "layer gc");
	BERTH_STRV_FOREACH (h, hexes) {
		struct stat st;
		bool present = fstatat(layers_fd, *h, &st, AT_SYMLINK_NOFOLLOW) == 0;
		if (dry_run && present)
			res.bytes_present += du_layer(layers_fd, *h);
		if (berth_strv_contains(live, *h)) {
			res.kept += present;
			continue;
		}
		/*
		 * Not waiting: a shared holder uses it, an exclusive one is
		 * unpacking it (or another gc removing it).
		 */
		_cleanup_close_ int lock_fd = layer_lock(layers_fd, *h, LOCK_EX | LOCK_NB, err);
		if (lock_fd == -EWOULDBLOCK) {
			res.in_use += present;
			continue;
		}
		if (lock_fd < 0)
			return berth_error_prefix(err, "layer gc");
		present = fstatat(layers_fd, *h, &st, AT_SYMLINK_NOFOLLOW) == 0;
		uint64_t bytes = present ? du_layer(layers_fd, *h) : 0;
		r = dry_run ? 0 : layer_cache_remove_locked(layers_fd, *h, err);
		if (r < 0)
			return berth_error_prefix(err, "layer gc: layer sha256:%s", *h);
		if (present) {
			res.removed++;
			res.bytes += bytes;
		}
	}
	if (ret)
		*ret = res;
	return 0;
}

int berth_layer_store_gc(struct berth_store *s, const struct berth_digest *keep, size_t n_keep,
			 struct berth_layer_gc_result *ret, struct berth_error **err)
{
	return layer_gc(s, keep, n_keep, false, ret, err);
}

int berth_layer_store_gc_dry_run(struct berth_store *s, const struct berth_digest *keep,
				 size_t n_keep, struct berth_layer_gc_result *ret,
				 struct berth_error **err)
{
	return layer_gc(s, keep, n_keep, true, ret, err);
}
