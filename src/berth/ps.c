/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/ps.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/format.h"
#include "berth/net-opts.h"
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

/* The daemon's State.String(): "Up 5 minutes", "Exited (0) 2 minutes ago", "Created". */
static void container_status(const json_t *st, char *out, size_t n)
{
	const char *status = str(st, "Status");
	time_t t;
	char d[48] = "";
	bool running = json_is_true(json_object_get(st, "Running"));
	const char *when = str(st, running ? "StartedAt" : "FinishedAt");
	if (cli_parse_time(when, &t) && t > 0)
		cli_human_duration(d, sizeof(d), difftime(time(NULL), t));
	/* Docker's State.String(): "(Paused)", else Health.String(): "health:
	 * starting" or the status itself */
	const char *health = str(json_object_get(st, "Health"), "Status");
	if (running && json_is_true(json_object_get(st, "Paused")))
		snprintf(out, n, "Up %s (Paused)", *d ? d : "Less than a second");
	else if (running && *health)
		snprintf(out, n, "Up %s (%s%s)", *d ? d : "Less than a second",
			 strcmp(health, "starting") == 0 ? "health: " : "", health);
	else if (running)
		snprintf(out, n, "Up %s", *d ? d : "Less than a second");
	else if (strcmp(status, "created") == 0)
		snprintf(out, n, "Created");
	else
		snprintf(out, n, "Exited (%lld) %s ago",
			 (long long)json_integer_value(json_object_get(st, "ExitCode")),
			 *d ? d : "Less than a second");
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
	char status[96], since[64], at[64], nvol[16];
	container_status(st, status, sizeof(status));
	cli_human_since(since, sizeof(since), str(c, "Created"));
	cli_created_at(at, sizeof(at), str(c, "Created"));
	snprintf(nvol, sizeof(nvol), "%d", volumes);
	const char *net = str(json_object_get(c, "HostConfig"), "NetworkMode");
	size_t idlen = trunc && strlen(id) > 12 ? 12 : strlen(id);
	const char *health = str(json_object_get(st, "Health"), "Status");
	return json_pack("{s:s, s:s, s:s, s:s%, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
			 "s:s}",
			 "Command", quoted, "CreatedAt", at, "HealthStatus", health, "ID", id,
			 idlen, "Image", image, "Labels", labels, "LocalVolumes", nvol, "Mounts",
			 mounts, "Names", name[0] == '/' ? name + 1 : name, "Networks", net,
			 "Ports", ports, "RunningFor", since, "Size", size ? size : "0B", "State",
			 str(st, "Status"), "Status", status);
}

/* The pod pod_id's name in pods; "" when it is not there. */
static const char *pod_name(const json_t *pods, const char *pod_id)
{
	size_t i;
	json_t *p;
	json_array_foreach (pods, i, p)
		if (*pod_id && strcmp(str(p, "Id"), pod_id) == 0)
			return str(p, "Name");
	return "";
}

