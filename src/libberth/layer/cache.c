/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unpacked-layer cache: layers/<chain-id-hex>/ below the store root,
 * holding diff/ (the overlay lower dir), files (its listing, for `system
 * check`: verify.c) and complete (the marker). A layer
 * is unpacked into layers/.tmp-<hex>/ under layers/<hex>.lock, synced,
 * marked and renamed into place; the rename is the commit, so a crash at
 * any point leaves either nothing or a complete layer (and a .tmp- dir the
 * next unpacker of that layer removes under the same lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
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

void berth_layer_chain_id(const struct berth_digest *parent, const struct berth_digest *diff_id,
			  struct berth_digest *ret)
{
	if (!parent) {
		*ret = *diff_id;
		return;
	}
	char p[BERTH_DIGEST_STRLEN + 1], d[BERTH_DIGEST_STRLEN + 1], s[2 * BERTH_DIGEST_STRLEN + 2];
	snprintf(s, sizeof(s), "%s %s", berth_digest_fmt(parent, p), berth_digest_fmt(diff_id, d));
	berth_digest_of(s, strlen(s), ret);
}

int layer_open_subdir(int dir_fd, const char *name, bool create, struct berth_error **err)
{
	if (create && mkdirat(dir_fd, name, 0700) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create '%s'", name);
	int fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	return fd;
}

int layer_fd_path(int fd, char **ret, struct berth_error **err)
{
	char proc[64], buf[PATH_MAX + 1];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, sizeof(buf));
	if (n < 0)
		return berth_error_syscall(err, errno, "resolve the path of fd %d", fd);
	if ((size_t)n >= sizeof(buf) || buf[0] != '/')
		return berth_error_set(err, ENAMETOOLONG, "path of fd %d unusable", fd);
	buf[n] = 0;
	*ret = berth_xstrdup(buf);
	return 0;
}

static bool complete_at(int layers_fd, const char *hex)
{
	_cleanup_free_ char *marker = berth_xasprintf("%s/complete", hex);
	struct stat st;
	return fstatat(layers_fd, marker, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

bool berth_layer_cache_has(int store_fd, const struct berth_digest *chain_id)
{
	_cleanup_close_ int layers_fd =
		openat(store_fd, "layers", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char hex[65];
	return layers_fd >= 0 && complete_at(layers_fd, berth_digest_hex(chain_id, hex));
}

static int diff_path(int layers_fd, const char *hex, char **ret, struct berth_error **err)
{
	_cleanup_free_ char *base = NULL;
	int r = layer_fd_path(layers_fd, &base, err);
	if (r < 0)
		return r;
	*ret = berth_xasprintf("%s/%s/diff", base, hex);
	return 0;
}

/* The layer being unpacked: its chain hex, its parent's ("" for a base layer). */
struct unpack_target {
	const char *hex;
	const char *parent_hex;
};

static int unpack_into_tmp(int store_fd, int layers_fd, const char *tmp,
			   const struct unpack_target *t, const struct berth_digest *diff_id,
			   int blob_fd, unsigned flags, struct berth_error **err)
{
	int r = berth_rm_rf_at(layers_fd, tmp, err); /* a crashed attempt's leftovers */
	if (r < 0)
		return r;
	if (mkdirat(layers_fd, tmp, 0700) < 0)
		return berth_error_syscall(err, errno, "create '%s'", tmp);
	_cleanup_close_ int tmp_fd = layer_open_subdir(layers_fd, tmp, false, err);
	if (tmp_fd < 0)
		return tmp_fd;
	if (mkdirat(tmp_fd, "diff", 0755) < 0)
		return berth_error_syscall(err, errno, "create '%s/diff'", tmp);
	_cleanup_close_ int diff_fd =
		openat(tmp_fd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (diff_fd < 0)
		return berth_error_syscall(err, errno, "open '%s/diff'", tmp);
	struct berth_layer_unpack_stats stats;
	/* the files it shares with the last layer unpacked on the same parent are linked */
	_cleanup_close_ int reuse_fd =
		*t->parent_hex ? layer_reuse_dir(layers_fd, t->parent_hex, t->hex) : -EBADF;
	_cleanup_(layer_writeback_release) struct layer_writeback wb = {.n = 0};
	bool targeted = layer_writeback_targeted(diff_fd);
	r = layer_unpack_reusing(blob_fd, diff_fd, flags, diff_id, reuse_fd, targeted ? &wb : NULL,
				 &stats, err);
	if (r < 0)
		return r;
	/* Docker's size of the layer, known now without another decompression */
	r = berth_layer_size_record(store_fd, diff_id, stats.tar_size, err);
	if (r < 0)
		return r;
	r = layer_write_files(tmp_fd, diff_fd, err);
	if (r < 0)
		return r;
	/*
	 * everything unpacked reaches the disk before the marker says it is
	 * there: the writeback of the files written (those linked are in a
	 * complete layer already), then the marker's fsync commits the rest
	 * (filedata.c); a syncfs where that is not enough
	 */
	if (targeted)
		r = layer_writeback_wait(&wb, err);
	if (r >= 0 && (!targeted || wb.need_syncfs) && syncfs(diff_fd) < 0)
		r = berth_error_syscall(err, errno, "sync unpacked layer");
	if (r < 0)
		return r;
	char d[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *marker = berth_xasprintf("%s\n", berth_digest_fmt(diff_id, d));
	return berth_write_file_atomic(tmp_fd, "complete", marker, strlen(marker), 0644, err);
}

int layer_lock(int layers_fd, const char *hex, int op, struct berth_error **err)
{
	_cleanup_free_ char *name = berth_xasprintf("%s.lock", hex);
	for (;;) {
		_cleanup_close_ int fd =
			openat(layers_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open lock of layer sha256:%s", hex);
		while (flock(fd, op) < 0) {
			if (errno == EWOULDBLOCK && (op & LOCK_NB))
				return -EWOULDBLOCK; /* busy: not an error, no message */
			if (errno != EINTR)
				return berth_error_syscall(err, errno, "lock layer sha256:%s", hex);
		}
		/* a gc unlinks the lock file while it holds it: then lock the new one */
		struct stat a, b;
		if (fstat(fd, &a) < 0)
			return berth_error_syscall(err, errno, "lock layer sha256:%s", hex);
		if (fstatat(layers_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return TAKE_FD(fd);
	}
}

/*
 * The shared locks this process holds on the layers it prepared (one per
 * chain), kept until it exits: a gc never removes a layer somebody holds, so
 * a foreground container, a build step or a detached container's monitor
 * (a fork, which shares them) keeps its lower dirs. CLOEXEC: an exec'd
 * container process does not get them.
 */
struct held_layer {
	char hex[65];
	int fd;
	struct held_layer *next;
};
static struct held_layer *held_layers;
static pthread_mutex_t held_mutex = PTHREAD_MUTEX_INITIALIZER;

static void hold_layer(const char *hex, int fd)
{
	pthread_mutex_lock(&held_mutex);
	for (struct held_layer *h = held_layers; h; h = h->next) {
		if (strcmp(h->hex, hex) == 0) {
			pthread_mutex_unlock(&held_mutex);
			close(fd); /* already held: one shared lock is enough */
			return;
		}
	}
	struct held_layer *h = berth_xcalloc(1, sizeof(*h));
	memcpy(h->hex, hex, sizeof(h->hex));
	h->fd = fd;
	h->next = held_layers;
	held_layers = h;
	pthread_mutex_unlock(&held_mutex);
}

static void unhold_layer(const char *hex)
{
	pthread_mutex_lock(&held_mutex);
	for (struct held_layer **p = &held_layers; *p; p = &(*p)->next) {
		if (strcmp((*p)->hex, hex) == 0) {
			struct held_layer *h = *p;
			*p = h->next;
			close(h->fd);
			free(h);
			break;
		}
	}
	pthread_mutex_unlock(&held_mutex);
}

void berth_layer_cache_release_all(void)
{
	pthread_mutex_lock(&held_mutex);
	while (held_layers) {
		struct held_layer *h = held_layers;
		held_layers = h->next;
		close(h->fd);
		free(h);
	}
	pthread_mutex_unlock(&held_mutex);
}

bool berth_layer_cache_held(const struct berth_digest *chain_id)
{
	char hex[65];
	berth_digest_hex(chain_id, hex);
	bool found = false;
	pthread_mutex_lock(&held_mutex);
	for (struct held_layer *h = held_layers; h && !found; h = h->next)
		found = strcmp(h->hex, hex) == 0;
	pthread_mutex_unlock(&held_mutex);
	return found;
}

/* Unpacks the missing layer under its exclusive lock (unless somebody else finished it). */
static int unpack_locked(int store_fd, int layers_fd, const struct unpack_target *t,
			 const struct berth_digest *diff_id, int blob_fd, unsigned flags,
			 struct berth_error **err)
{
	const char *hex = t->hex;
	_cleanup_close_ int lock_fd = layer_lock(layers_fd, hex, LOCK_EX, err);
	if (lock_fd < 0)
		return lock_fd;
	if (complete_at(layers_fd, hex))
		return 0;
	int r = berth_rm_rf_at(layers_fd, hex, err); /* never complete: not a layer */
	if (r < 0)
		return r;
	_cleanup_free_ char *tmp = berth_xasprintf(".tmp-%s", hex);
	/* the blob may be read a second time when a gc removed the first unpack */
	if (lseek(blob_fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
		return berth_error_syscall(err, errno, "rewind layer sha256:%s", hex);
	r = unpack_into_tmp(store_fd, layers_fd, tmp, t, diff_id, blob_fd, flags, err);
	if (r < 0) {
		berth_rm_rf_at(layers_fd, tmp, NULL);
		return berth_error_prefix(err, "layer sha256:%s", hex);
	}
	if (renameat(layers_fd, tmp, layers_fd, hex) < 0) {
		r = berth_error_syscall(err, errno, "commit layer sha256:%s", hex);
		berth_rm_rf_at(layers_fd, tmp, NULL);
		return r;
	}
	if (*t->parent_hex)
		layer_reuse_record(layers_fd, t->parent_hex, hex);
	return berth_fsync_dir(layers_fd, err);
}

int berth_layer_cache_ensure(int store_fd, const struct berth_digest *chain_id,
			     const struct berth_digest *diff_id, int blob_fd, unsigned flags,
			     char **ret_path, struct berth_error **err)
{
	return layer_cache_ensure_on(store_fd, NULL, chain_id, diff_id, blob_fd, flags, ret_path,
				     err);
}

int layer_cache_ensure_on(int store_fd, const struct berth_digest *parent,
			  const struct berth_digest *chain_id, const struct berth_digest *diff_id,
			  int blob_fd, unsigned flags, char **ret_path, struct berth_error **err)
{
	char hex[65], parent_hex[65] = "";
	berth_digest_hex(chain_id, hex);
	if (parent)
		berth_digest_hex(parent, parent_hex);
	const struct unpack_target t = {hex, parent_hex};
	_cleanup_close_ int layers_fd = layer_open_subdir(store_fd, "layers", true, err);
	if (layers_fd < 0)
		return berth_error_prefix(err, "layer cache");
	/*
	 * A complete layer under a shared lock is ours until we exit. Unpacking
	 * takes the exclusive lock, then we come back for the shared one: a gc
	 * may remove the layer in between (it is unreferenced), then again.
	 */
	for (int attempt = 0; attempt < 3; attempt++) {
		_cleanup_close_ int lock_fd = layer_lock(layers_fd, hex, LOCK_SH, err);
		if (lock_fd < 0)
			return lock_fd;
		if (complete_at(layers_fd, hex)) {
			hold_layer(hex, TAKE_FD(lock_fd));
			return diff_path(layers_fd, hex, ret_path, err);
		}
		if (blob_fd < 0)
			return berth_error_set(err, ENOENT, "layer sha256:%s is not unpacked", hex);
		berth_closep(&lock_fd);
		unhold_layer(hex); /* a layer removed behind our back: our lock would block us */
		int r = unpack_locked(store_fd, layers_fd, &t, diff_id, blob_fd, flags, err);
		if (r < 0)
			return r;
	}
	return berth_error_set(err, EAGAIN, "layer sha256:%s was removed while it was unpacked",
			       hex);
}

int layer_cache_remove_locked(int layers_fd, const char *hex, struct berth_error **err)
{
	int r = berth_rm_rf_at(layers_fd, hex, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *tmp = berth_xasprintf(".tmp-%s", hex);
	r = berth_rm_rf_at(layers_fd, tmp, err);
	if (r < 0)
		return r;
	/* while still locked: a waiter then sees its lock file is gone and retries */
	_cleanup_free_ char *lock_name = berth_xasprintf("%s.lock", hex);
	if (unlinkat(layers_fd, lock_name, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove lock of layer sha256:%s", hex);
	return 0;
}

int berth_layer_cache_remove(int store_fd, const struct berth_digest *chain_id,
			     struct berth_error **err)
{
	char hex[65];
	berth_digest_hex(chain_id, hex);
	_cleanup_close_ int layers_fd =
		openat(store_fd, "layers", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (layers_fd < 0)
		return errno == ENOENT ? 0 : berth_error_syscall(err, errno, "open 'layers'");
	unhold_layer(hex); /* our own shared lock would block us */
	_cleanup_close_ int lock_fd = layer_lock(layers_fd, hex, LOCK_EX, err);
	if (lock_fd < 0)
		return lock_fd;
	return layer_cache_remove_locked(layers_fd, hex, err);
}

int berth_layer_stack_prepare(int store_fd, const struct berth_digest *diff_ids, size_t n,
			      berth_layer_open_fn open_blob, void *ctx, unsigned flags,
			      char ***ret_lowerdirs, struct berth_error **err)
{
	_cleanup_strv_free_ char **dirs = NULL;
	struct berth_digest chain;
	for (size_t i = 0; i < n; i++) {
		struct berth_digest prev = chain;
		berth_layer_chain_id(i ? &prev : NULL, &diff_ids[i], &chain);
		char *path = NULL;
		int r;
		if (berth_layer_cache_has(store_fd, &chain)) {
			r = berth_layer_cache_ensure(store_fd, &chain, &diff_ids[i], -EBADF, flags,
						     &path, err);
		} else {
			if (!open_blob)
				return berth_error_set(err, ENOENT, "layer %zu is not unpacked", i);
			_cleanup_close_ int fd = open_blob(ctx, i, err);
			if (fd < 0)
				return berth_error_prefix(err, "open layer %zu", i);
			r = layer_cache_ensure_on(store_fd, i ? &prev : NULL, &chain, &diff_ids[i],
						  fd, flags, &path, err);
		}
		if (r < 0)
			return r;
		berth_strv_consume(&dirs, path);
	}
	*ret_lowerdirs = TAKE_PTR(dirs);
	return 0;
}

int layer_open_store_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct layer_store_blobs *sb = ctx;
	int fd = -EBADF;
	int r = berth_store_blob_open(sb->s, &sb->blobs[i], &fd, NULL, err);
	return r < 0 ? r : fd;
}

int berth_layer_store_stack(struct berth_store *s, const struct berth_digest *diff_ids,
			    const struct berth_digest *blobs, size_t n, unsigned flags,
			    char ***ret_lowerdirs, struct berth_error **err)
{
	struct layer_store_blobs sb = {.s = s, .blobs = blobs};
	return berth_layer_stack_prepare(berth_store_root_fd(s), diff_ids, n, layer_open_store_blob,
					 &sb, flags, ret_lowerdirs, err);
}

int berth_layer_store_image_mount(struct berth_store *s, const struct berth_digest *image_id,
				  const struct berth_digest *diff_ids,
				  const struct berth_digest *blobs, size_t n, char **ret_path,
				  struct berth_error **err)
{
	struct layer_store_blobs sb = {.s = s, .blobs = blobs};
	return berth_layer_image_mount(berth_store_root_fd(s), image_id, diff_ids, n,
				       layer_open_store_blob, &sb, ret_path, err);
}
