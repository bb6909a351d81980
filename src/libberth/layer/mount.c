/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Overlay mounts of unpacked layers, with the new mount API: every lower
 * dir goes in its own fsconfig("lowerdir+") call, so there is no option
 * string and no page-size limit on the number of layers (the reason
 * containers/storage keeps short "l/" links does not apply here), and a
 * path may hold ',' and ':'.
 *
 * This is the one place a rootfs is put together: build's views and RUN
 * steps, `image mount` and every container's rootfs come from
 * overlay_open(). A container gets it as a detached mount (fsmount) that
 * the runtime attaches inside the container's new mount namespace with
 * move_mount: a detached tree goes away when its last fd closes, so if
 * berth dies before the attach nothing is left mounted on the host, and
 * once attached the overlay lives only in the container's namespace and
 * goes with it, as when the runtime mounted it there itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer-internal.h"
#include "layer/layer.h"

/* The kernel's own explanation of a failed fsconfig, read from the fs context. */
static void fs_log(int fsfd, char *out, size_t len)
{
	out[0] = 0;
	char buf[512];
	ssize_t n;
	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		if (!out[0] && (buf[0] == 'e' || buf[0] == 'w') && buf[1] == ' ')
			snprintf(out, len, " (%.200s)", buf + 2);
	}
}

static int fs_fail(int fsfd, int code, struct berth_error **err, const char *what)
{
	char log[256];
	fs_log(fsfd, log, sizeof(log));
	return berth_error_set(err, code, "overlay %s: %s%s", what, strerror(code), log);
}

/*
 * The overlay (or a read-only bind of a single lower dir) as a detached
 * mount: a tree in no mount namespace, which the kernel takes down when its
 * last fd closes unless move_mount attaches it somewhere first.
 */
