/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "builder/internal.h"

/*
 * The interrupt flag of the builds of this process, and a pipe that becomes
 * readable when it is set, so a thread blocked in poll() wakes up. Both are
 * set from a signal handler: only lock-free atomics and write() there.
 */
static atomic_int interrupted;
static atomic_int wake_r = -1, wake_w = -1;
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;

static void wake_init(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return; /* the flag still works; pollers fall back to their timeout */
	atomic_store(&wake_r, p[0]);
	atomic_store(&wake_w, p[1]);
	if (atomic_load(&interrupted)) /* set before the pipe existed */
		(void)!write(p[1], "x", 1);
}

void berth_build_interrupt(void)
{
	int saved = errno;
	atomic_store(&interrupted, 1);
	int w = atomic_load(&wake_w);
	if (w >= 0)
		(void)!write(w, "x", 1); /* never read: it stays readable */
	errno = saved;
}

bool berth_build_interrupted(void)
{
	return atomic_load(&interrupted) != 0;
}

int builder_interrupt_fd(void)
{
	pthread_once(&wake_once, wake_init);
	return atomic_load(&wake_r);
}

int builder_check_interrupt(struct berth_error **err)
{
	if (!berth_build_interrupted())
		return 0;
	return berth_error_set(err, EINTR, "build interrupted");
}
