/* SPDX-License-Identifier: Apache-2.0 */
/* libnftables, loaded on first use (see core/lazylib.h): only the commands
 * that install NAT or published ports need it, not every `run`. */
#include <nftables/libnftables.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(struct nft_ctx *, nft_ctx_new, (uint32_t flags), (flags))                                \
	V(nft_ctx_free, (struct nft_ctx * ctx), (ctx))                                             \
	V(nft_ctx_output_set_flags, (struct nft_ctx * ctx, unsigned int flags), (ctx, flags))      \
	F(int, nft_ctx_buffer_output, (struct nft_ctx * ctx), (ctx))                               \
	F(const char *, nft_ctx_get_output_buffer, (struct nft_ctx * ctx), (ctx))                  \
	F(int, nft_ctx_buffer_error, (struct nft_ctx * ctx), (ctx))                                \
	F(const char *, nft_ctx_get_error_buffer, (struct nft_ctx * ctx), (ctx))                   \
	F(int, nft_run_cmd_from_buffer, (struct nft_ctx * nft, const char *buf), (nft, buf))

#define LAZYLIB_LIB BERTH_LIB_NFTABLES
LAZYLIB_MODULE(berth_lazy_nftables, "nftables", "libnftables.so.1", SYMS)
