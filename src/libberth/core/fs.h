/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Safe filesystem access (STYLE.md). Anything that resolves a path inside a
 * tree berth does not control (an image rootfs, a layer being unpacked, a
 * build context) goes through berth_open_in_root() or berth_open_beneath();
 * everything else uses *at() calls on a held directory fd. Never build
 * "root + / + path" strings for path-taking syscalls.
 */

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/error.h"

/*
 * Opens path inside root_fd as if root_fd were "/" after chroot: "..",
 * absolute paths and absolute symlinks are clamped to root_fd, and magic
 * links (/proc/self/fd/N) are refused. Uses openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS); where the kernel or a seccomp filter refuses
 * openat2, falls back to a component walk with O_PATH|O_NOFOLLOW fds that
 * gives the same answer. flags are open(2) flags (O_CLOEXEC is always
 * added); O_NOFOLLOW refuses a symlink as the last component (ELOOP).
 * Returns the fd or -errno.
 */
int berth_open_in_root(int root_fd, const char *path, int flags, mode_t mode,
		       struct berth_error **err);

/*
 * Opens path below dir_fd where any escape (a ".." above dir_fd, an absolute
 * path or an absolute symlink, a link leading outside) is an error (EXDEV)
 * rather than a clamp: the build context rule. Relative symlinks that stay
 * inside are followed.
 */
int berth_open_beneath(int dir_fd, const char *path, int flags, mode_t mode,
		       struct berth_error **err);

/*
 * Forces the component-walk fallback instead of openat2 for every later
 * berth_open_in_root() and berth_open_beneath(), as on a kernel or under a
 * seccomp filter without openat2. The CLI sets it for BERTH_NO_OPENAT2=1
 * (the library reads no environment); `make check` runs the e2e suite so
 * a second time, and unit tests use it directly.
 */
void berth_fs_force_fallback(bool on);

/* How many component walks the fallback has done in this process (tests). */
uint64_t berth_fs_fallback_walks(void);

/*
 * Creates every missing directory of path inside root_fd (in-root
 * resolution, one component at a time, never following a symlink planted in
 * place of a directory outside the root) and returns an
 * O_PATH|O_DIRECTORY fd of the last one. mode applies to created dirs.
 */
int berth_mkdirs_in_root(int root_fd, const char *path, mode_t mode, struct berth_error **err);

/*
 * Checks a relative path taken from untrusted input before it touches disk
 * (git's verify_path): not empty, no NUL, no "." or ".." components, no
 * component over NAME_MAX, whole length under PATH_MAX. Leading "/" and "./"
 * and repeated slashes must already be cleaned by the caller's parser.
 */
int berth_verify_path(const char *path, struct berth_error **err);

/* mkdir -p for berth's own trusted paths (the store root). */
int berth_mkdir_p(const char *path, mode_t mode, struct berth_error **err);
/*
 * mkdir -p PARENT/NAME (0700) and open it: a record directory of the store
 * (containers, volumes, networks). An O_DIRECTORY fd or -errno.
 */
int berth_mkdir_open(const char *parent, const char *name, struct berth_error **err);

/*
 * Removes the ".tmp-*" files berth_write_file_atomic/_replace left in dfd.
 * Call it only under a lock that every writer of dfd holds, so that any
 * temp seen is a crashed writer's.
 */
void berth_remove_dead_atomic_temps(int dfd);

/*
 * Writes data to dir_fd/name atomically: a temp file in the same directory,
 * fsync, renameat over name, fsync of the directory. A crash leaves either
 * the old or the new file, never a torn one.
 */
int berth_write_file_atomic(int dir_fd, const char *name, const void *data, size_t len, mode_t mode,
			    struct berth_error **err);

/*
 * As berth_write_file_atomic without the two fsyncs: a killed process
 * leaves the old or the new file, a power loss may leave neither. For
 * records of what a reboot ends anyway (veths, namespaces, NAT rules),
 * where a sync costs more than the rest of the work.
 */
int berth_write_file_replace(int dir_fd, const char *name, const void *data, size_t len,
			     mode_t mode, struct berth_error **err);

/*
 * Either of the two (durable or not) and, in *ret_st when not NULL, the
 * stat of the file as it now is under name: what a reader can later
 * compare with fstatat() to know that name is still this very file.
 */
int berth_write_file_renamed(int dir_fd, const char *name, const void *data, size_t len,
			     mode_t mode, bool durable, struct stat *ret_st,
			     struct berth_error **err);

/*
 * berth_write_file_renamed in two steps, for a writer that must do
 * something between the file's completion and its rename (write what
 * names its stat elsewhere first). _temp writes data to a new temp file of
 * dir_fd (synced with durable): its name in *ret_tmp (the caller frees
 * it), its stat in *ret_st (may be NULL), which the rename keeps. _commit
 * renames tmp over name (syncing the directory with durable) or, when
 * that fails, removes tmp.
 */
int berth_write_file_temp(int dir_fd, const char *name, const void *data, size_t len, mode_t mode,
			  bool durable, char **ret_tmp, struct stat *ret_st,
			  struct berth_error **err);
int berth_write_file_commit(int dir_fd, const char *tmp, const char *name, bool durable,
			    struct berth_error **err);

/* Reads dir_fd/name whole (at most max bytes, else E2BIG); *ret is NUL-terminated. */
int berth_read_file_at(int dir_fd, const char *name, size_t max, char **ret, size_t *ret_len,
		       struct berth_error **err);

/* Reads all of fd (at most max bytes, else E2BIG). */
int berth_read_fd(int fd, size_t max, char **ret, size_t *ret_len, struct berth_error **err);

/* Writes all of len bytes, retrying on EINTR and short writes. */
int berth_write_all(int fd, const void *data, size_t len, struct berth_error **err);

/*
 * Removes dir_fd/name and everything below it without following symlinks
 * and without crossing into other mounts (it fails with EBUSY on a mount
 * point instead). ENOENT is success.
 */
int berth_rm_rf_at(int dir_fd, const char *name, struct berth_error **err);

int berth_fsync_dir(int dir_fd, struct berth_error **err);

/*
 * Detaches every mount strictly below dir (an absolute, canonical path, as
 * /proc/self/mountinfo spells it), deepest first; best effort. For berth's
 * own temp dirs, so that berth_rm_rf_at() can remove them after a failure
 * or a crash left an overlay or a bind mounted there.
 */
void berth_unmount_below(const char *dir);

/*
 * Opens dir_fd/path (not following a final symlink; "." for dir_fd itself)
 * as a directory stream of its own, with its own read position, so dir_fd
 * stays usable. NULL with errno set on failure.
 */
DIR *berth_opendir_at(int dir_fd, const char *path);

/* 1 when the directory dir_fd has no entries but . and .., 0 when it has, -errno. */
int berth_dir_is_empty(int dir_fd);

/* A random lowercase-hex string of 2*nbytes digits into out[2*nbytes+1]. */
void berth_random_hex(char *out, size_t nbytes);
