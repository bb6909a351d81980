/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two syntaxes of a service's ports and volumes, as typed entries.
 * Short ports: [[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTO], HOST_IP an
 * IPv4 address or a bracketed IPv6 one, ports or ranges (one entry per
 * container port, as docker compose expands them). Short volumes:
 * [SOURCE:]TARGET[:OPTIONS], SOURCE a path (bind) when it starts with '/',
 * '.' or '~', else a named volume.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "compose/model.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "core/units.h"

char *berth_compose_abs_path(const char *dir, const char *path)
{
	_cleanup_free_ char *joined =
		path[0] == '/' ? berth_xstrdup(path) : berth_xasprintf("%s/%s", dir, path);
	_cleanup_strv_free_ char **parts = NULL;
	for (char *p = joined, *save = NULL;; p = NULL) {
		char *c = strtok_r(p, "/", &save);
		if (!c)
			break;
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			berth_strv_pop(parts);
		else
			berth_strv_push(&parts, c);
	}
	struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (c, parts)
		berth_buf_addf(&b, "/%s", *c);
	if (!b.len)
		berth_buf_addch(&b, '/');
	return berth_buf_detach(&b, NULL);
}

bool berth_compose_name_is_valid(const char *name)
{
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       strlen(name);
}

/* "80" or "8000-8010" -> [lo, hi] within 1..65535. */
static int parse_port_range(const char *s, size_t len, unsigned *lo, unsigned *hi)
{
	char buf[16];
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	char *dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	const char *parts[2] = {buf, dash ? dash + 1 : buf};
	unsigned v[2];
	for (int i = 0; i < 2; i++) {
		if (!*parts[i] || strspn(parts[i], "0123456789") != strlen(parts[i]) ||
		    strlen(parts[i]) > 5)
			return -EINVAL;
		v[i] = (unsigned)strtoul(parts[i], NULL, 10);
		if (v[i] < 1 || v[i] > 65535)
			return -ERANGE;
	}
	if (v[0] > v[1])
		return -EINVAL;
	*lo = v[0];
	*hi = v[1];
	return 0;
}

static bool is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool is_proto(const char *s)
{
	return strcmp(s, "tcp") == 0 || strcmp(s, "udp") == 0 || strcmp(s, "sctp") == 0;
}

static struct berth_compose_port *new_port(struct berth_compose_service *s)
{
	s->ports = berth_xreallocarray(s->ports, s->n_ports + 1, sizeof(*s->ports));
	struct berth_compose_port *p = &s->ports[s->n_ports++];
	*p = (struct berth_compose_port){0};
	return p;
}

static int short_port(const struct berth_yaml_node *v, const char *where,
		      struct berth_compose_service *s, struct berth_error **err)
{
	const char *spec = v->value;
	_cleanup_free_ char *ip = NULL, *host = NULL, *proto = NULL;
	const char *slash = strrchr(spec, '/');
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
	proto = berth_xstrdup(slash ? slash + 1 : "tcp");
	const char *rest = spec;
	if (spec[0] == '[') {
		const char *close = memchr(spec, ']', len);
		if (!close || close[1] != ':')
			return berth_compose_fail(v, v->line, where, err,
						  "invalid port '%s': unclosed '[' of an IPv6 "
						  "address",
						  spec);
		ip = berth_xstrndup(spec + 1, (size_t)(close - spec - 1));
		rest = close + 2;
	}
	const char *end = spec + len;
	const char *c1 = memchr(rest, ':', (size_t)(end - rest));
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (c2 && ip)
		return berth_compose_fail(v, v->line, where, err, "invalid port '%s'", spec);
	if (c2) {
		ip = berth_xstrndup(rest, (size_t)(c1 - rest));
		host = berth_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		rest = c2 + 1;
	} else if (c1) {
		host = berth_xstrndup(rest, (size_t)(c1 - rest));
		rest = c1 + 1;
	} else if (ip) {
		return berth_compose_fail(v, v->line, where, err, "invalid port '%s'", spec);
	}
	if (rest < end && memchr(rest, ':', (size_t)(end - rest)))
		return berth_compose_fail(v, v->line, where, err,
					  "invalid port '%s': too many ':' (an IPv6 address goes "
					  "in brackets)",
					  spec);
	if (!is_proto(proto))
		return berth_compose_fail(
			v, v->line, where, err,
			"invalid port '%s': protocol '%s' is not tcp, udp or sctp", spec, proto);
	if (ip && *ip && !is_ip(ip))
		return berth_compose_fail(v, v->line, where, err,
					  "invalid port '%s': '%s' is not an IP address", spec, ip);
	unsigned clo, chi, hlo = 0, hhi = 0;
	if (parse_port_range(rest, (size_t)(end - rest), &clo, &chi) < 0)
		return berth_compose_fail(v, v->line, where, err,
					  "invalid port '%s': container port '%.*s' is not a port "
					  "(1-65535) or a range",
					  spec, (int)(end - rest), rest);
	if (host && *host && parse_port_range(host, strlen(host), &hlo, &hhi) < 0)
		return berth_compose_fail(
			v, v->line, where, err,
			"invalid port '%s': host port '%s' is not a port (1-65535) "
			"or a range",
			spec, host);
	if (host && *host && chi != clo && hhi - hlo != chi - clo)
		return berth_compose_fail(v, v->line, where, err,
					  "invalid port '%s': the host and container ranges differ "
					  "in size",
					  spec);
	for (unsigned p = clo; p <= chi; p++) {
		struct berth_compose_port *o = new_port(s);
		o->container_port = (uint16_t)p;
		o->proto = berth_xstrdup(proto);
		o->mode = berth_xstrdup("ingress");
		o->host_ip = ip && *ip ? berth_xstrdup(ip) : NULL;
		if (host && *host)
			o->host_port = chi == clo ? berth_xstrdup(host)
						  : berth_xasprintf("%u", hlo + (p - clo));
	}
	return 0;
}

static int long_port(const struct berth_yaml_node *v, const char *where,
		     struct berth_compose_service *s, struct berth_error **err)
{
	struct berth_compose_port *o = new_port(s);
	int64_t target = -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_entry *e = &v->entries[i];
		_cleanup_free_ char *w = berth_xasprintf("%s.%s", where, e->key);
		int r;
		if (strcmp(e->key, "target") == 0) {
			r = berth_compose_get_int(e->value, w, 1, 65535, &target, err);
		} else if (strcmp(e->key, "published") == 0) {
			unsigned lo, hi;
			r = berth_compose_get_string(e->value, w, &o->host_port, err);
			if (r >= 0 &&
			    parse_port_range(o->host_port, strlen(o->host_port), &lo, &hi) < 0)
				r = berth_compose_fail(e->value, e->line, w, err,
						       "'%s' is not a port (1-65535) or a range",
						       o->host_port);
		} else if (strcmp(e->key, "host_ip") == 0) {
			r = berth_compose_get_string(e->value, w, &o->host_ip, err);
			if (r >= 0 && !is_ip(o->host_ip))
				r = berth_compose_fail(e->value, e->line, w, err,
						       "'%s' is not an IP address", o->host_ip);
		} else if (strcmp(e->key, "protocol") == 0) {
			r = berth_compose_get_string(e->value, w, &o->proto, err);
			if (r >= 0 && !is_proto(o->proto))
				r = berth_compose_fail(e->value, e->line, w, err,
						       "'%s' is not tcp, udp or sctp", o->proto);
		} else if (strcmp(e->key, "mode") == 0) {
			r = berth_compose_get_string(e->value, w, &o->mode, err);
			if (r >= 0 && strcmp(o->mode, "host") != 0 &&
			    strcmp(o->mode, "ingress") != 0)
				r = berth_compose_fail(e->value, e->line, w, err,
						       "'%s' is not host or ingress", o->mode);
		} else if (strcmp(e->key, "name") == 0) {
			r = berth_compose_get_string(e->value, w, &o->name, err);
		} else if (strcmp(e->key, "app_protocol") == 0) {
			r = berth_compose_get_string(e->value, w, &o->app_protocol, err);
		} else {
			r = berth_compose_fail(e->value, e->line, w, err, "unknown key");
		}
		if (r < 0)
			return r;
	}
	if (target < 0)
		return berth_compose_fail(v, v->line, where, err, "a port needs a target");
	o->container_port = (uint16_t)target;
	if (!o->proto)
		o->proto = berth_xstrdup("tcp");
	if (!o->mode)
		o->mode = berth_xstrdup("ingress");
	return 0;
}

