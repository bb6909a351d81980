/* SPDX-License-Identifier: Apache-2.0 */
#include "network/ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/names.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "network/nat.h"

#define PORTS_FILE     "ports.json"
#define PORTS_LOCK     "ports.lock"
#define PORTS_FILE_MAX (16 << 20)

const char *berth_port_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* ---- -p specs (Docker's go-connections nat.ParsePortSpec) ---- */

/* A decimal 0..65535 as strconv.ParseUint(s, 10, 16): digits only, no sign. */
static bool parse_u16(const char *s, size_t len, uint16_t *ret)
{
	if (len == 0 || len > 5)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*ret = (uint16_t)v;
	return true;
}

/* ParsePortRange: "N" or "N-M" with M >= N. */
static bool parse_range(const char *s, uint16_t *start, uint16_t *end)
{
	const char *dash = strchr(s, '-');
	if (!dash)
		return parse_u16(s, strlen(s), start) && (*end = *start, true);
	/* Go's strings.Split then parts[1]: a second dash makes parts[1] stop there */
	const char *second = strchr(dash + 1, '-');
	size_t len2 = second ? (size_t)(second - dash - 1) : strlen(dash + 1);
	return parse_u16(s, (size_t)(dash - s), start) && parse_u16(dash + 1, len2, end) &&
	       *end >= *start;
}

int berth_port_spec_parse(const char *spec, struct berth_port_map **maps, size_t *n,
			  struct berth_error **err)
{
	if (!spec)
		spec = "";
	_cleanup_free_ char *raw = berth_xstrdup(spec);
	/* splitParts: the last ':' field is the container port, the one before
	 * the host port, everything before that the IP (IPv6 has colons) */
	char *ctr = strrchr(raw, ':');
	char *host = NULL, *ip = NULL;
	if (ctr) {
		*ctr++ = '\0';
		host = strrchr(raw, ':');
		if (host) {
			*host++ = '\0';
			ip = raw;
		} else {
			host = raw;
		}
	} else {
		ctr = raw;
	}

	/* SplitProtoPort */
	const char *proto = "";
	char *slash = strchr(ctr, '/');
	if (ctr[0] == '\0' || ctr[0] == '/') {
		ctr[0] = '\0';
	} else if (slash) {
		*slash = '\0';
		char *rest = slash + 1;
		char *more = strchr(rest, '/');
		if (more)
			*more = '\0';
		proto = rest[0] ? rest : "tcp";
	} else {
		proto = "tcp";
	}

	if (ip && ip[0] == '[') {
		size_t l = strlen(ip);
		if (l < 2 || ip[l - 1] != ']')
			return berth_error_set(err, EINVAL, "invalid IP address %s", ip);
		ip[l - 1] = '\0';
		ip++;
	}
	char addr[sizeof(struct in6_addr)];
	bool v4 = false;
	if (ip && ip[0]) {
		v4 = inet_pton(AF_INET, ip, addr) == 1;
		if (!v4 && inet_pton(AF_INET6, ip, addr) != 1)
			return berth_error_set(err, EINVAL, "invalid IP address: %s", ip);
	}
	if (ctr[0] == '\0')
		return berth_error_set(err, EINVAL, "no port specified: %s<empty>", spec);
	uint16_t cstart, cend, hstart = 0, hend = 0;
	if (!parse_range(ctr, &cstart, &cend))
		return berth_error_set(err, EINVAL, "invalid containerPort: %s", ctr);
	bool has_host = host && host[0];
	if (has_host && !parse_range(host, &hstart, &hend))
		return berth_error_set(err, EINVAL, "invalid hostPort: %s", host);
	if (has_host && cend - cstart != hend - hstart && cend != cstart)
		return berth_error_set(
			err, EINVAL,
			"invalid ranges specified for container and host Ports: %s and %s", ctr,
			host);
	int p;
	if (strcasecmp(proto, "tcp") == 0)
		p = IPPROTO_TCP;
	else if (strcasecmp(proto, "udp") == 0)
		p = IPPROTO_UDP;
	else if (strcasecmp(proto, "sctp") == 0)
		return berth_error_set(err, EINVAL,
				       "unsupported proto: sctp (berth publishes tcp and udp)");
	else
		return berth_error_set(err, EINVAL, "invalid proto: %s", proto);
	/* Docker accepts these and its daemon fails later; berth says it now */
	if (cstart == 0)
		return berth_error_set(err, EINVAL, "invalid containerPort: %s", ctr);
	if (ip && ip[0] && !v4)
		return berth_error_set(err, EINVAL,
				       "invalid IP address: %s (berth publishes IPv4 only)", ip);

	size_t count = (size_t)(cend - cstart) + 1;
	*maps = berth_xreallocarray(*maps, *n + count, sizeof(**maps));
	for (size_t i = 0; i < count; i++) {
		struct berth_port_map *m = &(*maps)[*n + i];
		memset(m, 0, sizeof(*m));
		if (ip && ip[0])
			snprintf(m->host_ip, sizeof(m->host_ip), "%s", ip);
		m->container_port = (uint16_t)(cstart + i);
		m->proto = p;
		if (has_host && cstart == cend && hstart != hend) {
			m->host_port = hstart;
			m->host_port_end = hend;
		} else if (has_host) {
			m->host_port = (uint16_t)(hstart + i);
		}
	}
	*n += count;
	return 0;
}

int berth_port_exposed_parse(const char *key, struct berth_port_map *ret, struct berth_error **err)
{
	struct berth_port_map *maps = NULL;
	size_t n = 0;
	/* an exposed port is a container port only: no ':' and no range */
	if (!key || strchr(key, ':') || strchr(key, '-'))
		return berth_error_set(err, EINVAL, "invalid exposed port '%s'", key ? key : "");
	int r = berth_port_spec_parse(key, &maps, &n, err);
	if (r < 0)
		return berth_error_prefix(err, "exposed port");
	*ret = maps[0];
	free(maps);
	return 0;
}

/* ---- allocation state ---- */

struct port_entry {
	char *owner;
	char *container_ip;
	struct berth_port_map map;
};

struct port_state {
	struct port_entry *v;
	size_t n;
	/*
	 * The strings of dropped entries, freed with the state: compaction
	 * copies entries, and freeing at once would leave the analyzer unsure
	 * that no kept entry shares a dropped one's string.
	 */
	char **dropped;
};

static void port_state_release(struct port_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].owner);
		free(s->v[i].container_ip);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
	berth_strv_free(s->dropped);
	s->dropped = NULL;
}

