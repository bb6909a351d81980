/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include "builder/internal.h"

/*
 * berth_builder_prune() on a real store: cache entries written with
 * bcache_put (their last use set through the mtime), layers as real blobs,
 * images committed with tags.
 */

struct pfix {
	struct bfix f;
	struct bstore *b;
};

static int setup(void **state)
{
	struct pfix *x = calloc(1, sizeof(*x));
	struct berth_error *err = NULL;
	bfix_setup(&x->f);
	assert_ok(bstore_open(x->f.handle, &x->b, &err), err);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct pfix *x = *state;
	bstore_free(x->b);
	bfix_teardown(&x->f);
	free(x);
	return 0;
}

/* A layer blob of exactly size bytes (the byte c repeated). */
static struct blayer layer(struct pfix *x, char c, size_t size)
{
	struct berth_error *err = NULL;
	struct bstore_writer *w = NULL;
	struct blayer l = {.media_type = "application/vnd.oci.image.layer.v1.tar"};
	char *data = berth_xmalloc(size);
	memset(data, c, size);
	assert_ok(bstore_writer_begin(x->b, &w, &err), err);
	assert_ok(bstore_writer_sink(w, data, size, &err), err);
	assert_ok(bstore_writer_commit(x->b, w, &l.digest, &l.size, &err), err);
	assert_ok(bstore_sync(x->b, &err), err);
	berth_digest_of(data, size, &l.diff_id);
	free(data);
	assert_int_equal(l.size, size);
	return l;
}

static void state_of(const struct blayer *ls, size_t n, struct bimage *ret)
{
	bimage_init_scratch(ret);
	for (size_t i = 0; i < n; i++)
		bimage_add_layer(ret, &ls[i]);
}

/* A cache entry named name holding the layers, last used at time used. */
static void entry(struct pfix *x, const char *name, const struct blayer *ls, size_t n, time_t used)
{
	struct berth_error *err = NULL;
	struct berth_digest k;
	struct bimage im;
	char hex[65];
	berth_digest_of(name, strlen(name), &k);
	state_of(ls, n, &im);
	assert_ok(bcache_put(x->b, &k, &im, &err), err);
	bimage_release(&im);
	char *p = berth_xasprintf("%s/cache/build/%s.json", x->f.store, berth_digest_hex(&k, hex));
	struct timespec ts[2] = {{.tv_sec = used}, {.tv_sec = used}};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
}

static bool has_entry(struct pfix *x, const char *name)
{
	struct berth_digest k;
	char hex[65];
	berth_digest_of(name, strlen(name), &k);
	char *p = berth_xasprintf("%s/cache/build/%s.json", x->f.store, berth_digest_hex(&k, hex));
	bool r = access(p, F_OK) == 0;
	free(p);
	return r;
}

static void tag_image(struct pfix *x, const char *tag, const struct blayer *ls, size_t n)
{
	struct berth_error *err = NULL;
	struct bimage im;
	struct berth_digest id, man;
	char *tags[] = {(char *)tag, NULL};
	state_of(ls, n, &im);
	json_object_set_new(bimage_cfg(&im), "User", json_string(tag));
	assert_ok(bstore_commit_image(x->b, &im, tags, &id, &man, &err), err);
	bimage_release(&im);
}

/*
 * Prunes with the fixture's store closed: a process that wrote blobs holds
 * the shared gc lock until it frees its store, and a collection (even in
 * the same process, through another open store) waits for it.
 */
static int prune(struct pfix *x, bool all, uint64_t keep, uint64_t *freed, unsigned *n,
		 struct berth_error **err)
{
	bstore_free(x->b);
	x->b = NULL;
	int r = berth_builder_prune(x->f.handle, all, keep, freed, n, err);
	assert_ok(bstore_open(x->f.handle, &x->b, err), *err);
	return r;
}

