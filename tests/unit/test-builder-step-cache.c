/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include <dirent.h>
#include <pthread.h>

#include "builder/internal.h"

/*
 * step-cache.c stores whole image states under cache/build/<key>.json. The
 * first tests drive bcache_* directly; the others build real Dockerfiles
 * (FROM scratch: no base image, no mounts) twice and show what changes a
 * step's cache key (instructions.c derives it, step-cache.c looks it up) and what
 * must not.
 */

/* A state with one layer whose blob is really in the store (content distinguishes them). */
static void make_state(struct bstore *s, const char *content, struct bimage *ret)
{
	struct berth_error *err = NULL;
	struct bstore_writer *w = NULL;
	struct blayer l = {.media_type = "application/vnd.oci.image.layer.v1.tar"};

	assert_ok(bstore_writer_begin(s, &w, &err), err);
	assert_ok(bstore_writer_sink(w, content, strlen(content), &err), err);
	assert_ok(bstore_writer_commit(s, w, &l.digest, &l.size, &err), err);
	assert_ok(bstore_sync(s, &err), err);
	berth_digest_of(content, strlen(content), &l.diff_id);
	bimage_init_scratch(ret);
	json_object_set_new(bimage_cfg(ret), "User", json_string(content));
	bimage_add_layer(ret, &l);
}

static void key_of(const char *s, struct berth_digest *ret)
{
	berth_digest_of(s, strlen(s), ret);
}

static void test_put_get_roundtrip(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct bstore *s = NULL;
	struct bimage im, got;
	struct berth_digest k1, k2;
	char hex[65], *path;
	struct stat st;

	assert_ok(bstore_open(f->handle, &s, &err), err);
	make_state(s, "layer one", &im);
	key_of("k1", &k1);
	key_of("k2", &k2);

	/* an empty cache: a miss, not an error; the directory is made on demand */
	assert_int_equal(bcache_get(s, &k1, &got, &err), 0);
	assert_null(err);
	path = berth_xasprintf("%s/cache/build", f->store);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	free(path);

	assert_ok(bcache_put(s, &k1, &im, &err), err);
	path = berth_xasprintf("%s/cache/build/%s.json", f->store, berth_digest_hex(&k1, hex));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(path);

	assert_int_equal(bcache_get(s, &k1, &got, &err), 1);
	assert_true(json_equal(got.config, im.config));
	assert_int_equal(got.n_layers, 1);
	assert_true(berth_digest_eq(&got.layers[0].digest, &im.layers[0].digest));
	assert_true(berth_digest_eq(&got.layers[0].diff_id, &im.layers[0].diff_id));
	assert_int_equal(got.layers[0].size, strlen("layer one"));
	bimage_release(&got);
	/* another key is still a miss */
	assert_int_equal(bcache_get(s, &k2, &got, &err), 0);

	/* a put replaces the entry of its key */
	struct bimage im2;
	make_state(s, "layer two", &im2);
	assert_ok(bcache_put(s, &k1, &im2, &err), err);
	assert_int_equal(bcache_get(s, &k1, &got, &err), 1);
	assert_string_equal(json_string_value(json_object_get(bimage_cfg(&got), "User")),
			    "layer two");
	bimage_release(&got);
	bimage_release(&im2);
	bimage_release(&im);
	bstore_free(s);
}

static void write_entry(struct bfix *f, const struct berth_digest *k, const char *data)
{
	char hex[65];
	char *path = berth_xasprintf("%s/cache/build/%s.json", f->store, berth_digest_hex(k, hex));
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(data, fp);
	fclose(fp);
	free(path);
}

