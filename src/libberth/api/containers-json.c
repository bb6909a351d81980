/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The read-only container endpoints: list (Docker's ContainerSummary of
 * each record), inspect (the record `berth inspect` prints), top, stats
 * and changes.
 */
#include "api/containers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/sort.h"
#include "core/strv.h"
#include "core/units.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Seconds since the epoch of an RFC 3339 time; 0 when it is none. */
static time_t epoch_of(const char *s)
{
	time_t t = 0;
	berth_time_parse_rfc3339(s, &t);
	return t;
}

/* The daemon's State.String(): "Up 5 minutes", "Exited (0) 2 minutes ago", "Created". */
static char *status_text(const json_t *st)
{
	return berth_container_status_text(st, time(NULL));
}

/* NetworkSettings.Ports as the summary's [{IP, PrivatePort, PublicPort, Type}]. */
static json_t *summary_ports(const json_t *c)
{
	json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	json_t *out = json_array(), *list, *b;
	const char *key;
	size_t i;
	json_object_foreach (ports, key, list) {
		int priv = atoi(key);
		const char *proto = strchr(key, '/') ? strchr(key, '/') + 1 : "tcp";
		if (!json_is_array(list) || json_array_size(list) == 0)
			json_array_append_new(
				out, json_pack("{s:i, s:s}", "PrivatePort", priv, "Type", proto));
		json_array_foreach (list, i, b)
			json_array_append_new(
				out, json_pack("{s:s, s:i, s:i, s:s}", "IP",
					       *str(b, "HostIp") ? str(b, "HostIp") : "0.0.0.0",
					       "PrivatePort", priv, "PublicPort",
					       atoi(str(b, "HostPort")), "Type", proto));
	}
	return out;
}

static json_t *summary(struct berth_store *s, const json_t *c, bool size)
{
	const char *name = str(c, "Name");
	json_t *st = json_object_get(c, "State");
	json_t *cfg = json_object_get(c, "Config");
	json_t *ns = json_object_get(c, "NetworkSettings");
	_cleanup_buf_ struct berth_buf cmd = BERTH_BUF_INIT;
	_cleanup_free_ char *status = status_text(st);
	size_t i;
	json_t *a;
	berth_buf_addstr(&cmd, str(c, "Path"));
	json_array_foreach (json_object_get(c, "Args"), i, a)
		berth_buf_addf(&cmd, " %s", json_string_value(a) ? json_string_value(a) : "");
	json_t *labels = json_object_get(cfg, "Labels");
	json_t *nets = json_object_get(ns, "Networks");
	json_t *mounts = json_object_get(c, "Mounts");
	json_t *j = json_pack(
		"{s:s, s:[s+], s:s, s:s, s:s, s:I, s:o, s:O, s:s, s:s, s:{s:s}, s:{s:O}, s:O}",
		"Id", str(c, "Id"), "Names", "/", name[0] == '/' ? name + 1 : name, "Image",
		*str(c, "ImageRef") ? str(c, "ImageRef") : str(cfg, "Image"), "ImageID",
		str(c, "Image"), "Command", cmd.buf, "Created",
		(json_int_t)epoch_of(str(c, "Created")), "Ports", summary_ports(c), "Labels",
		labels ? labels : json_object(), "State", str(st, "Status"), "Status", status,
		"HostConfig", "NetworkMode", str(json_object_get(c, "HostConfig"), "NetworkMode"),
		"NetworkSettings", "Networks", nets ? nets : json_object(), "Mounts",
		mounts ? mounts : json_array());
	if (j && size) {
		struct berth_container_size sz;
		berth_container_size(s, c, &sz);
		json_object_set_new(j, "SizeRw", json_integer((json_int_t)sz.rw));
		json_object_set_new(j, "SizeRootFs", json_integer((json_int_t)sz.rootfs));
	}
	return j;
}

static int newest_first(const void *a, const void *b)
{
	const char *x = str(*(json_t *const *)a, "Created");
	const char *y = str(*(json_t *const *)b, "Created");
	return strcmp(y, x);
}

