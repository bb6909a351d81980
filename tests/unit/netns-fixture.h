/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Runs a test body in a forked child inside a network namespace of its own
 * (unshare(CLONE_NEWNET), loopback up), so every link, address or nftables
 * rule it makes dies with the child and the machine's own network is never
 * touched. The body returns 0 or prints why it failed and returns non-zero
 * (cmocka's asserts cannot be used in the child: their longjmp would go on
 * running the next tests there).
 */
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "core/netif.h"
#include "unit.h"

#define NETNS_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

#define NETNS_CHECK_OK(r, e)                                                                       \
	do {                                                                                       \
		int r__ = (r);                                                                     \
		if (r__ < 0) {                                                                     \
			fprintf(stderr, "%s:%d: error %d: %s\n", __FILE__, __LINE__, r__,          \
				berth_error_msg(e));                                               \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* Skips the test (with the reason) unless root; else runs body(data) in a
 * fresh netns in a child and fails the test when the child fails. */
static inline void netns_run(int (*body)(void *), void *data)
{
	if (geteuid() != 0)
		skip(); /* needs root: CLONE_NEWNET and nftables need CAP_NET_ADMIN */
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0) {
			fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
			_exit(2);
		}
		struct berth_error *e = NULL;
		if (berth_loopback_up(&e) < 0) {
			fprintf(stderr, "lo up failed: %s\n", berth_error_msg(e));
			_exit(2);
		}
		exit(body(data) == 0 ? 0 : 1); /* exit: LeakSanitizer checks the child too */
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}
