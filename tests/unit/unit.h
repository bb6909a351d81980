/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* What every cmocka unit test includes, in the order cmocka needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* r must be a success; prints the error message when it is not. */
#define assert_ok(r, err)                                                                          \
	do {                                                                                       \
		int r_ = (r);                                                                      \
		if (r_ < 0)                                                                        \
			fail_msg("unexpected error %d: %s", r_, (err) ? (err)->msg : "(none)");    \
	} while (0)

/*
 * Moves this process into a private mount namespace (once), so every mount a
 * test makes dies with the process, even when a crash skips its teardown.
 * Returns 0 or -errno (not root, or already multi-threaded).
 */
static inline int unit_private_mounts(void)
{
	static bool done;
	if (done)
		return 0;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	done = true;
	return 0;
}
