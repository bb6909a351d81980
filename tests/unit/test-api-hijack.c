/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hijack of attach and exec (api/hijack.c): the 101 upgrade with bytes
 * sent early, a client half-close as EOF, and the plain 200 without upgrade.
 */
#include "unit.h"

#include <poll.h>
#include <stdatomic.h>

#include "api-fixture.h"
#include "core/json.h"

static int hijack_echo(struct api_req *req)
{
	char buf[256];
	ssize_t n;
	int fd = api_hijack(req);
	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	if (api_fd_write_mux(fd, 2, "e", 1) < 0)
		return 0;
	if (write(fd, "END", 3) < 0) {
		/* the client may be gone */
	}
	close(fd);
	return 0;
}

static atomic_int silent_saw_close;

/* Reads stdin to its end, then writes nothing: it learns of the client's close by its fd. */
static int hijack_silent(struct api_req *req)
{
	char buf[64];
	int fd = api_hijack(req);
	if (fd < 0)
		return fd;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	struct pollfd p = {.fd = fd, .events = 0};
	int n = poll(&p, 1, 5000);
	atomic_store(&silent_saw_close, n == 1 && (p.revents & POLLHUP) ? 1 : -1);
	close(fd);
	return 0;
}

static const struct api_route test_routes[] = {
	{"POST", "/test/silent", API_BODY_NONE, hijack_silent},
	{"POST", "/test/hijack", API_BODY_NONE, hijack_echo},
	{0},
};

/*
 * The body of a chunked reply, decoded into a malloc'd buffer (*ret_len):
 * the raw stream's frames reach the chunks as the handler's writes are
 * read, so one frame may span two chunks.
 */
static char *dechunk(const char *resp, size_t len, size_t *ret_len)
{
	const char *end = resp + len, *p = memmem(resp, len, "\r\n\r\n", 4);
	struct berth_buf b;
	berth_buf_init(&b, 0);
	assert_non_null(p);
	for (p += 4; p < end;) {
		char *next;
		unsigned long n = strtoul(p, &next, 16);
		const char *data = memmem(next, (size_t)(end - next), "\r\n", 2);
		if (n == 0 || !data || data + 2 + n > end)
			break;
		berth_buf_add(&b, data + 2, n);
		p = data + 2 + n + 2;
	}
	return berth_buf_detach(&b, ret_len);
}

static void test_hijack(void **state)
{
	struct service *s = *state;
	int fd = dial(s);
	const char *h = "POST /test/hijack HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\n"
			"Upgrade: tcp\r\nContent-Length: 0\r\n\r\nearly";
	struct berth_buf out;
	char buf[1024];
	ssize_t n;
	send_all(fd, h, strlen(h));
	send_all(fd, "-late", 5);
	shutdown(fd, SHUT_WR); /* end of stdin: the handler reads EOF, still writes */
	berth_buf_init(&out, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		berth_buf_add(&out, buf, (size_t)n);
	close(fd);
	assert_non_null(strstr(out.buf, "HTTP/1.1 101"));
	assert_non_null(strstr(out.buf, "Upgrade: tcp"));
	assert_non_null(strstr(out.buf, "application/vnd.docker.raw-stream"));
	static const char upgraded[] = "\r\n\r\nearly-late\x02\0\0\0\0\0\0\x01"
				       "eEND";
	assert_non_null(memmem(out.buf, out.len, upgraded, sizeof(upgraded) - 1));
	berth_buf_release(&out);
	/* without the upgrade: 200 and the raw output, no stdin */
	_cleanup_free_ char *plain = request(s, "POST /test/hijack HTTP/1.1", NULL, 0);
	assert_non_null(strstr(plain, "HTTP/1.1 200"));
	static const char raw[] = "\x02\0\0\0\0\0\0\x01"
				  "eEND";
	size_t body_len;
	_cleanup_free_ char *body = dechunk(plain, last_len, &body_len);
	assert_non_null(memmem(body, body_len, raw, sizeof(raw) - 1));
}

static void test_hijack_client_leaves(void **state)
{
	struct service *s = *state;
	int fd = dial(s);
	const char *h = "POST /test/silent HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\n"
			"Upgrade: tcp\r\nContent-Length: 0\r\n\r\n";
	char buf[512];
	send_all(fd, h, strlen(h));
	assert_true(read(fd, buf, sizeof(buf)) > 0); /* the 101 */
	shutdown(fd, SHUT_WR);			     /* end of stdin ... */
	usleep(200000);
	close(fd); /* ... then gone */
	for (int i = 0; i < 600 && atomic_load(&silent_saw_close) == 0; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&silent_saw_close), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hijack, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_hijack_client_leaves, svc_setup, svc_teardown),
	};
	api_routes_extra = test_routes;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
