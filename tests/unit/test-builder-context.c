/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/context.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"

static char tmpdir[64];

static void write_file(const char *rel, const char *content)
{
	char *p = berth_xasprintf("%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	free(p);
}

static void mk(const char *rel)
{
	char *p = berth_xasprintf("%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-build-context-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	mk("src");
	mk("src/sub");
	mk("ignored");
	write_file("src/a.txt", "a");
	write_file("src/b.txt", "b");
	write_file("src/sub/c.md", "c");
	write_file("ignored/x", "x");
	write_file("package.json", "{}");
	char *l = berth_xasprintf("%s/escape", tmpdir);
	assert_int_equal(symlink("/etc/passwd", l), 0);
	free(l);
	l = berth_xasprintf("%s/inside", tmpdir);
	assert_int_equal(symlink("src/a.txt", l), 0);
	free(l);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	_cleanup_close_ int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	berth_rm_rf_at(fd, tmpdir + 5, NULL);
	return 0;
}

static int ignore_dir(void *m, const char *path, bool is_dir, bool *ex, bool *desc,
		      struct berth_error **err)
{
	(void)m;
	(void)err;
	*ex = strcmp(path, "ignored") == 0;
	*desc = false;
	(void)is_dir;
	return 0;
}

static struct bctx *load(struct berth_error **err)
{
	struct bctx *c = NULL;
	int fd = open(tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_ok(bctx_load(fd, tmpdir, ignore_dir, NULL, -EBADF, NULL, &c, err), *err);
	return c;
}

static void test_match(void **state)
{
	(void)state;
	assert_true(bctx_match("*.txt", "a.txt"));
	assert_false(bctx_match("*.txt", "src/a.txt"));
	assert_true(bctx_match("src/*.txt", "src/a.txt"));
	assert_true(bctx_match("src/?.txt", "src/b.txt"));
	assert_true(bctx_match("src/[ab].txt", "src/b.txt"));
	assert_false(bctx_match("src/[^ab].txt", "src/b.txt"));
	assert_true(bctx_match("src/[!c].txt", "src/a.txt"));
	assert_true(bctx_match("\\*", "*"));
	assert_false(bctx_match("\\*", "a"));
	assert_true(bctx_match("*", ".hidden"));
	assert_false(bctx_match("a*", "b"));
}

static void test_clean_path(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	char *p = NULL;
	assert_ok(bctx_clean_path("/./a//b/../c/", &p, &err), err);
	assert_string_equal(p, "a/c");
	free(p);
	assert_ok(bctx_clean_path(".", &p, &err), err);
	assert_string_equal(p, "");
	free(p);
	assert_int_equal(bctx_clean_path("../x", &p, &err), -EXDEV);
	assert_non_null(strstr(err->msg, "outside the build context"));
	berth_error_free(&err);
	assert_int_equal(bctx_clean_path("a/../../x", &p, &err), -EXDEV);
	berth_error_free(&err);
}

static void test_load_and_ignore(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	_cleanup_(bctx_freep) struct bctx *c = load(&err);
	assert_non_null(bctx_find(c, "src/sub/c.md"));
	assert_non_null(bctx_find(c, "package.json"));
	assert_null(bctx_find(c, "ignored"));
	assert_null(bctx_find(c, "ignored/x"));
	const struct bctx_entry *e = bctx_find(c, "escape");
	assert_non_null(e);
	assert_true(S_ISLNK(e->mode));
	assert_string_equal(e->link, "/etc/passwd");
}

static void test_select(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	_cleanup_(bctx_freep) struct bctx *c = load(&err);
	struct bctx_selection sel = {0};
	char *srcs1[] = {"src/*.txt", NULL};
	assert_ok(bctx_select(c, srcs1, "/dest", NULL, false, &sel, &err), err);
	assert_int_equal(sel.n_items, 2);
	assert_string_equal(sel.items[0].dest, "dest/a.txt");
	assert_string_equal(sel.items[1].dest, "dest/b.txt");
	bctx_selection_release(&sel);

	/* a directory's contents, not the directory */
	char *srcs2[] = {"src", NULL};
	assert_ok(bctx_select(c, srcs2, "/d", NULL, false, &sel, &err), err);
	bool found = false;
	for (size_t i = 0; i < sel.n_items; i++)
		found |= strcmp(sel.items[i].dest, "d/sub/c.md") == 0;
	assert_true(found);
	bctx_selection_release(&sel);

	/* a file to a path without a slash is renamed */
	char *srcs3[] = {"package.json", NULL};
	assert_ok(bctx_select(c, srcs3, "/app/pkg", NULL, false, &sel, &err), err);
	assert_string_equal(sel.items[0].dest, "app/pkg");
	bctx_selection_release(&sel);
	assert_ok(bctx_select(c, srcs3, "/app/", NULL, false, &sel, &err), err);
	assert_string_equal(sel.items[0].dest, "app/package.json");
	bctx_selection_release(&sel);

	/* excludes */
	char *ex[] = {"**/*.md", NULL};
	assert_ok(bctx_select(c, srcs2, "/d", ex, false, &sel, &err), err);
	for (size_t i = 0; i < sel.n_items; i++)
		assert_null(strstr(sel.items[i].dest, ".md"));
	bctx_selection_release(&sel);

	/* not found names what is close */
	char *srcs4[] = {"pakage.json", NULL};
	assert_int_equal(bctx_select(c, srcs4, "/", NULL, false, &sel, &err), -ENOENT);
	assert_non_null(strstr(err->msg, "'package.json'"));
	berth_error_free(&err);

	/* a symlink out of the context is refused, one inside is followed */
	char *srcs5[] = {"escape", NULL};
	assert_true(bctx_select(c, srcs5, "/x", NULL, false, &sel, &err) < 0);
	assert_int_equal(err->code, EXDEV);
	berth_error_free(&err);
	char *srcs6[] = {"inside", NULL};
	assert_ok(bctx_select(c, srcs6, "/x", NULL, false, &sel, &err), err);
	bctx_selection_release(&sel);
}

static void test_digest_and_stat_cache(void **state)
{
	(void)state;
	struct berth_error *err = NULL;
	struct berth_digest d1, d2, d3;
	char cache[80];
	snprintf(cache, sizeof(cache), "%s-cache", tmpdir);
	assert_int_equal(mkdir(cache, 0700), 0);
	int cfd = open(cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *srcs[] = {"src", NULL};

	for (int round = 0; round < 2; round++) {
		struct bctx *c = NULL;
		struct bctx_selection sel = {0};
		int fd = open(tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		assert_ok(bctx_load(fd, tmpdir, NULL, NULL, cfd, tmpdir, &c, &err), err);
		assert_ok(bctx_select(c, srcs, "/d", NULL, false, &sel, &err), err);
		assert_ok(bctx_selection_digest(c, &sel, round ? &d2 : &d1, &err), err);
		/* the second round reads nothing: the stat cache knows every file */
		if (round == 0)
			assert_true(c->hashed_bytes > 0);
		else
			assert_int_equal(c->hashed_bytes, 0);
		bctx_save_stat_cache(c);
		bctx_selection_release(&sel);
		bctx_free(c);
	}
	assert_true(berth_digest_eq(&d1, &d2));
	write_file("src/a.txt", "changed");
	{
		struct bctx *c = NULL;
		struct bctx_selection sel = {0};
		int fd = open(tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		assert_ok(bctx_load(fd, tmpdir, NULL, NULL, cfd, tmpdir, &c, &err), err);
		assert_ok(bctx_select(c, srcs, "/d", NULL, false, &sel, &err), err);
		assert_ok(bctx_selection_digest(c, &sel, &d3, &err), err);
		bctx_selection_release(&sel);
		bctx_free(c);
	}
	assert_false(berth_digest_eq(&d1, &d3));
	close(cfd);
	_cleanup_close_ int t = open("/tmp", O_RDONLY | O_DIRECTORY);
	berth_rm_rf_at(t, cache + 5, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_load_and_ignore),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_digest_and_stat_cache),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
