/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nftables table berth lists (system check, the removal of an owner
 * found by listing) is shared with every other root process of the host,
 * which may put anything into it: whatever it holds, berth's scan yields
 * only owners that are names and removal commands made of validated words,
 * addresses and numbers (nothing that could add a command of its own).
 * Input: a listing as libnftables' JSON, up to 64 KiB.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/names.h"
#include "core/strv.h"
#include "network/nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct berth_error *err = NULL;
	char **owners = NULL;
	char *removal = NULL;
	int r = berth_net_nat_listing_scan((const char *)data, size, "ab", &owners, &removal, &err);
	if (r < 0) {
		if (!berth_error_msg(err)[0])
			__builtin_trap();
		berth_error_free(&err);
		return 0;
	}
	BERTH_STRV_FOREACH (o, owners)
		if (!berth_word_is_valid(*o, 128))
			__builtin_trap();
	for (const char *line = removal; *line;) {
		const char *end = strchr(line, '\n');
		if (!end)
			__builtin_trap(); /* every command is a whole line */
		if (strncmp(line, "delete ", 7) != 0 && strncmp(line, "flush ", 6) != 0)
			__builtin_trap();
		if (strncmp(line, "delete element ", 15) != 0 &&
		    memchr(line, '{', (size_t)(end - line)))
			__builtin_trap();
		for (const char *p = line; p < end; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    " _.:{}-",
				    *p))
				__builtin_trap();
		line = end + 1;
	}
	berth_strv_free(owners);
	free(removal);
	return 0;
}
