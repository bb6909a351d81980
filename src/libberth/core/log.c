/* SPDX-License-Identifier: Apache-2.0 */
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static berth_log_sink_fn sink;
static void *sink_data;
static enum berth_log_level current = BERTH_LOG_WARN;

void berth_log_set_sink(berth_log_sink_fn fn, void *userdata)
{
	sink = fn;
	sink_data = userdata;
}

void berth_log_set_level(enum berth_log_level level)
{
	current = level;
}

enum berth_log_level berth_log_get_level(void)
{
	return current;
}

bool berth_log_enabled(enum berth_log_level level)
{
	return sink && level <= current;
}

static const char *const names[] = {
	[BERTH_LOG_ERROR] = "error",
	[BERTH_LOG_WARN] = "warn",
	[BERTH_LOG_INFO] = "info",
	[BERTH_LOG_DEBUG] = "debug",
};

const char *berth_log_level_name(enum berth_log_level level)
{
	return level <= BERTH_LOG_DEBUG ? names[level] : "?";
}

int berth_log_level_parse(const char *s, enum berth_log_level *ret)
{
	for (int i = BERTH_LOG_ERROR; i <= BERTH_LOG_DEBUG; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum berth_log_level)i;
			return 0;
		}
	}
	if (strcmp(s, "warning") == 0) {
		*ret = BERTH_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

void berth_log(enum berth_log_level level, const char *fmt, ...)
{
	if (!berth_log_enabled(level))
		return;
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sink(level, msg, sink_data);
	free(msg);
}
