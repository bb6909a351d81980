/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's process as child.c sets it up from a config.json's
 * fields: the five capability sets as /proc/self/status shows them, an
 * unknown capability refused with its name, linux.sysctl and oomScoreAdj.
 */
#include "runtime-fixture.h"

#include "core/json.h"

static int setup(void **state)
{
	busybox_tree("child", "rootfs");
	return 0;
}

/* A spec from a config.json's process.capabilities (and user), running script. */
static void spec_with_caps(struct berth_spec *spec, const char *caps_json, const char *script)
{
	struct berth_error *err = NULL;
	char text[2048];
	snprintf(text, sizeof(text),
		 "{\"process\":{\"args\":[\"a\"],\"user\":{\"uid\":1000,\"gid\":1000},"
		 "\"capabilities\":%s},\"root\":{\"path\":\"r\"}}",
		 caps_json);
	json_t *j = NULL;
	make_spec(spec, script);
	berth_strv_free(spec->capabilities);
	spec->capabilities = NULL;
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, &err), err);
	struct berth_spec parsed;
	berth_spec_init(&parsed);
	assert_ok(berth_spec_from_json(j, &parsed, &err), err);
	json_decref(j);
	/* the process of the parsed spec on the fixture's rootfs and namespaces */
	spec->uid = parsed.uid, spec->gid = parsed.gid;
	free(spec->username);
	spec->username = NULL;
	spec->cap_sets_given = parsed.cap_sets_given;
	spec->capabilities = TAKE_PTR(parsed.capabilities);
	spec->cap_effective = TAKE_PTR(parsed.cap_effective);
	spec->cap_permitted = TAKE_PTR(parsed.cap_permitted);
	spec->cap_inheritable = TAKE_PTR(parsed.cap_inheritable);
	spec->cap_ambient = TAKE_PTR(parsed.cap_ambient);
	berth_spec_release(&parsed);
}

static void test_five_sets(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char out[1024];
	int code;
	/* as uid 1000 without file capabilities, execve keeps only the ambient ones */
	spec_with_caps(&spec,
		       "{\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_ADMIN\",\"CAP_NET_RAW\"],"
		       "\"effective\":[\"CAP_NET_RAW\"],"
		       "\"permitted\":[\"CAP_CHOWN\",\"CAP_NET_RAW\"],"
		       "\"inheritable\":[\"CAP_NET_RAW\"],\"ambient\":[\"CAP_NET_RAW\"]}",
		       "grep ^Cap /proc/self/status; id -u");
	int r = run_spec(&spec, out, sizeof(out), &code, &err);
	berth_spec_release(&spec);
	assert_ok(r, err);
	assert_int_equal(code, 0);
	assert_string_equal(out, "CapInh:\t0000000000002000\n"
				 "CapPrm:\t0000000000002000\n"
				 "CapEff:\t0000000000002000\n"
				 "CapBnd:\t0000000000003001\n"
				 "CapAmb:\t0000000000002000\n"
				 "1000\n");
}

/* As runc: an ambient capability that is not also inheritable is skipped, not an error. */
static void test_ambient_not_inheritable_is_skipped(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char out[1024];
	int code;
	spec_with_caps(&spec,
		       "{\"bounding\":[\"CAP_KILL\",\"CAP_NET_RAW\"],"
		       "\"effective\":[\"CAP_KILL\",\"CAP_NET_RAW\"],"
		       "\"permitted\":[\"CAP_KILL\",\"CAP_NET_RAW\"],"
		       "\"inheritable\":[\"CAP_NET_RAW\"],"
		       "\"ambient\":[\"CAP_KILL\",\"CAP_NET_RAW\"]}",
		       "grep ^CapAmb /proc/self/status");
	int r = run_spec(&spec, out, sizeof(out), &code, &err);
	berth_spec_release(&spec);
	assert_ok(r, err);
	assert_int_equal(code, 0);
	assert_string_equal(out, "CapAmb:\t0000000000002000\n");
}

static void test_unknown_capability(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char out[64];
	int code;
	spec_with_caps(&spec, "{\"bounding\":[\"CAP_CHOWN\"],\"ambient\":[\"CAP_NOPE\"]}", "true");
	assert_int_equal(run_spec(&spec, out, sizeof(out), &code, &err), -EINVAL);
	berth_spec_release(&spec);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "unknown capability 'CAP_NOPE'"));
	berth_error_free(&err);
}

static void test_sysctl_and_oom(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec, parsed;
	struct berth_error *err = NULL;
	char out[256];
	int code;
	const char *text =
		"{\"process\":{\"args\":[\"a\"],\"oomScoreAdj\":123},\"root\":{\"path\":\"r\"},"
		"\"linux\":{\"namespaces\":[{\"type\":\"ipc\"},{\"type\":\"network\"}],"
		"\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmni\":\"1234\"}}}";
	json_t *j = NULL;
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, &err), err);
	berth_spec_init(&parsed);
	assert_ok(berth_spec_from_json(j, &parsed, &err), err);
	json_decref(j);
	make_spec(&spec, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni "
			 "/proc/self/oom_score_adj");
	spec.namespaces |= BERTH_NS_NETWORK;
	spec.sysctl = TAKE_PTR(parsed.sysctl);
	spec.has_oom_score_adj = parsed.has_oom_score_adj;
	spec.oom_score_adj = parsed.oom_score_adj;
	berth_spec_release(&parsed);
	int r = run_spec(&spec, out, sizeof(out), &code, &err);
	berth_spec_release(&spec);
	assert_ok(r, err);
	assert_string_equal(out, "1\n1234\n123\n");
	/* one of the host's is refused when parsed, with its name */
	text = "{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
	       "\"linux\":{\"namespaces\":[{\"type\":\"ipc\"}],"
	       "\"sysctl\":{\"kernel.panic\":\"1\"}}}";
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, &err), err);
	berth_spec_init(&parsed);
	assert_int_equal(berth_spec_from_json(j, &parsed, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "sysctl 'kernel.panic' is not in a namespace"));
	berth_error_free(&err);
	berth_spec_release(&parsed);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_five_sets),
		cmocka_unit_test(test_ambient_not_inheritable_is_skipped),
		cmocka_unit_test(test_unknown_capability),
		cmocka_unit_test(test_sysctl_and_oom),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
