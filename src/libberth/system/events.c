/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth events`: the log the operations append to (core/events.c), read
 * back, filtered as Docker's daemon filters its events, and followed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/json.h"
#include "core/strv.h"
#include "core/units.h"
#include "system/system.h"

#define NSEC 1000000000LL

void berth_events_filter_release(struct berth_events_filter *f)
{
	char ***all[] = {&f->type,  &f->event,	 &f->container, &f->image,
			 &f->label, &f->network, &f->volume};
	for (size_t i = 0; i < ELEMENTSOF(all); i++) {
		berth_strv_free(*all[i]);
		*all[i] = NULL;
	}
}

int berth_events_filter_add(struct berth_events_filter *f, const char *kv, struct berth_error **err)
{
	const struct {
		const char *key;
		char ***values;
	} keys[] = {
		{"type", &f->type},	{"event", &f->event}, {"container", &f->container},
		{"image", &f->image},	{"label", &f->label}, {"network", &f->network},
		{"volume", &f->volume},
	};
	const char *eq = strchr(kv, '=');
	if (!eq)
		return berth_error_set(err, EINVAL, "bad format of filter (expected name=value)");
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (strlen(keys[i].key) == (size_t)(eq - kv) &&
		    strncmp(kv, keys[i].key, (size_t)(eq - kv)) == 0) {
			berth_strv_push(keys[i].values, eq + 1);
			return 0;
		}
	return berth_error_set(err, EINVAL, "invalid filter '%.*s'", (int)(eq - kv), kv);
}

/* filters.Args.ExactMatch: no values, or one equal to s. */
static bool exact_match(char *const *values, const char *s)
{
	if (!values)
		return true;
	return s && berth_strv_contains(values, s);
}

/* filters.Args.FuzzyMatch: exact, or a value that is a prefix of s. */
static bool fuzzy_match(char *const *values, const char *s)
{
	if (exact_match(values, s))
		return true;
	BERTH_STRV_FOREACH (v, values)
		if (s && strncmp(s, *v, strlen(*v)) == 0)
			return true;
	return false;
}

static const char *actor_id(const json_t *msg)
{
	return json_string_value(json_object_get(json_object_get(msg, "Actor"), "ID"));
}

static const char *attribute(const json_t *msg, const char *key)
{
	return json_string_value(
		json_object_get(json_object_get(json_object_get(msg, "Actor"), "Attributes"), key));
}

/* Docker's fuzzyMatchName: the actor's ID or name, for events of type only. */
static bool match_name(char *const *values, const json_t *msg, const char *type)
{
	if (!values)
		return true;
	if (strcmp(json_string_value(json_object_get(msg, "Type")), type) != 0)
		return false;
	return fuzzy_match(values, actor_id(msg)) || fuzzy_match(values, attribute(msg, "name"));
}

/* reference.FamiliarName: the name without its tag or digest. */
static char *strip_tag(const char *image)
{
	if (!image)
		return NULL;
	char *s = berth_xstrdup(image);
	char *at = strchr(s, '@');
	if (at)
		*at = '\0';
	char *slash = strrchr(s, '/');
	char *colon = strrchr(slash ? slash : s, ':');
	if (colon)
		*colon = '\0';
	return s;
}

static bool match_image(char *const *values, const json_t *msg)
{
	if (!values)
		return true;
	bool image_event = strcmp(json_string_value(json_object_get(msg, "Type")), "image") == 0;
	const char *id = actor_id(msg);
	const char *name = attribute(msg, image_event ? "name" : "image");
	_cleanup_free_ char *id_bare = strip_tag(id), *name_bare = strip_tag(name);
	return exact_match(values, id) || exact_match(values, name) ||
	       exact_match(values, id_bare) || exact_match(values, name_bare);
}

/* filters.Args.MatchKVList over the attributes: every label=K[=V] must be there. */
static bool match_labels(char *const *values, const json_t *msg)
{
	if (!values)
		return true;
	BERTH_STRV_FOREACH (v, values) {
		const char *eq = strchr(*v, '=');
		_cleanup_free_ char *key =
			eq ? berth_xstrndup(*v, (size_t)(eq - *v)) : berth_xstrdup(*v);
		const char *have = attribute(msg, key);
		if (!have || (eq && strcmp(have, eq + 1) != 0))
			return false;
	}
	return true;
}

/*
 * Docker's matchEvent: "health_status", "exec_create" and "exec_start" alone
 * match their "health_status: healthy" forms (moby #25798).
 */
static bool match_event(char *const *values, const char *action)
{
	BERTH_STRV_FOREACH (v, values)
		if (strcmp(*v, "health_status") == 0 || strcmp(*v, "exec_create") == 0 ||
		    strcmp(*v, "exec_start") == 0)
			return fuzzy_match(values, action);
	return exact_match(values, action);
}

bool berth_events_filter_match(const struct berth_events_filter *f, const json_t *msg)
{
	if (!f)
		return true;
	const char *type = json_string_value(json_object_get(msg, "Type"));
	return type && match_event(f->event, json_string_value(json_object_get(msg, "Action"))) &&
	       exact_match(f->type, type) && match_name(f->container, msg, "container") &&
	       match_name(f->volume, msg, "volume") && match_name(f->network, msg, "network") &&
	       match_image(f->image, msg) && match_labels(f->label, msg);
}

/* The string attributes of a (hostile) Attributes value, sorted by key. */
static json_t *string_attributes(const json_t *a)
{
	const char *k;
	json_t *v;
	_cleanup_strv_free_ char **keys = NULL;
	json_object_foreach ((json_t *)a, k, v)
		if (json_is_string(v))
			berth_strv_push(&keys, k);
	berth_strv_sort(keys);
	json_t *out = json_object();
	BERTH_STRV_FOREACH (key, keys)
		json_object_set(out, *key, json_object_get(a, *key));
	return out;
}

int berth_event_parse(const char *line, size_t len, json_t **ret, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(line, len, "event", &j, err);
	if (r < 0)
		return r;
	json_t *actor = json_object_get(j, "Actor");
	const char *type = json_string_value(json_object_get(j, "Type"));
	const char *action = json_string_value(json_object_get(j, "Action"));
	const char *id = json_string_value(json_object_get(actor, "ID"));
	json_t *tn = json_object_get(j, "timeNano");
	if (!type || !action || !id || !json_is_integer(tn) || json_integer_value(tn) < 0)
		return berth_error_set(err, EBADMSG, "event: not an event of berth's log");
	long long time_nano = json_integer_value(tn);
	json_t *msg = json_object();
	if (strcmp(type, "container") == 0 || strcmp(type, "image") == 0) {
		json_object_set_new(msg, "status", json_string(action));
		json_object_set_new(msg, "id", json_string(id));
		const char *from = strcmp(type, "container") == 0
					   ? json_string_value(json_object_get(
						     json_object_get(actor, "Attributes"), "image"))
					   : NULL;
		if (from && *from)
			json_object_set_new(msg, "from", json_string(from));
	}
	json_object_set_new(msg, "Type", json_string(type));
	json_object_set_new(msg, "Action", json_string(action));
	json_object_set_new(msg, "Actor",
			    json_pack("{s:s, s:o}", "ID", id, "Attributes",
				      string_attributes(json_object_get(actor, "Attributes"))));
	json_object_set_new(msg, "scope", json_string("local"));
	json_object_set_new(msg, "time", json_integer(time_nano / NSEC));
	json_object_set_new(msg, "timeNano", json_integer(time_nano));
	*ret = msg;
	return 0;
}

json_t *berth_event_template_data(const json_t *msg)
{
	static const char *const fields[][2] = {
		{"Status", "status"}, {"ID", "id"},	    {"From", "from"},
		{"Type", "Type"},     {"Action", "Action"}, {"Actor", "Actor"},
		{"Scope", "scope"},   {"Time", "time"},	    {"TimeNano", "timeNano"},
	};
	json_t *data = json_object();
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		json_t *v = json_object_get(msg, fields[i][1]);
		json_object_set_new(data, fields[i][0], v ? json_incref(v) : json_string(""));
	}
	return data;
}

void berth_event_format_line(const json_t *msg, struct berth_buf *out)
{
	long long tn = json_integer_value(json_object_get(msg, "timeNano"));
	time_t secs = (time_t)(tn / NSEC);
	struct tm tm;
	char when[32] = "";
	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	berth_buf_addf(out, "%s.%09lldZ %s %s %s", when, tn % NSEC,
		       json_string_value(json_object_get(msg, "Type")),
		       json_string_value(json_object_get(msg, "Action")), actor_id(msg));
	json_t *attrs = json_object_get(json_object_get(msg, "Actor"), "Attributes");
	const char *k;
	json_t *v;
	const char *sep = " (";
	/* the attributes are kept sorted by key (berth_event_parse) */
	json_object_foreach (attrs, k, v) {
		berth_buf_addf(out, "%s%s=%s", sep, k, json_string_value(v));
		sep = ", ";
	}
	if (json_object_size(attrs) > 0)
		berth_buf_addch(out, ')');
	berth_buf_addch(out, '\n');
}

/* "SECONDS[.NANOS]", as Docker's parseTimestamp. */
static bool parse_unix(const char *s, long long *ret)
{
	long long secs = 0, nanos = 0;
	const char *p = s;
	for (; isdigit((unsigned char)*p); p++) {
		if (secs > (LLONG_MAX / NSEC) / 10)
			return false;
		secs = secs * 10 + (*p - '0');
	}
	if (p == s)
		return false;
	if (*p == '.') {
		int n = 0;
		for (p++; isdigit((unsigned char)*p) && n < 9; p++, n++)
			nanos = nanos * 10 + (*p - '0');
		if (n == 0)
			return false;
		for (; n < 9; n++)
			nanos *= 10;
	}
	if (*p)
		return false;
	*ret = secs * NSEC + nanos;
	return true;
}

/* Reads exactly n digits at *p. */
static bool digits(const char **p, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return false;
		v = v * 10 + (**p - '0');
	}
	*ret = v;
	return true;
}

/* YYYY-MM-DD[THH[:MM[:SS[.frac]]]][Z|±HH:MM]; without a zone, UTC. */
static bool parse_rfc3339(const char *s, long long *ret)
{
	struct tm tm = {0};
	int year, mon, day;
	long long nanos = 0, offset = 0;
	const char *p = s;
	if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
	    !digits(&p, 2, &day) || mon < 1 || mon > 12 || day < 1 || day > 31)
		return false;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	if (*p == 'T') {
		p++;
		int *fields[] = {&tm.tm_hour, &tm.tm_min, &tm.tm_sec};
		for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
			if (i > 0 && *p != ':')
				break;
			if (i > 0)
				p++;
			if (!digits(&p, 2, fields[i]))
				return false;
		}
		if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
			return false;
		if (*p == '.') {
			int n = 0;
			for (p++; isdigit((unsigned char)*p); p++, n++)
				if (n < 9)
					nanos = nanos * 10 + (*p - '0');
			if (n == 0)
				return false;
			for (; n < 9; n++)
				nanos *= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, hh, mm;
		if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mm) || hh > 23 || mm > 59)
			return false;
		offset = sign * (hh * 3600LL + mm * 60LL);
	}
	if (*p)
		return false;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ret = ((long long)t - offset) * NSEC + nanos;
	return true;
}

int berth_events_parse_time(const char *s, long long now_ns, long long *ret,
			    struct berth_error **err)
{
	int64_t d;
	/* Docker's GetTimestamp: "0" is the epoch, not a duration */
	if (strcmp(s, "0") != 0 && berth_parse_duration(s, &d, NULL) >= 0) {
		*ret = now_ns - d;
		return 0;
	}
	if (strchr(s, '-') ? parse_rfc3339(s, ret) : parse_unix(s, ret))
		return 0;
	return berth_error_set(err, EINVAL, "failed to parse value as time or duration: '%s'", s);
}

/* One log file being read: its fd and the bytes after its last complete line. */
struct log_reader {
	int fd;
	struct berth_buf pending;
};

/* Handles one line; 1 when reading should end (an event after until). */
static int handle_line(const char *line, size_t len, const struct berth_events_read_options *o,
		       berth_event_fn fn, void *userdata)
{
	_cleanup_json_ json_t *msg = NULL;
	if (len == 0 || berth_event_parse(line, len, &msg, NULL) < 0)
		return 0; /* a line another version of berth or a crash left: skipped */
	long long tn = json_integer_value(json_object_get(msg, "timeNano"));
	if (o->until_ns && tn > o->until_ns)
		return 1;
	if (tn < o->since_ns || !berth_events_filter_match(o->filter, msg))
		return 0;
	int r = fn(msg, userdata);
	return r < 0 ? r : 0;
}

/* Reads what was appended to lr since the last call; as handle_line. */
static int drain(struct log_reader *lr, const struct berth_events_read_options *o,
		 berth_event_fn fn, void *userdata)
{
	if (lr->fd < 0)
		return 0;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(lr->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		berth_buf_add(&lr->pending, chunk, (size_t)n);
		char *start = lr->pending.buf, *nl;
		while ((nl = memchr(start, '\n',
				    lr->pending.len - (size_t)(start - lr->pending.buf)))) {
			int r = handle_line(start, (size_t)(nl - start), o, fn, userdata);
			if (r != 0)
				return r;
			start = nl + 1;
		}
		size_t rest = lr->pending.len - (size_t)(start - lr->pending.buf);
		/* no line is that long: what is there is not the log's */
		if (rest > 2 * BERTH_EVENTS_MAX_LINE)
			rest = 0;
		memmove(lr->pending.buf, start, rest);
		berth_buf_setlen(&lr->pending, rest);
	}
}

static void log_reader_open(struct log_reader *lr, int dfd, const char *name)
{
	if (lr->fd >= 0)
		close(lr->fd);
	lr->fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	berth_buf_reset(&lr->pending);
}

static void log_reader_release(struct log_reader *lr)
{
	if (lr->fd >= 0)
		close(lr->fd);
	lr->fd = -EBADF;
	berth_buf_release(&lr->pending);
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Whether the log's name now names another file than lr's (it was rotated, or made). */
static bool log_replaced(const struct log_reader *lr, int dfd)
{
	struct stat cur, mine;
	if (fstatat(dfd, BERTH_EVENTS_LOG, &cur, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (lr->fd < 0 || fstat(lr->fd, &mine) < 0)
		return true;
	return cur.st_ino != mine.st_ino || cur.st_dev != mine.st_dev;
}

/* Waits for new lines until until_ns passes or *stop; as drain. */
static int follow(struct log_reader *lr, int dfd, const struct berth_events_read_options *o,
		  berth_event_fn fn, void *userdata)
{
	for (;;) {
		if ((o->stop && *o->stop) || (o->until_ns && now_ns() > o->until_ns))
			return 0;
		/* a poll, not inotify: a rotation replaces the file, and 100 ms is what a user sees */
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
		int r = drain(lr, o, fn, userdata);
		if (r != 0)
			return r;
		if (log_replaced(lr, dfd)) {
			/* the rotation's last writers may still append to the old file */
			r = drain(lr, o, fn, userdata);
			if (r != 0)
				return r;
			log_reader_open(lr, dfd, BERTH_EVENTS_LOG);
			r = drain(lr, o, fn, userdata);
			if (r != 0)
				return r;
		}
	}
}

int berth_system_events_read(const char *root, const struct berth_events_read_options *o,
			     berth_event_fn fn, void *userdata, struct berth_error **err)
{
	_cleanup_close_ int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open store '%s'", root);
	struct log_reader old = {.fd = -EBADF, .pending = BERTH_BUF_INIT},
			  cur = {.fd = -EBADF, .pending = BERTH_BUF_INIT};
	int r = 0;
	if (o->past) {
		log_reader_open(&old, dfd, BERTH_EVENTS_LOG_OLD);
		log_reader_open(&cur, dfd, BERTH_EVENTS_LOG);
		r = drain(&old, o, fn, userdata);
		if (r == 0)
			r = drain(&cur, o, fn, userdata);
	} else {
		log_reader_open(&cur, dfd, BERTH_EVENTS_LOG);
		if (cur.fd >= 0 && lseek(cur.fd, 0, SEEK_END) < 0)
			r = berth_error_syscall(err, errno, "read '%s/%s'", root, BERTH_EVENTS_LOG);
	}
	if (r == 0 && o->follow)
		r = follow(&cur, dfd, o, fn, userdata);
	log_reader_release(&old);
	log_reader_release(&cur);
	return r < 0 ? r : 0;
}