int berth_compose_parse_ports(const struct berth_yaml_node *v, const char *where,
			      struct berth_compose_service *s, struct berth_error **err)
{
	if (v->kind != BERTH_YAML_SEQ)
		return berth_compose_fail(v, v->line, where, err, "must be a list");
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_node *x = v->items[i];
		int r;
		if (x->kind == BERTH_YAML_SCALAR)
			r = short_port(x, where, s, err);
		else if (x->kind == BERTH_YAML_MAP)
			r = long_port(x, where, s, err);
		else
			r = berth_compose_fail(x, x->line, where, err,
					       "an entry must be a string or a mapping");
		if (r < 0)
			return r;
	}
	return 0;
}

char *berth_compose_volume_short_target(const char *spec)
{
	const char *c1 = strchr(spec, ':');
	if (!c1)
		return *spec ? berth_xstrdup(spec) : NULL;
	const char *c2 = strchr(c1 + 1, ':');
	size_t n = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
	return n ? berth_xstrndup(c1 + 1, n) : NULL;
}

static struct berth_compose_mount *new_mount(struct berth_compose_service *s)
{
	s->volumes = berth_xreallocarray(s->volumes, s->n_volumes + 1, sizeof(*s->volumes));
	struct berth_compose_mount *m = &s->volumes[s->n_volumes++];
	*m = (struct berth_compose_mount){0};
	return m;
}

