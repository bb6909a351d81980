/* SPDX-License-Identifier: Apache-2.0 */
/* kube/container.c: a container record + its image -> a Kubernetes container spec. */
#include "unit.h"

#include "kube-fixture.h"

#define REC(extra)                                                                                 \
	"{\"Name\": \"Web_App\", \"Config\": {\"Cmd\": [\"httpd\", \"-f\"], \"Env\": "             \
	"[\"PATH=/usr/bin:/bin\", \"A=1\"], \"WorkingDir\": \"/\"}, \"HostConfig\": {}" extra "}"

static void test_minimal(void **state)
{
	struct kube_pod p;
	json_t *c = fixture_container(&p, REC(", \"RunOverrides\": {}"));
	/* nothing run added: the image's own command, env and workdir are left to it */
	assert_json(c, "{\"name\": \"web-app\", \"image\": \"docker.io/library/web@sha256:abc\"}");
	assert_json(p.annotations, "{\"image.berth.io/web-app\": \"docker.io/library/web:1\"}");
	assert_string_equal(p.restart, "Never");
	assert_null(p.warnings);
	kube_pod_release(&p);
}

static void test_command_overrides(void **state)
{
	struct kube_pod p;
	/* --entrypoint X with a command: command and args */
	json_t *c = fixture_container(
		&p, "{\"Name\": \"w\", \"Config\": {\"Cmd\": [\"/bin/sh\", \"-c\", \"x\"]}, "
		    "\"RunOverrides\": {\"Entrypoint\": [\"/bin/sh\"], \"Cmd\": [\"-c\", \"x\"]}}");
	assert_json(json_object_get(c, "command"), "[\"/bin/sh\"]");
	assert_json(json_object_get(c, "args"), "[\"-c\", \"x\"]");
	kube_pod_release(&p);
	/* a command alone: args, the image's entrypoint stays */
	c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"Cmd\": [\"ls\"]}, "
				  "\"RunOverrides\": {\"Cmd\": [\"ls\"]}}");
	assert_null(json_object_get(c, "command"));
	assert_json(json_object_get(c, "args"), "[\"ls\"]");
	kube_pod_release(&p);
	/* --entrypoint "": the whole process is the command */
	c = fixture_container(&p,
			      "{\"Name\": \"w\", \"Config\": {\"Cmd\": [\"ls\", \"-l\"]}, "
			      "\"RunOverrides\": {\"Entrypoint\": [], \"Cmd\": [\"ls\", \"-l\"]}}");
	assert_json(json_object_get(c, "command"), "[\"ls\", \"-l\"]");
	assert_null(json_object_get(c, "args"));
	kube_pod_release(&p);
}

static void test_record_without_overrides(void **state)
{
	struct kube_pod p;
	/* a record made before RunOverrides: the image's process is left out... */
	json_t *c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"Cmd\": [\"httpd\", "
					  "\"-f\"]}}");
	assert_null(json_object_get(c, "command"));
	assert_null(json_object_get(c, "args"));
	kube_pod_release(&p);
	/* ...another one is the command */
	c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"Cmd\": [\"sleep\", \"9\"]}}");
	assert_json(json_object_get(c, "command"), "[\"sleep\", \"9\"]");
	kube_pod_release(&p);
}

static void test_env_is_what_run_added(void **state)
{
	struct kube_pod p;
	json_t *c = fixture_container(
		&p, "{\"Name\": \"w\", \"Config\": {\"Env\": [\"PATH=/usr/bin:/bin\", \"A=1\", "
		    "\"HOSTNAME=abc\", \"B=x=y\", \"A2=\"]}}");
	assert_json(json_object_get(c, "env"), "[{\"name\": \"B\", \"value\": \"x=y\"}, "
					       "{\"name\": \"A2\", \"value\": \"\"}]");
	kube_pod_release(&p);
	/* an image variable run changed is run's */
	c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"Env\": [\"A=2\"]}}");
	assert_json(json_object_get(c, "env"), "[{\"name\": \"A\", \"value\": \"2\"}]");
	kube_pod_release(&p);
}

static void test_ports_and_service(void **state)
{
	struct kube_pod p;
	json_t *c = fixture_container(
		&p,
		"{\"Name\": \"w\", \"Config\": {\"ExposedPorts\": {\"8080/tcp\": {}, "
		"\"53/udp\": {}, \"9000/tcp\": {}, \"junk\": {}}}, \"HostConfig\": "
		"{\"PortBindings\": {\"8080/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"18080\"}], "
		"\"53/udp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"5353\"}]}}}");
	assert_json(json_object_get(c, "ports"),
		    "[{\"containerPort\": 8080, \"hostPort\": 18080}, {\"containerPort\": 53, "
		    "\"hostPort\": 5353, \"hostIP\": \"127.0.0.1\", \"protocol\": \"UDP\"}, "
		    "{\"containerPort\": 9000}]");
	assert_json(p.service_ports,
		    "[{\"name\": \"tcp-8080\", \"protocol\": \"TCP\", \"port\": 18080, "
		    "\"targetPort\": 8080}, {\"name\": \"udp-53\", \"protocol\": \"UDP\", "
		    "\"port\": 5353, \"targetPort\": 53}]");
	kube_pod_release(&p);
}

