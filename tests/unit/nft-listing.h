/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * What the network unit tests look at nftables with: the ruleset, listed
 * through libnftables directly (not through the code under test).
 */
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

/* The ruleset of this namespace as `nft list ruleset` prints it (malloc'd), or NULL. */
static inline char *ruleset(void)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return NULL;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	char *out = NULL;
	if (nft_run_cmd_from_buffer(ctx, "list ruleset") == 0)
		out = strdup(nft_ctx_get_output_buffer(ctx));
	nft_ctx_free(ctx);
	return out;
}

/* How many times needle occurs in hay. */
static inline size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}
