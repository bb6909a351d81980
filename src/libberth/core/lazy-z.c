/* SPDX-License-Identifier: Apache-2.0 */
/* zlib, loaded on first use (see core/lazylib.h). */
#include <zlib.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(int, deflateInit2_,                                                                      \
	  (z_streamp s, int l, int m, int w, int ml, int st, const char *v, int n),                \
	  (s, l, m, w, ml, st, v, n))                                                              \
	F(int, deflate, (z_streamp s, int f), (s, f))                                              \
	F(int, deflateEnd, (z_streamp s), (s))                                                     \
	F(int, deflateReset, (z_streamp s), (s))                                                   \
	F(int, deflateSetDictionary, (z_streamp s, const Bytef *d, uInt n), (s, d, n))             \
	F(uLong, crc32, (uLong c, const Bytef *b, uInt n), (c, b, n))                              \
	F(int, inflateInit2_, (z_streamp s, int w, const char *v, int n), (s, w, v, n))            \
	F(int, inflate, (z_streamp s, int f), (s, f))                                              \
	F(int, inflateReset, (z_streamp s), (s))                                                   \
	F(int, inflateEnd, (z_streamp s), (s))

#define LAZYLIB_LIB BERTH_LIB_Z
LAZYLIB_MODULE(berth_lazy_z, "zlib", "libz.so.1", SYMS)
