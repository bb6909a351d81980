/* SPDX-License-Identifier: Apache-2.0 */
/*
 * history.c's created_by texts: the expected strings are BuildKit's for the
 * same instructions, as tests/e2e/build-peer.bats saw them from Docker 20.10.
 */
#include "unit.h"

#include "builder/internal.h"

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	assert_non_null(j);
	return j;
}

static void check_free(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

static void test_go_strings(void **state)
{
	(void)state;
	json_t *a = parse("[\"/bin/sh\", \"-c\", \"echo \\\"quoted\\\" and\\ttab\"]");
	check_free(history_go_strings("ENTRYPOINT", a, true),
		   "ENTRYPOINT [\"/bin/sh\" \"-c\" \"echo \\\"quoted\\\" and\\ttab\"]");
	json_decref(a);
	a = parse("[\"a b\", \"c\\\\d\", \"\xc3\xa9\"]");
	check_free(history_go_strings("CMD", a, true), "CMD [\"a b\" \"c\\\\d\" \"\xc3\xa9\"]");
	json_decref(a);
	a = parse("[\"/bin/sh\", \"-c\", \"-x\"]");
	check_free(history_go_strings("SHELL", a, false), "SHELL [/bin/sh -c -x]");
	json_decref(a);
	a = parse("[]");
	check_free(history_go_strings("CMD", a, true), "CMD []");
	json_decref(a);
}

static void test_healthcheck(void **state)
{
	(void)state;
	json_t *h = parse("{\"Test\":[\"CMD\",\"cat\",\"/etc/passwd\"],\"Interval\":90000000000,"
			  "\"StartPeriod\":2000000000,\"Retries\":3}");
	check_free(
		history_healthcheck(h),
		"HEALTHCHECK &{[\"CMD\" \"cat\" \"/etc/passwd\"] \"1m30s\" \"0s\" \"2s\" '\\x03'}");
	json_decref(h);
	h = parse("{\"Test\":[\"NONE\"]}");
	check_free(history_healthcheck(h),
		   "HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" '\\x00'}");
	json_decref(h);
	/* Go's Duration.String(); StartInterval only when set */
	h = parse("{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":7200000000000,"
		  "\"Timeout\":1500000000,\"StartPeriod\":500000000,\"StartInterval\":1500000}");
	check_free(history_healthcheck(h), "HEALTHCHECK &{[\"CMD-SHELL\" \"true\"] \"2h0m0s\" "
					   "\"1.5s\" \"500ms\" \"1.5ms\" '\\x00'}");
	json_decref(h);
}

static void test_expose_volume(void **state)
{
	(void)state;
	char *ports[] = {"80/tcp", "443/udp", "80/tcp", "8080/tcp", NULL};
	check_free(history_expose(ports), "EXPOSE map[443/udp:{} 80/tcp:{} 8080/tcp:{}]");
	char *vols[] = {"/data", "/logs", NULL};
	check_free(history_volume(vols), "VOLUME [/data /logs]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_strings),
		cmocka_unit_test(test_healthcheck),
		cmocka_unit_test(test_expose_volume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
