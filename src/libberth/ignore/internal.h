/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Helpers shared by the files of src/libberth/ignore; not for other subsystems. */

/*
 * Go's path/filepath.Match on Unix: 1 when name matches pattern, 0 when
 * not, -EINVAL when the pattern is malformed (ErrBadPattern).
 */
int berth_ignore_go_match(const char *pattern, const char *name);

/* Go's strings.TrimSpace (Unicode white space) of s[0..*len): returns the start, sets *len. */
const char *berth_ignore_trim_space(const char *s, size_t *len);
