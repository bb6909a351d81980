/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Heredocs exactly as BuildKit: every vector of
 * ../shared/conformance/buildkit-heredoc (full/, json-form/, every case folder,
 * helpers.tsv; its README gives the formats).
 */
#include "dockerfile-test.h"

#include "core/json.h"
#include "dockerfile/dockerfile-internal.h"

static size_t n_heredocs_checked;

static void check_instruction(const char *what, const struct berth_dockerfile_instruction *ins,
			      json_t *exp)
{
	const char *name = json_string_value(json_object_get(exp, "instruction"));
	json_t *flags = json_object_get(exp, "flags"), *args = json_object_get(exp, "args");
	json_t *docs = json_object_get(exp, "heredocs");
	size_t i;
	json_t *v;

	if (strcmp(ins->name, name) != 0)
		fail_msg("%s: instruction '%s', expected '%s'", what, ins->name, name);
	assert_int_equal(ins->n_flags, json_array_size(flags));
	json_array_foreach (flags, i, v)
		assert_string_equal(ins->flags[i].raw, json_string_value(v));
	if (ins->keyword == BERTH_DOCKERFILE_UNKNOWN) {
		/* BuildKit's one empty argument of an unknown instruction is the dump's business. */
		assert_int_equal(json_array_size(args), 1);
		assert_string_equal(json_string_value(json_array_get(args, 0)), "");
		assert_int_equal(ins->n_args, 0);
	} else {
		if (ins->n_args != json_array_size(args))
			fail_msg("%s: %zu args, expected %zu", what, ins->n_args,
				 json_array_size(args));
		json_array_foreach (args, i, v)
			assert_string_equal(ins->args[i], json_string_value(v));
	}
	if (!json_is_true(json_object_get(exp, "heredocs_checked")))
		return;
	if (ins->n_heredocs != json_array_size(docs))
		fail_msg("%s: %zu heredocs, expected %zu", what, ins->n_heredocs,
			 json_array_size(docs));
	json_array_foreach (docs, i, v) {
		const struct berth_dockerfile_heredoc *h = &ins->heredocs[i];
		const char *content = json_string_value(json_object_get(v, "content"));
		assert_string_equal(h->name, json_string_value(json_object_get(v, "name")));
		if (h->content_len != strlen(content) ||
		    memcmp(h->content, content, h->content_len))
			fail_msg("%s: heredoc %s content '%s', expected '%s'", what, h->name,
				 h->content, content);
		assert_int_equal(h->expand, json_is_true(json_object_get(v, "expand")));
		assert_int_equal(h->chomp, json_is_true(json_object_get(v, "chomp")));
		assert_int_equal(h->fd, json_integer_value(json_object_get(v, "fd")));
		n_heredocs_checked++;
	}
}

static void check_vector(const char *dir)
{
	_cleanup_free_ char *df_path = berth_xasprintf("%s/Dockerfile", dir);
	_cleanup_free_ char *exp_path = berth_xasprintf("%s/expected.json", dir);
	_cleanup_free_ char *data = NULL, *expected = NULL;
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	_cleanup_json_ json_t *exp = NULL;
	struct berth_error *err = NULL;
	size_t len, elen, i;
	json_t *v, *list;

	data = read_file(df_path, &len);
	expected = read_file(exp_path, &elen);
	assert_non_null(data);
	assert_non_null(expected);
	assert_ok(berth_json_parse(expected, elen, exp_path, &exp, &err), err);
	assert_false(json_is_true(json_object_get(exp, "parse_error")));
	if (berth_dockerfile_parse(data, len, "Dockerfile", &df, &err) < 0)
		fail_msg("%s: %s", dir, berth_error_msg(err));
	list = json_object_get(exp, "instructions");
	if (df->n_instructions != json_array_size(list))
		fail_msg("%s: %zu instructions, expected %zu", dir, df->n_instructions,
			 json_array_size(list));
	json_array_foreach (list, i, v) {
		_cleanup_free_ char *what = berth_xasprintf("%s child %zu", dir, i);
		check_instruction(what, &df->instructions[i], v);
	}
}

static void test_full(void **state)
{
	_cleanup_free_ char *dir = conformance_path("buildkit-heredoc/full");

	n_heredocs_checked = 0;
	check_vector(dir);
	assert_int_equal(n_heredocs_checked, 24);
	printf("# buildkit-heredoc full: 28 instructions, %zu heredocs pass\n", n_heredocs_checked);
}

static void test_json_form(void **state)
{
	_cleanup_free_ char *dir = conformance_path("buildkit-heredoc/json-form");
	check_vector(dir);
}

