/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Reading the shared conformance data from unit tests: $BERTH_CONFORMANCE
 * when set, else ../shared/conformance beside the repository
 * ($BERTH_TEST_SRCDIR; a worktree in /work/wt-x sits one level deeper). The
 * data is never copied into the repository. A clone without it (anywhere
 * but beside shared/) skips the tests that need it, saying why, instead of
 * failing them.
 */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/strv.h"

/* The path of rel inside the conformance folder (owned); skips the test when it is absent. */
static inline char *conformance_path(const char *rel)
{
	const char *src = getenv("BERTH_TEST_SRCDIR"), *over = getenv("BERTH_CONFORMANCE");
	const char *ups[] = {"..", "../.."};
	if (!src)
		src = ".";
	for (size_t i = 0; i < (over ? 1 : 2); i++) {
		char *p = over ? berth_xasprintf("%s/%s", over, rel)
			       : berth_xasprintf("%s/%s/shared/conformance/%s", src, ups[i], rel);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	/* a TAP comment, then cmocka's "ok N - test # SKIP" */
	print_message("# skip: conformance data '%s' not found in %s (clone ../shared beside "
		      "the repository or set BERTH_CONFORMANCE)\n",
		      rel, over ? over : "../shared/conformance");
	skip();
	return NULL;
}

/* The whole file, NUL-terminated (owned). */
static inline char *conformance_read(const char *rel, size_t *ret_len)
{
	struct berth_error *err = NULL;
	char *path = conformance_path(rel), *data = NULL;
	int r = berth_read_file_at(AT_FDCWD, path, 16 << 20, &data, ret_len, &err);
	free(path);
	assert_ok(r, err);
	return data;
}

/* Splits s at every sep (no trimming, empty fields kept). */
static inline char **conformance_split(const char *s, char sep)
{
	char **v = NULL;
	for (;;) {
		const char *e = strchr(s, sep);
		if (!e) {
			berth_strv_push(&v, s);
			return v;
		}
		berth_strv_consume(&v, berth_xstrndup(s, (size_t)(e - s)));
		s = e + 1;
	}
}

/* The lines of a file without their LF; a final LF does not make an empty line. */
static inline char **conformance_lines(const char *rel)
{
	size_t len;
	char *data = conformance_read(rel, &len);
	if (len > 0 && data[len - 1] == '\n')
		data[len - 1] = '\0';
	char **v = conformance_split(data, '\n');
	free(data);
	return v;
}
