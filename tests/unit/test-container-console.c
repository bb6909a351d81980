/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's console: a detached container with a terminal hands its
 * pty master to berth_container_console; what is written there is its
 * input, berth_container_resize sizes its terminal (both seen in its log);
 * a container without a terminal, or stopped, has none (ENOTTY); one run
 * with -i and no terminal hands out its stdin pipe.
 */
#include "container-fixture.h"

#include <time.h>

#include "core/alloc.h"
#include "core/cleanup.h"

/* Whether the container's log has text, within ten seconds. */
static bool log_has(const char *id, const char *text)
{
	_cleanup_free_ char *path = berth_container_log_path(store, id);
	for (int i = 0; i < 200; i++) {
		_cleanup_free_ char *data = NULL;
		size_t len;
		if (berth_read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, NULL) >= 0 &&
		    strstr(data, text))
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
	}
	return false;
}

static void test_console_input_and_resize(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.name = "con";
	o.detach = true;
	o.tty = true;
	o.interactive = true;
	assert_ok(run_cmd(&o,
			  "until [ \"$(stty size 2>/dev/null)\" = '21 43' ]; do sleep 0.1; done; "
			  "echo sized; read x; echo got-$x",
			  &res, &err),
		  err);
	assert_ok(berth_container_resize(store, "con", 21, 43, &err), err);
	assert_true(log_has(res.id, "sized"));
	_cleanup_close_ int fd = -EBADF;
	assert_ok(berth_container_console(store, res.id, &fd, &err), err);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "typed\r", 6), 6);
	assert_true(log_has(res.id, "got-typed"));
	/* its end takes the console with it */
	for (int i = 0; i < 200 && berth_container_console(store, "con", &fd, NULL) >= 0; i++) {
		close(fd);
		nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
	}
	assert_int_equal(berth_container_console(store, "con", &fd, &err), -ENOTTY);
	assert_non_null(strstr(berth_error_msg(err), "has no console"));
	berth_error_free(&err);

	/* no terminal: no console; a bad size is refused before anything */
	berth_run_options_init(&o);
	o.name = "plain";
	o.detach = true;
	assert_ok(run_cmd(&o, "sleep 30", &res, &err), err);
	assert_int_equal(berth_container_resize(store, "plain", 10, 10, &err), -ENOTTY);
	berth_error_free(&err);
	assert_int_equal(berth_container_resize(store, "plain", 0, 10, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_container_console(store, "nosuch", &fd, &err), -ENOENT);
	berth_error_free(&err);
}

/*
 * Detached, -i and no terminal: the console hands out the writing end of
 * the container's stdin; with StdinOnce the first taker is its only
 * writer (its close is the container's EOF, a second gets none);
 * without, the monitor keeps a copy and each attach gets one. A resize
 * takes nothing from either.
 */
static void test_console_stdin_pipe(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	berth_run_options_init(&o);
	o.name = "once";
	o.detach = true;
	o.interactive = true;
	o.stdin_once = true;
	assert_ok(run_cmd(&o, "read x; echo got-$x; cat; echo eof", &res, &err), err);
	assert_int_equal(berth_container_resize(store, "once", 10, 10, &err), -ENOTTY);
	berth_error_free(&err);
	int fd = -EBADF;
	assert_ok(berth_container_console(store, res.id, &fd, &err), err);
	assert_false(isatty(fd));
	assert_int_equal(write(fd, "piped\nmore\n", 11), 11);
	assert_int_equal(berth_container_console(store, "once", &fd, &err), -ENOTTY);
	berth_error_free(&err);
	close(fd);
	assert_true(log_has(res.id, "got-piped"));
	assert_true(log_has(res.id, "\"more\\n\""));
	assert_true(log_has(res.id, "eof"));

	berth_run_options_init(&o);
	o.name = "kept";
	o.detach = true;
	o.interactive = true;
	assert_ok(run_cmd(&o, "read x; echo first-$x; read y; echo second-$y", &res, &err), err);
	for (int i = 0; i < 2; i++) {
		_cleanup_close_ int in = -EBADF;
		assert_ok(berth_container_console(store, "kept", &in, &err), err);
		assert_int_equal(write(in, i ? "b\n" : "a\n", 2), 2);
	}
	assert_true(log_has(res.id, "first-a"));
	assert_true(log_has(res.id, "second-b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_input_and_resize),
		cmocka_unit_test(test_console_stdin_pipe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
