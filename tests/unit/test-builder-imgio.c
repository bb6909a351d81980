/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include "builder/internal.h"
#include "image/image.h"

/*
 * imgio.c, the builder's store adapter, against a real store in a temp
 * dir: committing images, resolving references (short names, indexes,
 * digests), blob writers, the layers of every image, and collection.
 */

struct ifix {
	struct bfix f;
	struct bstore *b;      /* the adapter */
	struct berth_store *s; /* the same store, to write what the adapter only reads */
};

static int setup(void **state)
{
	struct ifix *x = calloc(1, sizeof(*x));
	struct berth_error *err = NULL;
	bfix_setup(&x->f);
	assert_ok(bstore_open(x->f.handle, &x->b, &err), err);
	assert_ok(berth_store_open(x->f.store, &x->s, &err), err);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ifix *x = *state;
	bstore_free(x->b);
	berth_store_free(x->s);
	bfix_teardown(&x->f);
	free(x);
	return 0;
}

/* Writes data as a blob through the adapter's writer, pending until bstore_sync. */
static void put_pending(struct ifix *x, const char *data, struct berth_digest *ret,
			uint64_t *ret_size)
{
	struct berth_error *err = NULL;
	struct bstore_writer *w = NULL;
	uint64_t size;
	assert_ok(bstore_writer_begin(x->b, &w, &err), err);
	/* in two pieces: the sink appends */
	size_t half = strlen(data) / 2;
	assert_ok(bstore_writer_sink(w, data, half, &err), err);
	assert_ok(bstore_writer_sink(w, data + half, strlen(data) - half, &err), err);
	assert_ok(bstore_writer_commit(x->b, w, ret, &size, &err), err);
	if (ret_size)
		*ret_size = size;
}

/* Writes data as a blob through the adapter's writer, synced into the store. */
static void put_blob(struct ifix *x, const char *data, struct berth_digest *ret, uint64_t *ret_size)
{
	struct berth_error *err = NULL;
	put_pending(x, data, ret, ret_size);
	assert_ok(bstore_sync(x->b, &err), err);
}

/* An image of one layer with the given content and a distinguishing User. */
static void make_image(struct ifix *x, const char *content, struct bimage *ret)
{
	struct blayer l = {.media_type = "application/vnd.oci.image.layer.v1.tar"};
	put_blob(x, content, &l.digest, &l.size);
	berth_digest_of(content, strlen(content), &l.diff_id);
	bimage_init_scratch(ret);
	json_object_set_new(bimage_cfg(ret), "User", json_string(content));
	bimage_add_layer(ret, &l);
}

/*
 * A layer the build wrote is readable at once but only lands in blobs/ at
 * bstore_sync, and the cache entry naming it is written after; a build
 * that never syncs leaves neither.
 */
