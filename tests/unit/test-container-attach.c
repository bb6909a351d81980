/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth attach's library side: Docker's --detach-keys syntax, the keys
 * held back and let through as typed, and an attach to a running -i
 * container without a terminal: its stdin from a pipe, its output to
 * another, its exit code at the end; a stopped container is refused.
 */
#include "container-fixture.h"

#include <time.h>

#include "core/alloc.h"
#include "core/cleanup.h"

static void test_detach_keys_parse(void **state)
{
	struct berth_detach_keys k;
	struct berth_error *err = NULL;
	assert_ok(berth_detach_keys_parse(NULL, &k, &err), err);
	assert_int_equal(k.len, 2);
	assert_int_equal(k.seq[0], 16);
	assert_int_equal(k.seq[1], 17);
	assert_ok(berth_detach_keys_parse("a,ctrl-@,CTRL-Z,ctrl-\\,ctrl-_,X", &k, &err), err);
	assert_int_equal(k.len, 6);
	assert_memory_equal(k.seq, "a\0\x1a\x1c\x1fX", 6);
	assert_ok(berth_detach_keys_parse("", &k, &err), err);
	assert_int_equal(k.len, 0);
	static const char *const bad[] = {"ctrl-", "ctrl-1", "ab", "a,,b", ",", "ctrl-pp"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(berth_detach_keys_parse(bad[i], &k, &err), -EINVAL);
		assert_non_null(strstr(berth_error_msg(err), "invalid detach keys"));
		berth_error_free(&err);
	}
}

static size_t filter(struct berth_detach_keys *k, const char *in, char *out, bool *detached)
{
	return berth_detach_keys_filter(k, in, strlen(in), out, detached);
}

static void test_detach_keys_filter(void **state)
{
	struct berth_detach_keys k;
	struct berth_error *err = NULL;
	char out[64];
	bool d;
	assert_ok(berth_detach_keys_parse(NULL, &k, &err), err);
	assert_int_equal(filter(&k, "ls\r", out, &d), 3);
	assert_false(d);
	assert_memory_equal(out, "ls\r", 3);
	/* ctrl-p alone is held, then let through with what broke the sequence */
	assert_int_equal(filter(&k, "a\x10", out, &d), 1);
	assert_false(d);
	assert_int_equal(filter(&k, "b", out, &d), 2);
	assert_memory_equal(out,
			    "\x10"
			    "b",
			    2);
	/* ctrl-p ctrl-p: the first goes, the second may still start the sequence */
	assert_int_equal(filter(&k, "\x10\x10", out, &d), 1);
	assert_int_equal(filter(&k, "\x11rest", out, &d), 0);
	assert_true(d);
	/* split over reads, with input before it */
	assert_int_equal(filter(&k, "x\x10", out, &d), 1);
	assert_int_equal(filter(&k, "\x11", out, &d), 0);
	assert_true(d);
	/* none: everything goes */
	assert_ok(berth_detach_keys_parse("", &k, &err), err);
	assert_int_equal(filter(&k, "\x10\x11", out, &d), 2);
	assert_false(d);
}

static void test_attach_stdin_pipe(void **state)
{
	if (!top[0])
		skip();
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	int in[2], out[2];
	berth_run_options_init(&o);
	o.name = "att";
	o.detach = true;
	o.interactive = true;
	assert_ok(run_cmd(&o, "read x; echo got-$x; echo err >&2; exit 4", &res, &err), err);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], "typed\n", 6), 6);
	close(in[1]);
	struct berth_container_attach_options ao = {.in = in[0], .out = out[1], .err = out[1]};
	int code = -1;
	assert_int_equal(berth_container_attach(store, "att", &ao, &code, &err), 0);
	assert_int_equal(code, 4);
	close(in[0]);
	close(out[1]);
	char buf[64] = {0};
	size_t n = 0;
	ssize_t r;
	while ((r = read(out[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(out[0]);
	assert_string_equal(buf, "got-typed\nerr\n");
	assert_int_equal(berth_container_attach(store, "att", &ao, &code, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "start it first"));
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detach_keys_parse),
		cmocka_unit_test(test_detach_keys_filter),
		cmocka_unit_test(test_attach_stdin_pipe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
