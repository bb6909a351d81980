/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The Docker Engine API (v1.41, Docker 20.10's) served over a socket from
 * this library: `berth system service`. See docs/api.md.
 */

#include <stdbool.h>

#include "core/error.h"

struct berth_store;

/*
 * Opens the listening socket of url: "unix:///path" (a unix socket of mode
 * 0660, the parent directory made when missing; a stale socket file there is
 * replaced, a live one is EADDRINUSE) or "tcp://HOST:PORT". *ret_fd: the
 * listening fd (CLOEXEC), the caller's. *ret_is_tcp: whether it is TCP (the
 * caller warns: the API is root-equivalent and unauthenticated).
 */
int berth_api_listen(const char *url, int *ret_fd, bool *ret_is_tcp, struct berth_error **err);

struct berth_api_serve_options {
	struct berth_store *store; /* the store the API serves */
	const char *root;	   /* its root path (the event log's) */
	int listen_fd;		   /* a listening socket (berth_api_listen, or socket activation) */
	unsigned timeout_s; /* exit after this long idle: no request, no connection; 0: never */
	int stop_fd;	    /* readable when the service must stop (a signalfd); -1: none */
};

/*
 * Serves until stop_fd is readable or the service was idle for timeout_s.
 * Returns 0, or -errno when the server could not start. Takes no ownership
 * of the fds.
 */
int berth_api_serve(const struct berth_api_serve_options *o, struct berth_error **err);