static void test_empty_store(void **state)
{
	struct pfix *x = *state;
	struct berth_error *err = NULL;
	uint64_t freed = 1;
	unsigned n = 1;

	assert_ok(prune(x, false, 0, &freed, &n, &err), err);
	assert_int_equal(n, 0);
	assert_int_equal(freed, 0);
	assert_ok(prune(x, true, 0, &freed, &n, &err), err);
	assert_int_equal(n, 0);
}

static void test_default_drops_dangling(void **state)
{
	struct pfix *x = *state;
	struct berth_error *err = NULL;
	uint64_t freed;
	unsigned n;
	struct blayer l1 = layer(x, '1', 1000), l2 = layer(x, '2', 2000);
	struct blayer both[] = {l1, l2};

	tag_image(x, "img", &l1, 1);
	entry(x, "used-by-image", &l1, 1, 1000);
	entry(x, "dangling", both, 2, 2000); /* its newest layer is in no image */
	entry(x, "no-layers", NULL, 0, 3000);
	/* files that are not entries are not touched */
	char *other = berth_xasprintf("%s/cache/build/notes.json", x->f.store);
	FILE *fp = fopen(other, "w");
	assert_non_null(fp);
	fclose(fp);

	assert_ok(prune(x, false, 0, &freed, &n, &err), err);
	assert_int_equal(n, 2);
	assert_true(has_entry(x, "used-by-image"));
	assert_false(has_entry(x, "dangling"));
	assert_false(has_entry(x, "no-layers"));
	assert_int_equal(access(other, F_OK), 0);
	free(other);
	/* the layer only the dropped entry held is collected; the image's stays */
	assert_false(bstore_has_blob(x->b, &l2.digest));
	assert_true(bstore_has_blob(x->b, &l1.digest));
	assert_true(freed >= 2000);

	/* a second prune has nothing left to do */
	assert_ok(prune(x, false, 0, &freed, &n, &err), err);
	assert_int_equal(n, 0);
	assert_int_equal(freed, 0);
	assert_true(has_entry(x, "used-by-image"));
}

static void test_damaged_entry_is_dangling(void **state)
{
	struct pfix *x = *state;
	struct berth_error *err = NULL;
	uint64_t freed;
	unsigned n;
	struct berth_digest k;
	char hex[65];

	entry(x, "placeholder", NULL, 0, 1000); /* makes the directory */
	berth_digest_of("damaged", 7, &k);
	char *p = berth_xasprintf("%s/cache/build/%s.json", x->f.store, berth_digest_hex(&k, hex));
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("{broken", fp);
	fclose(fp);
	assert_ok(prune(x, false, 0, &freed, &n, &err), err);
	assert_int_equal(n, 2);
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
}

static void test_all(void **state)
{
	struct pfix *x = *state;
	struct berth_error *err = NULL;
	uint64_t freed;
	unsigned n;
	struct blayer l1 = layer(x, 'a', 500), l2 = layer(x, 'b', 700);

	tag_image(x, "img", &l1, 1);
	entry(x, "e1", &l1, 1, 1000);
	entry(x, "e2", &l2, 1, 2000);
	char *mounts = berth_xasprintf("%s/cache/mounts/some-id", x->f.store);
	assert_ok(berth_mkdir_p(mounts, 0700, &err), err);

	assert_ok(prune(x, true, 0, &freed, &n, &err), err);
	assert_int_equal(n, 2);
	assert_false(has_entry(x, "e1"));
	assert_false(has_entry(x, "e2"));
	/* an image's layers are never collected; cache-only ones are */
	assert_true(bstore_has_blob(x->b, &l1.digest));
	assert_false(bstore_has_blob(x->b, &l2.digest));
	assert_true(freed >= 700);
	/* RUN --mount=type=cache directories go with --all */
	assert_int_not_equal(access(mounts, F_OK), 0);
	free(mounts);
}