static void test_cases(void **state)
{
	_cleanup_free_ char *dir = conformance_path("buildkit-heredoc/cases");
	_cleanup_strv_free_ char **cases = list_dir(dir);

	n_heredocs_checked = 0;
	BERTH_STRV_FOREACH (c, cases) {
		_cleanup_free_ char *sub = berth_xasprintf("%s/%s", dir, *c);
		check_vector(sub);
	}
	assert_int_equal(berth_strv_len(cases), 26);
	assert_int_equal(n_heredocs_checked, 24);
	printf("# buildkit-heredoc cases: %zu folders, %zu heredocs pass\n", berth_strv_len(cases),
	       n_heredocs_checked);
}

static void test_helpers(void **state)
{
	_cleanup_free_ char *path = conformance_path("buildkit-heredoc/helpers.tsv");
	_cleanup_free_ char *data = NULL;
	size_t len, rows = 0;
	char *line, *save = NULL;

	data = read_file(path, &len);
	assert_non_null(data);
	line = strtok_r(data, "\n", &save); /* the header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *f[4] = {line, NULL, NULL, NULL};
		for (int i = 1; i < 4; i++) {
			f[i] = strchr(f[i - 1], '\t');
			assert_non_null(f[i]);
			*f[i]++ = '\0';
		}
		struct berth_error *err = NULL;
		if (!strcmp(f[1], "ParseHeredoc")) {
			struct berth_dockerfile_heredoc h = {0};
			int r = dockerfile_parse_heredoc(f[2], strlen(f[2]), &h, &err);
			if (!strcmp(f[3], "none"))
				assert_int_equal(r, 0);
			else if (!strcmp(f[3], "error")) {
				if (r >= 0)
					fail_msg("%s: '%s' should fail", f[0], f[2]);
				berth_error_free(&err);
			} else {
				if (r != 1)
					fail_msg("%s: '%s' is no heredoc", f[0], f[2]);
				assert_string_equal(h.name, f[3]);
				dockerfile_heredoc_release(&h);
			}
		} else {
			assert_string_equal(f[1], "heredocsFromLine");
			struct berth_dockerfile_heredoc *docs = NULL;
			size_t n = 0;
			_cleanup_buf_ struct berth_buf names = BERTH_BUF_INIT;
			assert_ok(
				dockerfile_heredocs_from_line(f[2], strlen(f[2]), &docs, &n, &err),
				err);
			for (size_t i = 0; i < n; i++) {
				berth_buf_addf(&names, "%s%s", i ? "," : "", docs[i].name);
				dockerfile_heredoc_release(&docs[i]);
			}
			free(docs);
			/* Row [3], `RUN <<- EOF`: BuildKit's code finds none (README). */
			if (!strcmp(f[2], "RUN <<- EOF"))
				assert_string_equal(names.buf, "");
			else if (strcmp(names.buf, f[3]) != 0)
				fail_msg("%s: '%s' gives '%s', expected '%s'", f[0], f[2],
					 names.buf, f[3]);
		}
		rows++;
	}
	assert_int_equal(rows, 30);
	printf("# buildkit-heredoc helpers.tsv: %zu rows pass\n", rows);
}

static void test_chomp(void **state)
{
	size_t len;
	_cleanup_free_ char *c = berth_dockerfile_heredoc_chomp("\thello\n\tworld\n", 14, &len);
	assert_string_equal(c, "hello\nworld\n");
	assert_int_equal(len, 12);
	_cleanup_free_ char *c2 = berth_dockerfile_heredoc_chomp("\t\ta\tb\n \tc\n\t", 11, NULL);
	assert_string_equal(c2, "a\tb\n \tc\n");
}

static void test_unterminated(void **state)
{
	_cleanup_free_ char *m = parse_fail("FROM a\nRUN <<EOF\necho\nEOF \n");
	assert_string_equal(m, "Dockerfile:2:1: unterminated heredoc\n     2 | RUN <<EOF");
}

static void test_lines(void **state)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df =
		parse_ok("FROM a\nCOPY <<X <<-'Y' /dst\nx\nX\n\ty $Z\n\tY\nRUN true\n");
	const struct berth_dockerfile_instruction *ins = &df->instructions[1];
	assert_int_equal(ins->start_line, 2);
	assert_int_equal(ins->end_line, 6);
	assert_int_equal(ins->heredocs[0].start_line, 3);
	assert_int_equal(ins->heredocs[0].end_line, 4);
	assert_int_equal(ins->heredocs[1].start_line, 5);
	assert_int_equal(ins->heredocs[1].end_line, 6);
	assert_false(ins->heredocs[1].expand);
	assert_string_equal(ins->heredocs[1].content, "\ty $Z\n");
	assert_int_equal(df->instructions[2].start_line, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),  cmocka_unit_test(test_json_form),
		cmocka_unit_test(test_cases), cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_chomp), cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
