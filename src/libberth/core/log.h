/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Logging. The library never prints: it calls the sink the CLI installs
 * (berth_log_set_sink). Messages below the set level are dropped before
 * formatting. Credentials must never reach a log call.
 */

#include <stdarg.h>
#include <stdbool.h>

enum berth_log_level {
	BERTH_LOG_ERROR,
	BERTH_LOG_WARN,
	BERTH_LOG_INFO,
	BERTH_LOG_DEBUG,
};

typedef void (*berth_log_sink_fn)(enum berth_log_level level, const char *msg, void *userdata);

void berth_log_set_sink(berth_log_sink_fn fn, void *userdata);
void berth_log_set_level(enum berth_log_level level);
enum berth_log_level berth_log_get_level(void);
bool berth_log_enabled(enum berth_log_level level);
/* Parses "error", "warn"/"warning", "info", "debug"; -EINVAL otherwise. */
int berth_log_level_parse(const char *s, enum berth_log_level *ret);
const char *berth_log_level_name(enum berth_log_level level);

void berth_log(enum berth_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define berth_warn(...) berth_log(BERTH_LOG_WARN, __VA_ARGS__)
#define berth_info(...) berth_log(BERTH_LOG_INFO, __VA_ARGS__)
#define berth_debug(...)                                                                           \
	do {                                                                                       \
		if (berth_log_enabled(BERTH_LOG_DEBUG))                                            \
			berth_log(BERTH_LOG_DEBUG, __VA_ARGS__);                                   \
	} while (0)
