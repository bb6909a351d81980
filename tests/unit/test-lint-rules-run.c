/* SPDX-License-Identifier: Apache-2.0 */
/* The rules of RUN, COPY and ADD (lint/rules-run.c). */
#include "lint-test.h"

/* Each command of a RUN is judged on its own words: package caches and lists, sudo, chmod. */
static void test_run_commands(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	char *f = lint_text("FROM alpine:3.20\n"
			    "RUN apk add curl\n"
			    "RUN pip install -r req.txt && sudo chmod 777 /srv\n"
			    "RUN apk add --no-cache git && pip install --no-cache-dir x\n"
			    "USER 1000\n",
			    &o);
	assert_string_equal(f, "2 BL013\n3 BL010\n3 BL014\n3 BL037\n3 BL039\n4 BL010\n");
	free(f);
}

/* Paths a layer put down and a later layer changes or deletes: BL011 and BL017. */
static void test_layer_paths(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	char *f = lint_text("FROM alpine:3.20\n"
			    "WORKDIR /srv\n"
			    "COPY big.tar /srv/\n"
			    "RUN rm /srv/big.tar\n"
			    "USER 1000\n",
			    &o);
	assert_string_equal(f, "4 BL017\n");
	free(f);
	/* a path the same RUN made and removed is not a later layer's deletion */
	f = lint_text("FROM alpine:3.20\n"
		      "RUN touch /tmp/x && rm /tmp/x\n"
		      "USER 1000\n",
		      &o);
	assert_string_equal(f, "");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_commands),
		cmocka_unit_test(test_layer_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
