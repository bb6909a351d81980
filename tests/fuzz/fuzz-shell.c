/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shell words come from Dockerfiles and build arguments. Input: one byte of
 * options (bit 0: backtick escape, bits 1-4: BERTH_SHELL_* flags), the word,
 * then after a NUL byte the environment, one NAME=VALUE per line.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "dockerfile/shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	uint8_t opts = data[0];
	const char *rest = (const char *)data + 1;
	size_t len = size - 1;
	const char *nul = memchr(rest, '\0', len);
	size_t wlen = nul ? (size_t)(nul - rest) : len;
	_cleanup_free_ char *word = berth_xstrndup(rest, wlen);
	_cleanup_strv_free_ char **env = NULL;

	if (nul) {
		const char *e = nul + 1, *end = rest + len;
		while (e < end) {
			const char *nl = memchr(e, '\n', (size_t)(end - e));
			size_t n = nl ? (size_t)(nl - e) : (size_t)(end - e);
			berth_strv_consume(&env, berth_xstrndup(e, n));
			e += n + 1;
		}
	}

	char escape = (opts & 1) ? '`' : '\\';
	unsigned flags = (opts >> 1) & 0xF;
	struct berth_shell_result res;
	struct berth_error *err = NULL;
	if (berth_shell_process(word, env, escape, flags, &res, &err) == 0) {
		/* a name is either found or not, and what was found is set */
		BERTH_STRV_FOREACH (m, res.matched) {
			if (berth_strv_contains(res.unmatched, *m) ||
			    !berth_shell_getenv(env, *m, NULL))
				__builtin_trap();
		}
		BERTH_STRV_FOREACH (u, res.unmatched) {
			if (berth_shell_getenv(env, *u, NULL))
				__builtin_trap();
		}
		berth_shell_result_release(&res);
	} else if (!err || (berth_error_code(err) != EINVAL && berth_error_code(err) != E2BIG)) {
		__builtin_trap(); /* failures are input errors with a message */
	}
	berth_error_free(&err);
	return 0;
}
