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
#include "network/natlink.h"
#include "network/ports.h"

#define NAT_TABLE "ip berth"
/* A container id is 64 hex digits; leave room for names given by callers. */
#define OWNER_MAX  NATLINK_OWNER_MAX
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

/*
 * The table, its base chains and the fixed structure of published ports:
 * two maps from (proto, [host address,] host port) to (container address,
 * port) and, in prerouting and output, the two rules that DNAT through
 * them. Idempotent: the chains of these rules are flushed and refilled in
 * the same transaction. Publishing a port is then adding elements
 * (natlink.c), and releasing it deleting them.
 */
#define MAP_TYPE_DATA " : ipv4_addr . inet_service; }\n"
#define PUBLISH_RULES(chain)                                                                       \
	"add rule " NAT_TABLE " " chain                                                            \
	" dnat ip to meta l4proto . ip daddr . th dport map @" NATLINK_MAP_ADDR "\n"               \
	"add rule " NAT_TABLE " " chain " fib daddr type local"                                    \
	" dnat ip to meta l4proto . th dport map @" NATLINK_MAP_ANY "\n"

static void add_base(struct berth_buf *b)
{
	berth_buf_addstr(
		b,
		"add table " NAT_TABLE "\n"
		"add chain " NAT_TABLE " prerouting { type nat hook prerouting priority -100; }\n"
		"add chain " NAT_TABLE " output { type nat hook output priority -100; }\n"
		"add chain " NAT_TABLE " postrouting { type nat hook postrouting priority 100; }\n"
		"add chain " NAT_TABLE " forward { type filter hook forward priority 0; }\n"
		"add map " NAT_TABLE " " NATLINK_MAP_ADDR
		" { type inet_proto . ipv4_addr . inet_service" MAP_TYPE_DATA "add map " NAT_TABLE
		" " NATLINK_MAP_ANY " { type inet_proto . inet_service" MAP_TYPE_DATA
		"add chain " NAT_TABLE " publish-pre { type nat hook prerouting priority -100; }\n"
		"add chain " NAT_TABLE " publish-out { type nat hook output priority -100; }\n"
		"flush chain " NAT_TABLE " publish-pre\n"
		"flush chain " NAT_TABLE " publish-out\n" PUBLISH_RULES("publish-pre")
			PUBLISH_RULES("publish-out"));
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
 * One element of a port map as libnftables lists it,
 * [{"elem": {"val": {"concat": [PROTO, [ADDR,] PORT]}, "comment": C}}, DATA]:
 * its comment and key in *m. False for anything else (no comment, another
 * shape, a value out of range): the listing is the kernel's, but nothing
 * from it is used unchecked.
 */
static bool listed_elem(json_t *pair, bool any, const char **ret_comment, struct berth_port_map *m)
{
	json_t *elem = json_object_get(json_array_get(pair, 0), "elem");
	const char *comment = json_string_value(json_object_get(elem, "comment"));
	json_t *key = json_object_get(json_object_get(elem, "val"), "concat");
	if (!comment || !json_is_array(key) || json_array_size(key) != (any ? 2u : 3u))
		return false;
	const char *proto = json_string_value(json_array_get(key, 0));
	json_t *port = json_array_get(key, any ? 1 : 2);
	const char *addr = any ? "" : json_string_value(json_array_get(key, 1));
	if (!proto || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) ||
	    !json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535 || !addr || (!any && !ipv4_is_valid(addr)))
		return false;
	memset(m, 0, sizeof(*m));
	snprintf(m->host_ip, sizeof(m->host_ip), "%s", addr);
	m->proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	m->host_port = (uint16_t)json_integer_value(port);
	*ret_comment = comment;
	return true;
}

/* Calls f for every element with a comment of the table's port maps in a listing. */
static void foreach_listed_elem(json_t *root,
				void (*f)(const char *set, const char *comment,
					  const struct berth_port_map *m, void *data),
				void *data)
{
	size_t i, j;
	json_t *it, *pair;
	json_array_foreach (json_object_get(root, "nftables"), i, it) {
		json_t *map = json_object_get(it, "map");
		const char *name = json_string_value(json_object_get(map, "name"));
		if (!name ||
		    (strcmp(name, NATLINK_MAP_ADDR) != 0 && strcmp(name, NATLINK_MAP_ANY) != 0))
			continue;
		bool any = strcmp(name, NATLINK_MAP_ANY) == 0;
		json_array_foreach (json_object_get(map, "elem"), j, pair) {
			const char *comment;
			struct berth_port_map m;
			if (listed_elem(pair, any, &comment, &m))
				f(name, comment, &m, data);
		}
	}
}