static void test_damaged_and_stale_entries_miss(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct bstore *s = NULL;
	struct bimage im, got;
	struct berth_digest k;

	assert_ok(bstore_open(f->handle, &s, &err), err);
	make_state(s, "some layer", &im);
	key_of("damaged", &k);
	int dfd = bcache_dir(s, &err);
	assert_ok(dfd, err);
	close(dfd);

	/* not JSON, JSON of the wrong shape, an empty file: misses without an error */
	const char *bad[] = {"{not json", "[1,2]", "", "{\"config\":{},\"layers\":[{}]}", NULL};
	for (const char **b = bad; *b; b++) {
		write_entry(f, &k, *b);
		assert_int_equal(bcache_get(s, &k, &got, &err), 0);
		assert_null(err);
	}

	/* an entry whose layer blob was collected is stale: a miss */
	json_t *j = bimage_to_json(&im);
	char *text = json_dumps(j, 0);
	json_decref(j);
	write_entry(f, &k, text);
	assert_int_equal(bcache_get(s, &k, &got, &err), 1);
	bimage_release(&got);
	char hex[65];
	char *blob = berth_xasprintf("%s/blobs/sha256/%s", f->store,
				     berth_digest_hex(&im.layers[0].digest, hex));
	assert_int_equal(unlink(blob), 0);
	free(blob);
	assert_int_equal(bcache_get(s, &k, &got, &err), 0);
	assert_null(err);
	free(text);
	bimage_release(&im);
	bstore_free(s);
}

static void test_get_marks_use(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct bstore *s = NULL;
	struct bimage im, got;
	struct berth_digest k;
	char hex[65];
	struct stat st;

	assert_ok(bstore_open(f->handle, &s, &err), err);
	make_state(s, "used", &im);
	key_of("used", &k);
	assert_ok(bcache_put(s, &k, &im, &err), err);
	char *path = berth_xasprintf("%s/cache/build/%s.json", f->store, berth_digest_hex(&k, hex));
	struct timespec old[2] = {{.tv_sec = 1000000}, {.tv_sec = 1000000}};
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	/* prune --keep-storage removes the least recently used: a hit refreshes the mtime */
	assert_int_equal(bcache_get(s, &k, &got, &err), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_mtime > 1000000 + 86400);
	bimage_release(&got);
	free(path);
	bimage_release(&im);
	bstore_free(s);
}

struct hammer {
	struct bstore *s;
	struct bimage *states;
	int id;
	int hits, bad;
};

#define N_THREADS 4
#define N_ROUNDS  50

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	struct berth_error *err = NULL;
	struct berth_digest shared, own;
	char name[32];

	key_of("shared", &shared);
	snprintf(name, sizeof(name), "own-%d", h->id);
	key_of(name, &own);
	for (int i = 0; i < N_ROUNDS; i++) {
		struct bimage got;
		if (bcache_put(h->s, &shared, &h->states[h->id], &err) < 0)
			h->bad++;
		if (bcache_put(h->s, &own, &h->states[h->id], &err) < 0)
			h->bad++;
		berth_error_free(&err);
		/* the shared entry is always one whole state of some thread, never a mix */
		if (bcache_get(h->s, &shared, &got, &err) == 1) {
			bool whole = false;
			for (int t = 0; t < N_THREADS; t++)
				whole |= json_equal(got.config, h->states[t].config) &&
					 berth_digest_eq(&got.layers[0].digest,
							 &h->states[t].layers[0].digest);
			h->hits += whole;
			h->bad += !whole;
			bimage_release(&got);
		} else {
			h->bad++;
		}
		if (bcache_get(h->s, &own, &got, &err) == 1) {
			h->bad += !json_equal(got.config, h->states[h->id].config);
			bimage_release(&got);
		} else {
			h->bad++;
		}
		berth_error_free(&err);
	}
	return NULL;
}

