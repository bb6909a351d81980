/* SPDX-License-Identifier: Apache-2.0 */
#include "ignore-test.h"

/* patterns from field index first on (the "patterns..." columns) */
static char **patterns_from(char **f, size_t first)
{
	char **v = berth_xcalloc(1, sizeof(char *));
	for (size_t i = first; f[i]; i++)
		berth_strv_push(&v, f[i]);
	return v;
}

/* MatchesUsingParentResults with the parent directories walked first, as upstream tests it. */
static int match_walked(const struct berth_ignore *m, const char *path)
{
	size_t n = berth_ignore_count(m);
	_cleanup_free_ bool *info = berth_xcalloc(n + 1, sizeof(bool));
	_cleanup_free_ bool *next = berth_xcalloc(n + 1, sizeof(bool));
	_cleanup_free_ char *parent = NULL;
	struct berth_error *err = NULL;
	bool have = false;
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *head = berth_xstrndup(path, slash ? (size_t)(slash - path + 1) : 0);
	parent = berth_ignore_clean(head);
	if (strcmp(parent, ".") != 0) {
		size_t len = strlen(parent);
		for (size_t i = 0; i <= len; i++) {
			if (i != len && parent[i] != '/')
				continue;
			_cleanup_free_ char *anc = berth_xstrndup(parent, i);
			int r = berth_ignore_matches_in_walk(m, anc, have ? info : NULL, next,
							     &err);
			assert_ok(r, err);
			memcpy(info, next, n * sizeof(bool));
			have = true;
		}
	}
	int r = berth_ignore_matches_in_walk(m, path, have ? info : NULL, NULL, &err);
	assert_ok(r, err);
	return r;
}

static void test_matches_tsv(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("dockerignore/matches.tsv");
	unsigned n = 0;

	for (size_t i = 1; lines[i]; i++) {
		_cleanup_strv_free_ char **f = conformance_split(lines[i], '\t');
		_cleanup_strv_free_ char **pats = patterns_from(f, 4);
		_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
		struct berth_error *err = NULL;
		bool want = strcmp(f[3], "true") == 0;
		assert_ok(berth_ignore_new(pats, &m, &err), err);
		int r = berth_ignore_matches(m, f[2], &err);
		assert_ok(r, err);
		if (r != want)
			fail_msg("%s: '%s' got %d, want %d", f[0], f[2], r, want);
		/* the walk variants agree: with the parents' results and with none */
		r = berth_ignore_matches_in_walk(m, f[2], NULL, NULL, &err);
		assert_ok(r, err);
		if (r != want)
			fail_msg("%s: walk without parent info got %d", f[0], r);
		if (match_walked(m, f[2]) != want)
			fail_msg("%s: walk with parent info disagrees", f[0]);
		n++;
	}
	printf("# matches.tsv: %u cases run\n", n);
	assert_int_equal(n, 72);
}

static void test_matches_misc_tsv(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("dockerignore/matches-misc.tsv");
	unsigned n = 0;

	for (size_t i = 1; lines[i]; i++) {
		_cleanup_strv_free_ char **f = conformance_split(lines[i], '\t');
		_cleanup_strv_free_ char **pats = patterns_from(f, 5);
		struct berth_error *err = NULL;
		int r;
		if (strcmp(f[1], "Matches") == 0) {
			r = berth_ignore_matches_legacy(pats, f[2], &err);
		} else {
			/* New must succeed; each MatchesOrParentMatches fails, every time */
			_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
			assert_ok(berth_ignore_new(pats, &m, &err), err);
			r = berth_ignore_matches(m, f[2], &err);
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err->msg, "syntax error in pattern"));
			berth_error_free(&err);
			r = berth_ignore_matches(m, f[2], &err);
		}
		if (strcmp(f[4], "none") == 0) {
			assert_ok(r, err);
			if (r != (strcmp(f[3], "true") == 0))
				fail_msg("%s: got %d", f[0], r);
		} else {
			if (r >= 0)
				fail_msg("%s: expected an error", f[0]);
			if (strcmp(f[4], "ErrBadPattern") == 0)
				assert_non_null(strstr(err->msg, "syntax error in pattern"));
			berth_error_free(&err);
		}
		n++;
	}
	printf("# matches-misc.tsv: %u cases run\n", n);
	assert_int_equal(n, 12);
}

