/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>

#include "builder/internal.h"

/*
 * interrupt.c: the flag a SIGINT/SIGTERM handler sets. The flag is global
 * and stays set, so the tests run in order: first nothing is interrupted,
 * then a signal handler interrupts a build in the middle of a COPY.
 */

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* The entries of dir below the store (0 when it does not exist). */
static size_t count_entries(struct bfix *f, const char *dir, const char *suffix)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/%s", f->store, dir);
	DIR *d = opendir(p);
	struct dirent *de;
	size_t n = 0, sl = strlen(suffix);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] != '.' && l >= sl && strcmp(de->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void test_not_interrupted(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct berth_build_result r;
	int fd = builder_interrupt_fd();

	assert_false(berth_build_interrupted());
	assert_true(fd >= 0);
	assert_false(readable(fd));
	assert_int_equal(builder_check_interrupt(&err), 0);
	assert_null(err);
	ctx_write(f, "a.txt", "a");
	bfix_build_ok(f, "FROM scratch\nCOPY a.txt /\n", NULL, &r);
	assert_false(berth_build_interrupted());
}

static void on_usr1(int sig)
{
	(void)sig;
	berth_build_interrupt();
}

/* Raises SIGUSR1 (whose handler interrupts) when the COPY step starts. */
static void interrupt_at_copy(const struct berth_build_event *ev, void *userdata)
{
	bfix_on_event(ev, userdata);
	if (ev->kind == BERTH_BUILD_EVENT_STEP && strstr(ev->text, "] COPY big"))
		raise(SIGUSR1);
}

static void test_interrupt_from_signal_handler(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct berth_build_result r;
	struct sigaction sa = {.sa_handler = on_usr1};
	const char *df = "FROM scratch\nCOPY small.txt /\nCOPY big /\n";
	_cleanup_free_ char *big = berth_xcalloc(1, 4 << 20);

	memset(big, 'x', (4 << 20) - 1);
	ctx_write(f, "small.txt", "small");
	ctx_write(f, "big", big);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);

	struct berth_build_options o = {0};
	char *tags[] = {"test:latest", NULL};
	o.tags = tags;
	o.context = f->ctx;
	o.on_event = interrupt_at_copy;
	o.userdata = f;
	{
		/* bfix_build would set its own callback: write the Dockerfile here */
		_cleanup_free_ char *p = berth_xasprintf("%s/Dockerfile", f->ctx);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, df, strlen(df)), (ssize_t)strlen(df));
		close(fd);
	}
	int rc = berth_build(f->handle, &o, &r, &err);
	assert_int_equal(rc, -EINTR);
	assert_non_null(strstr(berth_error_msg(err), "build interrupted"));
	berth_error_free(&err);

	/* the flag is set, the wake pipe readable, and stays so */
	assert_true(berth_build_interrupted());
	assert_true(readable(builder_interrupt_fd()));
	assert_true(readable(builder_interrupt_fd()));
	assert_int_equal(builder_check_interrupt(&err), -EINTR);
	assert_string_equal(berth_error_msg(err), "build interrupted");
	berth_error_free(&err);

	/* nothing is left: no mounts, no build dir, no half-written blob, no tag */
	assert_int_equal(bfix_mounts_below(f->dir), 0);
	assert_int_equal(count_entries(f, "tmp", ""), 0);
	_cleanup_free_ char *index = berth_xasprintf("%s/index.json", f->store);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (berth_read_file_at(AT_FDCWD, index, 1 << 20, &data, &len, NULL) >= 0)
		assert_null(strstr(data, "test:latest"));
	/* the step that completed has its cache entry; the interrupted one none */
	assert_int_equal(count_entries(f, "cache/build", ".json"), 1);
	assert_int_equal(bfix_count_events(f, "DONE", NULL), 2); /* FROM, COPY small.txt */

	/* a build started after the interrupt stops before its first step */
	bfix_build_fails(f, df, NULL, EINTR, "build interrupted");
	assert_int_equal(count_entries(f, "tmp", ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_interrupted, bfix_state_setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_from_signal_handler,
						bfix_state_setup, bfix_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