void ps_row_add_pod(json_t *row, const json_t *c, bool trunc, const json_t *pods)
{
	const char *id = str(c, "Pod");
	size_t idlen = trunc && strlen(id) > 12 ? 12 : strlen(id);
	json_object_set_new(row, "Pod", json_stringn(id, idlen));
	json_object_set_new(row, "PodName", json_string(pod_name(pods, id)));
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

/* ---- filters ---- */

static const char *const filter_keys[] = {"ancestor", "exited", "health", "id",
					  "label",    "name",	"pod",	  "status"};
static const char *const healths[] = {"starting", "healthy", "unhealthy", "none"};
static const char *const statuses[] = {"created", "restarting", "running", "removing",
				       "paused",  "exited",	"dead"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool is_int(const char *s)
{
	char *end = NULL;
	errno = 0;
	(void)strtol(s, &end, 10);
	return *s && !*end && errno == 0;
}

int ps_filters_check(char *const *filters, struct berth_error **err)
{
	BERTH_STRV_FOREACH (f, filters) {
		const char *eq = strchr(*f, '=');
		if (!eq)
			return berth_error_set(
				err, EINVAL, "bad format of filter '%s' (expected name=value)", *f);
		_cleanup_free_ char *key = berth_xstrndup(*f, (size_t)(eq - *f));
		const char *v = eq + 1;
		if (!in_list(key, filter_keys, sizeof(filter_keys) / sizeof(*filter_keys)) ||
		    (strcmp(key, "status") == 0 &&
		     !in_list(v, statuses, sizeof(statuses) / sizeof(*statuses))) ||
		    (strcmp(key, "exited") == 0 && !is_int(v)))
			return berth_error_set(err, EINVAL, "invalid filter '%s'", *f);
		if (strcmp(key, "health") == 0 &&
		    !in_list(v, healths, sizeof(healths) / sizeof(*healths)))
			return berth_error_set(err, EINVAL,
					       "Unrecognised filter value for health: %s", v);
		regex_t re;
		if ((strcmp(key, "name") == 0 || strcmp(key, "id") == 0)) {
			if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
				return berth_error_set(
					err, EINVAL,
					"invalid filter '%s': not a regular expression", *f);
			regfree(&re);
		}
	}
	return 0;
}

/* Docker's filters.Args.Match: an unanchored regular expression. */
static bool regex_match(const char *pattern, const char *s)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static bool label_matches(const json_t *c, const char *want)
{
	json_t *labels = json_object_get(json_object_get(c, "Config"), "Labels");
	const char *eq = strchr(want, '=');
	_cleanup_free_ char *key = eq ? berth_xstrndup(want, (size_t)(eq - want)) : NULL;
	json_t *v = json_object_get(labels, key ? key : want);
	return v && (!eq || strcmp(json_string_value(v) ? json_string_value(v) : "", eq + 1) == 0);
}

/* The image by the name it was run as (bb, bb:latest) or by (a prefix of) its id. */
static bool ancestor_matches(const json_t *c, const char *want)
{
	const char *ref = str(c, "ImageRef"), *id = str(c, "Image");
	size_t n = strlen(want);
	if (strcmp(ref, want) == 0)
		return true;
	if (strncmp(ref, want, n) == 0 && strcmp(ref + n, ":latest") == 0)
		return true;
	if (strncmp(want, ref, strlen(ref)) == 0 && strcmp(want + strlen(ref), ":latest") == 0)
		return true;
	if (strncmp(id, "sha256:", 7) == 0 && n >= 4 &&
	    (strncmp(id, want, n) == 0 || strncmp(id + 7, want, n) == 0))
		return true;
	return false;
}

/* podman's pod=: the pod's name, its id or a prefix of it. */
static bool pod_matches(const json_t *c, const char *v, const json_t *pods)
{
	const char *id = str(c, "Pod");
	if (!*id || !*v)
		return false;
	return strncmp(id, v, strlen(v)) == 0 || strcmp(pod_name(pods, id), v) == 0;
}

static bool filter_matches(const json_t *c, const char *key, const char *v, const json_t *pods)
{
	const json_t *st = json_object_get(c, "State");
	if (strcmp(key, "name") == 0) {
		const char *name = str(c, "Name");
		_cleanup_free_ char *slashed = berth_xasprintf("/%s", name);
		return regex_match(v, name) || regex_match(v, slashed);
	}
	if (strcmp(key, "id") == 0)
		return regex_match(v, str(c, "Id"));
	if (strcmp(key, "status") == 0)
		return strcmp(str(st, "Status"), v) == 0;
	if (strcmp(key, "exited") == 0)
		return strcmp(str(st, "Status"), "exited") == 0 &&
		       json_integer_value(json_object_get(st, "ExitCode")) == strtol(v, NULL, 10);
	if (strcmp(key, "label") == 0)
		return label_matches(c, v);
	if (strcmp(key, "pod") == 0)
		return pod_matches(c, v, pods);
	if (strcmp(key, "health") == 0) {
		const char *h = str(json_object_get(st, "Health"), "Status");
		return strcmp(*h ? h : "none", v) == 0;
	}
	return ancestor_matches(c, v);
}

/* Values of one key are alternatives; different keys must all match, as Docker's. */
static bool filters_match(const json_t *c, char *const *filters, const json_t *pods)
{
	for (size_t k = 0; k < sizeof(filter_keys) / sizeof(*filter_keys); k++) {
		size_t klen = strlen(filter_keys[k]);
		bool seen = false, any = false;
		BERTH_STRV_FOREACH (f, filters) {
			if (strncmp(*f, filter_keys[k], klen) != 0 || (*f)[klen] != '=')
				continue;
			seen = true;
			any = any || filter_matches(c, filter_keys[k], *f + klen + 1, pods);
		}
		if (seen && !any)
			return false;
	}
	return true;
}

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

static int newest_first(const void *a, const void *b)
{
	const char *x = str(*(json_t *const *)a, "Created"),
		   *y = str(*(json_t *const *)b, "Created");
	return strcmp(y, x);
}

json_t *ps_select(const json_t *list, const struct ps_options *o)
{
	size_t n = json_array_size(list), kept = 0;
	_cleanup_free_ json_t **v = berth_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	berth_qsort(v, n, sizeof(*v), newest_first);
	/* -n and a status filter look past running containers, as Docker's daemon does */
	bool all = o->all || o->last > 0 || has_filter(o->filters, "status");
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		bool running =
			json_is_true(json_object_get(json_object_get(v[i], "State"), "Running"));
		if (!all && !running)
			continue;
		if (!filters_match(v[i], o->filters, o->pods))
			continue;
		if (o->last > 0 && kept == (size_t)o->last)
			break;
		json_array_append(out, v[i]);
		kept++;
	}
	return out;
}
