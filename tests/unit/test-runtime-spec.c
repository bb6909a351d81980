/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI runtime spec model: defaults, round trip, hostile input, sizes. */
#include "unit.h"

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static void test_defaults_round_trip(void **state)
{
	struct berth_spec s, back;
	struct berth_error *err = NULL;
	berth_spec_init(&s);
	berth_spec_init(&back);
	berth_spec_set_defaults(&s);
	berth_strv_push(&s.args, "/bin/sh");
	berth_strv_push(&s.env, "PATH=/bin");
	s.root_path = strdup("/r");
	s.hostname = strdup("h");
	s.memory_limit = 32 << 20;
	s.pids_limit = 64;
	s.cpu_quota = 50000;
	s.username = strdup("app");
	json_t *j = berth_spec_to_json(&s);
	assert_ok(berth_spec_from_json(j, &back, &err), err);
	assert_string_equal(back.args[0], "/bin/sh");
	assert_string_equal(back.root_path, "/r");
	assert_string_equal(back.hostname, "h");
	assert_string_equal(back.username, "app");
	assert_int_equal(back.memory_limit, 32 << 20);
	assert_int_equal(back.pids_limit, 64);
	assert_int_equal(back.cpu_quota, 50000);
	assert_int_equal(back.namespaces, s.namespaces);
	assert_int_equal(back.n_mounts, s.n_mounts);
	assert_true(back.no_new_privileges);
	assert_int_equal(berth_strv_len(back.capabilities), 14);
	assert_true(berth_strv_contains(back.masked_paths, "/proc/kcore"));
	assert_true(berth_strv_contains(back.readonly_paths, "/proc/sysrq-trigger"));
	assert_non_null(back.seccomp);
	/* Docker's device rules: deny all first, then the standard nodes */
	assert_int_equal(back.n_device_rules, s.n_device_rules);
	assert_false(back.device_rules[0].allow);
	assert_int_equal(back.device_rules[0].type, 'a');
	json_decref(j);
	berth_spec_release(&s);
	berth_spec_release(&back);
}

static void test_ns_paths_round_trip(void **state)
{
	struct berth_spec s, back;
	struct berth_error *err = NULL;
	berth_spec_init(&s);
	berth_spec_init(&back);
	berth_spec_set_defaults(&s);
	berth_strv_push(&s.args, "/bin/sh");
	s.root_path = strdup("/r");
	berth_spec_set_ns_path(&s, BERTH_NS_NETWORK, "/var/lib/berth/netns/abc");
	berth_spec_set_ns_path(&s, BERTH_NS_USER, "/proc/1/ns/user");
	berth_spec_set_ns_path(&s, BERTH_NS_TIME, NULL);
	json_t *j = berth_spec_to_json(&s);
	assert_ok(berth_spec_from_json(j, &back, &err), err);
	assert_int_equal(back.namespaces, s.namespaces);
	assert_string_equal(berth_spec_ns_path(&back, BERTH_NS_NETWORK),
			    "/var/lib/berth/netns/abc");
	assert_string_equal(berth_spec_ns_path(&back, BERTH_NS_USER), "/proc/1/ns/user");
	assert_null(berth_spec_ns_path(&back, BERTH_NS_TIME));
	assert_null(berth_spec_ns_path(&back, BERTH_NS_PID));
	json_decref(j);
	berth_spec_release(&s);
	berth_spec_release(&back);
	/* a new user namespace with its maps */
	const char *text = "{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
			   "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
			   "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536},"
			   "{\"containerID\":65536,\"hostID\":5,\"size\":1}],"
			   "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":10}]}}";
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, &err), err);
	assert_ok(berth_spec_from_json(j, &s, &err), err);
	json_decref(j);
	j = berth_spec_to_json(&s);
	assert_ok(berth_spec_from_json(j, &back, &err), err);
	assert_int_equal(back.n_uid_mappings, 2);
	assert_int_equal(back.uid_mappings[1].container_id, 65536);
	assert_int_equal(back.uid_mappings[1].host_id, 5);
	assert_int_equal(back.n_gid_mappings, 1);
	assert_int_equal(back.gid_mappings[0].host_id, 200000);
	assert_int_equal(back.gid_mappings[0].size, 10);
	json_decref(j);
	berth_spec_release(&s);
	berth_spec_release(&back);
}