struct elem_removal {
	struct berth_buf *b;
	const char *tag;
};

static void add_elem_removal(const char *set, const char *comment, const struct berth_port_map *m,
			     void *data)
{
	struct elem_removal *er = data;
	if (strcmp(comment, er->tag) != 0)
		return;
	berth_buf_addf(er->b, "delete element " NAT_TABLE " %s { %s . ", set,
		       berth_port_proto_name(m->proto));
	if (m->host_ip[0])
		berth_buf_addf(er->b, "%s . ", m->host_ip);
	berth_buf_addf(er->b, "%u }\n", m->host_port);
}

/*
 * Appends to b the commands that remove every jump whose comment is tag,
 * the chains named in chains[] that exist and the port map elements whose
 * comment is tag, found in the current listing. (Jumps and chains per
 * container are what berth before the port maps made; they may still be
 * there after an update.)
 */
static void removal_from_listing(json_t *root, struct berth_buf *b, const char *tag,
				 const char *const *chains)
{
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
	foreach_listed_elem(root, add_elem_removal, &(struct elem_removal){.b = b, .tag = tag});
}

/* removal_from_listing() of the current listing. */
static int add_removal(struct berth_buf *b, const char *tag, const char *const *chains,
		       struct berth_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	int r = list_table(&root, err);
	if (r < 0 || !root)
		return r;
	removal_from_listing(root, b, tag, chains);
	return 0;
}

/*
 * What an owner has under its name: the comment of its jumps and elements,
 * and its chains (a bridge's post-/fwd-; a container's pre-/out-, which only
 * berth before the port maps made).
 */
struct owned {
	char *tag;
	char *names[2];
	const char *chains[3];
};

static void owned_init(struct owned *o, bool bridge, const char *name)
{
	o->tag = berth_xasprintf("%s:%s", bridge ? "bridge" : "port", name);
	o->names[0] = berth_xasprintf("%s-%s", bridge ? "post" : "pre", name);
	o->names[1] = berth_xasprintf("%s-%s", bridge ? "fwd" : "out", name);
	o->chains[0] = o->names[0];
	o->chains[1] = o->names[1];
	o->chains[2] = NULL;
}

