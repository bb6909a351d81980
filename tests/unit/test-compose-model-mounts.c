/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "compose-fixture.h"
#include "core/alloc.h"
#include "core/cleanup.h"

static struct berth_compose_project *load_ok(const char *text)
{
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	int r = fixture_load(text, &p, NULL, &msg);
	if (r < 0)
		fail_msg("%s", msg);
	return p;
}

static void test_ports(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p =
		load_ok("services:\n  a:\n    image: x\n    ports:\n"
			"      - 80\n"
			"      - '127.0.0.1:18081:80'\n"
			"      - '[::1]:53:53/udp'\n"
			"      - '8000-8001:90-91'\n"
			"      - '9000-9010:99'\n"
			"      - ':7000:70'\n");
	const struct berth_compose_port *o = p->services[0].ports;
	assert_int_equal(p->services[0].n_ports, 7);
	assert_int_equal(o[0].container_port, 80);
	assert_null(o[0].host_port);
	assert_null(o[0].host_ip);
	assert_string_equal(o[1].host_ip, "127.0.0.1");
	assert_string_equal(o[1].host_port, "18081");
	assert_string_equal(o[2].host_ip, "::1");
	assert_string_equal(o[2].proto, "udp");
	assert_string_equal(o[3].host_port, "8000");
	assert_int_equal(o[4].container_port, 91);
	assert_string_equal(o[4].host_port, "8001");
	assert_string_equal(o[5].host_port, "9000-9010");
	assert_null(o[6].host_ip);
	assert_string_equal(o[6].host_port, "7000");
}

static void test_long_port(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = load_ok(
		"services:\n  a:\n    image: x\n    ports:\n"
		"      - {target: 443, published: '8443', host_ip: 10.0.0.1, mode: host}\n");
	const struct berth_compose_port *o = p->services[0].ports;
	assert_int_equal(o->container_port, 443);
	assert_string_equal(o->host_port, "8443");
	assert_string_equal(o->host_ip, "10.0.0.1");
	assert_string_equal(o->mode, "host");
	assert_string_equal(o->proto, "tcp");
}

static void expect_error(const char *ports, const char *want)
{
	_cleanup_free_ char *text =
		berth_xasprintf("services:\n  a:\n    image: x\n    ports: [%s]\n", ports);
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(fixture_load(text, &p, NULL, &msg), -EINVAL);
	assert_string_equal(msg, want);
}

static void test_bad_ports(void **state)
{
	expect_error("'99999:80'", "compose.yaml:4: services.a.ports: invalid port '99999:80': "
				   "host port '99999' is not a port (1-65535) or a range");
	expect_error("'80/icmp'", "compose.yaml:4: services.a.ports: invalid port '80/icmp': "
				  "protocol 'icmp' is not tcp, udp or sctp");
	expect_error("'x.y:80:80'", "compose.yaml:4: services.a.ports: invalid port 'x.y:80:80': "
				    "'x.y' is not an IP address");
	expect_error("'1:2:3:4'", "compose.yaml:4: services.a.ports: invalid port '1:2:3:4': too "
				  "many ':' (an IPv6 address goes in brackets)");
	expect_error("'8000-8002:90-91'", "compose.yaml:4: services.a.ports: invalid port "
					  "'8000-8002:90-91': the host and container ranges "
					  "differ in size");
	expect_error("'0'", "compose.yaml:4: services.a.ports: invalid port '0': container port "
			    "'0' is not a port (1-65535) or a range");
	expect_error("{published: 80}", "compose.yaml:4: services.a.ports: a port needs a target");
}

static void test_volumes(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = load_ok(
		"services:\n  a:\n    image: x\n    volumes:\n"
		"      - ./data/../d:/data:ro,z\n"
		"      - ~/x:/x\n"
		"      - cache:/cache:nocopy\n"
		"      - /anon\n"
		"      - {type: tmpfs, target: /t, tmpfs: {size: 1m, mode: '1777'}}\n"
		"      - {type: bind, source: /s, target: /b, bind: {propagation: rshared}}\n"
		"volumes:\n  cache: {}\n");
	const struct berth_compose_mount *m = p->services[0].volumes;
	assert_int_equal(p->services[0].n_volumes, 6);
	assert_int_equal(m[0].type, BERTH_COMPOSE_MOUNT_BIND);
	assert_string_equal(m[0].source, "/proj/d");
	assert_true(m[0].read_only && m[0].create_host_path);
	assert_string_equal(m[0].selinux, "z");
	assert_string_equal(m[1].source, "/home/u/x");
	assert_int_equal(m[2].type, BERTH_COMPOSE_MOUNT_VOLUME);
	assert_true(m[2].nocopy);
	assert_null(m[3].source);
	assert_int_equal(m[4].tmpfs_size, 1 << 20);
	assert_int_equal(m[4].tmpfs_mode, 01777);
	assert_string_equal(m[5].propagation, "rshared");
	assert_false(m[5].create_host_path);
}

static void test_bad_volumes(void **state)
{
	struct berth_compose_project *p = NULL;
	_cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL;
	assert_int_equal(fixture_load("services:\n  a:\n    image: x\n    volumes: ['./a:rel']\n",
				      &p, NULL, &m1),
			 -EINVAL);
	assert_string_equal(m1, "compose.yaml:4: services.a.volumes: invalid volume './a:rel': the "
				"target 'rel' is not an absolute path");
	assert_int_equal(
		fixture_load("services:\n  a:\n    image: x\n    volumes: ['/a:/b:fast']\n", &p,
			     NULL, &m2),
		-EINVAL);
	assert_string_equal(m2, "compose.yaml:4: services.a.volumes: invalid volume '/a:/b:fast': "
				"unknown option 'fast'");
	assert_int_equal(fixture_load("services:\n  a:\n    image: x\n    volumes: [/a, '/b:/a']\n",
				      &p, NULL, &m3),
			 -EINVAL);
	assert_string_equal(m3, "compose.yaml:4: services.a.volumes: duplicate mount target '/a'");
	assert_int_equal(fixture_load("services:\n  a:\n    image: x\n    volumes: [{type: npipe, "
				      "target: /x}]\n",
				      &p, NULL, &m4),
			 -EINVAL);
	assert_string_equal(m4, "compose.yaml:4: services.a.volumes.type: 'npipe' is not bind, "
				"volume or tmpfs (refused)");
	assert_int_equal(
		fixture_load("services:\n  a:\n    image: x\n    volumes: [{target: /x}]\n", &p,
			     NULL, &m5),
		-EINVAL);
	assert_string_equal(m5,
			    "compose.yaml:4: services.a.volumes: a long-syntax mount needs a type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),	    cmocka_unit_test(test_long_port),
		cmocka_unit_test(test_bad_ports),   cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_bad_volumes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