static void test_new_patterns_tsv(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **lines = conformance_lines("dockerignore/new-patterns.tsv");
	unsigned n = 0;

	for (size_t i = 1; lines[i]; i++) {
		_cleanup_strv_free_ char **f = conformance_split(lines[i], '\t');
		_cleanup_strv_free_ char **pats = patterns_from(f, 4);
		_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
		struct berth_error *err = NULL;
		int r = berth_ignore_new(pats, &m, &err);
		if (strcmp(f[1], "any") == 0) {
			if (r >= 0)
				fail_msg("%s: expected an error", f[0]);
			berth_error_free(&err);
		} else {
			assert_ok(r, err);
			if (strcmp(f[2], "-") != 0)
				assert_int_equal(berth_ignore_count(m), strtoul(f[2], NULL, 10));
			if (strcmp(f[3], "-") != 0)
				assert_int_equal(berth_ignore_has_exceptions(m),
						 strcmp(f[3], "true") == 0);
		}
		n++;
	}
	printf("# new-patterns.tsv: %u cases run\n", n);
	assert_int_equal(n, 6);
}

static void test_last_match_wins(void **state)
{
	(void)state;
	char *pats[] = {"docs", "!docs/keep", "docs/keep/secret", NULL};
	assert_int_equal(match1(pats, "docs"), 1);
	assert_int_equal(match1(pats, "docs/a.md"), 1);
	assert_int_equal(match1(pats, "docs/keep"), 0);
	assert_int_equal(match1(pats, "docs/keep/x"), 0);
	assert_int_equal(match1(pats, "docs/keep/secret"), 1);
	assert_int_equal(match1(pats, "docs/keep/secret/y"), 1);
	assert_int_equal(match1(pats, "other"), 0);
}

static void test_must_descend(void **state)
{
	(void)state;
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	struct berth_error *err = NULL;
	char *plain[] = {"node_modules", "build", "!build/keep/me.txt", "!vendor/**", NULL};
	assert_ok(berth_ignore_new(plain, &m, &err), err);
	assert_false(berth_ignore_must_descend(m, "node_modules"));
	assert_true(berth_ignore_must_descend(m, "build"));
	assert_true(berth_ignore_must_descend(m, "build/keep"));
	assert_false(berth_ignore_must_descend(m, "build/other"));
	assert_false(berth_ignore_must_descend(m, "buil"));
	assert_true(berth_ignore_must_descend(m, "vendor"));
	berth_ignore_free(TAKE_PTR(m));

	char *none[] = {"a", NULL};
	assert_ok(berth_ignore_new(none, &m, &err), err);
	assert_false(berth_ignore_must_descend(m, "a"));
	berth_ignore_free(TAKE_PTR(m));

	/* an exception with a wildcard may match anywhere: descend everywhere */
	char *wild[] = {"*", "!**/*.go", NULL};
	assert_ok(berth_ignore_new(wild, &m, &err), err);
	assert_true(berth_ignore_must_descend(m, "src"));
	assert_int_equal(berth_ignore_matches(m, "src", &err), 1);
	assert_int_equal(berth_ignore_matches(m, "src/main.go", &err), 0);
	assert_int_equal(berth_ignore_matches(m, "src/main.c", &err), 1);
}

/* A context as a sorted list; directories end in '/'. */
static const char *tree[] = {
	"app/",
	"app/main.go",
	"app/main_test.go",
	"build/",
	"build/keep/",
	"build/keep/me.txt",
	"build/keep/not.txt",
	"build/out.bin",
	"logs/",
	"logs/a.log",
	"node_modules/",
	"node_modules/x/",
	"node_modules/x/index.js",
	"README.md",
	NULL,
};