static void owned_release(struct owned *o)
{
	free(o->tag);
	free(o->names[0]);
	free(o->names[1]);
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

	_cleanup_(owned_release) struct owned o;
	owned_init(&o, true, bridge);
	const char *tag = o.tag, *post = o.names[0], *fwd = o.names[1];
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	add_base(&b);
	r = add_removal(&b, tag, o.chains, err);
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
	_cleanup_(owned_release) struct owned o;
	owned_init(&o, true, bridge);
	int r = remove_owned(o.tag, o.chains, err);
	if (r < 0)
		return berth_error_prefix(err, "remove NAT of bridge '%s'", bridge);
	return 0;
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

/* Checks what berth_natlink_elems() puts into the kernel. */
static int check_owner_maps(const char *owner, const char *container_ip,
			    const struct berth_port_map *maps, size_t n, struct berth_error **err)
{
	if (!berth_word_is_valid(owner, NATLINK_OWNER_MAX))
		return berth_error_set(err, EINVAL, "invalid owner '%s'", owner ? owner : "");
	if (container_ip && !ipv4_is_valid(container_ip))
		return berth_error_set(err, EINVAL, "invalid container address '%s'", container_ip);
	for (size_t i = 0; i < n; i++) {
		int r = check_map(&maps[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Adds the elements; makes the table and its maps first when they are not there yet. */
static int add_elems(const char *owner, const char *container_ip, const struct berth_port_map *maps,
		     size_t n, struct berth_error **err)
{
	_cleanup_error_ struct berth_error *e = NULL;
	int r = berth_natlink_elems(true, owner, container_ip, maps, n, &e);
	if (r != -ENOENT) {
		if (r < 0 && err) {
			*err = e;
			e = NULL;
		}
		return r;
	}
	/* the only time a publish loads libnftables: once per table */
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	add_base(&b);
	r = nft_run(b.buf, NULL, err);
	if (r < 0)
		return r;
	return berth_natlink_elems(true, owner, container_ip, maps, n, err);
}

int berth_net_nat_ports_add(const char *owner, const char *container_ip,
			    const struct berth_port_map *maps, size_t n, bool replace,
			    struct berth_error **err)
{
	if (!container_ip || !ipv4_is_valid(container_ip))
		return berth_error_set(err, EINVAL, "invalid container address '%s'",
				       container_ip ? container_ip : "");
	int r = check_owner_maps(owner, container_ip, maps, n, err);
	if (r < 0)
		return r;
	if (replace) {
		r = berth_net_nat_ports_remove(owner, err);
		if (r < 0)
			return r;
	}
	r = add_elems(owner, container_ip, maps, n, err);
	if (r == -EEXIST)
		return berth_error_set(err, EADDRINUSE,
				       "publish ports of '%s': a NAT entry berth has no record of "
				       "holds one of them (`berth system check` removes it)",
				       owner);
	if (r < 0)
		return berth_error_prefix(err, "publish ports of '%s'", owner);
	return 0;
}

int berth_net_nat_ports_delete(const char *owner, const struct berth_port_map *maps, size_t n,
			       struct berth_error **err)
{
	int r = check_owner_maps(owner, NULL, maps, n, err);
	if (r < 0)
		return r;
	r = berth_natlink_elems(false, owner, NULL, maps, n, NULL);
	/* one of them missing (the batch then deleted none), or the table
	 * gone: what is left of the owner's is found by listing */
	if (r == -ENOENT)
		return berth_net_nat_ports_remove(owner, err);
	if (r < 0)
		return berth_error_set(err, -r, "remove published ports of '%s': %s", owner,
				       strerror(-r));
	return 0;
}

int berth_net_nat_ports_remove(const char *owner, struct berth_error **err)
{
	if (!berth_word_is_valid(owner, OWNER_MAX))
		return berth_error_set(err, EINVAL, "invalid owner '%s'", owner ? owner : "");
	_cleanup_(owned_release) struct owned o;
	owned_init(&o, false, owner);
	int r = remove_owned(o.tag, o.chains, err);
	if (r < 0)
		return berth_error_prefix(err, "remove published ports of '%s'", owner);
	return 0;
}

struct owners_of_kind {
	const char *kind;
	char ***owners;
};

/* Adds the owner a comment "<kind>:<owner>" names, once. */
static void add_owner(const char *comment, const struct owners_of_kind *ok)
{
	size_t klen = strlen(ok->kind);
	if (!comment || strncmp(comment, ok->kind, klen) != 0 || comment[klen] != ':')
		return;
	const char *owner = comment + klen + 1;
	if (berth_word_is_valid(owner, OWNER_MAX) && !berth_strv_contains(*ok->owners, owner))
		berth_strv_push(ok->owners, owner);
}

static void add_elem_owner(const char *set, const char *comment, const struct berth_port_map *m,
			   void *data)
{
	(void)set;
	(void)m;
	add_owner(comment, data);
}

static char **owners_from_listing(json_t *root, const char *kind)
{
	char **owners = NULL;
	struct owners_of_kind ok = {.kind = kind, .owners = &owners};
	size_t i;
	json_t *it;
	json_array_foreach (json_object_get(root, "nftables"), i, it)
		add_owner(
			json_string_value(json_object_get(json_object_get(it, "rule"), "comment")),
			&ok);
	foreach_listed_elem(root, add_elem_owner, &ok);
	return owners;
}

int berth_net_nat_owners(const char *kind, char ***ret, struct berth_error **err)
{
	_cleanup_json_ json_t *root = NULL;
	int r = list_table(&root, err);
	if (r < 0)
		return r;
	*ret = owners_from_listing(root, kind);
	return 0;
}

int berth_net_nat_listing_scan(const char *listing, size_t len, const char *owner,
			       char ***ret_owners, char **ret_removal, struct berth_error **err)
{
	if (!berth_word_is_valid(owner, OWNER_MAX))
		return berth_error_set(err, EINVAL, "invalid owner '%s'", owner ? owner : "");
	_cleanup_json_ json_t *root = NULL;
	int r = berth_json_parse(listing, len, "nftables listing", &root, err);
	if (r < 0)
		return r;
	_cleanup_(owned_release) struct owned o;
	owned_init(&o, false, owner);
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	removal_from_listing(root, &b, o.tag, o.chains);
	*ret_owners = owners_from_listing(root, "port");
	*ret_removal = berth_xstrdup(b.buf ? b.buf : "");
	return 0;
}