static void test_healthcheck_probes(void **state)
{
	struct kube_pod p;
	json_t *c = fixture_container(
		&p, "{\"Name\": \"w\", \"Config\": {\"Healthcheck\": {\"Test\": [\"CMD-SHELL\", "
		    "\"wget -q localhost\"], \"Interval\": 5000000000, \"Timeout\": 1500000000, "
		    "\"StartPeriod\": 10000000000, \"Retries\": 2}}}");
	const char *want =
		"{\"exec\": {\"command\": [\"/bin/sh\", \"-c\", \"wget -q localhost\"]}, "
		"\"periodSeconds\": 5, \"timeoutSeconds\": 2, \"failureThreshold\": 2, "
		"\"initialDelaySeconds\": 10}";
	assert_json(json_object_get(c, "livenessProbe"), want);
	assert_json(json_object_get(c, "readinessProbe"), want);
	kube_pod_release(&p);
	/* CMD form, Docker's defaults where unset, the image's SHELL unused */
	c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"Healthcheck\": {\"Test\": "
				  "[\"CMD\", \"/probe\", \"-x\"]}}}");
	assert_json(json_object_get(c, "livenessProbe"),
		    "{\"exec\": {\"command\": [\"/probe\", \"-x\"]}, \"periodSeconds\": 30, "
		    "\"timeoutSeconds\": 30, \"failureThreshold\": 3}");
	kube_pod_release(&p);
	/* CMD-SHELL runs with the image's SHELL */
	c = fixture_container(&p,
			      "{\"Name\": \"w\", \"Config\": {\"Shell\": [\"/bin/bash\", "
			      "\"-ec\"], \"Healthcheck\": {\"Test\": [\"CMD-SHELL\", \"true\"]}}}");
	assert_json(json_object_get(json_object_get(json_object_get(c, "readinessProbe"), "exec"),
				    "command"),
		    "[\"/bin/bash\", \"-ec\", \"true\"]");
	kube_pod_release(&p);
	/* NONE: no probe */
	c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"Healthcheck\": {\"Test\": "
				  "[\"NONE\"]}}}");
	assert_null(json_object_get(c, "livenessProbe"));
	assert_null(json_object_get(c, "readinessProbe"));
	kube_pod_release(&p);
}

static void test_limits(void **state)
{
	struct kube_pod p;
	json_t *c = fixture_container(&p, "{\"Name\": \"w\", \"HostConfig\": {\"Memory\": "
					  "67108864, \"NanoCpus\": 1500000000}}");
	assert_json(json_object_get(c, "resources"),
		    "{\"limits\": {\"cpu\": \"1500m\", \"memory\": \"64Mi\"}}");
	kube_pod_release(&p);
	c = fixture_container(&p, "{\"Name\": \"w\", \"HostConfig\": {\"Memory\": 1536, "
				  "\"NanoCpus\": 2000000000}}");
	assert_json(json_object_get(c, "resources"),
		    "{\"limits\": {\"cpu\": \"2\", \"memory\": \"1536\"}}");
	kube_pod_release(&p);
	c = fixture_container(&p, "{\"Name\": \"w\", \"HostConfig\": {\"Memory\": 0, "
				  "\"NanoCpus\": 0}}");
	assert_null(json_object_get(c, "resources"));
	kube_pod_release(&p);
}

static void test_security_context(void **state)
{
	struct kube_pod p;
	json_t *c = fixture_container(
		&p, "{\"Name\": \"w\", \"Config\": {\"User\": \"1000:2000\"}, \"HostConfig\": "
		    "{\"ReadonlyRootfs\": true, \"CapAdd\": [\"cap_net_admin\"], \"CapDrop\": "
		    "[\"ALL\"]}}");
	assert_json(json_object_get(c, "securityContext"),
		    "{\"runAsUser\": 1000, \"runAsGroup\": 2000, \"runAsNonRoot\": true, "
		    "\"readOnlyRootFilesystem\": true, \"capabilities\": {\"add\": "
		    "[\"NET_ADMIN\"], \"drop\": [\"ALL\"]}}");
	kube_pod_release(&p);
	/* root, as an image without USER runs: the cluster's default too */
	c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"User\": \"0\"}}");
	assert_null(json_object_get(c, "securityContext"));
	kube_pod_release(&p);
	/* root over an image's USER is run's choice, and kept */
	struct kube_image img;
	fixture_image(&img);
	img.user = berth_xstrdup("app");
	kube_pod_init(&p, "w");
	_cleanup_json_ json_t *rec =
		fixture_json("{\"Name\": \"w\", \"Config\": {\"User\": \"root\"}}");
	assert_int_equal(kube_pod_add_container(&p, rec, &img, NULL), 0);
	kube_image_release(&img);
	assert_json(json_object_get(json_array_get(p.containers, 0), "securityContext"),
		    "{\"runAsUser\": 0, \"runAsNonRoot\": false}");
	kube_pod_release(&p);
	/* a user name: Kubernetes needs a number; a warning, nothing mapped */
	c = fixture_container(&p, "{\"Name\": \"w\", \"Config\": {\"User\": \"app\"}}");
	assert_null(json_object_get(c, "securityContext"));
	assert_int_equal(berth_strv_len(p.warnings), 1);
	assert_non_null(strstr(p.warnings[0], "user 'app' is a name"));
	kube_pod_release(&p);
}

