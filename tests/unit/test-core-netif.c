/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/netif.h"

/* IFF_UP of lo in this thread's network namespace, or -1. */
static int lo_is_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct ifreq ifr = {0};
	memcpy(ifr.ifr_name, "lo", 3);
	int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	return r < 0 ? -1 : !!(ifr.ifr_flags & IFF_UP);
}

/* In a fresh namespace (a forked child: the machine's network is never touched), lo starts down. */
static int child(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return 2;
	if (lo_is_up() != 0)
		return 3;
	struct berth_error *e = NULL;
	if (berth_loopback_up(&e) < 0) {
		fprintf(stderr, "berth_loopback_up: %s\n", berth_error_msg(e));
		return 4;
	}
	/* twice is fine: it only sets the flag */
	if (berth_loopback_up(NULL) < 0)
		return 5;
	return lo_is_up() == 1 ? 0 : 6;
}

static void test_loopback_up(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* CLONE_NEWNET needs CAP_SYS_ADMIN */
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		exit(child()); /* exit: LeakSanitizer checks the child too */
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
