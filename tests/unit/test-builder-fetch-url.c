/* SPDX-License-Identifier: Apache-2.0 */
/* ADD's URL sources: the names URLs give, and downloads from a server on 127.0.0.1. */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"

static void test_is_url(void **state)
{
	assert_true(builder_is_url("http://example.com/a"));
	assert_true(builder_is_url("https://example.com/a"));
	assert_false(builder_is_url("ftp://example.com/a"));
	assert_false(builder_is_url("src/http://x"));
}

static void basename_is(const char *url, const char *want)
{
	_cleanup_free_ char *got = NULL;
	struct berth_error *err = NULL;
	if (!want) {
		assert_int_equal(builder_url_basename(url, &got, &err), -EINVAL);
		berth_error_free(&err);
		return;
	}
	assert_ok(builder_url_basename(url, &got, &err), err);
	assert_string_equal(got, want);
}

static void test_basename(void **state)
{
	basename_is("https://example.com/dir/file.tar.gz?x=1#top", "file.tar.gz");
	basename_is("http://example.com/a", "a");
	basename_is("http://example.com/", NULL);
	basename_is("http://example.com", NULL);
	basename_is("http://example.com/a/..", NULL);
}

/* Serves one HTTP response to one connection on 127.0.0.1; *ret_port is its port. */
static pid_t serve_once(const char *response, int *ret_port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*ret_port = ntohs(a.sin_port);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		int c = accept(s, NULL, NULL);
		if (c < 0)
			_exit(1);
		(void)!read(c, buf, sizeof(buf));
		(void)!write(c, response, strlen(response));
		close(c);
		_exit(0);
	}
	close(s);
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void test_fetch(void **state)
{
	char dir[] = "/tmp/berth-fetch-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct berth_error *err = NULL;
	struct berth_digest got, want;
	int port;

	pid_t pid = serve_once("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n"
			       "Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\nhello",
			       &port);
	_cleanup_free_ char *url = berth_xasprintf("http://127.0.0.1:%d/greeting", port);
	assert_ok(builder_fetch_url(url, dfd, &got, &err), err);
	reap(pid);
	berth_digest_of("hello", 5, &want);
	assert_true(berth_digest_eq(&got, &want));
	struct stat st;
	assert_int_equal(fstatat(dfd, "data", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_mtime, 1700000000);
	assert_int_equal(unlinkat(dfd, "data", 0), 0);

	/* an HTTP error is an error, named by its status */
	pid = serve_once("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n", &port);
	free(url);
	url = berth_xasprintf("http://127.0.0.1:%d/missing", port);
	assert_int_equal(builder_fetch_url(url, dfd, &got, &err), -ENOENT);
	reap(pid);
	assert_non_null(strstr(berth_error_msg(err), "HTTP status 404"));
	berth_error_free(&err);
	(void)unlinkat(dfd, "data", 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_url),
		cmocka_unit_test(test_basename),
		cmocka_unit_test(test_fetch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