static int overlay_open(char *const *lowerdirs, const char *upper, const char *work, unsigned flags,
			struct berth_error **err)
{
	size_t n = berth_strv_len(lowerdirs);
	_cleanup_close_ int mfd = -EBADF;
	unsigned attrs = (flags & BERTH_OVERLAY_DEVICES) ? 0 : MOUNT_ATTR_NODEV;
	if (n == 0)
		return berth_error_set(err, EINVAL, "overlay without lower dirs");
	if (!upper && n == 1) {
		/* overlay wants two lowers without an upper: a read-only bind is the same view */
		mfd = open_tree(AT_FDCWD, lowerdirs[0], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (mfd < 0)
			return berth_error_syscall(err, errno, "clone mount of '%s'", lowerdirs[0]);
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | attrs};
		if (mount_setattr(mfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			return berth_error_syscall(err, errno, "make mount read-only");
		return TAKE_FD(mfd);
	}
	_cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return berth_error_syscall(err, errno, "open overlay filesystem");
	for (size_t i = 0; i < n; i++) {
		/* overlay lists lowers top first; ours are bottom first */
		const char *l = lowerdirs[n - 1 - i];
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", l, 0) < 0)
			return fs_fail(fsfd, errno, err, "lower dir");
	}
	if (upper) {
		if (!work)
			return berth_error_set(err, EINVAL, "overlay upper dir without work dir");
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
			return fs_fail(fsfd, errno, err, "upper dir");
		/*
		 * The upper dir is read back as a layer diff: renamed dirs must be
		 * copied up whole and files carry their data, not a redirect or
		 * a metacopy that only makes sense next to these lowers.
		 */
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "redirect_dir", "off", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "metacopy", "off", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "index", "off", 0) < 0)
			return fs_fail(fsfd, errno, err, "options");
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_fail(fsfd, errno, err, "create");
	if ((flags & BERTH_OVERLAY_RDONLY) || !upper)
		attrs |= MOUNT_ATTR_RDONLY;
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
	if (mfd < 0)
		return fs_fail(fsfd, errno, err, "mount");
	return TAKE_FD(mfd);
}

/* Mounts the overlay (or a read-only bind of a single lower dir) at target_dir_fd/target_name. */
static int overlay_mount_at(char *const *lowerdirs, const char *upper, const char *work,
			    int target_dir_fd, const char *target_name, unsigned flags,
			    struct berth_error **err)
{
	_cleanup_close_ int mfd = overlay_open(lowerdirs, upper, work, flags, err);
	if (mfd < 0)
		return mfd;
	if (move_mount(mfd, "", target_dir_fd, target_name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_syscall(err, errno, "attach overlay at '%s'", target_name);
	return 0;
}

int berth_overlay_open(char *const *lowerdirs, const char *upper, const char *work, unsigned flags,
		       struct berth_error **err)
{
	return overlay_open(lowerdirs, upper, work, flags, err);
}

int berth_overlay_open_cb(void *ov, struct berth_error **err)
{
	const struct berth_overlay *o = ov;
	return overlay_open(o->lowerdirs, o->upper, o->work, o->flags, err);
}

int berth_overlay_mount(char *const *lowerdirs, const char *upper, const char *work,
			const char *target, unsigned flags, struct berth_error **err)
{
	return overlay_mount_at(lowerdirs, upper, work, AT_FDCWD, target, flags, err);
}

/* A directory created below dir_fd, as a string the kernel resolves to exactly it. */
static int scratch_subdir(int dir_fd, const char *name, mode_t mode, int *ret_fd, char ret[64],
			  struct berth_error **err)
{
	if (mkdirat(dir_fd, name, mode) < 0)
		return berth_error_syscall(err, errno, "create '%s'", name);
	*ret_fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*ret_fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	snprintf(ret, 64, "/proc/self/fd/%d", *ret_fd);
	return 0;
}

int berth_overlay_scratch_mount(int lower_fd, int scratch_fd, const char *name, char **ret_path,
				struct berth_error **err)
{
	_cleanup_free_ char *upper_name = berth_xasprintf("%s.upper", name);
	_cleanup_free_ char *work_name = berth_xasprintf("%s.work", name);
	_cleanup_close_ int upper_fd = -EBADF, work_fd = -EBADF, fsfd = -EBADF, mfd = -EBADF;
	_cleanup_umount_ char *mounted = NULL;
	char lower[64], upper[64], work[64];
	int r;

	/* every dir goes to the kernel as the fd it is: no path is looked up twice */
	snprintf(lower, sizeof(lower), "/proc/self/fd/%d", lower_fd);
	r = scratch_subdir(scratch_fd, upper_name, 0755, &upper_fd, upper, err);
	if (r < 0)
		return r;
	r = scratch_subdir(scratch_fd, work_name, 0700, &work_fd, work, err);
	if (r < 0)
		return r;
	if (mkdirat(scratch_fd, name, 0755) < 0)
		return berth_error_syscall(err, errno, "create '%s'", name);
	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return berth_error_syscall(err, errno, "open overlay filesystem");
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", lower, 0) < 0)
		return fs_fail(fsfd, errno, err, "lower dir");
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
		return fs_fail(fsfd, errno, err, "upper dir");
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_fail(fsfd, errno, err, "create");
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	if (mfd < 0)
		return fs_fail(fsfd, errno, err, "mount");
	_cleanup_free_ char *base = NULL;
	r = layer_fd_path(scratch_fd, &base, err);
	if (r < 0)
		return r;
	if (move_mount(mfd, "", scratch_fd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_syscall(err, errno, "attach overlay at '%s'", name);
	mounted = berth_xasprintf("%s/%s", base, name);
	int fd = openat(scratch_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open overlay at '%s'", name);
	*ret_path = TAKE_PTR(mounted);
	return fd;
}

static bool is_mount_root(int dir_fd, const char *name)
{
	struct statx stx;
	if (statx(dir_fd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int lock_mount(int mnt_fd, const char *hex, struct berth_error **err)
{
	_cleanup_free_ char *name = berth_xasprintf("%s.lock", hex);
	_cleanup_close_ int fd =
		openat(mnt_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open mount lock '%s'", name);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return berth_error_syscall(err, errno, "lock '%s'", name);
	return TAKE_FD(fd);
}

static int open_mnt_dir(int store_fd, bool create, struct berth_error **err)
{
	_cleanup_close_ int layers_fd = layer_open_subdir(store_fd, "layers", create, err);
	if (layers_fd < 0)
		return layers_fd;
	return layer_open_subdir(layers_fd, "mnt", create, err);
}

/* mnt/<id-hex>.chains: what a gc keeps for the mount (see gc.c) */
static int write_mount_chains(int mnt_fd, const char *hex, const struct berth_digest *diff_ids,
			      size_t n, struct berth_error **err)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	struct berth_digest chain;
	for (size_t i = 0; i < n; i++) {
		struct berth_digest prev = chain;
		char h[65];
		berth_layer_chain_id(i ? &prev : NULL, &diff_ids[i], &chain);
		berth_buf_addf(&b, "%s\n", berth_digest_hex(&chain, h));
	}
	_cleanup_free_ char *name = berth_xasprintf("%s%s", hex, LAYER_MOUNT_CHAINS_SUFFIX);
	return berth_write_file_atomic(mnt_fd, name, b.buf, b.len, 0600, err);
}

int berth_layer_image_mount(int store_fd, const struct berth_digest *image_id,
			    const struct berth_digest *diff_ids, size_t n,
			    berth_layer_open_fn open_blob, void *ctx, char **ret_path,
			    struct berth_error **err)
{
	char hex[65];
	berth_digest_hex(image_id, hex);
	_cleanup_close_ int mnt_fd = open_mnt_dir(store_fd, true, err);
	if (mnt_fd < 0)
		return berth_error_prefix(err, "image mount");
	_cleanup_free_ char *base = NULL;
	int r = layer_fd_path(mnt_fd, &base, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = berth_xasprintf("%s/%s", base, hex);
	/* two `image mount`s of one image at once must not stack two mounts */
	_cleanup_close_ int lock_fd = lock_mount(mnt_fd, hex, err);
	if (lock_fd < 0)
		return lock_fd;
	if (mkdirat(mnt_fd, hex, 0700) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create mount point '%s'", path);
	if (is_mount_root(mnt_fd, hex)) {
		*ret_path = TAKE_PTR(path);
		return 0;
	}
	_cleanup_strv_free_ char **lowers = NULL;
	r = berth_layer_stack_prepare(store_fd, diff_ids, n, open_blob, ctx, 0, &lowers, err);
	if (r < 0)
		return berth_error_prefix(err, "image mount");
	if (n == 0) {
		/* an image without layers has an empty rootfs */
		_cleanup_close_ int layers_fd = layer_open_subdir(store_fd, "layers", false, err);
		if (layers_fd < 0)
			return layers_fd;
		_cleanup_close_ int empty_fd = layer_open_subdir(layers_fd, "empty", true, err);
		if (empty_fd < 0)
			return empty_fd;
		char *p = NULL;
		r = layer_fd_path(empty_fd, &p, err);
		if (r < 0)
			return r;
		berth_strv_consume(&lowers, p);
	}
	r = write_mount_chains(mnt_fd, hex, diff_ids, n, err);
	if (r < 0)
		return r;
	r = overlay_mount_at(lowers, NULL, NULL, mnt_fd, hex, BERTH_OVERLAY_RDONLY, err);
	if (r < 0) {
		unlinkat(mnt_fd, hex, AT_REMOVEDIR);
		return berth_error_prefix(err, "image mount");
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

int berth_layer_image_umount(int store_fd, const struct berth_digest *image_id,
			     struct berth_error **err)
{
	char hex[65];
	berth_digest_hex(image_id, hex);
	_cleanup_close_ int mnt_fd = open_mnt_dir(store_fd, false, err);
	if (mnt_fd < 0 || !is_mount_root(mnt_fd, hex)) {
		berth_error_free(err);
		return berth_error_set(err, ENOENT, "image sha256:%.12s is not mounted", hex);
	}
	_cleanup_free_ char *base = NULL;
	int r = layer_fd_path(mnt_fd, &base, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = berth_xasprintf("%s/%s", base, hex);
	_cleanup_close_ int lock_fd = lock_mount(mnt_fd, hex, err);
	if (lock_fd < 0)
		return lock_fd;
	if (umount2(path, UMOUNT_NOFOLLOW) < 0)
		return berth_error_syscall(err, errno, "unmount '%s'", path);
	if (unlinkat(mnt_fd, hex, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove mount point '%s'", path);
	_cleanup_free_ char *chains = berth_xasprintf("%s%s", hex, LAYER_MOUNT_CHAINS_SUFFIX);
	if (unlinkat(mnt_fd, chains, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove '%s'", chains);
	return 0;
}
