/* SPDX-License-Identifier: Apache-2.0 */
/* The service's listening socket: a unix socket of mode 0660, or TCP when asked. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/api.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"

/* A socket file nobody answers on is a leftover of a service that died: replaced. */
static int clear_stale(const char *path, struct berth_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : berth_error_syscall(err, errno, "stat '%s'", path);
	if (!S_ISSOCK(st.st_mode))
		return berth_error_set(err, EEXIST, "listen on '%s': not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_syscall(err, errno, "socket");
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return berth_error_set(err, EADDRINUSE,
				       "listen on '%s': another service answers there", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove stale socket '%s'", path);
	return 0;
}

static int make_parent(const char *path, struct berth_error **err)
{
	_cleanup_free_ char *dir = berth_xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return berth_error_syscall(err, errno, "create '%s'", dir);
		*p = c;
		if (!c)
			return 0;
	}
}

static int listen_unix(const char *path, int *ret_fd, struct berth_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	mode_t old;
	int r;

	if (path[0] != '/')
		return berth_error_set(err, EINVAL, "socket '%s': not an absolute path", path);
	if (strlen(path) >= sizeof(sa.sun_path))
		return berth_error_set(err, ENAMETOOLONG, "socket '%s': path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	r = make_parent(path, err);
	if (r < 0)
		return r;
	r = clear_stale(path, err);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_syscall(err, errno, "socket");
	/* 0660 from the start: no moment where others could connect */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return berth_error_syscall(err, errno, "bind '%s'", path);
	if (listen(fd, 128) < 0)
		return berth_error_syscall(err, errno, "listen on '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int listen_tcp(const char *hostport, int *ret_fd, struct berth_error **err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	_cleanup_free_ char *host = NULL;
	const char *colon = strrchr(hostport, ':');
	_cleanup_close_ int fd = -EBADF;
	int one = 1, r;

	if (!colon || colon == hostport || !colon[1])
		return berth_error_set(err, EINVAL, "socket 'tcp://%s': want tcp://HOST:PORT",
				       hostport);
	host = berth_xstrndup(hostport, (size_t)(colon - hostport));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	r = getaddrinfo(host, colon + 1, &hints, &ai);
	if (r != 0)
		return berth_error_set(err, EINVAL, "socket 'tcp://%s': %s", hostport,
				       gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return berth_error_syscall(err, errno, "socket");
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = bind(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r < 0)
		return berth_error_syscall(err, errno, "bind 'tcp://%s'", hostport);
	if (listen(fd, 128) < 0)
		return berth_error_syscall(err, errno, "listen on 'tcp://%s'", hostport);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int berth_api_listen(const char *url, int *ret_fd, bool *ret_is_tcp, struct berth_error **err)
{
	*ret_is_tcp = false;
	if (strncmp(url, "unix://", 7) == 0)
		return listen_unix(url + 7, ret_fd, err);
	if (strncmp(url, "tcp://", 6) == 0) {
		*ret_is_tcp = true;
		return listen_tcp(url + 6, ret_fd, err);
	}
	return berth_error_set(err, EINVAL, "socket '%s': want unix:///PATH or tcp://HOST:PORT",
			       url);
}
