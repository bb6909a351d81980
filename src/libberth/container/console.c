/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console of a container with a terminal, or of a detached one run
 * with -i (OpenStdin) and none. Its monitor keeps the pty's master, or the
 * writing end of a pipe that is the container's stdin; it listens on
 * <store>/containers/<id>/console.sock (mode 0600, in the record's
 * directory: root's, as the store) and hands a copy of that fd to each
 * client that connects (SCM_RIGHTS; a fresh connection's buffer takes the
 * one byte without blocking the monitor), then closes that connection. With
 * StdinOnce (`docker run -i`), the stdin's first client gets it alone: the
 * monitor closes its own copy and the socket, so that the container reads
 * EOF when that client closes it. What the container prints still goes
 * through the monitor to the log; the holder of a copy writes the
 * container's input and sizes its terminal (attach with stdin, resize).
 * The socket is reached through /proc/self/fd/<containers dir fd>/: a store
 * path too long for sun_path does not matter.
 */
#include "container/container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "runtime/runtime.h"
#include "store/store.h"

#define CONSOLE_SOCK "console.sock"

/* The socket's address below the directory fd dir ("" for dir itself). */
static int console_addr(int dir, const char *sub, struct sockaddr_un *ret)
{
	*ret = (struct sockaddr_un){.sun_family = AF_UNIX};
	int n = snprintf(ret->sun_path, sizeof(ret->sun_path), "/proc/self/fd/%d/%s%s%s", dir, sub,
			 *sub ? "/" : "", CONSOLE_SOCK);
	return n > 0 && (size_t)n < sizeof(ret->sun_path) ? 0 : -ENAMETOOLONG;
}

int berth_container_console_listen(int cdir, const char *id)
{
	struct sockaddr_un sa;
	if (console_addr(cdir, id, &sa) < 0)
		return -1;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* one left by a monitor that was killed */
	unlink(sa.sun_path);
	/* the monitor is single-threaded: the umask is its alone for the bind */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0)
		return -1;
	return TAKE_FD(fd);
}

bool berth_container_console_serve(int listen_fd, int fd)
{
	_cleanup_close_ int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	return c >= 0 && berth_runtime_send_fd(c, fd) >= 0;
}

int berth_container_console_stdin(int cdir, const char *id, int ret[2], bool *ret_once)
{
	ret[0] = ret[1] = -EBADF;
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, id);
	json_t *cfg = json_object_get(st, "Config");
	*ret_once = json_is_true(json_object_get(cfg, "StdinOnce"));
	if (!json_is_true(json_object_get(cfg, "OpenStdin")) ||
	    json_is_true(json_object_get(cfg, "Tty")))
		return 0;
	/* O_CLOEXEC: the container gets the reading end as its fd 0 alone */
	return pipe2(ret, O_CLOEXEC) < 0 ? -errno : 0;
}

void berth_container_console_close(int cdir, const char *id, int listen_fd)
{
	struct sockaddr_un sa;
	if (listen_fd < 0)
		return;
	if (console_addr(cdir, id, &sa) == 0)
		unlink(sa.sun_path);
	close(listen_fd);
}

static int no_console(const char *what, struct berth_error **err)
{
	return berth_error_set(err, ENOTTY,
			       "container '%s' has no console: it is not running or has no "
			       "terminal (-t)",
			       what);
}

int berth_container_console(struct berth_store *store, const char *what, int *ret_fd,
			    struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	int r = berth_container_find(store, what, &id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir =
		berth_xasprintf("%s/containers/%s", berth_store_root_path(store), id);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open '%s'", dir);
	struct sockaddr_un sa;
	_cleanup_close_ int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return berth_error_syscall(err, errno, "socket");
	if (console_addr(dfd, "", &sa) < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return no_console(what, err);
	int fd = berth_runtime_recv_fd(c);
	if (fd < 0)
		return berth_error_set(err, ENOTTY, "container '%s': its monitor sent no console",
				       what);
	*ret_fd = fd;
	return 0;
}

int berth_container_resize(struct berth_store *store, const char *what, unsigned rows,
			   unsigned cols, struct berth_error **err)
{
	if (rows == 0 || cols == 0 || rows > 0xffff || cols > 0xffff)
		return berth_error_set(err, EINVAL, "invalid terminal size %ux%u", cols, rows);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_json_ json_t *st = NULL;
	/* a stdin pipe handed out would be taken from its one client (StdinOnce) */
	int r = berth_container_inspect(store, what, &st, err);
	if (r < 0)
		return r;
	if (!json_is_true(json_object_get(json_object_get(st, "Config"), "Tty")))
		return no_console(what, err);
	r = berth_container_console(store, what, &fd, err);
	if (r < 0)
		return r;
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return berth_error_syscall(err, errno, "resize the terminal of container '%s'",
					   what);
	return 0;
}
