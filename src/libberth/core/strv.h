/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* NULL-terminated string vectors (systemd's strv). All strings are owned. */

#include <stdbool.h>
#include <stddef.h>

#include "core/cleanup.h"

size_t berth_strv_len(char *const *v);
/* Frees and drops the last string; false when v is empty (or NULL). */
bool berth_strv_pop(char **v);
/* Appends a copy of s; *v may be NULL (an empty vector). */
void berth_strv_push(char ***v, const char *s);
/* Appends s itself, taking ownership. */
void berth_strv_consume(char ***v, char *s);
char **berth_strv_copy(char *const *v);
bool berth_strv_contains(char *const *v, const char *s);
/* Sorts v in place with strcmp. */
void berth_strv_sort(char **v);

#define BERTH_STRV_FOREACH(s, v) for (char *const *s = (v); s && *s; s++)
