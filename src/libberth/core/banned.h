/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Functions berth does not use (git's banned.h): unbounded copies and
 * formatting, and non-reentrant helpers. The build force-includes this
 * header in every file (`-include core/banned.h` in meson.build), so the
 * compiler refuses them; scripts/check-source greps for the names too.
 * The system headers that declare them come first, so that their
 * declarations (and _FORTIFY_SOURCE's inline wrappers) are seen before
 * the names are redefined.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_banned_in_berth

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef ctime
#define ctime(t) BANNED(ctime)
/* qsort(NULL, 0, …) is undefined: use berth_qsort of core/sort.h */
