/* SPDX-License-Identifier: Apache-2.0 */
#include "network/natlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/lazylib.h"
#include "network/ports.h"

/* Each field of a concatenation takes whole 32-bit registers. */
#define KEY_ADDR_LEN 12 /* proto, addr, port */
#define KEY_ANY_LEN  8	/* proto, port */
#define DATA_LEN     8	/* addr, port */
/* An element's attributes with the longest comment, rounded up generously. */
#define ELEM_MAX (96 + NATLINK_OWNER_MAX + 8)
/* A message's element list is one attribute, whose length is 16 bits: at most
 * this many elements go into one message (a long range takes several). */
#define ELEMS_PER_MSG 256
/* A message's header, table and set names, beyond its elements. */
#define MSG_OVERHEAD 128

static bool map_is_any(const struct berth_port_map *m)
{
	return !m->host_ip[0] || strcmp(m->host_ip, "0.0.0.0") == 0;
}

/* The key as the kernel compares it: proto, [address,] port in network order. */
static size_t elem_key(const struct berth_port_map *m, uint8_t key[static KEY_ADDR_LEN])
{
	memset(key, 0, KEY_ADDR_LEN);
	key[0] = (uint8_t)m->proto;
	size_t off = 4;
	if (!map_is_any(m)) {
		(void)inet_pton(AF_INET, m->host_ip, key + off); /* validated by the caller */
		off += 4;
	}
	uint16_t port = htons(m->host_port);
	memcpy(key + off, &port, sizeof(port));
	return off + 4;
}

static void put_data(struct nlmsghdr *h, uint16_t type, const void *v, size_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(h, type);
	mnl_attr_put(h, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(h, nest);
}

/* nftables' user data TLV of an element's comment: type 0, length, text with its NUL. */
static void put_comment(struct nlmsghdr *h, const char *owner)
{
	uint8_t ud[2 + 5 + NATLINK_OWNER_MAX + 1];
	size_t len = 5 + strlen(owner) + 1;
	ud[0] = 0; /* NFTNL_UDATA_SET_ELEM_COMMENT */
	ud[1] = (uint8_t)len;
	memcpy(ud + 2, "port:", 5);
	memcpy(ud + 7, owner, len - 5);
	mnl_attr_put(h, NFTA_SET_ELEM_USERDATA, 2 + len, ud);
}

static struct nlmsghdr *put_msg(char *at, uint16_t type, uint16_t flags, uint8_t family,
				uint16_t res_id, uint32_t seq)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(at);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return h;
}

/*
 * One NEWSETELEM or DELSETELEM message for up to ELEMS_PER_MSG of the maps
 * from *from on that belong in set; *from then indexes the next one. NULL
 * when none are left.
 */
static struct nlmsghdr *put_elems(char *at, bool add, bool any, const char *owner,
				  const char *container_ip, const struct berth_port_map *maps,
				  size_t n, size_t *from, uint32_t seq)
{
	size_t i = *from;
	while (i < n && map_is_any(&maps[i]) != any)
		i++;
	if (i == n)
		return NULL;
	uint16_t type =
		(NFNL_SUBSYS_NFTABLES << 8) | (add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM);
	/* EXCL: an element already there (whoever's) is an error, not taken over */
	struct nlmsghdr *h = put_msg(at, type, NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0),
				     NFPROTO_IPV4, 0, seq);
	mnl_attr_put_strz(h, NFTA_SET_ELEM_LIST_TABLE, NATLINK_TABLE);
	mnl_attr_put_strz(h, NFTA_SET_ELEM_LIST_SET, any ? NATLINK_MAP_ANY : NATLINK_MAP_ADDR);
	struct nlattr *list = mnl_attr_nest_start(h, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (size_t count = 0; i < n && count < ELEMS_PER_MSG; i++) {
		const struct berth_port_map *m = &maps[i];
		if (map_is_any(m) != any)
			continue;
		count++;
		struct nlattr *elem = mnl_attr_nest_start(h, NFTA_LIST_ELEM);
		uint8_t key[KEY_ADDR_LEN];
		put_data(h, NFTA_SET_ELEM_KEY, key, elem_key(m, key));
		if (add) {
			uint8_t data[DATA_LEN] = {0};
			(void)inet_pton(AF_INET, container_ip, data);
			uint16_t port = htons(m->container_port);
			memcpy(data + 4, &port, sizeof(port));
			put_data(h, NFTA_SET_ELEM_DATA, data, sizeof(data));
			put_comment(h, owner);
		}
		mnl_attr_nest_end(h, elem);
	}
	mnl_attr_nest_end(h, list);
	*from = i;
	return h;
}

/*
 * Reads the answers to a batch of nmsgs acknowledged messages: 0 when every
 * one succeeded, the first error otherwise (the kernel then undid the whole
 * batch, and may answer nothing more).
 */
