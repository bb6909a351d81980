/* SPDX-License-Identifier: Apache-2.0 */
/* OCI and Docker schema2 documents: manifests, indexes, configs, media types. */
#include "unit.h"

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/strv.h"
#include "image/image.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void test_media_types(void **state)
{
	enum berth_media_kind k;
	int comp;
	struct berth_error *err = NULL;
	assert_ok(berth_media_type_classify(BERTH_MT_DOCKER_LAYER_GZIP, &k, &comp, &err), err);
	assert_int_equal(k, BERTH_MEDIA_LAYER);
	assert_int_equal(comp, BERTH_COMPRESSION_GZIP);
	assert_ok(berth_media_type_classify(BERTH_MT_OCI_LAYER_ZSTD, &k, &comp, &err), err);
	assert_int_equal(comp, BERTH_COMPRESSION_ZSTD);
	assert_ok(berth_media_type_classify(BERTH_MT_DOCKER_LIST, &k, NULL, &err), err);
	assert_int_equal(k, BERTH_MEDIA_INDEX);
	assert_int_equal(berth_media_type_classify("text/plain", &k, NULL, &err), -EINVAL);
	assert_string_equal(err->msg, "unknown media type 'text/plain'");
	berth_error_free(&err);
	/* what a registry may still serve for old images: named, not just unknown */
	assert_int_equal(berth_media_type_classify(
				 "application/vnd.docker.distribution.manifest.v1+prettyjws", &k,
				 NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err->msg, "Docker schema 1 images are not supported"));
	berth_error_free(&err);
	assert_true(berth_media_type_is_index(BERTH_MT_OCI_INDEX));
	assert_true(berth_media_type_is_index(BERTH_MT_DOCKER_LIST));
	assert_false(berth_media_type_is_index(BERTH_MT_OCI_MANIFEST));
	assert_false(berth_media_type_is_index("text/plain"));
	assert_false(berth_media_type_is_index(NULL));
	assert_string_equal(berth_media_type_oci_layer(BERTH_COMPRESSION_NONE), BERTH_MT_OCI_LAYER);
}

static const char docker_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_DOCKER_MANIFEST "\","
	"\"config\":{\"mediaType\":\"" BERTH_MT_DOCKER_CONFIG "\",\"size\":7,\"digest\":\"" D1
	"\"},"
	"\"layers\":[{\"mediaType\":\"" BERTH_MT_DOCKER_LAYER_GZIP
	"\",\"size\":100,\"digest\":\"" D2 "\"}]}";

static void test_manifest(void **state)
{
	struct berth_manifest *m = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_manifest_parse(docker_manifest, strlen(docker_manifest), NULL, &m, &err),
		  err);
	assert_string_equal(m->media_type, BERTH_MT_DOCKER_MANIFEST);
	assert_int_equal(m->config.size, 7);
	assert_int_equal(m->n_layers, 1);
	assert_int_equal(m->layers[0].size, 100);
	berth_manifest_free(m);

	/* what named the document must agree with it */
	assert_int_equal(berth_manifest_parse(docker_manifest, strlen(docker_manifest),
					      BERTH_MT_OCI_MANIFEST, &m, &err),
			 -EINVAL);
	berth_error_free(&err);

	const char *bad[] = {
		"{",
		"[]",
		"{\"schemaVersion\":1}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		"\",\"size\":1,\"digest\":\"" D1 "\"}}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x/y\",\"size\":1,\"digest\":\"" D1
		"\"},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		"\",\"size\":-1,\"digest\":\"" D1 "\"},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		"\",\"size\":1,\"digest\":\"sha256:XYZ\"},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		"\",\"size\":1,\"digest\":\"" D1
		"\"},\"layers\":[{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		"\",\"size\":1,\"digest\":\"" D1 "\"}]}",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(berth_manifest_parse(bad[i], strlen(bad[i]), NULL, &m, &err),
				 -EINVAL);
		assert_non_null(err);
		berth_error_free(&err);
	}
}

