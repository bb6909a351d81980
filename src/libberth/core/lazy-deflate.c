/* SPDX-License-Identifier: Apache-2.0 */
/* libdeflate, loaded on first use (see core/lazylib.h). */
#include <libdeflate.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(struct libdeflate_compressor *, libdeflate_alloc_compressor, (int l), (l))               \
	F(size_t, libdeflate_deflate_compress,                                                     \
	  (struct libdeflate_compressor * c, const void *in, size_t n, void *out, size_t avail),   \
	  (c, in, n, out, avail))                                                                  \
	V(libdeflate_free_compressor, (struct libdeflate_compressor * c), (c))

#define LAZYLIB_LIB BERTH_LIB_DEFLATE
LAZYLIB_MODULE(berth_lazy_deflate, "deflate", "libdeflate.so.0", SYMS)
