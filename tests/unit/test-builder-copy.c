/* SPDX-License-Identifier: Apache-2.0 */
#include "builder-fixture.h"

/*
 * COPY and ADD (copy.c), built for real into a temp store: FROM scratch
 * needs no base image, and the layer each COPY writes is read back from
 * the store with libarchive.
 */

static int setup(void **state)
{
	struct bfix *f = calloc(1, sizeof(*f));
	bfix_setup(f);
	ctx_mkdir(f, "src");
	ctx_mkdir(f, "src/sub");
	ctx_write(f, "a.txt", "A");
	ctx_write(f, "b.txt", "B");
	ctx_write(f, "c.md", "C");
	ctx_write_mode(f, "run.sh", "#!/bin/sh\n", 0755);
	ctx_write(f, "src/main.c", "main");
	ctx_write(f, "src/README.md", "readme");
	ctx_write(f, "src/sub/deep.c", "deep");
	ctx_symlink(f, "main.c", "src/link");
	ctx_symlink(f, "/etc/passwd", "abs-link");
	ctx_symlink(f, "../../outside", "up-link");
	ctx_symlink(f, "a.txt", "in-link");
	*state = f;
	return 0;
}

/* Builds FROM scratch + the given lines; returns the entries of the last layer. */
static char **copy_layer(struct bfix *f, const char *lines, const struct berth_build_options *o)
{
	struct berth_build_result r;
	char *df = berth_xasprintf("FROM scratch\n%s", lines);
	bfix_build_ok(f, df, o, &r);
	free(df);
	size_t n = bfix_n_layers(f, "test:latest");
	assert_true(n > 0);
	return bfix_layer(f, "test:latest", n - 1);
}

static void test_file_and_trailing_slash(void **state)
{
	struct bfix *f = *state;
	char **l;

	/* to a name: the file gets that name */
	l = copy_layer(f, "COPY a.txt /dst\n", NULL);
	assert_has(l, "dst f 0644 0:0 =A");
	assert_no_prefix(l, "dst/");
	berth_strv_free(l);

	/* to a directory ("/" at the end): the file keeps its name */
	l = copy_layer(f, "COPY a.txt /dst/\n", NULL);
	assert_has(l, "dst/a.txt f 0644 0:0 =A");
	berth_strv_free(l);

	/* "." and "/." are directories too; the mode of the source is kept */
	l = copy_layer(f, "COPY run.sh /opt/.\n", NULL);
	assert_has(l, "opt/run.sh f 0755 0:0 =#!/bin/sh\n");
	berth_strv_free(l);

	/* "/" is the root directory */
	l = copy_layer(f, "COPY a.txt /\n", NULL);
	assert_has(l, "a.txt f 0644 0:0 =A");
	berth_strv_free(l);

	/* several sources make the destination a directory */
	l = copy_layer(f, "COPY a.txt b.txt /many\n", NULL);
	assert_has(l, "many/a.txt f 0644 0:0 =A");
	assert_has(l, "many/b.txt f 0644 0:0 =B");
	berth_strv_free(l);

	/* a relative destination is below WORKDIR; source paths are cleaned */
	l = copy_layer(f, "WORKDIR /w\nCOPY ./src//main.c /./a.txt rel/\n", NULL);
	assert_has(l, "w/rel/main.c f 0644 0:0 =main");
	assert_has(l, "w/rel/a.txt f 0644 0:0 =A");
	berth_strv_free(l);
}

