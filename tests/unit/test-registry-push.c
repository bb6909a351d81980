/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/fs.h"
#include "image/image.h"
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
	char manifest[4096];
	char manifest_type[128];
	/* collect: PATCH bodies gathered and hashed with the PUT's (one upload at a time) */
	bool collect, no_patch, deny_patch;
	char up[16384];
	size_t up_len;
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
	if (strcmp(req->method, "PATCH") == 0 && (r->no_patch || r->deny_patch)) {
		rep->status = r->no_patch ? 405 : 403;
		return;
	}
	if (strcmp(req->method, "PATCH") == 0) {
		r->patches++;
		if (r->collect && r->up_len + req->body_len <= sizeof(r->up)) {
			memcpy(r->up + r->up_len, req->body, req->body_len);
			r->up_len += req->body_len;
		}
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
		if (r->collect && r->up_len + req->body_len <= sizeof(r->up)) {
			memcpy(r->up + r->up_len, req->body, req->body_len);
			berth_digest_of(r->up, r->up_len + req->body_len, &d);
			r->up_len = 0;
		} else {
			berth_digest_of(req->body, req->body_len, &d);
		}
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

static char l1[3000], l2[7000];

/*
 * An image in the store: two uncompressed layers (l1, l2), a config, an OCI
 * manifest, tagged example.com/src/app:1. Returns the manifest.
 */
static char *store_image(struct berth_store *s, struct berth_digest *ret_d1,
			 struct berth_digest *ret_d2, struct berth_digest *ret_manifest)
{
	_cleanup_error_ struct berth_error *err = NULL;
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
	char *manifest = berth_xasprintf(
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
	if (ret_d1)
		*ret_d1 = d1;
	if (ret_d2)
		*ret_d2 = d2;
	*ret_manifest = dm;
	return manifest;
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

	struct berth_digest d1, dm;
	_cleanup_free_ char *manifest = store_image(s, &d1, NULL, &dm);
	char h1[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&d1, h1);

	struct sink_reg reg = {0};
	memcpy(reg.have, h1, sizeof(reg.have));
	struct fake_server f;
	fake_start(&f, handler, &reg);
	_cleanup_free_ char *dest = berth_xasprintf("127.0.0.1:%d/x/y:2", f.port);
	struct berth_digest got;
	/* layers sent as stored: the manifest goes byte-for-byte */
	struct berth_registry_push_options as_stored = {.compression = BERTH_COMPRESSION_NONE};
	assert_ok(berth_registry_push_with(s, "example.com/src/app:1", dest, &as_stored, NULL, &got,
					   &err),
		  err);
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
	assert_ok(berth_registry_push_with(s, "example.com/src/app:1", dest, &as_stored, NULL, &got,
					   &err),
		  err);
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

/* The bytes of the store blob d, decompressed. */
static void assert_blob_decompresses_to(struct berth_store *s, const struct berth_digest *d,
					const char *want, size_t want_len)
{
	_cleanup_error_ struct berth_error *err = NULL;
	_cleanup_close_ int fd = -EBADF;
	assert_ok(berth_store_blob_open(s, d, &fd, NULL, &err), err);
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *r = NULL;
	assert_ok(berth_decompress_reader_open(fd, &r, &err), err);
	assert_int_not_equal(berth_decompress_reader_kind(r), BERTH_COMPRESSION_NONE);
	_cleanup_free_ char *buf = berth_xmalloc(want_len + 1);
	size_t got = 0;
	for (;;) {
		ssize_t n = berth_decompress_reader_read(r, buf + got, want_len + 1 - got, &err);
		assert_true(n >= 0);
		if (n == 0)
			break;
		got += (size_t)n;
		assert_true(got <= want_len);
	}
	assert_int_equal(got, want_len);
	assert_memory_equal(buf, want, want_len);
}

/* Checks the manifest the registry got names compressed forms of l1 and l2 as media type mt. */
static void assert_pushed_compressed(struct berth_store *s, const struct sink_reg *reg,
				     const struct berth_digest *got, enum berth_compression c)
{
	_cleanup_error_ struct berth_error *err = NULL;
	struct berth_digest d;
	berth_digest_of(reg->manifest, strlen(reg->manifest), &d);
	assert_true(berth_digest_eq(&d, got));
	_cleanup_(berth_manifest_freep) struct berth_manifest *m = NULL;
	assert_ok(berth_manifest_parse(reg->manifest, strlen(reg->manifest), NULL, &m, &err), err);
	assert_int_equal(m->n_layers, 2);
	const char *const bytes[] = {l1, l2};
	const size_t lens[] = {sizeof(l1), sizeof(l2)};
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(m->layers[i].media_type, berth_media_type_oci_layer((int)c));
		uint64_t size = 0;
		assert_ok(berth_store_blob_size(s, &m->layers[i].digest, &size, &err), err);
		assert_int_equal(size, m->layers[i].size);
		assert_true(size < lens[i]); /* runs of one byte compress */
		assert_blob_decompresses_to(s, &m->layers[i].digest, bytes[i], lens[i]);
	}
}

/* The first push (gzip) of the image store_image made: both layers compressed and uploaded. */
static void push_first(struct berth_store *s, const struct sink_reg *reg, const char *dest,
		       struct berth_digest *got)
{
	_cleanup_error_ struct berth_error *err = NULL;
	uint64_t before = berth_image_layers_compressed();
	assert_ok(berth_registry_push(s, "example.com/src/app:1", dest, NULL, got, &err), err);
	assert_int_equal(berth_image_layers_compressed() - before, 2);
	assert_int_equal(reg->posts, 3);
	assert_int_equal(reg->bad_puts, 0);
	assert_pushed_compressed(s, reg, got, BERTH_COMPRESSION_GZIP);
}

static char tmpdir2[] = "/tmp/berth-test-push-compress-XXXXXX";

static void test_push_compresses_uncompressed_layers(void **state)
{
	assert_non_null(mkdtemp(tmpdir2));
	struct berth_registry_settings set = {.retries = 2, .parallel = 2};
	berth_registry_configure(&set);
	_cleanup_free_ char *root = berth_xasprintf("%s/store", tmpdir2);
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(berth_store_open(root, &s, &err), err);
	struct berth_digest d1, d2, dm;
	_cleanup_free_ char *manifest = store_image(s, &d1, &d2, &dm);

	struct sink_reg reg = {0};
	struct fake_server f;
	fake_start(&f, handler, &reg);
	_cleanup_free_ char *dest = berth_xasprintf("127.0.0.1:%d/x/y:2", f.port);

	/* the default: gzip; the uploads hash to the compressed digests */
	struct berth_digest got, again;
	push_first(s, &reg, dest, &got);
	assert_false(berth_digest_eq(&got, &dm));
	uint64_t before;
	_cleanup_free_ char *first = berth_xstrdup(reg.manifest);
	struct berth_compressed_layer c1;
	assert_ok(berth_image_layer_compressed_lookup(s, &d1, BERTH_COMPRESSION_GZIP, &c1, &err),
		  err);

	/* a second push compresses nothing and pushes the same manifest */
	reg = (struct sink_reg){0};
	before = berth_image_layers_compressed();
	assert_ok(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &again, &err), err);
	assert_int_equal(berth_image_layers_compressed(), before);
	assert_true(berth_digest_eq(&again, &got));
	assert_string_equal(reg.manifest, first);
	/* the local image keeps its manifest */
	struct berth_store_ref ref;
	assert_ok(berth_store_ref_resolve(s, "example.com/src/app:1", &ref, &err), err);
	assert_true(berth_digest_eq(&ref.digest, &dm));
	berth_store_ref_release(&ref);

	/* a gc removed the compressed blob (no image names it): made again, the same bytes */
	char hex[65];
	berth_digest_hex(&c1.digest, hex);
	_cleanup_free_ char *path = berth_xasprintf("%s/blobs/sha256/%s", root, hex);
	assert_int_equal(unlink(path), 0);
	reg = (struct sink_reg){0};
	before = berth_image_layers_compressed();
	assert_ok(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &again, &err), err);
	assert_int_equal(berth_image_layers_compressed() - before, 1);
	assert_true(berth_digest_eq(&again, &got));
	assert_int_equal(reg.bad_puts, 0);

	/* zstd on request, recorded beside gzip */
	reg = (struct sink_reg){0};
	before = berth_image_layers_compressed();
	struct berth_registry_push_options zstd = {.compression = BERTH_COMPRESSION_ZSTD};
	assert_ok(berth_registry_push_with(s, "example.com/src/app:1", dest, &zstd, NULL, &again,
					   &err),
		  err);
	assert_int_equal(berth_image_layers_compressed() - before, 2);
	assert_pushed_compressed(s, &reg, &again, BERTH_COMPRESSION_ZSTD);
	assert_false(berth_digest_eq(&again, &got));

	/* a damaged record is an error, not a wrong digest pushed */
	char dhex[65];
	berth_digest_hex(&d1, dhex);
	_cleanup_free_ char *rec = berth_xasprintf("%s/cache/compressed/gzip.3-%s", root, dhex);
	_cleanup_close_ int rfd = open(rec, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(rfd >= 0);
	assert_int_equal(write(rfd, "junk\n", 5), 5);
	assert_int_equal(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &again, &err),
			 -EBADMSG);
	assert_non_null(strstr(err->msg, "damaged"));
	fake_stop(&f);
	berth_rm_rf_at(AT_FDCWD, tmpdir2, NULL);
}