static void test_concurrent_put_get(void **state)
{
	struct bfix *f = *state;
	struct berth_error *err = NULL;
	struct bstore *s = NULL;
	struct bimage states[N_THREADS];
	struct hammer h[N_THREADS];
	pthread_t tid[N_THREADS];

	assert_ok(bstore_open(f->handle, &s, &err), err);
	for (int t = 0; t < N_THREADS; t++) {
		char c[16];
		snprintf(c, sizeof(c), "state %d", t);
		make_state(s, c, &states[t]);
	}
	for (int t = 0; t < N_THREADS; t++) {
		h[t] = (struct hammer){.s = s, .states = states, .id = t};
		assert_int_equal(pthread_create(&tid[t], NULL, hammer_main, &h[t]), 0);
	}
	for (int t = 0; t < N_THREADS; t++) {
		assert_int_equal(pthread_join(tid[t], NULL), 0);
		assert_int_equal(h[t].bad, 0);
		assert_int_equal(h[t].hits, N_ROUNDS);
	}
	/* nothing but the entries is left: no temp files of the atomic writes */
	char *dir = berth_xasprintf("%s/cache/build", f->store);
	char **names = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			berth_strv_push(&names, de->d_name);
	closedir(d);
	assert_int_equal(berth_strv_len(names), N_THREADS + 1);
	BERTH_STRV_FOREACH (n, names)
		assert_non_null(strstr(*n, ".json"));
	berth_strv_free(names);
	free(dir);
	for (int t = 0; t < N_THREADS; t++)
		bimage_release(&states[t]);
	bstore_free(s);
}

static const char *const copy_df = "FROM scratch\n"
				   "COPY src /app\n"
				   "ENV A=1\n";

static void copy_context(struct bfix *f)
{
	ctx_mkdir(f, "src");
	ctx_write(f, "src/main.c", "int main(void) { return 0; }\n");
	ctx_write(f, "src/ignored.log", "noise\n");
	ctx_write(f, ".dockerignore", "src/*.log\n");
}

static void test_key_unchanged(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r1, r2;
	char *args[] = {"UNUSED=1", NULL};
	struct berth_build_options o = {.build_args = args};

	copy_context(f);
	bfix_build_ok(f, copy_df, NULL, &r1);
	assert_int_equal(r1.cached, 0);
	assert_int_equal(r1.steps, 3);
	assert_false(bfix_step_cached(f, "] COPY src /app"));

	/* the same inputs: every step after FROM is a hit, the same image */
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_int_equal(r2.cached, 2);
	assert_true(bfix_step_cached(f, "] COPY src /app"));
	assert_true(bfix_step_cached(f, "] ENV A=1"));
	assert_true(berth_digest_eq(&r1.image_id, &r2.image_id));

	/* mtimes are not contents */
	ctx_touch(f, "src/main.c", 1234567);
	ctx_touch(f, "src", 7654321);
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_int_equal(r2.cached, 2);
	assert_true(berth_digest_eq(&r1.image_id, &r2.image_id));

	/* a file .dockerignore excludes changes nothing, even if it is new */
	ctx_write(f, "src/ignored.log", "other noise\n");
	ctx_write(f, "src/new.log", "more\n");
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_int_equal(r2.cached, 2);
	assert_true(berth_digest_eq(&r1.image_id, &r2.image_id));

	/* a file outside the COPY sources changes nothing */
	ctx_write(f, "README", "hello\n");
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_int_equal(r2.cached, 2);

	/* a build arg no ARG declares is seen by no step (and is reported unused) */
	bfix_build_ok(f, copy_df, &o, &r2);
	assert_int_equal(r2.cached, 2);
	assert_true(berth_digest_eq(&r1.image_id, &r2.image_id));
	assert_int_equal(bfix_count_events(f, "WARNING", "[UNUSED] were not consumed"), 1);
}

