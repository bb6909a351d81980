/* SPDX-License-Identifier: Apache-2.0 */
#include "conformance.h"

#include <sys/stat.h>

#include "core/cleanup.h"
#include "ignore/ignore.h"

static void test_readall(void **state)
{
	(void)state;
	size_t len;
	_cleanup_free_ char *data =
		conformance_read("dockerignore/readall/TestReadAll.dockerignore", &len);
	_cleanup_strv_free_ char **want =
		conformance_lines("dockerignore/readall/TestReadAll.expected");
	_cleanup_strv_free_ char **got = NULL;
	struct berth_error *err = NULL;

	assert_ok(berth_ignore_parse(data, len, &got, &err), err);
	assert_int_equal(berth_strv_len(got), berth_strv_len(want));
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(got[i], want[i]);
	printf("# readall: 1 case run (%zu patterns)\n", berth_strv_len(want));

	/* no file at all: no patterns */
	berth_strv_free(got);
	got = NULL;
	assert_ok(berth_ignore_parse("", 0, &got, &err), err);
	assert_int_equal(berth_strv_len(got), 0);
}

static void test_parse_details(void **state)
{
	(void)state;
	const char in[] = "\xEF\xBB\xBF# bom then comment\r\n"
			  "  # not a comment\n"
			  "\xC2\xA0 nbsp-trimmed \xE3\x80\x80\n"
			  "/\n"
			  "!\t/abs/../x/\n"
			  "a\0b\n"
			  "./c/./d//\r\n";
	_cleanup_strv_free_ char **got = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_ignore_parse(in, sizeof(in) - 1, &got, &err), err);
	assert_int_equal(berth_strv_len(got), 5);
	assert_string_equal(got[0], "# not a comment");
	assert_string_equal(got[1], "nbsp-trimmed");
	assert_string_equal(got[2], "/");
	assert_string_equal(got[3], "!x");
	assert_string_equal(got[4], "c/d");

	_cleanup_free_ char *big = berth_xmalloc(70000);
	memset(big, 'a', 70000);
	berth_strv_free(got);
	got = NULL;
	assert_int_equal(berth_ignore_parse(big, 70000, &got, &err), -E2BIG);
	berth_error_free(&err);
}

static void test_clean(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{"", "."},	  {"/", "/"},
		{"//", "/"},	  {"a/", "a"},
		{"./a", "a"},	  {"a/./b", "a/b"},
		{"a/../b", "b"},  {"../a", "../a"},
		{"/../a", "/a"},  {"a/b/../../..", ".."},
		{"!./x", "!./x"}, {"abc//def", "abc/def"},
		{"a/b/..", "a"},  {".", "."},
		{"..", ".."},	  {"/a/b/", "/a/b"},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *c = berth_ignore_clean(cases[i][0]);
		if (strcmp(c, cases[i][1]) != 0)
			fail_msg("clean '%s': got '%s', want '%s'", cases[i][0], c, cases[i][1]);
	}
}

static int write_file(int dfd, const char *name, const char *content)
{
	struct berth_error *err = NULL;
	int r = berth_write_file_atomic(dfd, name, content, strlen(content), 0644, &err);
	assert_ok(r, err);
	return r;
}

