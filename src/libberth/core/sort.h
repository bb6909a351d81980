/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdlib.h>

/*
 * qsort that accepts an empty array given as NULL: C leaves qsort(NULL, 0, …)
 * undefined and UBSan reports it, while an empty, never-allocated vector is
 * the natural state of most of berth's arrays.
 */
static inline void berth_qsort(void *base, size_t n, size_t size,
			       int (*cmp)(const void *, const void *))
{
	if (base && n > 1)
		qsort(base, n, size, cmp);
}
