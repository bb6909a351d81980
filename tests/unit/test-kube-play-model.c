/* SPDX-License-Identifier: Apache-2.0 */
/* kube/play-model.c and play-pod.c: Kubernetes YAML as kube play's model. */
#include "unit.h"

#include <netinet/in.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "kube/play.h"

/* Parses text as file "k.yaml"; the error message (owned) in *ret_msg when it fails. */
static int parse(struct kube_manifest *m, const char *text, char **ret_msg)
{
	struct berth_error *err = NULL;
	int r = kube_manifest_parse(m, text, strlen(text), "k.yaml", &err);
	if (ret_msg)
		*ret_msg = r < 0 ? strdup(berth_error_msg(err)) : NULL;
	berth_error_free(&err);
	return r;
}

static void assert_fails(const char *text, const char *msg)
{
	struct kube_manifest m = {0};
	char *got = NULL;
	assert_int_equal(parse(&m, text, &got), -EINVAL);
	assert_string_equal(got, msg);
	free(got);
	kube_manifest_release(&m);
}

static const char everything[] =
	"# a comment before the first document\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata: {name: conf}\n"
	"data:\n"
	"  greeting: hi\n"
	"binaryData:\n"
	"  blob: AAEC\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: Secret\n"
	"metadata: {name: creds}\n"
	"data: {password: czNjcjN0}\n"
	"stringData: {user: admin}\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: PersistentVolumeClaim\n"
	"metadata: {name: store}\n"
	"spec: {accessModes: [ReadWriteOnce]}\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: Service\n"
	"metadata: {name: web}\n"
	"spec:\n"
	"  type: NodePort\n"
	"  selector: {app: web}\n"
	"  ports:\n"
	"  - {port: 80, targetPort: 8080, nodePort: 30080, protocol: UDP}\n"
	"---\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata: {name: web}\n"
	"spec:\n"
	"  replicas: 3\n"
	"  selector: {matchLabels: {app: web}}\n"
	"  template:\n"
	"    metadata: {labels: {app: web}}\n"
	"    spec:\n"
	"      restartPolicy: OnFailure\n"
	"      containers:\n"
	"      - name: app\n"
	"        image: web:1\n"
	"        imagePullPolicy: Always\n"
	"        command: [httpd, -f]\n"
	"        args: [-p, \"8080\"]\n"
	"        workingDir: /srv\n"
	"        env:\n"
	"        - {name: A, value: \"1\"}\n"
	"        - name: B\n"
	"          valueFrom: {secretKeyRef: {name: creds, key: password, optional: true}}\n"
	"        envFrom:\n"
	"        - {prefix: C_, configMapRef: {name: conf}}\n"
	"        ports:\n"
	"        - {containerPort: 8080, hostPort: 18080}\n"
	"        volumeMounts:\n"
	"        - {name: conf, mountPath: /etc/conf, readOnly: true}\n"
	"        - {name: data, mountPath: /data, subPath: sub}\n"
	"        resources:\n"
	"          limits: {memory: 64Mi, cpu: 500m}\n"
	"          requests: {memory: 32Mi}\n"
	"        securityContext:\n"
	"          runAsUser: 1000\n"
	"          runAsGroup: 100\n"
	"          readOnlyRootFilesystem: true\n"
	"          capabilities: {add: [NET_ADMIN], drop: [ALL]}\n"
	"        livenessProbe:\n"
	"          exec: {command: [cat, /ok]}\n"
	"          periodSeconds: 5\n"
	"          failureThreshold: 2\n"
	"          initialDelaySeconds: 3\n"
	"      volumes:\n"
	"      - name: conf\n"
	"        configMap:\n"
	"          name: conf\n"
	"          defaultMode: 0400\n"
	"          items: [{key: greeting, path: hello.txt, mode: 0600}]\n"
	"      - {name: data, persistentVolumeClaim: {claimName: store}}\n"
	"      - {name: scratch, emptyDir: {medium: Memory}}\n"
	"      - {name: host, hostPath: {path: /srv/x}}\n"
	"      - {name: sec, secret: {secretName: creds}}\n";

