/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 address management: subnets as (network, prefix) in host order, the
 * choice of a free subnet from Docker's default pools, and the lowest free
 * address of a subnet. Which addresses are used is the records' business
 * (store.c reads them under the networks lock); this file only computes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "network/network.h"

static uint32_t mask_of(unsigned prefix)
{
	return prefix == 0 ? 0 : ~(uint32_t)0 << (32 - prefix);
}

int berth_ipv4_parse(const char *s, uint32_t *ret, struct berth_error **err)
{
	struct in_addr a;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return berth_error_set(err, EINVAL, "invalid IPv4 address '%s'", s ? s : "");
	*ret = ntohl(a.s_addr);
	return 0;
}

void berth_ipv4_format(uint32_t addr, char buf[static 16])
{
	struct in_addr a = {.s_addr = htonl(addr)};
	inet_ntop(AF_INET, &a, buf, 16);
}

int berth_subnet_parse(const char *cidr, struct berth_subnet *ret, struct berth_error **err)
{
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	if (!slash || slash - cidr > 15)
		return berth_error_set(err, EINVAL, "invalid subnet '%s': want a.b.c.d/n",
				       cidr ? cidr : "");
	char a[16];
	memcpy(a, cidr, (size_t)(slash - cidr));
	a[slash - cidr] = '\0';
	uint32_t net;
	if (berth_ipv4_parse(a, &net, NULL) < 0)
		return berth_error_set(err, EINVAL, "invalid subnet '%s': want a.b.c.d/n", cidr);
	char *end;
	errno = 0;
	unsigned long p = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || p > 32)
		return berth_error_set(err, EINVAL, "invalid subnet '%s': bad prefix length", cidr);
	if (net & ~mask_of((unsigned)p)) {
		char want[16];
		berth_ipv4_format(net & mask_of((unsigned)p), want);
		return berth_error_set(
			err, EINVAL,
			"invalid subnet '%s': host bits are set (%s/%lu is its network)", cidr,
			want, p);
	}
	*ret = (struct berth_subnet){.net = net, .prefix = (unsigned)p};
	return 0;
}

bool berth_subnet_contains(const struct berth_subnet *s, uint32_t addr)
{
	return (addr & mask_of(s->prefix)) == s->net;
}

bool berth_subnet_overlaps(const struct berth_subnet *a, const struct berth_subnet *b)
{
	/* two prefixes overlap when the shorter one contains the other's network */
	return a->prefix <= b->prefix ? berth_subnet_contains(a, b->net)
				      : berth_subnet_contains(b, a->net);
}

/* A taken entry "a.b.c.d/n" whose host bits may be set (an address): masked. */
static bool parse_taken(const char *s, struct berth_subnet *ret)
{
	_cleanup_free_ char *a = berth_xstrdup(s);
	char *slash = strchr(a, '/');
	unsigned p = 32;
	if (slash) {
		*slash = '\0';
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end || v > 32)
			return false;
		p = (unsigned)v;
	}
	uint32_t net;
	if (berth_ipv4_parse(a, &net, NULL) < 0)
		return false;
	*ret = (struct berth_subnet){.net = net & mask_of(p), .prefix = p};
	return true;
}

static bool subnet_is_free(const struct berth_subnet *s, char *const *taken)
{
	BERTH_STRV_FOREACH (t, taken) {
		struct berth_subnet ts;
		if (parse_taken(*t, &ts) && berth_subnet_overlaps(s, &ts))
			return false;
	}
	return true;
}

int berth_ipam_choose_subnet(char *const *taken, struct berth_subnet *ret, struct berth_error **err)
{
	for (uint32_t b = 17; b <= 31; b++) {
		struct berth_subnet s = {.net = (172u << 24) | (b << 16), .prefix = 16};
		if (subnet_is_free(&s, taken)) {
			*ret = s;
			return 0;
		}
	}
	for (uint32_t c = 0; c < 256; c += 16) {
		struct berth_subnet s = {.net = (192u << 24) | (168u << 16) | (c << 8),
					 .prefix = 20};
		if (subnet_is_free(&s, taken)) {
			*ret = s;
			return 0;
		}
	}
	return berth_error_set(err, ENOSPC,
			       "all predefined address pools have been fully subnetted");
}

static bool addr_used(uint32_t a, const uint32_t *used, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (used[i] == a)
			return true;
	return false;
}

int berth_ipam_next_free(const struct berth_subnet *s, uint32_t gw, const uint32_t *used, size_t n,
			 uint32_t *ret, struct berth_error **err)
{
	uint32_t last = s->net | ~mask_of(s->prefix); /* broadcast */
	for (uint32_t a = s->net + 1; s->prefix < 31 && a < last; a++) {
		if (a == gw || addr_used(a, used, n))
			continue;
		*ret = a;
		return 0;
	}
	char net[16];
	berth_ipv4_format(s->net, net);
	return berth_error_set(err, ENOSPC, "no available IPv4 address in %s/%u", net, s->prefix);
}
