/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Links, addresses and routes over rtnetlink with libmnl, in process. A
 * socket opened inside a namespace stays bound to it, so the container
 * side is configured by a socket opened there (berth_nl_open with the
 * namespace's fd) without any process running in it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/lazylib.h"
#include "core/strv.h"
#include "network/network.h"

struct berth_nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

void berth_nl_close(struct berth_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

static int open_here(struct berth_nl **ret, struct berth_error **err)
{
	int r = berth_lib_load(BERTH_LIB_MNL, err);
	if (r < 0)
		return r;
	struct berth_nl *nl = berth_xcalloc(1, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		berth_nl_close(nl);
		return berth_error_syscall(err, e, "open a netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	*ret = nl;
	return 0;
}

int berth_nl_open(int netns_fd, struct berth_nl **ret, struct berth_error **err)
{
	if (netns_fd < 0)
		return open_here(ret, err);
	_cleanup_close_ int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return berth_error_syscall(err, errno, "open the current network namespace");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return berth_error_syscall(err, errno, "enter a network namespace");
	int r = open_here(ret, err);
	/* the thread must go back whatever happened */
	if (setns(orig, CLONE_NEWNET) < 0)
		abort();
	return r;
}

static struct nlmsghdr *msg_start(struct berth_nl *nl, char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = ++nl->seq;
	return h;
}

/* Sends h and reads until its ack (or dump end), calling cb for each reply. */
static int talk(struct berth_nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	/* a request that is no dump ends with its ack, which is how we know it ended */
	if (!(h->nlmsg_flags & NLM_F_DUMP))
		h->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return -errno;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, h->nlmsg_seq, nl->portid, cb, data);
		if (r <= MNL_CB_STOP)
			break;
	}
	return r < 0 ? -errno : 0;
}

static int index_cb(const struct nlmsghdr *h, void *data)
{
	if (h->nlmsg_type == RTM_NEWLINK) {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
		*(int *)data = ifi->ifi_index;
	}
	return MNL_CB_OK;
}

int berth_link_index(struct berth_nl *nl, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	int index = 0;
	int r = talk(nl, h, index_cb, &index);
	if (r < 0)
		return r == -ENOENT ? -ENODEV : r;
	return index > 0 ? index : -ENODEV;
}

static int set_up(struct berth_nl *nl, int index, struct berth_error **err, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	int r = talk(nl, h, NULL, NULL);
	if (r < 0)
		return berth_error_syscall(err, -r, "bring '%s' up", name);
	return 0;
}

static int link_index_or_fail(struct berth_nl *nl, const char *name, struct berth_error **err)
{
	int i = berth_link_index(nl, name);
	if (i < 0)
		return berth_error_syscall(err, -i, "find link '%s'", name);
	return i;
}

int berth_link_bridge_ensure(struct berth_nl *nl, const char *name, const char *addr,
			     unsigned prefix, struct berth_error **err)
{
	bool made = false;
	if (berth_link_index(nl, name) == -ENODEV) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *h =
			msg_start(nl, buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(h, IFLA_IFNAME, name);
		struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
		mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
		mnl_attr_nest_end(h, li);
		int r = talk(nl, h, NULL, NULL);
		/* another berth may have made it meanwhile */
		if (r < 0 && r != -EEXIST)
			return berth_error_syscall(err, -r, "create bridge '%s'", name);
		made = r >= 0;
	}
	int r = berth_link_addr_up(nl, name, addr, prefix, err);
	return r < 0 ? r : made;
}

int berth_link_delete(struct berth_nl *nl, const char *name, struct berth_error **err)
{
	int index = berth_link_index(nl, name);
	if (index == -ENODEV)
		return 0;
	if (index < 0)
		return berth_error_syscall(err, -index, "find link '%s'", name);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	int r = talk(nl, h, NULL, NULL);
	if (r < 0 && r != -ENODEV)
		return berth_error_syscall(err, -r, "delete link '%s'", name);
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

int berth_link_veth_create(struct berth_nl *nl, const char *host_name, const char *bridge,
			   int netns_fd, const char *peer_name, const char *mac,
			   struct berth_error **err)
{
	uint8_t hw[6];
	if (parse_mac(mac, hw) < 0)
		return berth_error_set(err, EINVAL, "invalid MAC address '%s'", mac);
	int master = link_index_or_fail(nl, bridge, err);
	if (master < 0)
		return master;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(h, IFLA_IFNAME, host_name);
	mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	/* the peer's own ifinfomsg, then its attributes: made directly in the namespace */
	struct ifinfomsg *pi = mnl_nlmsg_put_extra_header(h, sizeof(*pi));
	memset(pi, 0, sizeof(*pi));
	pi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, peer_name);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	mnl_attr_put(h, IFLA_ADDRESS, sizeof(hw), hw);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, li);
	int r = talk(nl, h, NULL, NULL);
	if (r < 0)
		return berth_error_syscall(err, -r, "create veth '%s'", host_name);
	return 0;
}

static int put_addr(struct nlmsghdr *h, uint16_t type, const char *addr, struct berth_error **err)
{
	struct in_addr a;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return berth_error_set(err, EINVAL, "invalid IPv4 address '%s'", addr);
	mnl_attr_put(h, type, sizeof(a), &a);
	return 0;
}

int berth_link_addr_up(struct berth_nl *nl, const char *name, const char *addr, unsigned prefix,
		       struct berth_error **err)
{
	int index = link_index_or_fail(nl, name, err);
	if (index < 0)
		return index;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)index;
	int r = put_addr(h, IFA_LOCAL, addr, err);
	if (r < 0)
		return r;
	r = put_addr(h, IFA_ADDRESS, addr, err);
	if (r < 0)
		return r;
	r = talk(nl, h, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return berth_error_syscall(err, -r, "add address %s/%u to '%s'", addr, prefix,
					   name);
	return set_up(nl, index, err, name);
}

int berth_link_default_route(struct berth_nl *nl, const char *gw, struct berth_error **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h =
		msg_start(nl, buf, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	int r = put_addr(h, RTA_GATEWAY, gw, err);
	if (r < 0)
		return r;
	r = talk(nl, h, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return berth_error_syscall(err, -r, "add the default route via %s", gw);
	return 0;
}

struct in_use {
	char **v;
	int except; /* ifindex whose routes and addresses do not count, 0 none */
};

static void in_use_release(struct in_use *u)
{
	berth_strv_free(u->v);
	u->v = NULL;
}

static void add_cidr(char ***v, const void *addr, unsigned prefix)
{
	char a[INET_ADDRSTRLEN];
	if (!inet_ntop(AF_INET, addr, a, sizeof(a)))
		return;
	_cleanup_free_ char *s = berth_xasprintf("%s/%u", a, prefix);
	berth_strv_push(v, s);
}

static int route_cb(const struct nlmsghdr *h, void *data)
{
	const struct rtmsg *rt = mnl_nlmsg_get_payload(h);
	/* local/broadcast routes of our own addresses are covered by the address dump */
	if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET ||
	    rt->rtm_type != RTN_UNICAST || rt->rtm_dst_len == 0)
		return MNL_CB_OK;
	struct in_use *u = data;
	const struct nlattr *a;
	const void *dst = NULL;
	int oif = 0;
	mnl_attr_for_each(a, h, sizeof(*rt))
	{
		if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == 4)
			dst = mnl_attr_get_payload(a);
		if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_get_payload_len(a) == 4)
			oif = (int)mnl_attr_get_u32(a);
	}
	if (dst && (u->except == 0 || oif != u->except))
		add_cidr(&u->v, dst, rt->rtm_dst_len);
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *h, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	struct in_use *u = data;
	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (u->except != 0 && (int)ifa->ifa_index == u->except))
		return MNL_CB_OK;
	const struct nlattr *a;
	mnl_attr_for_each(a, h, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_LOCAL && mnl_attr_get_payload_len(a) == 4)
			add_cidr(&u->v, mnl_attr_get_payload(a), 32);
	}
	return MNL_CB_OK;
}

int berth_link_ipv4_in_use(struct berth_nl *nl, const char *except, char ***ret,
			   struct berth_error **err)
{
	_cleanup_(in_use_release) struct in_use u = {.v = berth_xcalloc(1, sizeof(char *))};
	int index = except ? berth_link_index(nl, except) : 0;
	u.except = index > 0 ? index : 0;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = AF_INET;
	int r = talk(nl, h, route_cb, &u);
	if (r < 0)
		return berth_error_syscall(err, -r, "list the host's routes");
	h = msg_start(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	r = talk(nl, h, addr_cb, &u);
	if (r < 0)
		return berth_error_syscall(err, -r, "list the host's addresses");
	*ret = TAKE_PTR(u.v);
	return 0;
}