static void test_pending_until_sync(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	struct berth_digest d, key, other;
	uint64_t size;
	struct bimage im, got;

	put_pending(x, "a pending layer", &d, &size);
	assert_true(bstore_has_blob(x->b, &d));
	assert_false(berth_store_blob_exists(x->s, &d));
	int fd = bstore_open_blob(x->b, &d, &err);
	assert_ok(fd, err);
	char buf[32] = {0};
	assert_int_equal(read(fd, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "a pending layer");
	close(fd);

	struct blayer l = {
		.media_type = "application/vnd.oci.image.layer.v1.tar", .digest = d, .size = size};
	berth_digest_of("diff", 4, &l.diff_id);
	bimage_init_scratch(&im);
	bimage_add_layer(&im, &l);
	berth_digest_of("key", 3, &key);
	assert_ok(bcache_put(x->b, &key, &im, &err), err);
	assert_int_equal(bcache_get(x->b, &key, &got, &err), 0); /* not written yet */

	assert_ok(bstore_sync(x->b, &err), err);
	assert_true(berth_store_blob_exists(x->s, &d));
	assert_int_equal(bcache_get(x->b, &key, &got, &err), 1);
	bimage_release(&got);
	bimage_release(&im);
	assert_ok(bstore_sync(x->b, &err), err); /* nothing left: a no-op */

	/* never synced: the blob goes with the adapter */
	put_pending(x, "never synced", &other, NULL);
	bstore_free(x->b);
	x->b = NULL;
	assert_false(berth_store_blob_exists(x->s, &other));
	assert_ok(bstore_open(x->f.handle, &x->b, &err), err);
	assert_false(bstore_has_blob(x->b, &other));
}

static void test_writer(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	struct berth_digest d, want;
	uint64_t size;
	struct bstore_writer *w = NULL;

	put_blob(x, "hello blob", &d, &size);
	berth_digest_of("hello blob", 10, &want);
	assert_true(berth_digest_eq(&d, &want));
	assert_int_equal(size, 10);
	assert_true(bstore_has_blob(x->b, &d));
	int fd = bstore_open_blob(x->b, &d, &err);
	assert_ok(fd, err);
	char buf[32] = {0};
	assert_int_equal(read(fd, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "hello blob");
	close(fd);

	/* an aborted writer leaves nothing */
	assert_ok(bstore_writer_begin(x->b, &w, &err), err);
	assert_ok(bstore_writer_sink(w, "never", 5, &err), err);
	bstore_writer_abort(w);
	berth_digest_of("never", 5, &want);
	assert_false(bstore_has_blob(x->b, &want));
	assert_int_equal(bstore_open_blob(x->b, &want, &err), -ENOENT);
	berth_error_free(&err);

	/* the paths the builder shows and mounts below */
	assert_string_equal(bstore_root_path(x->b), x->f.store);
	assert_true(bstore_root_fd(x->b) >= 0);
}

static void test_commit_and_resolve(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	struct bimage im, got;
	struct berth_digest id, man, want;
	char *tags[] = {"myimg", "user/app:2", "reg.example:5000/ns/x:v1", "localhost/y", NULL};

	make_image(x, "layer-a", &im);
	assert_ok(bstore_commit_image(x->b, &im, tags, &id, &man, &err), err);
	/* the id is the digest of the config blob, as Docker's */
	char *cfg = berth_json_dump(im.config, NULL);
	berth_digest_of(cfg, strlen(cfg), &want);
	free(cfg);
	assert_true(berth_digest_eq(&id, &want));
	assert_true(bstore_has_blob(x->b, &man));

	/* every spelling Docker accepts finds it */
	const char *refs[] = {
		"myimg",       "myimg:latest",	       "docker.io/library/myimg:latest",
		"user/app:2",  "docker.io/user/app:2", "reg.example:5000/ns/x:v1",
		"localhost/y", "localhost/y:latest",   NULL};
	for (const char **r = refs; *r; r++) {
		assert_ok(bstore_resolve(x->b, *r, &got, &err), err);
		assert_true(json_equal(got.config, im.config));
		assert_int_equal(got.n_layers, 1);
		assert_true(berth_digest_eq(&got.layers[0].digest, &im.layers[0].digest));
		assert_true(berth_digest_eq(&got.layers[0].diff_id, &im.layers[0].diff_id));
		assert_int_equal(got.layers[0].size, 7);
		assert_string_equal(got.layers[0].media_type, im.layers[0].media_type);
		bimage_release(&got);
	}
	/* and the manifest digest */
	char md[BERTH_DIGEST_STRLEN + 1];
	assert_ok(bstore_resolve(x->b, berth_digest_fmt(&man, md), &got, &err), err);
	assert_true(json_equal(got.config, im.config));
	bimage_release(&got);

	/* other tags and other registries are other images */
	const char *missing[] = {"myimg:2", "user/app", "other.example/myimg", "app:2", NULL};
	for (const char **r = missing; *r; r++) {
		assert_int_equal(bstore_resolve(x->b, *r, &got, &err), -ENOENT);
		if (!strstr(berth_error_msg(err), "no such image"))
			fail_msg("'%s': %s", *r, berth_error_msg(err));
		berth_error_free(&err);
	}

	/* a tag moves to a newer image; the old one stays by digest */
	struct bimage im2;
	struct berth_digest id2, man2;
	char *one[] = {"myimg", NULL};
	make_image(x, "layer-b", &im2);
	assert_ok(bstore_commit_image(x->b, &im2, one, &id2, &man2, &err), err);
	assert_ok(bstore_resolve(x->b, "myimg", &got, &err), err);
	assert_true(json_equal(got.config, im2.config));
	bimage_release(&got);
	assert_ok(bstore_resolve(x->b, "user/app:2", &got, &err), err);
	assert_true(json_equal(got.config, im.config));
	bimage_release(&got);
	bimage_release(&im2);
	bimage_release(&im);
}

static void test_untagged_commit(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	struct bimage im, got;
	struct berth_digest id, man;
	char md[BERTH_DIGEST_STRLEN + 1];

	make_image(x, "untagged", &im);
	assert_ok(bstore_commit_image(x->b, &im, NULL, &id, &man, &err), err);
	assert_ok(bstore_resolve(x->b, berth_digest_fmt(&man, md), &got, &err), err);
	assert_true(json_equal(got.config, im.config));
	bimage_release(&got);
	bimage_release(&im);
}

/* Stores an index of the given platforms (arch or NULL for none) pointing at manifest m. */
static void put_index(struct ifix *x, const char *name, const char *const *archs, size_t n,
		      const struct berth_digest *m, uint64_t msize)
{
	struct berth_error *err = NULL;
	struct berth_digest d;
	char md[BERTH_DIGEST_STRLEN + 1];
	json_t *ix = json_object(), *ms = json_array();
	json_object_set_new(ix, "schemaVersion", json_integer(2));
	json_object_set_new(ix, "mediaType", json_string(BERTH_MEDIA_TYPE_OCI_INDEX));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "mediaType",
				    json_string("application/vnd.oci.image.manifest.v1+json"));
		/* only the host's entry points at the real manifest */
		bool host = archs[i] && strcmp(archs[i], builder_arch()) == 0;
		struct berth_digest other;
		berth_digest_of(archs[i] ? archs[i] : "x", 1, &other);
		json_object_set_new(e, "digest",
				    json_string(berth_digest_fmt(host ? m : &other, md)));
		json_object_set_new(e, "size", json_integer((json_int_t)msize));
		json_t *p = json_object();
		json_object_set_new(p, "os", json_string("linux"));
		json_object_set_new(p, "architecture", json_string(archs[i]));
		json_object_set_new(e, "platform", p);
		json_array_append_new(ms, e);
	}
	json_object_set_new(ix, "manifests", ms);
	size_t len;
	char *data = berth_json_dump(ix, &len);
	json_decref(ix);
	assert_ok(berth_store_blob_put(x->s, data, len, &d, &err), err);
	assert_ok(berth_store_ref_set(x->s, name, BERTH_MEDIA_TYPE_OCI_INDEX, &d, len, &err), err);
	free(data);
}

