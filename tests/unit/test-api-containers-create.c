/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /containers/create's body as berth_run_options: the fields the
 * docker CLI and docker-py send, unknown fields ignored, wrong types
 * refused with the field's name, and the string forms (Binds, Tmpfs,
 * PortBindings, RestartPolicy) through the flags' own parsers.
 */
#include "unit.h"

#include <netinet/in.h>
#include <signal.h>

#include "api/containers.h"
#include "core/cleanup.h"
#include "core/json.h"

/* The parsed body: c's strings borrow from it, so it lives as long (the caller drops it). */
static json_t *parse_ok(const char *text, const char *name, struct api_create *c,
			const char **image)
{
	struct berth_error *err = NULL;
	json_t *body = json_loads(text, 0, NULL);
	assert_non_null(body);
	assert_ok(api_create_parse(body, name, c, image, &err), err);
	return body;
}

static void parse_fails(const char *text, const char *want)
{
	struct berth_error *err = NULL;
	struct api_create c = {0};
	const char *image = NULL;
	_cleanup_json_ json_t *body = json_loads(text, 0, NULL);
	assert_int_equal(api_create_parse(body, NULL, &c, &image, &err), -EINVAL);
	if (!strstr(berth_error_msg(err), want))
		fail_msg("'%s' does not contain '%s'", berth_error_msg(err), want);
	berth_error_free(&err);
	api_create_release(&c);
}

/* What `docker run --rm -e A=1 -l k=v -w /w -u 1:2 busybox echo ok` sends (abridged). */
static void test_docker_cli_body(void **state)
{
	struct api_create c = {0};
	const char *image = NULL;
	_cleanup_json_ json_t *body = json_loads(
		"{\"Hostname\":\"\",\"User\":\"1:2\",\"Tty\":false,\"OpenStdin\":false,"
		"\"Env\":[\"A=1\"],\"Cmd\":[\"echo\",\"ok\"],\"Image\":\"busybox\","
		"\"WorkingDir\":\"/w\",\"Entrypoint\":null,\"Labels\":{\"k\":\"v\"},"
		"\"Volumes\":{},\"Unknown\":{\"x\":1},\"StopSignal\":\"SIGUSR1\","
		"\"HostConfig\":{\"AutoRemove\":true,\"NetworkMode\":\"none\",\"Binds\":null,"
		"\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\"Memory\":0,"
		"\"Privileged\":false,\"CapAdd\":[\"NET_ADMIN\"],\"Init\":true},"
		"\"NetworkingConfig\":{\"EndpointsConfig\":{}}}",
		0, NULL);
	struct berth_error *err = NULL;
	assert_ok(api_create_parse(body, "/web", &c, &image, &err), err);
	assert_string_equal(image, "busybox");
	assert_string_equal(c.o.name, "web");
	assert_string_equal(c.o.user, "1:2");
	assert_string_equal(c.o.workdir, "/w");
	assert_null(c.o.hostname);
	assert_null(c.o.entrypoint);
	assert_string_equal(c.o.cmd[0], "echo");
	assert_string_equal(c.o.cmd[1], "ok");
	assert_null(c.o.cmd[2]);
	assert_string_equal(c.o.env[0], "A=1");
	assert_string_equal(c.o.labels[0], "k=v");
	assert_string_equal(c.o.network, "none");
	assert_string_equal(c.o.cap_add[0], "NET_ADMIN");
	assert_int_equal(c.o.stop_signal, SIGUSR1);
	assert_int_equal(c.o.memory, -1);
	assert_int_equal(c.o.restart, BERTH_RESTART_NO);
	assert_true(c.o.rm && c.o.init && c.o.create_only && c.o.detach);
	assert_false(c.o.tty || c.o.interactive || c.o.privileged);
	api_create_release(&c);
}

