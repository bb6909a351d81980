/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/ps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/format.h"
#include "berth/net-opts.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/sort.h"
#include "core/strv.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Docker's formatter.Ellipsis for text without wide characters: max-1 runes and "…". */
static char *ellipsis(const char *s, size_t max)
{
	size_t runes = 0, i = 0, cut = 0;
	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && runes++ == max - 1)
			cut = i;
	if (runes <= max)
		return berth_xstrdup(s);
	return berth_xasprintf("%.*s…", (int)cut, s);
}

/* The daemon's Command of a container: path and args, args with a space in single quotes. */
static char *container_command(const json_t *c)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	size_t i;
	json_t *a;
	berth_buf_addstr(&b, str(c, "Path"));
	json_array_foreach (json_object_get(c, "Args"), i, a) {
		const char *s = json_string_value(a);
		berth_buf_addf(&b, strchr(s ? s : "", ' ') ? " '%s'" : " %s", s ? s : "");
	}
	return berth_buf_detach(&b, NULL);
}

/* strconv.Quote for the printable text commands hold. */
static char *go_quote(const char *s)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addch(&b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			berth_buf_addf(&b, "\\%c", c);
		else if (c == '\n' || c == '\t')
			berth_buf_addstr(&b, c == '\n' ? "\\n" : "\\t");
		else if (c < 0x20 || c == 0x7f)
			berth_buf_addf(&b, "\\x%02x", c);
		else
			berth_buf_addch(&b, (char)c);
	}
	berth_buf_addch(&b, '"');
	return berth_buf_detach(&b, NULL);
}

/* Labels as Docker's formatter joins them: k=v,k=v (sorted here; Go's map order is random). */
static char *container_labels(const json_t *c)
{
	json_t *labels = json_object_get(json_object_get(c, "Config"), "Labels");
	_cleanup_strv_free_ char **kv = NULL;
	const char *k;
	json_t *v;
	json_object_foreach (labels, k, v)
		berth_strv_consume(&kv, berth_xasprintf("%s=%s", k, json_string_value(v) ?: ""));
	berth_strv_sort(kv);
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (l, kv)
		berth_buf_addf(&b, "%s%s", b.len ? "," : "", *l);
	return berth_buf_detach(&b, NULL);
}

static char *container_mounts(const json_t *c, bool trunc, int *ret_volumes)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	size_t i;
	json_t *m;
	*ret_volumes = 0;
	json_array_foreach (json_object_get(c, "Mounts"), i, m) {
		const char *name = *str(m, "Name") ? str(m, "Name") : str(m, "Source");
		_cleanup_free_ char *shown = trunc ? ellipsis(name, 15) : berth_xstrdup(name);
		berth_buf_addf(&b, "%s%s", b.len ? "," : "", shown);
		*ret_volumes += strcmp(str(m, "Type"), "volume") == 0;
	}
	return berth_buf_detach(&b, NULL);
}

/*
 * PORTS: the ports the container publishes now (NetworkSettings.Ports,
 * emptied when it stops), as Docker's DisplayablePorts (net-opts.c).
 */
static char *container_ports(const json_t *c)
{
	json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	_cleanup_free_ struct berth_port_map *maps = NULL;
	size_t n = 0;
	const char *key;
	json_t *list;
	json_object_foreach (ports, key, list) {
		struct berth_port_map base;
		if (berth_port_exposed_parse(key, &base, NULL) < 0)
			continue;
		size_t i;
		json_t *b;
		json_array_foreach (list, i, b) {
			struct berth_port_map m = base;
			snprintf(m.host_ip, sizeof(m.host_ip), "%s", str(b, "HostIp"));
			m.host_port = (uint16_t)atoi(str(b, "HostPort"));
			maps = berth_xreallocarray(maps, n + 1, sizeof(*maps));
			maps[n++] = m;
		}
	}
	return net_ports_column(maps, n);
}

/* key (ASCII) of row: s, or "" when s is no valid UTF-8 */
static void set_str(json_t *row, const char *key, const char *s)
{
	json_t *v = json_string(s);
	json_object_set_new_nocheck(row, key, v ? v : json_string(""));
}

