/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Referrers on a registry (distribution-spec 1.1), against a fake registry
 * that keeps manifests and blobs in memory and plays three registries: one
 * that answers the artifact's PUT with OCI-Subject, one that serves the
 * referrers API without that header, and one without the API (the
 * fallback: the index tagged sha256-<hex>, as Debian's docker-registry
 * gets in tests/e2e/sbom-referrers.bats). Then pull --with-sbom's half:
 * the API's list, fetched into a fresh store.
 */
#include "unit.h"

#include <fcntl.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "image/image.h"
#include "registry/internal.h"
#include "store/store.h"
#include "registry-fake.h"

enum mode {
	SUBJECT_HEADER,
	API_ONLY,
	NO_API,
};

#define MAX_ITEMS 16

struct item {
	char key[128]; /* a manifest reference or a blob digest */
	char *data;
	size_t len;
};

struct reg {
	enum mode mode;
	struct item manifests[MAX_ITEMS], blobs[MAX_ITEMS];
	int n_manifests, n_blobs;
	int tag_puts, tag_gets, api_gets;
	char subject[BERTH_DIGEST_STRLEN + 1];
	pthread_mutex_t lock;
};

static struct item *find(struct item *items, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(items[i].key, key) == 0)
			return &items[i];
	return NULL;
}

static void put(struct item *items, int *n, const char *key, const char *data, size_t len)
{
	struct item *it = find(items, *n, key);
	if (!it) {
		if (*n >= MAX_ITEMS)
			abort();
		it = &items[(*n)++];
		snprintf(it->key, sizeof(it->key), "%s", key);
	}
	free(it->data);
	it->data = berth_xmalloc(len + 1);
	memcpy(it->data, data, len);
	it->data[len] = 0;
	it->len = len;
}

/* The referrers list the API serves: every stored manifest whose subject is the digest. */
static void serve_api(struct reg *r, const char *digest, struct fake_reply *rep)
{
	static __thread char body[8192];
	size_t n = (size_t)snprintf(body, sizeof(body),
				    "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_INDEX
				    "\",\"manifests\":[");
	bool first = true;
	for (int i = 0; i < r->n_manifests; i++) {
		struct item *it = &r->manifests[i];
		if (strncmp(it->key, "sha256:", 7) != 0 || !strstr(it->data, digest) ||
		    !strstr(it->data, "\"subject\""))
			continue;
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				      "%s{\"mediaType\":\"" MEDIA_OCI_MANIFEST
				      "\",\"digest\":\"%s\","
				      "\"size\":%zu,\"artifactType\":\"application/spdx+json\"}",
				      first ? "" : ",", it->key, it->len);
		first = false;
	}
	n += (size_t)snprintf(body + n, sizeof(body) - n, "]}");
	rep->body = body;
	rep->body_len = n;
	snprintf(rep->headers, sizeof(rep->headers), "Content-Type: %s\r\n", MEDIA_OCI_INDEX);
}

