/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Process environments as NULL-terminated "KEY=VALUE" vectors (an image's
 * Env, a container's -e list, the runtime's execve array), with Docker's
 * rules: keys compare by bytes, and a later KEY=VALUE replaces an earlier
 * one in place, keeping the order of first appearance.
 */

/* The value of key in env, or NULL when env has no "key=" entry. */
const char *berth_env_get(char *const *env, const char *key);

/*
 * Sets kv ("KEY=VALUE", or a bare "KEY") in *env: replaces the entry with the
 * same key (with or without a value), or appends a copy.
 */
void berth_env_set(char ***env, const char *kv);