/* One container as Docker's formatter names its fields (keys sorted, as its JSON). */
json_t *ps_row(const json_t *c, bool trunc, const char *size)
{
	const char *id = str(c, "Id");
	const char *image = *str(c, "ImageRef") ? str(c, "ImageRef") : str(c, "Rootfs");
	const char *name = str(c, "Name");
	json_t *st = json_object_get(c, "State");
	_cleanup_free_ char *cmd = container_command(c);
	_cleanup_free_ char *shown = trunc ? ellipsis(cmd, 20) : berth_xstrdup(cmd);
	_cleanup_free_ char *quoted = go_quote(shown);
	_cleanup_free_ char *labels = container_labels(c);
	_cleanup_free_ char *ports = container_ports(c);
	int volumes = 0;
	_cleanup_free_ char *mounts = container_mounts(c, trunc, &volumes);
	_cleanup_free_ char *status = berth_container_status_text(st, time(NULL));
	char since[64], at[64], nvol[16];
	cli_human_since(since, sizeof(since), str(c, "Created"));
	cli_created_at(at, sizeof(at), str(c, "Created"));
	snprintf(nvol, sizeof(nvol), "%d", volumes);
	const char *net = str(json_object_get(c, "HostConfig"), "NetworkMode");
	size_t idlen = trunc && strlen(id) > 12 ? 12 : strlen(id);
	const char *health = str(json_object_get(st, "Health"), "Status");
	/* set one by one: json_pack's format walk was half of a row's cost */
	json_t *row = json_object();
	set_str(row, "Command", quoted);
	set_str(row, "CreatedAt", at);
	set_str(row, "HealthStatus", health);
	json_object_set_new_nocheck(row, "ID", json_stringn(id, idlen));
	set_str(row, "Image", image);
	set_str(row, "Labels", labels);
	set_str(row, "LocalVolumes", nvol);
	set_str(row, "Mounts", mounts);
	set_str(row, "Names", name[0] == '/' ? name + 1 : name);
	set_str(row, "Networks", net);
	set_str(row, "Ports", ports);
	set_str(row, "RunningFor", since);
	set_str(row, "Size", size ? size : "0B");
	set_str(row, "State", str(st, "Status"));
	set_str(row, "Status", status);
	return row;
}

void ps_row_add_pod(json_t *row, const json_t *c, bool trunc, const json_t *pods)
{
	const char *id = str(c, "Pod");
	size_t idlen = trunc && strlen(id) > 12 ? 12 : strlen(id);
	json_object_set_new(row, "Pod", json_stringn(id, idlen));
	json_object_set_new(row, "PodName", json_string(berth_container_pod_name(pods, id)));
}

json_t *ps_titles(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
			 "s:s, s:s, s:s}",
			 "Command", "COMMAND", "CreatedAt", "CREATED AT", "HealthStatus",
			 "HEALTH STATUS", "ID", "CONTAINER ID", "Image", "IMAGE", "Labels",
			 "LABELS", "LocalVolumes", "LOCAL VOLUMES", "Mounts", "MOUNTS", "Names",
			 "NAMES", "Networks", "NETWORKS", "Ports", "PORTS", "RunningFor", "CREATED",
			 "Size", "SIZE", "State", "STATE", "Status", "STATUS", "Pod", "POD ID",
			 "PodName", "PODNAME");
}

/* ---- filters (container/filter.c) ---- */

static bool has_filter(char *const *filters, const char *key)
{
	size_t n = strlen(key);
	BERTH_STRV_FOREACH (f, filters)
		if (strncmp(*f, key, n) == 0 && (*f)[n] == '=')
			return true;
	return false;
}

bool ps_needs_pods(const struct ps_options *o)
{
	return o->pod || has_filter(o->filters, "pod") || (o->format && strstr(o->format, ".Pod"));
}

/* A record and its Created, looked up once rather than at every comparison. */
struct by_created {
	json_t *c;
	const char *created;
};

static int newest_first(const void *a, const void *b)
{
	return strcmp(((const struct by_created *)b)->created,
		      ((const struct by_created *)a)->created);
}

json_t *ps_select(const json_t *list, const struct ps_options *o)
{
	size_t n = json_array_size(list), kept = 0;
	_cleanup_free_ struct by_created *v = berth_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].c = json_array_get(list, i);
		v[i].created = str(v[i].c, "Created");
	}
	berth_qsort(v, n, sizeof(*v), newest_first);
	/* -n and a status filter look past running containers, as Docker's daemon does */
	bool all = o->all || o->last > 0 || has_filter(o->filters, "status");
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		bool running =
			json_is_true(json_object_get(json_object_get(v[i].c, "State"), "Running"));
		if (!all && !running)
			continue;
		if (!berth_container_filters_match(v[i].c, o->filters, o->pods))
			continue;
		if (o->last > 0 && kept == (size_t)o->last)
			break;
		json_array_append(out, v[i].c);
		kept++;
	}
	return out;
}
