/* SPDX-License-Identifier: Apache-2.0 */
/* kube/mounts.c: a container's mounts -> pod volumes, volumeMounts and claims. */
#include "unit.h"

#include "kube-fixture.h"

static void test_each_kind(void **state)
{
	struct kube_pod p;
	json_t *c = fixture_container(
		&p, "{\"Name\": \"c1\", \"AnonymousVolumes\": [\"0123abcd\"], \"Mounts\": ["
		    "{\"Type\": \"tmpfs\", \"Destination\": \"/tmp\", \"RW\": true},"
		    "{\"Type\": \"volume\", \"Name\": \"Data\", \"Destination\": \"/data\", "
		    "\"RW\": true},"
		    "{\"Type\": \"bind\", \"Source\": \"/srv/x\", \"Destination\": \"/x\", "
		    "\"RW\": false},"
		    "{\"Type\": \"volume\", \"Name\": \"0123abcd\", \"Destination\": \"/anon\"}]}");
	assert_json(json_object_get(c, "volumeMounts"),
		    "[{\"name\": \"c1-tmp\", \"mountPath\": \"/tmp\"},"
		    " {\"name\": \"data\", \"mountPath\": \"/data\"},"
		    " {\"name\": \"c1-x\", \"mountPath\": \"/x\", \"readOnly\": true},"
		    " {\"name\": \"c1-anon\", \"mountPath\": \"/anon\"}]");
	assert_json(p.volumes,
		    "{\"c1-tmp\": {\"name\": \"c1-tmp\", \"emptyDir\": {\"medium\": \"Memory\"}},"
		    " \"data\": {\"name\": \"data\", \"persistentVolumeClaim\": {\"claimName\": "
		    "\"data\"}},"
		    " \"c1-x\": {\"name\": \"c1-x\", \"hostPath\": {\"path\": \"/srv/x\"}},"
		    " \"c1-anon\": {\"name\": \"c1-anon\", \"emptyDir\": {}}}");
	assert_int_equal(berth_strv_len(p.claims), 1);
	assert_string_equal(p.claims[0], "data");
	/* the bind mount and the anonymous volume do not carry over as they are */
	assert_int_equal(berth_strv_len(p.warnings), 2);
	assert_non_null(strstr(p.warnings[0], "'/srv/x' becomes a hostPath"));
	assert_non_null(strstr(p.warnings[1], "anonymous volume at '/anon'"));
	kube_pod_release(&p);
}

static void test_shared_volume_and_name_clash(void **state)
{
	struct kube_pod p;
	fixture_container(&p, "{\"Name\": \"a\", \"Mounts\": [{\"Type\": \"volume\", \"Name\": "
			      "\"db\", \"Destination\": \"/d\"}, {\"Type\": \"bind\", \"Source\": "
			      "\"/one\", \"Destination\": \"/db\"}]}");
	struct kube_image img;
	fixture_image(&img);
	/* b mounts the same named volume: one pod volume, one claim */
	_cleanup_json_ json_t *rec = fixture_json(
		"{\"Name\": \"b\", \"Mounts\": [{\"Type\": \"volume\", \"Name\": \"db\", "
		"\"Destination\": \"/e\"}, {\"Type\": \"bind\", \"Source\": \"/two\", "
		"\"Destination\": \"/a-db\"}]}");
	assert_int_equal(kube_pod_add_container(&p, rec, &img, NULL), 0);
	kube_image_release(&img);
	assert_int_equal(berth_strv_len(p.claims), 1);
	assert_int_equal(json_object_size(p.volumes), 3);
	assert_non_null(json_object_get(p.volumes, "db"));
	assert_non_null(json_object_get(p.volumes, "a-db"));
	assert_non_null(json_object_get(p.volumes, "b-a-db"));
	kube_pod_release(&p);
	/* two sources whose names come out the same: the second gets "-2" */
	fixture_container(&p,
			  "{\"Name\": \"a\", \"Mounts\": [{\"Type\": \"bind\", \"Source\": "
			  "\"/one\", \"Destination\": \"/x_y\"}, {\"Type\": \"bind\", \"Source\": "
			  "\"/two\", \"Destination\": \"/x.y\"}]}");
	assert_json(json_object_get(json_array_get(p.containers, 0), "volumeMounts"),
		    "[{\"name\": \"a-x-y\", \"mountPath\": \"/x_y\"}, {\"name\": \"a-x-y-2\", "
		    "\"mountPath\": \"/x.y\"}]");
	kube_pod_release(&p);
}

static void test_broken_mount_is_refused(void **state)
{
	struct kube_pod p;
	struct kube_image img;
	fixture_image(&img);
	kube_pod_init(&p, "x");
	_cleanup_json_ json_t *rec =
		fixture_json("{\"Name\": \"a\", \"Mounts\": [{\"Destination\": \"/d\"}]}");
	struct berth_error *err = NULL;
	assert_int_equal(kube_pod_add_container(&p, rec, &img, &err), -EBADMSG);
	assert_non_null(strstr(berth_error_msg(err), "without a type"));
	berth_error_free(&err);
	assert_int_equal(json_array_size(p.containers), 0);
	kube_image_release(&img);
	kube_pod_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_kind),
		cmocka_unit_test(test_shared_volume_and_name_clash),
		cmocka_unit_test(test_broken_mount_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
