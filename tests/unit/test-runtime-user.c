/* SPDX-License-Identifier: Apache-2.0 */
/* USER resolution against an image's /etc/passwd and /etc/group. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "runtime/runtime.h"

static char top[64];
static int root_fd = -1;

static void put(const char *name, const char *content)
{
	int fd = openat(root_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static int setup(void **state)
{
	snprintf(top, sizeof(top), "/tmp/berth-user-XXXXXX");
	assert_non_null(mkdtemp(top));
	root_fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkdirat(root_fd, "etc", 0755);
	put("etc/passwd", "# comment\nroot:x:0:0:root:/root:/bin/sh\n"
			  "app:x:1000:1000:app:/home/app:/bin/sh\n"
			  "broken:x:notanumber:1\n"
			  "nohome:x:2000:2000:::/bin/sh\n");
	put("etc/group", "root:x:0:\napp:x:1000:app\nusers:x:100:app,other\nwheel:x:10:root\n"
			 "bad:x:-5:app\n");
	return 0;
}

static int teardown(void **state)
{
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_rm_rf_at(dfd, top + 5, NULL);
	close(dfd);
	close(root_fd);
	return 0;
}

static void test_name(void **state)
{
	struct berth_user u;
	struct berth_error *err = NULL;
	assert_ok(berth_user_resolve(root_fd, "app", &u, &err), err);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_int_equal(u.n_groups, 1);
	assert_int_equal(u.groups[0], 100);
	assert_string_equal(u.home, "/home/app");
	berth_user_release(&u);
	assert_ok(berth_user_resolve(root_fd, "root", &u, &err), err);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.n_groups, 1); /* wheel */
	assert_string_equal(u.home, "/root");
	berth_user_release(&u);
}

static void test_numeric_and_groups(void **state)
{
	struct berth_user u;
	struct berth_error *err = NULL;
	assert_ok(berth_user_resolve(root_fd, "1000:users", &u, &err), err);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 100);
	berth_user_release(&u);
	assert_ok(berth_user_resolve(root_fd, "4242", &u, &err), err);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 0);
	assert_int_equal(u.n_groups, 0);
	assert_string_equal(u.home, "/");
	berth_user_release(&u);
	assert_ok(berth_user_resolve(root_fd, "4242:77", &u, &err), err);
	assert_int_equal(u.gid, 77);
	berth_user_release(&u);
	assert_ok(berth_user_resolve(root_fd, "nohome", &u, &err), err);
	assert_string_equal(u.home, "/");
	berth_user_release(&u);
}

static void test_errors(void **state)
{
	struct berth_user u;
	struct berth_error *err = NULL;
	assert_int_equal(berth_user_resolve(root_fd, "nobody-here", &u, &err), -ENOENT);
	assert_non_null(strstr(err->msg, "unable to find user 'nobody-here'"));
	berth_error_free(&err);
	assert_int_equal(berth_user_resolve(root_fd, "app:nogroup", &u, &err), -ENOENT);
	berth_error_free(&err);
	assert_int_equal(berth_user_resolve(root_fd, "", &u, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_user_resolve(root_fd, "app:", &u, &err), -EINVAL);
	berth_error_free(&err);
	/* "-1" and "+5" are names, not ids */
	assert_int_equal(berth_user_resolve(root_fd, "-1", &u, &err), -ENOENT);
	berth_error_free(&err);
}

static void test_symlinked_passwd_stays_inside(void **state)
{
	struct berth_user u;
	struct berth_error *err = NULL;
	/* an absolute link is resolved in the root: /etc/passwd -> /../../etc/passwd */
	assert_int_equal(renameat(root_fd, "etc/passwd", root_fd, "etc/passwd.real"), 0);
	assert_int_equal(symlinkat("/../../../../etc/passwd.real", root_fd, "etc/passwd"), 0);
	assert_ok(berth_user_resolve(root_fd, "app", &u, &err), err);
	assert_int_equal(u.uid, 1000);
	berth_user_release(&u);
	unlinkat(root_fd, "etc/passwd", 0);
	/* missing databases: names fail, numbers work */
	assert_int_equal(berth_user_resolve(root_fd, "app", &u, &err), -ENOENT);
	berth_error_free(&err);
	assert_ok(berth_user_resolve(root_fd, "7", &u, &err), err);
	berth_user_release(&u);
	assert_int_equal(renameat(root_fd, "etc/passwd.real", root_fd, "etc/passwd"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_numeric_and_groups),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_symlinked_passwd_stays_inside),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