static void test_every_kind(void **state)
{
	struct kube_manifest m = {0};
	char *msg = NULL;
	int r = parse(&m, everything, &msg);
	assert_string_equal(msg ? msg : "parsed", "parsed");
	assert_int_equal(r, 0);
	assert_null(m.warnings);
	assert_int_equal(m.n_data, 2);
	const struct kube_data *conf = kube_manifest_data(&m, false, "conf");
	assert_non_null(conf);
	assert_string_equal(kube_data_get(conf, "greeting")->data, "hi");
	const struct kube_blob *blob = kube_data_get(conf, "blob");
	assert_int_equal(blob->len, 3);
	assert_memory_equal(blob->data, "\0\1\2", 3);
	assert_null(kube_manifest_data(&m, true, "conf"));
	const struct kube_data *creds = kube_manifest_data(&m, true, "creds");
	assert_string_equal(kube_data_get(creds, "password")->data, "s3cr3t");
	assert_string_equal(kube_data_get(creds, "user")->data, "admin");
	assert_string_equal(m.claims[0], "store");
	assert_null(m.claims[1]);
	assert_int_equal(m.n_services, 1);
	assert_string_equal(m.services[0].selector[0], "app=web");
	assert_int_equal(m.services[0].ports[0].node_port, 30080);
	assert_int_equal(m.services[0].ports[0].target_port, 8080);
	assert_int_equal(m.services[0].ports[0].proto, IPPROTO_UDP);

	assert_int_equal(m.n_pods, 1);
	const struct kube_podspec *p = &m.pods[0];
	assert_string_equal(p->object, "Deployment/web");
	assert_true(p->deployment);
	assert_int_equal(p->replicas, 3);
	assert_string_equal(p->restart, "on-failure");
	assert_string_equal(p->labels[0], "app=web");
	assert_int_equal(p->line, 30);
	const struct kube_container *k = &p->containers[0];
	assert_string_equal(k->image, "web:1");
	assert_int_equal(k->pull, KUBE_PULL_ALWAYS);
	assert_string_equal(k->command[1], "-f");
	assert_string_equal(k->args[1], "8080");
	assert_string_equal(k->workdir, "/srv");
	assert_int_equal(k->n_env, 2);
	assert_string_equal(k->env[0].value, "1");
	assert_null(k->env[1].value);
	assert_true(k->env[1].ref_secret && k->env[1].optional);
	assert_string_equal(k->env[1].ref_key, "password");
	assert_string_equal(k->env_from[0].prefix, "C_");
	assert_false(k->env_from[0].secret);
	assert_int_equal(k->ports[0].host_port, 18080);
	assert_true(k->mounts[0].read_only);
	assert_string_equal(k->mounts[1].sub_path, "sub");
	assert_int_equal(k->memory, 64 << 20);
	assert_int_equal(k->nano_cpus, 500000000);
	assert_string_equal(k->user, "1000:100");
	assert_true(k->read_only);
	assert_string_equal(k->cap_add[0], "NET_ADMIN");
	assert_string_equal(k->cap_drop[0], "ALL");
	assert_true(k->probe->liveness);
	assert_string_equal(k->probe->exec[1], "/ok");
	assert_int_equal(k->probe->period_s, 5);
	assert_int_equal(k->probe->failure_threshold, 2);
	assert_int_equal(k->probe->initial_delay_s, 3);
	assert_int_equal(k->probe->timeout_s, 1);
	assert_int_equal(p->n_volumes, 5);
	assert_int_equal(p->volumes[0].kind, KUBE_VOLUME_CONFIGMAP);
	assert_int_equal(p->volumes[0].default_mode, 0400);
	assert_int_equal(p->volumes[0].items[0].mode, 0600);
	assert_string_equal(p->volumes[0].items[0].path, "hello.txt");
	assert_int_equal(p->volumes[1].kind, KUBE_VOLUME_CLAIM);
	assert_string_equal(p->volumes[1].source, "store");
	assert_true(p->volumes[2].kind == KUBE_VOLUME_EMPTYDIR && p->volumes[2].memory);
	assert_string_equal(p->volumes[3].source, "/srv/x");
	assert_int_equal(p->volumes[4].kind, KUBE_VOLUME_SECRET);
	kube_manifest_release(&m);
}

