/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * String distance for "did you mean" suggestions: the Levenshtein distance
 * (insertions, deletions and substitutions of one byte each cost 1) between
 * two short names. Used by the Dockerfile validator (flag and instruction
 * suggestions) and the build context ("not found" messages).
 */

#include <stddef.h>

/* Names longer than this are never "close": berth_strdist() gives SIZE_MAX. */
#define BERTH_STRDIST_MAX_LEN 64

/*
 * The Levenshtein distance between a and b, in bytes; SIZE_MAX when either
 * is longer than BERTH_STRDIST_MAX_LEN. No allocation.
 */
size_t berth_strdist(const char *a, const char *b);
