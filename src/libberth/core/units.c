/* SPDX-License-Identifier: Apache-2.0 */
#include "core/units.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"

int berth_parse_bytes(const char *s, int64_t *ret, struct berth_error **err)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return berth_error_set(err, EINVAL, "invalid size '%s'", s);
	double mul = 1;
	switch (*end) {
	case 'b':
	case 'B':
		end++;
		break;
	case 'k':
	case 'K':
		mul = 1024.0, end++;
		break;
	case 'm':
	case 'M':
		mul = 1024.0 * 1024, end++;
		break;
	case 'g':
	case 'G':
		mul = 1024.0 * 1024 * 1024, end++;
		break;
	case 't':
	case 'T':
		mul = 1024.0 * 1024 * 1024 * 1024, end++;
		break;
	default:
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v * mul > 9.0e18)
		return berth_error_set(err, EINVAL, "invalid size '%s'", s);
	*ret = (int64_t)(v * mul);
	return 0;
}

static const struct {
	const char *name;
	uint64_t ns;
} duration_units[] = {
	{"ns", 1ULL},
	{"us", 1000ULL},
	{"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
	{"\xce\xbcs", 1000ULL}, /* U+03BC Greek mu */
	{"ms", 1000000ULL},
	{"s", 1000000000ULL},
	{"m", 60ULL * 1000000000ULL},
	{"h", 3600ULL * 1000000000ULL},
};

/* The unit at the head of s (the longest that matches), or NULL. */
static const char *duration_unit(const char *s, uint64_t *ret_ns)
{
	size_t best = 0;
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(*duration_units); i++) {
		size_t n = strlen(duration_units[i].name);
		if (n > best && strncmp(s, duration_units[i].name, n) == 0) {
			best = n;
			*ret_ns = duration_units[i].ns;
		}
	}
	return best ? s + best : NULL;
}

int berth_parse_duration(const char *s, int64_t *ret_ns, struct berth_error **err)
{
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	if (!*p)
		return berth_error_set(err, EINVAL, "time: invalid duration \"%s\"", s);
	uint64_t total = 0;
	while (*p) {
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		for (; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return berth_error_set(err, ERANGE, "time: invalid duration \"%s\"",
						       s);
			whole = whole * 10 + (uint64_t)(*p - '0');
		}
		if (*p == '.') {
			p++;
			for (; *p >= '0' && *p <= '9'; p++, digits = true) {
				/* digits past nanosecond precision are dropped, as Go does */
				if (scale < 1000000000000000000ULL) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					scale *= 10;
				}
			}
		}
		if (!digits)
			return berth_error_set(err, EINVAL, "time: invalid duration \"%s\"", s);
		uint64_t unit = 0;
		const char *after = duration_unit(p, &unit);
		if (!after)
			return berth_error_set(err, EINVAL,
					       *p && !(*p >= '0' && *p <= '9')
						       ? "time: unknown unit in duration \"%s\""
						       : "time: missing unit in duration \"%s\"",
					       s);
		p = after;
		if (whole > (uint64_t)INT64_MAX / unit)
			return berth_error_set(err, ERANGE, "time: invalid duration \"%s\"", s);
		uint64_t v = whole * unit + (uint64_t)((long double)frac * unit / scale);
		if (v > (uint64_t)INT64_MAX - total)
			return berth_error_set(err, ERANGE, "time: invalid duration \"%s\"", s);
		total += v;
	}
	*ret_ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* v / div with its fraction, trailing zeros dropped, as Go's fmtFrac + fmtInt. */
static void add_fraction(char *buf, size_t size, uint64_t v, uint64_t div, const char *unit)
{
	size_t n = strlen(buf);
	uint64_t frac = v % div;
	int places = 0;
	for (uint64_t d = div; d > 1; d /= 10)
		places++;
	while (frac && frac % 10 == 0) {
		frac /= 10;
		places--;
	}
	if (frac)
		snprintf(buf + n, size - n, "%llu.%0*llu%s", (unsigned long long)(v / div), places,
			 (unsigned long long)frac, unit);
	else
		snprintf(buf + n, size - n, "%llu%s", (unsigned long long)(v / div), unit);
}

char *berth_format_duration(int64_t ns, char *buf, size_t size)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	snprintf(buf, size, "%s", ns < 0 ? "-" : "");
	if (u == 0) {
		snprintf(buf, size, "0s");
	} else if (u < 1000ULL) {
		add_fraction(buf, size, u, 1, "ns");
	} else if (u < 1000000ULL) {
		add_fraction(buf, size, u, 1000ULL, "\xc2\xb5s");
	} else if (u < 1000000000ULL) {
		add_fraction(buf, size, u, 1000000ULL, "ms");
	} else {
		uint64_t secs = u / 1000000000ULL, h = secs / 3600, m = secs / 60 % 60;
		size_t n = strlen(buf);
		if (h)
			snprintf(buf + n, size - n, "%lluh%llum", (unsigned long long)h,
				 (unsigned long long)m);
		else if (m)
			snprintf(buf + n, size - n, "%llum", (unsigned long long)m);
		add_fraction(buf, size, u % 60000000000ULL, 1000000000ULL, "s");
	}
	return buf;
}

char *berth_time_now_rfc3339nano(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return berth_xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

bool berth_time_parse_rfc3339(const char *s, time_t *ret)
{
	struct tm tm = {0};
	if (!s)
		return false;
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return false;
	time_t t = timegm(&tm);
	while (*end == '.' || (*end >= '0' && *end <= '9'))
		end++;
	if ((*end == '+' || *end == '-') && strlen(end) >= 6) {
		int hh = atoi(end + 1), mm = atoi(end + 4);
		int off = hh * 3600 + mm * 60;
		t += *end == '+' ? -off : off;
	}
	*ret = t;
	return true;
}

void berth_human_duration(char *out, size_t n, double secs)
{
	long s = (long)secs, m = s / 60;
	long h = (long)(secs / 3600 + 0.5);
	if (secs < 1)
		snprintf(out, n, "Less than a second");
	else if (s == 1)
		snprintf(out, n, "1 second");
	else if (s < 60)
		snprintf(out, n, "%ld seconds", s);
	else if (m == 1)
		snprintf(out, n, "About a minute");
	else if (m < 60)
		snprintf(out, n, "%ld minutes", m);
	else if (h == 1)
		snprintf(out, n, "About an hour");
	else if (h < 48)
		snprintf(out, n, "%ld hours", h);
	else if (h < 24 * 7 * 2)
		snprintf(out, n, "%ld days", h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(out, n, "%ld weeks", h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(out, n, "%ld months", h / 24 / 30);
	else
		snprintf(out, n, "%ld years", (long)(secs / 3600 / 24 / 365));
}
