/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * base64 (RFC 4648), the one codec of the library: the registry's Basic
 * credentials and config.json "auth", the API's X-Registry-Auth and
 * X-Docker-Container-Path-Stat headers, Kubernetes Secret data.
 */

#include <stddef.h>

enum berth_base64_mode {
	/*
	 * Standard alphabet, padded to a multiple of 4, as Go's
	 * base64.StdEncoding (so Kubernetes, for Secret data): CR and LF are
	 * skipped anywhere, any other byte outside the alphabet is refused.
	 */
	BERTH_BASE64_STRICT,
	/*
	 * Standard or URL alphabet ('+' '/' or '-' '_'), padding optional
	 * (Docker's X-Registry-Auth, config.json "auth"); padding, when there,
	 * is exactly what the length asks for and only at the end.
	 */
	BERTH_BASE64_LENIENT,
};

/*
 * Decodes the len bytes at s. On success returns 0 with *ret owned and
 * NUL-terminated (a NUL may also be inside: compare with *ret_len) and
 * *ret_len (may be NULL) its length. On bad input returns -EINVAL, writes
 * nothing to *ret, and sets *ret_bad (may be NULL) to the offset of the
 * first byte that cannot be base64 there, or to len when the input ends
 * early (a lone last character, padding missing or incomplete). The bytes
 * decoded before the fault are wiped, as decoded text is often a secret.
 * Bits left over in the last character are ignored, as Go does.
 */
int berth_base64_decode(const char *s, size_t len, enum berth_base64_mode mode, char **ret,
			size_t *ret_len, size_t *ret_bad);

/* Standard alphabet, padded, of len bytes: owned and NUL-terminated. */
char *berth_base64_encode(const void *data, size_t len);
