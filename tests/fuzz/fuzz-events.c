/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lines of the event log (system/events.c): written by berth, but the
 * store is a directory anyone with its permissions (or a crash, or another
 * version) can leave anything in, and `berth events` reads it all.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "system/system.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	_cleanup_json_ json_t *msg = NULL;
	struct berth_error *err = NULL;
	if (berth_event_parse((const char *)data, size, &msg, &err) == 0) {
		_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
		berth_event_format_line(msg, &b);
		struct berth_events_filter f = {0};
		berth_events_filter_add(&f, "container=a", NULL);
		berth_events_filter_add(&f, "image=b:1", NULL);
		berth_events_filter_add(&f, "label=k=v", NULL);
		berth_events_filter_add(&f, "event=health_status", NULL);
		(void)berth_events_filter_match(&f, msg);
		berth_events_filter_release(&f);
		/* what parses must parse again the same once printed */
		_cleanup_free_ char *s = berth_json_dump(msg, NULL);
		_cleanup_json_ json_t *again = NULL;
		if (berth_event_parse(s, strlen(s), &again, NULL) < 0 || !json_equal(msg, again))
			__builtin_trap();
	}
	berth_error_free(&err);
	return 0;
}