static void port_state_add(struct port_state *s, const char *owner, const char *container_ip,
			   const struct berth_port_map *m)
{
	s->v = berth_xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = (struct port_entry){
		.owner = berth_xstrdup(owner),
		.container_ip = berth_xstrdup(container_ip),
		.map = *m,
	};
}

/* Drops the owner's entries; returns how many there were. */
static size_t port_state_drop(struct port_state *s, const char *owner)
{
	size_t kept = 0, dropped = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].owner, owner) == 0) {
			berth_strv_consume(&s->dropped, s->v[i].owner);
			berth_strv_consume(&s->dropped, s->v[i].container_ip);
			dropped++;
		} else {
			s->v[kept++] = s->v[i];
		}
	}
	s->n = kept;
	return dropped;
}

static int entry_from_json(json_t *o, struct port_state *s, struct berth_error **err)
{
	const char *owner, *cip, *hip, *proto;
	int64_t hp, cp;
	int r;
	if ((r = berth_json_get_string(o, "owner", true, &owner, err)) < 0 ||
	    (r = berth_json_get_string(o, "container_ip", true, &cip, err)) < 0 ||
	    (r = berth_json_get_string(o, "host_ip", true, &hip, err)) < 0 ||
	    (r = berth_json_get_string(o, "proto", true, &proto, err)) < 0 ||
	    (r = berth_json_get_int(o, "host_port", true, &hp, err)) < 0 ||
	    (r = berth_json_get_int(o, "container_port", true, &cp, err)) < 0)
		return r;
	struct berth_port_map m = {0};
	if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535 || strlen(hip) >= sizeof(m.host_ip) ||
	    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
		return berth_error_set(err, EBADMSG, "bad entry of owner '%s'", owner);
	snprintf(m.host_ip, sizeof(m.host_ip), "%s", hip);
	m.host_port = (uint16_t)hp;
	m.container_port = (uint16_t)cp;
	m.proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	port_state_add(s, owner, cip, &m);
	return 0;
}

