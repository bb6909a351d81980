/* SPDX-License-Identifier: Apache-2.0 */
#include "net-opts.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/sort.h"
#include "core/strv.h"

void net_opts_release(struct net_opts *o)
{
	free(o->ports);
	berth_strv_free(o->expose);
	berth_strv_free(o->add_host_name);
	berth_strv_free(o->add_host_ip);
	berth_strv_free(o->dns.dns);
	berth_strv_free(o->dns.search);
	berth_strv_free(o->dns.options);
	*o = (struct net_opts){0};
}

int net_opts_publish(struct net_opts *o, const char *value, struct berth_error **err)
{
	return berth_port_spec_parse(value, &o->ports, &o->n_ports, err);
}

int net_opts_add_host(struct net_opts *o, const char *value, struct berth_error **err)
{
	char *name = NULL, *ip = NULL;
	int r = berth_net_add_host_parse(value, &name, &ip, err);
	if (r < 0)
		return berth_error_prefix(err, "invalid argument \"%s\" for \"--add-host\" flag",
					  value);
	berth_strv_consume(&o->add_host_name, name);
	berth_strv_consume(&o->add_host_ip, ip);
	return 0;
}

int net_opts_dns(struct net_opts *o, const char *value, struct berth_error **err)
{
	if (!berth_net_dns_is_valid(value))
		return berth_error_set(
			err, EINVAL,
			"invalid argument \"%s\" for \"--dns\" flag: %s is not an ip "
			"address",
			value, value);
	berth_strv_push(&o->dns.dns, value);
	return 0;
}

/* A value resolv.conf keeps as one word. */
static int push_word(char ***v, const char *flag, const char *value, struct berth_error **err)
{
	if (!value || !*value || strpbrk(value, " \t\r\n#;"))
		return berth_error_set(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag",
				       value ? value : "", flag);
	berth_strv_push(v, value);
	return 0;
}

int net_opts_dns_search(struct net_opts *o, const char *value, struct berth_error **err)
{
	return push_word(&o->dns.search, "--dns-search", value, err);
}

int net_opts_dns_option(struct net_opts *o, const char *value, struct berth_error **err)
{
	return push_word(&o->dns.options, "--dns-option", value, err);
}

int net_opts_expose(struct net_opts *o, const char *value, struct berth_error **err)
{
	_cleanup_free_ char *spec = berth_xstrdup(value ? value : "");
	/* no host part: a ':' would make the spec parser read a host port */
	if (strchr(spec, ':'))
		return berth_error_set(err, EINVAL, "invalid range format for --expose: %s", spec);
	struct berth_port_map *maps = NULL;
	size_t n = 0;
	int r = berth_port_spec_parse(spec, &maps, &n, err);
	if (r < 0) {
		free(maps);
		return berth_error_prefix(err, "invalid range format for --expose: %s", spec);
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = berth_xasprintf("%u/%s", maps[i].container_port,
							   berth_port_proto_name(maps[i].proto));
		if (!berth_strv_contains(o->expose, key))
			berth_strv_push(&o->expose, key);
	}
	free(maps);
	return 0;
}

const char *net_opts_discard_ports(struct net_opts *o, const char *network)
{
	bool host = network && strcmp(network, "host") == 0;
	bool none = network && strcmp(network, "none") == 0;
	if ((!host && !none) || (o->n_ports == 0 && !o->publish_all))
		return NULL;
	free(o->ports);
	o->ports = NULL;
	o->n_ports = 0;
	o->publish_all = false;
	return host ? "Published ports are discarded when using host network mode" : NULL;
}

int net_opts_publish_exposed(struct net_opts *o, char *const *exposed, struct berth_error **err)
{
	size_t explicit = o->n_ports;
	BERTH_STRV_FOREACH (key, exposed) {
		struct berth_port_map m;
		int r = berth_port_exposed_parse(*key, &m, err);
		if (r < 0)
			return r;
		bool published = false;
		for (size_t i = 0; i < explicit && !published; i++)
			published = o->ports[i].container_port == m.container_port &&
				    o->ports[i].proto == m.proto;
		if (published)
			continue;
		o->ports = berth_xreallocarray(o->ports, o->n_ports + 1, sizeof(*o->ports));
		o->ports[o->n_ports++] = m;
	}
	return 0;
}

/* ---- PORTS ---- */

static const char *shown_ip(const struct berth_port_map *m)
{
	return m->host_ip[0] ? m->host_ip : "0.0.0.0";
}

/* Docker's comparePorts: private port, IP, public port, type. Exposed-only
 * ports have no IP ("" sorts first). */
static int cmp_ports(const void *pa, const void *pb)
{
	const struct berth_port_map *a = pa, *b = pb;
	if (a->container_port != b->container_port)
		return a->container_port < b->container_port ? -1 : 1;
	const char *ia = a->host_port ? shown_ip(a) : "", *ib = b->host_port ? shown_ip(b) : "";
	int c = strcmp(ia, ib);
	if (c)
		return c;
	if (a->host_port != b->host_port)
		return a->host_port < b->host_port ? -1 : 1;
	return strcmp(berth_port_proto_name(a->proto), berth_port_proto_name(b->proto));
}

struct port_group {
	char key[64]; /* "ip/proto" or "proto" */
	unsigned first, last;
};

