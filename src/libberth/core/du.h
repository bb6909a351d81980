/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/*
 * The bytes on disk (st_blocks) of everything below dir_fd/name, as `du`
 * counts them: symlinks are not followed, other filesystems (mounts below
 * name) are not entered, and what cannot be read counts as nothing. name
 * itself is not counted, so an empty directory is 0. Best effort: it never
 * fails, because a size is only ever reported, never acted on.
 */
uint64_t berth_du_at(int dir_fd, const char *name);

/*
 * The content bytes (st_size) of every non-directory below dir_fd/name, a
 * hard-linked file counted once: Docker's directory.Size, which `ps -s`
 * reports as a container's SizeRw. Same walk and best effort as berth_du_at.
 */
uint64_t berth_content_size_at(int dir_fd, const char *name);