static void test_entrypoint_and_cmd(void **state)
{
	struct api_create c = {0};
	const char *image = NULL;
	_cleanup_json_ json_t *b1 = NULL, *b2 = NULL;
	/* one word: --entrypoint; the rest goes before Cmd, as Docker's merge */
	b1 = parse_ok("{\"Image\":\"i\",\"Entrypoint\":[\"sh\",\"-c\"],\"Cmd\":\"echo hi\"}", NULL,
		      &c, &image);
	assert_string_equal(c.o.entrypoint, "sh");
	assert_string_equal(c.o.cmd[0], "-c");
	assert_string_equal(c.o.cmd[1], "echo hi");
	assert_null(c.o.cmd[2]);
	assert_null(c.o.name);
	api_create_release(&c);
	/* [] clears the image's entrypoint, as --entrypoint "" */
	b2 = parse_ok("{\"Image\":\"i\",\"Entrypoint\":[],\"Cmd\":null}", NULL, &c, &image);
	assert_string_equal(c.o.entrypoint, "");
	assert_null(c.o.cmd);
	api_create_release(&c);
}

static void test_host_config(void **state)
{
	struct api_create c = {0};
	const char *image = NULL;
	_cleanup_json_ json_t *body = parse_ok(
		"{\"Image\":\"i\",\"ExposedPorts\":{\"80/tcp\":{}},\"HostConfig\":{"
		"\"Binds\":[\"/h:/c:ro\",\"vol:/v\"],\"Tmpfs\":{\"/t\":\"size=1m\"},"
		"\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"m\",\"Target\":\"/m\"}],"
		"\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]},"
		"\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3},"
		"\"Memory\":1048576,\"NanoCpus\":500000000,\"PidsLimit\":10,"
		"\"SecurityOpt\":[\"no-new-privileges\"],\"ExtraHosts\":[\"h:1.2.3.4\"],"
		"\"Dns\":[\"9.9.9.9\"],\"ReadonlyRootfs\":true}}",
		NULL, &c, &image);
	assert_int_equal(c.o.n_mounts, 4);
	assert_int_equal(c.o.mounts[0].type, BERTH_MOUNT_TMPFS);
	assert_string_equal(c.o.mounts[0].target, "/t");
	assert_int_equal(c.o.mounts[1].type, BERTH_MOUNT_BIND);
	assert_true(c.o.mounts[1].read_only);
	assert_int_equal(c.o.mounts[2].type, BERTH_MOUNT_VOLUME);
	assert_string_equal(c.o.mounts[3].source, "m");
	assert_int_equal(c.o.n_ports, 1);
	assert_string_equal(c.o.ports[0].host_ip, "127.0.0.1");
	assert_int_equal(c.o.ports[0].host_port, 8080);
	assert_int_equal(c.o.ports[0].container_port, 80);
	assert_int_equal(c.o.ports[0].proto, IPPROTO_TCP);
	assert_string_equal(c.o.expose[0], "80/tcp");
	assert_int_equal(c.o.restart, BERTH_RESTART_ON_FAILURE);
	assert_int_equal(c.o.restart_max, 3);
	assert_int_equal(c.o.memory, 1048576);
	assert_int_equal(c.o.nano_cpus, 500000000);
	assert_int_equal(c.o.pids_limit, 10);
	assert_int_equal(c.o.no_new_privileges, 1);
	assert_string_equal(c.o.extra_hosts[0], "h:1.2.3.4");
	assert_string_equal(c.o.dns->dns[0], "9.9.9.9");
	assert_true(c.o.read_only);
	assert_null(c.o.network);
	api_create_release(&c);
}

static void test_bad_bodies(void **state)
{
	parse_fails("{\"Cmd\":[\"x\"]}", "no image was specified");
	parse_fails("{\"Image\":\"i\",\"Cmd\":[1]}", "'Cmd'");
	parse_fails("{\"Image\":\"i\",\"Env\":\"A=1\"}", "'Env'");
	parse_fails("{\"Image\":\"i\",\"Tty\":\"yes\"}", "'Tty'");
	parse_fails("{\"Image\":\"i\",\"HostConfig\":{\"Memory\":\"1g\"}}", "'Memory'");
	parse_fails("{\"Image\":\"i\",\"HostConfig\":{\"Binds\":[\"a:b\"]}}", "");
	parse_fails("{\"Image\":\"i\",\"HostConfig\":[]}", "'HostConfig'");
	parse_fails("{\"Image\":\"i\",\"StopSignal\":\"NOPE\"}", "invalid signal");
	parse_fails("{\"Image\":\"i\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"maybe\"}}}",
		    "");
	parse_fails("[]", "config cannot be empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_cli_body),
		cmocka_unit_test(test_entrypoint_and_cmd),
		cmocka_unit_test(test_host_config),
		cmocka_unit_test(test_bad_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
