/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth_compose_service_container's answer when the service has no running
 * container, in docker compose v2's words (tests/e2e/compose-ops.bats runs
 * exec in real containers).
 */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "compose/compose.h"
#include "core/fs.h"
#include "store/store.h"

static char top[64];
static struct berth_store *hstore; /* the store at top */

static int setup(void **state)
{
	snprintf(top, sizeof(top), "/tmp/berth-cmpops-XXXXXX");
	assert_non_null(mkdtemp(top));
	assert_int_equal(berth_store_open(top, &hstore, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	berth_store_freep(&hstore);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	return 0;
}

static void test_not_running(void **state)
{
	struct berth_error *err = NULL;
	char *id = NULL;
	assert_int_equal(berth_compose_service_container(hstore, "proj", "web", 1, &id, &err),
			 -ENOENT);
	assert_string_equal(berth_error_msg(err), "service \"web\" is not running");
	assert_null(id);
	berth_error_free(&err);
	assert_int_equal(berth_compose_service_container(hstore, "proj", "web", 3, &id, &err),
			 -ENOENT);
	assert_string_equal(berth_error_msg(err), "service \"web\" is not running container #3");
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_running),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