/* Walks tree below dir (prefix, "" for the root) as the context loader does. */
static void walk(const struct berth_ignore *m, const char *dir, const bool *parent_info,
		 char ***kept, unsigned *visited)
{
	size_t dlen = strlen(dir), n = berth_ignore_count(m);
	for (size_t i = 0; tree[i]; i++) {
		const char *e = tree[i];
		size_t len = strlen(e);
		bool is_dir = e[len - 1] == '/';
		/* direct children of dir only */
		if (strncmp(e, dir, dlen) != 0 || len == dlen)
			continue;
		const char *rest = e + dlen, *slash = strchr(rest, '/');
		if (slash && slash[1] != '\0')
			continue;
		_cleanup_free_ char *path = berth_xstrndup(e, is_dir ? len - 1 : len);
		_cleanup_free_ bool *info = berth_xcalloc(n + 1, sizeof(bool));
		struct berth_error *err = NULL;
		int r = berth_ignore_matches_in_walk(m, path, parent_info, is_dir ? info : NULL,
						     &err);
		assert_ok(r, err);
		(*visited)++;
		if (!r)
			berth_strv_push(kept, path);
		if (is_dir && (!r || berth_ignore_must_descend(m, path))) {
			_cleanup_free_ char *sub = berth_xasprintf("%s/", path);
			walk(m, sub, info, kept, visited);
		}
	}
}

static void test_walk(void **state)
{
	(void)state;
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	struct berth_error *err = NULL;
	char *pats[] = {"node_modules", "build",     "!build/keep/me.txt",
			"**/*.log",	"*_test.go", NULL};
	assert_ok(berth_ignore_new(pats, &m, &err), err);
	_cleanup_strv_free_ char **kept = NULL;
	unsigned visited = 0;
	walk(m, "", NULL, &kept, &visited);
	_cleanup_free_ char *got = NULL;
	struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (k, kept) {
		berth_buf_addstr(&b, *k);
		berth_buf_addch(&b, ' ');
	}
	got = berth_buf_detach(&b, NULL);
	/* build/ is excluded but entered for the exception; node_modules/ is not entered */
	/* and "*_test.go" is anchored at the root, as in Docker: app/main_test.go stays */
	assert_string_equal(got,
			    "app app/main.go app/main_test.go build/keep/me.txt logs README.md ");
	assert_int_equal(visited, 12);
	/* kept by the walk exactly when not excluded on its own */
	for (size_t i = 0; tree[i]; i++) {
		size_t len = strlen(tree[i]);
		_cleanup_free_ char *path =
			berth_xstrndup(tree[i], tree[i][len - 1] == '/' ? len - 1 : len);
		int r = berth_ignore_matches(m, path, &err);
		assert_ok(r, err);
		assert_int_equal(r, !berth_strv_contains(kept, path));
	}
}

static void test_patterns_api(void **state)
{
	(void)state;
	_cleanup_(berth_ignore_freep) struct berth_ignore *m = NULL;
	struct berth_error *err = NULL;
	char *pats[] = {"  ./a//b/ ", "", "!c/../d", NULL};
	bool ex;
	assert_ok(berth_ignore_new(pats, &m, &err), err);
	assert_int_equal(berth_ignore_count(m), 2);
	assert_string_equal(berth_ignore_pattern(m, 0, &ex), "a/b");
	assert_false(ex);
	/* Go cleans before looking for '!': "!c/.." is one component gone */
	assert_string_equal(berth_ignore_pattern(m, 1, &ex), "d");
	assert_false(ex);
	assert_null(berth_ignore_pattern(m, 2, &ex));
	char *bad[] = {"a[", NULL};
	assert_int_equal(berth_ignore_new(bad, &m, &err), -EINVAL);
	assert_string_equal(err->msg, "syntax error in pattern: 'a['");
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_tsv),
		cmocka_unit_test(test_matches_misc_tsv),
		cmocka_unit_test(test_new_patterns_tsv),
		cmocka_unit_test(test_last_match_wins),
		cmocka_unit_test(test_must_descend),
		cmocka_unit_test(test_patterns_api),
		cmocka_unit_test(test_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
