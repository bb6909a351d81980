/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Functions berth does not use (git's banned.h): unbounded copies and
 * formatting, and non-reentrant helpers. A .c file that wants the compiler
 * to enforce it includes this header after all system headers; for every
 * other file scripts/check-source greps for these names in `make check`.
 */

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