static void test_key_changes(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r1, r2;
	struct berth_build_options nocache = {.no_cache = true};

	copy_context(f);
	bfix_build_ok(f, copy_df, NULL, &r1);

	/* new content: COPY misses, and so does every step after it */
	ctx_write(f, "src/main.c", "int main(void) { return 1; }\n");
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_int_equal(r2.cached, 0);
	assert_false(berth_digest_eq(&r1.image_id, &r2.image_id));
	/* and the old content is still cached */
	ctx_write(f, "src/main.c", "int main(void) { return 0; }\n");
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_int_equal(r2.cached, 2);
	assert_true(berth_digest_eq(&r1.image_id, &r2.image_id));

	/* a mode */
	ctx_write_mode(f, "src/main.c", "int main(void) { return 0; }\n", 0755);
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_false(bfix_step_cached(f, "] COPY src /app"));
	ctx_write_mode(f, "src/main.c", "int main(void) { return 0; }\n", 0644);

	/* a new file in a copied directory, and a renamed one */
	ctx_write(f, "src/util.c", "\n");
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_false(bfix_step_cached(f, "] COPY src /app"));
	char *a = berth_xasprintf("%s/src/util.c", f->ctx),
	     *b = berth_xasprintf("%s/src/u.c", f->ctx);
	assert_int_equal(rename(a, b), 0);
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_false(bfix_step_cached(f, "] COPY src /app"));
	assert_int_equal(unlink(b), 0);
	free(a);
	free(b);

	/* back to the first inputs: all hits again */
	bfix_build_ok(f, copy_df, NULL, &r2);
	assert_int_equal(r2.cached, 2);

	/* the text of a step: that step and those after it miss, those before hit */
	bfix_build_ok(f, "FROM scratch\nCOPY src /app\nENV A=2\n", NULL, &r2);
	assert_true(bfix_step_cached(f, "] COPY src /app"));
	assert_false(bfix_step_cached(f, "] ENV A=2"));
	/* a different destination is a different step */
	bfix_build_ok(f, "FROM scratch\nCOPY src /srv\nENV A=1\n", NULL, &r2);
	assert_int_equal(r2.cached, 0);

	/* --no-cache looks nothing up */
	bfix_build_ok(f, copy_df, &nocache, &r2);
	assert_int_equal(r2.cached, 0);
	assert_int_equal(bfix_count_events(f, "CACHED", NULL), 0);
}

static void test_key_build_args(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;
	const char *df = "ARG GLOBAL=g\n"
			 "FROM scratch\n"
			 "ENV BEFORE=$V\n"
			 "ARG V\n"
			 "ENV AFTER=$V\n"
			 "ENV G=$GLOBAL\n";
	char *v1[] = {"V=1", NULL}, *v2[] = {"V=2", NULL}, *g2[] = {"V=2", "GLOBAL=h", NULL};
	struct berth_build_options o1 = {.build_args = v1}, o2 = {.build_args = v2},
				   og = {.build_args = g2};

	bfix_build_ok(f, df, &o1, &r);
	json_t *cfg = bfix_config(f, "test:latest");
	json_t *env = json_object_get(json_object_get(cfg, "config"), "Env");
	bool after = false, before = false, g = false;
	size_t i;
	json_t *e;
	json_array_foreach (env, i, e) {
		after |= strcmp(json_string_value(e), "AFTER=1") == 0;
		before |= strcmp(json_string_value(e), "BEFORE=") == 0;
		g |= strcmp(json_string_value(e), "G=") == 0;
	}
	/* a global ARG is not visible in a stage that does not redeclare it */
	assert_true(after && before && g);
	json_decref(cfg);

	/* another value of V: the steps before ARG V cannot see it and hit */
	bfix_build_ok(f, df, &o2, &r);
	assert_true(bfix_step_cached(f, "] ENV BEFORE=$V"));
	assert_false(bfix_step_cached(f, "] ENV AFTER=$V"));
	assert_false(bfix_step_cached(f, "] ENV G=$GLOBAL"));
	/* the global ARG's value is invisible to the stage: nothing more misses */
	bfix_build_ok(f, df, &og, &r);
	assert_int_equal(r.cached, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_roundtrip, bfix_state_setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_damaged_and_stale_entries_miss,
						bfix_state_setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_get_marks_use, bfix_state_setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_put_get, bfix_state_setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_key_unchanged, bfix_state_setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_key_changes, bfix_state_setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_key_build_args, bfix_state_setup,
						bfix_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
