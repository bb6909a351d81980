/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/error.h"

/*
 * Resolves path inside root_fd as the kernel would after chroot (symlinks
 * followed, absolute ones and ".." clamped to the root), also through the
 * components that do not exist yet: those are kept as written (".", ".."
 * applied lexically). *ret is the absolute, symlink-free path inside the
 * root (owned): Docker's FollowSymlinkInScope, which places a mount target
 * or a created directory where a symlink of the image points, never
 * outside the root. ELOOP after 40 links.
 */
int berth_chase_in_root(int root_fd, const char *path, char **ret, struct berth_error **err);