static void test_index(void **state)
{
	static const char idx[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_DOCKER_LIST "\",\"manifests\":["
		"{\"mediaType\":\"" BERTH_MT_DOCKER_MANIFEST "\",\"size\":1,\"digest\":\"" D1 "\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}},"
		"{\"mediaType\":\"" BERTH_MT_DOCKER_MANIFEST "\",\"size\":2,\"digest\":\"" D2 "\","
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}";
	struct berth_index *x = NULL;
	const struct berth_descriptor *d;
	struct berth_error *err = NULL;
	assert_ok(berth_index_parse(idx, strlen(idx), NULL, &x, &err), err);
	assert_int_equal(x->n_manifests, 2);
	assert_ok(berth_index_pick(x, "linux", "arm64", &d, &err), err);
	assert_int_equal(d->size, 2);
	assert_string_equal(d->variant, "v8");
	assert_int_equal(berth_index_pick(x, "linux", "mips", &d, &err), -ENOENT);
	berth_error_free(&err);
	berth_index_free(x);
	assert_int_equal(
		berth_index_parse(docker_manifest, strlen(docker_manifest), NULL, &x, &err),
		-EINVAL);
	berth_error_free(&err);
}

static const char config[] =
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
	"\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/"
	"w\",\"User\":\"app\","
	"\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}},\"Labels\":{\"a\":\"b\"},"
	"\"StopSignal\":\"SIGTERM\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]},"
	"\"OnBuild\":[\"RUN x\"],\"Shell\":[\"/bin/bash\",\"-c\"],\"Entrypoint\":null},"
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]},"
	"\"history\":[{\"created\":\"2024-01-02T03:04:05Z\",\"created_by\":\"ADD x\"},"
	"{\"created_by\":\"CMD sh\",\"empty_layer\":true}],\"os.version\":\"keep me\"}";

static void test_config(void **state)
{
	struct berth_image_config *c = NULL, *c2 = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_image_config_parse(config, strlen(config), &c, &err), err);
	assert_string_equal(c->architecture, "amd64");
	assert_string_equal(c->env[0], "PATH=/bin");
	assert_string_equal(c->cmd[0], "sh");
	assert_null(c->entrypoint);
	assert_string_equal(c->working_dir, "/w");
	assert_string_equal(c->user, "app");
	assert_string_equal(c->exposed_ports[0], "80/tcp");
	assert_string_equal(c->volumes[0], "/data");
	assert_string_equal(c->label_keys[0], "a");
	assert_string_equal(c->label_values[0], "b");
	assert_string_equal(c->stop_signal, "SIGTERM");
	assert_non_null(c->healthcheck);
	assert_string_equal(c->onbuild[0], "RUN x");
	assert_string_equal(c->shell[0], "/bin/bash");
	assert_int_equal(c->n_diff_ids, 1);
	assert_int_equal(c->n_history, 2);
	assert_true(c->history[1].empty_layer);

	/* serialise, parse again: same fields; unknown ones kept; same bytes twice */
	size_t len, len2;
	_cleanup_free_ char *s = berth_image_config_serialize(c, &len);
	assert_non_null(strstr(s, "\"os.version\":\"keep me\""));
	assert_ok(berth_image_config_parse(s, len, &c2, &err), err);
	_cleanup_free_ char *s2 = berth_image_config_serialize(c2, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(s, s2, len);
	assert_string_equal(c2->user, "app");
	assert_int_equal(c2->n_history, 2);
	berth_image_config_free(c2);

	struct berth_digest d;
	struct berth_history h = {.created_by = "RUN y"};
	berth_digest_parse(D2, &d, NULL);
	berth_image_config_add_layer(c, &d, &h);
	berth_image_config_set_label(c, "a", "c");
	assert_int_equal(c->n_diff_ids, 2);
	assert_int_equal(c->n_history, 3);
	assert_string_equal(c->label_values[0], "c");
	berth_image_config_free(c);

	const char *bad[] = {"[]",
			     "{\"config\":[]}",
			     "{\"config\":{\"Env\":\"x\"}}",
			     "{\"config\":{\"Env\":[1]}}",
			     "{\"rootfs\":{\"diff_ids\":[\"x\"]}}",
			     "{\"history\":{}}"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(berth_image_config_parse(bad[i], strlen(bad[i]), &c, &err),
				 -EINVAL);
		berth_error_free(&err);
	}
}

static void test_config_new(void **state)
{
	struct berth_image_config *c = berth_image_config_new("linux", "arm64");
	size_t len;
	_cleanup_free_ char *s = berth_image_config_serialize(c, &len);
	assert_non_null(strstr(s, "\"architecture\":\"arm64\""));
	assert_non_null(strstr(s, "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}"));
	berth_image_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_types), cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_index),	    cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_new),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
