/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OSV records shaped like Debian's, Go's and GitHub's: ranges evaluated as
 * the schema says (several introduced/fixed pairs, last_affected, events
 * out of order, explicit versions), the first fix above a version, the
 * CVSS v3 base score and the severity, and records refused with the reason.
 */
#include "unit.h"

#include "core/cleanup.h"
#include "scan/scan.h"

static void parse(const char *json, struct berth_osv *o)
{
	struct berth_error *err = NULL;
	assert_ok(berth_osv_parse("rec.json", json, strlen(json), o, &err), err);
}

/* "affected" / "affected, fixed in X" / "not affected" of one match. */
static const char *match(const struct berth_osv *o, const char *eco, const char *name,
			 const char *version)
{
	static char out[128];
	bool affected;
	const char *fixed;
	struct berth_error *err = NULL;
	assert_ok(berth_osv_match(o, eco, name, version, &affected, &fixed, &err), err);
	if (!affected)
		return "no";
	snprintf(out, sizeof(out), "fixed %s", fixed ? fixed : "-");
	return out;
}

static void test_debian_record(void **state)
{
	(void)state;
	struct berth_osv o;
	parse("{\"id\":\"DSA-5587-1\",\"aliases\":[\"CVE-2023-46218\",\"CVE-2023-46219\"],"
	      "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"curl\"},"
	      "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
	      "{\"fixed\":\"7.88.1-10+deb12u5\"}]}]}]}",
	      &o);
	assert_string_equal(o.id, "DSA-5587-1");
	assert_string_equal(o.severity, "UNKNOWN");
	assert_string_equal(match(&o, "Debian:12", "curl", "7.88.1-10+deb12u4"),
			    "fixed 7.88.1-10+deb12u5");
	assert_string_equal(match(&o, "Debian:12", "curl", "7.88.1-10"), "fixed 7.88.1-10+deb12u5");
	assert_string_equal(match(&o, "Debian:12", "curl", "7.88.1-10+deb12u5"), "no");
	/* dpkg's order, not text's: u12 comes after u5 */
	assert_string_equal(match(&o, "Debian:12", "curl", "7.88.1-10+deb12u12"), "no");
	assert_string_equal(match(&o, "Debian:11", "curl", "7.74.0-1"), "no");
	assert_string_equal(match(&o, "Debian:12", "libcurl4", "7.88.1-10"), "no");
	berth_osv_release(&o);
}

static void test_ranges_as_the_schema_says(void **state)
{
	(void)state;
	struct berth_osv o;
	/* two windows, given out of order; a last_affected range; explicit versions */
	parse("{\"id\":\"GO-2023-2102\",\"database_specific\":{\"severity\":\"MODERATE\"},"
	      "\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"golang.org/x/net\"},"
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"2.3.0\"},"
	      "{\"introduced\":\"2.0.0\"},{\"fixed\":\"1.2.0\"},{\"introduced\":\"1.0.0\"}]}],"
	      "\"versions\":[\"1.7.0\"]},"
	      "{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"pkg\"},"
	      "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
	      "{\"last_affected\":\"1.4\"}]},{\"type\":\"GIT\",\"repo\":\"x\",\"events\":"
	      "[{\"introduced\":\"abc123\"}]}],\"versions\":[\"9.9\"]}]}",
	      &o);
	assert_string_equal(o.severity, "MEDIUM");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "v0.9.0"), "no");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "v1.0.0"), "fixed 1.2.0");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "1.1.9"), "fixed 1.2.0");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "1.2.0"), "no");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "1.5.0"), "no");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "2.2.9-rc.1"), "fixed 2.3.0");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "2.3.0"), "no");
	/* a listed version: modinfo's v1.7.0 is OSV's 1.7.0 */
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "v1.7.0"), "fixed -");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "1.7.0"), "fixed -");
	assert_string_equal(match(&o, "Go", "golang.org/x/net", "v1.7.1"), "no");
	assert_string_equal(match(&o, "PyPI", "pkg", "1.4"), "fixed -");
	assert_string_equal(match(&o, "PyPI", "pkg", "1.4.0"), "fixed -");
	assert_string_equal(match(&o, "PyPI", "pkg", "1.4.post1"), "no");
	assert_string_equal(match(&o, "PyPI", "pkg", "9.9"), "fixed -");
	berth_osv_release(&o);
}

