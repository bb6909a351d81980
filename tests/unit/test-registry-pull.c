/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "registry/internal.h"
#include "store/store.h"
#include "registry-fake.h"

/* A registry without auth serving one image whose layer can be corrupted. */
struct img {
	char layer[5000];
	char config[512];
	char manifest[1024];
	char layer_d[BERTH_DIGEST_STRLEN + 1], config_d[BERTH_DIGEST_STRLEN + 1],
		manifest_d[BERTH_DIGEST_STRLEN + 1];
	bool corrupt;
	int port;
};

static void handler(void *ctx, const struct fake_req *req, struct fake_reply *rep)
{
	struct img *m = ctx;
	static __thread char copy[5000];
	if (strcmp(req->path, "/v2/") == 0)
		return;
	/* tags in three pages: a relative Link, then an absolute one on this host */
	if (strncmp(req->path, "/v2/a/b/tags/list", 17) == 0) {
		static __thread char body[256];
		if (!strstr(req->path, "last=")) {
			snprintf(rep->headers, sizeof(rep->headers),
				 "Link: </v2/a/b/tags/list?last=t2&n=2>; rel=\"next\"\r\n");
			snprintf(body, sizeof(body), "{\"name\":\"a/b\",\"tags\":[\"t1\",\"t2\"]}");
		} else if (strstr(req->path, "last=t2")) {
			snprintf(rep->headers, sizeof(rep->headers),
				 "Link: <http://127.0.0.1:%d/v2/a/b/tags/list?last=t4&n=2>; "
				 "rel=\"next\"\r\n",
				 m->port);
			snprintf(body, sizeof(body), "{\"name\":\"a/b\",\"tags\":[\"t3\",\"t4\"]}");
		} else {
			snprintf(body, sizeof(body), "{\"name\":\"a/b\",\"tags\":[\"t5\"]}");
		}
		rep->body = body;
		rep->body_len = strlen(body);
		return;
	}
	/* a registry linking its next page to another host */
	if (strncmp(req->path, "/v2/a/evil/tags/list", 20) == 0) {
		snprintf(rep->headers, sizeof(rep->headers),
			 "Link: <http://other.example/v2/a/evil/tags/list?last=x>; "
			 "rel=\"next\"\r\n");
		rep->body = "{\"tags\":[\"x\"]}";
		rep->body_len = strlen(rep->body);
		return;
	}
	if (strstr(req->path, "/manifests/")) {
		snprintf(rep->headers, sizeof(rep->headers),
			 "Content-Type: " MEDIA_OCI_MANIFEST "\r\nDocker-Content-Digest: %s\r\n",
			 m->manifest_d);
		rep->body = m->manifest;
		rep->body_len = strlen(m->manifest);
		return;
	}
	if (strstr(req->path, m->config_d)) {
		rep->body = m->config;
		rep->body_len = strlen(m->config);
		return;
	}
	if (strstr(req->path, m->layer_d)) {
		memcpy(copy, m->layer, sizeof(copy));
		if (m->corrupt)
			copy[100] ^= 1;
		rep->body = copy;
		rep->body_len = sizeof(copy);
		return;
	}
	rep->status = 404;
}

static char tmpdir[] = "/tmp/berth-test-pull-XXXXXX";
static struct img m;
static struct fake_server f;

static int setup(void **state)
{
	assert_non_null(mkdtemp(tmpdir));
	for (size_t i = 0; i < sizeof(m.layer); i++)
		m.layer[i] = (char)(i * 7);
	struct berth_digest d;
	berth_digest_of(m.layer, sizeof(m.layer), &d);
	berth_digest_fmt(&d, m.layer_d);
	snprintf(m.config, sizeof(m.config),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		 "\"diff_ids\":[\"%s\"]}}",
		 m.layer_d);
	berth_digest_of(m.config, strlen(m.config), &d);
	berth_digest_fmt(&d, m.config_d);
	snprintf(m.manifest, sizeof(m.manifest),
		 "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_MANIFEST "\",\"config\":{"
		 "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
		 "\"size\":%zu},\"layers\":[{\"mediaType\":\"application/"
		 "vnd.oci.image.layer.v1.tar\","
		 "\"digest\":\"%s\",\"size\":%zu}]}",
		 m.config_d, strlen(m.config), m.layer_d, sizeof(m.layer));
	berth_digest_of(m.manifest, strlen(m.manifest), &d);
	berth_digest_fmt(&d, m.manifest_d);
	fake_start(&f, handler, &m);
	m.port = f.port;
	struct berth_registry_settings s = {.retries = 2};
	berth_registry_configure(&s);
	return 0;
}

static int teardown(void **state)
{
	fake_stop(&f);
	berth_rm_rf_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

static void test_pull_corrupt_then_good(void **state)
{
	_cleanup_free_ char *root = berth_xasprintf("%s/store", tmpdir);
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(berth_store_open(root, &s, &err), err);
	_cleanup_free_ char *ref = berth_xasprintf("127.0.0.1:%d/a/b:1", f.port);
	struct berth_digest got, ld;
	berth_digest_parse(m.layer_d, &ld, NULL);

	m.corrupt = true;
	assert_int_equal(berth_registry_pull(s, ref, NULL, NULL, &got, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "does not match its digest"));
	assert_false(berth_store_blob_exists(s, &ld));
	assert_int_equal(berth_store_ref_resolve(s, ref, NULL, &err), -ENOENT);
	berth_error_free(&err);

	m.corrupt = false;
	assert_ok(berth_registry_pull(s, ref, NULL, NULL, &got, &err), err);
	char hex[BERTH_DIGEST_STRLEN + 1];
	assert_string_equal(berth_digest_fmt(&got, hex), m.manifest_d);
	assert_true(berth_store_blob_exists(s, &ld));
	struct berth_store_ref r = {0};
	assert_ok(berth_store_ref_resolve(s, ref, &r, &err), err);
	assert_string_equal(berth_digest_fmt(&r.digest, hex), m.manifest_d);
	assert_string_equal(r.media_type, MEDIA_OCI_MANIFEST);
	berth_store_ref_release(&r);

	/* remote manifest + config without layers, for --cache-from */
	struct berth_registry_image *img = NULL;
	assert_ok(berth_registry_fetch_image(ref, NULL, &img, &err), err);
	assert_int_equal(img->config_len, strlen(m.config));
	assert_string_equal(berth_digest_fmt(&img->manifest_digest, hex), m.manifest_d);
	berth_registry_image_free(img);
}

/* Tag lists follow Link rel="next" pages, on the registry's own host only. */
static void test_list_tags_pages(void **state)
{
	_cleanup_error_ struct berth_error *err = NULL;
	_cleanup_free_ char *ref = berth_xasprintf("127.0.0.1:%d/a/b", f.port);
	_cleanup_strv_free_ char **tags = NULL;
	assert_ok(berth_registry_list_tags(ref, NULL, &tags, &err), err);
	assert_int_equal(berth_strv_len(tags), 5);
	assert_string_equal(tags[0], "t1");
	assert_string_equal(tags[2], "t3");
	assert_string_equal(tags[4], "t5");

	_cleanup_free_ char *evil = berth_xasprintf("127.0.0.1:%d/a/evil", f.port);
	_cleanup_strv_free_ char **none = NULL;
	assert_int_equal(berth_registry_list_tags(evil, NULL, &none, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "links to another host"));
	assert_null(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pull_corrupt_then_good),
		cmocka_unit_test(test_list_tags_pages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