static void test_directories(void **state)
{
	struct bfix *f = *state;
	char **l;

	/* a directory's contents are copied, not the directory itself */
	l = copy_layer(f, "COPY src /app\n", NULL);
	assert_has(l, "app/main.c f 0644 0:0 =main");
	assert_has(l, "app/sub/deep.c f 0644 0:0 =deep");
	assert_has(l, "app/sub/ d 0755 0:0");
	/* inside a copied directory a symlink stays a symlink */
	assert_has(l, "app/link l 0777 0:0 ->main.c");
	assert_no_prefix(l, "app/src");
	berth_strv_free(l);

	/* "." is the whole context (Dockerfile included) */
	l = copy_layer(f, "COPY . /all/\n", NULL);
	assert_has(l, "all/a.txt f 0644 0:0 =A");
	assert_has(l, "all/src/sub/deep.c f 0644 0:0 =deep");
	assert_has(l, "all/abs-link l 0777 0:0 ->/etc/passwd");
	berth_strv_free(l);

	/* --parents keeps the source's path */
	l = copy_layer(f, "COPY --parents src/sub/deep.c a.txt /p/\n", NULL);
	assert_has(l, "p/src/sub/deep.c f 0644 0:0 =deep");
	assert_has(l, "p/a.txt f 0644 0:0 =A");
	berth_strv_free(l);
}

static void test_wildcards_and_exclude(void **state)
{
	struct bfix *f = *state;
	char **l;

	l = copy_layer(f, "COPY *.txt /w/\n", NULL);
	assert_has(l, "w/a.txt f 0644 0:0 =A");
	assert_has(l, "w/b.txt f 0644 0:0 =B");
	assert_no_prefix(l, "w/c.md");
	berth_strv_free(l);

	/* a wildcard makes the destination a directory even without "/" */
	l = copy_layer(f, "COPY ?.md /single\n", NULL);
	assert_has(l, "single/c.md f 0644 0:0 =C");
	berth_strv_free(l);

	l = copy_layer(f, "COPY src/*.[ch] [ab].txt /x/\n", NULL);
	assert_has(l, "x/main.c f 0644 0:0 =main");
	assert_has(l, "x/a.txt f 0644 0:0 =A");
	assert_no_prefix(l, "x/README.md");
	berth_strv_free(l);

	/* --exclude drops what it matches, in files named and in directories */
	l = copy_layer(f, "COPY --exclude=*.md --exclude=sub src /e\n", NULL);
	assert_has(l, "e/main.c f 0644 0:0 =main");
	assert_no_prefix(l, "e/README.md");
	assert_no_prefix(l, "e/sub");
	berth_strv_free(l);

	bfix_build_fails(f, "FROM scratch\nCOPY *.none /x/\n", NULL, ENOENT,
			 "Dockerfile:2: 'COPY *.none /x/': no source files were specified");
}

static void test_chown_chmod(void **state)
{
	struct bfix *f = *state;
	char **l;

	l = copy_layer(f, "COPY --chown=1000:1001 --chmod=0640 a.txt src /o/\n", NULL);
	assert_has(l, "o/a.txt f 0640 1000:1001 =A");
	assert_has(l, "o/main.c f 0640 1000:1001 =main");
	berth_strv_free(l);

	/* a uid alone is also the gid; ARGs expand in the flags */
	l = copy_layer(f, "ARG U=4242\nARG M=600\nCOPY --chown=$U --chmod=$M b.txt /b\n", NULL);
	assert_has(l, "b f 0600 4242:4242 =B");
	berth_strv_free(l);

	/* the owner is part of the key: another --chown is another layer */
	struct berth_build_result r;
	bfix_build_ok(f, "FROM scratch\nCOPY --chown=1:1 a.txt /a\n", NULL, &r);
	bfix_build_ok(f, "FROM scratch\nCOPY --chown=2:2 a.txt /a\n", NULL, &r);
	assert_int_equal(r.cached, 0);
	l = bfix_layer(f, "test:latest", 0);
	assert_has(l, "a f 0644 2:2 =A");
	berth_strv_free(l);

	bfix_build_fails(f, "FROM scratch\nCOPY --chmod=u+x a.txt /a\n", NULL, EINVAL,
			 "Dockerfile:2: 'COPY --chmod=u+x a.txt /a': invalid chmod parameter "
			 "'u+x'");
	bfix_build_fails(f, "FROM scratch\nCOPY --chmod=17777 a.txt /a\n", NULL, EINVAL,
			 "invalid chmod parameter '17777'");
}

