/* SPDX-License-Identifier: Apache-2.0 */
/* kube/pod.c: the objects of a pod, in the order they are printed. */
#include "unit.h"

#include "kube-fixture.h"

#define RECORD                                                                                     \
	"{\"Name\": \"web\", \"HostConfig\": {\"RestartPolicy\": \"on-failure\", "                 \
	"\"PortBindings\": {\"80/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"8080\"}]}}, "          \
	"\"Config\": {\"ExposedPorts\": {\"80/tcp\": {}}}, \"Mounts\": [{\"Type\": \"volume\", "   \
	"\"Name\": \"db\", \"Destination\": \"/db\"}]}"

static void test_pod_claims_service(void **state)
{
	struct kube_pod p;
	fixture_container(&p, RECORD);
	_cleanup_json_ json_t *docs = kube_pod_documents(&p, BERTH_KUBE_POD, true);
	assert_int_equal(json_array_size(docs), 3);
	assert_json(json_array_get(docs, 0),
		    "{\"apiVersion\": \"v1\", \"kind\": \"PersistentVolumeClaim\", \"metadata\": "
		    "{\"name\": \"db\"}, \"spec\": {\"accessModes\": [\"ReadWriteOnce\"], "
		    "\"resources\": {\"requests\": {\"storage\": \"1Gi\"}}}}");
	json_t *pod = json_array_get(docs, 1);
	assert_string_equal(json_string_value(json_object_get(pod, "kind")), "Pod");
	assert_json(json_object_get(pod, "metadata"),
		    "{\"name\": \"web\", \"labels\": {\"app\": \"web\"}, \"annotations\": "
		    "{\"image.berth.io/web\": \"docker.io/library/web:1\"}}");
	json_t *spec = json_object_get(pod, "spec");
	assert_string_equal(json_string_value(json_object_get(spec, "restartPolicy")), "OnFailure");
	assert_json(json_object_get(spec, "volumes"),
		    "[{\"name\": \"db\", \"persistentVolumeClaim\": {\"claimName\": \"db\"}}]");
	assert_json(json_array_get(docs, 2),
		    "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": "
		    "\"web\", \"labels\": {\"app\": \"web\"}}, \"spec\": {\"selector\": {\"app\": "
		    "\"web\"}, \"ports\": [{\"name\": \"tcp-80\", \"protocol\": \"TCP\", \"port\": "
		    "8080, \"targetPort\": 80}]}}");
	kube_pod_release(&p);
}

static void test_deployment(void **state)
{
	struct kube_pod p;
	fixture_container(&p, RECORD);
	/* no Service unless asked */
	_cleanup_json_ json_t *docs = kube_pod_documents(&p, BERTH_KUBE_DEPLOYMENT, false);
	assert_int_equal(json_array_size(docs), 2);
	json_t *d = json_array_get(docs, 1);
	assert_string_equal(json_string_value(json_object_get(d, "apiVersion")), "apps/v1");
	assert_string_equal(json_string_value(json_object_get(d, "kind")), "Deployment");
	json_t *spec = json_object_get(d, "spec");
	assert_int_equal(json_integer_value(json_object_get(spec, "replicas")), 1);
	assert_json(json_object_get(spec, "selector"), "{\"matchLabels\": {\"app\": \"web\"}}");
	json_t *tmpl = json_object_get(spec, "template");
	/* the template's labels are what the selector matches; its pods restart always */
	assert_json(json_object_get(json_object_get(tmpl, "metadata"), "labels"),
		    "{\"app\": \"web\"}");
	assert_null(json_object_get(json_object_get(tmpl, "metadata"), "name"));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(tmpl, "spec"), "restartPolicy")),
		"Always");
	kube_pod_release(&p);
}

static void test_no_ports_no_service(void **state)
{
	struct kube_pod p;
	fixture_container(&p, "{\"Name\": \"w\"}");
	_cleanup_json_ json_t *docs = kube_pod_documents(&p, BERTH_KUBE_POD, true);
	assert_int_equal(json_array_size(docs), 1);
	json_t *spec = json_object_get(json_array_get(docs, 0), "spec");
	assert_null(json_object_get(spec, "volumes"));
	assert_string_equal(json_string_value(json_object_get(spec, "restartPolicy")), "Never");
	kube_pod_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_claims_service),
		cmocka_unit_test(test_deployment),
		cmocka_unit_test(test_no_ports_no_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
