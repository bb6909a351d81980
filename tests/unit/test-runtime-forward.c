/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal forwarding (runtime/forward.c), in this process: what reaches a
 * target child (ignored or not by the caller), what is dropped when there
 * is none, the early signal (only the first, never one the caller ignored,
 * never once there was a target), nothing from a forked process, the
 * caller's dispositions and SIGPIPE's put back, and the reset in a child.
 */
#include "unit.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "core/cleanup.h"
#include "runtime/runtime.h"

/* What a receiver reports, a bit each; SIGUSR2 is its end marker. */
static const int reported[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGWINCH};

static int bit(int sig)
{
	for (size_t i = 0; i < ELEMENTSOF(reported); i++)
		if (reported[i] == sig)
			return 1 << i;
	fail_msg("signal %d is not reported", sig);
	return 0;
}

static void receiver_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < ELEMENTSOF(reported); i++)
		sigaddset(set, reported[i]);
	sigaddset(set, SIGUSR2);
}

/*
 * A child that takes the signals sent to it until SIGUSR2 and exits with
 * the bits of those it got (255 when none came for 30 s). The signals are
 * blocked before the fork, so none is lost before it waits for them.
 */
static struct berth_runtime_process spawn_receiver(void)
{
	sigset_t set, prev;
	receiver_set(&set);
	sigprocmask(SIG_BLOCK, &set, &prev);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec wait = {.tv_sec = 30}, now = {0};
		int got = 0, sig;
		while ((sig = sigtimedwait(&set, NULL, &wait)) != SIGUSR2) {
			if (sig < 0)
				_exit(255);
			got |= bit(sig);
		}
		/* what was sent before the marker and is still pending */
		while ((sig = sigtimedwait(&set, NULL, &now)) > 0)
			if (sig != SIGUSR2)
				got |= bit(sig);
		_exit(got);
	}
	sigprocmask(SIG_SETMASK, &prev, NULL);
	return (struct berth_runtime_process){.pid = pid, .pidfd = -EBADF, .pty_master = -EBADF};
}

static volatile sig_atomic_t own_handler_ran;

static void own_handler(int sig)
{
	own_handler_ran = sig;
}

static void set_disposition(int sig, void (*handler)(int), struct sigaction *ret_old)
{
	struct sigaction sa = {.sa_handler = handler};
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, ret_old), 0);
}

static void (*disposition(int sig))(int)
{
	struct sigaction sa;
	assert_int_equal(sigaction(sig, NULL, &sa), 0);
	return sa.sa_handler;
}

/* The exit code of receiver p, reaped by the forwarding's wait. */
static int receiver_result(struct berth_runtime_process *p)
{
	struct berth_error *err = NULL;
	int code = berth_runtime_forward_wait(p, &err);
	assert_null(err);
	assert_true(p->waited);
	return code;
}

static void test_forward_to_target(void **state)
{
	(void)state;
	struct sigaction term, hup;
	set_disposition(SIGTERM, SIG_IGN, &term);
	set_disposition(SIGHUP, own_handler, &hup);
	own_handler_ran = 0;
	struct berth_runtime_process p = spawn_receiver();
	struct berth_runtime_forward f;
	berth_runtime_forward_begin(&f, p.pid, 0);
	/* ignored by the caller or not, SIGWINCH too: the target's */
	raise(SIGTERM);
	raise(SIGHUP);
	raise(SIGWINCH);
	raise(SIGUSR2);
	assert_int_equal(receiver_result(&p), bit(SIGTERM) | bit(SIGHUP) | bit(SIGWINCH));
	assert_int_equal(own_handler_ran, 0);
	/* reaped: no target any more, the signal is dropped (not this process's default) */
	raise(SIGUSR1);
	assert_int_equal(berth_runtime_forward_early(), 0);
	berth_runtime_forward_end(&f);
	assert_ptr_equal(disposition(SIGTERM), SIG_IGN);
	assert_ptr_equal(disposition(SIGHUP), own_handler);
	assert_ptr_equal(disposition(SIGUSR1), SIG_DFL);
	assert_ptr_equal(disposition(SIGPIPE), SIG_DFL);
	sigaction(SIGTERM, &term, NULL);
	sigaction(SIGHUP, &hup, NULL);
}

