/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's container list filters (ps --filter, GET /containers/json's
 * filters): the keys berth knows, checked once, then matched per record.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "core/units.h"

static const char *const filter_keys[] = {"ancestor", "exited", "health", "id",
					  "label",    "name",	"pod",	  "status"};
static const char *const healths[] = {"starting", "healthy", "unhealthy", "none"};
static const char *const statuses[] = {"created", "restarting", "running", "removing",
				       "paused",  "exited",	"dead"};

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

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

int berth_container_filters_check(char *const *filters, struct berth_error **err)
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

const char *berth_container_pod_name(const json_t *pods, const char *pod_id)
{
	size_t i;
	json_t *p;
	json_array_foreach (pods, i, p)
		if (*pod_id && strcmp(str(p, "Id"), pod_id) == 0)
			return str(p, "Name");
	return "";
}

/* podman's pod=: the pod's name, its id or a prefix of it. */
static bool pod_matches(const json_t *c, const char *v, const json_t *pods)
{
	const char *id = str(c, "Pod");
	if (!*id || !*v)
		return false;
	return strncmp(id, v, strlen(v)) == 0 || strcmp(berth_container_pod_name(pods, id), v) == 0;
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

/*
 * Values of one key are alternatives, except labels, which must all be
 * there (Docker's MatchKVList); different keys must all match, as Docker's.
 */
bool berth_container_filters_match(const json_t *c, char *const *filters, const json_t *pods)
{
	for (size_t k = 0; k < sizeof(filter_keys) / sizeof(*filter_keys); k++) {
		size_t klen = strlen(filter_keys[k]);
		bool seen = false, any = false, every = true;
		BERTH_STRV_FOREACH (f, filters) {
			if (strncmp(*f, filter_keys[k], klen) != 0 || (*f)[klen] != '=')
				continue;
			bool m = filter_matches(c, filter_keys[k], *f + klen + 1, pods);
			seen = true;
			any = any || m;
			every = every && m;
		}
		if (seen && !(strcmp(filter_keys[k], "label") == 0 ? every : any))
			return false;
	}
	return true;
}

char *berth_container_status_text(const json_t *st, time_t now)
{
	time_t t;
	char d[48] = "Less than a second";
	bool running = json_is_true(json_object_get(st, "Running"));
	const char *when = str(st, running ? "StartedAt" : "FinishedAt");
	if (berth_time_parse_rfc3339(when, &t) && t > 0)
		berth_human_duration(d, sizeof(d), difftime(now, t));
	/* "(Paused)" first, else Health.String(): "health: starting" or the
	 * status itself */
	const char *health = str(json_object_get(st, "Health"), "Status");
	if (running && json_is_true(json_object_get(st, "Paused")))
		return berth_xasprintf("Up %s (Paused)", d);
	if (running && *health)
		return berth_xasprintf("Up %s (%s%s)", d,
				       strcmp(health, "starting") == 0 ? "health: " : "", health);
	if (running)
		return berth_xasprintf("Up %s", d);
	if (strcmp(str(st, "Status"), "created") == 0)
		return berth_xstrdup("Created");
	return berth_xasprintf("Exited (%lld) %s ago",
			       (long long)json_integer_value(json_object_get(st, "ExitCode")), d);
}