static int state_load(int dirfd, struct port_state *s, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	_cleanup_error_ struct berth_error *e = NULL;
	int r = berth_read_file_at(dirfd, PORTS_FILE, PORTS_FILE_MAX, &data, &len, &e);
	/* missing, or emptied by a power loss before its unsynced data hit the disk */
	if (r == -ENOENT || (r >= 0 && len == 0))
		return 0;
	if (r < 0) {
		if (err) {
			*err = e;
			e = NULL;
		}
		return r;
	}
	_cleanup_json_ json_t *root = NULL;
	r = berth_json_parse(data, len, PORTS_FILE, &root, err);
	if (r < 0)
		return r;
	json_t *arr;
	r = berth_json_get_array(root, "ports", true, &arr, err);
	if (r < 0)
		return berth_error_prefix(err, PORTS_FILE);
	size_t i;
	json_t *o;
	json_array_foreach (arr, i, o) {
		r = entry_from_json(o, s, err);
		if (r < 0)
			return berth_error_prefix(err, PORTS_FILE);
	}
	return 0;
}

static int state_save(int dirfd, const struct port_state *s, struct berth_error **err)
{
	_cleanup_json_ json_t *root = json_object();
	json_t *arr = json_array();
	json_object_set_new(root, "ports", arr);
	for (size_t i = 0; i < s->n; i++) {
		const struct port_entry *p = &s->v[i];
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:I, s:s, s:s, s:I}", "owner", p->owner,
						"host_ip", p->map.host_ip, "host_port",
						(json_int_t)p->map.host_port, "proto",
						berth_port_proto_name(p->map.proto), "container_ip",
						p->container_ip, "container_port",
						(json_int_t)p->map.container_port));
	}
	size_t len = 0;
	_cleanup_free_ char *data = berth_json_dump(root, &len);
	/* the rules it records end with a reboot: no sync (see berth_write_file_replace) */
	return berth_write_file_replace(dirfd, PORTS_FILE, data, len, 0644, err);
}

/* Opens state_dir and takes the exclusive lock; *ret_lock holds it. */
static int state_lock(const char *state_dir, int *ret_dir, int *ret_lock, struct berth_error **err)
{
	int r = berth_mkdir_p(state_dir, 0755, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_syscall(err, errno, "open '%s'", state_dir);
	_cleanup_close_ int lock =
		openat(dirfd, PORTS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (lock < 0)
		return berth_error_syscall(err, errno, "open '%s/" PORTS_LOCK "'", state_dir);
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return berth_error_syscall(err, errno, "lock '%s/" PORTS_LOCK "'",
						   state_dir);
	*ret_dir = TAKE_FD(dirfd);
	*ret_lock = TAKE_FD(lock);
	return 0;
}

/* The allocations, loaded under the lock, which is held until port_store_close. */
struct port_store {
	int dirfd;
	int lock;
	struct port_state s;
};

#define PORT_STORE_INIT                                                                            \
	{                                                                                          \
		.dirfd = -EBADF, .lock = -EBADF                                                    \
	}

static void port_store_close(struct port_store *ps)
{
	port_state_release(&ps->s);
	if (ps->dirfd >= 0)
		close(ps->dirfd);
	if (ps->lock >= 0)
		close(ps->lock);
	ps->dirfd = ps->lock = -EBADF;
}

/* Checks owner (for_owner: one is required), locks state_dir and loads what it records. */
static int state_open(const char *state_dir, bool for_owner, const char *owner,
		      struct port_store *ps, struct berth_error **err)
{
	if (for_owner && (!owner || !berth_word_is_valid(owner, 128)))
		return berth_error_set(err, EINVAL, "invalid owner '%s'", owner ? owner : "");
	int r = state_lock(state_dir, &ps->dirfd, &ps->lock, err);
	if (r < 0)
		return r;
	return state_load(ps->dirfd, &ps->s, err);
}

static bool state_has(const struct port_state *s, const char *owner)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].owner, owner) == 0)
			return true;
	return false;
}

/* ---- choosing ports ---- */

static bool ips_overlap(const char *a, const char *b)
{
	bool any_a = !a[0] || strcmp(a, "0.0.0.0") == 0;
	bool any_b = !b[0] || strcmp(b, "0.0.0.0") == 0;
	return any_a || any_b || strcmp(a, b) == 0;
}

