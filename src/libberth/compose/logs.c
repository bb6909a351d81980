/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose logs` and the attach of a foreground `compose up`: the records
 * of several containers' json-file logs (container/'s log reader), merged
 * in time order, and with follow those written later until every
 * container has stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "compose/compose.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "core/units.h"

void berth_compose_log_sources_free(struct berth_compose_log_source *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].id);
		free(s[i].name);
		free(s[i].service);
	}
	free(s);
}

int berth_compose_log_sources(struct berth_store *store, const char *project, char *const *services,
			      struct berth_compose_log_source **ret, size_t *ret_n,
			      struct berth_error **err)
{
	struct berth_compose_container *c = NULL;
	size_t n = 0, k = 0;
	int r = berth_compose_project_containers(store, project, NULL, &c, &n, err);
	if (r < 0)
		return r;
	struct berth_compose_log_source *s = n ? berth_xcalloc(n, sizeof(*s)) : NULL;
	for (size_t i = 0; i < n; i++) {
		/* as docker compose: the service containers, not `compose run`'s */
		if (c[i].oneoff ||
		    (services && *services && !berth_strv_contains(services, c[i].service)))
			continue;
		s[k].id = berth_xstrdup(c[i].id);
		s[k].name = berth_xstrdup(c[i].name);
		s[k].service = berth_xstrdup(c[i].service);
		k++;
	}
	berth_compose_containers_free(c, n);
	*ret = s;
	*ret_n = k;
	return 0;
}

/* What the merge knows of one container's log. */
struct log_head {
	struct berth_log_reader *reader;
	struct berth_log_record rec; /* the next record to show, when has_rec */
	bool has_rec;
	bool done; /* stopped, and all it wrote shown */
};

/* Whether rec is inside --since/--until: times compare as strings (nine digits). */
static bool in_window(const struct berth_compose_logs_options *o,
		      const struct berth_log_record *rec)
{
	return (!o->since || strcmp(rec->time, o->since) >= 0) &&
	       (!o->until || strcmp(rec->time, o->until) <= 0);
}

/* Reads h's next record in the window; whether it has one. */
static bool head_fill(struct log_head *h, const struct berth_compose_logs_options *o)
{
	while (!h->has_rec && berth_log_reader_next(h->reader, &h->rec) > 0) {
		if (in_window(o, &h->rec))
			h->has_rec = true;
		else
			berth_log_record_release(&h->rec);
	}
	return h->has_rec;
}

/* Hands out every record there is, oldest first (ties: the earlier container); how many. */
static size_t emit_ready(struct log_head *h, size_t n, const struct berth_compose_logs_options *o)
{
	size_t emitted = 0;
	for (;;) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!h[i].done && head_fill(&h[i], o) &&
			    (best == n || strcmp(h[i].rec.time, h[best].rec.time) < 0))
				best = i;
		if (best == n)
			return emitted;
		o->on_record(best, &h[best].rec, o->userdata);
		berth_log_record_release(&h[best].rec);
		h[best].has_rec = false;
		emitted++;
	}
}

/* Whether container id runs; *code: its last exit code. Gone counts as stopped. */
static bool container_running(struct berth_store *store, const char *id, int *code)
{
	_cleanup_json_ json_t *st = NULL;
	if (berth_container_inspect(store, id, &st, NULL) < 0) {
		*code = -1;
		return false;
	}
	json_t *state = json_object_get(st, "State");
	*code = (int)json_integer_value(json_object_get(state, "ExitCode"));
	return json_is_true(json_object_get(state, "Running"));
}

/*
 * Marks the containers that stopped and whose logs are drained as done
 * (on_exit for each); whether any is still live. A container is checked
 * before its log is read, so nothing it wrote before stopping is lost.
 */
static bool check_exits(struct berth_store *store, const struct berth_compose_log_source *src,
			struct log_head *h, size_t n, const struct berth_compose_logs_options *o)
{
	bool live = false;
	for (size_t i = 0; i < n; i++) {
		if (h[i].done)
			continue;
		int code = 0;
		if (container_running(store, src[i].id, &code) || head_fill(&h[i], o)) {
			live = true;
			continue;
		}
		h[i].done = true;
		if (o->on_exit)
			o->on_exit(i, code, o->userdata);
	}
	return live;
}

static void heads_free(struct log_head *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		berth_log_reader_free(h[i].reader);
		berth_log_record_release(&h[i].rec);
	}
	free(h);
}

int berth_compose_logs(struct berth_store *store, const struct berth_compose_log_source *src,
		       size_t n, const struct berth_compose_logs_options *o,
		       struct berth_error **err)
{
	struct log_head *h = n ? berth_xcalloc(n, sizeof(*h)) : NULL;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = berth_log_reader_open(store, src[i].id, false, &h[i].reader, err);
		if (r >= 0)
			berth_log_reader_tail(h[i].reader, o->tail);
	}
	while (r >= 0) {
		size_t emitted = emit_ready(h, n, o);
		if (!o->follow || (o->stop && o->stop(o->userdata)))
			break;
		if (!check_exits(store, src, h, n, o))
			break;
		if (!emitted)
			nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	heads_free(h, n);
	return r;
}

/* ns since the epoch as the logs write times: "2026-01-02T03:04:05.000000000Z". */
static int format_time(int64_t ns, char ret[40], const char *s, struct berth_error **err)
{
	time_t secs = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	struct tm tm;
	char day[24];
	if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		return berth_error_set(err, ERANGE, "time '%s' is out of range", s);
	snprintf(ret, 40, "%.19s.%09ldZ", day, frac);
	return 0;
}

/* "SECONDS[.FRACTION]" into *ret_ns; false when s is not that. */
static bool parse_unix(const char *s, int64_t *ret_ns)
{
	size_t digits = strspn(s, "0123456789");
	const char *p = s + digits;
	if (digits == 0 || digits > 11 || (*p && *p != '.'))
		return false;
	int64_t ns = strtoll(s, NULL, 10) * 1000000000;
	if (*p == '.') {
		size_t f = strspn(p + 1, "0123456789");
		if (f == 0 || p[1 + f])
			return false;
		int64_t scale = 100000000;
		for (size_t i = 1; i <= f && scale > 0; i++, scale /= 10)
			ns += (p[i] - '0') * scale;
	}
	*ret_ns = ns;
	return true;
}

/* RFC 3339 (or a date alone): "2026-01-02", "2026-01-02T03:04:05[.frac](Z|+hh:mm)". */
static bool parse_rfc3339(const char *s, int64_t *ret_ns)
{
	struct tm tm = {0};
	int used = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &used) != 3 ||
	    used != 10)
		return false;
	const char *p = s + used;
	int64_t frac = 0;
	int offset_s = 0;
	if (*p == 'T') {
		if (sscanf(p, "T%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 3 ||
		    used != 9)
			return false;
		p += used;
		if (*p == '.') {
			int64_t scale = 100000000;
			for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
		int oh = 0, om = 0;
		if (*p == 'Z')
			p++;
		else if ((*p == '+' || *p == '-') &&
			 sscanf(p + 1, "%2d:%2d%n", &oh, &om, &used) == 2 && used == 5) {
			offset_s = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
			p += 6;
		}
	}
	if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	*ret_ns = ((int64_t)timegm(&tm) - offset_s) * 1000000000 + frac;
	return true;
}

int berth_compose_log_time(const char *s, int64_t now_ns, char ret[40], struct berth_error **err)
{
	int64_t ns = 0, d = 0;
	if (parse_unix(s, &ns) || parse_rfc3339(s, &ns))
		return format_time(ns, ret, s, err);
	/* a duration: that long before now, as docker's --since 10m */
	if (berth_parse_duration(s, &d, NULL) >= 0)
		return format_time(now_ns - d, ret, s, err);
	return berth_error_set(err, EINVAL,
			       "invalid time '%s': a timestamp (2026-01-02T15:04:05Z, a date, Unix "
			       "seconds) or a duration (42m)",
			       s);
}