static bool is_path_source(const char *src)
{
	return src[0] == '/' || src[0] == '.' || src[0] == '~';
}

static char *host_path(const struct berth_compose_model_ctx *ctx, const char *src)
{
	if (src[0] == '~' && (src[1] == '/' || !src[1])) {
		const char *home = ctx->lookup ? ctx->lookup("HOME", ctx->userdata) : NULL;
		_cleanup_free_ char *p = berth_xasprintf("%s%s", home ? home : "/", src + 1);
		return berth_compose_abs_path("/", p);
	}
	return berth_compose_abs_path(ctx->dir, src);
}

static int short_volume_options(const struct berth_yaml_node *v, const char *where,
				struct berth_compose_mount *m, const char *opts,
				struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(opts);
	for (char *o = copy, *save = NULL;; o = NULL) {
		char *t = strtok_r(o, ",", &save);
		if (!t)
			return 0;
		if (strcmp(t, "ro") == 0)
			m->read_only = true;
		else if (strcmp(t, "rw") == 0)
			m->read_only = false;
		else if ((strcmp(t, "z") == 0 || strcmp(t, "Z") == 0) &&
			 m->type == BERTH_COMPOSE_MOUNT_BIND)
			m->selinux = berth_xstrdup(t);
		else if (strcmp(t, "nocopy") == 0 && m->type == BERTH_COMPOSE_MOUNT_VOLUME)
			m->nocopy = true;
		else if (m->type == BERTH_COMPOSE_MOUNT_BIND &&
			 (strcmp(t, "shared") == 0 || strcmp(t, "rshared") == 0 ||
			  strcmp(t, "slave") == 0 || strcmp(t, "rslave") == 0 ||
			  strcmp(t, "private") == 0 || strcmp(t, "rprivate") == 0))
			m->propagation = berth_xstrdup(t);
		else
			return berth_compose_fail(v, v->line, where, err,
						  "invalid volume '%s': unknown option '%s'",
						  v->value, t);
	}
}