static bool maps_clash(const struct berth_port_map *a, const struct berth_port_map *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	       ips_overlap(a->host_ip, b->host_ip);
}

/*
 * True when a socket of this host holds ip:port (bind() fails with
 * EADDRINUSE). SO_REUSEADDR so that connections in TIME_WAIT do not count,
 * as they would not stop a server either.
 */
static bool port_is_bound(const char *ip, uint16_t port, int proto)
{
	_cleanup_close_ int fd = socket(
		AF_INET, (proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (ip[0] && inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return false;
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
}

/* Free for m: held by no other entry, none of taken[0..ntaken), and no socket. */
static bool port_is_free(const struct port_state *s, const struct berth_port_map *taken,
			 size_t ntaken, const struct berth_port_map *m)
{
	for (size_t i = 0; i < s->n; i++)
		if (maps_clash(&s->v[i].map, m))
			return false;
	for (size_t i = 0; i < ntaken; i++)
		if (maps_clash(&taken[i], m))
			return false;
	return !port_is_bound(m->host_ip, m->host_port, m->proto);
}

static void ephemeral_range(uint16_t *lo, uint16_t *hi)
{
	*lo = 32768;
	*hi = 60999;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (berth_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_local_port_range", 64, &data, &len,
			       NULL) < 0)
		return;
	unsigned a, b;
	if (sscanf(data, "%u %u", &a, &b) == 2 && a >= 1 && a <= b && b <= 65535) {
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
	}
}

static int choose_port(const struct port_state *s, const struct berth_port_map *taken,
		       size_t ntaken, struct berth_port_map *m, struct berth_error **err)
{
	uint16_t lo = m->host_port, hi = m->host_port_end;
	bool ephemeral = m->host_port == 0;
	if (ephemeral)
		ephemeral_range(&lo, &hi);
	uint32_t span = (uint32_t)hi - lo + 1, start = 0;
	/* ephemeral ports start at a random point, as the kernel's do, so that
	 * concurrent owners rarely probe the same port first */
	if (ephemeral && getrandom(&start, sizeof(start), GRND_NONBLOCK) == sizeof(start))
		start %= span;
	else
		start = 0;
	for (uint32_t i = 0; i < span; i++) {
		m->host_port = (uint16_t)(lo + (start + i) % span);
		if (port_is_free(s, taken, ntaken, m)) {
			m->host_port_end = 0;
			return 0;
		}
	}
	m->host_port = lo;
	if (ephemeral)
		return berth_error_set(err, EADDRINUSE, "no free port left in %u-%u", lo, hi);
	return berth_error_set(err, EADDRINUSE, "ports %s:%u-%u are all allocated",
			       m->host_ip[0] ? m->host_ip : "0.0.0.0", lo, hi);
}

static int allocate(const struct port_state *s, struct berth_port_map *maps, size_t n,
		    struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		struct berth_port_map *m = &maps[i];
		if (m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP)
			return berth_error_set(err, EINVAL, "invalid proto: %d", m->proto);
		if (m->host_ip[0] && inet_pton(AF_INET, m->host_ip, &(struct in_addr){0}) != 1)
			return berth_error_set(err, EINVAL, "invalid IP address: %.46s",
					       m->host_ip);
		if (m->host_port == 0 || m->host_port_end > m->host_port) {
			int r = choose_port(s, maps, i, m, err);
			if (r < 0)
				return r;
		} else if (!port_is_free(s, maps, i, m)) {
			return berth_error_set(err, EADDRINUSE, "port %s:%u is already allocated",
					       m->host_ip[0] ? m->host_ip : "0.0.0.0",
					       m->host_port);
		}
	}
	return 0;
}

int berth_net_ports_publish(const char *state_dir, const char *owner_id, const char *container_ip,
			    struct berth_port_map *maps, size_t n, struct berth_error **err)
{
	_cleanup_(port_store_close) struct port_store ps = PORT_STORE_INIT;
	int r = state_open(state_dir, true, owner_id, &ps, err);
	if (r < 0)
		return r;
	size_t had = port_state_drop(&ps.s, owner_id);

	/* on a failure the caller's maps keep what they asked for */
	_cleanup_free_ struct berth_port_map *chosen = berth_xcalloc(n + 1, sizeof(*chosen));
	if (n > 0)
		memcpy(chosen, maps, n * sizeof(*maps));
	r = allocate(&ps.s, chosen, n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		port_state_add(&ps.s, owner_id, container_ip, &chosen[i]);

	/* The allocation is written before the rules exist: a crash between
	 * the two leaves an entry that reclaim removes (with rules or not),
	 * never rules that nothing records. So an owner without entries has
	 * no rules, and its rules are added without looking for old ones. */
	r = state_save(ps.dirfd, &ps.s, err);
	if (r < 0)
		return r;
	r = berth_net_nat_ports_add(owner_id, container_ip, chosen, n, had > 0, err);
	if (r < 0) {
		port_state_drop(&ps.s, owner_id);
		(void)state_save(ps.dirfd, &ps.s, NULL);
		if (had)
			(void)berth_net_nat_ports_remove(owner_id, NULL);
		return r;
	}
	if (n > 0)
		memcpy(maps, chosen, n * sizeof(*maps));
	return 0;
}

/* The owner's maps as recorded; *ret NULL when none. */
static size_t owner_maps(const struct port_state *s, const char *owner, struct berth_port_map **ret)
{
	struct berth_port_map *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].owner, owner) != 0)
			continue;
		v = berth_xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = s->v[i].map;
	}
	*ret = v;
	return n;
}

