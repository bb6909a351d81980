/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

#include <dirent.h>
#include <sys/mman.h>

#include "builder/internal.h"

/*
 * berth_build() itself (build.c): option validation, reading the context
 * and the Dockerfile (directory, stdin, tar on stdin), errors that name the
 * Dockerfile line, labels and tags of the result, and the cleanup of a
 * failed build. FROM scratch throughout: no base image, no network.
 */

static int setup(void **state)
{
	struct bfix *f = calloc(1, sizeof(*f));
	bfix_setup(f);
	ctx_write(f, "a.txt", "A");
	*state = f;
	return 0;
}

static const char *const ok_df = "FROM scratch\nCOPY a.txt /a\n";

static void test_bad_tags(void **state)
{
	struct bfix *f = *state;
	const char *bad[] = {"Upper:1", "x:", "x:-lead", "sp ace", "x:tag!", ":only", NULL};
	for (const char **t = bad; *t; t++) {
		char *tags[] = {"fine:1", (char *)*t, NULL};
		struct berth_build_options o = {.tags = tags};
		char *want = berth_xasprintf("invalid tag '%s'", *t);
		bfix_build_fails(f, ok_df, &o, EINVAL, want);
		free(want);
	}
	/* rejected before anything is built or stored */
	char *p = berth_xasprintf("%s/cache/build", f->store);
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);

	/* a registry with a port, a path, a tag: accepted, and each resolves */
	char *good[] = {"reg.example:5000/ns/x:v1.2_3", "plain", "two/parts:latest", NULL};
	struct berth_build_options o = {.tags = good};
	struct berth_build_result r;
	bfix_build_ok(f, ok_df, &o, &r);
	for (char **t = good; *t; t++) {
		struct berth_image *img = bfix_image(f, *t);
		assert_true(berth_digest_eq(&img->id, &r.image_id));
		assert_true(berth_digest_eq(&img->manifest_digest, &r.manifest));
		berth_image_free(img);
	}
	assert_int_equal(bfix_count_events(f, "INFO", "naming to reg.example:5000/ns/x:v1.2_3"), 1);
	assert_int_equal(bfix_count_events(f, "STEP", "exporting to image"), 1);
}

static void test_bad_options(void **state)
{
	struct bfix *f = *state;
	char *noname[] = {"=v", NULL}, *unset[] = {"BERTH_TEST_SURELY_UNSET", NULL};
	/* loopback port 1: nothing listens, the lookup fails at once, offline */
	char *from[] = {"127.0.0.1:1/cache-image:1", NULL};
	struct berth_build_options o;

	o = (struct berth_build_options){.network = "bridge"};
	bfix_build_fails(f, ok_df, &o, EINVAL, "network mode 'bridge' is not supported");
	o = (struct berth_build_options){.build_args = noname};
	bfix_build_fails(f, ok_df, &o, EINVAL, "invalid build arg '=v': no name");
	unsetenv("BERTH_TEST_SURELY_UNSET");
	o = (struct berth_build_options){.build_args = unset};
	bfix_build_fails(f, ok_df, &o, EINVAL, "build arg 'BERTH_TEST_SURELY_UNSET' has no value");
	/* a cache source found nowhere is a warning, as Docker's, not a failure */
	o = (struct berth_build_options){.cache_from = from};
	{
		struct berth_build_result r;
		bfix_build_ok(f, ok_df, &o, &r);
		assert_int_equal(
			bfix_count_events(f, "WARNING",
					  "--cache-from '127.0.0.1:1/cache-image:1' is not used"),
			1);
	}

	/* the accepted network modes */
	const char *nets[] = {"default", "host", "none"};
	for (size_t i = 0; i < 3; i++) {
		struct berth_build_result r;
		o = (struct berth_build_options){.network = nets[i]};
		bfix_build_ok(f, ok_df, &o, &r);
	}
}

/*
 * The library reads no environment: a bare name (the CLI resolves
 * `--build-arg K` from its own environment) is refused, K=V is used.
 */
static void test_build_arg_bare_name(void **state)
{
	struct bfix *f = *state;
	char *bare[] = {"BERTH_TEST_FROM_ENV", NULL};
	struct berth_build_options o = {.build_args = bare};
	setenv("BERTH_TEST_FROM_ENV", "from the environment", 1);
	bfix_build_fails(f, "FROM scratch\nARG BERTH_TEST_FROM_ENV\n", &o, EINVAL,
			 "build arg 'BERTH_TEST_FROM_ENV' has no value");
	unsetenv("BERTH_TEST_FROM_ENV");

	char *args[] = {"BERTH_TEST_FROM_ENV=given", "HTTP_PROXY=http://proxy:3128", NULL};
	o.build_args = args;
	struct berth_build_result r;
	bfix_build_ok(f, "FROM scratch\nARG BERTH_TEST_FROM_ENV\nENV V=$BERTH_TEST_FROM_ENV\n", &o,
		      &r);
	json_t *cfg = bfix_config(f, "test:latest");
	json_t *env = json_object_get(json_object_get(cfg, "config"), "Env");
	bool found = false;
	size_t i;
	json_t *e;
	json_array_foreach (env, i, e)
		found |= strcmp(json_string_value(e), "V=given") == 0;
	assert_true(found);
	json_decref(cfg);
	/* proxy args need no ARG and are not reported unused */
	assert_int_equal(bfix_count_events(f, "WARNING", NULL), 0);
}

