/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/lazylib.h"

/* In a child, over the folder the system's libraries are in (libc's) and
 * /usr/local/lib: an empty tmpfs, in a mount namespace of the child's own.
 * 0 when the libraries are out of sight, -errno otherwise. */
static int hide_system_libraries(void)
{
	Dl_info info;
	char path[PATH_MAX], dir[PATH_MAX];
	if (!dladdr((void *)printf, &info) || !realpath(info.dli_fname, path))
		return -ENOENT;
	snprintf(dir, sizeof(dir), "%s", dirname(path));
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0)
		return -errno;
	if (access("/usr/local/lib", F_OK) == 0 &&
	    mount("tmpfs", "/usr/local/lib", "tmpfs", 0, "size=64k") < 0)
		return -errno;
	return 0;
}

/* The message a library that is not installed gives: its name and soname, the
 * loader's own words, one line. */
static void expect_missing(enum berth_lib lib, const char *msg)
{
	char want[512];
	snprintf(want, sizeof(want),
		 "%s: %s: cannot open shared object file: No such file or directory",
		 berth_lib_name(lib), berth_lib_soname(lib));
	if (strcmp(msg, want) != 0) {
		fprintf(stderr, "got  '%s'\nwant '%s'\n", msg, want);
		_exit(2);
	}
}

static void on_unavailable(const struct berth_error *e)
{
	expect_missing(BERTH_LIB_NFTABLES, berth_error_msg(e));
	_exit(127);
}

/* Every lazy library, absent: berth_lib_load() says which, once and again;
 * berth_lib_sym() (a shim's first call) hands the same error to the handler.
 * Runs first: nothing in this process has loaded any of them yet. */
static void test_each_library_missing(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r = hide_system_libraries();
		if (r < 0)
			_exit(r == -EPERM ? 77 : 3);
		for (int lib = 0; lib < _BERTH_LIB_MAX; lib++) {
			if (dlopen(berth_lib_soname(lib), RTLD_LAZY | RTLD_NOLOAD))
				_exit(4); /* mapped already: it cannot be missing */
			for (int again = 0; again < 2; again++) {
				struct berth_error *err = NULL;
				if (berth_lib_load(lib, &err) != -ELIBACC || !err)
					_exit(5);
				expect_missing(lib, berth_error_msg(err));
				berth_error_free(&err);
			}
			if (berth_lib_is_loaded(lib))
				_exit(6);
		}
		berth_lib_set_unavailable_handler(on_unavailable);
		berth_lib_sym(BERTH_LIB_NFTABLES, 0);
		_exit(7); /* the handler does not return */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip(); /* no mount namespace here */
	assert_int_equal(WEXITSTATUS(st), 127);
}

static void test_open_missing_library(void **state)
{
	struct berth_error *err = NULL;
	const char *names[] = {"nothing"};
	void *t[1] = {(void *)&err};
	assert_int_equal(berth_lazylib_open("libberth-no-such.so.9", names, 1, t, &err), -ELIBACC);
	assert_non_null(strstr(err->msg, "libberth-no-such.so.9: cannot open shared object file"));
	assert_ptr_equal(t[0], (void *)&err); /* untouched on failure */
	berth_error_free(&err);
}

static void test_open_missing_symbol(void **state)
{
	struct berth_error *err = NULL;
	const char *names[] = {"zlibVersion", "berth_no_such_symbol"};
	void *t[2] = {NULL, NULL};
	assert_int_equal(berth_lazylib_open("libz.so.1", names, 2, t, &err), -ELIBACC);
	assert_string_equal(err->msg, "libz.so.1: symbol 'berth_no_such_symbol' missing");
	assert_null(t[0]);
	berth_error_free(&err);
}

static void test_open_resolves(void **state)
{
	struct berth_error *err = NULL;
	const char *names[] = {"zlibVersion"};
	void *t[1] = {NULL};
	assert_ok(berth_lazylib_open("libz.so.1", names, 1, t, &err), err);
	const char *(*version)(void) = (const char *(*)(void))t[0];
	assert_true(version()[0] >= '1');
}

static void test_load_each_library(void **state)
{
	/* nothing in this test binary calls a lazy library before this test */
	for (int lib = 0; lib < _BERTH_LIB_MAX; lib++) {
		struct berth_error *err = NULL;
		assert_false(berth_lib_is_loaded(lib));
		assert_non_null(strstr(berth_lib_soname(lib), ".so."));
		assert_true(berth_lib_name(lib)[0] != '\0');
		assert_ok(berth_lib_load(lib, &err), err);
		assert_true(berth_lib_is_loaded(lib));
		assert_ok(berth_lib_load(lib, &err), err); /* once: same answer */
		assert_non_null(berth_lib_sym(lib, 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_library_missing),
		cmocka_unit_test(test_open_missing_library),
		cmocka_unit_test(test_open_missing_symbol),
		cmocka_unit_test(test_open_resolves),
		cmocka_unit_test(test_load_each_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
