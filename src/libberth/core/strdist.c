/* SPDX-License-Identifier: Apache-2.0 */
#include "core/strdist.h"

#include <stdint.h>
#include <string.h>

size_t berth_strdist(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[BERTH_STRDIST_MAX_LEN + 1];

	if (la > BERTH_STRDIST_MAX_LEN || lb > BERTH_STRDIST_MAX_LEN)
		return SIZE_MAX;
	/* one row of the matrix: row[j] is the distance of a[0..i) to b[0..j) */
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}