static int short_volume(const struct berth_compose_model_ctx *ctx, const struct berth_yaml_node *v,
			const char *where, struct berth_compose_service *s,
			struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(v->value);
	size_t n = 1;
	for (const char *p = v->value; *p; p++)
		n += *p == ':';
	if (n > 3 || !*v->value)
		return berth_compose_fail(v, v->line, where, err,
					  "invalid volume '%s' (SOURCE:TARGET[:OPTIONS])",
					  v->value);
	char *fields[3] = {copy, NULL, NULL};
	for (size_t i = 1; i < n; i++) {
		fields[i] = strchr(fields[i - 1], ':');
		*fields[i]++ = 0;
	}
	struct berth_compose_mount *m = new_mount(s);
	const char *target = n == 1 ? fields[0] : fields[1];
	if (n == 1) {
		m->type = BERTH_COMPOSE_MOUNT_VOLUME;
	} else if (is_path_source(fields[0])) {
		m->type = BERTH_COMPOSE_MOUNT_BIND;
		m->source = host_path(ctx, fields[0]);
		m->create_host_path = true;
	} else {
		m->type = BERTH_COMPOSE_MOUNT_VOLUME;
		if (!*fields[0])
			return berth_compose_fail(v, v->line, where, err,
						  "invalid volume '%s': empty source", v->value);
		m->source = berth_xstrdup(fields[0]);
	}
	if (target[0] != '/')
		return berth_compose_fail(v, v->line, where, err,
					  "invalid volume '%s': the target '%s' is not an absolute "
					  "path",
					  v->value, target);
	m->target = berth_xstrdup(target);
	return n == 3 ? short_volume_options(v, where, m, fields[2], err) : 0;
}

static int long_volume_sub(const struct berth_yaml_entry *e, const char *w,
			   struct berth_compose_mount *m, struct berth_error **err)
{
	if (e->value->kind != BERTH_YAML_MAP)
		return berth_compose_fail(e->value, e->line, w, err, "must be a mapping");
	for (size_t i = 0; i < e->value->n; i++) {
		const struct berth_yaml_entry *o = &e->value->entries[i];
		_cleanup_free_ char *wo = berth_xasprintf("%s.%s", w, o->key);
		int r;
		if (strcmp(e->key, "bind") == 0 && strcmp(o->key, "propagation") == 0)
			r = berth_compose_get_string(o->value, wo, &m->propagation, err);
		else if (strcmp(e->key, "bind") == 0 && strcmp(o->key, "create_host_path") == 0)
			r = berth_compose_get_bool(o->value, wo, &m->create_host_path, err);
		else if (strcmp(e->key, "bind") == 0 && strcmp(o->key, "selinux") == 0)
			r = berth_compose_get_string(o->value, wo, &m->selinux, err);
		else if (strcmp(e->key, "volume") == 0 && strcmp(o->key, "nocopy") == 0)
			r = berth_compose_get_bool(o->value, wo, &m->nocopy, err);
		else if (strcmp(e->key, "tmpfs") == 0 && strcmp(o->key, "size") == 0)
			r = o->value->kind == BERTH_YAML_SCALAR &&
					    berth_parse_bytes(o->value->value, &m->tmpfs_size,
							      NULL) >= 0
				    ? 0
				    : berth_compose_fail(o->value, o->line, wo, err,
							 "invalid size");
		else if (strcmp(e->key, "tmpfs") == 0 && strcmp(o->key, "mode") == 0) {
			int64_t mode;
			_cleanup_free_ char *octal = NULL;
			r = berth_compose_get_string(o->value, wo, &octal, err);
			char *end = NULL;
			mode = r >= 0 ? strtoll(octal, &end, 8) : 0;
			if (r >= 0 && (!*octal || *end || mode < 0 || mode > 07777))
				r = berth_compose_fail(o->value, o->line, wo, err,
						       "invalid mode '%s' (octal)", octal);
			m->tmpfs_mode = (uint32_t)mode;
		} else
			r = berth_compose_fail(o->value, o->line, wo, err, "unknown key");
		if (r < 0)
			return r;
	}
	return 0;
}