static void test_cvss_and_severity(void **state)
{
	(void)state;
	static const struct {
		const char *vector;
		double score;
	} cases[] = {
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L", 1.6},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", -1},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -1},
		{"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -1},
		{"CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -1},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		double s = berth_cvss3_base_score(cases[i].vector);
		if ((long)(s * 10 + (s < 0 ? -0.5 : 0.5)) !=
		    (long)(cases[i].score * 10 + (cases[i].score < 0 ? -0.5 : 0.5)))
			fail_msg("%s: %.1f, want %.1f", cases[i].vector, s, cases[i].score);
	}
	assert_string_equal(berth_severity_of_score(9.8), "CRITICAL");
	assert_string_equal(berth_severity_of_score(7.0), "HIGH");
	assert_string_equal(berth_severity_of_score(6.9), "MEDIUM");
	assert_string_equal(berth_severity_of_score(0.1), "LOW");
	assert_string_equal(berth_severity_of_score(0), "NONE");
	struct berth_osv o;
	parse("{\"id\":\"X-1\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
	      "\"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\"},{\"type\":\"CVSS_V3\",\"score\":"
	      "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]}",
	      &o);
	assert_string_equal(o.severity, "CRITICAL");
	assert_true(o.score > 9.79 && o.score < 9.81);
	berth_osv_release(&o);
}

static void assert_refused(const char *json, const char *msg)
{
	struct berth_osv o;
	struct berth_error *err = NULL;
	assert_int_equal(berth_osv_parse("feed/x.json", json, strlen(json), &o, &err), -EINVAL);
	assert_null(o.json);
	if (!strstr(berth_error_msg(err), msg))
		fail_msg("'%s' lacks '%s'", berth_error_msg(err), msg);
	berth_error_free(&err);
}

static void test_hostile_records(void **state)
{
	(void)state;
	assert_refused("{\"id\":", "feed/x.json");
	assert_refused("[1]", "feed/x.json: an OSV record needs an id");
	assert_refused("{\"id\":\"\"}", "needs an id");
	assert_refused("{\"id\":\"A\",\"affected\":{}}", "feed/x.json: A: affected is not a list");
	assert_refused("{\"id\":\"A\",\"affected\":[{\"package\":{\"name\":\"x\"}}]}",
		       "feed/x.json: A: affected[].package needs ecosystem and name");
	assert_refused("{\"id\":\"A\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":"
		       "\"x\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[]}]}]}",
		       "A: a range needs a type and events");
	assert_refused("{\"id\":\"A\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":"
		       "\"x\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\","
		       "\"fixed\":\"1.0.0\"}]}]}]}",
		       "A: an event is not one of");
	/* a version the ecosystem cannot order fails the match, naming the record */
	struct berth_osv o;
	parse("{\"id\":\"DLA-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	      "\"name\":\"a\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"
	      "\"0\"},{\"fixed\":\"1 0\"}]}]},{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
	      "\"b\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.0\"},"
	      "{\"fixed\":\"2~~ ~\"}]}]}]}",
	      &o);
	bool affected = true;
	const char *fixed = "x";
	struct berth_error *err = NULL;
	assert_int_equal(berth_osv_match(&o, "Debian:12", "a", "1.0", &affected, &fixed, &err),
			 -EINVAL);
	assert_string_equal(berth_error_msg(err), "DLA-1: '1 0' is not a dpkg version");
	berth_error_free(&err);
	/* the same, found while sorting the events */
	assert_int_equal(berth_osv_match(&o, "Debian:12", "b", "1.0", &affected, &fixed, &err),
			 -EINVAL);
	assert_string_equal(berth_error_msg(err),
			    "DLA-1: a range holds a version dpkg cannot order");
	berth_error_free(&err);
	assert_int_equal(
		berth_osv_match(&o, "Debian:12", "a", "bad version", &affected, &fixed, &err),
		-EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "DLA-1: "));
	berth_error_free(&err);
	berth_osv_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_record),
		cmocka_unit_test(test_ranges_as_the_schema_says),
		cmocka_unit_test(test_cvss_and_severity),
		cmocka_unit_test(test_hostile_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
