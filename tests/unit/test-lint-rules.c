/* SPDX-License-Identifier: Apache-2.0 */
/* The rule table, options and the shared walk (lint/rules.c), through berth_lint_run. */
#include "lint-test.h"

static void test_rule_table(void **state)
{
	size_t n;
	const struct berth_lint_rule *rules = berth_lint_rules(&n);
	assert_true(n >= 25);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(rules[i - 1].id, rules[i].id) < 0);
	assert_ptr_equal(berth_lint_rule_find("bl011"), berth_lint_rule_find("chown-after-copy"));
	assert_null(berth_lint_rule_find("BL999"));
}

static void test_guide_examples(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	/* the guide's Go example: golang:1.1-alpine builder, scratch with USER app */
	char *f =
		lint_text("FROM golang:1.1-alpine as builder\n"
			  "RUN apk update && apk add --no-cache ca-certificates && "
			  "update-ca-certificates\n"
			  "RUN adduser -D -g '' app\n"
			  "WORKDIR $GOPATH/src/path/to/package\n"
			  "COPY . .\n"
			  "RUN go build -o /go/bin/binary_name\n"
			  "\n"
			  "FROM scratch\n"
			  "COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n"
			  "COPY --from=builder /etc/passwd /etc/passwd\n"
			  "COPY --from=builder /go/bin/binary_name /go/bin/binary_name\n"
			  "USER app\n"
			  "ENTRYPOINT [\"/go/bin/binary_name\"]\n",
			  &o);
	assert_string_equal(f, "");
	free(f);
	/* "COPY SOME_FILE . / RUN chown app:app SOME_FILE" of the guide */
	f = lint_text("FROM alpine:3.20\nWORKDIR /srv\nCOPY SOME_FILE .\nRUN chown app:app "
		      "SOME_FILE\nUSER app\n",
		      &o);
	assert_string_equal(f, "4 BL011\n");
	free(f);
}

static void test_options(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	berth_strv_push(&o.ignore, "no-user");
	berth_strv_push(&o.severity_overrides, "BL002=error");
	struct berth_error *err = NULL;
	const char *text = "FROM alpine:latest\n";
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	assert_ok(berth_dockerfile_parse(text, strlen(text), "Dockerfile", &df, &err), err);
	_cleanup_lint_report_ struct berth_lint_report *r = NULL;
	assert_ok(berth_lint_run(df, &o, &r, &err), err);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(r->findings[0].severity, BERTH_LINT_ERROR);
	assert_true(berth_lint_report_fails(r, BERTH_LINT_ERROR));
	berth_lint_report_free(TAKE_PTR(r));

	berth_strv_push(&o.ignore, "BL998");
	assert_int_equal(berth_lint_run(df, &o, &r, &err), -EINVAL);
	assert_string_equal(err->msg, "unknown rule 'BL998'");
	berth_error_free(&err);
	berth_lint_options_release(&o);
}

static void test_hostile_input(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	/* unbalanced quotes, deep $( nesting, odd flags: no crash, sane output */
	char *f = lint_text("FROM a:1 AS a\nFROM a\nFROM ${X:-b}:latest\nRUN \"unterminated 'x "
			    "$($($($(\nRUN sh -c 'sh -c \"sh -c \\\"sh -c x\\\"\"'\nCOPY\nADD x\n"
			    "USER\n",
			    &o);
	assert_non_null(f);
	assert_non_null(strstr(f, "3 BL002"));
	free(f);
}

/* The fix of the finding of rule at line; NULL when there is none. Owned by the caller. */
static char *fix_of(const char *text, int line, const char *rule)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	struct berth_error *err = NULL;
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	assert_ok(berth_dockerfile_parse(text, strlen(text), "Dockerfile", &df, &err), err);
	_cleanup_lint_report_ struct berth_lint_report *r = NULL;
	assert_ok(berth_lint_run(df, &o, &r, &err), err);
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].line == line && strcmp(r->findings[i].rule->id, rule) == 0)
			return berth_xstrdup(r->findings[i].fix);
	return NULL;
}

/* Every fix can be applied where it points: none breaks the next step. */
static void test_fixes_applicable(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	/* a lone update: BL018 (join it with the install), not BL012's "rm the lists" */
	const char *lone = "FROM debian:bookworm-slim\nRUN apt-get update\n"
			   "RUN apt-get install -y --no-install-recommends curl\nUSER 1000\n";
	char *f = lint_text(lone, &o);
	assert_string_equal(f, "2 BL018\n3 BL010\n3 BL012\n");
	free(f);
	f = fix_of(lone, 2, "BL018");
	assert_non_null(strstr(f, "combine update and install in one RUN"));
	free(f);
	/* on the install RUN, removing the lists after the install is right */
	f = fix_of(lone, 3, "BL012");
	assert_non_null(strstr(f, "rm -rf /var/lib/apt/lists/*"));
	free(f);
	/* update and install together: no BL018 */
	f = lint_text("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y "
		      "--no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
		      &o);
	assert_string_equal(f, "");
	free(f);

	/* scratch has no adduser: a numeric uid */
	const char *scratch = "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n";
	f = fix_of(scratch, 1, "BL030");
	assert_non_null(f);
	assert_non_null(strstr(f, "USER 65534"));
	assert_null(strstr(f, "adduser -D"));
	free(f);
	f = fix_of("FROM alpine:3.20\nENTRYPOINT [\"/app\"]\n", 1, "BL030");
	assert_non_null(strstr(f, "adduser"));
	free(f);
	/* a scratch image that runs nothing (an export stage) needs no USER */
	f = fix_of("FROM scratch\nCOPY out /\n", 1, "BL030");
	assert_null(f);
	/* a pinned git ref is fixed by name; an unpinned one is still BL034 */
	f = fix_of("FROM alpine:3.20\nADD https://github.com/o/r.git /src\nUSER 1\n", 2, "BL034");
	assert_non_null(strstr(f, "https://github.com/o/r.git#<tag or commit>"));
	free(f);
}

/* ARG defaults are expanded with dockerfile/shell.h's rules before a source is classified. */
static void test_arg_expansion(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	char *f = lint_text("ARG HOST=github.com\n"
			    "FROM alpine:3.20\n"
			    "ARG HOST\n"
			    "ARG REPO=https://${HOST}/org/repo.git\n"
			    "ARG REF\n"
			    "ADD ${REPO}#${REF:-v1.0.0} /src\n"
			    "ENV TOOL=tool.sh\n"
			    "ADD ${TOOL} /usr/local/bin/\n"
			    "USER 1000\n",
			    &o);
	assert_string_equal(f, "8 BL035\n");
	free(f);
	/* a global ARG is not visible in a stage that does not declare it */
	f = lint_text("ARG REPO=https://github.com/org/repo.git\nFROM alpine:3.20\n"
		      "ADD ${REPO}#v1 /src\nUSER 1000\n",
		      &o);
	assert_string_equal(f, "");
	free(f);
	f = lint_text("ARG BASE=python\nARG TAG=3.12\nFROM ${BASE}:${TAG}\nUSER 1000\n", &o);
	assert_string_equal(f, "3 BL003\n");
	free(f);
	/* a base left with a hole by a missing --build-arg is not judged */
	f = lint_text("ARG REG\nFROM ${REG}/app:1\nUSER 1000\n", &o);
	assert_string_equal(f, "");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_table),	 cmocka_unit_test(test_guide_examples),
		cmocka_unit_test(test_options),		 cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_fixes_applicable), cmocka_unit_test(test_arg_expansion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
