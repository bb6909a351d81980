/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * sha256 content digests, the names of everything in the store.
 * A digest's text form is "sha256:" + 64 lowercase hex digits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define BERTH_DIGEST_STRLEN 71 /* "sha256:" + 64 */

struct berth_digest {
	uint8_t bytes[32];
};

/* Streaming hasher. _init never fails (OOM aborts). */
struct berth_sha256;
struct berth_sha256 *berth_sha256_new(void);
void berth_sha256_update(struct berth_sha256 *h, const void *data, size_t len);
/* Writes the digest; the hasher can then be reused after berth_sha256_reset(). */
void berth_sha256_final(struct berth_sha256 *h, struct berth_digest *ret);
void berth_sha256_reset(struct berth_sha256 *h);
void berth_sha256_free(struct berth_sha256 *h);
static inline void berth_sha256_freep(struct berth_sha256 **h)
{
	if (*h)
		berth_sha256_free(*h);
}

void berth_digest_of(const void *data, size_t len, struct berth_digest *ret);

/* Formats into out, which must hold BERTH_DIGEST_STRLEN + 1 bytes; returns out. */
char *berth_digest_fmt(const struct berth_digest *d, char *out);
/* The 64 hex digits alone into out[65]; returns out. */
char *berth_digest_hex(const struct berth_digest *d, char *out);

/*
 * Parses "sha256:<64 lowercase hex>". Anything else (other algorithms,
 * uppercase, wrong length) is EINVAL with a message naming the input.
 */
int berth_digest_parse(const char *s, struct berth_digest *ret, struct berth_error **err);
/* Parses 64 lowercase hex digits alone. */
int berth_digest_parse_hex(const char *hex, struct berth_digest *ret, struct berth_error **err);
bool berth_digest_eq(const struct berth_digest *a, const struct berth_digest *b);

/* Hashes the rest of fd (read until EOF). */
int berth_digest_fd(int fd, struct berth_digest *ret, uint64_t *ret_size, struct berth_error **err);
