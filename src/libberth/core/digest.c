/* SPDX-License-Identifier: Apache-2.0 */
#include "core/digest.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/lazylib.h"
#include "core/sha256.h"

struct berth_sha256 {
	EVP_MD_CTX *ctx;
};

struct berth_sha256 *berth_sha256_new(void)
{
	struct berth_sha256 *h = berth_xmalloc(sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		berth_oom();
	return h;
}

void berth_sha256_update(struct berth_sha256 *h, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
		berth_oom();
}

void berth_sha256_final(struct berth_sha256 *h, struct berth_digest *ret)
{
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(h->ctx, ret->bytes, &n) != 1 || n != sizeof(ret->bytes))
		berth_oom();
}

void berth_sha256_reset(struct berth_sha256 *h)
{
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		berth_oom();
}

void berth_sha256_free(struct berth_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void berth_digest_of(const void *data, size_t len, struct berth_digest *ret)
{
	unsigned int n = 0;
	/* see core/sha256.h: small inputs do not load libcrypto */
	if (len <= BERTH_SHA256_SMALL_MAX && !berth_lib_is_loaded(BERTH_LIB_CRYPTO)) {
		berth_sha256_small(data, len, ret->bytes);
		return;
	}
	if (EVP_Digest(data, len, ret->bytes, &n, EVP_sha256(), NULL) != 1)
		berth_oom();
}

char *berth_digest_hex(const struct berth_digest *d, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(d->bytes); i++) {
		out[2 * i] = hex[d->bytes[i] >> 4];
		out[2 * i + 1] = hex[d->bytes[i] & 15];
	}
	out[64] = '\0';
	return out;
}

char *berth_digest_fmt(const struct berth_digest *d, char *out)
{
	memcpy(out, "sha256:", 7);
	berth_digest_hex(d, out + 7);
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int berth_digest_parse_hex(const char *hex, struct berth_digest *ret, struct berth_error **err)
{
	struct berth_digest d;
	if (strlen(hex) != 64)
		return berth_error_set(err, EINVAL, "invalid digest '%.80s': want 64 hex digits",
				       hex);
	for (size_t i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return berth_error_set(err, EINVAL,
					       "invalid digest '%.80s': not lowercase hex", hex);
		d.bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	*ret = d;
	return 0;
}

int berth_digest_parse(const char *s, struct berth_digest *ret, struct berth_error **err)
{
	if (strncmp(s, "sha256:", 7) != 0) {
		const char *colon = strchr(s, ':');
		if (colon)
			return berth_error_set(err, EINVAL,
					       "unsupported digest algorithm '%.*s' in '%.80s'",
					       (int)(colon - s > 32 ? 32 : colon - s), s, s);
		return berth_error_set(err, EINVAL, "invalid digest '%.80s'", s);
	}
	int r = berth_digest_parse_hex(s + 7, ret, NULL);
	if (r < 0)
		return berth_error_set(err, EINVAL, "invalid digest '%.80s'", s);
	return 0;
}

bool berth_digest_eq(const struct berth_digest *a, const struct berth_digest *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

int berth_digest_fd(int fd, struct berth_digest *ret, uint64_t *ret_size, struct berth_error **err)
{
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	static __thread char buf[1 << 16];
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_syscall(err, errno, "read");
		}
		if (n == 0)
			break;
		berth_sha256_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	berth_sha256_final(h, ret);
	if (ret_size)
		*ret_size = total;
	return 0;
}
