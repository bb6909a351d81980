/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth_chase_in_root: symlinks of a hostile tree resolved inside it, also
 * through components that do not exist yet; both with openat2 and with the
 * forced component-walk fallback.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/chase.h"
#include "core/fs.h"

static char top[64];
static int root_fd = -1;

static int setup(void **state)
{
	snprintf(top, sizeof(top), "/tmp/berth-chase-XXXXXX");
	assert_non_null(mkdtemp(top));
	root_fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(root_fd >= 0);
	int d = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(mkdirat(d, "etc", 0755), 0);
	assert_int_equal(mkdirat(d, "srv", 0755), 0);
	assert_int_equal(symlinkat("/etc", d, "data"), 0);	 /* absolute: clamped */
	assert_int_equal(symlinkat("../../../etc", d, "up"), 0); /* ".." above the root */
	assert_int_equal(symlinkat("srv/new", d, "rel"), 0);	 /* to a missing dir */
	assert_int_equal(symlinkat("/nonexistent/deep", d, "dangling"), 0);
	assert_int_equal(symlinkat("loop2", d, "loop1"), 0);
	assert_int_equal(symlinkat("loop1", d, "loop2"), 0);
	assert_int_equal(symlinkat("data", d, "chain"), 0);
	int f = openat(d, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	close(f);
	close(d);
	return 0;
}

static int teardown(void **state)
{
	close(root_fd);
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	return 0;
}

static void expect(const char *path, const char *want)
{
	char *got = NULL;
	struct berth_error *err = NULL;
	int r = berth_chase_in_root(root_fd, path, &got, &err);
	if (r < 0)
		fail_msg("chase '%s': %s", path, berth_error_msg(err));
	assert_string_equal(got, want);
	free(got);
}

static void cases(void)
{
	expect("/", "/");
	expect("", "/");
	expect("/srv", "/srv");
	expect("srv/./x/", "/srv/x");
	expect("/data", "/etc");
	expect("/data/in/deeper", "/etc/in/deeper");
	expect("/chain/x", "/etc/x");
	expect("/up/x", "/etc/x");
	expect("/../../etc/x", "/etc/x");
	expect("/rel/x", "/srv/new/x");
	expect("/dangling/x", "/nonexistent/deep/x");
	expect("/missing/../srv/../../etc", "/etc");

	char *got = NULL;
	struct berth_error *err = NULL;
	assert_int_equal(berth_chase_in_root(root_fd, "/loop1/x", &got, &err), -ELOOP);
	assert_null(got);
	berth_error_free(&err);
	/* a file as a parent cannot be resolved through */
	assert_true(berth_chase_in_root(root_fd, "/file/x", &got, &err) < 0);
	assert_int_equal(berth_error_code(err), ENOTDIR);
	berth_error_free(&err);
}

static void test_chase_openat2(void **state)
{
	berth_fs_force_fallback(false);
	cases();
}

static void test_chase_fallback(void **state)
{
	berth_fs_force_fallback(true);
	cases();
	berth_fs_force_fallback(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chase_openat2),
		cmocka_unit_test(test_chase_fallback),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
