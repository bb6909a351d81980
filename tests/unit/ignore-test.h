/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Helpers the ignore unit tests share. */
#include "conformance.h"

#include "core/buf.h"
#include "core/cleanup.h"
#include "ignore/ignore.h"

/* What a matcher of pats makes of path: 1, 0 or -errno. */
static inline int match1(char *const *pats, const char *path)
{
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_ignore_new(pats, &m, &err), err);
	int r = berth_ignore_matches(m, path, &err);
	berth_error_free(&err);
	return r;
}