static void test_restart_policies(void **state)
{
	static const struct {
		const char *docker, *kube;
		size_t warnings;
	} cases[] = {
		{"no", "Never", 0},
		{"always", "Always", 0},
		{"unless-stopped", "Always", 0},
		{"on-failure", "OnFailure", 0},
		{"on-failure:3", "OnFailure", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kube_pod p;
		_cleanup_free_ char *rec = berth_xasprintf(
			"{\"Name\": \"w\", \"HostConfig\": {\"RestartPolicy\": \"%s\"}}",
			cases[i].docker);
		fixture_container(&p, rec);
		assert_string_equal(p.restart, cases[i].kube);
		assert_int_equal(berth_strv_len(p.warnings), cases[i].warnings);
		kube_pod_release(&p);
	}
}

static void test_second_container_restart_differs(void **state)
{
	struct kube_pod p;
	fixture_container(&p, "{\"Name\": \"a\", \"HostConfig\": {\"RestartPolicy\": \"always\"}}");
	struct kube_image img;
	fixture_image(&img);
	_cleanup_json_ json_t *rec =
		fixture_json("{\"Name\": \"b\", \"HostConfig\": {\"RestartPolicy\": \"no\"}}");
	assert_int_equal(kube_pod_add_container(&p, rec, &img, NULL), 0);
	kube_image_release(&img);
	assert_int_equal(json_array_size(p.containers), 2);
	assert_string_equal(p.restart, "Always");
	assert_int_equal(berth_strv_len(p.warnings), 1);
	assert_non_null(strstr(p.warnings[0], "container 'b'"));
	kube_pod_release(&p);
}

static void test_record_without_name(void **state)
{
	struct kube_pod p;
	struct kube_image img;
	fixture_image(&img);
	kube_pod_init(&p, "x");
	_cleanup_json_ json_t *rec = fixture_json("{\"Config\": {}}");
	struct berth_error *err = NULL;
	assert_int_equal(kube_pod_add_container(&p, rec, &img, &err), -EBADMSG);
	assert_int_equal(berth_error_code(err), EBADMSG);
	berth_error_free(&err);
	assert_int_equal(json_array_size(p.containers), 0);
	kube_image_release(&img);
	kube_pod_release(&p);
}

static void test_two_containers_one_name(void **state)
{
	struct kube_pod p;
	fixture_container(&p, "{\"Name\": \"web_1\"}");
	struct kube_image img;
	fixture_image(&img);
	/* web.1 and web_1 are both web-1 in the pod: refused, not a pod the API refuses */
	_cleanup_json_ json_t *rec = fixture_json("{\"Name\": \"web.1\"}");
	struct berth_error *err = NULL;
	assert_int_equal(kube_pod_add_container(&p, rec, &img, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "named 'web-1' already"));
	berth_error_free(&err);
	assert_int_equal(json_array_size(p.containers), 1);
	kube_image_release(&img);
	kube_pod_release(&p);
}

static void test_dns_label(void **state)
{
	static const char *const cases[][2] = {
		{"web", "web"},
		{"My_App.v2", "my-app-v2"},
		{"__x__", "x"},
		{"___", "berth"},
		{"", "berth"},
		{"a--b", "a-b"},
		{"/c1-/data", "c1-data"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *got = kube_dns_label(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
	}
	/* at most 63 characters, never ending in '-' */
	char long_name[100];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[62] = '_';
	long_name[99] = '\0';
	_cleanup_free_ char *got = kube_dns_label(long_name);
	assert_int_equal(strlen(got), 62);
	assert_int_equal(got[61], 'a');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_command_overrides),
		cmocka_unit_test(test_record_without_overrides),
		cmocka_unit_test(test_env_is_what_run_added),
		cmocka_unit_test(test_ports_and_service),
		cmocka_unit_test(test_healthcheck_probes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_security_context),
		cmocka_unit_test(test_restart_policies),
		cmocka_unit_test(test_second_container_restart_differs),
		cmocka_unit_test(test_record_without_name),
		cmocka_unit_test(test_two_containers_one_name),
		cmocka_unit_test(test_dns_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
