/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The grace period of the first cgroup migration, waited for early.
 *
 * Moving a process between cgroups takes the kernel's
 * cgroup_threadgroup_rwsem for writing. After a quiet spell the first
 * writer waits for an RCU grace period while the lock's readers (every fork
 * and exit on the machine) move to their slow path; writers that come
 * within about one grace period after it do not wait. Here that first wait
 * is 5-10 ms on an idle machine and 10-15 ms with both cpus busy, against
 * 0.05 ms for the migrations after it, and a container start pays it when
 * it puts its process in the container's cgroups (docs/run.md). A host that
 * mounts its cgroups with favordynmods keeps the slow path on and never
 * pays it.
 *
 * berth_cgroup_warm_begin() starts that wait on a thread of its own while
 * the caller prepares the container: a migration of berth's own process
 * into the cgroup it is already in (nothing moves, the lock is taken),
 * renewed every WARM_PERIOD_MS so that the slow path is still on when the
 * container's process is attached; berth_cgroup_warm_end() stops and joins
 * the thread once it is. The kernel holds cgroup_mutex through the wait,
 * so the caller makes the container's cgroups first (mkdir needs that
 * mutex). Best effort: when anything fails the wait stays where it was.
 *
 * The container's process is cloned while the thread runs, and goes on
 * setting itself up during the attach (berth_runtime_goes_early). The
 * thread only ever blocks in write(2) and poll(2) and holds no lock of
 * libc's, so the child inherits none half-taken; libc's set*id would still
 * signal the thread it lists and wait for it forever, so the child makes
 * those system calls itself (berth_runtime_set_ids). setns(CLONE_NEWTIME)
 * wants a single thread: the runtime ends the wait before it.
 */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"

/* Below the shortest grace period measured, so the slow path never lapses. */
#define WARM_PERIOD_MS 2
/* A caller that never ends it (a long pull after the begin): it stops renewing. */
#define WARM_ROUNDS 100

/* 0: not running; a pid: running in that process; -1: being ended. */
static _Atomic pid_t warm_owner;
static pthread_t warm_thread;
static int warm_procs_fd = -EBADF;
static int warm_stop_fd = -EBADF;

static void *warm_main(void *arg)
{
	(void)arg;
	struct pollfd stop = {.fd = warm_stop_fd, .events = POLLIN};
	int timeout = WARM_PERIOD_MS;
	for (int i = 0;; i++) {
		/* "0": this process, into the cgroup it is in */
		if (timeout > 0 && (i >= WARM_ROUNDS || write(warm_procs_fd, "0", 1) < 0))
			timeout = -1; /* renew no more: wait for the end, which joins us */
		if (poll(&stop, 1, timeout) > 0)
			return NULL;
	}
}

/* Also a forked child's: the thread is its parent's, what it inherited goes. */
static void warm_forget(void)
{
	berth_closep(&warm_procs_fd);
	berth_closep(&warm_stop_fd);
	atomic_store(&warm_owner, 0);
}

static void warm_register_atfork(void)
{
	pthread_atfork(NULL, NULL, warm_forget);
}

void berth_cgroup_warm_begin(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, warm_register_atfork);
	pid_t none = 0;
	if (!atomic_compare_exchange_strong(&warm_owner, &none, getpid()))
		return; /* running (or ending) already */
	_cleanup_free_ char *procs = berth_cgroup_own_procs_file();
	warm_procs_fd = procs ? open(procs, O_WRONLY | O_CLOEXEC) : -EBADF;
	warm_stop_fd = eventfd(0, EFD_CLOEXEC);
	if (warm_procs_fd >= 0 && warm_stop_fd >= 0) {
		/* signals stay with the threads that wait for them */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int r = pthread_create(&warm_thread, NULL, warm_main, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r == 0)
			return;
	}
	warm_forget();
}

void berth_cgroup_warm_end(void)
{
	pid_t self = getpid();
	if (!atomic_compare_exchange_strong(&warm_owner, &self, -1))
		return; /* not running in this process, or another thread ends it */
	uint64_t one = 1;
	if (write(warm_stop_fd, &one, sizeof(one)) == (ssize_t)sizeof(one)) {
		pthread_join(warm_thread, NULL);
	} else {
		/* it renews no more than WARM_ROUNDS times; its fds stay with it */
		pthread_detach(warm_thread);
		warm_procs_fd = warm_stop_fd = -EBADF;
	}
	warm_forget();
}
