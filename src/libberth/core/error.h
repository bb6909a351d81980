/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The one error idiom of berth (STYLE.md). A function that can fail takes
 * `struct berth_error **err` as its last parameter, returns >= 0 on success
 * (leaving *err untouched) and -errno on failure, with *err set to a message
 * that says what failed. Callers add context with berth_error_prefix() and
 * return the same code: `r = f(..., err); if (r < 0) return r;`.
 *
 * err may be NULL when the caller does not want the message; the functions
 * still return the code.
 *
 * Codes by class: EINVAL bad input, EBADMSG corrupt data or digest mismatch,
 * ENOENT missing, EXDEV escape attempt, EEXIST conflict, ENOTSUP not
 * implemented.
 */

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>

struct berth_error {
	int code;  /* positive errno value */
	char *msg; /* owned, never NULL */
};

/* Sets *err to a new error (freeing one already there) and returns -code. */
int berth_error_set(struct berth_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int berth_error_setv(struct berth_error **err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like berth_error_set() but appends ": <strerror(code)>", for failed syscalls. */
int berth_error_syscall(struct berth_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prepends "<fmt>: " to the message of *err and returns -code of it. When
 * *err is NULL (the callee did not set one) it returns -EIO and leaves a
 * message of just the prefix, so a missing message never hides a failure.
 */
int berth_error_prefix(struct berth_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The functions above always return a negative code. Their callers are
 * compiled with only these declarations, so the macros below state that
 * where they are called (checked at run time, in a statement expression
 * rather than a function so that it holds at any call depth): without
 * it, clang's static analyzer (scripts/check) explores
 * `return berth_error_set(...)` as if it could return >= 0 and reports the
 * caller's success path after an error.
 */
#define BERTH_ERROR_NEGATIVE(call)                                                                 \
	__extension__({                                                                            \
		int berth_error_r_ = (call);                                                       \
		assert(berth_error_r_ < 0);                                                        \
		berth_error_r_;                                                                    \
	})
#define berth_error_set(...)	 BERTH_ERROR_NEGATIVE(berth_error_set(__VA_ARGS__))
#define berth_error_setv(...)	 BERTH_ERROR_NEGATIVE(berth_error_setv(__VA_ARGS__))
#define berth_error_syscall(...) BERTH_ERROR_NEGATIVE(berth_error_syscall(__VA_ARGS__))
#define berth_error_prefix(...)	 BERTH_ERROR_NEGATIVE(berth_error_prefix(__VA_ARGS__))

/* The positive errno of err, or 0 when err is NULL. */
int berth_error_code(const struct berth_error *err);

/* The message of err, or "" when err is NULL. */
const char *berth_error_msg(const struct berth_error *err);

/* Frees *err and sets it to NULL; NULL-safe. */
void berth_error_free(struct berth_error **err);

/* True when code says the input was at fault (exit 1) rather than the engine (125). */
bool berth_error_is_user(int code);