static void test_context_and_dockerfile(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;
	struct berth_error *err = NULL;
	struct berth_build_options o = {0};

	/* no context, a missing one, a file */
	o.context = NULL;
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "no build context given"));
	berth_error_free(&err);
	char *missing = berth_xasprintf("%s/nowhere", f->dir);
	o.context = missing;
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -ENOENT);
	assert_non_null(strstr(berth_error_msg(err), "unable to prepare context"));
	berth_error_free(&err);
	free(missing);
	char *file = berth_xasprintf("%s/a.txt", f->ctx);
	o.context = file;
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -ENOTDIR);
	assert_non_null(strstr(berth_error_msg(err), "is not a directory"));
	berth_error_free(&err);
	free(file);

	/* no Dockerfile in the context */
	o.context = f->ctx;
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -ENOENT);
	assert_non_null(strstr(berth_error_msg(err), "unable to read Dockerfile"));
	berth_error_free(&err);

	/* a lower-case "dockerfile" is found too */
	ctx_write(f, "dockerfile", "FROM scratch\nENV LOWER=1\n");
	assert_ok(berth_build(f->handle, &o, &r, &err), err);
	assert_int_equal(r.steps, 2);

	/* -f a directory; -f a file outside the context is fine */
	ctx_mkdir(f, "dir");
	o.dockerfile = berth_xasprintf("%s/dir", f->ctx);
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -EISDIR);
	assert_non_null(strstr(berth_error_msg(err), "is a directory"));
	berth_error_free(&err);
	free((char *)o.dockerfile);
	char *outside = berth_xasprintf("%s/Other.dockerfile", f->dir);
	FILE *fp = fopen(outside, "w");
	fputs("FROM scratch\nCOPY a.txt /from-outside\n", fp);
	fclose(fp);
	o.dockerfile = outside;
	assert_ok(berth_build(f->handle, &o, &r, &err), err);
	free(outside);

	/* -f names a file of the context that .dockerignore excludes */
	ctx_write(f, "Build.df", "FROM scratch\n");
	ctx_write(f, ".dockerignore", "*.df\n");
	o.dockerfile = berth_xasprintf("%s/Build.df", f->ctx);
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "is excluded by .dockerignore"));
	berth_error_free(&err);
	free((char *)o.dockerfile);
}

/* A pipe holding data, for options.stdin_fd. */
static int pipe_of(const void *data, size_t len)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void test_stdin(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;
	struct berth_error *err = NULL;
	char *tags[] = {"stdin:1", NULL};
	const char *df = "FROM scratch\nENV FROM_STDIN=1\n";

	/* a Dockerfile on stdin, no context: COPY has nothing to read */
	struct berth_build_options o = {.context = "-", .tags = tags};
	o.stdin_fd = pipe_of(df, strlen(df));
	assert_ok(berth_build(f->handle, &o, &r, &err), err);
	close(o.stdin_fd);
	assert_int_equal(r.context_files, 0);
	const char *cp = "FROM scratch\nCOPY a.txt /a\n";
	o.stdin_fd = pipe_of(cp, strlen(cp));
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -ENOENT);
	assert_non_null(strstr(berth_error_msg(err), "Dockerfile:2"));
	berth_error_free(&err);
	close(o.stdin_fd);

	/* a context directory with -f - */
	o = (struct berth_build_options){.context = f->ctx, .dockerfile = "-", .tags = tags};
	o.stdin_fd = pipe_of(cp, strlen(cp));
	assert_ok(berth_build(f->handle, &o, &r, &err), err);
	close(o.stdin_fd);

	/* both from stdin (as docker: refused before reading), or stdin plus another -f */
	o = (struct berth_build_options){.context = "-", .dockerfile = "-", .tags = tags};
	o.stdin_fd = pipe_of(df, strlen(df));
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "cannot both come from stdin"));
	berth_error_free(&err);
	close(o.stdin_fd);
	o = (struct berth_build_options){
		.context = "-", .dockerfile = "x/Dockerfile", .tags = tags};
	o.stdin_fd = pipe_of(df, strlen(df));
	assert_int_equal(berth_build(f->handle, &o, &r, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "-f must not name another one"));
	berth_error_free(&err);
	close(o.stdin_fd);
}

static void test_tar_context_on_stdin(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;
	struct berth_error *err = NULL;
	char *tags[] = {"tarctx:1", NULL};
	int fd = memfd_create("ctx", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	const char *files[][2] = {{"Dockerfile", "FROM scratch\nCOPY data/ /d/\n"},
				  {"data/x", "from the tar"}};

	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < 2; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, files[i][0]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(files[i][1]));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, files[i][1], strlen(files[i][1]));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	struct berth_build_options o = {.context = "-", .tags = tags, .stdin_fd = fd};
	assert_ok(berth_build(f->handle, &o, &r, &err), err);
	close(fd);
	assert_int_equal(r.context_files, 3); /* Dockerfile, data, data/x */
	char **l = bfix_layer(f, "tarctx:1", 0);
	assert_has(l, "d/x f 0644 0:0 =from the tar");
	berth_strv_free(l);
}

