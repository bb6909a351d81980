/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network records of a store (see network.h for the layout). Every
 * operation that reads and then changes them holds networks/lock, so two
 * berth processes never hand out one address twice nor pick one subnet for
 * two networks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "core/units.h"
#include "network/internal.h"

#define RECORD_MAX (1 << 20)

void berth_netstore_close(struct berth_netstore *s)
{
	berth_closep(&s->lock_fd);
	berth_closep(&s->net_dir);
	berth_closep(&s->ns_dir);
}

void berth_endpoints_free(struct berth_endpoint *eps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		berth_endpoint_release(&eps[i]);
	free(eps);
}

void berth_networks_free(struct berth_network *nets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		berth_network_release(&nets[i]);
	free(nets);
}

static char *now_rfc3339(void)
{
	return berth_time_now_rfc3339nano();
}

/*
 * A network's record outlives a reboot and is synced; an endpoint's
 * describes a veth and a namespace that a reboot ends, and a SIGKILL-safe
 * rename is all it needs (a sync cost more than the whole veth setup).
 */
static int write_json_at(int dir_fd, const char *name, const json_t *j, bool durable,
			 struct berth_error **err)
{
	_cleanup_free_ char *s = berth_json_dump(j, NULL);
	/* every writer holds networks/lock: a temp seen here is a crashed writer's */
	berth_remove_dead_atomic_temps(dir_fd);
	if (!durable)
		return berth_write_file_replace(dir_fd, name, s, strlen(s), 0600, err);
	return berth_write_file_atomic(dir_fd, name, s, strlen(s), 0600, err);
}

static bool is_id(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* Writes networks/<id>/network.json (and its endpoints/), the directory made first. */
static int put_network(struct berth_netstore *s, const struct berth_network *n,
		       struct berth_error **err)
{
	if (mkdirat(s->net_dir, n->id, 0700) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create network '%s'", n->name);
	_cleanup_close_ int d = openat(s->net_dir, n->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return berth_error_syscall(err, errno, "open network '%s'", n->name);
	if (mkdirat(d, "endpoints", 0700) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create network '%s'", n->name);
	_cleanup_json_ json_t *j = berth_net_record_network(n);
	return write_json_at(d, "network.json", j, true, err);
}

int berth_netstore_list(struct berth_netstore *s, struct berth_network **ret, size_t *ret_n,
			struct berth_error **err)
{
	int fd = openat(s->net_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open the networks");
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berth_error_syscall(err, errno, "open the networks");
	}
	struct berth_network *nets = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_id(de->d_name))
			continue;
		_cleanup_free_ char *p = berth_xasprintf("%s/network.json", de->d_name);
		_cleanup_json_ json_t *j = NULL;
		struct berth_network net;
		/* a directory without its record is a create that did not finish */
		if (berth_json_read_at(s->net_dir, p, RECORD_MAX, &j, NULL) < 0 ||
		    berth_net_parse_network(j, &net, NULL) < 0)
			continue;
		nets = berth_xreallocarray(nets, n + 1, sizeof(*nets));
		nets[n++] = net;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(nets[k - 1].name, nets[k].name) > 0; k--) {
			struct berth_network t = nets[k];
			nets[k] = nets[k - 1];
			nets[k - 1] = t;
		}
	*ret = nets;
	*ret_n = n;
	return 0;
}

int berth_netstore_find(struct berth_netstore *s, const char *what, struct berth_network *ret,
			struct berth_error **err)
{
	struct berth_network *nets = NULL;
	size_t n = 0;
	int r = berth_netstore_list(s, &nets, &n, err);
	if (r < 0)
		return r;
	ssize_t hit = -1;
	size_t prefix_hits = 0;
	for (size_t i = 0; i < n && hit < 0; i++)
		if (strcmp(nets[i].name, what) == 0 || strcmp(nets[i].id, what) == 0)
			hit = (ssize_t)i;
	for (size_t i = 0; i < n && hit < 0 && *what; i++)
		if (strncmp(nets[i].id, what, strlen(what)) == 0)
			prefix_hits++;
	if (hit < 0 && prefix_hits == 1)
		for (size_t i = 0; i < n && hit < 0; i++)
			if (strncmp(nets[i].id, what, strlen(what)) == 0)
				hit = (ssize_t)i;
	if (hit >= 0) {
		*ret = nets[hit];
		memset(&nets[hit], 0, sizeof(nets[hit]));
	}
	berth_networks_free(nets, n);
	if (hit < 0)
		return berth_error_set(err, ENOENT, "network %s not found", what);
	return 0;
}

int berth_netstore_endpoints(struct berth_netstore *s, const char *id, struct berth_endpoint **ret,
			     size_t *ret_n, struct berth_error **err)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/endpoints", id);
	int fd = openat(s->net_dir, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*ret = NULL;
	*ret_n = 0;
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return berth_error_syscall(err, errno, "open the endpoints of network %s", id);
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berth_error_syscall(err, errno, "open the endpoints of network %s", id);
	}
	struct berth_endpoint *eps = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l != 64 + 5 || strcmp(de->d_name + 64, ".json") != 0)
			continue;
		_cleanup_json_ json_t *j = NULL;
		struct berth_endpoint e;
		if (berth_json_read_at(dirfd(d), de->d_name, RECORD_MAX, &j, NULL) < 0 ||
		    berth_net_parse_endpoint(j, &e, NULL) < 0)
			continue;
		eps = berth_xreallocarray(eps, n + 1, sizeof(*eps));
		eps[n++] = e;
	}
	*ret = eps;
	*ret_n = n;
	return 0;
}

