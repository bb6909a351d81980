/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hijack of attach and exec start. The handler gets one end of a
 * socketpair; a relay thread copies between the other end and the client's
 * upgraded socket (libmicrohttpd owns that socket: it must be closed
 * through MHD_upgrade_action, so the handler cannot be given it). A client
 * that half-closes (end of its stdin) becomes EOF on the handler's reads;
 * the handler closing its end ends the connection.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/transport.h"
#include "core/alloc.h"

struct relay {
	struct api_server *srv;
	int sock; /* the client's, libmicrohttpd's */
	int pair; /* ours */
	struct MHD_UpgradeResponseHandle *urh;
	char *extra;
	size_t extra_len;
};

/* Writes all of buf to fd, which may be non-blocking. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies what is readable on from to to: >0 copied, 0 EOF, <0 error. */
static ssize_t copy_once(int from, int to)
{
	char buf[32 * 1024];
	ssize_t n = recv(from, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 1 : -errno;
	if (n == 0)
		return 0;
	return write_all(to, buf, (size_t)n) < 0 ? -EPIPE : n;
}

static void *relay_thread(void *arg)
{
	struct relay *rl = arg;
	bool client_open = true;

	if (rl->extra_len > 0 && write_all(rl->pair, rl->extra, rl->extra_len) < 0)
		goto done;
	for (;;) {
		struct pollfd p[3] = {
			{.fd = rl->pair, .events = POLLIN},
			{.fd = api_server_stop_fd(rl->srv), .events = POLLIN},
			{.fd = client_open ? rl->sock : -1, .events = POLLIN},
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents && copy_once(rl->pair, rl->sock) <= 0)
			break; /* the handler is done (or the client cannot take more) */
		if (p[2].revents) {
			ssize_t n = copy_once(rl->sock, rl->pair);
			if (n < 0)
				break;
			if (n == 0) {
				/* stdin ended: the handler reads EOF and still writes */
				shutdown(rl->pair, SHUT_WR);
				client_open = false;
			}
		}
	}
done:
	shutdown(rl->sock, SHUT_RDWR);
	MHD_upgrade_action(rl->urh, MHD_UPGRADE_ACTION_CLOSE);
	close(rl->pair);
	api_server_relay(rl->srv, false);
	free(rl->extra);
	free(rl);
	return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct api_req *req = con_cls;
	struct relay *rl = berth_xcalloc(1, sizeof(*rl));
	pthread_attr_t attr;
	pthread_t t;

	rl->srv = req->srv;
	rl->sock = sock;
	rl->urh = urh;
	pthread_mutex_lock(&req->lock);
	rl->pair = req->hijack_fd;
	req->hijack_fd = -1;
	pthread_mutex_unlock(&req->lock);
	if (extra_in_size > 0) {
		rl->extra = berth_xmemdup(extra_in, extra_in_size);
		rl->extra_len = extra_in_size;
	}
	api_server_relay(rl->srv, true);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, relay_thread, rl) != 0) {
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		close(rl->pair);
		api_server_relay(rl->srv, false);
		free(rl->extra);
		free(rl);
	}
	pthread_attr_destroy(&attr);
}

static bool header_has(const struct api_req *req, const char *name, const char *token)
{
	const char *v = api_req_header(req, name);
	return v && strcasestr(v, token);
}

int api_hijack(struct api_req *req)
{
	struct MHD_Response *resp;
	int sv[2];

	if (req->state != API_REQ_PENDING)
		return -EALREADY;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (!header_has(req, "Connection", "upgrade") || !header_has(req, "Upgrade", "tcp")) {
		/* No upgrade asked: the output as a raw 200 stream, no stdin. */
		int r;
		shutdown(sv[1], SHUT_WR);
		req->raw_fd = sv[1];
		r = api_stream_begin(req, 200, "application/vnd.docker.raw-stream");
		if (r < 0) {
			req->raw_fd = -1;
			close(sv[0]);
			close(sv[1]);
			return r;
		}
		return sv[0];
	}
	resp = MHD_create_response_for_upgrade(on_upgrade, NULL);
	if (!resp) {
		close(sv[0]);
		close(sv[1]);
		return -ENOMEM;
	}
	MHD_add_response_header(resp, "Content-Type", "application/vnd.docker.raw-stream");
	MHD_add_response_header(resp, "Upgrade", "tcp");
	req->hijack_fd = sv[1];
	api_req_answer(req, API_REQ_UPGRADED, 101, resp);
	return sv[0];
}
