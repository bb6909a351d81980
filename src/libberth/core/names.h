/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Docker's names of containers, volumes and networks:
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*, between min and max bytes long.
 */
bool berth_object_name_is_valid(const char *name, size_t min, size_t max);
