/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A service as run options: the compose labels, the first network with the
 * service name and aliases, the others to connect, ports as -p values,
 * named volumes as PROJECT_KEY, entrypoint and command, health, limits.
 */
#include "unit.h"

#include <sys/resource.h>

#include "compose-fixture.h"
#include "compose/run-options.h"
#include "core/cleanup.h"
#include "core/strv.h"

static void test_service_options(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(
		fixture_load("services:\n"
			     "  web:\n"
			     "    image: busybox\n"
			     "    entrypoint: [sh, -c]\n"
			     "    command: [\"echo hi\"]\n"
			     "    environment: {A: '1', B: null}\n"
			     "    ports: ['127.0.0.1:8080:80', '53/udp']\n"
			     "    volumes: [data:/data:ro, /ctr]\n"
			     "    networks:\n"
			     "      front: {aliases: [www]}\n"
			     "      back: {}\n"
			     "    labels: {team: x}\n"
			     "    healthcheck: {test: [CMD, 'true'], interval: 2s, retries: 4}\n"
			     "    deploy: {resources: {limits: {cpus: '0.5', memory: 64M}}}\n"
			     "    restart: always\n"
			     "    ulimits: {nofile: {soft: 1024, hard: 2048}, core: -1}\n"
			     "networks: {front: {}, back: {}}\n"
			     "volumes: {data: {}}\n",
			     &p, NULL, &msg),
		0);
	struct berth_compose_run run;
	struct berth_error *err = NULL;
	const struct berth_compose_service *s = berth_compose_find_service(p, "web");
	assert_ok(berth_compose_run_options(NULL, p, s, 1, "busybox", "abc", &run, &err), err);
	assert_string_equal(run.o.name, "demo-web-1");
	assert_true(run.o.create_only);
	assert_true(berth_strv_contains(run.labels, "com.docker.compose.project=demo"));
	assert_true(berth_strv_contains(run.labels, "com.docker.compose.service=web"));
	assert_true(berth_strv_contains(run.labels, "com.docker.compose.container-number=1"));
	assert_true(berth_strv_contains(run.labels, "com.docker.compose.config-hash=abc"));
	assert_true(berth_strv_contains(run.labels, "com.docker.compose.oneoff=False"));
	assert_true(berth_strv_contains(run.labels, "team=x"));
	/* the first network at create, the others connected before start */
	assert_string_equal(run.o.network, "demo_front");
	assert_int_equal(berth_strv_len(run.more_networks), 1);
	assert_string_equal(run.more_networks[0], "demo_back");
	assert_true(berth_strv_contains(run.o.network_aliases, "web"));
	assert_true(berth_strv_contains(run.o.network_aliases, "www"));
	assert_string_equal(run.o.entrypoint, "sh");
	assert_int_equal(berth_strv_len(run.o.cmd), 2);
	assert_string_equal(run.o.cmd[0], "-c");
	assert_string_equal(run.o.cmd[1], "echo hi");
	assert_int_equal(berth_strv_len(run.o.env), 1);
	assert_string_equal(run.o.env[0], "A=1");
	assert_int_equal(run.o.n_ports, 2);
	assert_string_equal(run.o.ports[0].host_ip, "127.0.0.1");
	assert_int_equal(run.o.ports[0].host_port, 8080);
	assert_int_equal(run.o.ports[0].container_port, 80);
	assert_int_equal(run.o.ports[1].host_port, 0);
	assert_int_equal(run.o.ports[1].container_port, 53);
	assert_int_equal(run.o.n_mounts, 2);
	assert_int_equal(run.o.mounts[0].type, BERTH_MOUNT_VOLUME);
	assert_string_equal(run.o.mounts[0].source, "demo_data");
	assert_string_equal(run.o.mounts[0].target, "/data");
	assert_true(run.o.mounts[0].read_only);
	assert_int_equal(run.o.mounts[1].type, BERTH_MOUNT_VOLUME);
	assert_null(run.o.mounts[1].source); /* anonymous */
	assert_string_equal(run.o.mounts[1].target, "/ctr");
	assert_non_null(run.o.health);
	assert_string_equal(run.o.health->test[0], "CMD");
	assert_int_equal(run.o.health->interval, 2000000000LL);
	assert_int_equal(run.o.health->retries, 4);
	assert_int_equal(run.o.nano_cpus, 500000000LL);
	assert_int_equal(run.o.memory, 64 << 20);
	assert_int_equal(run.o.restart, BERTH_RESTART_ALWAYS);
	assert_int_equal(run.o.n_ulimits, 2);
	assert_int_equal(run.o.ulimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(run.o.ulimits[0].soft, 1024);
	assert_int_equal(run.o.ulimits[0].hard, 2048);
	assert_int_equal(run.o.ulimits[1].resource, RLIMIT_CORE);
	assert_true(run.o.ulimits[1].soft == UINT64_MAX && run.o.ulimits[1].hard == UINT64_MAX);
	berth_compose_run_release(&run);
}

static void test_default_network(void **state)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_free_ char *msg = NULL;
	assert_int_equal(fixture_load("services:\n  a: {image: busybox, container_name: solo}\n",
				      &p, NULL, &msg),
			 0);
	struct berth_compose_run run;
	struct berth_error *err = NULL;
	assert_ok(
		berth_compose_run_options(NULL, p, &p->services[0], 1, "busybox", "h", &run, &err),
		err);
	assert_string_equal(run.o.network, "demo_default");
	assert_null(run.more_networks);
	assert_string_equal(run.o.name, "solo");
	assert_null(run.o.cmd);
	assert_null(run.o.entrypoint);
	assert_null(run.o.health);
	berth_compose_run_release(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_options),
		cmocka_unit_test(test_default_network),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