static void form_group(struct berth_buf *b, const struct port_group *g)
{
	if (b->len)
		berth_buf_addstr(b, ", ");
	const char *slash = strrchr(g->key, '/');
	char range[16];
	if (g->first != g->last)
		snprintf(range, sizeof(range), "%u-%u", g->first, g->last);
	else
		snprintf(range, sizeof(range), "%u", g->first);
	if (slash)
		berth_buf_addf(b, "%.*s:%s->%s/%s", (int)(slash - g->key), g->key, range, range,
			       slash + 1);
	else
		berth_buf_addf(b, "%s/%s", range, g->key);
}

char *net_ports_column(const struct berth_port_map *maps, size_t n)
{
	_cleanup_free_ struct berth_port_map *v = berth_xcalloc(n + 1, sizeof(*v));
	if (n > 0)
		memcpy(v, maps, n * sizeof(*v));
	berth_qsort(v, n, sizeof(*v), cmp_ports);
	_cleanup_free_ struct port_group *groups = berth_xcalloc(n + 1, sizeof(*groups));
	size_t ngroups = 0;
	struct berth_buf out = BERTH_BUF_INIT;
	_cleanup_(berth_buf_releasep) struct berth_buf mappings = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const struct berth_port_map *m = &v[i];
		const char *proto = berth_port_proto_name(m->proto);
		char key[64];
		if (m->host_port && m->host_port != m->container_port) {
			berth_buf_addf(&mappings, "%s%s:%u->%u/%s", mappings.len ? ", " : "",
				       shown_ip(m), m->host_port, m->container_port, proto);
			continue;
		}
		if (m->host_port)
			snprintf(key, sizeof(key), "%s/%s", shown_ip(m), proto);
		else
			snprintf(key, sizeof(key), "%s", proto);
		struct port_group *g = NULL;
		for (size_t j = 0; j < ngroups && !g; j++)
			if (strcmp(groups[j].key, key) == 0)
				g = &groups[j];
		if (!g) {
			g = &groups[ngroups++];
			snprintf(g->key, sizeof(g->key), "%s", key);
			g->first = g->last = m->container_port;
			continue;
		}
		if (m->container_port == g->last + 1) {
			g->last = m->container_port;
			continue;
		}
		/* a gap: Docker writes the run so far and starts a new one under the key */
		form_group(&out, g);
		g->first = g->last = m->container_port;
	}
	for (size_t j = 0; j < ngroups; j++)
		form_group(&out, &groups[j]);
	if (mappings.len)
		berth_buf_addf(&out, "%s%s", out.len ? ", " : "", mappings.buf);
	return berth_buf_detach(&out, NULL);
}

/* ---- berth port ---- */

/* sortorder.NaturalLess: runs of digits compare as numbers. */
static int natural_cmp(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	while (*a && *b) {
		bool da = *a >= '0' && *a <= '9', db = *b >= '0' && *b <= '9';
		if (da && db) {
			const char *sa = a, *sb = b;
			while (*sa == '0')
				sa++;
			while (*sb == '0')
				sb++;
			const char *ea = sa, *eb = sb;
			while (*ea >= '0' && *ea <= '9')
				ea++;
			while (*eb >= '0' && *eb <= '9')
				eb++;
			if (ea - sa != eb - sb)
				return ea - sa < eb - sb ? -1 : 1;
			int c = strncmp(sa, sb, (size_t)(ea - sa));
			if (c)
				return c;
			a = ea, b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++, b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

/* "8080" or "8080/udp" into port and proto; false when malformed. */
static bool parse_filter(const char *filter, unsigned *port, int *proto)
{
	char *end = NULL;
	if (filter[0] < '0' || filter[0] > '9')
		return false;
	errno = 0;
	unsigned long p = strtoul(filter, &end, 10);
	if (errno || p == 0 || p > 65535)
		return false;
	*port = (unsigned)p;
	if (*end == '\0' || strcmp(end, "/tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(end, "/udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return false;
	return true;
}

int net_ports_print(FILE *out, const struct berth_port_map *maps, size_t n, const char *filter,
		    const char *ctr, struct berth_error **err)
{
	unsigned fport = 0;
	int fproto = 0;
	if (filter && !parse_filter(filter, &fport, &fproto))
		return berth_error_set(err, EINVAL, "invalid port '%s'", filter);
	_cleanup_strv_free_ char **lines = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct berth_port_map *m = &maps[i];
		if (!m->host_port)
			continue;
		if (filter && (m->container_port != fport || m->proto != fproto))
			continue;
		if (filter)
			berth_strv_consume(&lines,
					   berth_xasprintf("%s:%u", shown_ip(m), m->host_port));
		else
			berth_strv_consume(&lines,
					   berth_xasprintf("%u/%s -> %s:%u", m->container_port,
							   berth_port_proto_name(m->proto),
							   shown_ip(m), m->host_port));
	}
	if (filter && !lines)
		return berth_error_set(err, ENOENT, "no public port '%u/%s' published for %s",
				       fport, berth_port_proto_name(fproto), ctr);
	berth_qsort(lines, berth_strv_len(lines), sizeof(char *), natural_cmp);
	BERTH_STRV_FOREACH (l, lines)
		fprintf(out, "%s\n", *l);
	return 0;
}
