/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <pthread.h>

#include "core/cleanup.h"
#include "registry/internal.h"

struct counts {
	pthread_mutex_t lock;
	int done[64];
	int running, max_running;
	size_t fail_at;
};

static int job(void *ctx, size_t i, struct berth_error **err)
{
	struct counts *c = ctx;
	pthread_mutex_lock(&c->lock);
	c->running++;
	if (c->running > c->max_running)
		c->max_running = c->running;
	pthread_mutex_unlock(&c->lock);
	usleep(2000);
	pthread_mutex_lock(&c->lock);
	c->running--;
	c->done[i]++;
	pthread_mutex_unlock(&c->lock);
	if (i == c->fail_at)
		return berth_error_set(err, EBADMSG, "job %zu failed", i);
	return 0;
}

static void test_all_run_bounded(void **state)
{
	struct counts c = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_at = 1000};
	struct berth_registry_settings s = {.parallel = 3};
	berth_registry_configure(&s);
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_run_parallel(40, job, &c, &err), err);
	for (int i = 0; i < 40; i++)
		assert_int_equal(c.done[i], 1);
	assert_true(c.max_running <= 3);
	assert_true(c.max_running >= 2);
	assert_ok(registry_run_parallel(0, job, &c, &err), err);
}

static void test_error_stops(void **state)
{
	struct counts c = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_at = 2};
	struct berth_registry_settings s = {.parallel = 2};
	berth_registry_configure(&s);
	_cleanup_error_ struct berth_error *err = NULL;
	assert_int_equal(registry_run_parallel(60, job, &c, &err), -EBADMSG);
	assert_string_equal(err->msg, "job 2 failed");
	int total = 0;
	for (int i = 0; i < 60; i++)
		total += c.done[i];
	assert_true(total < 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_run_bounded),
		cmocka_unit_test(test_error_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
