/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * A fake HTTP server on 127.0.0.1 for the registry unit tests: one thread,
 * one request per connection (it answers with Connection: close). The
 * test's handler sees each request and fills the reply; `cut_after` sends
 * only that many body bytes and then drops the connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fake_req {
	char method[16];
	char path[1024];
	char headers[8192];
	char *body;
	size_t body_len;
};

struct fake_reply {
	int status;
	char headers[2048]; /* extra "Name: value\r\n" lines */
	const char *body;
	size_t body_len;
	long cut_after; /* -1: whole body */
};

typedef void (*fake_handler_fn)(void *ctx, const struct fake_req *req, struct fake_reply *rep);

struct fake_server {
	int fd;
	int port;
	pthread_t thread;
	fake_handler_fn handler;
	void *ctx;
	int requests;
};

static const char *fake_header(const struct fake_req *r, const char *name)
{
	static __thread char value[2048];
	size_t n = strlen(name);
	for (const char *p = r->headers; *p;) {
		const char *e = strstr(p, "\r\n");
		if (!e)
			break;
		if ((size_t)(e - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			size_t l = (size_t)(e - v) < sizeof(value) - 1 ? (size_t)(e - v)
								       : sizeof(value) - 1;
			memcpy(value, v, l);
			value[l] = '\0';
			return value;
		}
		p = e + 2;
	}
	return NULL;
}

static void *fake_loop(void *arg)
{
	struct fake_server *s = arg;
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		char buf[16384];
		size_t len = 0;
		char *end = NULL;
		while (len < sizeof(buf) - 1) {
			ssize_t n = read(c, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = '\0';
			/* a TLS ClientHello (the client tries https first): refuse it now */
			if (buf[0] == 0x16)
				break;
			if ((end = strstr(buf, "\r\n\r\n")))
				break;
		}
		if (!end) {
			close(c);
			continue;
		}
		struct fake_req req = {0};
		sscanf(buf, "%15s %1023s", req.method, req.path);
		char *hs = strstr(buf, "\r\n") + 2;
		size_t hl = (size_t)(end + 2 - hs);
		if (hl >= sizeof(req.headers))
			hl = sizeof(req.headers) - 1;
		memcpy(req.headers, hs, hl);
		const char *cl = fake_header(&req, "Content-Length");
		size_t want = cl ? strtoul(cl, NULL, 10) : 0;
		req.body = malloc(want + 1);
		size_t have = len - (size_t)(end + 4 - buf);
		memcpy(req.body, end + 4, have);
		while (have < want) {
			ssize_t n = read(c, req.body + have, want - have);
			if (n <= 0)
				break;
			have += (size_t)n;
		}
		req.body_len = have;
		req.body[have] = '\0';
		struct fake_reply rep = {.status = 200, .cut_after = -1};
		s->requests++;
		s->handler(s->ctx, &req, &rep);
		char head[4096];
		int hn = snprintf(
			head, sizeof(head),
			"HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			rep.status, rep.body_len, rep.headers);
		if (write(c, head, (size_t)hn) < 0) {
		}
		size_t send = rep.body_len;
		if (rep.cut_after >= 0 && (size_t)rep.cut_after < send)
			send = (size_t)rep.cut_after;
		if (strcmp(req.method, "HEAD") != 0 && send && write(c, rep.body, send) < 0) {
		}
		free(req.body);
		shutdown(c, SHUT_RDWR);
		close(c);
	}
}

static void fake_start(struct fake_server *s, fake_handler_fn fn, void *ctx)
{
	s->handler = fn;
	s->ctx = ctx;
	s->requests = 0;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s->fd, 16) < 0)
		abort();
	socklen_t al = sizeof(a);
	getsockname(s->fd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->thread, NULL, fake_loop, s);
}

static void fake_stop(struct fake_server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
}
