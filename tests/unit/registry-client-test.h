/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * The fake registry the tests of registry/client.c, token.c and blob.c
 * share, and the group setup that starts it.
 */
#include "unit.h"

#include <fcntl.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "registry/internal.h"
#include "registry-fake.h"

/*
 * A bearer-token registry in one fake server: /token hands out T<n>; the
 * registry accepts only the newest token, so a client holding an older one
 * gets a 401 and must fetch a new token (an expired token).
 */
struct reg {
	int port;
	int tokens;
	int valid; /* the token number the registry accepts */
	char blob[3000];
	bool cut_first;
	int ranges;
	int posts;
};

static inline void handler(void *ctx, const struct fake_req *req, struct fake_reply *rep)
{
	struct reg *r = ctx;
	static __thread char body[4096];
	if (strncmp(req->path, "/token", 6) == 0) {
		if (!strstr(req->path, "scope=repository%3Aa%2Fb%3Apull") &&
		    !strstr(req->path, "scope=repository%3Aa%2Fb%3Apull%2Cpush")) {
			rep->status = 400;
			return;
		}
		r->tokens++;
		r->valid = r->tokens;
		snprintf(body, sizeof(body), "{\"token\":\"T%d\",\"expires_in\":300}", r->tokens);
		rep->body = body;
		rep->body_len = strlen(body);
		return;
	}
	const char *a = fake_header(req, "Authorization");
	char want[32];
	snprintf(want, sizeof(want), "Bearer T%d", r->valid);
	if (!a || strcmp(a, want) != 0) {
		rep->status = 401;
		snprintf(rep->headers, sizeof(rep->headers),
			 "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%d/token\","
			 "service=\"fake\",scope=\"repository:a/b:pull\"\r\n",
			 r->port);
		rep->body = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication "
			    "required\"}]}";
		rep->body_len = strlen(rep->body);
		return;
	}
	if (strcmp(req->path, "/v2/") == 0)
		return;
	if (strstr(req->path, "/manifests/missing")) {
		rep->status = 404;
		rep->body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
			    "unknown\"}]}";
		rep->body_len = strlen(rep->body);
		return;
	}
	if (strcmp(req->method, "POST") == 0 && strstr(req->path, "/blobs/uploads/")) {
		/* "created" with nowhere to upload to: a broken or hostile registry */
		r->posts++;
		rep->status = 201;
		return;
	}
	if (strstr(req->path, "/blobs/")) {
		const char *range = fake_header(req, "Range");
		size_t start = 0;
		if (range) {
			r->ranges++;
			start = strtoul(range + 6, NULL, 10);
			rep->status = 206;
			snprintf(rep->headers, sizeof(rep->headers),
				 "Content-Range: bytes %zu-%zu/%zu\r\n", start, sizeof(r->blob) - 1,
				 sizeof(r->blob));
		}
		rep->body = r->blob + start;
		rep->body_len = sizeof(r->blob) - start;
		if (r->cut_first) {
			r->cut_first = false;
			rep->cut_after = 1000;
		}
		return;
	}
	rep->status = 404;
}

static struct fake_server f;
static struct reg r;

static inline int setup(void **state)
{
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < sizeof(r.blob); i++)
		r.blob[i] = (char)('a' + i % 26);
	fake_start(&f, handler, &r);
	r.port = f.port;
	struct berth_registry_settings s = {.retries = 3, .auth_file = "/nonexistent/auth.json"};
	berth_registry_configure(&s);
	return 0;
}

static inline int teardown(void **state)
{
	fake_stop(&f);
	return 0;
}

static inline int collect(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	berth_buf_add(ctx, data, len);
	return 0;
}

static inline int reset(void *ctx, struct berth_error **err)
{
	berth_buf_reset(ctx);
	return 0;
}
