/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The version orderings: dpkg's against `dpkg --compare-versions` itself on
 * generated pairs, semver's and PEP 440's against the examples of their
 * specifications, apk's against Alpine's documented order; and what each
 * scheme refuses.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/wait.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "scan/scan.h"

static int cmp(enum berth_version_scheme s, const char *a, const char *b)
{
	struct berth_error *err = NULL;
	int c = 99;
	assert_ok(berth_version_compare(s, a, b, &c, &err), err);
	return c;
}

/* Each element orders strictly before the next; every pair is checked both ways. */
static void assert_ascending(enum berth_version_scheme s, const char *const *v)
{
	for (size_t i = 0; v[i]; i++)
		for (size_t j = 0; v[j]; j++) {
			int want = (i > j) - (i < j), got = cmp(s, v[i], v[j]);
			if (got != want)
				fail_msg("%s: %s vs %s: %d, want %d", berth_version_scheme_name(s),
					 v[i], v[j], got, want);
		}
}

static void assert_equal_versions(enum berth_version_scheme s, const char *const *v)
{
	for (size_t i = 1; v[i]; i++)
		if (cmp(s, v[0], v[i]) != 0 || cmp(s, v[i], v[0]) != 0)
			fail_msg("%s: %s and %s should be equal", berth_version_scheme_name(s),
				 v[0], v[i]);
}

static void assert_invalid(enum berth_version_scheme s, const char *const *v)
{
	for (size_t i = 0; v[i]; i++) {
		struct berth_error *err = NULL;
		int c = 0;
		if (berth_version_valid(s, v[i]))
			fail_msg("%s: '%s' should be refused", berth_version_scheme_name(s), v[i]);
		assert_int_equal(berth_version_compare(s, "1.0.0", v[i], &c, &err), -EINVAL);
		assert_non_null(strstr(berth_error_msg(err), "is not a"));
		berth_error_free(&err);
	}
}

/* `dpkg --compare-versions a op b` as true or false. */
static bool dpkg_says(const char *a, const char *op, const char *b)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDERR_FILENO) < 0)
			_exit(127);
		execlp("dpkg", "dpkg", "--compare-versions", a, op, b, (char *)NULL);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) <= 1);
	return WEXITSTATUS(st) == 0;
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned pick(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33) % n;
}

/* A version of the shapes Debian uses: epochs, ~ and + suffixes, letters, revisions. */
static char *dpkg_random(void)
{
	static const char *const epochs[] = {"", "", "", "1:", "2:", "0:"};
	static const char *const nums[] = {"0", "1", "2", "9", "10", "01", "7", "88"};
	static const char *const tails[] = {".", "+",	  "~",	   "~rc",  "a",
					    "b", "+dfsg", "~beta", "+git", ".0"};
	static const char *const revisions[] = {"",    "-1",	  "-2",		"-1.1",	    "-0",
						"-10", "-1~bpo1", "-2+deb12u1", "-1ubuntu1"};
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "%s%s", epochs[pick(6)], nums[pick(8)]);
	for (unsigned i = 0, k = pick(4); i < k; i++) {
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", tails[pick(10)]);
		if (pick(2))
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", nums[pick(8)]);
	}
	snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", revisions[pick(9)]);
	return berth_xstrdup(buf);
}

/* The second of a pair: often the first changed a little, so that many pairs are close. */
static char *dpkg_neighbour(const char *v)
{
	if (pick(3) == 0)
		return dpkg_random();
	static const char *const edits[] = {"~1", "1", "+1", "a", ".0", "-1", "~"};
	return berth_xasprintf("%s%s", v, edits[pick(7)]);
}

static void test_dpkg_against_dpkg(void **state)
{
	(void)state;
	if (system("command -v dpkg >/dev/null 2>&1") != 0)
		skip();
	size_t checked = 0;
	for (int i = 0; i < 260; i++) {
		_cleanup_free_ char *a = dpkg_random();
		_cleanup_free_ char *b = dpkg_neighbour(a);
		if (!berth_version_valid(BERTH_VERSION_DPKG, a) ||
		    !berth_version_valid(BERTH_VERSION_DPKG, b))
			continue;
		int want = dpkg_says(a, "lt", b) ? -1 : dpkg_says(a, "eq", b) ? 0 : 1;
		int got = cmp(BERTH_VERSION_DPKG, a, b);
		if (got != want)
			fail_msg("dpkg: %s vs %s: %d, dpkg says %d", a, b, got, want);
		checked++;
	}
	assert_true(checked >= 200);
}

static void test_dpkg_fixed_order(void **state)
{
	(void)state;
	/* deb-version(7): ~ before everything, even the end; letters before other marks */
	assert_ascending(BERTH_VERSION_DPKG,
			 (const char *const[]){"1.0~rc1", "1.0", "1.0-0.1", "1.0-1", "1.0a",
					       "1.0+b1", "1.0.1~~", "1.0.1~", "1.0.1", "1:0.9",
					       NULL});
	assert_equal_versions(BERTH_VERSION_DPKG,
			      (const char *const[]){"1.0", "0:1.0", "1.0-0", "1.00", NULL});
	assert_ascending(BERTH_VERSION_DPKG,
			 (const char *const[]){"7.88.1-10+deb12u4", "7.88.1-10+deb12u5",
					       "7.88.1-10+deb12u12", NULL});
	assert_invalid(BERTH_VERSION_DPKG,
		       (const char *const[]){"", "a:1", ":1", "1.0-", "1 0", "1.0-a-", "1.0_1",
					     "1.0-1:2", NULL});
}

