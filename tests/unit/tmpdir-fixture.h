/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* A temporary folder per test, its path in *state, removed with all it holds. */
#include <fcntl.h>

#include "core/alloc.h"
#include "core/fs.h"

static int setup(void **state)
{
	char tmpl[] = "/tmp/berth-unit-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	*state = berth_xstrdup(d);
	return 0;
}

static int teardown(void **state)
{
	berth_rm_rf_at(AT_FDCWD, *state, NULL);
	free(*state);
	return 0;
}
