/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd through core/lazy-microhttpd.c: not loaded until its first
 * call, then a daemon on a socket we pass in answers through the shims,
 * including the variadic ones (start, connection info).
 */
#include "unit.h"

#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <microhttpd.h>

#include "core/lazylib.h"

static int seen_fd = -1;

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	seen_fd = ci ? ci->connect_fd : -1;
	struct MHD_Response *r =
		MHD_create_response_from_buffer(5, (void *)"hello", MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "X-Test", url);
	enum MHD_Result ret = MHD_queue_response(conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Daemon *start(unsigned flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	struct MHD_Daemon *d = MHD_start_daemon_va(flags, 0, NULL, NULL, answer, NULL, ap);
	va_end(ap);
	return d;
}

static void test_serve_through_shims(void **state)
{
	(void)state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[1024] = {0};
	ssize_t n, got = 0;
	/* an abstract socket: nothing on disk */
	memcpy(sa.sun_path, "\0berth-lazy-mhd-test", 20);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_false(berth_lib_is_loaded(BERTH_LIB_MICROHTTPD));
	struct MHD_Daemon *d =
		start(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
		      MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd, MHD_OPTION_END);
	assert_non_null(d);
	assert_true(berth_lib_is_loaded(BERTH_LIB_MICROHTTPD));
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	const char *req = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	assert_int_equal(write(c, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(c, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(c);
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "X-Test: /x"));
	assert_non_null(strstr(buf, "hello"));
	assert_true(seen_fd >= 0);
	MHD_stop_daemon(d);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_through_shims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
