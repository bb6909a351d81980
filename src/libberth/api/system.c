/* SPDX-License-Identifier: Apache-2.0 */
/* The system routes: _ping, version, info, events, system/df. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api/transport.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "system/system.h"

/* "OK" as text, with the headers clients negotiate on (API-Version, Builder-Version). */
static int ping(struct api_req *req)
{
	struct MHD_Response *resp;
	bool head = strcmp(api_req_method(req), "HEAD") == 0;

	resp = MHD_create_response_from_buffer(head ? 0 : 2, (char *)"OK", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return -ENOMEM;
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store, must-revalidate");
	MHD_add_response_header(resp, "Pragma", "no-cache");
	/* the classic builder's protocol (POST /build with a tar context) */
	MHD_add_response_header(resp, "Builder-Version", "1");
	api_req_answer(req, API_REQ_REPLIED, 200, resp);
	return 0;
}

static int version(struct api_req *req)
{
	return api_reply_json(req, 200, berth_system_version());
}

static int info(struct api_req *req)
{
	_cleanup_error_ struct berth_error *err = NULL;
	json_t *v = NULL;

	if (berth_system_info(api_req_store(req), api_req_root(req), false, &v, &err) < 0)
		return api_reply_berror(req, &err);
	return api_reply_json(req, 200, v);
}

const struct api_route api_routes_system[] = {
	{"GET", "/_ping", API_BODY_NONE, ping},
	{"HEAD", "/_ping", API_BODY_NONE, ping},
	{"GET", "/version", API_BODY_NONE, version},
	{"GET", "/info", API_BODY_NONE, info},
	{0},
};
