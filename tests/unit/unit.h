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
#include <unistd.h>

/*
 * cmocka 1.1.5 (Debian 12's) reports a skip() as "not ok N # SKIP name",
 * which meson and scripts/tap-count read as a failure: TAP's skip is
 * "ok N # SKIP", as cmocka prints it since 1.1.6. Every test's stdout goes
 * through this line filter, which drops the "not " of such lines only.
 */
static char unit_tap_line[4096];
static size_t unit_tap_len;

static void unit_tap_flush(void)
{
	const char *p = unit_tap_line;
	size_t n = unit_tap_len;
	if (n > 7 && strncmp(p, "not ok ", 7) == 0 && memmem(p, n, " # SKIP", 7))
		p += 4, n -= 4;
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w <= 0)
			break;
		p += w, n -= (size_t)w;
	}
	unit_tap_len = 0;
}

static ssize_t unit_tap_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	for (size_t i = 0; i < len; i++) {
		unit_tap_line[unit_tap_len++] = buf[i];
		if (buf[i] == '\n' || unit_tap_len == sizeof(unit_tap_line))
			unit_tap_flush();
	}
	return (ssize_t)len;
}

static int unit_tap_close(void *cookie)
{
	(void)cookie;
	unit_tap_flush();
	return 0;
}

__attribute__((constructor)) static void unit_tap_filter(void)
{
	FILE *f = fopencookie(
		NULL, "w",
		(cookie_io_functions_t){.write = unit_tap_write, .close = unit_tap_close});
	if (f) {
		setvbuf(f, NULL, _IOLBF, 0);
		stdout = f;
	}
}

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
