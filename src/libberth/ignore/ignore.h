/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * .dockerignore patterns with the semantics of moby/patternmatcher, which
 * Docker and BuildKit use: Go filepath.Match syntax plus "**", "!"
 * exceptions where the last matching pattern wins, and a pattern that
 * matches a directory also matching everything below it. Paths are
 * slash-separated and relative to the context root ("a/b/c", no leading
 * "/" or "./"). docs/dockerignore.md describes the rules and the few
 * places where berth reports an error Docker would not.
 *
 * A matcher is immutable once built and may be shared between threads.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/cleanup.h"
#include "core/error.h"

struct berth_ignore;

/*
 * Builds a matcher from patterns (NULL-terminated; NULL means none), as
 * patternmatcher.New: each is trimmed (empty ones dropped), cleaned, a
 * leading '!' makes it an exception. A lone "!" or a pattern that Go's
 * filepath.Match rejects is -EINVAL ("syntax error in pattern").
 * *ret is owned by the caller (berth_ignore_free()).
 */
int berth_ignore_new(char *const *patterns, struct berth_ignore **ret, struct berth_error **err);
void berth_ignore_free(struct berth_ignore *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct berth_ignore *, berth_ignore_free)

/* The number of active patterns (after dropping empty ones). */
size_t berth_ignore_count(const struct berth_ignore *m);
/* The cleaned text of pattern i without its '!', and whether it is an exception. */
const char *berth_ignore_pattern(const struct berth_ignore *m, size_t i, bool *ret_exception);
/* True when some pattern is an exception ("!..."). */
bool berth_ignore_has_exceptions(const struct berth_ignore *m);

/*
 * MatchesOrParentMatches: 1 when path is excluded (the last pattern that
 * matches it or one of its parent directories is not an exception), 0 when
 * it is not. A pattern whose regular expression cannot be built fails with
 * -EINVAL when it is first needed, as in Docker.
 */
int berth_ignore_matches(const struct berth_ignore *m, const char *path, struct berth_error **err);

/*
 * MatchesUsingParentResults, for a walk from the root down: parent_info is
 * what the call for the parent directory stored in its ret_info (NULL for a
 * top-level entry, or when unknown: then parents are checked as
 * berth_ignore_matches() does). ret_info (may be NULL for files) receives
 * berth_ignore_count(m) flags to pass to the children. Returns 1/0 as
 * berth_ignore_matches().
 */
int berth_ignore_matches_in_walk(const struct berth_ignore *m, const char *path,
				 const bool *parent_info, bool *ret_info, struct berth_error **err);

/*
 * For a directory that matched (is excluded): true when the walk must still
 * descend because an exception may re-include something inside it. As
 * BuildKit's fsutil: when every exception is a plain path (no * ? [ ] ^ \
 * once a trailing slash-star or slash-star-star is dropped), only directories on the way
 * to one of them are entered; otherwise every excluded directory is. The
 * directory entry itself stays excluded; parents of a re-included file are
 * recreated in the context by the walker.
 */
bool berth_ignore_must_descend(const struct berth_ignore *m, const char *dir);

/*
 * The deprecated one-shot patternmatcher.Matches(path, patterns): New,
 * Go's Clean of path ("." never matches), and a parent check of only the
 * ancestor with as many components as the pattern. Kept because Docker's
 * own tests pin it; the context walk uses the functions above.
 */
int berth_ignore_matches_legacy(char *const *patterns, const char *path, struct berth_error **err);

/* Go's path.Clean (lexical: "//" collapsed, "." dropped, ".." resolved). Owned result. */
char *berth_ignore_clean(const char *path);

/*
 * Parses the bytes of an ignore file as ignorefile.ReadAll: a UTF-8 BOM is
 * dropped, lines whose first byte is '#' are comments, lines are trimmed
 * and cleaned and a leading '/' removed ("!" kept in front). A line longer
 * than 64 KiB is -E2BIG, as Go's bufio.Scanner refuses it. *ret (owned
 * strv, never NULL) gets the patterns.
 */
int berth_ignore_parse(const char *data, size_t len, char ***ret, struct berth_error **err);

/*
 * Reads the ignore patterns of a build as BuildKit picks them:
 * "<dockerfile>.dockerignore" beside the Dockerfile wins when it exists,
 * else ".dockerignore" at the root of the context. context_fd is an open
 * directory of the build context; dockerfile_path is the Dockerfile as the
 * user named it (relative to the current directory, or absolute; NULL when
 * it comes from stdin). *ret gets the patterns (empty when there is no
 * file), *ret_name (may be NULL) the file used ("" for none).
 */
int berth_ignore_load(int context_fd, const char *dockerfile_path, char ***ret, char **ret_name,
		      struct berth_error **err);
