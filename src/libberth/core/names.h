/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Docker's names of containers, volumes and networks:
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*, between min and max bytes long.
 */
bool berth_object_name_is_valid(const char *name, size_t min, size_t max);

/*
 * A word that goes into a path, an interface name, a hosts file or an
 * nftables command as is: [A-Za-z0-9_.-], 1 to max bytes, punctuation
 * first allowed, but neither "." nor "..". False for NULL.
 */
bool berth_word_is_valid(const char *s, size_t max);