static void test_devices_round_trip(void **state)
{
	struct berth_spec s, back;
	struct berth_error *err = NULL;
	berth_spec_init(&s);
	berth_spec_init(&back);
	berth_strv_push(&s.args, "true");
	s.root_path = strdup("/r");
	berth_spec_set_default_device_rules(&s);
	size_t n_default = s.n_device_rules;
	assert_true(n_default > 5);
	berth_spec_add_device(&s, "/dev/myzero", 'c', 1, 5, 0640, 0, 6);
	berth_spec_add_device_rule(&s, true, 'c', 1, 5, "r");
	json_t *j = berth_spec_to_json(&s);
	/* OCI's shape: linux.devices and linux.resources.devices */
	json_t *dev = json_array_get(json_object_get(json_object_get(j, "linux"), "devices"), 0);
	assert_string_equal(json_string_value(json_object_get(dev, "type")), "c");
	assert_int_equal(json_integer_value(json_object_get(dev, "fileMode")), 0640);
	assert_ok(berth_spec_from_json(j, &back, &err), err);
	assert_int_equal(back.n_devices, 1);
	assert_string_equal(back.devices[0].path, "/dev/myzero");
	assert_int_equal(back.devices[0].type, 'c');
	assert_int_equal(back.devices[0].major, 1);
	assert_int_equal(back.devices[0].minor, 5);
	assert_int_equal(back.devices[0].file_mode, 0640);
	assert_int_equal(back.devices[0].gid, 6);
	assert_int_equal(back.n_device_rules, n_default + 1);
	const struct berth_spec_device_rule *last = &back.device_rules[n_default];
	assert_true(last->allow);
	assert_int_equal(last->major, 1);
	assert_int_equal(last->minor, 5);
	assert_string_equal(last->access, "r");
	/* wildcards stay wildcards: the pts rule is c 136:* */
	bool saw_pts = false;
	for (size_t i = 0; i < back.n_device_rules; i++)
		if (back.device_rules[i].major == 136 && back.device_rules[i].minor == -1)
			saw_pts = true;
	assert_true(saw_pts);
	berth_spec_allow_all_devices(&back);
	assert_int_equal(back.n_device_rules, 1);
	assert_true(back.device_rules[0].allow);
	assert_int_equal(back.device_rules[0].type, 'a');
	json_decref(j);
	berth_spec_release(&s);
	berth_spec_release(&back);
}

static void expect_invalid(const char *text, int code)
{
	struct berth_spec s;
	struct berth_error *err = NULL;
	json_t *j = NULL;
	berth_spec_init(&s);
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, &err), err);
	int r = berth_spec_from_json(j, &s, &err);
	assert_int_equal(r, -code);
	assert_non_null(err);
	berth_error_free(&err);
	json_decref(j);
	berth_spec_release(&s);
}

/* Every field of linux.resources the parser reads, and cgroupsPath, come back from to_json. */
static void test_resources_round_trip(void **state)
{
	static const char text[] =
		"{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},\"linux\":{"
		"\"cgroupsPath\":\"/default/x\",\"resources\":{"
		"\"memory\":{\"limit\":1048576,\"reservation\":524288,\"swap\":2097152,"
		"\"disableOOMKiller\":true},"
		"\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,"
		"\"realtimeRuntime\":1000,\"realtimePeriod\":10000,\"cpus\":\"0-1\","
		"\"mems\":\"0\"},\"pids\":{\"limit\":9},"
		"\"blockIO\":{\"weight\":300,\"weightDevice\":[{\"major\":8,\"minor\":0,"
		"\"weight\":200}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
		"\"rate\":1000}],\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,"
		"\"rate\":7}]},"
		"\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
		"\"network\":{\"classID\":17,\"priorities\":[{\"name\":\"eth0\","
		"\"priority\":3}]}}}}";
	struct berth_spec s, back;
	struct berth_error *err = NULL;
	json_t *in = NULL;
	assert_ok(berth_json_parse(text, strlen(text), "t", &in, &err), err);
	berth_spec_init(&s);
	berth_spec_init(&back);
	assert_ok(berth_spec_from_json(in, &s, &err), err);
	json_t *j = berth_spec_to_json(&s);
	json_t *res_in = json_object_get(json_object_get(in, "linux"), "resources");
	json_t *res_out = json_object_get(json_object_get(j, "linux"), "resources");
	/* what was read is what is written (the output may hold more: device rules) */
	const char *key;
	json_t *v;
	json_object_foreach (res_in, key, v) {
		if (!json_equal(v, json_object_get(res_out, key)))
			fail_msg("resources.%s differs", key);
	}
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "linux"), "cgroupsPath")),
		"/default/x");
	assert_ok(berth_spec_from_json(j, &back, &err), err);
	json_t *j2 = berth_spec_to_json(&back);
	assert_true(json_equal(j, j2));
	assert_string_equal(back.resources->cpuset_cpus, "0-1");
	assert_int_equal(back.resources->n_throttle[3], 1);
	json_decref(j2);
	json_decref(j);
	json_decref(in);
	berth_spec_release(&s);
	berth_spec_release(&back);
}

