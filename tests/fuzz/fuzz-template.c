/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --format templates come from the command line and scripts: parse the
 * input as a template and execute it over a fixed inspect-like document, in
 * normal and header mode.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/template.h"

static const char data_json[] =
	"{\"Id\":\"4f1c\",\"Name\":\"/web\",\"Count\":3,\"Ratio\":0.5,\"On\":true,\"Null\":null,"
	"\"State\":{\"Status\":\"running\",\"Pid\":42,\"Health\":null},"
	"\"Config\":{\"Cmd\":[\"sh\",\"-c\",\"echo\"],\"Env\":[],\"Labels\":{\"a\":\"b\"}},"
	"\"List\":[1,\"two\",null,{\"k\":[1.5]}],\"Empty\":\"\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *doc;
	struct berth_error *err = NULL;

	if (size > 4096)
		return 0;
	if (!doc && berth_json_parse(data_json, sizeof(data_json) - 1, "data", &doc, &err) < 0)
		__builtin_trap();
	_cleanup_free_ char *text = berth_xstrndup((const char *)data, size);
	_cleanup_(berth_template_freep) struct berth_template *t = NULL;
	if (berth_template_parse(text, &t, &err) < 0) {
		if (!err || !strstr(berth_error_msg(err), "template: "))
			__builtin_trap();
		berth_error_free(&err);
		return 0;
	}
	for (unsigned flags = 0; flags <= BERTH_TEMPLATE_HEADER; flags++) {
		_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
		if (berth_template_execute(t, doc, flags, &out, &err) < 0) {
			if (!err)
				__builtin_trap();
			berth_error_free(&err);
		}
	}
	return 0;
}