/* The filters as ps takes them, "key=value" each, checked (container/filter.c). */
static int list_filters(const struct api_req *req, char ***ret, struct berth_error **err)
{
	_cleanup_json_ json_t *f = NULL;
	_cleanup_strv_free_ char **v = NULL;
	const char *key;
	json_t *vals, *x;
	size_t i;
	int r = api_req_filters(req, &f, err);
	if (r < 0)
		return r;
	json_object_foreach (f, key, vals)
		json_array_foreach (vals, i, x)
			berth_strv_consume(&v, berth_xasprintf("%s=%s", key, json_string_value(x)));
	r = berth_container_filters_check(v, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	return 0;
}

int api_container_list(struct api_req *req)
{
	_cleanup_json_ json_t *list = NULL;
	_cleanup_strv_free_ char **filters = NULL;
	struct berth_error *err = NULL;
	bool all = api_req_query_bool(req, "all", false);
	bool size = api_req_query_bool(req, "size", false);
	const char *lim = api_req_query(req, "limit");
	long limit = lim ? strtol(lim, NULL, 10) : -1;
	int r = list_filters(req, &filters, &err);
	if (r >= 0)
		r = berth_container_list(api_req_store(req), &list, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	/* a status filter looks past running containers, as ps and Docker's daemon */
	BERTH_STRV_FOREACH (f, filters)
		all = all || strncmp(*f, "status=", 7) == 0;
	size_t n = json_array_size(list), i;
	json_t **v = berth_xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	berth_qsort(v, n, sizeof(*v), newest_first);
	json_t *out = json_array();
	/* -n (limit > 0) counts every container, as -a does */
	for (i = 0; i < n && (limit <= 0 || (long)json_array_size(out) < limit); i++)
		if ((all || limit > 0 ||
		     json_is_true(json_object_get(json_object_get(v[i], "State"), "Running"))) &&
		    berth_container_filters_match(v[i], filters, NULL))
			json_array_append_new(out, summary(api_req_store(req), v[i], size));
	free(v);
	return api_reply_json(req, 200, out);
}

/*
 * What Docker's inspect has and the record lacks, which clients read:
 * a Name starting with "/" (compose 1.29 cuts the first character) and a
 * HostConfig.LogConfig (compose 1.29 tails no container whose log driver is
 * unset: berth's log is read as json-file's is); and the record's
 * RestartPolicy string as Docker's object (the docker CLI's Go decoder
 * refuses a string there); Config.Image, the name it was made from.
 */
static void docker_inspect_shape(json_t *rec)
{
	const char *name = json_string_value(json_object_get(rec, "Name"));
	json_t *hc = json_object_get(rec, "HostConfig");
	const char *restart = json_string_value(json_object_get(hc, "RestartPolicy"));
	enum berth_restart_policy policy;
	int max = 0;
	struct berth_error *err = NULL;

	if (name && *name != '/')
		json_object_set_new(rec, "Name", json_sprintf("/%s", name));
	if (restart && berth_runspec_parse_restart(restart, &policy, &max, &err) >= 0)
		json_object_set_new(hc, "RestartPolicy",
				    json_pack("{s:s#, s:i}", "Name", restart,
					      (int)strcspn(restart, ":"), "MaximumRetryCount",
					      max));
	berth_error_free(&err);
	json_t *cfg = json_object_get(rec, "Config");
	json_t *ref = json_object_get(rec, "ImageRef");
	if (json_is_object(cfg) && json_is_string(ref) && !json_object_get(cfg, "Image"))
		json_object_set(cfg, "Image", ref);
	if (json_is_object(hc) && !json_object_get(hc, "LogConfig"))
		json_object_set_new(hc, "LogConfig",
				    json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
}

int api_container_inspect(struct api_req *req)
{
	json_t *rec = NULL;
	struct berth_error *err = NULL;
	_cleanup_free_ char *id = NULL;
	if (!api_container_id(req, &id))
		return 0;
	int r = berth_container_inspect(api_req_store(req), id, &rec, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	docker_inspect_shape(rec);
	if (api_req_query_bool(req, "size", false)) {
		struct berth_container_size sz;
		berth_container_size(api_req_store(req), rec, &sz);
		json_object_set_new(rec, "SizeRw", json_integer((json_int_t)sz.rw));
		json_object_set_new(rec, "SizeRootFs", json_integer((json_int_t)sz.rootfs));
	}
	return api_reply_json(req, 200, rec);
}

/* Docker's default `top` columns (ps -ef): UID PID PPID C STIME TTY TIME CMD. */
int api_container_top(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	struct berth_process *p = NULL;
	size_t n = 0;
	if (!api_container_id(req, &id))
		return 0;
	int r = berth_container_processes(api_req_store(req), id, &p, &n, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	long hz = sysconf(_SC_CLK_TCK);
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++) {
		unsigned long long secs = p[i].cpu_ticks / (unsigned long long)(hz > 0 ? hz : 100);
		char pid[24], ppid[24], uid[24], t[32];
		snprintf(pid, sizeof(pid), "%d", (int)p[i].pid);
		snprintf(ppid, sizeof(ppid), "%d", (int)p[i].ppid);
		snprintf(uid, sizeof(uid), "%u", (unsigned)p[i].uid);
		snprintf(t, sizeof(t), "%02llu:%02llu:%02llu", secs / 3600, secs / 60 % 60,
			 secs % 60);
		json_array_append_new(rows, json_pack("[s, s, s, s, s, s, s, s]", uid, pid, ppid,
						      "0", "-", "?", t, p[i].cmd ? p[i].cmd : ""));
		berth_process_release(&p[i]);
	}
	free(p);
	return api_reply_json(req, 200,
			      json_pack("{s:[s, s, s, s, s, s, s, s], s:o}", "Titles", "UID", "PID",
					"PPID", "C", "STIME", "TTY", "TIME", "CMD", "Processes",
					rows));
}

int api_container_changes(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	struct berth_change *v = NULL;
	size_t n = 0;
	if (!api_container_id(req, &id))
		return 0;
	int r = berth_container_diff(api_req_store(req), id, &v, &n, &err);
	if (r < 0)
		return api_reply_berror(req, &err);
	json_t *out = json_array();
	/* Docker's ChangeType: 0 modified, 1 added, 2 deleted */
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, json_pack("{s:s, s:i}", "Path", v[i].path, "Kind",
						     v[i].kind == 'C'	? 0
						     : v[i].kind == 'A' ? 1
									: 2));
	berth_changes_free(v, n);
	return api_reply_json(req, 200, out);
}

/* One sample in Docker's StatsJSON shape (the fields `docker stats` reads). */
static json_t *stats_json(const struct berth_container_stats *s, const char *read)
{
	const struct berth_cgroup_usage *u = &s->usage;
	return json_pack("{s:s, s:s, s:s, s:{s:{s:I}, s:I, s:i}, s:{s:{s:I}, s:I, s:i}, "
			 "s:{s:I, s:I, s:{}}, s:{s:I}, s:{s:{s:I, s:I}}}",
			 "read", read, "id", s->id, "name", s->name ? s->name : "", "cpu_stats",
			 "cpu_usage", "total_usage", (json_int_t)u->cpu_ns, "system_cpu_usage",
			 (json_int_t)0, "online_cpus", (int)sysconf(_SC_NPROCESSORS_ONLN),
			 "precpu_stats", "cpu_usage", "total_usage", (json_int_t)0,
			 "system_cpu_usage", (json_int_t)0, "online_cpus",
			 (int)sysconf(_SC_NPROCESSORS_ONLN), "memory_stats", "usage",
			 (json_int_t)u->memory, "limit", (json_int_t)u->memory_limit, "stats",
			 "pids_stats", "current", (json_int_t)u->pids, "networks", "eth0",
			 "rx_bytes", (json_int_t)s->net_rx, "tx_bytes", (json_int_t)s->net_tx);
}

/* ?stream=false: one sample; a stream sends one a second until the client goes. */
int api_container_stats(struct api_req *req)
{
	_cleanup_free_ char *id = NULL;
	struct berth_error *err = NULL;
	bool stream = api_req_query_bool(req, "stream", true);
	if (!api_container_id(req, &id))
		return 0;
	for (bool begun = false;; begun = true) {
		struct berth_container_stats s = {0};
		int r = berth_container_stats(api_req_store(req), id, &s, &err);
		if (r < 0 && !begun)
			return api_reply_berror(req, &err);
		if (r < 0) {
			berth_error_free(&err);
			return 0;
		}
		_cleanup_free_ char *now = berth_time_now_rfc3339nano();
		json_t *j = stats_json(&s, now);
		berth_container_stats_release(&s);
		if (!stream)
			return api_reply_json(req, 200, j);
		if (!begun && api_stream_begin(req, 200, "application/json") < 0) {
			json_decref(j);
			return 0;
		}
		if (api_stream_json(req, j) < 0)
			return 0;
		sleep(1);
	}
}