static void test_hostile(void **state)
{
	expect_invalid("[]", EINVAL);
	expect_invalid("{}", ENOENT);
	expect_invalid("{\"process\":{\"args\":[]},\"root\":{\"path\":\"r\"}}", EINVAL);
	expect_invalid("{\"process\":{\"args\":[1]},\"root\":{\"path\":\"r\"}}", EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"],\"cwd\":\"rel\"},\"root\":{\"path\":\"r\"}}",
		       EINVAL);
	expect_invalid(
		"{\"process\":{\"args\":[\"a\"],\"user\":{\"uid\":-1}},\"root\":{\"path\":\"r\"}}",
		EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"mounts\":[{\"destination\":\"rel\"}]}",
		       EINVAL);
	/* a new user namespace needs both maps; maps need a new user namespace */
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}],"
		       "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}}",
		       EINVAL);
	/* a range may not wrap past 2^32, nor be empty */
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		       "\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":2}],"
		       "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		       "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}],"
		       "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\",\"path\":"
		       "\"/p\"}]}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}",
		       ENOTSUP);
	/* a network namespace joined by path must name it absolutely */
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"ns\"}]}}",
		       EINVAL);
	/* devices and device rules from outside */
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"devices\":[{\"path\":\"rel\",\"type\":\"c\","
		       "\"major\":1,\"minor\":3}]}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"devices\":[{\"path\":\"/d\",\"type\":\"p\","
		       "\"major\":1,\"minor\":3}]}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"devices\":[{\"path\":\"/d\",\"type\":\"c\","
		       "\"major\":-1,\"minor\":3}]}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"devices\":[{\"path\":\"/d\",\"type\":\"c\"}]}}",
		       ENOENT);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,"
		       "\"access\":\"rwx\"}]}}}",
		       EINVAL);
	expect_invalid("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},"
		       "\"linux\":{\"resources\":{\"devices\":[{\"access\":\"r\"}]}}}",
		       EINVAL);
}

/* err may be NULL (the error contract): the result alone tells what happened. */
static int from_json_without_err(const char *text, struct berth_spec *s)
{
	json_t *j = NULL;
	struct berth_error *err = NULL;
	berth_spec_init(s);
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, &err), err);
	int r = berth_spec_from_json(j, s, NULL);
	json_decref(j);
	return r;
}

static void test_resources_err_null(void **state)
{
	struct berth_spec s;
	/* limits absent from some resource objects: kept at "none" */
	assert_int_equal(from_json_without_err("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":"
					       "\"r\"},\"linux\":{\"resources\":{\"cpu\":{"
					       "\"quota\":50000}}}}",
					       &s),
			 0);
	assert_int_equal(s.memory_limit, -1);
	assert_int_equal(s.cpu_quota, 50000);
	assert_int_equal(s.pids_limit, -1);
	berth_spec_release(&s);
	assert_int_equal(from_json_without_err("{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":"
					       "\"r\"},\"linux\":{\"resources\":{\"memory\":{"
					       "\"limit\":1048576},\"pids\":{}}}}",
					       &s),
			 0);
	assert_int_equal(s.memory_limit, 1048576);
	assert_int_equal(s.pids_limit, -1);
	berth_spec_release(&s);
	/* bad limits are refused without an err to fill */
	static const char *const bad[] = {
		"{\"memory\":{\"limit\":-5}}",	  "{\"memory\":{\"limit\":\"1g\"}}",
		"{\"cpu\":{\"period\":5000000}}", "{\"cpu\":{\"quota\":1.5}}",
		"{\"pids\":{\"limit\":-2}}",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		_cleanup_free_ char *doc = berth_xasprintf(
			"{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},\"linux\":{"
			"\"resources\":%s}}",
			bad[i]);
		/* < 0 only: berth_error_prefix() cannot keep the code without an err */
		assert_true(from_json_without_err(doc, &s) < 0);
		berth_spec_release(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_round_trip),
		cmocka_unit_test(test_devices_round_trip),
		cmocka_unit_test(test_ns_paths_round_trip),
		cmocka_unit_test(test_resources_round_trip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_resources_err_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
