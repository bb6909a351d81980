/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Shared by the API's transport tests: the service running in a thread over
 * a temp store (store-fixture.h) on a unix socket, and a client of plain
 * HTTP/1.1 over a socket. A test file sets api_routes_extra to its routes.
 */
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "api/api.h"
#include "api/transport.h"
#include "core/buf.h"
#include "store-fixture.h"

struct service {
	struct fixture *f;
	char sock[128];
	int stop;
	pthread_t t;
	int r;
};

static void *serve(void *arg)
{
	struct service *s = arg;
	struct berth_error *err = NULL;
	int fd = -1;
	bool tcp;
	_cleanup_free_ char *url = berth_xasprintf("unix://%s", s->sock);
	if (berth_api_listen(url, &fd, &tcp, &err) < 0) {
		s->r = -1;
		return NULL;
	}
	struct berth_api_serve_options o = {
		.store = s->f->s, .root = s->f->root, .listen_fd = fd, .stop_fd = s->stop};
	s->r = berth_api_serve(&o, &err);
	berth_error_free(&err);
	close(fd);
	return NULL;
}

static int svc_setup(void **state)
{
	setup(state);
	struct service *s = calloc(1, sizeof(*s));
	s->f = *state;
	snprintf(s->sock, sizeof(s->sock), "%s/d.sock", s->f->root);
	s->stop = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(pthread_create(&s->t, NULL, serve, s), 0);
	for (int i = 0; i < 200 && access(s->sock, F_OK) < 0; i++)
		usleep(10000);
	*state = s;
	return 0;
}

static int svc_teardown(void **state)
{
	struct service *s = *state;
	uint64_t one = 1;
	assert_int_equal(write(s->stop, &one, sizeof(one)), (ssize_t)sizeof(one));
	pthread_join(s->t, NULL);
	assert_int_equal(s->r, 0);
	close(s->stop);
	*state = s->f;
	free(s);
	return teardown(state);
}

static int dial(struct service *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, s->sock, strlen(s->sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static size_t last_len; /* of the last reply request() read */

/* One request with Connection: close; the whole reply, headers and body. */
static char *request(struct service *s, const char *head, const void *body, size_t len)
{
	int fd = dial(s);
	_cleanup_free_ char *h = berth_xasprintf("%s\r\nHost: d\r\nConnection: close\r\n"
						 "Content-Length: %zu\r\n\r\n",
						 head, len);
	struct berth_buf out;
	char buf[4096];
	ssize_t n;
	send_all(fd, h, strlen(h));
	if (len)
		send_all(fd, body, len);
	berth_buf_init(&out, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		berth_buf_add(&out, buf, (size_t)n);
	close(fd);
	return berth_buf_detach(&out, &last_len);
}
