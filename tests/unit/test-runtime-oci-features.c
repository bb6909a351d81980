/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci-features.c: what `features` lists is what the runtime accepts: every
 * mount option parses, and a seccomp profile with every listed action,
 * operator, architecture and flag loads (in a child of the test).
 */
#include "unit.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include "core/cleanup.h"
#include "runtime/internal.h"
#include "runtime/runtime.h"

static void test_mount_options(void **state)
{
	json_t *f = berth_oci_features();
	json_t *opts = json_object_get(f, "mountOptions");
	assert_true(json_array_size(opts) > 60);
	size_t i;
	json_t *o;
	json_array_foreach (opts, i, o) {
		struct berth_error *err = NULL;
		struct berth_mount_opts mo = BERTH_MOUNT_OPTS_INIT;
		char *words[] = {(char *)json_string_value(o), NULL};
		assert_ok(berth_runtime_mount_opts_parse(words, &mo, &err), err);
		assert_int_equal(mo.data.len, 0);
		berth_runtime_mount_opts_release(&mo);
	}
	json_t *hooks = json_object_get(f, "hooks");
	assert_int_equal(json_array_size(hooks), BERTH_HOOK_POINTS);
	assert_string_equal(json_string_value(json_array_get(hooks, 1)), "createRuntime");
	json_decref(f);
}

/* A profile of every action (each on a syscall the test never makes), operator, arch and flag. */
static json_t *profile_of(const json_t *sc)
{
	static const char *const spare[] = {
		"acct",	    "swapon",  "swapoff",    "kexec_load", "init_module",  "delete_module",
		"quotactl", "vhangup", "pivot_root", "syslog",	   "settimeofday", "sethostname"};
	json_t *rules = json_array();
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(sc, "actions"), i, v) {
		assert_true(i < ELEMENTSOF(spare));
		json_array_append_new(rules, json_pack("{s:[s], s:O, s:i}", "names", spare[i],
						       "action", v, "errnoRet", 1));
	}
	json_array_foreach (json_object_get(sc, "operators"), i, v)
		json_array_append_new(
			rules, json_pack("{s:[s], s:s, s:[{s:i, s:i, s:i, s:O}]}", "names",
					 "personality", "action", "SCMP_ACT_ERRNO", "args", "index",
					 0, "value", 0x1234, "valueTwo", 0x1234, "op", v));
	return json_pack("{s:s, s:O, s:O, s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
			 json_object_get(sc, "archs"), "flags",
			 json_object_get(sc, "supportedFlags"), "syscalls", rules);
}

static void test_seccomp_lists_load(void **state)
{
	json_t *f = berth_oci_features();
	json_t *sc = json_object_get(json_object_get(f, "linux"), "seccomp");
	assert_true(json_is_true(json_object_get(sc, "enabled")));
	assert_true(json_array_size(json_object_get(sc, "actions")) >= 8);
	assert_true(json_array_size(json_object_get(sc, "operators")) == 7);
	assert_true(json_array_size(json_object_get(sc, "archs")) >= 1);
	json_t *p = profile_of(sc);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct berth_error *err = NULL;
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (berth_seccomp_apply(p, &err) < 0) {
			fprintf(stderr, "%s\n", err->msg);
			_exit(1);
		}
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	json_decref(p);
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_seccomp_lists_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