static void test_load(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/berth-test-ignore.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	_cleanup_close_ int root = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	assert_int_equal(mkdirat(root, "ctx", 0755), 0);
	assert_int_equal(mkdirat(root, "df", 0755), 0);
	_cleanup_close_ int ctx = openat(root, "ctx", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int df = openat(root, "df", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *dockerfile = berth_xasprintf("%s/df/Dockerfile.prod", tmpl);
	struct berth_error *err = NULL;
	char **pats = NULL, *name = NULL;

	/* nothing at all */
	assert_ok(berth_ignore_load(ctx, dockerfile, &pats, &name, &err), err);
	assert_int_equal(berth_strv_len(pats), 0);
	assert_string_equal(name, "");
	berth_strv_free(pats);
	free(name);

	/* .dockerignore of the context */
	write_file(ctx, ".dockerignore", "node_modules\n!keep\n");
	assert_ok(berth_ignore_load(ctx, dockerfile, &pats, &name, &err), err);
	assert_int_equal(berth_strv_len(pats), 2);
	assert_string_equal(pats[1], "!keep");
	assert_string_equal(name, ".dockerignore");
	berth_strv_free(pats);
	free(name);

	/* <Dockerfile>.dockerignore beside the Dockerfile wins */
	write_file(df, "Dockerfile.prod.dockerignore", "/secrets/\n");
	assert_ok(berth_ignore_load(ctx, dockerfile, &pats, &name, &err), err);
	assert_int_equal(berth_strv_len(pats), 1);
	assert_string_equal(pats[0], "secrets");
	_cleanup_free_ char *want = berth_xasprintf("%s.dockerignore", dockerfile);
	assert_string_equal(name, want);
	berth_strv_free(pats);
	free(name);

	/* a Dockerfile from stdin: only the context's file */
	assert_ok(berth_ignore_load(ctx, NULL, &pats, &name, &err), err);
	assert_string_equal(name, ".dockerignore");
	berth_strv_free(pats);
	free(name);

	/* a .dockerignore symlink leading out of the context is refused */
	assert_int_equal(unlinkat(ctx, ".dockerignore", 0), 0);
	assert_int_equal(symlinkat("../df/Dockerfile.prod.dockerignore", ctx, ".dockerignore"), 0);
	assert_int_equal(berth_ignore_load(ctx, NULL, &pats, &name, &err), -EXDEV);
	assert_non_null(strstr(err->msg, ".dockerignore"));
	berth_error_free(&err);

	/* so is a <Dockerfile>.dockerignore symlink leading out of the Dockerfile's directory */
	write_file(root, "outside.dockerignore", "*\n");
	assert_int_equal(unlinkat(df, "Dockerfile.prod.dockerignore", 0), 0);
	assert_int_equal(symlinkat("../outside.dockerignore", df, "Dockerfile.prod.dockerignore"),
			 0);
	assert_int_equal(berth_ignore_load(ctx, dockerfile, &pats, &name, &err), -EXDEV);
	assert_non_null(strstr(err->msg, "Dockerfile.prod.dockerignore"));
	berth_error_free(&err);
	/* one that stays inside is followed */
	write_file(df, "inside.dockerignore", "/inside/\n");
	assert_int_equal(unlinkat(df, "Dockerfile.prod.dockerignore", 0), 0);
	assert_int_equal(symlinkat("inside.dockerignore", df, "Dockerfile.prod.dockerignore"), 0);
	assert_ok(berth_ignore_load(ctx, dockerfile, &pats, &name, &err), err);
	assert_int_equal(berth_strv_len(pats), 1);
	assert_string_equal(pats[0], "inside");
	berth_strv_free(pats);
	free(name);

	/* a directory named .dockerignore counts as none */
	assert_int_equal(unlinkat(ctx, ".dockerignore", 0), 0);
	assert_int_equal(mkdirat(ctx, ".dockerignore", 0755), 0);
	assert_ok(berth_ignore_load(ctx, NULL, &pats, &name, &err), err);
	assert_int_equal(berth_strv_len(pats), 0);
	berth_strv_free(pats);
	free(name);

	/* nor does a FIFO, which must not block the read */
	assert_int_equal(unlinkat(ctx, ".dockerignore", AT_REMOVEDIR), 0);
	assert_int_equal(mkfifoat(ctx, ".dockerignore", 0644), 0);
	assert_ok(berth_ignore_load(ctx, NULL, &pats, &name, &err), err);
	assert_int_equal(berth_strv_len(pats), 0);
	assert_string_equal(name, "");
	berth_strv_free(pats);
	free(name);

	_cleanup_free_ char *cmd = berth_xasprintf("rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readall),
		cmocka_unit_test(test_parse_details),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