static void test_index_picks_host(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	struct bimage im, got;
	struct berth_digest id, man;
	char *tags[] = {"single:1", NULL};
	const char *other = strcmp(builder_arch(), "arm64") == 0 ? "amd64" : "arm64";

	make_image(x, "multi", &im);
	assert_ok(bstore_commit_image(x->b, &im, tags, &id, &man, &err), err);
	const char *archs[] = {other, builder_arch(), "s390x"};
	put_index(x, "docker.io/library/multi:latest", archs, 3, &man, 100);
	assert_ok(bstore_resolve(x->b, "multi", &got, &err), err);
	assert_true(json_equal(got.config, im.config));
	bimage_release(&got);

	/* an index without this host's platform */
	const char *foreign[] = {other, "s390x"};
	put_index(x, "docker.io/library/foreign:latest", foreign, 2, &man, 100);
	assert_int_equal(bstore_resolve(x->b, "foreign", &got, &err), -ENOENT);
	assert_non_null(strstr(berth_error_msg(err), "no image for platform linux/"));
	berth_error_free(&err);
	bimage_release(&im);
}

/* Stores a manifest text under a tag. */
static void put_manifest(struct ifix *x, const char *name, const char *text)
{
	struct berth_error *err = NULL;
	struct berth_digest d;
	assert_ok(berth_store_blob_put(x->s, text, strlen(text), &d, &err), err);
	assert_ok(berth_store_ref_set(x->s, name, "application/vnd.oci.image.manifest.v1+json", &d,
				      strlen(text), &err),
		  err);
}

