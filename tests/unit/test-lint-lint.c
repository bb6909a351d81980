/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <jansson.h>

#include "core/alloc.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"
#include "lint/lint.h"

static void test_severity(void **state)
{
	enum berth_lint_severity s;
	struct berth_error *err = NULL;
	assert_ok(berth_lint_severity_parse("warn", &s, &err), err);
	assert_int_equal(s, BERTH_LINT_WARNING);
	assert_ok(berth_lint_severity_parse("INFO", &s, &err), err);
	assert_int_equal(s, BERTH_LINT_INFO);
	assert_int_equal(berth_lint_severity_parse("fatal", &s, &err), -EINVAL);
	assert_string_equal(err->msg, "invalid severity 'fatal' (error, warning or info)");
	berth_error_free(&err);
	assert_string_equal(berth_lint_severity_name(BERTH_LINT_ERROR), "error");
	assert_null(berth_lint_severity_name(_BERTH_LINT_SEVERITY_MAX));
}

static void test_config(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	struct berth_error *err = NULL;
	const char *cfg = "# team settings\n"
			  "\n"
			  "ignore = BL010, no-healthcheck\n"
			  "error-on = warning   # CI\n"
			  "trusted-registries = gcr.io/distroless registry.example.com\n"
			  "trusted-namespaces = bitnami\n"
			  "severity.BL042 = warning\n"
			  "severity.BL003 = off\n";
	assert_ok(berth_lint_config_parse(cfg, strlen(cfg), ".berthlint", &o, &err), err);
	assert_int_equal(berth_strv_len(o.ignore), 3);
	assert_true(berth_strv_contains(o.ignore, "BL003"));
	assert_int_equal(o.error_on, BERTH_LINT_WARNING);
	assert_true(o.error_on_set);
	assert_true(berth_strv_contains(o.trusted_registries, "registry.example.com"));
	assert_string_equal(o.severity_overrides[0], "BL042=warning");
	berth_lint_options_release(&o);

	/* publishers as namespace globs, under the singular keys too */
	berth_lint_options_init(&o);
	const char *pub = "trusted-namespace = docker/*, moby/*\ntrusted-registry = quay.io\n";
	assert_ok(berth_lint_config_parse(pub, strlen(pub), ".berthlint", &o, &err), err);
	assert_true(berth_strv_contains(o.trusted_namespaces, "docker/*"));
	assert_true(berth_strv_contains(o.trusted_registries, "quay.io"));
	berth_lint_options_release(&o);

	const char *bad[][2] = {
		{"ignore = BL010\n\nfoo = 1\n", ".berthlint:3: unknown key 'foo'"},
		{"ignore = BL999\n", ".berthlint:1: unknown rule 'BL999'"},
		{"error-on\n", ".berthlint:1: expected 'key = value', got 'error-on'"},
		{"error-on = loud\n",
		 ".berthlint:1: invalid severity 'loud' (error, warning or info)"},
		{"severity.BL404 = info\n", ".berthlint:1: unknown rule 'BL404'"},
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		berth_lint_options_init(&o);
		assert_int_equal(berth_lint_config_parse(bad[i][0], strlen(bad[i][0]), ".berthlint",
							 &o, &err),
				 -EINVAL);
		assert_string_equal(err->msg, bad[i][1]);
		berth_error_free(&err);
		berth_lint_options_release(&o);
	}
	berth_lint_options_init(&o);
	assert_int_equal(berth_lint_config_parse("a\0b", 3, "x", &o, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_tag_hint(void **state)
{
	char *h = berth_lint_tag_hint(NULL);
	assert_non_null(strstr(h, "no tag given"));
	free(h);
	char *latest[] = {"app", "reg:5000/app:latest", NULL};
	h = berth_lint_tag_hint(latest);
	assert_string_equal(h, "'app' has no version tag (only 'latest'): tag it with an immutable "
			       "version such as the commit sha, e.g. 'app:<sha>'");
	free(h);
	char *good[] = {"app:latest", "app:3f2a9c1", NULL};
	assert_null(berth_lint_tag_hint(good));
	char *digest[] = {"app@sha256:0123", NULL};
	assert_null(berth_lint_tag_hint(digest));
}

static struct berth_lint_report *lint(const char *text, struct berth_lint_options *o)
{
	struct berth_error *err = NULL;
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	assert_ok(berth_dockerfile_parse(text, strlen(text), "Dockerfile", &df, &err), err);
	struct berth_lint_report *r = NULL;
	assert_ok(berth_lint_run(df, o, &r, &err), err);
	return r;
}

static void test_inline_ignore_and_formats(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	berth_strv_push(&o.tags, "app:latest");
	_cleanup_lint_report_ struct berth_lint_report *r =
		lint("# berth:ignore=BL002\nFROM alpine:latest\n# berth:ignore = BL010\n"
		     "ENV API_TOKEN=abc\n",
		     &o);
	/* BL002 suppressed (counted), the malformed ignore comment is not an ignore */
	assert_int_equal(r->n_suppressed, 1);
	assert_int_equal(r->n_findings, 3);
	assert_string_equal(r->findings[0].rule->id, "BL050");
	assert_int_equal(r->findings[0].line, 0);
	assert_string_equal(r->findings[1].rule->id, "BL030");
	assert_string_equal(r->findings[2].rule->id, "BL032");
	assert_int_equal(r->counts[BERTH_LINT_ERROR], 1);
	assert_int_equal(r->counts[BERTH_LINT_WARNING], 2);
	assert_true(berth_lint_report_fails(r, BERTH_LINT_ERROR));

	_cleanup_free_ char *text = berth_lint_report_format(r, BERTH_LINT_FORMAT_TEXT);
	assert_non_null(strstr(text, "Dockerfile:4:1: error: ENV 'API_TOKEN' puts a secret into "
				     "the image config [BL032]\n    fix: "));
	assert_non_null(strstr(text, "--tag: warning: "));
	assert_non_null(strstr(text, "Dockerfile: 3 findings (1 error, 2 warnings, 0 info)\n"));

	_cleanup_free_ char *js = berth_lint_report_format(r, BERTH_LINT_FORMAT_JSON);
	json_error_t je;
	json_t *j = json_loads(js, 0, &je);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	json_t *f = json_array_get(json_object_get(j, "findings"), 2);
	assert_string_equal(json_string_value(json_object_get(f, "rule")), "BL032");
	assert_string_equal(json_string_value(json_object_get(f, "name")), "secret-in-env");
	assert_int_equal(json_integer_value(json_object_get(f, "line")), 4);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "summary"), "suppressed")),
		1);
	json_decref(j);

	_cleanup_free_ char *sa = berth_lint_report_format(r, BERTH_LINT_FORMAT_SARIF);
	j = json_loads(sa, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
	json_t *run = json_array_get(json_object_get(j, "runs"), 0);
	json_t *res = json_object_get(run, "results");
	assert_int_equal(json_array_size(res), 3);
	json_t *r2 = json_array_get(res, 2);
	assert_string_equal(json_string_value(json_object_get(r2, "level")), "error");
	size_t idx = (size_t)json_integer_value(json_object_get(r2, "ruleIndex"));
	json_t *rule = json_array_get(
		json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules"),
		idx);
	assert_string_equal(json_string_value(json_object_get(rule, "id")), "BL032");
	json_t *region =
		json_object_get(json_object_get(json_array_get(json_object_get(r2, "locations"), 0),
						"physicalLocation"),
				"region");
	assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 4);
	/* the tag finding has no region */
	assert_null(json_object_get(
		json_object_get(
			json_array_get(json_object_get(json_array_get(res, 0), "locations"), 0),
			"physicalLocation"),
		"region"));
	json_decref(j);
	berth_lint_options_release(&o);

	enum berth_lint_format fmt;
	struct berth_error *err = NULL;
	assert_ok(berth_lint_format_parse("sarif", &fmt, &err), err);
	assert_int_equal(fmt, BERTH_LINT_FORMAT_SARIF);
	assert_int_equal(berth_lint_format_parse("xml", &fmt, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_clean_text(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	_cleanup_lint_report_ struct berth_lint_report *r =
		lint("FROM alpine:3.20\nUSER nobody\n", &o);
	_cleanup_free_ char *text = berth_lint_report_format(r, BERTH_LINT_FORMAT_TEXT);
	assert_string_equal(text, "Dockerfile: no findings\n");
	assert_false(berth_lint_report_fails(r, BERTH_LINT_INFO));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity),   cmocka_unit_test(test_config),
		cmocka_unit_test(test_tag_hint),   cmocka_unit_test(test_inline_ignore_and_formats),
		cmocka_unit_test(test_clean_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
