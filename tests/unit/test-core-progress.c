/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <stdint.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/progress.h"

/* A receiver that writes down what it is told, one line per report. */
struct record {
	struct berth_buf log;
	bool freed;
};

static void rec_start(void *data, int item, const char *label, uint64_t total)
{
	berth_buf_addf(&((struct record *)data)->log, "start %d %s %llu\n", item, label,
		       (unsigned long long)total);
}

static void rec_set_total(void *data, int item, uint64_t total)
{
	berth_buf_addf(&((struct record *)data)->log, "total %d %llu\n", item,
		       (unsigned long long)total);
}

static void rec_update(void *data, int item, uint64_t current)
{
	berth_buf_addf(&((struct record *)data)->log, "update %d %llu\n", item,
		       (unsigned long long)current);
}

static void rec_done(void *data, int item, const char *status)
{
	berth_buf_addf(&((struct record *)data)->log, "done %d %s\n", item, status);
}

static void rec_line(void *data, const char *text)
{
	berth_buf_addf(&((struct record *)data)->log, "line %s\n", text);
}

static void rec_free(void *data)
{
	((struct record *)data)->freed = true;
}

static const struct berth_progress_ops rec_ops = {
	.start = rec_start,
	.set_total = rec_set_total,
	.update = rec_update,
	.done = rec_done,
	.line = rec_line,
	.free = rec_free,
};

static void test_reports_reach_the_receiver(void **state)
{
	struct record rec = {.log = BERTH_BUF_INIT};
	struct berth_progress *p = berth_progress_new(&rec_ops, &rec);
	int a = berth_progress_start(p, "layer sha256:ab12", 100);
	int b = berth_progress_start(p, "config", 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	berth_progress_set_total(p, b, 7);
	berth_progress_update(p, a, 50);
	berth_progress_line(p, "step %d of %s", 1, "two");
	berth_progress_done(p, a, "exists");
	berth_progress_done(p, b, NULL);
	berth_progress_free(p);
	assert_true(rec.freed);
	assert_string_equal(rec.log.buf, "start 0 layer sha256:ab12 100\n"
					 "start 1 config 0\n"
					 "total 1 7\n"
					 "update 0 50\n"
					 "line step 1 of two\n"
					 "done 0 exists\n"
					 "done 1 done\n");
	berth_buf_release(&rec.log);
}

static void test_null_progress_and_callbacks(void **state)
{
	/* nobody listens: nothing happens, and no item handle */
	assert_int_equal(berth_progress_start(NULL, "x", 0), -1);
	berth_progress_update(NULL, 0, 1);
	berth_progress_done(NULL, -1, "done");
	berth_progress_line(NULL, "hidden");
	berth_progress_free(NULL);
	/* a receiver that wants only some reports */
	static const struct berth_progress_ops none = {0};
	struct berth_progress *p = berth_progress_new(&none, NULL);
	int a = berth_progress_start(p, "x", 0);
	assert_int_equal(a, 0);
	berth_progress_set_total(p, a, 1);
	berth_progress_update(p, a, 1);
	berth_progress_line(p, "x");
	berth_progress_done(p, a, "done");
	berth_progress_free(p);
}

static void test_sizes(void **state)
{
	char b[16];
	assert_string_equal(berth_format_size(999, b), "999B");
	assert_string_equal(berth_format_size(1000, b), "1kB");
	assert_string_equal(berth_format_size(4261000, b), "4.26MB");
	/* go-units HumanSizeWithPrecision(…, 4), Docker's "Total reclaimed space" */
	assert_string_equal(berth_format_size_prec(1843, 4, b), "1.843kB");
	assert_string_equal(berth_format_size_prec(0, 4, b), "0B");
	assert_string_equal(berth_format_size_prec(UINT64_MAX, 4, b), "18.45EB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_reach_the_receiver),
		cmocka_unit_test(test_null_progress_and_callbacks),
		cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
