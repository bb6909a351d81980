/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * src/libberth/api/internal.h — the contract between the API's transport
 * (server.c, router.c: helper "apicore") and its handlers (containers*.c:
 * "apictr"; images.c, build.c, networks.c, volumes.c: "apiimg").
 *
 * These names and signatures are fixed: apicore implements them exactly and
 * may add functions, never change these. Handlers run in a thread of their
 * own (one per connection) and may block (wait, logs -f, events, pull).
 */

#include <jansson.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

struct berth_store;
struct api_req; /* one request; owned by the transport */

/* ---- the request ---- */
const char *api_req_method(const struct api_req *req); /* "GET", "POST", ... */
const char *api_req_path(const struct api_req *req);   /* without /vX.Y */
/* The negotiated API version of this request ("1.41" when the path has none). */
const char *api_req_version(const struct api_req *req);
/* The I-th {} of the route's pattern, 0-based, URL-decoded ("/containers/{}/start"). */
const char *api_req_param(const struct api_req *req, unsigned i);
/* A query argument, URL-decoded; NULL when absent. */
const char *api_req_query(const struct api_req *req, const char *key);
/* Every value of a repeated query argument (names=a&names=b), owned; NULL when none. */
char **api_req_query_all(const struct api_req *req, const char *key);
/* A query argument read as Docker reads booleans ("1", "true", "True"); dflt when absent. */
bool api_req_query_bool(const struct api_req *req, const char *key, bool dflt);
/*
 * The "filters" query argument, Docker's JSON of key -> values, as an object
 * of key -> array of strings in *ret (new reference; {} when absent): both
 * {"label":["a=b"]} and the older {"label":{"a=b":true}} are read. -EINVAL
 * with the parser's message for anything else (answer it with
 * api_reply_berror: 400).
 */
int api_req_filters(const struct api_req *req, json_t **ret, struct berth_error **err);
/* The same for any string (NULL or "" is {}). */
int api_filters_parse(const char *s, json_t **ret, struct berth_error **err);
/* A request header (case-insensitive); NULL when absent. */
const char *api_req_header(const struct api_req *req, const char *name);
/*
 * The body. Routes with API_BODY_JSON: the parsed object (NULL for an
 * empty body; a body that is not JSON was already answered with 400).
 * Routes with API_BODY_FILE: an fd (positioned at 0) of an unlinked file
 * holding the whole body (tar contexts, image archives); -1 when empty.
 */
json_t *api_req_json(const struct api_req *req);
int api_req_body_fd(const struct api_req *req);
/* The store the service serves (opened once at start). */
struct berth_store *api_req_store(const struct api_req *req);
/* Its root directory (what the event log and `info` name). */
const char *api_req_root(const struct api_req *req);
/*
 * Whether the client went away or the service is stopping: a handler that
 * waits long between writes (events, logs -f, wait) checks it now and then
 * and returns 0 when it is true.
 */
bool api_req_gone(struct api_req *req);
/*
 * The same as a flag for library calls that poll one (events, logs
 * --follow): it becomes nonzero when the client goes away or the service
 * stops. Valid until the handler returns.
 */
const volatile sig_atomic_t *api_req_stop_flag(struct api_req *req);

/* ---- the reply: a handler sends exactly one of these, then returns 0 ---- */
/*
 * Adds a header to the handler's next reply, stream or hijack (the
 * X-Docker-Container-Path-Stat of the archive endpoints): name and value
 * are borrowed until that call, which copies them. 0, or -E2BIG past
 * four headers.
 */
int api_reply_header(struct api_req *req, const char *name, const char *value);
/* body is stolen (json_decref'd by the transport); NULL sends no body. */
int api_reply_json(struct api_req *req, unsigned status, json_t *body);
/* 204/304-style empty reply. */
int api_reply_empty(struct api_req *req, unsigned status);
/* {"message": "..."} with Docker's status for the failure. */
int api_reply_error(struct api_req *req, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A berth_error mapped to Docker's status: ENOENT 404, EEXIST 409,
 * EINVAL 400, ENOTSUP 501, anything else 500; the message is the error's.
 * Frees *err.
 */
int api_reply_berror(struct api_req *req, struct berth_error **err);
/* The status api_reply_berror answers an error code with. */
unsigned api_status_of_errno(int code);

/*
 * Streams: begin once, then write chunks; each write reaches the client
 * before it returns (chunked encoding). A write returns -EPIPE when the
 * client went away: the handler stops and returns 0.
 */
int api_stream_begin(struct api_req *req, unsigned status, const char *content_type);
int api_stream_write(struct api_req *req, const void *buf, size_t len);
/* One JSON message and "\n" (progress streams of pull, push, build, events). */
int api_stream_json(struct api_req *req, json_t *msg /* stolen */);
/*
 * Docker's multiplexed stream (logs, attach and exec without a tty): the
 * 8-byte header {stream, 0, 0, 0, size big-endian} then the bytes.
 * stream: 0 stdin, 1 stdout, 2 stderr.
 */
int api_stream_mux(struct api_req *req, int stream, const void *buf, size_t len);
/*
 * The same frame written whole to fd (the socket api_hijack returned: attach
 * and exec without a tty multiplex there too). 0, or -errno (-EPIPE when the
 * client went away).
 */
int api_fd_write_mux(int fd, int stream, const void *buf, size_t len);

/*
 * The 101 UPGRADED hijack of attach and exec start: answers with
 * "HTTP/1.1 101 UPGRADED" (Content-Type application/vnd.docker.raw-stream,
 * Connection: Upgrade, Upgrade: tcp) when the client asked for the upgrade,
 * else 200 with the raw stream, and returns a connected socket fd the
 * handler owns (reads the client's stdin, writes output; closes it when
 * done); -errno on failure.
 */
int api_hijack(struct api_req *req);

/* ---- routes ---- */
enum api_body {
	API_BODY_NONE,
	API_BODY_JSON,
	API_BODY_FILE
};
struct api_route {
	const char *method; /* "GET" ... */
	/*
	 * "/containers/{}/json": {} matches one segment; {*} one or more
	 * (image names with slashes, as Docker's {name:.*}: the longest run
	 * the rest of the pattern allows, "/images/{*}/json")
	 */
	const char *pattern;
	enum api_body body;
	int (*handler)(struct api_req *req);
};
/*
 * Each handler file defines one table, terminated by a zeroed entry, and
 * adds one line for it to the list in router.c:
 *     static const struct api_route *const api_tables[] = {
 *             api_routes_system,
 *             NULL,
 *     };
 * (apicore starts the list with its own table; apictr and apiimg each add
 * theirs when their file exists, so the library always links.) An unknown
 * path is 404 {"message": "page not found"}, as Docker's.
 */
extern const struct api_route
	api_routes_system[]; /* apicore: _ping version info events system/df */
extern const struct api_route api_routes_containers[]; /* apictr */
extern const struct api_route api_routes_exec[];       /* apictr */
extern const struct api_route api_routes_images[];     /* apiimg */
extern const struct api_route api_routes_build[];      /* apiimg */
extern const struct api_route api_routes_networks[];   /* apiimg */
extern const struct api_route api_routes_volumes[];    /* apiimg */