static void handler(void *ctx, const struct fake_req *req, struct fake_reply *rep)
{
	struct reg *r = ctx;
	const char *p = req->path;
	pthread_mutex_lock(&r->lock);
	rep->status = 404;
	if (strcmp(p, "/v2/") == 0) {
		rep->status = 200;
	} else if (strncmp(p, "/v2/x/y/referrers/", 18) == 0) {
		r->api_gets++;
		if (r->mode != NO_API) {
			rep->status = 200;
			serve_api(r, p + 18, rep);
		}
	} else if (strncmp(p, "/v2/x/y/manifests/", 18) == 0) {
		const char *ref = p + 18;
		bool tag = strncmp(ref, "sha256-", 7) == 0;
		if (strcmp(req->method, "PUT") == 0) {
			put(r->manifests, &r->n_manifests, ref, req->body, req->body_len);
			r->tag_puts += tag;
			rep->status = 201;
			if (r->mode == SUBJECT_HEADER && strstr(req->body, "\"subject\""))
				snprintf(rep->headers, sizeof(rep->headers), "OCI-Subject: %s\r\n",
					 r->subject);
		} else {
			r->tag_gets += tag;
			struct item *it = find(r->manifests, r->n_manifests, ref);
			if (it) {
				rep->status = 200;
				rep->body = it->data;
				rep->body_len = it->len;
			}
		}
	} else if (strncmp(p, "/v2/x/y/blobs/uploads/", 22) == 0) {
		if (strcmp(req->method, "POST") == 0) {
			rep->status = 202;
			snprintf(rep->headers, sizeof(rep->headers),
				 "Location: /v2/x/y/blobs/uploads/u\r\n");
		} else {
			struct berth_digest d;
			char hex[BERTH_DIGEST_STRLEN + 1];
			berth_digest_of(req->body, req->body_len, &d);
			put(r->blobs, &r->n_blobs, berth_digest_fmt(&d, hex), req->body,
			    req->body_len);
			rep->status = 201;
		}
	} else if (strncmp(p, "/v2/x/y/blobs/", 14) == 0) {
		struct item *it = find(r->blobs, r->n_blobs, p + 14);
		if (it) {
			rep->status = 200;
			rep->body = it->data;
			rep->body_len = it->len;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static void reg_free(struct reg *r)
{
	for (int i = 0; i < r->n_manifests; i++)
		free(r->manifests[i].data);
	for (int i = 0; i < r->n_blobs; i++)
		free(r->blobs[i].data);
}

static const char sbom_doc[] = "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"x\"}\n";

/* A one-layer image tagged example.com/x/y:1 with an SBOM attached; its manifest digest. */
static void store_image(struct berth_store *s, struct berth_digest *ret)
{
	_cleanup_error_ struct berth_error *err = NULL;
	struct berth_digest dl, dc, dm;
	char hl[BERTH_DIGEST_STRLEN + 1], hc[BERTH_DIGEST_STRLEN + 1];
	assert_ok(berth_store_blob_put(s, "layer", 5, &dl, &err), err);
	_cleanup_free_ char *config = berth_xasprintf(
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		"\"diff_ids\":[\"%s\"]}}",
		berth_digest_fmt(&dl, hl));
	assert_ok(berth_store_blob_put(s, config, strlen(config), &dc, &err), err);
	_cleanup_free_ char *manifest = berth_xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_MANIFEST "\",\"config\":{"
		"\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
		"\"size\":%zu},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1."
		"tar+gzip\",\"digest\":\"%s\",\"size\":5}]}",
		berth_digest_fmt(&dc, hc), strlen(config), hl);
	assert_ok(berth_store_blob_put(s, manifest, strlen(manifest), &dm, &err), err);
	assert_ok(berth_store_ref_set(s, "example.com/x/y:1", MEDIA_OCI_MANIFEST, &dm,
				      strlen(manifest), &err),
		  err);
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(s, "example.com/x/y:1", &img, &err), err);
	assert_ok(berth_image_attach(s, img, BERTH_MT_SPDX_JSON, sbom_doc, strlen(sbom_doc), NULL,
				     &err),
		  err);
	*ret = dm;
}

static char tmpdir[] = "/tmp/berth-test-referrers-XXXXXX";

/* Pushes example.com/x/y:1 to the fake registry of mode twice; returns the registry. */
static void push_twice(struct berth_store *s, struct reg *r, const struct berth_digest *dm)
{
	_cleanup_error_ struct berth_error *err = NULL;
	struct fake_server f;
	berth_digest_fmt(dm, r->subject);
	pthread_mutex_init(&r->lock, NULL);
	fake_start(&f, handler, r);
	_cleanup_free_ char *dest = berth_xasprintf("127.0.0.1:%d/x/y:1", f.port);
	struct berth_registry_push_options o = {.compression = BERTH_COMPRESSION_NONE};
	struct berth_digest got;
	for (int i = 0; i < 2; i++) {
		assert_ok(berth_registry_push_with(s, "example.com/x/y:1", dest, &o, NULL, &got,
						   &err),
			  err);
		assert_true(berth_digest_eq(&got, dm));
	}
	fake_stop(&f);
}

static void test_push_modes(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	struct berth_registry_settings set = {.retries = 1, .parallel = 2};
	berth_registry_configure(&set);
	_cleanup_free_ char *root = berth_xasprintf("%s/store", tmpdir);
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(berth_store_open(root, &s, &err), err);
	struct berth_digest dm;
	store_image(s, &dm);
	char tag[80];
	char hex[65];
	snprintf(tag, sizeof(tag), "sha256-%s", berth_digest_hex(&dm, hex));

	/* OCI-Subject on the PUT: the registry keeps the list, nothing else is asked */
	struct reg r1 = {.mode = SUBJECT_HEADER};
	push_twice(s, &r1, &dm);
	assert_int_equal(r1.api_gets, 0);
	assert_int_equal(r1.tag_gets + r1.tag_puts, 0);
	assert_null(find(r1.manifests, r1.n_manifests, tag));
	/* the artifact and its document went */
	assert_non_null(
		find(r1.blobs, r1.n_blobs,
		     "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"));
	reg_free(&r1);

	/* no header, but GET /referrers/ answers: no fallback tag either */
	struct reg r2 = {.mode = API_ONLY};
	push_twice(s, &r2, &dm);
	assert_int_equal(r2.api_gets, 2);
	assert_int_equal(r2.tag_gets + r2.tag_puts, 0);
	reg_free(&r2);

	/* no API: the index under sha256-<hex>, written once, read back the second time */
	struct reg r3 = {.mode = NO_API};
	push_twice(s, &r3, &dm);
	assert_int_equal(r3.tag_gets, 2);
	assert_int_equal(r3.tag_puts, 1);
	struct item *idx = find(r3.manifests, r3.n_manifests, tag);
	assert_non_null(idx);
	_cleanup_(berth_index_freep) struct berth_index *x = NULL;
	assert_ok(berth_index_parse(idx->data, idx->len, NULL, &x, &err), err);
	assert_int_equal(x->n_manifests, 1);
	assert_string_equal(x->manifests[0].artifact_type, BERTH_MT_SPDX_JSON);
	reg_free(&r3);
}

static void test_pull_by_api(void **state)
{
	(void)state;
	_cleanup_error_ struct berth_error *err = NULL;
	_cleanup_free_ char *root = berth_xasprintf("%s/store", tmpdir);
	_cleanup_free_ char *root2 = berth_xasprintf("%s/store2", tmpdir);
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_(berth_store_freep) struct berth_store *s2 = NULL;
	assert_ok(berth_store_open(root, &s, &err), err);
	assert_ok(berth_store_open(root2, &s2, &err), err);
	struct berth_digest dm;
	store_image(s, &dm);

	struct reg r = {.mode = API_ONLY};
	berth_digest_fmt(&dm, r.subject);
	pthread_mutex_init(&r.lock, NULL);
	struct fake_server f;
	fake_start(&f, handler, &r);
	_cleanup_free_ char *ref = berth_xasprintf("127.0.0.1:%d/x/y:1", f.port);
	struct berth_registry_push_options o = {.compression = BERTH_COMPRESSION_NONE};
	struct berth_digest got;
	assert_ok(berth_registry_push_with(s, "example.com/x/y:1", ref, &o, NULL, &got, &err), err);
	int tag_gets = r.tag_gets;

	struct berth_registry_pull_options po = {.with_sbom = true};
	assert_ok(berth_registry_pull_with(s2, ref, NULL, &po, NULL, &got, &err), err);
	assert_true(berth_digest_eq(&got, &dm));
	assert_int_equal(r.tag_gets, tag_gets); /* the API answered: no tag asked */
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(s2, ref, &img, &err), err);
	_cleanup_free_ char *doc = NULL;
	size_t len = 0;
	assert_ok(berth_image_attached(s2, img, BERTH_MT_SPDX_JSON, &doc, &len, &err), err);
	assert_int_equal(len, strlen(sbom_doc));
	assert_memory_equal(doc, sbom_doc, len);
	fake_stop(&f);
	reg_free(&r);
	berth_rm_rf_at(AT_FDCWD, tmpdir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_modes),
		cmocka_unit_test(test_pull_by_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