static void test_keep_storage(void **state)
{
	struct pfix *x = *state;
	struct berth_error *err = NULL;
	uint64_t freed;
	unsigned n;
	struct blayer la = layer(x, 'a', 100), lb = layer(x, 'b', 100), lc = layer(x, 'c', 100);
	struct blayer li = layer(x, 'i', 5000);

	/* the image's layer counts for nothing: only cache-only bytes are kept in check */
	tag_image(x, "img", &li, 1);
	entry(x, "image-entry", &li, 1, 500);
	entry(x, "a", &la, 1, 1000); /* least recently used */
	entry(x, "c", &lc, 1, 3000); /* most recently used */
	entry(x, "b", &lb, 1, 2000);

	/* under the limit: nothing goes, not even what the default would drop */
	assert_ok(prune(x, false, 300, &freed, &n, &err), err);
	assert_int_equal(n, 0);
	assert_true(has_entry(x, "a") && has_entry(x, "b") && has_entry(x, "c"));

	/* 300 bytes held, 150 allowed: the two oldest go, oldest first */
	assert_ok(prune(x, false, 150, &freed, &n, &err), err);
	assert_true(has_entry(x, "c"));
	assert_false(has_entry(x, "a"));
	assert_false(has_entry(x, "b"));
	/* strictly least recently used first: the image's entry was older still */
	assert_false(has_entry(x, "image-entry"));
	assert_true(bstore_has_blob(x->b, &lc.digest));
	assert_false(bstore_has_blob(x->b, &la.digest));
	assert_false(bstore_has_blob(x->b, &lb.digest));
	assert_true(bstore_has_blob(x->b, &li.digest));
	assert_int_equal(n, 3);
	assert_true(freed >= 200);

	/* exactly at the limit is within it */
	assert_ok(prune(x, false, 100, &freed, &n, &err), err);
	assert_int_equal(n, 0);
	assert_true(has_entry(x, "c"));
}

static void test_keep_storage_shared_layers(void **state)
{
	struct pfix *x = *state;
	struct berth_error *err = NULL;
	uint64_t freed;
	unsigned n;
	struct blayer base = layer(x, 'x', 400), top = layer(x, 'y', 100);
	struct blayer both[] = {base, top};

	/* two entries share a layer: it is counted once (500 bytes in all) */
	entry(x, "old", &base, 1, 1000);
	entry(x, "new", both, 2, 2000);
	assert_ok(prune(x, false, 500, &freed, &n, &err), err);
	assert_int_equal(n, 0);
	/* 499: dropping the old entry frees nothing (its layer is the new one's
	 * too), so the new one must go as well */
	assert_ok(prune(x, false, 499, &freed, &n, &err), err);
	assert_int_equal(n, 2);
	assert_false(has_entry(x, "old"));
	assert_false(has_entry(x, "new"));
	assert_false(bstore_has_blob(x->b, &base.digest));
	assert_false(bstore_has_blob(x->b, &top.digest));
	assert_true(freed >= 500);
}

static void test_after_real_build(void **state)
{
	struct pfix *x = *state;
	struct berth_error *err = NULL;
	struct berth_build_result r;
	uint64_t freed;
	unsigned n;
	const char *df = "FROM scratch\nCOPY a /a\nENV X=1\n";

	ctx_write(&x->f, "a", "content");
	bfix_build_ok(&x->f, df, NULL, &r);
	/* the tagged image uses every entry: the default prune keeps them */
	assert_ok(prune(x, false, 0, &freed, &n, &err), err);
	assert_int_equal(n, 0);
	bfix_build_ok(&x->f, df, NULL, &r);
	assert_int_equal(r.cached, 2);
	/* --all empties the cache: the next build runs every step again */
	assert_ok(prune(x, true, 0, &freed, &n, &err), err);
	assert_int_equal(n, 2);
	bfix_build_ok(&x->f, df, NULL, &r);
	assert_int_equal(r.cached, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_drops_dangling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_entry_is_dangling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_storage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_storage_shared_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_real_build, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