int berth_netstore_put_endpoint(struct berth_netstore *s, const char *net_id,
				const struct berth_endpoint *e, struct berth_error **err)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/endpoints", net_id);
	_cleanup_close_ int d = openat(s->net_dir, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return berth_error_syscall(err, errno, "open the endpoints of network %s", net_id);
	_cleanup_free_ char *name = berth_xasprintf("%s.json", e->container_id);
	_cleanup_json_ json_t *j = berth_net_record_endpoint(e);
	return write_json_at(d, name, j, false, err);
}

int berth_netstore_del_endpoint(struct berth_netstore *s, const char *net_id, const char *cid,
				struct berth_error **err)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/endpoints/%s.json", net_id, cid);
	if (unlinkat(s->net_dir, p, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove endpoint of %s", cid);
	return 0;
}

bool berth_netstore_owner_alive(struct berth_netstore *s, const char *cid)
{
	_cleanup_free_ char *name = berth_xasprintf("%s.lock", cid);
	_cleanup_close_ int fd = openat(s->ns_dir, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	/* the owner holds it exclusively: taking it means nobody does */
	return flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

/* bridge, host and none, made the first time any network call runs. */
static int add_predefined(struct berth_netstore *s, struct berth_error **err)
{
	static const struct {
		const char *name, *driver;
	} pre[] = {{"bridge", "bridge"}, {"host", "host"}, {"none", "null"}};
	struct berth_network *nets = NULL;
	size_t n = 0;
	int r = berth_netstore_list(s, &nets, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]) && r >= 0; i++) {
		bool have = false;
		for (size_t k = 0; k < n; k++)
			have = have || strcmp(nets[k].name, pre[i].name) == 0;
		if (have)
			continue;
		struct berth_network net = {.name = berth_xstrdup(pre[i].name),
					    .driver = berth_xstrdup(pre[i].driver),
					    .created = now_rfc3339()};
		berth_random_hex(net.id, 32);
		if (strcmp(pre[i].name, "bridge") == 0) {
			net.bridge = berth_xstrdup("berth0");
			r = berth_net_choose_subnet(s, &net, err);
		}
		if (r >= 0)
			r = put_network(s, &net, err);
		berth_network_release(&net);
	}
	berth_networks_free(nets, n);
	return r;
}

int berth_netstore_open(const char *root, struct berth_netstore *s, struct berth_error **err)
{
	s->root = root;
	s->net_dir = berth_mkdir_open(root, "networks", err);
	if (s->net_dir < 0)
		return s->net_dir;
	s->ns_dir = berth_mkdir_open(root, "netns", err);
	if (s->ns_dir < 0)
		return s->ns_dir;
	s->lock_fd = openat(s->net_dir, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0)
		return berth_error_syscall(err, errno, "open the networks lock");
	while (flock(s->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return berth_error_syscall(err, errno, "lock the networks");
	return add_predefined(s, err);
}

/*
 * The subnets of every network, and the host's routes and addresses but
 * those of bridge: the bridge berth0 another store (or an earlier one) made
 * is the one this store's bridge network uses, not a host route to avoid.
 */
static int taken_subnets(struct berth_netstore *s, const char *bridge, char ***ret,
			 struct berth_error **err)
{
	_cleanup_(berth_nl_closep) struct berth_nl *nl = NULL;
	int r = berth_nl_open(-1, &nl, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **taken = NULL;
	r = berth_link_ipv4_in_use(nl, bridge, &taken, err);
	if (r < 0)
		return r;
	struct berth_network *nets = NULL;
	size_t n = 0;
	r = berth_netstore_list(s, &nets, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (nets[i].subnet)
			berth_strv_push(&taken, nets[i].subnet);
	berth_networks_free(nets, n);
	*ret = TAKE_PTR(taken);
	return 0;
}

int berth_net_choose_subnet(struct berth_netstore *s, struct berth_network *n,
			    struct berth_error **err)
{
	_cleanup_strv_free_ char **taken = NULL;
	int r = taken_subnets(s, n->bridge, &taken, err);
	if (r < 0)
		return r;
	struct berth_subnet sub;
	r = berth_ipam_choose_subnet(taken, &sub, err);
	if (r < 0)
		return r;
	char a[16], g[16];
	berth_ipv4_format(sub.net, a);
	berth_ipv4_format(sub.net + 1, g);
	n->subnet = berth_xasprintf("%s/%u", a, sub.prefix);
	n->gateway = berth_xstrdup(g);
	return 0;
}

/* A user-given subnet (and gateway) checked against the host and the other networks. */
static int use_subnet(struct berth_netstore *s, const struct berth_network_create_options *o,
		      struct berth_network *n, struct berth_error **err)
{
	struct berth_subnet sub;
	int r = berth_subnet_parse(o->subnet, &sub, err);
	if (r < 0)
		return r;
	if (sub.prefix > 30)
		return berth_error_set(err, EINVAL, "subnet %s is too small", o->subnet);
	_cleanup_strv_free_ char **taken = NULL;
	r = taken_subnets(s, NULL, &taken, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (t, taken) {
		struct berth_subnet ts;
		if (berth_subnet_parse(*t, &ts, NULL) < 0) {
			/* an address: its /32 */
			uint32_t a;
			if (!strchr(*t, '/') || berth_ipv4_parse(*t, &a, NULL) < 0) {
				_cleanup_free_ char *h = berth_xstrndup(*t, strcspn(*t, "/"));
				if (berth_ipv4_parse(h, &a, NULL) < 0)
					continue;
			}
			ts = (struct berth_subnet){.net = a, .prefix = 32};
		}
		if (berth_subnet_overlaps(&sub, &ts))
			return berth_error_set(err, EADDRINUSE,
					       "invalid pool request: Pool overlaps with other "
					       "one on this address space (%s and %s)",
					       o->subnet, *t);
	}
	uint32_t gw = sub.net + 1;
	if (o->gateway) {
		r = berth_ipv4_parse(o->gateway, &gw, err);
		if (r < 0)
			return r;
		uint32_t bcast =
			sub.net | (sub.prefix ? ~(~(uint32_t)0 << (32 - sub.prefix)) : ~0u);
		if (!berth_subnet_contains(&sub, gw) || gw == sub.net || gw == bcast)
			return berth_error_set(err, EINVAL,
					       "invalid gateway %s: not a host address of %s",
					       o->gateway, o->subnet);
	}
	char g[16];
	berth_ipv4_format(gw, g);
	n->subnet = berth_xstrdup(o->subnet);
	n->gateway = berth_xstrdup(g);
	return 0;
}

int berth_network_create(const char *state_dir, const struct berth_network_create_options *o,
			 struct berth_network *ret, struct berth_error **err)
{
	if (!berth_network_name_is_valid(o->name))
		return berth_error_set(err, EINVAL,
				       "invalid network name '%s': only "
				       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
				       o->name);
	if (o->driver && strcmp(o->driver, "bridge") != 0)
		return berth_error_set(err, ENOTSUP,
				       "network driver '%s' is not supported: only 'bridge'",
				       o->driver);
	if (o->gateway && !o->subnet)
		return berth_error_set(err, EINVAL, "a --gateway needs a --subnet");
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	struct berth_network existing;
	if (berth_netstore_find(&s, o->name, &existing, NULL) >= 0 &&
	    strcmp(existing.name, o->name) == 0) {
		berth_network_release(&existing);
		return berth_error_set(err, EEXIST, "network with name %s already exists", o->name);
	}
	struct berth_network n = {.name = berth_xstrdup(o->name),
				  .driver = berth_xstrdup("bridge"),
				  .internal = o->internal,
				  .labels = berth_strv_copy(o->labels),
				  .created = now_rfc3339()};
	if (!n.labels)
		n.labels = berth_xcalloc(1, sizeof(char *));
	berth_random_hex(n.id, 32);
	n.bridge = berth_xasprintf("br-%.12s", n.id);
	r = o->subnet ? use_subnet(&s, o, &n, err) : berth_net_choose_subnet(&s, &n, err);
	if (r >= 0)
		r = put_network(&s, &n, err);
	if (r >= 0)
		berth_event_emit(state_dir, "network", "create", n.id,
				 (const char *[]){"name", n.name, "type", n.driver, NULL});
	if (r < 0 || !ret)
		berth_network_release(&n);
	else
		*ret = n;
	return r;
}

int berth_network_get(const char *state_dir, const char *what, struct berth_network *ret,
		      struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	return berth_netstore_find(&s, what, ret, err);
}

int berth_network_list(const char *state_dir, struct berth_network **ret, size_t *ret_n,
		       struct berth_error **err)
{
	_cleanup_(berth_netstore_close) struct berth_netstore s = BERTH_NETSTORE_INIT;
	int r = berth_netstore_open(state_dir, &s, err);
	if (r < 0)
		return r;
	return berth_netstore_list(&s, ret, ret_n, err);
}