static int long_volume(const struct berth_compose_model_ctx *ctx, const struct berth_yaml_node *v,
		       const char *where, struct berth_compose_service *s, struct berth_error **err)
{
	struct berth_compose_mount *m = new_mount(s);
	_cleanup_free_ char *type = NULL, *source = NULL;
	const struct berth_yaml_node *t = berth_yaml_get(v, "type");
	_cleanup_free_ char *wt = berth_xasprintf("%s.type", where);
	if (!t)
		return berth_compose_fail(v, v->line, where, err,
					  "a long-syntax mount needs a type");
	int r = berth_compose_get_string(t, wt, &type, err);
	if (r < 0)
		return r;
	if (strcmp(type, "bind") == 0)
		m->type = BERTH_COMPOSE_MOUNT_BIND;
	else if (strcmp(type, "volume") == 0)
		m->type = BERTH_COMPOSE_MOUNT_VOLUME;
	else if (strcmp(type, "tmpfs") == 0)
		m->type = BERTH_COMPOSE_MOUNT_TMPFS;
	else
		return berth_compose_fail(t, t->line, wt, err,
					  "'%s' is not bind, volume or tmpfs (refused)", type);
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_entry *e = &v->entries[i];
		_cleanup_free_ char *w = berth_xasprintf("%s.%s", where, e->key);
		if (strcmp(e->key, "type") == 0)
			r = 0;
		else if (strcmp(e->key, "source") == 0)
			r = berth_compose_get_string(e->value, w, &source, err);
		else if (strcmp(e->key, "target") == 0)
			r = berth_compose_get_string(e->value, w, &m->target, err);
		else if (strcmp(e->key, "read_only") == 0)
			r = berth_compose_get_bool(e->value, w, &m->read_only, err);
		else if (strcmp(e->key, type) == 0)
			r = long_volume_sub(e, w, m, err);
		else
			r = berth_compose_fail(e->value, e->line, w, err,
					       "not supported for a %s mount", type);
		if (r < 0)
			return r;
	}
	if (!m->target || m->target[0] != '/')
		return berth_compose_fail(v, v->line, where, err,
					  "a mount needs an absolute target");
	if (m->type == BERTH_COMPOSE_MOUNT_BIND) {
		if (!source || !*source)
			return berth_compose_fail(v, v->line, where, err, "a bind needs a source");
		m->source = host_path(ctx, source);
	} else if (m->type == BERTH_COMPOSE_MOUNT_VOLUME && source && *source) {
		m->source = TAKE_PTR(source);
	} else if (m->type == BERTH_COMPOSE_MOUNT_TMPFS && source) {
		return berth_compose_fail(v, v->line, where, err, "a tmpfs mount has no source");
	}
	return 0;
}

int berth_compose_parse_volumes(const struct berth_compose_model_ctx *ctx,
				const struct berth_yaml_node *v, const char *where,
				struct berth_compose_service *s, struct berth_error **err)
{
	if (v->kind != BERTH_YAML_SEQ)
		return berth_compose_fail(v, v->line, where, err, "must be a list");
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_node *x = v->items[i];
		int r;
		if (x->kind == BERTH_YAML_SCALAR)
			r = short_volume(ctx, x, where, s, err);
		else if (x->kind == BERTH_YAML_MAP)
			r = long_volume(ctx, x, where, s, err);
		else
			r = berth_compose_fail(x, x->line, where, err,
					       "an entry must be a string or a mapping");
		if (r < 0)
			return r;
		const char *added = s->volumes[s->n_volumes - 1].target;
		for (size_t j = 0; added && j + 1 < s->n_volumes; j++)
			if (s->volumes[j].target && strcmp(s->volumes[j].target, added) == 0)
				return berth_compose_fail(x, x->line, where, err,
							  "duplicate mount target '%s'",
							  s->volumes[j].target);
	}
	return 0;
}
