/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal forwarding of a foreground process: the one table of signals, the
 * one handler and the one save and restore of the caller's dispositions,
 * for a foreground attach or exec (linux.c) and for the container's monitor
 * hosted in berth's process (container/monitor.c).
 *
 * The target is always a child of the forwarding process that has not been
 * reaped: until the reap, its pid names it and no other process, so a plain
 * kill() is safe in the handler. berth_runtime_forward_wait() keeps that
 * true by clearing the target between the exit (waitid WNOWAIT) and the
 * reap. The handler acts only in the process that turned forwarding on: a
 * process forked from it (a health prober, a clone before it reset its
 * dispositions) inherits the handler, and a signal reaching it must not be
 * sent on as if berth had received it.
 */
#include "runtime/runtime.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
_Static_assert(ELEMENTSOF(forwarded) == BERTH_RUNTIME_FORWARD_NSIG, "one old action per signal");

static volatile sig_atomic_t fwd_owner;	 /* the forwarding process's pid, 0 when off */
static volatile sig_atomic_t fwd_target; /* a child not reaped yet, 0 for none */
static volatile sig_atomic_t fwd_had_target;
static volatile sig_atomic_t fwd_keep_early; /* by index in forwarded[]: kept before any target */
static volatile sig_atomic_t fwd_early;	     /* the signal kept, 0 for none */

static int index_of(int sig)
{
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		if (forwarded[i] == sig)
			return (int)i;
	return -1;
}

static void forward_signal(int sig)
{
	int saved = errno;
	if (getpid() == (pid_t)fwd_owner) {
		int i = index_of(sig);
		if (fwd_target > 0)
			kill((pid_t)fwd_target, sig);
		else if (!fwd_had_target && !fwd_early && i >= 0 && (fwd_keep_early & (1 << i)))
			fwd_early = sig;
	}
	errno = saved;
}

/* What the caller ignored: SIG_IGN, or SIGWINCH's default (ignore). */
static bool was_ignored(int sig, const struct sigaction *old)
{
	return old->sa_handler == SIG_IGN || (old->sa_handler == SIG_DFL && sig == SIGWINCH);
}

void berth_runtime_forward_begin(struct berth_runtime_forward *f, pid_t target, unsigned flags)
{
	f->flags = flags;
	fwd_target = target;
	fwd_had_target = target > 0;
	fwd_early = 0;
	fwd_keep_early = 0;
	fwd_owner = getpid();
	struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++) {
		/* whether it is kept is known before the handler can run */
		sigaction(forwarded[i], NULL, &f->old[i]);
		if ((flags & BERTH_RUNTIME_FORWARD_EARLY) && !was_ignored(forwarded[i], &f->old[i]))
			fwd_keep_early |= 1 << i;
		sigaction(forwarded[i], &sa, NULL);
	}
	if (flags & BERTH_RUNTIME_FORWARD_IGNORE_SIGPIPE) {
		struct sigaction ign = {.sa_handler = SIG_IGN};
		sigaction(SIGPIPE, &ign, &f->old[ELEMENTSOF(forwarded)]);
	}
}

void berth_runtime_forward_to(pid_t target)
{
	fwd_target = target;
	if (target > 0)
		fwd_had_target = 1;
}

int berth_runtime_forward_early(void)
{
	return (int)fwd_early;
}

int berth_runtime_forward_wait(struct berth_runtime_process *p, struct berth_error **err)
{
	if (!p->waited) {
		/* exited, not reaped yet: the pid is no longer signalled once the reap frees it */
		siginfo_t si;
		while (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
	}
	if (fwd_target == p->pid)
		fwd_target = 0;
	return berth_runtime_wait(p, err);
}

void berth_runtime_forward_end(struct berth_runtime_forward *f)
{
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaction(forwarded[i], &f->old[i], NULL);
	if (f->flags & BERTH_RUNTIME_FORWARD_IGNORE_SIGPIPE)
		sigaction(SIGPIPE, &f->old[ELEMENTSOF(forwarded)], NULL);
	fwd_owner = 0;
	fwd_target = 0;
}

void berth_runtime_forward_reset(void)
{
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		signal(forwarded[i], SIG_DFL);
}
