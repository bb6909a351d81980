/* SPDX-License-Identifier: Apache-2.0 */
/* libzstd, loaded on first use (see core/lazylib.h). */
#define ZSTDLIB_VISIBLE /* zstd.h marks its API visible; ours takes the default */
#include <zstd.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(unsigned, ZSTD_isError, (size_t c), (c))                                                 \
	F(const char *, ZSTD_getErrorName, (size_t c), (c))                                        \
	F(ZSTD_CStream *, ZSTD_createCStream, (void), ())                                          \
	F(size_t, ZSTD_freeCStream, (ZSTD_CStream * z), (z))                                       \
	F(size_t, ZSTD_CCtx_setParameter, (ZSTD_CCtx * z, ZSTD_cParameter p, int v), (z, p, v))    \
	F(size_t, ZSTD_compressStream2,                                                            \
	  (ZSTD_CCtx * z, ZSTD_outBuffer * o, ZSTD_inBuffer * i, ZSTD_EndDirective e),             \
	  (z, o, i, e))                                                                            \
	F(ZSTD_DStream *, ZSTD_createDStream, (void), ())                                          \
	F(size_t, ZSTD_freeDStream, (ZSTD_DStream * z), (z))                                       \
	F(size_t, ZSTD_initDStream, (ZSTD_DStream * z), (z))                                       \
	F(size_t, ZSTD_decompressStream,                                                           \
	  (ZSTD_DStream * z, ZSTD_outBuffer * o, ZSTD_inBuffer * i), (z, o, i))

#define LAZYLIB_LIB BERTH_LIB_ZSTD
LAZYLIB_MODULE(berth_lazy_zstd, "zstd", "libzstd.so.1", SYMS)
