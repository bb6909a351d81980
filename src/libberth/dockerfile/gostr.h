/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * String primitives with the exact semantics of Go's standard library, which
 * BuildKit's parser is written in: UTF-8 decoding (utf8.DecodeRune), spaces
 * (unicode.IsSpace), strings.TrimSpace, strings.ToLower and strconv.Quote.
 * Private to the dockerfile subsystem.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/cleanup.h"

#define GO_RUNE_ERROR 0xFFFDu

/*
 * Decodes the rune at s (len > 0 bytes available) like utf8.DecodeRune:
 * invalid or truncated sequences, overlong forms and surrogates give
 * GO_RUNE_ERROR with *ret_size 1.
 */
uint32_t go_decode_rune(const char *s, size_t len, size_t *ret_size);

/* Appends the UTF-8 encoding of r (utf8.AppendRune; invalid runes as U+FFFD). */
void go_buf_add_rune(struct berth_buf *b, uint32_t r);

/* unicode.IsSpace */
bool go_is_space(uint32_t r);

/* unicode.IsSpace applied to a single byte taken as a rune (Latin-1), as Go code does with rune(b). */
bool go_is_space_byte(unsigned char c);

/* strconv.IsPrint */
bool go_is_print(uint32_t r);

/* unicode.ToLower (simple mapping) */
uint32_t go_to_lower(uint32_t r);

/* Length of the prefix of s made of unicode.IsSpace runes. */
size_t go_space_prefix(const char *s, size_t len);
/* Length of the suffix of s made of unicode.IsSpace runes. */
size_t go_space_suffix(const char *s, size_t len);

/* strings.TrimSpace: *start and *len narrowed to the trimmed part. */
void go_trim_space(const char **s, size_t *len);

/* Appends strings.ToLower(s) (invalid bytes become U+FFFD as in Go). */
void go_buf_add_lower(struct berth_buf *b, const char *s, size_t len);

/* Appends strconv.Quote(s). */
void go_buf_add_quoted(struct berth_buf *b, const char *s, size_t len);

/* Appends fmt's %q of the integer v: strconv.QuoteRune, U+FFFD outside the runes. */
void go_buf_add_quoted_rune(struct berth_buf *b, int64_t v);
