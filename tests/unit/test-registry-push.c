/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "registry/internal.h"
#include "store/store.h"
#include "registry-fake.h"

/*
 * A recording registry: HEAD says it has only `have`; uploads go POST ->
 * PUT ?digest=, and the PUT body must hash to that digest; the manifest PUT
 * is recorded with its position among the requests.
 */
struct sink_reg {
	char have[BERTH_DIGEST_STRLEN + 1];
	int heads, posts, puts, patches, bad_puts, manifest_at, requests;
	char manifest[2048];
	char manifest_type[128];
};

static void handler(void *ctx, const struct fake_req *req, struct fake_reply *rep)
{
	struct sink_reg *r = ctx;
	r->requests++;
	if (strcmp(req->path, "/v2/") == 0)
		return;
	if (strcmp(req->method, "HEAD") == 0) {
		r->heads++;
		rep->status = strstr(req->path, r->have) && r->have[0] ? 200 : 404;
		return;
	}
	if (strcmp(req->method, "POST") == 0) {
		r->posts++;
		rep->status = 202;
		snprintf(rep->headers, sizeof(rep->headers),
			 "Location: /v2/x/y/blobs/uploads/u%d?_state=abc\r\n", r->posts);
		return;
	}
	if (strcmp(req->method, "PATCH") == 0) {
		r->patches++;
		rep->status = 202;
		snprintf(rep->headers, sizeof(rep->headers),
			 "Location: /v2/x/y/blobs/uploads/p%d?_state=def\r\n", r->patches);
		return;
	}
	if (strcmp(req->method, "PUT") == 0 && strstr(req->path, "/blobs/uploads/")) {
		r->puts++;
		const char *dq = strstr(req->path, "digest=");
		struct berth_digest d;
		char hex[BERTH_DIGEST_STRLEN + 1];
		berth_digest_of(req->body, req->body_len, &d);
		berth_digest_fmt(&d, hex);
		/* compare the hex part: the query may escape the colon */
		if (!dq || !strstr(dq, hex + 7))
			r->bad_puts++;
		rep->status = 201;
		return;
	}
	if (strcmp(req->method, "PUT") == 0 && strstr(req->path, "/manifests/")) {
		r->manifest_at = r->requests;
		snprintf(r->manifest, sizeof(r->manifest), "%.*s", (int)req->body_len, req->body);
		const char *ct = fake_header(req, "Content-Type");
		snprintf(r->manifest_type, sizeof(r->manifest_type), "%s", ct ? ct : "");
		rep->status = 201;
		return;
	}
	rep->status = 404;
}

static char tmpdir[] = "/tmp/berth-test-push-XXXXXX";

static void test_push(void **state)
{
	assert_non_null(mkdtemp(tmpdir));
	struct berth_registry_settings set = {.retries = 2, .parallel = 2};
	berth_registry_configure(&set);
	_cleanup_free_ char *root = berth_xasprintf("%s/store", tmpdir);
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(berth_store_open(root, &s, &err), err);

	/* an image in the store: two layers, a config, an OCI manifest, a tag */
	char l1[3000], l2[7000];
	memset(l1, 'a', sizeof(l1));
	memset(l2, 'b', sizeof(l2));
	struct berth_digest d1, d2, dc, dm;
	char h1[BERTH_DIGEST_STRLEN + 1], h2[BERTH_DIGEST_STRLEN + 1], hc[BERTH_DIGEST_STRLEN + 1];
	assert_ok(berth_store_blob_put(s, l1, sizeof(l1), &d1, &err), err);
	assert_ok(berth_store_blob_put(s, l2, sizeof(l2), &d2, &err), err);
	berth_digest_fmt(&d1, h1);
	berth_digest_fmt(&d2, h2);
	_cleanup_free_ char *config = berth_xasprintf(
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		"\"diff_ids\":[\"%s\",\"%s\"]}}",
		h1, h2);
	assert_ok(berth_store_blob_put(s, config, strlen(config), &dc, &err), err);
	berth_digest_fmt(&dc, hc);
	_cleanup_free_ char *manifest = berth_xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_MANIFEST "\",\"config\":{"
		"\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
		"\"size\":%zu},\"layers\":["
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
		"\"size\":%zu},"
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
		"\"size\":%zu}]}",
		hc, strlen(config), h1, sizeof(l1), h2, sizeof(l2));
	assert_ok(berth_store_blob_put(s, manifest, strlen(manifest), &dm, &err), err);
	assert_ok(berth_store_ref_set(s, "example.com/src/app:1", MEDIA_OCI_MANIFEST, &dm,
				      strlen(manifest), &err),
		  err);

	struct sink_reg reg = {0};
	memcpy(reg.have, h1, sizeof(reg.have));
	struct fake_server f;
	fake_start(&f, handler, &reg);
	_cleanup_free_ char *dest = berth_xasprintf("127.0.0.1:%d/x/y:2", f.port);
	struct berth_digest got;
	assert_ok(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &got, &err), err);
	assert_true(berth_digest_eq(&got, &dm));
	assert_int_equal(reg.heads, 3);
	assert_int_equal(reg.posts, 2); /* l2 and the config; l1 exists */
	assert_int_equal(reg.puts, 2);
	assert_int_equal(reg.bad_puts, 0);
	assert_string_equal(reg.manifest, manifest); /* byte-for-byte */
	assert_string_equal(reg.manifest_type, MEDIA_OCI_MANIFEST);
	assert_int_equal(reg.manifest_at, reg.requests); /* last */

	/* chunked upload for large blobs: PATCHes then the final PUT */
	set.chunk_size = 1000;
	berth_registry_configure(&set);
	reg = (struct sink_reg){0};
	assert_ok(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &got, &err), err);
	assert_int_equal(reg.patches, 3 + 7);
	assert_int_equal(reg.puts, 3);
	/* the final PUT of a chunked upload has no body: its bytes came in PATCHes */
	assert_int_equal(reg.bad_puts, 2);
	set.chunk_size = 0;
	berth_registry_configure(&set);

	/* a missing image */
	assert_int_equal(berth_registry_push(s, "example.com/none:1", dest, NULL, &got, &err),
			 -ENOENT);
	assert_non_null(strstr(err->msg, "no such image"));
	fake_stop(&f);
	berth_rm_rf_at(AT_FDCWD, tmpdir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