static int read_acks(struct mnl_socket *sock, size_t nmsgs)
{
	_cleanup_free_ char *buf = berth_xmalloc(MNL_SOCKET_BUFFER_SIZE);
	size_t acked = 0;
	while (acked < nmsgs) {
		ssize_t len = mnl_socket_recvfrom(sock, buf, MNL_SOCKET_BUFFER_SIZE);
		if (len < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		int left = (int)len;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				return -EBADMSG;
			if (e->error != 0)
				return e->error < 0 ? e->error : -e->error;
			acked++;
		}
	}
	return 0;
}

/*
 * One nfnetlink socket per process, kept open: on this kernel (6.1) the
 * close of a netfilter netlink socket waits for nf_tables' deferred
 * destruction of the last transaction, an RCU grace period (7-21 ms
 * measured on an idle machine), so a socket per batch paid that on every
 * publish and release. A child after fork(), or a batch that failed, opens
 * its own; the lock keeps the API service's threads' batches apart.
 */
static pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mnl_socket *batch_sock;
static pid_t batch_sock_pid;
static ino_t batch_sock_netns; /* a socket speaks to the namespace it was made in */

static ino_t current_netns(void)
{
	struct stat st;
	return stat("/proc/thread-self/ns/net", &st) == 0 ? st.st_ino : 0;
}

static struct mnl_socket *batch_socket(void)
{
	ino_t netns = current_netns();
	if (batch_sock && batch_sock_pid == getpid() && netns && batch_sock_netns == netns)
		return batch_sock;
	/* a parent's (after fork) or another namespace's: dropping our reference
	 * to a parent's releases nothing */
	if (batch_sock)
		mnl_socket_close(batch_sock);
	batch_sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!batch_sock)
		return NULL;
	if (mnl_socket_bind(batch_sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(TAKE_PTR(batch_sock));
		errno = e;
		return NULL;
	}
	batch_sock_pid = getpid();
	batch_sock_netns = netns;
	int one = 1;
	/* errors come back without the (possibly long) message they answer */
	(void)mnl_socket_setsockopt(batch_sock, NETLINK_CAP_ACK, &one, sizeof(one));
	struct timeval tv = {.tv_sec = 10};
	(void)setsockopt(mnl_socket_get_fd(batch_sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return batch_sock;
}

/*
 * The kernel answers a whole batch within the send: after an error, what
 * is left of its answers is already queued, and must not meet the next
 * batch. Whether the queue is empty now.
 */
static bool drain_answers(struct mnl_socket *sock)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(sock), buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		if (n == 0)
			return false;
	}
}

static int send_batch_locked(const char *buf, size_t len, size_t nmsgs)
{
	struct mnl_socket *sock = batch_socket();
	if (!sock)
		return -errno;
	int sndbuf = (int)len;
	if (len > 128 * 1024)
		(void)setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
				 sizeof(sndbuf));
	if (mnl_socket_sendto(sock, buf, len) < 0) {
		int e = errno;
		mnl_socket_close(TAKE_PTR(batch_sock));
		return -e;
	}
	int r = read_acks(sock, nmsgs);
	if (r == -ETIMEDOUT || r == -EBADMSG || (r < 0 && !drain_answers(sock)))
		mnl_socket_close(TAKE_PTR(batch_sock));
	return r;
}

static int send_batch(const char *buf, size_t len, size_t nmsgs)
{
	pthread_mutex_lock(&batch_lock);
	int r = send_batch_locked(buf, len, nmsgs);
	pthread_mutex_unlock(&batch_lock);
	return r;
}

int berth_natlink_elems(bool add, const char *owner, const char *container_ip,
			const struct berth_port_map *maps, size_t n, struct berth_error **err)
{
	if (n == 0)
		return 0;
	int r = berth_lib_load(BERTH_LIB_MNL, err);
	if (r < 0)
		return r;
	size_t cap = (n / ELEMS_PER_MSG + 4) * MSG_OVERHEAD + n * ELEM_MAX;
	_cleanup_free_ char *buf = berth_xcalloc(1, cap);
	uint32_t seq = (uint32_t)time(NULL);
	size_t len = 0, nmsgs = 0;
	struct nlmsghdr *h =
		put_msg(buf, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++);
	len += h->nlmsg_len;
	for (int any = 0; any <= 1; any++) {
		size_t from = 0;
		while ((h = put_elems(buf + len, add, any, owner, container_ip, maps, n, &from,
				      seq++))) {
			len += h->nlmsg_len;
			nmsgs++;
		}
	}
	h = put_msg(buf + len, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++);
	len += h->nlmsg_len;

	r = send_batch(buf, len, nmsgs);
	if (r == -ENOENT)
		return berth_error_set(err, ENOENT, "nftables: %s",
				       add ? "no table 'ip berth' with its port maps"
					   : "no such port map element");
	if (r == -EEXIST)
		return berth_error_set(err, EEXIST, "nftables: a port map element exists already");
	if (r < 0)
		return berth_error_syscall(err, -r, "nftables: %s port map elements",
					   add ? "add" : "delete");
	return 0;
}
