/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp: the default profile blocks what Docker blocks; profiles from JSON. */
#include "unit.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "runtime/runtime.h"

/* Applies profile in a child and returns the errno of syscall nr (0 on success). */
static int errno_in_child(json_t *profile, long nr, long a0)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		if (berth_seccomp_apply(profile, NULL) < 0)
			_exit(100);
		int e = 0;
		if (syscall(nr, a0, 0, 0, 0, 0) < 0)
			e = errno;
		(void)!write(pfd[1], &e, sizeof(e));
		_exit(0);
	}
	close(pfd[1]);
	int e = -1, st;
	assert_int_equal(read(pfd[0], &e, sizeof(e)), (ssize_t)sizeof(e));
	close(pfd[0]);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return e;
}

/*
 * Applies profile in a child (an accepted filter must not reach the test
 * process): the errno of its refusal with its message in msg, 0 when it was
 * accepted.
 */
static int refusal_in_child(json_t *profile, char *msg, size_t size)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		struct berth_error *e = NULL;
		if (berth_seccomp_apply(profile, &e) >= 0)
			_exit(0);
		const char *m = berth_error_msg(e);
		(void)!write(pfd[1], m, strlen(m));
		_exit(berth_error_code(e) & 0xff);
	}
	close(pfd[1]);
	ssize_t n = read(pfd[0], msg, size - 1);
	close(pfd[0]);
	msg[n > 0 ? n : 0] = '\0';
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_default_blocks(void **state)
{
	json_t *p = berth_seccomp_default_profile();
	assert_int_equal(errno_in_child(p, SYS_unshare, CLONE_NEWUSER), EPERM);
	assert_int_equal(errno_in_child(p, SYS_keyctl, 0), EPERM);
	assert_int_equal(errno_in_child(p, SYS_add_key, 0), EPERM);
	assert_int_equal(errno_in_child(p, SYS_clone3, 0), ENOSYS);
	assert_int_equal(errno_in_child(p, SYS_getpid, 0), 0);
	/* clone with a namespace flag is refused, a plain one is not inspected here */
	assert_int_equal(errno_in_child(p, SYS_clone, CLONE_NEWNS | SIGCHLD), EPERM);
	json_decref(p);
}

static void test_profile_file(void **state)
{
	char path[] = "/tmp/berth-seccomp-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *doc = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			  "[\"getppid\",\"no_such_syscall\"],\"action\":\"SCMP_ACT_ERRNO\","
			  "\"errnoRet\":13}]}";
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	json_t *p = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_seccomp_load_profile(path, &p, &err), err);
	assert_int_equal(errno_in_child(p, SYS_getppid, 0), EACCES);
	assert_int_equal(errno_in_child(p, SYS_getpid, 0), 0);
	json_decref(p);
	unlink(path);
	assert_int_equal(berth_seccomp_load_profile("/nonexistent.json", &p, &err), -ENOENT);
	berth_error_free(&err);
}

static void test_bad_profiles(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":9,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_WAT\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":99999}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *p = NULL;
		struct berth_error *err = NULL;
		assert_ok(berth_json_parse(bad[i], strlen(bad[i]), "t", &p, &err), err);
		/* in a child: a half-built filter must never reach this process */
		pid_t pid = fork();
		if (pid == 0)
			_exit(berth_seccomp_apply(p, NULL) < 0 ? 0 : 1);
		int st;
		waitpid(pid, &st, 0);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) != 0)
			fail_msg("profile %zu was accepted", i);
		json_decref(p);
	}
}

/*
 * A malformed argument value refuses the whole profile, naming the rule: read
 * as 0 it would filter on the wrong number (here: refuse read() from fd 0
 * instead of from fd 16).
 */
static void test_malformed_arg_value(void **state)
{
	static const char *const values[] = {
		"\"value\":\"16\"",
		"\"value\":16.5",
		"\"value\":-16",
		"\"value\":16,\"valueTwo\":\"x\"",
		"\"value\":16,\"valueTwo\":[]",
	};
	for (size_t i = 0; i < ELEMENTSOF(values); i++) {
		_cleanup_free_ char *doc = berth_xasprintf(
			"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
			"\"getpid\"],"
			"\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"read\"],\"action\":"
			"\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,%s,\"op\":\"SCMP_CMP_EQ\"}]}]}",
			values[i]);
		json_t *p = NULL;
		struct berth_error *err = NULL;
		assert_ok(berth_json_parse(doc, strlen(doc), "t", &p, &err), err);
		char msg[512];
		int code = refusal_in_child(p, msg, sizeof(msg));
		if (code != EINVAL)
			fail_msg("profile with %s: %s", values[i], code == 0 ? "accepted" : msg);
		/* the refused rule is named: its index and its syscall */
		if (!strstr(msg, "syscalls[1]") || !strstr(msg, "read"))
			fail_msg("error does not name the rule: %s", msg);
		json_decref(p);
	}
}