static void test_hostile_manifests(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	struct berth_digest cd;
	struct bimage got;
	char cdesc[BERTH_DIGEST_STRLEN + 1];
	const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	assert_ok(berth_store_blob_put(x->s, cfg, strlen(cfg), &cd, &err), err);
	berth_digest_fmt(&cd, cdesc);

	/* a layer the config does not list */
	char *m = berth_xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\","
		"\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		"\",\"digest\":\"%s\",\"size\":1},"
		"\"layers\":[{\"mediaType\":\"" BERTH_MT_OCI_LAYER_GZIP "\",\"digest\":\"%s\","
		"\"size\":1}]}",
		cdesc, cdesc);
	put_manifest(x, "docker.io/library/count:latest", m);
	free(m);
	assert_int_equal(bstore_resolve(x->b, "count", &got, &err), -EBADMSG);
	assert_non_null(strstr(berth_error_msg(err), "disagree on the layer count"));
	berth_error_free(&err);

	/* no config, a bad digest, a config blob that is missing */
	put_manifest(x, "docker.io/library/noconfig:latest", "{\"layers\":[]}");
	assert_true(bstore_resolve(x->b, "noconfig", &got, &err) < 0);
	berth_error_free(&err);
	put_manifest(x, "docker.io/library/baddigest:latest",
		     "{\"config\":{\"digest\":\"sha256:../../etc\"},\"layers\":[]}");
	assert_true(bstore_resolve(x->b, "baddigest", &got, &err) < 0);
	berth_error_free(&err);
	m = berth_xasprintf("{\"config\":{\"digest\":\"sha256:%064d\"},\"layers\":[]}", 0);
	put_manifest(x, "docker.io/library/gone:latest", m);
	free(m);
	assert_int_equal(bstore_resolve(x->b, "gone", &got, &err), -ENOENT);
	berth_error_free(&err);
	/* not JSON */
	put_manifest(x, "docker.io/library/garbage:latest", "\x01\x02not json");
	assert_true(bstore_resolve(x->b, "garbage", &got, &err) < 0);
	berth_error_free(&err);
	/* an index resolves to its manifest; an index of an index is refused (as by run) */
	struct bimage im;
	struct berth_digest id, man, d;
	char *tags[] = {"leaf", NULL};
	char dd[BERTH_DIGEST_STRLEN + 1];
	make_image(x, "nested", &im);
	assert_ok(bstore_commit_image(x->b, &im, tags, &id, &man, &err), err);
	d = man;
	for (int depth = 1; depth <= 2; depth++) {
		char *ix = berth_xasprintf(
			"{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_INDEX "\","
			"\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1}]}",
			depth == 1 ? BERTH_MT_OCI_MANIFEST : BERTH_MT_OCI_INDEX,
			berth_digest_fmt(&d, dd));
		char *name = berth_xasprintf("docker.io/library/nest%d:latest", depth);
		assert_ok(berth_store_blob_put(x->s, ix, strlen(ix), &d, &err), err);
		assert_ok(berth_store_ref_set(x->s, name, BERTH_MT_OCI_INDEX, &d, strlen(ix), &err),
			  err);
		free(ix);
		free(name);
	}
	assert_ok(bstore_resolve(x->b, "nest1", &got, &err), err);
	assert_true(json_equal(got.config, im.config));
	bimage_release(&got);
	assert_true(bstore_resolve(x->b, "nest2", &got, &err) < 0);
	berth_error_free(&err);
	bimage_release(&im);
}

static void test_image_layers_and_gc(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	struct bimage a, b;
	struct berth_digest id, man, loose, kept;
	struct berth_digest *layers = NULL;
	size_t n = 0;
	uint64_t freed = 0, size;
	char *ta[] = {"a", NULL}, *tb[] = {"b", NULL};

	make_image(x, "layer of a", &a);
	make_image(x, "layer of b", &b);
	assert_ok(bstore_commit_image(x->b, &a, ta, &id, &man, &err), err);
	assert_ok(bstore_commit_image(x->b, &b, tb, &id, &man, &err), err);
	assert_ok(bstore_image_layers(x->b, &layers, &n, &err), err);
	assert_int_equal(n, 2);
	bool has_a = false, has_b = false;
	for (size_t i = 0; i < n; i++) {
		has_a |= berth_digest_eq(&layers[i], &a.layers[0].digest);
		has_b |= berth_digest_eq(&layers[i], &b.layers[0].digest);
	}
	assert_true(has_a && has_b);
	free(layers);

	/* collection removes what no tag and no keep digest reaches */
	put_blob(x, "a loose blob of some bytes", &loose, &size);
	put_blob(x, "a blob the cache keeps", &kept, NULL);
	assert_ok(bstore_gc(x->b, &kept, 1, &freed, &err), err);
	assert_false(bstore_has_blob(x->b, &loose));
	assert_true(bstore_has_blob(x->b, &kept));
	assert_true(bstore_has_blob(x->b, &a.layers[0].digest));
	assert_true(bstore_has_blob(x->b, &b.layers[0].digest));
	assert_true(freed >= size);
	bimage_release(&a);
	bimage_release(&b);
}

static void test_pull_unreachable(void **state)
{
	struct ifix *x = *state;
	struct berth_error *err = NULL;
	/* port 1 of loopback: nothing listens; the pull fails, it does not hang */
	assert_true(bstore_pull(x->b, "127.0.0.1:1/none:latest", &err) < 0);
	assert_non_null(err);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_until_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_and_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untagged_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_picks_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_manifests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_layers_and_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_unreachable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
