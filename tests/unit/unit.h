/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* What every cmocka unit test includes, in the order cmocka needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* r must be a success; prints the error message when it is not. */
#define assert_ok(r, err)                                                                          \
	do {                                                                                       \
		int r_ = (r);                                                                      \
		if (r_ < 0)                                                                        \
			fail_msg("unexpected error %d: %s", r_, (err) ? (err)->msg : "(none)");    \
	} while (0)
