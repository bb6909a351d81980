/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The build context, loaded once: the directory is walked a single time
 * with .dockerignore applied (an ignored file is never opened, and an
 * ignored directory is not entered unless an exception pattern needs it),
 * giving a sorted in-memory list of what the build may see. Every later
 * read opens the file with berth_open_beneath() on the context's fd, so a
 * path or symlink that leaves the context is an error (EXDEV), never a read
 * of the host.
 *
 * Content digests come from a stat cache (like git's index) keyed by
 * (path, size, mtime, inode, ctime): an unchanged file is not read again.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/digest.h"
#include "core/error.h"

struct bctx_entry {
	char *path; /* relative to the context root: "a/b", never "./" or "/" */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	struct timespec mtime, ctime;
	ino_t ino;
	char *link; /* the target of a symlink */
	bool have_digest;
	struct berth_digest digest; /* sha256 of the bytes of a regular file */
};

/*
 * Decides whether a context path is excluded; *ret_descend says that an
 * excluded directory must still be walked because an exception pattern may
 * re-include something below it. NULL matcher: nothing is excluded.
 */
typedef int (*bctx_ignore_fn)(void *matcher, const char *path, bool is_dir, bool *ret_excluded,
			      bool *ret_descend, struct berth_error **err);

struct bctx {
	int dir_fd; /* O_PATH|O_DIRECTORY of the root; -EBADF without a context */
	char *path; /* what the user named, for messages */
	struct bctx_entry *entries;
	size_t n_entries;
	/* the stat cache, and where it is saved (a file in cache_dir_fd) */
	int cache_dir_fd;
	char *cache_name;
	void *stat_cache;
	bool stat_cache_dirty;
	uint64_t hashed_bytes; /* bytes read to hash contents during this build */
};

/*
 * Opens the context directory dir_fd (taken over) and walks it.
 * cache_dir_fd (borrowed, may be -EBADF) is where the stat cache lives;
 * key names the context in it (its absolute path).
 */
int bctx_load(int dir_fd, const char *path, bctx_ignore_fn ignore, void *matcher, int cache_dir_fd,
	      const char *key, struct bctx **ret, struct berth_error **err);
/* A context without files: `berth build -` with a Dockerfile on stdin. */
struct bctx *bctx_new_empty(void);
void bctx_free(struct bctx *c);
static inline void bctx_freep(struct bctx **c)
{
	if (*c)
		bctx_free(*c);
}

/* Saves the stat cache when it changed; failures are not fatal to a build. */
void bctx_save_stat_cache(struct bctx *c);

/* The entry of a cleaned relative path, or NULL. "" and "." are the root. */
const struct bctx_entry *bctx_find(const struct bctx *c, const char *path);

/*
 * Cleans a source path of a COPY/ADD into a relative context path: strips
 * leading "/" and "./", collapses "//" and "."; a ".." that climbs above the
 * root is EXDEV ("forbidden path outside the build context"). "" is the root.
 */
int bctx_clean_path(const char *src, char **ret, struct berth_error **err);

/* Ensures e->digest is set: from the stat cache, or by reading the file. */
int bctx_entry_digest(struct bctx *c, struct bctx_entry *e, struct berth_error **err);

/* Opens an entry for reading, beneath the context root (O_NOFOLLOW). */
int bctx_open(const struct bctx *c, const char *path, struct berth_error **err);

/*
 * One file to put in a COPY layer: src is the context entry (or NULL for a
 * directory made only to hold the others), dest the path in the image.
 */
struct bctx_copy_item {
	const struct bctx_entry *src;
	char *dest; /* relative to the image root, cleaned, never "" */
	bool is_dir;
	bool in_dir; /* found inside a copied directory, not named by the source */
};

struct bctx_selection {
	struct bctx_copy_item *items;
	size_t n_items;
};
void bctx_selection_release(struct bctx_selection *s);

/*
 * Resolves COPY sources as Docker does: each src may hold wildcards
 * (Go's filepath.Match, component by component); a directory's contents
 * are copied, not the directory itself; dest is a directory when it ends
 * with "/" or there are several sources or a wildcard; excludes (--exclude)
 * drop matching paths. dest is already absolute in the image (WORKDIR
 * applied). A missing source is ENOENT with a message naming it and the
 * closest names the context holds.
 */
int bctx_select(struct bctx *c, char *const *srcs, const char *dest, char *const *excludes,
		bool parents, struct bctx_selection *ret, struct berth_error **err);

/*
 * The digest of a selection for the cache key: names, modes and content
 * digests (not mtimes). Ownership and --chmod are part of the instruction
 * text, so they are not hashed here.
 */
int bctx_selection_digest(struct bctx *c, struct bctx_selection *s, struct berth_digest *ret,
			  struct berth_error **err);

/* Go's filepath.Match: '*', '?', '[...]' with '^' or '!' negation, '\\' escapes. */
bool bctx_match(const char *pattern, const char *name);
