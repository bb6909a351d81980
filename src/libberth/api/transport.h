/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * src/libberth/api/transport.h — what server.c and router.c share (not the
 * handlers' contract, which is internal.h): the pure request parsing the
 * router does, kept apart from libmicrohttpd so the unit tests and the
 * fuzz target reach it without a socket.
 */

#include <stdbool.h>
#include <stddef.h>

#include "api/internal.h"

#define API_VERSION_MAX "1.41"
#define API_VERSION_MIN "1.24"
#define API_PARAMS_MAX	4

/*
 * "1.41" -> 1 and 41. 0 on success, -EINVAL when s is not two dot-separated
 * decimal numbers (each below 1000).
 */
int api_version_parse(const char *s, unsigned *ret_major, unsigned *ret_minor);
/* <0, 0, >0 as a is older than, equal to, newer than b (both valid). */
int api_version_cmp(const char *a, const char *b);

/*
 * Splits Docker's optional version prefix off a request path: "/v1.41/x"
 * -> ret_version "1.41" (NUL-terminated in a buffer of 16) and *ret_rest
 * "/x"; a path without it: ret_version "" and *ret_rest the path. -EINVAL
 * for a "/vN.M" prefix that is not a version Docker would route.
 */
int api_path_split_version(const char *path, char ret_version[16], const char **ret_rest);

/*
 * Checks a request's version against what berth serves: NULL when it is
 * served (an empty one is), else a malloc'd message in Docker's words for
 * the 400 reply.
 */
char *api_version_check(const char *version);

/*
 * Matches a path against a route pattern: {} matches one non-empty
 * segment, {*} one or more (the longest that lets the rest match); on a match the segments are stored (malloc'd, URL-decoded) in
 * ret_params (API_PARAMS_MAX entries) and true returned. The caller frees
 * them with api_params_free.
 */
bool api_pattern_match(const char *pattern, const char *path, char **ret_params);
void api_params_free(char **params);

/*
 * The route for method and path among all tables: the route, or NULL with
 * *ret_status 404 (no pattern matches) or 405 (a pattern matches, with
 * another method). ret_params as api_pattern_match. HEAD finds GET routes.
 */
const struct api_route *api_route_find(const char *method, const char *path, char **ret_params,
				       unsigned *ret_status);

/*
 * A table the unit tests add after the handlers' (NULL otherwise): routes
 * that exercise the transport (streams, hijack, bodies) without an engine
 * operation behind them.
 */
extern const struct api_route *api_routes_extra;

/* Decodes %XX (and, when plus, '+' as ' ') in place; -EINVAL on a bad escape or %00. */
int api_url_decode(char *s, bool plus);

/* ---- the transport's side of a request (server.c, reply.c) ---- */
#include <pthread.h>

#include "core/buf.h"

struct MHD_Connection;
struct MHD_Response;
struct api_server;

enum api_req_state {
	API_REQ_PENDING,  /* the handler has not answered yet */
	API_REQ_REPLIED,  /* req->response holds the whole reply */
	API_REQ_STREAM,	  /* req->response reads what api_stream_write hands over */
	API_REQ_UPGRADED, /* req->response is the 101 of a hijack */
};

#define API_REPLY_HEADERS_MAX 4 /* api_reply_header's */

struct api_req {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned refs; /* the handler thread, MHD's request, a stream response */
	struct api_server *srv;
	struct MHD_Connection *conn;
	int conn_fd;

	char *method;
	char *path;
	char version[16];
	const struct api_route *route;
	char *params[API_PARAMS_MAX];
	char **query;	/* key, value, key, value, ..., NULL */
	char **headers; /* the same, keys as sent */

	struct berth_buf body;
	bool body_too_big;
	int body_fd;
	json_t *json;

	enum api_req_state state;
	struct MHD_Response *response;
	unsigned status;
	/* streams: the chunk api_stream_write hands to the reader, or raw_fd */
	const char *chunk;
	size_t chunk_len;
	int raw_fd;
	bool stream_end;		 /* the handler returned */
	bool gone;			 /* the client went away, or the service stops */
	volatile sig_atomic_t stop_flag; /* gone, for library calls that poll a flag */
	/* hijack: the transport's end of the socketpair, until the relay takes it */
	int hijack_fd;
	/* api_reply_header's name, value pairs (borrowed) for the next answer */
	const char *reply_headers[API_REPLY_HEADERS_MAX][2];
};

/* The value of key in a NULL-terminated key, value list (case-insensitive keys when icase). */
const char *api_kv_get(char *const *kv, const char *key, bool icase);

/* Adds the headers Docker's daemon sends on every reply. */
void api_response_add_common(struct MHD_Response *resp);

/* Whether the service is stopping (every stream ends). */
bool api_server_stopping(const struct api_server *srv);
/* The fd that becomes readable when the service stops (for polls). */
int api_server_stop_fd(const struct api_server *srv);
/* Counts a hijack relay as running (relay true) or finished. */
void api_server_relay(struct api_server *srv, bool running);

/*
 * Waits for the handler's answer (reply, stream or hijack): true when there
 * is one; false when the client left or the service stops first (req is
 * then gone: the handler sees it and its answer is dropped).
 */
bool api_req_wait_answer(struct api_req *req);

/* Drops one reference; the last frees req. */
void api_req_unref(struct api_req *req);
/* Sets req->state and the response, wakes the waiting connection thread (reply.c). */
void api_req_answer(struct api_req *req, enum api_req_state state, unsigned status,
		    struct MHD_Response *resp);