static void test_semver_spec_examples(void **state)
{
	(void)state;
	/* semver.org 2.0.0, item 11 */
	assert_ascending(BERTH_VERSION_SEMVER,
			 (const char *const[]){"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
					       "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
					       "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
					       NULL});
	/* item 10: build metadata does not order; Go's leading v */
	assert_equal_versions(BERTH_VERSION_SEMVER,
			      (const char *const[]){"1.0.0", "1.0.0+20130313144700", "v1.0.0",
						    "1.0.0+exp.sha.5114f85", NULL});
	assert_ascending(BERTH_VERSION_SEMVER,
			 (const char *const[]){"v0.0.0-20210101000000-abcdefabcdef", "v0.1.0",
					       "v1.9.99999999999999999999", "v1.10.0", NULL});
	/* items 9 and 10's valid forms */
	static const char *const valid[] = {"1.0.0-alpha+001", "1.0.0+21AF26D3----117B344092BD",
					    "1.0.0-0.3.7",     "1.0.0-x.7.z.92",
					    "1.0.0-x-y-z.--",  NULL};
	for (size_t i = 0; valid[i]; i++)
		assert_true(berth_version_valid(BERTH_VERSION_SEMVER, valid[i]));
	assert_invalid(BERTH_VERSION_SEMVER,
		       (const char *const[]){"01.0.0", "1.0", "1.0.0-01", "1.0.0-", "1.0.0+",
					     "1.0.0-a..b", "1.0.0.0", "1.0.0 ", "v", "1.0.0-é",
					     NULL});
}

static void test_pep440_spec_examples(void **state)
{
	(void)state;
	/* PEP 440, "Summary of permitted suffixes and relative ordering" */
	assert_ascending(BERTH_VERSION_PEP440, (const char *const[]){"1.dev0",
								     "1.0.dev456",
								     "1.0a1",
								     "1.0a2.dev456",
								     "1.0a12.dev456",
								     "1.0a12",
								     "1.0b1.dev456",
								     "1.0b2",
								     "1.0b2.post345.dev456",
								     "1.0b2.post345",
								     "1.0rc1.dev456",
								     "1.0rc1",
								     "1.0",
								     "1.0+abc.5",
								     "1.0+abc.7",
								     "1.0+5",
								     "1.0.post456.dev34",
								     "1.0.post456",
								     "1.0.15",
								     "1.1.dev1",
								     "1!0.1",
								     NULL});
	/* its normalisation rules */
	assert_equal_versions(BERTH_VERSION_PEP440,
			      (const char *const[]){"1.0a1", "1.0.alpha1", "1.0-a1", "1.0a.1",
						    "1.0_ALPHA_1", "v1.0a1", " 1.0a1\n", NULL});
	assert_equal_versions(BERTH_VERSION_PEP440,
			      (const char *const[]){"1.0rc1", "1.0c1", "1.0pre1", "1.0preview1",
						    "1.0-rc.1", NULL});
	assert_equal_versions(BERTH_VERSION_PEP440,
			      (const char *const[]){"1.0.post1", "1.0-1", "1.0post1", "1.0.r1",
						    "1.0-rev1", "1.0_post_1", NULL});
	assert_equal_versions(BERTH_VERSION_PEP440,
			      (const char *const[]){"1.0", "1.0.0", "1.0.0.0", "0!1.0", NULL});
	assert_equal_versions(BERTH_VERSION_PEP440, (const char *const[]){"1.0a", "1.0a0", NULL});
	assert_equal_versions(BERTH_VERSION_PEP440,
			      (const char *const[]){"1.0.dev", "1.0.dev0", "1.0-dev0", NULL});
	assert_invalid(BERTH_VERSION_PEP440,
		       (const char *const[]){"", "a1.0", "1.0+", "1.0 foo", "1.0+abc..1", "1.0-",
					     "1.0.", "1!", "1.0a1b1", "1.0+é", NULL});
}

static void test_apk_order(void **state)
{
	(void)state;
	/* apk-tools' order: pre-release suffixes, nothing, post suffixes, a letter, more numbers */
	assert_ascending(BERTH_VERSION_APK,
			 (const char *const[]){"0.9.9",	   "1",	       "1.0_alpha", "1.0_alpha2",
					       "1.0_beta", "1.0_pre1", "1.0_rc1",   "1.0_rc2",
					       "1.0_rc10", "1.0",      "1.0-r0",    "1.0-r1",
					       "1.0-r10",  "1.0_cvs",  "1.0_git1",  "1.0_p1",
					       "1.0_p2",   "1.0a",     "1.0b",	    "1.0.1",
					       "1.01.1",   "1.1",      "2.0",	    NULL});
	/* after the first number, a leading zero makes a fraction */
	assert_ascending(BERTH_VERSION_APK,
			 (const char *const[]){"1.001", "1.01", "1.1", "1.2", "1.10", NULL});
	assert_equal_versions(BERTH_VERSION_APK,
			      (const char *const[]){"1.0_alpha", "1.0_alpha0", NULL});
	assert_ascending(BERTH_VERSION_APK, (const char *const[]){"3.0.8-r0", "3.0.8-r1",
								  "3.0.10-r0", "3.1.0-r0", NULL});
	assert_invalid(BERTH_VERSION_APK,
		       (const char *const[]){"", "a", "1.", "1..2", "1.0_foo", "1.0-r", "1.0-x1",
					     "1.0A", "1.0_p1a", "1.0-r1-r2", NULL});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_against_dpkg),
		cmocka_unit_test(test_dpkg_fixed_order),
		cmocka_unit_test(test_semver_spec_examples),
		cmocka_unit_test(test_pep440_spec_examples),
		cmocka_unit_test(test_apk_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
