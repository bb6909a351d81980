/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The created_by of history entries as BuildKit's Dockerfile frontend
 * writes them (dockerfile2llb's commitToHistory calls), so `history
 * --no-trunc` of an image berth built reads as Docker's: Go's fmt verbs
 * %q and %v on the values BuildKit holds. tests/e2e/build-peer.bats
 * compares them with BuildKit's own.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "dockerfile/shell.h"

/* %q of a []string (quote) or %v of it: ["a" "b"] or [a b]. */
static void add_go_strings(struct berth_buf *b, const json_t *arr, bool quote)
{
	size_t i;
	json_t *e;

	berth_buf_addch(b, '[');
	json_array_foreach (arr, i, e) {
		const char *s = json_string_value(e);
		if (i)
			berth_buf_addch(b, ' ');
		if (quote)
			berth_dockerfile_go_quote(b, s ? s : "");
		else
			berth_buf_addstr(b, s ? s : "");
	}
	berth_buf_addch(b, ']');
}

char *history_go_strings(const char *kw, const json_t *arr, bool quote)
{
	struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addf(&b, "%s ", kw);
	add_go_strings(&b, arr, quote);
	return berth_buf_detach(&b, NULL);
}

/* A time.Duration's String(): "1m30s", "500ms", "0s". */
static void add_go_duration(struct berth_buf *b, int64_t ns)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	char tmp[64];

	if (ns < 0)
		berth_buf_addch(b, '-');
	if (u == 0) {
		berth_buf_addstr(b, "0s");
		return;
	}
	if (u < 1000000000ULL) {
		/* below a second: the largest of ns, µs, ms with a fraction */
		const char *unit = u < 1000 ? "ns" : u < 1000000 ? "\xc2\xb5s" : "ms";
		uint64_t div = u < 1000 ? 1 : u < 1000000 ? 1000 : 1000000;
		berth_buf_addf(b, "%" PRIu64, u / div);
		uint64_t frac = u % div;
		if (frac) {
			int digits = div == 1000 ? 3 : 6;
			snprintf(tmp, sizeof(tmp), "%0*" PRIu64, digits, frac);
			for (int k = digits - 1; k >= 0 && tmp[k] == '0'; k--)
				tmp[k] = '\0';
			berth_buf_addf(b, ".%s", tmp);
		}
		berth_buf_addstr(b, unit);
		return;
	}
	uint64_t h = u / 3600000000000ULL, m = u / 60000000000ULL % 60;
	uint64_t s = u / 1000000000ULL % 60, frac = u % 1000000000ULL;
	if (h)
		berth_buf_addf(b, "%" PRIu64 "h", h);
	if (h || m)
		berth_buf_addf(b, "%" PRIu64 "m", m);
	berth_buf_addf(b, "%" PRIu64, s);
	if (frac) {
		snprintf(tmp, sizeof(tmp), "%09" PRIu64, frac);
		for (int k = 8; k >= 0 && tmp[k] == '0'; k--)
			tmp[k] = '\0';
		berth_buf_addf(b, ".%s", tmp);
	}
	berth_buf_addch(b, 's');
}

char *history_healthcheck(const json_t *hc)
{
	/* Docker's HealthConfig in field order; StartInterval only where set (newer Docker) */
	static const char *const durs[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
	struct berth_buf b = BERTH_BUF_INIT;

	berth_buf_addstr(&b, "HEALTHCHECK &{");
	add_go_strings(&b, json_object_get(hc, "Test"), true);
	for (size_t i = 0; i < 4; i++) {
		const json_t *d = json_object_get(hc, durs[i]);
		if (i == 3 && !d)
			continue;
		struct berth_buf v = BERTH_BUF_INIT;
		add_go_duration(&v, json_integer_value(d));
		berth_buf_addch(&b, ' ');
		berth_dockerfile_go_quote(&b, v.buf);
		berth_buf_release(&v);
	}
	berth_buf_addch(&b, ' ');
	berth_dockerfile_go_quote_rune(&b, json_integer_value(json_object_get(hc, "Retries")));
	berth_buf_addch(&b, '}');
	return berth_buf_detach(&b, NULL);
}

char *history_expose(char *const *ports)
{
	/* %v of a map[nat.Port]struct{}: each port once, keys in string order */
	_cleanup_strv_free_ char **sorted = berth_strv_copy(ports);
	size_t n = berth_strv_len(sorted);
	struct berth_buf b = BERTH_BUF_INIT;

	berth_strv_sort(sorted);
	berth_buf_addstr(&b, "EXPOSE map[");
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(sorted[i], sorted[i - 1]) == 0)
			continue;
		berth_buf_addf(&b, "%s%s:{}", i ? " " : "", sorted[i]);
	}
	berth_buf_addch(&b, ']');
	return berth_buf_detach(&b, NULL);
}

char *history_volume(char *const *vols)
{
	struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addstr(&b, "VOLUME [");
	BERTH_STRV_FOREACH (v, vols)
		berth_buf_addf(&b, "%s%s", v == vols ? "" : " ", *v);
	berth_buf_addch(&b, ']');
	return berth_buf_detach(&b, NULL);
}

void history_add_run_args(struct sstate *ss, struct berth_buf *b)
{
	/*
	 * BuildKit's runCommandString: "|N K=V ..." of the stage's ARGs in
	 * declaration order, each valued from the environment the RUN sees,
	 * empty when unset
	 */
	_cleanup_strv_free_ char **env = sstate_env(ss);
	size_t n = berth_strv_len(ss->arg_names);

	if (n == 0)
		return;
	berth_buf_addf(b, "|%zu", n);
	BERTH_STRV_FOREACH (name, ss->arg_names) {
		const char *v = NULL;
		if (!berth_shell_getenv(env, *name, &v))
			v = "";
		berth_buf_addf(b, " %s=%s", *name, v);
	}
	berth_buf_addch(b, ' ');
}
