/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A portable one-shot SHA-256 (FIPS 180-4) for small inputs. berth hashes
 * with libcrypto (fast, SHA-NI), but loading libcrypto costs a process more
 * than hashing a few kilobytes; berth_digest_of() uses this for inputs up to
 * BERTH_SHA256_SMALL_MAX while libcrypto is not loaded yet, so that `run`,
 * which verifies only a manifest and a config, never loads it.
 */

#include <stddef.h>
#include <stdint.h>

#define BERTH_SHA256_SMALL_MAX (256 * 1024)

/* Writes the 32-byte SHA-256 of data[0..len) to out. */
void berth_sha256_small(const void *data, size_t len, uint8_t out[32]);
