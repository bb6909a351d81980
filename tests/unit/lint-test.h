/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Helpers the lint rule tests share. */
#include "unit.h"

#include "core/alloc.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"
#include "lint/lint.h"

/* Lints text and returns the findings as "LINE RULE" lines. */
static inline char *lint_text(const char *text, struct berth_lint_options *o)
{
	struct berth_error *err = NULL;
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	assert_ok(berth_dockerfile_parse(text, strlen(text), "Dockerfile", &df, &err), err);
	_cleanup_lint_report_ struct berth_lint_report *r = NULL;
	assert_ok(berth_lint_run(df, o, &r, &err), err);
	char *out = berth_xstrdup("");
	for (size_t i = 0; i < r->n_findings; i++) {
		char *n = berth_xasprintf("%s%d %s\n", out, r->findings[i].line,
					  r->findings[i].rule->id);
		free(out);
		out = n;
	}
	return out;
}