static void test_pod_defaults(void **state)
{
	struct kube_manifest m = {0};
	assert_int_equal(parse(&m,
			       "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {a: b}\n"
			       "spec:\n  containers:\n  - {name: c, image: busybox}\n",
			       NULL),
			 0);
	const struct kube_podspec *p = &m.pods[0];
	assert_string_equal(p->object, "Pod/p");
	assert_int_equal(p->replicas, 1);
	assert_null(p->restart);
	assert_string_equal(p->labels[0], "a=b");
	const struct kube_container *k = &p->containers[0];
	assert_int_equal(k->pull, KUBE_PULL_IF_NOT_PRESENT);
	assert_null(k->command);
	assert_null(k->probe);
	assert_int_equal(k->memory, -1);
	assert_int_equal(k->line, 8);
	kube_manifest_release(&m);
}

static void test_unsupported_fields_warn_with_lines(void **state)
{
	struct kube_manifest m = {0};
	assert_int_equal(parse(&m,
			       "apiVersion: v1\nkind: Pod\nmetadata: {name: p, uid: x}\nspec:\n"
			       "  nodeSelector: {a: b}\n  containers:\n  - name: c\n"
			       "    image: i\n    stdin: true\n    readinessProbe:\n"
			       "      httpGet: {port: 80}\n"
			       "  volumes:\n  - {name: v, nfs: {server: s}}\n",
			       NULL),
			 -EINVAL);
	/* nfs is no source berth makes: the volume is refused, after the warnings */
	assert_string_equal(m.warnings[0], "k.yaml:3: metadata.uid: not supported, ignored");
	assert_string_equal(m.warnings[1], "k.yaml:5: spec.nodeSelector: not supported, ignored");
	assert_string_equal(m.warnings[2],
			    "k.yaml:9: spec.containers[0].stdin: not supported, ignored");
	assert_string_equal(
		m.warnings[3],
		"k.yaml:11: spec.containers[0].readinessProbe.httpGet: not supported, ignored");
	assert_string_equal(m.warnings[4],
			    "k.yaml:13: spec.volumes[0].nfs: not supported, ignored");
	kube_manifest_release(&m);
}

static void test_errors_name_file_and_line(void **state)
{
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {labels: {a: b}}\nspec: {}\n",
		     "k.yaml:3: metadata.name: is required");
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		     "  - name: c\n",
		     "k.yaml:6: spec.containers[0]: image is required");
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n",
		     "k.yaml:4: spec: containers is required");
	assert_fails("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\n"
		     "kind: Pod\nmetadata: {name: p\n",
		     "k.yaml:8: yaml: did not find expected ',' or '}' while parsing a flow "
		     "mapping");
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\n",
		     "k.yaml:3: metadata.name: \"Bad_Name\" is not a valid name (lowercase "
		     "letters, digits, '-' and '.', at most 253)");
	assert_fails("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n",
		     "k.yaml:2: kind: batch/v1 Job is not supported");
	assert_fails("kind: Pod\n", "k.yaml:1: apiVersion: is required");
	assert_fails("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: \"*\"}\n",
		     "k.yaml:4: data: k: not valid base64 at byte 0");
	assert_fails("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata: {../x: y}\n",
		     "k.yaml:4: data: \"../x\" is not a valid key");
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		     "  - name: c\n    image: i\n    resources: {limits: {memory: lots}}\n",
		     "k.yaml:8: spec.containers[0].resources.limits.memory: \"lots\" is not a "
		     "quantity");
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		     "  - name: c\n    image: i\n    volumeMounts: [{name: nope, mountPath: /x}]\n",
		     "k.yaml:8: volumeMounts: no volume \"nope\" in the pod");
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		     "  - name: c\n    image: i\n    securityContext: {privileged: true}\n",
		     "k.yaml:8: spec.containers[0].securityContext.privileged: privileged "
		     "containers are refused");
	assert_fails(
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		"  - {name: c, image: i}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
		"spec:\n  containers:\n  - {name: c, image: i}\n",
		"k.yaml:8: metadata.name: Pod/p defined twice");
	/* an empty command list is an error, not a NULL list read past */
	assert_fails("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		     "  - name: c\n    image: i\n    livenessProbe:\n      exec: {command: []}\n",
		     "k.yaml:9: spec.containers[0].livenessProbe.exec.command: must not be empty");
}