/*
 * Removes owner's rules, then its entries (the order publish relies on).
 * The rules are deleted by the keys the entries record: no listing of the
 * table, no libnftables.
 */
static int release_owner(struct port_store *ps, const char *owner, struct berth_error **err)
{
	_cleanup_free_ struct berth_port_map *maps = NULL;
	size_t n = owner_maps(&ps->s, owner, &maps);
	int r = berth_net_nat_ports_delete(owner, maps, n, err);
	if (r < 0)
		return r;
	port_state_drop(&ps->s, owner);
	return state_save(ps->dirfd, &ps->s, err);
}

int berth_net_ports_unpublish(const char *state_dir, const char *owner_id, struct berth_error **err)
{
	_cleanup_(port_store_close) struct port_store ps = PORT_STORE_INIT;
	int r = state_open(state_dir, true, owner_id, &ps, err);
	if (r < 0)
		return r;
	/* no entries, no rules (see publish): nftables is not even loaded */
	if (!state_has(&ps.s, owner_id))
		return 0;
	return release_owner(&ps, owner_id, err);
}

/* Removes the rules of dead owners that have no entries (a state file lost or replaced). */
static int reclaim_unrecorded(const struct port_state *s,
			      bool (*alive)(const char *owner_id, void *data), void *data,
			      struct berth_error **err)
{
	_cleanup_strv_free_ char **ruled = NULL;
	int r = berth_net_nat_owners("port", &ruled, err);
	if (r < 0)
		return r;
	int released = 0;
	BERTH_STRV_FOREACH (owner, ruled) {
		if (state_has(s, *owner) || alive(*owner, data))
			continue;
		r = berth_net_nat_ports_remove(*owner, err);
		if (r < 0)
			return r;
		released++;
	}
	return released;
}

int berth_net_ports_reclaim(const char *state_dir, bool (*alive)(const char *owner_id, void *data),
			    void *data, bool unrecorded, struct berth_error **err)
{
	_cleanup_(port_store_close) struct port_store ps = PORT_STORE_INIT;
	int r = state_open(state_dir, false, NULL, &ps, err);
	if (r < 0)
		return r;
	int released = 0;
	for (size_t i = 0; i < ps.s.n;) {
		_cleanup_free_ char *owner = berth_xstrdup(ps.s.v[i].owner);
		if (alive(owner, data)) {
			i++;
			continue;
		}
		r = release_owner(&ps, owner, err);
		if (r < 0)
			return r;
		released++;
		/* entries shifted down: look at index i again */
	}
	if (!unrecorded)
		return released;
	r = reclaim_unrecorded(&ps.s, alive, data, err);
	return r < 0 ? r : released + r;
}

int berth_net_ports_list(const char *state_dir, const char *owner_id, struct berth_port_map **ret,
			 size_t *ret_n, struct berth_error **err)
{
	_cleanup_(port_store_close) struct port_store ps = PORT_STORE_INIT;
	int r = state_open(state_dir, false, NULL, &ps, err);
	if (r < 0)
		return r;
	*ret_n = owner_maps(&ps.s, owner_id, ret);
	return 0;
}
