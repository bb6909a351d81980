/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include <sys/wait.h>

/*
 * RUN (run.c) for real: a busybox base image made by
 * tests/fixtures/mkbase-busybox and imported into the temp store, then
 * builds whose RUN steps execute in the runtime. Checks the output events,
 * the layer of the changes, failures, the ARGs a RUN sees (and its cache
 * key), and --mount bind/cache.
 */

static int setup(void **state)
{
	struct bfix *f = calloc(1, sizeof(*f));
	struct berth_error *err = NULL;
	struct berth_store *s = NULL;
	struct berth_digest id;
	const char *src = getenv("BERTH_TEST_SRCDIR");

	assert_non_null(src);
	bfix_setup(f);
	char *tar = berth_xasprintf("%s/busybox.tar", f->dir);
	char *cmd = berth_xasprintf("'%s/tests/fixtures/mkbase-busybox' '%s'", src, tar);
	int st = system(cmd);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(cmd);
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_ok(berth_store_open(f->store, &s, &err), err);
	assert_ok(berth_image_import(s, fd,
				     &(struct berth_image_import_options){.source = tar,
									  .name = "busybox:test",
									  .changes = NULL,
									  .message = NULL},
				     &id, &err),
		  err);
	close(fd);
	berth_store_free(s);
	free(tar);
	ctx_write(f, "a.txt", "from the context");
	*state = f;
	return 0;
}

static void test_run_output_and_layer(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;

	bfix_build_ok(f,
		      "FROM busybox:test\n"
		      "RUN echo to-stdout && echo to-stderr >&2 && echo content > /made "
		      "&& rm /etc/hostname\n",
		      NULL, &r);
	assert_int_equal(bfix_count_events(f, "OUTPUT", "to-stdout"), 1);
	assert_int_equal(bfix_count_events(f, "OUTPUT", "to-stderr"), 1);
	size_t n = bfix_n_layers(f, "test:latest");
	assert_int_equal(n, 2);
	char **l = bfix_layer(f, "test:latest", 1);
	assert_has(l, "made f 0644 0:0 =content\n");
	/* a deletion is a whiteout */
	assert_has(l, "etc/.wh.hostname f 0000 0:0 =");
	berth_strv_free(l);
	/* nothing stays mounted after the build */
	assert_int_equal(bfix_mounts_below(f->dir), 0);

	/* the exec form runs without a shell; USER applies */
	bfix_build_ok(
		f, "FROM busybox:test\nUSER app\nRUN [\"/bin/sh\", \"-c\", \"id -u > /tmp/u\"]\n",
		NULL, &r);
	l = bfix_layer(f, "test:latest", 1);
	assert_has(l, "tmp/u f 0644 1000:1000 =1000\n");
	berth_strv_free(l);
}

static void test_run_failure(void **state)
{
	struct bfix *f = *state;

	bfix_build_fails(f, "FROM busybox:test\nRUN echo last words && exit 3\n", NULL, EINVAL,
			 "Dockerfile:2: 'RUN echo last words && exit 3': process \"/bin/sh -c "
			 "echo last words && exit 3\" did not complete successfully: exit code: 3");
	/* the last lines of output are in the error */
	bfix_build_fails(f, "FROM busybox:test\nRUN echo last words && exit 3\n", NULL, EINVAL,
			 "; last output:\n  last words");
	assert_int_equal(bfix_count_events(f, "ERROR", NULL), 1);
	assert_int_equal(bfix_mounts_below(f->dir), 0);
}

static void test_run_args_and_key(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;
	const char *df = "FROM busybox:test\nRUN echo before > /b\nARG V\nRUN echo \"v=$V\" > /v\n";
	char *v1[] = {"V=1", NULL}, *v2[] = {"V=2", NULL};
	struct berth_build_options o1 = {.build_args = v1}, o2 = {.build_args = v2};

	bfix_build_ok(f, df, &o1, &r);
	char **l = bfix_layer(f, "test:latest", 2);
	assert_has(l, "v f 0644 0:0 =v=1\n");
	berth_strv_free(l);
	/* the ARG is in the RUN's environment, not in the image's */
	json_t *cfg = bfix_config(f, "test:latest");
	json_t *env = json_object_get(json_object_get(cfg, "config"), "Env");
	size_t i;
	json_t *e;
	json_array_foreach (env, i, e)
		assert_false(strncmp(json_string_value(e), "V=", 2) == 0);
	json_decref(cfg);

	/* the same value: both RUNs (and the ARG) hit; another: only the RUN that sees V misses */
	bfix_build_ok(f, df, &o1, &r);
	assert_int_equal(r.cached, 3);
	assert_int_equal(bfix_count_events(f, "OUTPUT", NULL), 0);
	bfix_build_ok(f, df, &o2, &r);
	assert_true(bfix_step_cached(f, "] RUN echo before > /b"));
	assert_false(bfix_step_cached(f, "] RUN echo \"v=$V\" > /v"));
	l = bfix_layer(f, "test:latest", 2);
	assert_has(l, "v f 0644 0:0 =v=2\n");
	berth_strv_free(l);
}

static void test_run_mounts(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;
	struct berth_build_options nocache = {.no_cache = true};

	/* a bind mount of the context: readable, and not part of the layer */
	bfix_build_ok(f,
		      "FROM busybox:test\n"
		      "RUN --mount=type=bind,source=a.txt,target=/in/a.txt cat /in/a.txt > /copy\n",
		      NULL, &r);
	char **l = bfix_layer(f, "test:latest", 1);
	assert_has(l, "copy f 0644 0:0 =from the context");
	assert_no_prefix(l, "in/a.txt");
	berth_strv_free(l);

	/* a cache mount outlives the build (even with --no-cache) */
	const char *df = "FROM busybox:test\n"
			 "RUN --mount=type=cache,target=/c sh -c 'echo run >> /c/log; wc -l < "
			 "/c/log > /count'\n";
	bfix_build_ok(f, df, &nocache, &r);
	l = bfix_layer(f, "test:latest", 1);
	assert_has(l, "count f 0644 0:0 =1\n");
	assert_no_prefix(l, "c/log");
	berth_strv_free(l);
	bfix_build_ok(f, df, &nocache, &r);
	l = bfix_layer(f, "test:latest", 1);
	assert_has(l, "count f 0644 0:0 =2\n");
	berth_strv_free(l);

	bfix_build_fails(f, "FROM busybox:test\nRUN --mount=type=bind,bogus=1,target=/x true\n",
			 NULL, EINVAL, "unexpected key 'bogus'");
	bfix_build_fails(f, "FROM busybox:test\nRUN --mount=type=cache,target=rel true\n", NULL,
			 EINVAL, "mount target 'rel' must be absolute");
	bfix_build_fails(f, "FROM busybox:test\nRUN --mount=type=weird,target=/x true\n", NULL,
			 EINVAL, "Dockerfile:2");
	bfix_build_fails(f, "FROM busybox:test\nRUN --network=bridge true\n", NULL, EINVAL,
			 "network mode 'bridge' is not supported");
	assert_int_equal(bfix_mounts_below(f->dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_output_and_layer, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_run_failure, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_run_args_and_key, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_run_mounts, setup, bfix_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
