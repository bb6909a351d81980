/* SPDX-License-Identifier: Apache-2.0 */
/* The network endpoints (api/networks.c) on a real socket over a temp store. */
#include "unit.h"

#include "api-img-fixture.h"

static void test_networks(void **state)
{
	struct service *s = *state;
	_cleanup_json_ json_t *list = NULL, *bridge = NULL, *custom = NULL, *made = NULL,
			      *one = NULL, *pruned = NULL;
	/* the built-in networks, each as `network inspect` shows it */
	assert_int_equal(svc_get_json(s, "GET", "/networks", &list), 200);
	assert_true(json_array_size(list) >= 3);
	assert_int_equal(svc_get_json(s, "GET", "/networks/bridge", &bridge), 200);
	assert_string_equal(json_string_value(json_object_get(bridge, "Driver")), "bridge");
	assert_int_equal(svc_get_json(s, "GET",
				      "/networks?filters=%7B%22type%22%3A%5B%22custom%22%5D%7D",
				      &custom),
			 200);
	assert_int_equal(json_array_size(custom), 0);

	_cleanup_free_ char *body = NULL, *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
	assert_int_equal(svc_call(s, "POST", "/networks/create",
				  "{\"Name\":\"n1\",\"IPAM\":{\"Config\":[{\"Subnet\":"
				  "\"10.229.0.0/24\"}]},\"Labels\":{\"k\":\"v\"}}",
				  false, NULL, &body),
			 201);
	made = json_loads(body, 0, NULL);
	const char *id = json_string_value(json_object_get(made, "Id"));
	assert_int_equal(strlen(id), 64);
	_cleanup_free_ char *path = berth_xasprintf("/networks/%.12s", id);
	assert_int_equal(svc_get_json(s, "GET", path, &one), 200);
	assert_string_equal(json_string_value(json_object_get(one, "Name")), "n1");
	/* taken name, IPv6, no body */
	assert_int_equal(
		svc_call(s, "POST", "/networks/create", "{\"Name\":\"n1\"}", false, NULL, &e1),
		409);
	assert_int_equal(svc_call(s, "POST", "/networks/create",
				  "{\"Name\":\"n2\",\"EnableIPv6\":true}", false, NULL, &e2),
			 501);
	assert_int_equal(svc_call(s, "DELETE", "/networks/n1", NULL, false, NULL, &e3), 204);
	assert_int_equal(svc_call(s, "DELETE", "/networks/n1", NULL, false, NULL, &e4), 404);
	assert_int_equal(svc_get_json(s, "POST", "/networks/prune", &pruned), 200);
	assert_true(json_is_array(json_object_get(pruned, "NetworksDeleted")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_networks, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
