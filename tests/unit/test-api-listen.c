/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service's listening socket (api/listen.c): a unix socket of mode 0660
 * with its parents made, a stale socket replaced, a live one or another file
 * refused, TCP only on a tcp:// URL, bad URLs refused.
 */
#include "unit.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "core/cleanup.h"
#include "tmpdir-fixture.h"

static void test_unix_mode_and_parents(void **state)
{
	_cleanup_free_ char *path = berth_xasprintf("%s/a/b/d.sock", (char *)*state);
	_cleanup_free_ char *url = berth_xasprintf("unix://%s", path);
	struct berth_error *err = NULL;
	int fd = -1;
	bool tcp = true;
	struct stat st;

	assert_ok(berth_api_listen(url, &fd, &tcp, &err), err);
	assert_false(tcp);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	/* a live socket is not taken over */
	int fd2 = -1;
	assert_int_equal(berth_api_listen(url, &fd2, &tcp, &err), -EADDRINUSE);
	berth_error_free(&err);
	close(fd);
	/* once its service is gone, the file is stale: replaced */
	assert_ok(berth_api_listen(url, &fd2, &tcp, &err), err);
	close(fd2);
}

static void test_refusals(void **state)
{
	_cleanup_free_ char *file = berth_xasprintf("%s/plain", (char *)*state);
	_cleanup_free_ char *url = berth_xasprintf("unix://%s", file);
	struct berth_error *err = NULL;
	int fd = -1;
	bool tcp;

	_cleanup_close_ int f = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(f >= 0);
	assert_int_equal(berth_api_listen(url, &fd, &tcp, &err), -EEXIST);
	berth_error_free(&err);
	const char *bad[] = {"http://x", "unix://relative.sock", "tcp://nohost",
			     "tcp://:1", "tcp://host.name:1",	 "",
			     "unix"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_true(berth_api_listen(bad[i], &fd, &tcp, &err) < 0);
		assert_non_null(err);
		berth_error_free(&err);
	}
}

static void test_tcp_loopback(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	int fd = -1;
	bool tcp = false;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_ok(berth_api_listen("tcp://127.0.0.1:0", &fd, &tcp, &err), err);
	assert_true(tcp);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unix_mode_and_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test(test_tcp_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