static void test_errors_name_the_line(void **state)
{
	struct bfix *f = *state;

	/* the parser's and the validator's errors */
	bfix_build_fails(f, "FROM scratch\nRUN <<EOF\nnever ends\n", NULL, EINVAL, "Dockerfile:2");
	bfix_build_fails(f, "FROM scratch\n\nBOGUS thing\n", NULL, EINVAL, "Dockerfile:3");
	bfix_build_fails(f, "FROM scratch\n   SHELL /bin/bash -c\n", NULL, EINVAL,
			 "Dockerfile:2:4: SHELL requires the arguments to be in JSON form");
	/* the builder's own errors quote the line (trimmed) */
	bfix_build_fails(f, "FROM scratch\n   COPY   --chmod=9 a.txt /a\n", NULL, EINVAL,
			 "Dockerfile:2: 'COPY   --chmod=9 a.txt /a': invalid chmod parameter '9'");
	/* a long line is cut in the quote */
	char *longdf = berth_xasprintf("FROM scratch\nCOPY --chmod=bad %0200d /x\n", 0);
	struct berth_error *err = NULL;
	struct berth_build_result r;
	assert_int_equal(bfix_build(f, longdf, NULL, &r, &err), -EINVAL);
	const char *msg = berth_error_msg(err);
	assert_non_null(strstr(msg, "Dockerfile:2: 'COPY --chmod=bad 000"));
	assert_non_null(strstr(msg, "...': invalid chmod parameter 'bad'"));
	berth_error_free(&err);
	free(longdf);
}

static void test_labels_and_result(void **state)
{
	struct bfix *f = *state;
	char *labels[] = {"org.example.a=1", "empty", "b=x=y", NULL};
	struct berth_build_options o = {.labels = labels};
	struct berth_build_result r;

	ctx_write(f, "b.txt", "B");
	bfix_build_ok(f, "FROM scratch\nLABEL from.file=yes\nCOPY a.txt b.txt /\n", &o, &r);
	json_t *cfg = bfix_config(f, "test:latest");
	json_t *l = json_object_get(json_object_get(cfg, "config"), "Labels");
	assert_string_equal(json_string_value(json_object_get(l, "org.example.a")), "1");
	assert_string_equal(json_string_value(json_object_get(l, "empty")), "");
	assert_string_equal(json_string_value(json_object_get(l, "b")), "x=y");
	assert_string_equal(json_string_value(json_object_get(l, "from.file")), "yes");
	json_decref(cfg);
	assert_int_equal(r.steps, 3);
	assert_int_equal(r.cached, 0);
	/* Dockerfile, a.txt, b.txt */
	assert_int_equal(r.context_files, 3);
	assert_true(r.hashed_bytes >= 2);
	/* the labels of --label are not part of any step: the steps stay cached */
	char *other[] = {"org.example.a=2", NULL};
	o.labels = other;
	bfix_build_ok(f, "FROM scratch\nLABEL from.file=yes\nCOPY a.txt b.txt /\n", &o, &r);
	assert_int_equal(r.cached, 2);
	cfg = bfix_config(f, "test:latest");
	l = json_object_get(json_object_get(cfg, "config"), "Labels");
	assert_string_equal(json_string_value(json_object_get(l, "org.example.a")), "2");
	json_decref(cfg);
}

static void test_failed_build_leaves_nothing(void **state)
{
	struct bfix *f = *state;
	struct berth_build_result r;

	/* the first step completes and stays cached; the failure removes the tmp dir */
	bfix_build_fails(f,
			 "FROM scratch AS one\nCOPY a.txt /a\nFROM scratch\nCOPY --from=one "
			 "/a /a\nCOPY missing /m\n",
			 NULL, ENOENT, "Dockerfile:5: 'COPY missing /m'");
	assert_int_equal(bfix_count_events(f, "ERROR", NULL), 1);
	char *tmp = berth_xasprintf("%s/tmp", f->store);
	DIR *d = opendir(tmp);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.')
			fail_msg("left behind: %s/%s", tmp, de->d_name);
	closedir(d);
	free(tmp);
	assert_int_equal(bfix_mounts_below(f->dir), 0);
	/* no tag was written */
	struct berth_store *s = NULL;
	struct berth_image *img = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_store_open(f->store, &s, &err), err);
	assert_int_equal(berth_image_resolve(s, "test:latest", &img, &err), -ENOENT);
	berth_error_free(&err);
	berth_store_free(s);
	bfix_build_ok(f, "FROM scratch AS one\nCOPY a.txt /a\n", NULL, &r);
	assert_int_equal(r.cached, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_tags, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_bad_options, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_build_arg_bare_name, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_context_and_dockerfile, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_stdin, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_tar_context_on_stdin, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_the_line, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_labels_and_result, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_failed_build_leaves_nothing, setup,
						bfix_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
