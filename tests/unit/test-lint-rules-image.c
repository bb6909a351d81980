/* SPDX-License-Identifier: Apache-2.0 */
/* The rules of FROM and of the final image (lint/rules-image.c). */
#include "lint-test.h"

/* FROM: no tag, latest, and a digest that pins it. */
static void test_from(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	char *f = lint_text("FROM alpine\nUSER 1000\n", &o);
	assert_string_equal(f, "1 BL001\n");
	free(f);
	f = lint_text("FROM alpine:latest\nUSER 1000\n", &o);
	assert_string_equal(f, "1 BL002\n");
	free(f);
	f = lint_text("FROM alpine@sha256:"
		      "0000000000000000000000000000000000000000000000000000000000000000\n"
		      "USER 1000\n",
		      &o);
	assert_string_equal(f, "");
	free(f);
}

/* The final image: who it runs as and its ENTRYPOINT's form. */
static void test_final_image(void **state)
{
	struct berth_lint_options o;
	berth_lint_options_init(&o);
	char *f = lint_text("FROM alpine:3.20\n", &o);
	assert_string_equal(f, "1 BL030\n");
	free(f);
	f = lint_text("FROM alpine:3.20\nUSER root\nENTRYPOINT /app\n", &o);
	assert_string_equal(f, "2 BL031\n3 BL041\n");
	free(f);
	/* USER of a build stage does not count for the final one */
	f = lint_text("FROM alpine:3.20 AS b\nUSER 1000\nFROM b\nUSER 0\n", &o);
	assert_string_equal(f, "4 BL031\n");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from),
		cmocka_unit_test(test_final_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
