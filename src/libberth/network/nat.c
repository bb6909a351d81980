/* SPDX-License-Identifier: Apache-2.0 */
#include "network/nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/lazylib.h"
#include "core/names.h"
#include "core/strv.h"
#include "network/ports.h"

#define NAT_TABLE "ip berth"
/* A container id is 64 hex digits; leave room for names given by callers. */
#define OWNER_MAX  128
#define BRIDGE_MAX 15 /* IFNAMSIZ - 1 */

static bool ipv4_is_valid(const char *s)
{
	struct in_addr a;
	return s && inet_pton(AF_INET, s, &a) == 1;
}

/* a.b.c.d/len with 0 <= len <= 32, written back normalised into out. */
static int cidr4_parse(const char *cidr, char out[static 19], struct berth_error **err)
{
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	char addr[INET_ADDRSTRLEN] = "";
	if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
		return berth_error_set(err, EINVAL, "invalid subnet '%s'", cidr ? cidr : "");
	memcpy(addr, cidr, (size_t)(slash - cidr));
	char *end = NULL;
	errno = 0;
	long len = strtol(slash + 1, &end, 10);
	if (!ipv4_is_valid(addr) || slash[1] < '0' || slash[1] > '9' || *end || errno || len < 0 ||
	    len > 32)
		return berth_error_set(err, EINVAL, "invalid subnet '%s'", cidr);
	snprintf(out, 19, "%s/%ld", addr, len);
	return 0;
}

/* The first line of libnftables' error text, for one-line messages. */
static void first_error_line(const char *text, struct berth_buf *out)
{
	const char *p = text ? text : "";
	while (*p == '\n')
		p++;
	const char *e = strchr(p, '\n');
	berth_buf_add(out, p, e ? (size_t)(e - p) : strlen(p));
	if (out->len == 0)
		berth_buf_addstr(out, "unknown error");
}

/*
 * Runs cmds (one nftables transaction). With ret_json the output is the
 * JSON listing, handles included, returned to the caller.
 */