/* The value of key in Secret s of a one-Secret manifest whose data is data_yaml. */
static char *secret_value(const char *data_yaml, size_t *ret_len)
{
	_cleanup_free_ char *text = berth_xasprintf(
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n%s", data_yaml);
	struct kube_manifest m = {0};
	assert_int_equal(parse(&m, text, NULL), 0);
	const struct kube_blob *b = kube_data_get(kube_manifest_data(&m, true, "s"), "k");
	assert_non_null(b);
	char *v = berth_xmemdup(b->data, b->len + 1);
	*ret_len = b->len;
	kube_manifest_release(&m);
	return v;
}

/* Secret data is decoded as Kubernetes does (Go's StdEncoding): padding required, CR/LF skipped. */
static void test_secret_base64(void **state)
{
	size_t n = 0;
	_cleanup_free_ char *hi = secret_value("  k: aGk=\n", &n);
	assert_int_equal(n, 2);
	assert_string_equal(hi, "hi");
	_cleanup_free_ char *h = secret_value("  k: aA==\n", &n);
	assert_int_equal(n, 1);
	assert_string_equal(h, "h");
	_cleanup_free_ char *empty = secret_value("  k: \"\"\n", &n);
	assert_int_equal(n, 0);
	assert_string_equal(empty, "");
	/* a literal block keeps its line breaks: kubectl accepts them, so does berth */
	_cleanup_free_ char *wrapped = secret_value("  k: |\n    aGVs\n    bG8=\n", &n);
	assert_int_equal(n, 5);
	assert_string_equal(wrapped, "hello");
	const char *const prefix = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";
	_cleanup_free_ char *eq = berth_xasprintf("%sdata: {k: a=GQ}\n", prefix);
	assert_fails(eq, "k.yaml:4: data: k: not valid base64 at byte 1");
	_cleanup_free_ char *unpadded = berth_xasprintf("%sdata: {k: aGk}\n", prefix);
	assert_fails(unpadded, "k.yaml:4: data: k: not valid base64 at byte 3");
	_cleanup_free_ char *pad3 = berth_xasprintf("%sdata: {k: a===}\n", prefix);
	assert_fails(pad3, "k.yaml:4: data: k: not valid base64 at byte 1");
	/* the URL alphabet is Docker's, not Kubernetes' */
	_cleanup_free_ char *url = berth_xasprintf("%sdata: {k: Pz8_Pw==}\n", prefix);
	assert_fails(url, "k.yaml:4: data: k: not valid base64 at byte 3");
	_cleanup_free_ char *bin =
		berth_xasprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
				"binaryData: {b: \"AA E\"}\n");
	assert_fails(bin, "k.yaml:4: binaryData: b: not valid base64 at byte 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_pod_defaults),
		cmocka_unit_test(test_unsupported_fields_warn_with_lines),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_secret_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