static void test_forward_early(void **state)
{
	(void)state;
	struct sigaction usr1, hup;
	set_disposition(SIGUSR1, SIG_IGN, &usr1);
	set_disposition(SIGHUP, own_handler, &hup);
	own_handler_ran = 0;
	struct berth_runtime_forward f;
	berth_runtime_forward_begin(&f, 0, BERTH_RUNTIME_FORWARD_EARLY);
	/* what the caller ignored is dropped: SIG_IGN, SIGWINCH by default */
	raise(SIGUSR1);
	raise(SIGWINCH);
	assert_int_equal(berth_runtime_forward_early(), 0);
	/* the first one that is not: kept, not handled by the caller's handler */
	raise(SIGHUP);
	raise(SIGTERM);
	assert_int_equal(berth_runtime_forward_early(), SIGHUP);
	assert_int_equal(own_handler_ran, 0);
	/* once there is a target, even what the caller ignored is its */
	struct berth_runtime_process p = spawn_receiver();
	berth_runtime_forward_to(p.pid);
	raise(SIGUSR1);
	raise(SIGUSR2);
	assert_int_equal(receiver_result(&p), bit(SIGUSR1));
	/* after a target, nothing is early any more; the early one stays past the end */
	raise(SIGQUIT);
	berth_runtime_forward_end(&f);
	assert_int_equal(berth_runtime_forward_early(), SIGHUP);
	assert_ptr_equal(disposition(SIGUSR1), SIG_IGN);

	/* without the flag, a signal with no target is dropped; begin forgets the last one */
	berth_runtime_forward_begin(&f, 0, 0);
	assert_int_equal(berth_runtime_forward_early(), 0);
	raise(SIGTERM);
	assert_int_equal(berth_runtime_forward_early(), 0);
	berth_runtime_forward_end(&f);

	/* a target that came and went: what comes after it is not early either */
	berth_runtime_forward_begin(&f, 0, BERTH_RUNTIME_FORWARD_EARLY);
	p = spawn_receiver();
	berth_runtime_forward_to(p.pid);
	raise(SIGUSR2);
	assert_int_equal(receiver_result(&p), 0);
	raise(SIGTERM);
	assert_int_equal(berth_runtime_forward_early(), 0);
	berth_runtime_forward_end(&f);
	sigaction(SIGUSR1, &usr1, NULL);
	sigaction(SIGHUP, &hup, NULL);
}

/* A process forked while forwarding is on (a health prober) forwards nothing. */
static void test_forward_only_in_its_process(void **state)
{
	(void)state;
	struct berth_runtime_process p = spawn_receiver();
	struct berth_runtime_forward f;
	berth_runtime_forward_begin(&f, p.pid, BERTH_RUNTIME_FORWARD_EARLY);
	pid_t other = fork();
	assert_true(other >= 0);
	if (other == 0) {
		raise(SIGUSR1);
		raise(SIGINT);
		_exit(berth_runtime_forward_early() == 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(other, &st, 0), other);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	raise(SIGUSR2);
	assert_int_equal(receiver_result(&p), 0);
	/* there was a target from the start: nothing is early */
	raise(SIGTERM);
	assert_int_equal(berth_runtime_forward_early(), 0);
	berth_runtime_forward_end(&f);
}

static void test_forward_sigpipe_and_reset(void **state)
{
	(void)state;
	struct berth_runtime_forward f;
	berth_runtime_forward_begin(&f, 0, 0);
	assert_ptr_equal(disposition(SIGPIPE), SIG_DFL);
	berth_runtime_forward_end(&f);

	berth_runtime_forward_begin(&f, 0, BERTH_RUNTIME_FORWARD_IGNORE_SIGPIPE);
	assert_ptr_equal(disposition(SIGPIPE), SIG_IGN);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* a new child puts every forwarded signal back to its default */
		static const int all[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
					  SIGUSR1, SIGUSR2, SIGWINCH};
		bool forwarding = true;
		for (size_t i = 0; i < ELEMENTSOF(all); i++) {
			struct sigaction sa;
			sigaction(all[i], NULL, &sa);
			forwarding = forwarding && sa.sa_handler != SIG_DFL;
		}
		berth_runtime_forward_reset();
		bool reset = true;
		for (size_t i = 0; i < ELEMENTSOF(all); i++) {
			struct sigaction sa;
			sigaction(all[i], NULL, &sa);
			reset = reset && sa.sa_handler == SIG_DFL;
		}
		_exit(forwarding && reset ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	berth_runtime_forward_end(&f);
	assert_ptr_equal(disposition(SIGPIPE), SIG_DFL);
	assert_ptr_equal(disposition(SIGTERM), SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_to_target),
		cmocka_unit_test(test_forward_early),
		cmocka_unit_test(test_forward_only_in_its_process),
		cmocka_unit_test(test_forward_sigpipe_and_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