static int nft_run(const char *cmds, char **ret_json, struct berth_error **err)
{
	int r = berth_lib_load(BERTH_LIB_NFTABLES, err);
	if (r < 0)
		return r;
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return berth_error_set(err, ENOMEM, "nftables: cannot create a context");
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (ret_json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	r = 0;
	if (nft_run_cmd_from_buffer(ctx, cmds) != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		_cleanup_(berth_buf_releasep) struct berth_buf line = BERTH_BUF_INIT;
		first_error_line(e, &line);
		int code = EIO;
		if (e && strstr(e, "Operation not permitted"))
			code = EPERM;
		else if (e && strstr(e, "No such file or directory"))
			code = ENOENT;
		r = berth_error_set(err, code, "nftables: %s", line.buf);
	} else if (ret_json) {
		*ret_json = berth_xstrdup(nft_ctx_get_output_buffer(ctx));
	}
	nft_ctx_free(ctx);
	return r;
}

static void add_base(struct berth_buf *b)
{
	berth_buf_addstr(
		b,
		"add table " NAT_TABLE "\n"
		"add chain " NAT_TABLE " prerouting { type nat hook prerouting priority -100; }\n"
		"add chain " NAT_TABLE " output { type nat hook output priority -100; }\n"
		"add chain " NAT_TABLE " postrouting { type nat hook postrouting priority 100; }\n"
		"add chain " NAT_TABLE " forward { type filter hook forward priority 0; }\n");
}

/* The table as libnftables' JSON (handles included); *ret NULL when there is no table. */
static int list_table(json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_error_ struct berth_error *e = NULL;
	*ret = NULL;
	int r = nft_run("list table " NAT_TABLE "\n", &out, &e);
	if (r == -ENOENT)
		return 0; /* no table: nothing of anyone */
	if (r < 0) {
		if (err) {
			*err = e;
			e = NULL;
		}
		return r;
	}
	return berth_json_parse(out, strlen(out), "nftables listing", ret, err);
}

/*
 * Appends to b the commands that remove every jump whose comment is tag and
 * the chains named in chains[] that exist, found in the current listing.
 */
static int add_removal(struct berth_buf *b, const char *tag, const char *const *chains,
		       struct berth_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	int r = list_table(&root, err);
	if (r < 0 || !root)
		return r;
	json_t *items = json_object_get(root, "nftables");
	size_t i;
	json_t *it;
	json_array_foreach (items, i, it) {
		json_t *rule = json_object_get(it, "rule");
		if (rule) {
			const char *comment = json_string_value(json_object_get(rule, "comment"));
			const char *chain = json_string_value(json_object_get(rule, "chain"));
			json_t *handle = json_object_get(rule, "handle");
			if (comment && chain && json_is_integer(handle) &&
			    strcmp(comment, tag) == 0 && berth_word_is_valid(chain, 256))
				berth_buf_addf(b, "delete rule " NAT_TABLE " %s handle %lld\n",
					       chain, (long long)json_integer_value(handle));
		}
	}
	json_array_foreach (items, i, it) {
		json_t *chain = json_object_get(it, "chain");
		const char *name = json_string_value(json_object_get(chain, "name"));
		for (size_t c = 0; name && chains[c]; c++)
			if (strcmp(name, chains[c]) == 0)
				berth_buf_addf(b,
					       "flush chain " NAT_TABLE " %s\n"
					       "delete chain " NAT_TABLE " %s\n",
					       name, name);
	}
	return 0;
}

/* Writes "1" to /proc/sys/net/ipv4/<rel>. */
static int sysctl_enable(const char *rel, struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xasprintf("/proc/sys/net/ipv4/%s", rel);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", path);
	int r = berth_write_all(fd, "1\n", 2, err);
	if (r < 0)
		return berth_error_prefix(err, "write '%s'", path);
	return 0;
}

int berth_net_nat_setup(const char *bridge, const char *subnet_cidr, bool internal,
			struct berth_error **err)
{
	char subnet[19];
	if (!berth_word_is_valid(bridge, BRIDGE_MAX))
		return berth_error_set(err, EINVAL, "invalid bridge name '%s'",
				       bridge ? bridge : "");
	int r = cidr4_parse(subnet_cidr, subnet, err);
	if (r < 0)
		return r;

	/* The output chain's DNAT of 127.0.0.1 sends loopback-sourced packets
	 * out through the bridge; the kernel drops them as martians unless
	 * route_localnet is set on it. Forwarding is what masquerade is for. */
	_cleanup_free_ char *localnet = berth_xasprintf("conf/%s/route_localnet", bridge);
	r = sysctl_enable(localnet, err);
	if (r < 0)
		return r;
	r = sysctl_enable("ip_forward", err);
	if (r < 0)
		return r;

	_cleanup_free_ char *tag = berth_xasprintf("bridge:%s", bridge);
	_cleanup_free_ char *post = berth_xasprintf("post-%s", bridge);
	_cleanup_free_ char *fwd = berth_xasprintf("fwd-%s", bridge);
	const char *chains[] = {post, fwd, NULL};
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	add_base(&b);
	r = add_removal(&b, tag, chains, err);
	if (r < 0)
		return r;
	berth_buf_addf(&b, "add chain " NAT_TABLE " %s\n", post);
	if (!internal)
		berth_buf_addf(
			&b, "add rule " NAT_TABLE " %s ip saddr %s oifname != \"%s\" masquerade\n",
			post, subnet, bridge);
	/* Hairpin: a container reaching a published port of the host that
	 * leads back into its own bridge would get the answer straight over
	 * the bridge, from an address it did not call; masquerading sends the
	 * answer through the host, where conntrack undoes the DNAT. */
	berth_buf_addf(&b,
		       "add rule " NAT_TABLE " %s ip saddr 127.0.0.0/8 oifname \"%s\" masquerade\n"
		       "add rule " NAT_TABLE
		       " %s ip saddr %s oifname \"%s\" ct status dnat masquerade\n"
		       "add rule " NAT_TABLE " postrouting jump %s comment \"%s\"\n",
		       post, bridge, post, subnet, bridge, post, tag);
	if (internal)
		berth_buf_addf(&b,
			       "add chain " NAT_TABLE " %s\n"
			       "add rule " NAT_TABLE " %s iifname \"%s\" oifname != \"%s\" drop\n"
			       "add rule " NAT_TABLE " %s oifname \"%s\" iifname != \"%s\" drop\n"
			       "add rule " NAT_TABLE " forward jump %s comment \"%s\"\n",
			       fwd, fwd, bridge, bridge, fwd, bridge, bridge, fwd, tag);
	r = nft_run(b.buf, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "NAT for bridge '%s'", bridge);
	return 0;
}

/* Runs the removal of an owner's jumps and chains; nothing when none exist. */
static int remove_owned(const char *tag, const char *const *chains, struct berth_error **err)
{
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	int r = add_removal(&b, tag, chains, err);
	if (r < 0 || b.len == 0)
		return r;
	return nft_run(b.buf, NULL, err);
}

int berth_net_nat_teardown(const char *bridge, struct berth_error **err)
{
	if (!berth_word_is_valid(bridge, BRIDGE_MAX))
		return berth_error_set(err, EINVAL, "invalid bridge name '%s'",
				       bridge ? bridge : "");
	_cleanup_free_ char *tag = berth_xasprintf("bridge:%s", bridge);
	_cleanup_free_ char *post = berth_xasprintf("post-%s", bridge);
	_cleanup_free_ char *fwd = berth_xasprintf("fwd-%s", bridge);
	const char *chains[] = {post, fwd, NULL};
	int r = remove_owned(tag, chains, err);
	if (r < 0)
		return berth_error_prefix(err, "remove NAT of bridge '%s'", bridge);
	return 0;
}

/* The match of a map's destination: its address, or every local one. */
static void add_port_rule(struct berth_buf *b, const char *chain, const struct berth_port_map *m,
			  const char *container_ip)
{
	const char *proto = berth_port_proto_name(m->proto);
	berth_buf_addf(b, "add rule " NAT_TABLE " %s ", chain);
	if (m->host_ip[0] && strcmp(m->host_ip, "0.0.0.0") != 0)
		berth_buf_addf(b, "ip daddr %s ", m->host_ip);
	else
		berth_buf_addstr(b, "fib daddr type local ");
	berth_buf_addf(b, "%s dport %u dnat to %s:%u\n", proto, m->host_port, container_ip,
		       m->container_port);
}

static int check_map(const struct berth_port_map *m, struct berth_error **err)
{
	if (m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP)
		return berth_error_set(err, EINVAL, "invalid proto: %d", m->proto);
	if (m->host_port == 0 || m->container_port == 0)
		return berth_error_set(err, EINVAL, "port 0 cannot be forwarded");
	if (m->host_ip[0] && !ipv4_is_valid(m->host_ip))
		return berth_error_set(err, EINVAL, "invalid IP address: %.46s (IPv4 only)",
				       m->host_ip);
	return 0;
}

int berth_net_nat_ports_add(const char *owner, const char *container_ip,
			    const struct berth_port_map *maps, size_t n, bool replace,
			    struct berth_error **err)
{
	if (!berth_word_is_valid(owner, OWNER_MAX))
		return berth_error_set(err, EINVAL, "invalid owner '%s'", owner ? owner : "");
	if (!ipv4_is_valid(container_ip))
		return berth_error_set(err, EINVAL, "invalid container address '%s'",
				       container_ip ? container_ip : "");
	for (size_t i = 0; i < n; i++) {
		int r = check_map(&maps[i], err);
		if (r < 0)
			return r;
	}
	_cleanup_free_ char *tag = berth_xasprintf("port:%s", owner);
	_cleanup_free_ char *pre = berth_xasprintf("pre-%s", owner);
	_cleanup_free_ char *out = berth_xasprintf("out-%s", owner);
	const char *chains[] = {pre, out, NULL};
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	add_base(&b);
	int r = replace ? add_removal(&b, tag, chains, err) : 0;
	if (r < 0)
		return r;
	if (n > 0) {
		berth_buf_addf(&b, "add chain " NAT_TABLE " %s\nadd chain " NAT_TABLE " %s\n", pre,
			       out);
		for (size_t i = 0; i < n; i++) {
			add_port_rule(&b, pre, &maps[i], container_ip);
			add_port_rule(&b, out, &maps[i], container_ip);
		}
		berth_buf_addf(&b,
			       "add rule " NAT_TABLE " prerouting jump %s comment \"%s\"\n"
			       "add rule " NAT_TABLE " output jump %s comment \"%s\"\n",
			       pre, tag, out, tag);
	}
	r = nft_run(b.buf, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "publish ports of '%s'", owner);
	return 0;
}

int berth_net_nat_ports_remove(const char *owner, struct berth_error **err)
{
	if (!berth_word_is_valid(owner, OWNER_MAX))
		return berth_error_set(err, EINVAL, "invalid owner '%s'", owner ? owner : "");
	_cleanup_free_ char *tag = berth_xasprintf("port:%s", owner);
	_cleanup_free_ char *pre = berth_xasprintf("pre-%s", owner);
	_cleanup_free_ char *out = berth_xasprintf("out-%s", owner);
	const char *chains[] = {pre, out, NULL};
	int r = remove_owned(tag, chains, err);
	if (r < 0)
		return berth_error_prefix(err, "remove published ports of '%s'", owner);
	return 0;
}

int berth_net_nat_owners(const char *kind, char ***ret, struct berth_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	int r = list_table(&root, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **owners = NULL;
	size_t klen = strlen(kind);
	size_t i;
	json_t *it;
	json_array_foreach (json_object_get(root, "nftables"), i, it) {
		const char *comment =
			json_string_value(json_object_get(json_object_get(it, "rule"), "comment"));
		if (!comment || strncmp(comment, kind, klen) != 0 || comment[klen] != ':')
			continue;
		const char *owner = comment + klen + 1;
		if (berth_word_is_valid(owner, OWNER_MAX) && !berth_strv_contains(owners, owner))
			berth_strv_push(&owners, owner);
	}
	*ret = TAKE_PTR(owners);
	return 0;
}
