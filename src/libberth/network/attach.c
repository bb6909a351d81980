/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's place on networks: its namespace file, one endpoint per
 * network (an address, a veth pair, a record), the hosts files of the
 * members of a user network, and the reclaiming of what a dead owner left.
 * Everything here runs under the networks lock (store.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/fs.h"
#include "core/strv.h"
#include "network/internal.h"

char *berth_network_netns_path(const char *state_dir, const char *cid)
{
	return berth_xasprintf("%s/netns/%s", state_dir, cid);
}

static bool cid_is_valid(const char *cid)
{
	size_t n = strlen(cid);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = cid; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int berth_network_container_lock(const char *state_dir, const char *cid, int *ret_fd,
				 struct berth_error **err)
{
	if (!cid_is_valid(cid))
		return berth_error_set(err, EINVAL, "invalid container id '%s'", cid);
	_cleanup_free_ char *dir = berth_xasprintf("%s/netns", state_dir);
	int r = berth_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = berth_xasprintf("%s/%s.lock", dir, cid);
	for (;;) {
		_cleanup_close_ int fd =
			open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", path);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return berth_error_syscall(err, errno, "lock '%s'", path);
		/* a reclaimer may have unlinked it while we waited: then lock the new one */
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			*ret_fd = TAKE_FD(fd);
			return 0;
		}
	}
}

/* ---- hosts files ---- */

static void hosts_base(struct berth_buf *b)
{
	berth_buf_addstr(b, "127.0.0.1\tlocalhost\n"
			    "::1\tlocalhost ip6-localhost ip6-loopback\n"
			    "fe00::0\tip6-localnet\n"
			    "ff00::0\tip6-mcastprefix\n"
			    "ff02::1\tip6-allnodes\n"
			    "ff02::2\tip6-allrouters\n");
}

static void hosts_entry(struct berth_buf *b, const struct berth_endpoint *e, bool self)
{
	berth_buf_addf(b, "%s\t", e->ip);
	if (self && e->hostname)
		berth_buf_addf(b, "%s ", e->hostname);
	if (e->container_name)
		berth_buf_addf(b, "%s ", e->container_name);
	BERTH_STRV_FOREACH (a, e->aliases)
		berth_buf_addf(b, "%s ", *a);
	if (self || e->container_name || e->aliases) {
		/* drop the last space */
		berth_buf_setlen(b, b->len - 1);
	}
	berth_buf_addch(b, '\n');
}

/*
 * --add-host lines, "name:ip" each (IPv6 addresses hold colons: the name
 * ends at the first); host-gateway is the network's gateway, the host's
 * address the container reaches it by.
 */
static void hosts_extra(struct berth_buf *b, char *const *extra, const char *gateway)
{
	BERTH_STRV_FOREACH (x, extra) {
		const char *colon = strchr(*x, ':');
		if (!colon)
			continue;
		const char *ip = colon + 1;
		if (strcmp(ip, BERTH_HOST_GATEWAY) == 0) {
			if (!gateway)
				continue;
			ip = gateway;
		}
		berth_buf_addf(b, "%s\t%.*s\n", ip, (int)(colon - *x), *x);
	}
}

/*
 * The hosts file of container cid: Docker's default lines, its --add-host
 * entries, its own addresses under its hostname,
 * and on user networks every peer by name and alias (Docker's embedded DNS
 * answers these; berth has no daemon to run one, see docs/networking.md).
 * Written in place: the container's /etc/hosts is a bind mount of this
 * inode, which a rename would leave behind.
 */
static int write_hosts(struct berth_netstore *s, const char *cid, struct berth_error **err)
{
	struct berth_network *nets = NULL;
	size_t n_nets = 0;
	int r = berth_netstore_list(s, &nets, &n_nets, err);
	if (r < 0)
		return r;
	_cleanup_(berth_buf_releasep) struct berth_buf b;
	berth_buf_init(&b, 512);
	hosts_base(&b);
	_cleanup_free_ char *path = NULL;
	_cleanup_(berth_buf_releasep) struct berth_buf self, peers;
	berth_buf_init(&self, 128);
	berth_buf_init(&peers, 256);
	for (size_t i = 0; i < n_nets; i++) {
		struct berth_endpoint *eps = NULL;
		size_t n = 0;
		if (berth_netstore_endpoints(s, nets[i].id, &eps, &n, NULL) < 0)
			continue;
		bool member = false;
		for (size_t k = 0; k < n; k++)
			if (strcmp(eps[k].container_id, cid) == 0) {
				member = true;
				hosts_entry(&self, &eps[k], true);
				if (!path && eps[k].hosts_path) {
					path = berth_xstrdup(eps[k].hosts_path);
					hosts_extra(&b, eps[k].extra_hosts, nets[i].gateway);
				}
			}
		/* the default bridge gives no names, as Docker's */
		bool user = strcmp(nets[i].name, "bridge") != 0;
		for (size_t k = 0; member && user && k < n; k++)
			if (strcmp(eps[k].container_id, cid) != 0 &&
			    berth_netstore_owner_alive(s, eps[k].container_id))
				hosts_entry(&peers, &eps[k], false);
		berth_endpoints_free(eps, n);
	}
	berth_networks_free(nets, n_nets);
	if (!path)
		return 0;
	berth_buf_add(&b, self.buf, self.len);
	berth_buf_add(&b, peers.buf, peers.len);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0; /* the container's record is gone */
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", path);
	return berth_write_all(fd, b.buf, b.len, err);
}

/* Rewrites the hosts file of every live member of network id, and of also (may be NULL). */
static void refresh_hosts(struct berth_netstore *s, const char *id, const char *also)
{
	struct berth_endpoint *eps = NULL;
	size_t n = 0;
	if (berth_netstore_endpoints(s, id, &eps, &n, NULL) < 0)
		return;
	for (size_t k = 0; k < n; k++)
		if (berth_netstore_owner_alive(s, eps[k].container_id))
			write_hosts(s, eps[k].container_id, NULL);
	berth_endpoints_free(eps, n);
	if (also)
		write_hosts(s, also, NULL);
}

/* ---- endpoints ---- */

static int ensure_bridge(const struct berth_network *n, struct berth_error **err)
{
	struct berth_subnet sub;
	int r = berth_subnet_parse(n->subnet, &sub, err);
	if (r < 0)
		return r;
	_cleanup_(berth_nl_closep) struct berth_nl *nl = NULL;
	r = berth_nl_open(-1, &nl, err);
	if (r < 0)
		return r;
	r = berth_link_bridge_ensure(nl, n->bridge, n->gateway, sub.prefix, err);
	if (r <= 0)
		return r;
	/* a bridge just made gets its outbound NAT (or, internal, its isolation) */
	return berth_net_nat_setup(n->bridge, n->subnet, n->internal, err);
}

/*
 * Removes the endpoint's veth (its peer goes with it) and its record. With
 * keep_veth the caller removes the namespace next: the kernel then deletes
 * the container's end, and the host's with it, in its own time; deleting
 * it here cost more than all the rest of a network's setup and teardown.
 */
static int drop_endpoint(struct berth_netstore *s, const char *net_id,
			 const struct berth_endpoint *e, bool keep_veth, struct berth_error **err)
{
	if (e->host_veth && !keep_veth) {
		_cleanup_(berth_nl_closep) struct berth_nl *nl = NULL;
		int r = berth_nl_open(-1, &nl, err);
		if (r < 0)
			return r;
		r = berth_link_delete(nl, e->host_veth, err);
		if (r < 0)
			return r;
	}
	return berth_netstore_del_endpoint(s, net_id, e->container_id, err);
}

/* The container's interface names on every network, to pick the next ethN. */
static int pick_ifname(struct berth_netstore *s, const char *cid, char **ret,
		       struct berth_error **err)
{
	struct berth_endpoint *eps = NULL;
	char **nets = NULL;
	size_t n = 0;
	(void)s;
	int r = berth_network_container_endpoints_locked(s, cid, &eps, &nets, &n, err);
	if (r < 0)
		return r;
	for (int i = 0; i < 64; i++) {
		_cleanup_free_ char *name = berth_xasprintf("eth%d", i);
		bool used = false;
		for (size_t k = 0; k < n; k++)
			used = used || (eps[k].ifname && strcmp(eps[k].ifname, name) == 0);
		if (!used) {
			*ret = TAKE_PTR(name);
			break;
		}
	}
	berth_endpoints_free(eps, n);
	berth_strv_free(nets);
	if (!*ret)
		return berth_error_set(err, ENOSPC, "container %s has too many networks", cid);
	return 0;
}

static int allocate_ip(struct berth_netstore *s, const struct berth_network *n, const char *want,
		       uint32_t *ret, unsigned *ret_prefix, struct berth_error **err)
{
	struct berth_subnet sub;
	uint32_t gw;
	int r = berth_subnet_parse(n->subnet, &sub, err);
	if (r >= 0)
		r = berth_ipv4_parse(n->gateway, &gw, err);
	if (r < 0)
		return r;
	struct berth_endpoint *eps = NULL;
	size_t n_eps = 0;
	r = berth_netstore_endpoints(s, n->id, &eps, &n_eps, err);
	if (r < 0)
		return r;
	_cleanup_free_ uint32_t *used = berth_xcalloc(n_eps + 1, sizeof(uint32_t));
	size_t n_used = 0;
	for (size_t i = 0; i < n_eps; i++)
		if (berth_ipv4_parse(eps[i].ip, &used[n_used], NULL) >= 0)
			n_used++;
	berth_endpoints_free(eps, n_eps);
	*ret_prefix = sub.prefix;
	if (!want)
		return berth_ipam_next_free(&sub, gw, used, n_used, ret, err);
	uint32_t a;
	r = berth_ipv4_parse(want, &a, err);
	if (r < 0)
		return r;
	uint32_t bcast = sub.net | ~(~(uint32_t)0 << (32 - sub.prefix));
	if (!berth_subnet_contains(&sub, a) || a == sub.net || a == bcast)
		return berth_error_set(err, EINVAL,
				       "invalid address %s: it does not belong to any of this "
				       "network's subnets (%s)",
				       want, n->subnet);
	if (a == gw)
		return berth_error_set(err, EADDRINUSE, "Address already in use: %s is the gateway",
				       want);
	for (size_t i = 0; i < n_used; i++)
		if (used[i] == a)
			return berth_error_set(err, EADDRINUSE, "Address already in use: %s", want);
	*ret = a;
	return 0;
}

/* Configures the container's end inside its namespace: address, up, default route. */
static int configure_inside(int ns_fd, const struct berth_endpoint *e, const char *gw, bool route,
			    struct berth_error **err)
{
	_cleanup_(berth_nl_closep) struct berth_nl *nl = NULL;
	int r = berth_nl_open(ns_fd, &nl, err);
	if (r < 0)
		return r;
	r = berth_link_addr_up(nl, e->ifname, e->ip, e->prefix, err);
	if (r < 0)
		return r;
	return route ? berth_link_default_route(nl, gw, err) : 0;
}

static int ensure_netns(struct berth_netstore *s, const char *cid, struct berth_error **err)
{
	if (berth_netns_is_mounted(s->ns_dir, cid))
		return 0;
	/* a file left by a crash between create and mount */
	int r = berth_netns_remove(s->ns_dir, cid, err);
	if (r < 0)
		return r;
	return berth_netns_create(s->ns_dir, cid, err);
}

/* The endpoint's veth: its host end on the bridge, its other end configured inside the namespace. */
static int plug_in(struct berth_netstore *s, const struct berth_network *n,
		   const struct berth_endpoint *e, bool first, struct berth_error **err)
{
	_cleanup_close_ int ns_fd = openat(s->ns_dir, e->container_id, O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0)
		return berth_error_syscall(err, errno, "open network namespace of %s",
					   e->container_id);
	_cleanup_(berth_nl_closep) struct berth_nl *nl = NULL;
	int r = berth_nl_open(-1, &nl, err);
	if (r >= 0)
		r = berth_link_veth_create(nl, e->host_veth, n->bridge, ns_fd, e->ifname, e->mac,
					   err);
	if (r >= 0)
		r = configure_inside(ns_fd, e, n->gateway, first && !n->internal, err);
	return r;
}

/* A network event for the store's log, with Docker's attributes (container: connect, disconnect). */
static void net_event(const struct berth_netstore *s, const struct berth_network *n,
		      const char *action, const char *cid)
{
	berth_event_emit(
		s->root, "network", action, n->id,
		(const char *[]){"container", cid, "name", n->name, "type", n->driver, NULL});
}

static int attach_locked(struct berth_netstore *s, const struct berth_network *n,
			 const struct berth_attach_options *o, struct berth_endpoint *ret,
			 struct berth_error **err)
{
	if (strcmp(n->driver, "bridge") != 0)
		return berth_error_set(err, EINVAL,
				       "container cannot be disconnected from or connected to "
				       "network %s (driver %s)",
				       n->name, n->driver);
	struct berth_endpoint *eps = NULL;
	size_t n_eps = 0;
	int r = berth_netstore_endpoints(s, n->id, &eps, &n_eps, err);
	if (r < 0)
		return r;
	bool dup = false;
	for (size_t i = 0; i < n_eps; i++)
		dup = dup || strcmp(eps[i].container_id, o->container_id) == 0;
	berth_endpoints_free(eps, n_eps);
	if (dup)
		return berth_error_set(err, EEXIST,
				       "endpoint with name %s already exists in network %s",
				       o->container_name, n->name);
	_cleanup_(berth_endpoint_release) struct berth_endpoint e = {0};
	uint32_t ip;
	r = allocate_ip(s, n, o->ip, &ip, &e.prefix, err);
	if (r < 0)
		return r;
	char ipbuf[16];
	berth_ipv4_format(ip, ipbuf);
	e.ip = berth_xstrdup(ipbuf);
	/* Docker's MAC: 02:42 then the address */
	e.mac = berth_xasprintf("02:42:%02x:%02x:%02x:%02x", ip >> 24, (ip >> 16) & 0xff,
				(ip >> 8) & 0xff, ip & 0xff);
	e.container_id = berth_xstrdup(o->container_id);
	e.container_name = berth_xstrdup(o->container_name);
	e.aliases = berth_strv_copy(o->aliases);
	e.endpoint_id = berth_xcalloc(1, 65);
	berth_random_hex(e.endpoint_id, 32);
	e.host_veth = berth_xasprintf("veth%.11s", e.endpoint_id);
	e.netns = berth_network_netns_path(s->root, o->container_id);
	e.hosts_path = o->hosts_path ? berth_xstrdup(o->hosts_path) : NULL;
	e.hostname = o->hostname ? berth_xstrdup(o->hostname) : NULL;
	e.extra_hosts = o->extra_hosts ? berth_strv_copy(o->extra_hosts) : NULL;
	r = pick_ifname(s, o->container_id, &e.ifname, err);
	if (r < 0)
		return r;
	bool first = strcmp(e.ifname, "eth0") == 0;
	r = ensure_netns(s, o->container_id, err);
	if (r < 0)
		return r;
	r = ensure_bridge(n, err);
	if (r < 0)
		return r;
	/* the record first: a crash from here on leaves something reclaim can find */
	r = berth_netstore_put_endpoint(s, n->id, &e, err);
	if (r < 0)
		return r;
	r = plug_in(s, n, &e, first, err);
	if (r < 0) {
		drop_endpoint(s, n->id, &e, false, NULL);
		return berth_error_prefix(err, "attach to network %s", n->name);
	}
	refresh_hosts(s, n->id, NULL);
	net_event(s, n, "connect", o->container_id);
	if (ret) {
		*ret = e;
		memset(&e, 0, sizeof(e));
	}
	return 0;
}

int berth_network_attach(const char *state_dir, const char *what,
			 const struct berth_attach_options *o, struct berth_endpoint *ret,
			 struct berth_error **err)
{
	if (!cid_is_valid(o->container_id))
		return berth_error_set(err, EINVAL, "invalid container id '%s'", o->container_id);
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	r = berth_net_reclaim_locked(&s, false, false, NULL, err);
	if (r < 0)
		return r;
	_cleanup_(berth_network_release) struct berth_network n = {0};
	r = berth_netstore_find(&s, what, &n, err);
	if (r < 0)
		return r;
	return attach_locked(&s, &n, o, ret, err);
}

static int detach_locked(struct berth_netstore *s, const struct berth_network *n, const char *cid,
			 bool keep_veth, struct berth_error **err)
{
	struct berth_endpoint *eps = NULL;
	size_t n_eps = 0;
	int r = berth_netstore_endpoints(s, n->id, &eps, &n_eps, err);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (size_t i = 0; i < n_eps; i++)
		if (strcmp(eps[i].container_id, cid) == 0)
			r = drop_endpoint(s, n->id, &eps[i], keep_veth, err);
	berth_endpoints_free(eps, n_eps);
	if (r == -ENOENT)
		return berth_error_set(err, ENOENT, "container %s is not connected to network %s",
				       cid, n->name);
	if (r >= 0) {
		refresh_hosts(s, n->id, cid);
		net_event(s, n, "disconnect", cid);
	}
	return r;
}

int berth_network_detach(const char *state_dir, const char *what, const char *cid,
			 struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	_cleanup_(berth_network_release) struct berth_network n = {0};
	r = berth_netstore_find(&s, what, &n, err);
	if (r < 0)
		return r;
	return detach_locked(&s, &n, cid, false, err);
}

/*
 * Every endpoint of cid, and the namespace file; what is missing is fine.
 * The veths go with the namespace (a container that joined it with
 * --network container:X and outlives X keeps them, with addresses the
 * network may give again; Docker's takes them away).
 */
static int detach_all_locked(struct berth_netstore *s, const char *cid, struct berth_error **err)
{
	struct berth_network *nets = NULL;
	size_t n = 0;
	int r = berth_netstore_list(s, &nets, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = detach_locked(s, &nets[i], cid, true, NULL);
		r = r == -ENOENT ? 0 : r;
	}
	berth_networks_free(nets, n);
	if (r < 0)
		return berth_error_set(err, -r, "detach container %s from its networks", cid);
	return berth_netns_remove(s->ns_dir, cid, err);
}

int berth_network_detach_all(const char *state_dir, const char *cid, struct berth_error **err)
{
	if (!cid_is_valid(cid))
		return berth_error_set(err, EINVAL, "invalid container id '%s'", cid);
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	return detach_all_locked(&s, cid, err);
}

int berth_network_container_endpoints_locked(struct berth_netstore *s, const char *cid,
					     struct berth_endpoint **ret, char ***ret_networks,
					     size_t *ret_n, struct berth_error **err)
{
	struct berth_network *nets = NULL;
	size_t n = 0;
	int r = berth_netstore_list(s, &nets, &n, err);
	if (r < 0)
		return r;
	struct berth_endpoint *out = NULL;
	char **names = berth_xcalloc(1, sizeof(char *));
	size_t n_out = 0;
	for (size_t i = 0; i < n; i++) {
		struct berth_endpoint *eps = NULL;
		size_t n_eps = 0;
		if (berth_netstore_endpoints(s, nets[i].id, &eps, &n_eps, NULL) < 0)
			continue;
		for (size_t k = 0; k < n_eps; k++) {
			if (strcmp(eps[k].container_id, cid) != 0)
				continue;
			out = berth_xreallocarray(out, n_out + 1, sizeof(*out));
			out[n_out++] = eps[k];
			memset(&eps[k], 0, sizeof(eps[k]));
			berth_strv_push(&names, nets[i].name);
		}
		berth_endpoints_free(eps, n_eps);
	}
	berth_networks_free(nets, n);
	*ret = out;
	*ret_networks = names;
	*ret_n = n_out;
	return 0;
}

int berth_network_container_endpoints(const char *state_dir, const char *cid,
				      struct berth_endpoint **ret, char ***ret_networks,
				      size_t *ret_n, struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	return berth_network_container_endpoints_locked(&s, cid, ret, ret_networks, ret_n, err);
}

/* ---- reclaiming what dead owners left ---- */

/*
 * Takes the lock of a dead owner (non-blocking: a live one keeps it) and
 * returns its fd, or -1 when the owner lives.
 */
static int take_dead_lock(struct berth_netstore *s, const char *cid)
{
	_cleanup_free_ char *name = berth_xasprintf("%s.lock", cid);
	_cleanup_close_ int fd =
		openat(s->ns_dir, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -1;
	return TAKE_FD(fd);
}

static void forget_lock(struct berth_netstore *s, const char *cid, int fd)
{
	_cleanup_free_ char *name = berth_xasprintf("%s.lock", cid);
	unlinkat(s->ns_dir, name, 0);
	close(fd);
}

static bool owner_alive_cb(const char *owner, void *data)
{
	return berth_netstore_owner_alive(data, owner);
}

int berth_net_reclaim_locked(struct berth_netstore *s, bool dry_run, bool thorough, size_t *ret_n,
			     struct berth_error **err)
{
	size_t count = 0;
	struct berth_network *nets = NULL;
	size_t n = 0;
	int r = berth_netstore_list(s, &nets, &n, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **dead = berth_xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct berth_endpoint *eps = NULL;
		size_t n_eps = 0;
		if (berth_netstore_endpoints(s, nets[i].id, &eps, &n_eps, NULL) < 0)
			continue;
		bool changed = false;
		for (size_t k = 0; k < n_eps; k++) {
			int fd = take_dead_lock(s, eps[k].container_id);
			if (fd < 0)
				continue;
			count++;
			if (!dry_run && drop_endpoint(s, nets[i].id, &eps[k], false, NULL) >= 0)
				changed = true;
			close(fd);
		}
		berth_endpoints_free(eps, n_eps);
		if (changed)
			refresh_hosts(s, nets[i].id, NULL);
	}
	berth_networks_free(nets, n);
	/* namespace files and locks of dead owners */
	int dfd = openat(s->ns_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return berth_error_syscall(err, errno, "open the network namespaces");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *cid = l > 5 && strcmp(de->d_name + l - 5, ".lock") == 0
						   ? berth_xstrndup(de->d_name, l - 5)
						   : berth_xstrdup(de->d_name);
		if (!cid_is_valid(cid) || berth_strv_contains(dead, cid))
			continue;
		int fd = take_dead_lock(s, cid);
		if (fd < 0)
			continue;
		berth_strv_push(&dead, cid);
		if (berth_netns_is_mounted(s->ns_dir, cid) ||
		    faccessat(s->ns_dir, cid, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			count++;
			if (!dry_run)
				berth_netns_remove(s->ns_dir, cid, NULL);
		}
		if (dry_run)
			close(fd);
		else
			forget_lock(s, cid, fd);
	}
	if (!dry_run) {
		_cleanup_free_ char *dir = berth_xasprintf("%s/networks", s->root);
		int k = berth_net_ports_reclaim(dir, owner_alive_cb, s, thorough, NULL);
		if (k > 0)
			count += (size_t)k;
	}
	if (ret_n)
		*ret_n = count;
	return 0;
}

int berth_network_reclaim(const char *state_dir, bool dry_run, size_t *ret_n,
			  struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	return berth_net_reclaim_locked(&s, dry_run, true, ret_n, err);
}

/* ---- whole networks ---- */

int berth_network_endpoints(const char *state_dir, const char *id, struct berth_endpoint **ret,
			    size_t *ret_n, struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r >= 0)
		r = berth_net_reclaim_locked(&s, false, false, NULL, err);
	if (r < 0)
		return r;
	return berth_netstore_endpoints(&s, id, ret, ret_n, err);
}

static bool is_predefined(const struct berth_network *n)
{
	return strcmp(n->name, "bridge") == 0 || strcmp(n->name, "host") == 0 ||
	       strcmp(n->name, "none") == 0;
}

static int remove_locked(struct berth_netstore *s, const struct berth_network *n,
			 struct berth_error **err)
{
	if (is_predefined(n))
		return berth_error_set(
			err, EPERM, "%s is a pre-defined network and cannot be removed", n->name);
	struct berth_endpoint *eps = NULL;
	size_t n_eps = 0;
	int r = berth_netstore_endpoints(s, n->id, &eps, &n_eps, err);
	if (r < 0)
		return r;
	berth_endpoints_free(eps, n_eps);
	if (n_eps > 0)
		return berth_error_set(err, EBUSY,
				       "error while removing network: network %s id %s has "
				       "active endpoints",
				       n->name, n->id);
	if (n->bridge) {
		r = berth_net_nat_teardown(n->bridge, err);
		if (r < 0)
			return r;
		_cleanup_(berth_nl_closep) struct berth_nl *nl = NULL;
		r = berth_nl_open(-1, &nl, err);
		if (r >= 0)
			r = berth_link_delete(nl, n->bridge, err);
		if (r < 0)
			return r;
	}
	r = berth_rm_rf_at(s->net_dir, n->id, err);
	if (r >= 0)
		net_event(s, n, "destroy", NULL);
	return r;
}

int berth_network_remove(const char *state_dir, const char *what, struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r >= 0)
		r = berth_net_reclaim_locked(&s, false, false, NULL, err);
	if (r < 0)
		return r;
	_cleanup_(berth_network_release) struct berth_network n = {0};
	r = berth_netstore_find(&s, what, &n, err);
	if (r < 0)
		return r;
	return remove_locked(&s, &n, err);
}

int berth_network_prune(const char *state_dir, char ***ret_removed, struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r >= 0)
		r = berth_net_reclaim_locked(&s, false, false, NULL, err);
	if (r < 0)
		return r;
	struct berth_network *nets = NULL;
	size_t n = 0;
	r = berth_netstore_list(&s, &nets, &n, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **removed = berth_xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (is_predefined(&nets[i]))
			continue;
		struct berth_endpoint *eps = NULL;
		size_t n_eps = 0;
		r = berth_netstore_endpoints(&s, nets[i].id, &eps, &n_eps, err);
		berth_endpoints_free(eps, n_eps);
		if (r < 0 || n_eps > 0)
			continue;
		r = remove_locked(&s, &nets[i], err);
		if (r >= 0)
			berth_strv_push(&removed, nets[i].name);
	}
	berth_networks_free(nets, n);
	if (r < 0)
		return r;
	*ret_removed = TAKE_PTR(removed);
	return 0;
}