static void test_heredoc(void **state)
{
	struct bfix *f = *state;
	char **l;

	l = copy_layer(f,
		       "ARG WHO=world\n"
		       "COPY <<EOF /hello\nhi $WHO\nEOF\n"
		       "COPY <<'RAW' <<EOF2 /docs/\nraw $WHO\nRAW\nsecond\nEOF2\n",
		       NULL);
	assert_has(l, "docs/RAW f 0644 0:0 =raw $WHO\n");
	assert_has(l, "docs/EOF2 f 0644 0:0 =second\n");
	berth_strv_free(l);
	l = bfix_layer(f, "test:latest", 0);
	assert_has(l, "hello f 0644 0:0 =hi world\n");
	berth_strv_free(l);
}

static void test_outside_context_refused(void **state)
{
	struct bfix *f = *state;
	char **l;

	bfix_build_fails(f, "FROM scratch\nCOPY ../x /x\n", NULL, EXDEV,
			 "Dockerfile:2: 'COPY ../x /x'");
	bfix_build_fails(f, "FROM scratch\nCOPY src/../../x /x\n", NULL, EXDEV,
			 "outside the build context");
	/* an absolute symlink named as a source resolves beneath the context: an escape */
	bfix_build_fails(f, "FROM scratch\nCOPY abs-link /x\n", NULL, EXDEV, "source 'abs-link'");
	bfix_build_fails(f, "FROM scratch\nCOPY up-link /x\n", NULL, EXDEV, "source 'up-link'");
	/* a link that stays inside is followed: the file's content, under the dest name */
	l = copy_layer(f, "COPY in-link /followed\n", NULL);
	assert_has(l, "followed f 0644 0:0 =A");
	berth_strv_free(l);
	/* a source that does not exist names itself and what is close */
	bfix_build_fails(f, "FROM scratch\nCOPY a.tx /x\n", NULL, ENOENT,
			 "'a.tx' not found in the build context");
	/* .dockerignore hides files from COPY as if they did not exist */
	ctx_write(f, ".dockerignore", "c.md\n");
	bfix_build_fails(f, "FROM scratch\nCOPY c.md /x\n", NULL, ENOENT,
			 "'c.md' not found in the build context");
}

static void test_bad_instructions(void **state)
{
	struct bfix *f = *state;

	bfix_build_fails(f, "FROM scratch\nCOPY a.txt\n", NULL, EINVAL,
			 "COPY requires at least two arguments");
	bfix_build_fails(f, "FROM scratch\nADD --checksum=sha256:00 a.txt /x\n", NULL, EINVAL,
			 "Dockerfile:2: 'ADD --checksum=sha256:00 a.txt /x': checksum can't be "
			 "specified for non-HTTP(S) sources");
	bfix_build_fails(f, "FROM scratch\nCOPY --from=nowhere-image-zz /a /a\n", NULL, ENOENT,
			 "Dockerfile:2");
}

static void test_copy_from_stage(void **state)
{
	struct bfix *f = *state;
	char **l;

	struct berth_build_result r;
	bfix_build_ok(f,
		      "FROM scratch AS build\nCOPY src /out\nCOPY a.txt /out/a.txt\n"
		      "FROM scratch\nCOPY --from=build /out/main.c /out/a.txt /final/\n",
		      NULL, &r);
	assert_int_equal(bfix_n_layers(f, "test:latest"), 1);
	l = bfix_layer(f, "test:latest", 0);
	assert_has(l, "final/main.c f 0644 0:0 =main");
	assert_has(l, "final/a.txt f 0644 0:0 =A");
	berth_strv_free(l);
	/* the views of the stage were unmounted */
	assert_int_equal(bfix_mounts_below(f->dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_and_trailing_slash, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_directories, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_wildcards_and_exclude, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_chown_chmod, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_heredoc, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_outside_context_refused, setup,
						bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_bad_instructions, setup, bfix_state_teardown),
		cmocka_unit_test_setup_teardown(test_copy_from_stage, setup, bfix_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
