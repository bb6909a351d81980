/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Artifacts and referrers lists: the artifact manifest berth writes (empty
 * config, one layer, subject), what the parser refuses, the referrers
 * index (no duplicate, other entries kept, a hostile list refused), the
 * store's lists, and gc: an artifact lives while its subject lives.
 */
#include "unit.h"

#include "core/json.h"
#include "image/image.h"
#include "store-fixture.h"

#define SPDX "application/spdx+json"

static struct berth_descriptor subject_of(const struct berth_digest *d, uint64_t size)
{
	return (struct berth_descriptor){
		.media_type = BERTH_MT_OCI_MANIFEST, .digest = *d, .size = size};
}

static void test_manifest_new(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	struct berth_digest sd, doc;
	berth_digest_of("image", 5, &sd);
	berth_digest_of("{\"spdxVersion\":\"SPDX-2.3\"}", 26, &doc);
	struct berth_descriptor subject = subject_of(&sd, 5);
	size_t len = 0;
	_cleanup_free_ char *m = berth_artifact_manifest_new(&subject, SPDX, &doc, 26, &len);
	_cleanup_json_ json_t *j = NULL;
	assert_ok(berth_json_parse(m, len, "m", &j, &err), err);
	assert_string_equal(json_string_value(json_object_get(j, "artifactType")), SPDX);
	json_t *c = json_object_get(j, "config");
	assert_string_equal(json_string_value(json_object_get(c, "mediaType")), BERTH_MT_OCI_EMPTY);
	assert_string_equal(
		json_string_value(json_object_get(c, "digest")),
		"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
	assert_int_equal(json_integer_value(json_object_get(c, "size")), 2);

	_cleanup_(berth_artifact_freep) struct berth_artifact *a = NULL;
	assert_ok(berth_artifact_parse(m, len, &a, &err), err);
	assert_string_equal(a->artifact_type, SPDX);
	assert_int_equal(a->n_layers, 1);
	assert_string_equal(a->layers[0].media_type, SPDX);
	assert_true(berth_digest_eq(&a->layers[0].digest, &doc));
	assert_true(berth_digest_eq(&a->subject.digest, &sd));

	/* resubject: the same artifact about another manifest */
	struct berth_digest other;
	berth_digest_of("pushed", 6, &other);
	struct berth_descriptor s2 = subject_of(&other, 6);
	_cleanup_free_ char *m2 = NULL;
	size_t len2 = 0;
	_cleanup_(berth_artifact_freep) struct berth_artifact *a2 = NULL;
	assert_ok(berth_artifact_resubject(m, len, &s2, &m2, &len2, &err), err);
	assert_ok(berth_artifact_parse(m2, len2, &a2, &err), err);
	assert_true(berth_digest_eq(&a2->subject.digest, &other));
	assert_string_equal(a2->artifact_type, SPDX);
}

static void refused(const char *doc, const char *msg)
{
	struct berth_error *err = NULL;
	struct berth_artifact *a = NULL;
	/* EINVAL, or ENOENT for a descriptor's missing field: one line naming it */
	assert_true(berth_artifact_parse(doc, strlen(doc), &a, &err) < 0);
	assert_null(a);
	assert_non_null(strstr(berth_error_msg(err), msg));
	berth_error_free(&err);
}

#define D64 "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define EMPTY_CFG                                                                                  \
	"{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" D64 "\",\"size\":2}"

static void test_parse_refuses(void **state)
{
	(void)state;
	refused("[]", "not a JSON object");
	refused("{\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}", "is not");
	refused("{\"mediaType\":\"application/"
		"vnd.oci.image.manifest.v1+json\",\"config\":" EMPTY_CFG ",\"layers\":[]}",
		"no subject");
	refused("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"subject\":{},"
		"\"config\":" EMPTY_CFG ",\"layers\":[]}",
		"subject");
	refused("{\"mediaType\":\"application/"
		"vnd.oci.image.manifest.v1+json\",\"subject\":" EMPTY_CFG ",\"config\":" EMPTY_CFG
		",\"layers\":[]}",
		"no artifactType");
	refused("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":7,"
		"\"subject\":" EMPTY_CFG ",\"config\":" EMPTY_CFG ",\"layers\":[]}",
		"artifactType");
	refused("{\"mediaType\":\"application/"
		"vnd.oci.image.manifest.v1+json\",\"artifactType\":\"x\","
		"\"subject\":" EMPTY_CFG ",\"config\":" EMPTY_CFG ",\"layers\":{}}",
		"layers");
}

static void test_index_add(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	struct berth_digest d1, d2;
	berth_digest_of("one", 3, &d1);
	berth_digest_of("two", 3, &d2);
	struct berth_descriptor e1 = {.media_type = BERTH_MT_OCI_MANIFEST,
				      .digest = d1,
				      .size = 3,
				      .artifact_type = SPDX};
	struct berth_descriptor e2 = e1;
	e2.digest = d2;
	_cleanup_free_ char *x1 = NULL, *x2 = NULL, *x3 = NULL;
	size_t l1 = 0, l2 = 0, l3 = 0;
	assert_int_equal(berth_referrers_index_add(NULL, 0, &e1, &x1, &l1, &err), 1);
	/* the same entry again: nothing to push */
	assert_int_equal(berth_referrers_index_add(x1, l1, &e1, &x2, &l2, &err), 0);
	assert_null(x2);
	assert_int_equal(berth_referrers_index_add(x1, l1, &e2, &x3, &l3, &err), 1);
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	assert_ok(berth_index_parse(x3, l3, NULL, &x, &err), err);
	assert_string_equal(x->media_type, BERTH_MT_OCI_INDEX);
	assert_int_equal(x->n_manifests, 2);
	assert_true(berth_digest_eq(&x->manifests[0].digest, &d1));
	assert_string_equal(x->manifests[1].artifact_type, SPDX);

	/* another tool's entry and annotations are kept */
	const char *foreign =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"digest\":\"" D64 "\",\"size\":9,\"artifactType\":\"application/vnd.dev.cosign\","
		"\"annotations\":{\"k\":\"v\"}}]}";
	_cleanup_free_ char *x4 = NULL;
	size_t l4 = 0;
	assert_int_equal(berth_referrers_index_add(foreign, strlen(foreign), &e1, &x4, &l4, &err),
			 1);
	assert_non_null(strstr(x4, "\"annotations\""));
	assert_non_null(strstr(x4, "application/vnd.dev.cosign"));

	/* hostile lists: another media type, an entry that is no descriptor, a bad artifactType */
	const char *bad[] = {
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest."
		"list.v2+json\",\"manifests\":[]}",
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"manifests\":[{\"digest\":\"sha256:00\"}]}",
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" D64
		"\",\"size\":1,\"artifactType\":[]}]}",
		"{\"schemaVersion\":2,\"manifests\":7}",
		"not json",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *out = NULL;
		size_t ol = 0;
		assert_true(berth_referrers_index_add(bad[i], strlen(bad[i]), &e1, &out, &ol,
						      &err) < 0);
		assert_null(out);
		assert_non_null(err);
		berth_error_free(&err);
	}
}

static void test_store_and_gc(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m;
	size_t mlen = 0;
	put_image(f, "docker.io/library/a:1", "layer", &m, &mlen);
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(f->s, "a:1", &img, &err), err);

	const char doc[] = "{\"spdxVersion\":\"SPDX-2.3\"}\n";
	struct berth_digest art, art2;
	assert_ok(berth_image_attach(f->s, img, SPDX, doc, strlen(doc), &art, &err), err);
	/* attaching the same document again lists it once */
	assert_ok(berth_image_attach(f->s, img, SPDX, doc, strlen(doc), &art2, &err), err);
	assert_true(berth_digest_eq(&art, &art2));
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	assert_ok(berth_image_referrers(f->s, &m, &x, &err), err);
	assert_int_equal(x->n_manifests, 1);
	assert_string_equal(x->manifests[0].artifact_type, SPDX);

	_cleanup_free_ char *got = NULL;
	size_t got_len = 0;
	assert_ok(berth_image_attached(f->s, img, SPDX, &got, &got_len, &err), err);
	assert_int_equal(got_len, strlen(doc));
	assert_memory_equal(got, doc, got_len);
	assert_int_equal(
		berth_image_attached(f->s, img, BERTH_MT_CYCLONEDX_JSON, &got, &got_len, &err),
		-ENOENT);
	berth_error_free(&err);
	/* a CycloneDX document beside it: each type finds its own */
	const char cdx[] = "{\"bomFormat\":\"CycloneDX\"}\n";
	assert_ok(berth_image_attach(f->s, img, BERTH_MT_CYCLONEDX_JSON, cdx, strlen(cdx), NULL,
				     &err),
		  err);
	_cleanup_free_ char *got2 = NULL;
	assert_ok(berth_image_attached(f->s, img, BERTH_MT_CYCLONEDX_JSON, &got2, &got_len, &err),
		  err);
	assert_int_equal(got_len, strlen(cdx));
	assert_memory_equal(got2, cdx, got_len);

	/* gc keeps the artifact (manifest, document, empty config) while a:1 lives */
	struct berth_store_gc_result res;
	assert_ok(berth_image_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 0);
	assert_true(berth_store_blob_exists(f->s, &art));
	struct berth_store_check_result cr;
	assert_ok(berth_image_store_check(f->s, false, NULL, &cr, &err), err);
	assert_int_equal(cr.problems, 0);
	assert_int_equal(cr.orphans, 0);

	/* and drops it with its subject, list included */
	assert_ok(berth_store_ref_remove(f->s, "docker.io/library/a:1", false, &err), err);
	assert_ok(berth_image_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 8); /* image: 3, artifacts: 2 + 2 + the empty config */
	assert_false(berth_store_blob_exists(f->s, &art));
	assert_int_equal(count_files(f, "cache/referrers"), 0);
}

static void test_subject_missing(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest sd, doc;
	berth_digest_of("absent", 6, &sd);
	assert_ok(berth_store_blob_put(f->s, "{}", 2, &doc, &err), err);
	struct berth_descriptor subject = subject_of(&sd, 6);
	size_t len = 0;
	_cleanup_free_ char *m = berth_artifact_manifest_new(&subject, SPDX, &doc, 2, &len);
	assert_int_equal(berth_image_referrer_put(f->s, m, len, NULL, &err), -ENOENT);
	assert_non_null(strstr(berth_error_msg(err), "subject"));
	berth_error_free(&err);
	assert_int_equal(count_files(f, "blobs/sha256"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_new),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_index_add),
		cmocka_unit_test_setup_teardown(test_store_and_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_missing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
