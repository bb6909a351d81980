/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mount-options.c: a mount's option words to mount(2) flags, the recursive
 * mount_setattr(2) attributes, propagation, the copy-ups and the
 * filesystem's data; unknown words refused; every listed name accepted.
 */
#include "unit.h"

#include "core/strv.h"
#include "runtime/internal.h"

static int parse(const char *const *words, struct berth_mount_opts *o, struct berth_error **err)
{
	return berth_runtime_mount_opts_parse((char *const *)words, o, err);
}

static void test_flags(void **state)
{
	struct berth_error *err = NULL;
	struct berth_mount_opts o = BERTH_MOUNT_OPTS_INIT;
	const char *w[] = {"rbind", "ro",      "nosuid",   "nodev",    "noexec", "noatime",
			   "sync",  "dirsync", "lazytime", "iversion", "silent", "mand",
			   "acl",   "remount", "defaults", NULL};
	assert_ok(parse(w, &o, &err), err);
	unsigned long want = MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
			     MS_NOATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_LAZYTIME | MS_I_VERSION |
			     MS_SILENT | MS_MANDLOCK | MS_POSIXACL | MS_REMOUNT;
	assert_int_equal(o.flags, want);
	assert_int_equal(o.cleared, 0);
	assert_int_equal(o.data.len, 0);
	/* the later word wins; the clearing words are remembered as asked off */
	const char *w2[] = {"rw",    "suid",	   "dev",	 "exec",	  "atime",
			    "async", "nolazytime", "noiversion", "loud",	  "nomand",
			    "noacl", "diratime",   "norelatime", "nostrictatime", NULL};
	assert_ok(parse(w2, &o, &err), err);
	assert_int_equal(o.flags, MS_BIND | MS_REC | MS_DIRSYNC | MS_REMOUNT);
	assert_true(o.cleared & MS_RDONLY);
	assert_true(o.cleared & MS_NOSUID);
	assert_true(o.cleared & MS_NODIRATIME);
	const char *w3[] = {"ro", NULL};
	assert_ok(parse(w3, &o, &err), err);
	assert_true(o.flags & MS_RDONLY);
	assert_false(o.cleared & MS_RDONLY);
	berth_runtime_mount_opts_release(&o);
}

static void test_recursive(void **state)
{
	struct berth_error *err = NULL;
	struct berth_mount_opts o = BERTH_MOUNT_OPTS_INIT;
	const char *w[] = {"rro", "rnosuid", "rnodev", "rnoexec", "rnoatime", "rnosymfollow", NULL};
	assert_ok(parse(w, &o, &err), err);
	assert_int_equal(o.rec_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					    MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME |
					    MOUNT_ATTR_NOSYMFOLLOW);
	assert_int_equal(o.rec_clr, MOUNT_ATTR__ATIME);
	assert_int_equal(o.flags, 0);
	/* an atime word replaces the mode; a clearing word undoes its setting one */
	const char *w2[] = {"rstrictatime", "rrw", "rsuid", NULL};
	assert_ok(parse(w2, &o, &err), err);
	assert_int_equal(o.rec_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_STRICTATIME);
	assert_false(o.rec_set & MOUNT_ATTR_RDONLY);
	assert_true(o.rec_clr & MOUNT_ATTR_RDONLY);
	assert_true(o.rec_clr & MOUNT_ATTR_NOSUID);
	const char *w3[] = {"ratime", "rnodiratime", NULL};
	assert_ok(parse(w3, &o, &err), err);
	assert_int_equal(o.rec_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME);
	assert_true(o.rec_set & MOUNT_ATTR_NODIRATIME);
	berth_runtime_mount_opts_release(&o);
}

static void test_propagation_and_extensions(void **state)
{
	struct berth_error *err = NULL;
	struct berth_mount_opts o = BERTH_MOUNT_OPTS_INIT;
	const char *w[] = {"rslave", "tmpcopyup", "berth.copyup", NULL};
	assert_ok(parse(w, &o, &err), err);
	assert_int_equal(o.prop, MS_SLAVE | MS_REC);
	assert_true(o.tmpcopyup);
	assert_true(o.copyup);
	const char *w2[] = {"notmpcopyup", "private", NULL};
	assert_ok(parse(w2, &o, &err), err);
	assert_false(o.tmpcopyup);
	assert_int_equal(o.prop, MS_PRIVATE);
	unsigned long f = 0;
	assert_int_equal(berth_runtime_propagation_flag("runbindable", &f), 0);
	assert_int_equal(f, MS_UNBINDABLE | MS_REC);
	assert_int_equal(berth_runtime_propagation_flag("rbind", &f), -EINVAL);
	berth_runtime_mount_opts_release(&o);
}

static void test_data(void **state)
{
	struct berth_error *err = NULL;
	struct berth_mount_opts o = BERTH_MOUNT_OPTS_INIT;
	const char *w[] = {"nosuid", "newinstance", "ptmxmode=0666", "mode=0620",
			   "gid=5",  "size=65536k", "inode64",	     NULL};
	assert_ok(parse(w, &o, &err), err);
	assert_string_equal(o.data.buf, "newinstance,ptmxmode=0666,mode=0620,gid=5,size=65536k,"
					"inode64");
	assert_int_equal(o.flags, MS_NOSUID);
	berth_runtime_mount_opts_release(&o);
}

static void test_unknown_refused(void **state)
{
	static const char *const bad[] = {"nosiud", "r", "", "=5", "RO", "rbind2", NULL};
	for (const char *const *b = bad; *b; b++) {
		struct berth_error *err = NULL;
		struct berth_mount_opts o = BERTH_MOUNT_OPTS_INIT;
		const char *w[] = {"rbind", *b, NULL};
		assert_int_equal(parse(w, &o, &err), -EINVAL);
		assert_non_null(err);
		char want[64];
		snprintf(want, sizeof(want), "unknown mount option '%s'", *b);
		assert_string_equal(err->msg, want);
		berth_error_free(&err);
		berth_runtime_mount_opts_release(&o);
	}
}

static void test_names_all_accepted(void **state)
{
	char **names = berth_runtime_mount_option_names();
	assert_true(berth_strv_len(names) > 60);
	assert_true(berth_strv_contains(names, "rro"));
	assert_true(berth_strv_contains(names, "tmpcopyup"));
	assert_true(berth_strv_contains(names, "rshared"));
	assert_false(berth_strv_contains(names, "newinstance"));
	BERTH_STRV_FOREACH (n, names) {
		struct berth_error *err = NULL;
		struct berth_mount_opts o = BERTH_MOUNT_OPTS_INIT;
		const char *w[] = {*n, NULL};
		assert_ok(parse(w, &o, &err), err);
		assert_int_equal(o.data.len, 0);
		berth_runtime_mount_opts_release(&o);
	}
	berth_strv_free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_recursive),
		cmocka_unit_test(test_propagation_and_extensions),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_unknown_refused),
		cmocka_unit_test(test_names_all_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
