/* SPDX-License-Identifier: Apache-2.0 */
/* libcrypto (OpenSSL 3), loaded on first use (see core/lazylib.h). */
#include <openssl/evp.h>

#include "core/lazylib-shim.h"

typedef EVP_MD_CTX C;

#define SYMS(F, V, H)                                                                              \
	F(const EVP_MD *, EVP_sha256, (void), ())                                                  \
	F(C *, EVP_MD_CTX_new, (void), ())                                                         \
	V(EVP_MD_CTX_free, (C * c), (c))                                                           \
	F(int, EVP_DigestInit_ex, (C * c, const EVP_MD *t, ENGINE *e), (c, t, e))                  \
	F(int, EVP_DigestUpdate, (C * c, const void *d, size_t n), (c, d, n))                      \
	F(int, EVP_DigestFinal_ex, (C * c, unsigned char *md, unsigned int *n), (c, md, n))        \
	F(int, EVP_Digest,                                                                         \
	  (const void *d, size_t n, unsigned char *md, unsigned int *mdn, const EVP_MD *t,         \
	   ENGINE *e),                                                                             \
	  (d, n, md, mdn, t, e))

#define LAZYLIB_LIB BERTH_LIB_CRYPTO
LAZYLIB_MODULE(berth_lazy_crypto, "crypto", "libcrypto.so.3", SYMS)