static json_t *parse_doc(const char *doc)
{
	json_t *p = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_json_parse(doc, strlen(doc), "t", &p, &err), err);
	return p;
}

/* A profile refusing personality() (with EDOM) when its argument matches args. */
static json_t *personality_rule(const char *args)
{
	_cleanup_free_ char *doc = berth_xasprintf(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":%d,\"args\":[%s]}]}",
		EDOM, args);
	return parse_doc(doc);
}

/* Each operator, and one argument compared twice (ORed, as runc does). */
static void test_rule_args(void **state)
{
	static const struct {
		const char *args;
		long blocked, allowed;
	} cases[] = {
		{"{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_NE\"}", 0, 0xffffffff},
		{"{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}", 0xffffffff, 0},
		{"{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_LT\"}", 7, 8},
		{"{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_LE\"}", 8, 9},
		{"{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_GE\"}", 8, 7},
		{"{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_GT\"}", 9, 8},
		{"{\"index\":0,\"value\":240,\"valueTwo\":16,\"op\":\"SCMP_CMP_MASKED_EQ\"}", 0x13,
		 0x23},
		{"{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
		 "{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}",
		 2, 3},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		json_t *p = personality_rule(cases[i].args);
		if (errno_in_child(p, SYS_personality, cases[i].blocked) != EDOM)
			fail_msg("%s: personality(%#lx) was not refused", cases[i].args,
				 cases[i].blocked);
		if (errno_in_child(p, SYS_personality, cases[i].allowed) != 0)
			fail_msg("%s: personality(%#lx) was refused", cases[i].args,
				 cases[i].allowed);
		json_decref(p);
	}
	/* the second argument: socket(AF_INET6, ...) refused, AF_UNIX left to the kernel */
	json_t *p = parse_doc("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			      "[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":97,"
			      "\"args\":[{\"index\":0,\"value\":10,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	assert_int_equal(errno_in_child(p, SYS_socket, AF_INET6), EAFNOSUPPORT);
	assert_int_not_equal(errno_in_child(p, SYS_socket, AF_UNIX), EAFNOSUPPORT);
	json_decref(p);
}

/*
 * defaultErrnoRet is what a syscall outside the allowed ones returns. Every
 * syscall of this architecture but getppid is allowed (whatever libc and a
 * sanitizer's runtime call in the child keeps working).
 */
static void test_default_errno_ret(void **state)
{
	json_t *p = parse_doc(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":18,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
		"\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
		"\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	json_t *names = json_object_get(json_array_get(json_object_get(p, "syscalls"), 0), "names");
	for (int nr = 0; nr < 1024; nr++) {
		_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name && strcmp(name, "getppid") != 0)
			json_array_append_new(names, json_string(name));
	}
	assert_true(json_array_size(names) > 300);
	assert_int_equal(errno_in_child(p, SYS_getppid, 0), EXDEV);
	assert_int_equal(errno_in_child(p, SYS_getpid, 0), 0);
	json_decref(p);
}

/* What berth cannot do is refused, naming it: in the check (create) and at load. */
static void test_refused(void **state)
{
	static const struct {
		const char *doc, *says;
	} cases[] = {
		{"{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "SCMP_ACT_NOTIFY"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
		 "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		 "syscalls[0] (mkdir): action SCMP_ACT_NOTIFY"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\"}",
		 "listenerPath"},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		json_t *p = parse_doc(cases[i].doc);
		struct berth_error *err = NULL;
		assert_int_equal(berth_seccomp_check(p, &err), -ENOTSUP);
		if (!strstr(berth_error_msg(err), cases[i].says))
			fail_msg("'%s' does not say %s", berth_error_msg(err), cases[i].says);
		berth_error_free(&err);
		json_decref(p);
	}
	json_t *ok = berth_seccomp_default_profile();
	assert_int_equal(berth_seccomp_check(ok, NULL), 0);
	json_decref(ok);
	/* refused at load too (a profile that did not come through the spec) */
	static const struct {
		const char *doc, *says;
	} at_load[] = {
		{"{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "SCMP_ACT_NOTIFY"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}",
		 "SECCOMP_FILTER_FLAG_NOPE"},
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_NOPE\"]}",
		 "SCMP_ARCH_NOPE"},
	};
	for (size_t i = 0; i < ELEMENTSOF(at_load); i++) {
		json_t *p = parse_doc(at_load[i].doc);
		char msg[512];
		if (refusal_in_child(p, msg, sizeof(msg)) == 0 || !strstr(msg, at_load[i].says))
			fail_msg("%s: accepted or not named: '%s'", at_load[i].doc, msg);
		json_decref(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_blocks), cmocka_unit_test(test_profile_file),
		cmocka_unit_test(test_bad_profiles),   cmocka_unit_test(test_malformed_arg_value),
		cmocka_unit_test(test_rule_args),      cmocka_unit_test(test_default_errno_ret),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