static char tmpdir3[] = "/tmp/berth-test-push-growing-XXXXXX";

/*
 * A large layer never compressed before is uploaded while it is
 * compressed: PATCHes as the compressed blob grows, then the PUT with the
 * digest. Chunks of 16 bytes make l1 and l2 "large" (their compressed forms
 * are a few dozen bytes: one PATCH at least). A registry refusing PATCH
 * gets the whole blob in one PUT instead.
 */
static void test_push_compresses_while_uploading(void **state)
{
	assert_non_null(mkdtemp(tmpdir3));
	struct berth_registry_settings set = {.retries = 2, .parallel = 1, .chunk_size = 16};
	berth_registry_configure(&set);
	_cleanup_free_ char *root = berth_xasprintf("%s/store", tmpdir3);
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(berth_store_open(root, &s, &err), err);
	struct berth_digest d1, d2, dm;
	_cleanup_free_ char *manifest = store_image(s, &d1, &d2, &dm);
	struct sink_reg reg = {.collect = true};
	struct fake_server f;
	fake_start(&f, handler, &reg);
	_cleanup_free_ char *dest = berth_xasprintf("127.0.0.1:%d/x/y:2", f.port);

	/* PATCHes + PUT hash to the digest the PUT names (bad_puts 0) */
	struct berth_digest got, again;
	push_first(s, &reg, dest, &got);
	assert_true(reg.patches >= 1);
	assert_int_equal(reg.puts, 3);

	/* recorded: a second push compresses nothing, the same manifest */
	_cleanup_free_ char *first = berth_xstrdup(reg.manifest);
	reg = (struct sink_reg){.collect = true};
	uint64_t before = berth_image_layers_compressed();
	assert_ok(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &again, &err), err);
	assert_int_equal(berth_image_layers_compressed(), before);
	assert_true(berth_digest_eq(&again, &got));
	assert_string_equal(reg.manifest, first);

	/* no PATCH: compressed, then each layer whole in one PUT; zstd, so compressed afresh */
	reg = (struct sink_reg){.collect = true, .no_patch = true};
	struct berth_registry_push_options zstd = {.compression = BERTH_COMPRESSION_ZSTD};
	assert_ok(berth_registry_push_with(s, "example.com/src/app:1", dest, &zstd, NULL, &again,
					   &err),
		  err);
	assert_int_equal(reg.patches, 0);
	assert_int_equal(reg.posts, 3 + 1); /* one refused session; the layers go whole after it */
	assert_int_equal(reg.bad_puts, 0);
	assert_pushed_compressed(s, &reg, &again, BERTH_COMPRESSION_ZSTD);

	/* failures stop the push with their error, nothing waits: a PATCH denied mid-way... */
	char hex[65];
	berth_digest_hex(&d1, hex);
	_cleanup_free_ char *rec = berth_xasprintf("%s/cache/compressed/gzip.3-%s", root, hex);
	assert_int_equal(unlink(rec), 0);
	reg = (struct sink_reg){.deny_patch = true};
	assert_int_equal(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &again, &err),
			 -EACCES);
	assert_non_null(strstr(err->msg, "upload blob"));
	berth_error_free(&err);
	/* ...and a layer whose blob is gone (the compression fails before it starts) */
	assert_int_equal(unlink(rec), 0);
	_cleanup_free_ char *blob = berth_xasprintf("%s/blobs/sha256/%s", root, hex);
	assert_int_equal(unlink(blob), 0);
	reg = (struct sink_reg){.collect = true};
	assert_int_equal(berth_registry_push(s, "example.com/src/app:1", dest, NULL, &again, &err),
			 -ENOENT);
	assert_non_null(strstr(err->msg, hex));
	fake_stop(&f);
	set.chunk_size = 0;
	berth_registry_configure(&set);
	berth_rm_rf_at(AT_FDCWD, tmpdir3, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_push_compresses_uncompressed_layers),
		cmocka_unit_test(test_push_compresses_while_uploading),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
