/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * UTF-8 decoding and the few Unicode character classes that Docker's Go
 * front end uses (unicode.IsSpace, unicode.IsLetter/IsDigit), so that the
 * shell-word lexer and the .dockerignore reader treat text exactly as
 * BuildKit does. Decoding follows Go's utf8.DecodeRune: an invalid or
 * truncated sequence, an overlong form or a surrogate decodes as U+FFFD and
 * consumes one byte.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BERTH_UTF8_REPLACEMENT 0xFFFDu

/*
 * Decodes the code point at s (len bytes available, len > 0) into *ret_cp
 * and returns the number of bytes consumed (1 to 4).
 */
size_t berth_utf8_decode(const char *s, size_t len, uint32_t *ret_cp);

/* Encodes cp into out (4 bytes room) and returns its length; invalid cp gives U+FFFD. */
size_t berth_utf8_encode(uint32_t cp, char out[static 4]);

/* Go's unicode.IsSpace: ASCII \t \n \v \f \r space, U+0085, U+00A0 and category Zs/Zl/Zp. */
bool berth_unicode_is_space(uint32_t cp);

/*
 * Go's unicode.IsLetter(cp) || unicode.IsDigit(cp), the characters of a
 * shell variable name besides '_'. Exact for ASCII; beyond ASCII it uses
 * the C.UTF-8 locale's alpha class, which covers the same letters and
 * digits of other scripts.
 */
bool berth_unicode_is_alnum(uint32_t cp);

/* Go's unicode.IsDigit for the first character of a positional name: ASCII 0-9 only here. */
static inline bool berth_unicode_is_ascii_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}
