/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec-process.c: linux.personality, process.ioPriority, process.scheduler,
 * linux.rootfsPropagation and the security labels, from a config.json to
 * what the container's process has (read back with personality(2),
 * ioprio_get(2), sched_getattr(2), /proc/self/mountinfo), and what is refused.
 */
#include "runtime-fixture.h"

#include <linux/ioprio.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/log.h"
#include "runtime/internal.h"

static int setup(void **state)
{
	busybox_tree("spec-process", "rootfs");
	return 0;
}

/* Parses a config.json whose process and linux objects hold proc_extra, linux_extra. */
static int parse(const char *proc_extra, const char *linux_extra, struct berth_spec *spec,
		 struct berth_error **err)
{
	_cleanup_free_ char *text = berth_xasprintf(
		"{\"process\":{\"args\":[\"a\"]%s%s},\"root\":{\"path\":\"r\"},\"linux\":{%s}}",
		proc_extra[0] ? "," : "", proc_extra, linux_extra);
	json_t *j = NULL;
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, err), *err);
	berth_spec_init(spec);
	int r = berth_spec_from_json(j, spec, err);
	json_decref(j);
	return r;
}

static void test_parse(void **state)
{
	struct berth_spec spec;
	struct berth_error *err = NULL;
	assert_ok(parse("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7},"
			"\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"runtime\":10000000,"
			"\"deadline\":20000000,\"period\":30000000,\"flags\":["
			"\"SCHED_FLAG_RESET_ON_FORK\"]}",
			"\"personality\":{\"domain\":\"LINUX32\",\"flags\":[]},"
			"\"rootfsPropagation\":\"rslave\"",
			&spec, &err),
		  err);
	assert_true(spec.has_personality && spec.personality == PER_LINUX32);
	assert_true(spec.has_io_priority);
	assert_int_equal(spec.io_priority, (int)IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 7));
	assert_true(spec.has_scheduler);
	assert_int_equal(spec.scheduler.policy, 6 /* SCHED_DEADLINE */);
	assert_int_equal(spec.scheduler.runtime, 10000000);
	assert_int_equal(spec.scheduler.deadline, 20000000);
	assert_int_equal(spec.scheduler.period, 30000000);
	assert_int_equal(spec.scheduler.flags, 1 /* SCHED_FLAG_RESET_ON_FORK */);
	assert_int_equal(spec.rootfs_propagation, MS_SLAVE | MS_REC);
	berth_spec_release(&spec);
	/* each refusal names what it refuses */
	static const struct {
		const char *proc, *linux_, *says;
	} bad[] = {
		{"", "\"personality\":{\"domain\":\"LINUX64\"}", "personality domain 'LINUX64'"},
		{"", "\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"SHORT_INODE\"]}",
		 "personality flags"},
		{"\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NOPE\"}", "",
		 "ioPriority class 'IOPRIO_CLASS_NOPE'"},
		{"\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}", "", "priority"},
		{"\"scheduler\":{\"policy\":\"SCHED_NOPE\"}", "", "scheduler policy 'SCHED_NOPE'"},
		{"\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":20}", "", "nice 20"},
		{"\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"flags\":[\"SCHED_FLAG_UTIL_CLAMP_"
		 "MIN\"]}",
		 "", "scheduler flag 'SCHED_FLAG_UTIL_CLAMP_MIN'"},
		{"", "\"rootfsPropagation\":\"sideways\"", "rootfsPropagation 'sideways'"},
		{"", "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "SCMP_ACT_NOTIFY"},
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_true(parse(bad[i].proc, bad[i].linux_, &spec, &err) < 0);
		if (!strstr(berth_error_msg(err), bad[i].says))
			fail_msg("'%s' does not say %s", berth_error_msg(err), bad[i].says);
		berth_error_free(&err);
		berth_spec_release(&spec);
	}
}

/*
 * berth_spec_to_json writes back what the parser reads: the second spec,
 * read from the first's JSON, has every field, and writes the same JSON.
 */
static void test_round_trip(void **state)
{
	struct berth_spec spec, back;
	struct berth_error *err = NULL;
	assert_ok(parse("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":3},"
			"\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":-5,"
			"\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\",\"SCHED_FLAG_KEEP_PARAMS\"]},"
			"\"apparmorProfile\":\"prof\",\"selinuxLabel\":\"s0\"",
			"\"personality\":{\"domain\":\"LINUX32\"},\"rootfsPropagation\":"
			"\"rshared\",\"mountLabel\":\"m0\",\"seccomp\":{\"defaultAction\":"
			"\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
			"\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":8,"
			"\"op\":\"SCMP_CMP_EQ\"}]}]}",
			&spec, &err),
		  err);
	json_t *j = berth_spec_to_json(&spec);
	berth_spec_init(&back);
	assert_ok(berth_spec_from_json(j, &back, &err), err);
	assert_true(back.has_personality && back.personality == PER_LINUX32);
	assert_true(back.has_io_priority);
	assert_int_equal(back.io_priority, (int)IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 3));
	assert_true(back.has_scheduler);
	assert_int_equal(back.scheduler.policy, SCHED_BATCH);
	assert_int_equal(back.scheduler.nice, -5);
	assert_int_equal(back.scheduler.flags, 0x01 | 0x10);
	assert_int_equal(back.rootfs_propagation, MS_SHARED | MS_REC);
	assert_string_equal(back.apparmor_profile, "prof");
	assert_string_equal(back.selinux_label, "s0");
	assert_string_equal(back.mount_label, "m0");
	assert_true(json_equal(back.seccomp, spec.seccomp));
	json_t *j2 = berth_spec_to_json(&back);
	assert_true(json_equal(j, j2));
	json_decref(j2);
	json_decref(j);
	berth_spec_release(&back);
	berth_spec_release(&spec);
}

/* What set_process_attrs gives a forked child, read back there; 0 when all match. */
static int attrs_in_child(const struct berth_spec *spec, char *msg, size_t n)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		struct berth_error *e = NULL;
		char out[256] = "";
		if (berth_runtime_set_process_attrs(spec, &e) < 0) {
			snprintf(out, sizeof(out), "%s", berth_error_msg(e));
		} else {
			/* sched_getattr(2)'s struct (linux/sched/types.h clashes with sched.h) */
			struct {
				uint32_t size, sched_policy;
				uint64_t sched_flags;
				int32_t sched_nice;
				uint32_t sched_priority;
				uint64_t rt, dl, per;
			} a = {0};
			long r = syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0);
			snprintf(out, sizeof(out), "pers=%#x io=%ld pol=%d nice=%d prio=%d r=%ld",
				 (unsigned)personality(0xffffffff),
				 syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0),
				 (int)a.sched_policy, (int)a.sched_nice, (int)a.sched_priority, r);
		}
		(void)!write(pfd[1], out, strlen(out));
		_exit(0);
	}
	close(pfd[1]);
	ssize_t got = read(pfd[0], msg, n - 1);
	msg[got > 0 ? got : 0] = '\0';
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

static void test_set_in_child(void **state)
{
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char msg[256], want[256];
	assert_ok(parse("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":6},"
			"\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":7}",
			"\"personality\":{\"domain\":\"LINUX32\"}", &spec, &err),
		  err);
	attrs_in_child(&spec, msg, sizeof(msg));
	snprintf(want, sizeof(want), "pers=%#x io=%d pol=%d nice=7 prio=0 r=0", PER_LINUX32,
		 (int)IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 6), SCHED_BATCH);
	assert_string_equal(msg, want);
	berth_spec_release(&spec);
	/* SCHED_FIFO with a priority (root has CAP_SYS_NICE) */
	assert_ok(
		parse("\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":3}", "", &spec, &err),
		err);
	attrs_in_child(&spec, msg, sizeof(msg));
	snprintf(want, sizeof(want), "pol=%d nice=0 prio=3 r=0", SCHED_FIFO);
	if (!strstr(msg, want))
		fail_msg("'%s' has not '%s'", msg, want);
	berth_spec_release(&spec);
	/* what the kernel refuses is an error naming the field */
	assert_ok(parse("\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"runtime\":20000000,"
			"\"deadline\":10000000,\"period\":30000000}",
			"", &spec, &err),
		  err);
	attrs_in_child(&spec, msg, sizeof(msg));
	if (strncmp(msg, "process.scheduler: ", 19) != 0)
		fail_msg("runtime > deadline: '%s'", msg);
	berth_spec_release(&spec);
}

/* In a container: the attributes and the propagation its mountinfo shows. */
static void test_in_container(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec, parsed;
	struct berth_error *err = NULL;
	char out[1024];
	int code;
	assert_ok(parse("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\"},"
			"\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":3}",
			"\"personality\":{\"domain\":\"LINUX32\"},\"rootfsPropagation\":\"shared\"",
			&parsed, &err),
		  err);
	/* policy (field 41) and nice (19) of stat; / and the mounts with their optional fields */
	make_spec(&spec, "cat /proc/self/personality; set -- $(cat /proc/self/stat); "
			 "shift 18; echo nice=$1; shift 22; echo policy=$1; "
			 "awk '$5 == \"/\" || $5 == \"/shr\" || $5 == \"/prv\" "
			 "{ print $5, ($7 ~ /^shared:/ ? \"shared\" : \"private\") }' "
			 "/proc/self/mountinfo");
	spec.has_personality = parsed.has_personality;
	spec.personality = parsed.personality;
	spec.has_io_priority = parsed.has_io_priority;
	spec.io_priority = parsed.io_priority;
	spec.has_scheduler = parsed.has_scheduler;
	spec.scheduler = parsed.scheduler;
	spec.rootfs_propagation = parsed.rootfs_propagation;
	berth_spec_release(&parsed);
	berth_spec_add_mount(&spec, "/shr", "tmpfs", "tmpfs",
			     (const char *const[]){"rshared", NULL});
	berth_spec_add_mount(&spec, "/prv", "tmpfs", "tmpfs",
			     (const char *const[]){"private", NULL});
	int r = run_spec(&spec, out, sizeof(out), &code, &err);
	berth_spec_release(&spec);
	assert_ok(r, err);
	char want[256];
	snprintf(want, sizeof(want),
		 "%08x\nnice=3\npolicy=%d\n/ shared\n/shr shared\n/prv private\n", PER_LINUX32,
		 SCHED_BATCH);
	assert_string_equal(out, want);
	assert_int_equal(code, 0);
}

static char **warned;

static void capture(enum berth_log_level level, const char *msg, void *userdata)
{
	if (level == BERTH_LOG_WARN)
		berth_strv_push(&warned, msg);
}

/* Labels: one warning without AppArmor and SELinux, refused with either. */
static void test_labels(void **state)
{
	struct berth_spec spec;
	struct berth_error *err = NULL;
	assert_ok(parse("\"apparmorProfile\":\"docker-default\",\"selinuxLabel\":\"x:y:z:s0\"",
			"\"mountLabel\":\"x:y:z:s0\"", &spec, &err),
		  err);
	char root[] = "/tmp/berth-sys-XXXXXX";
	assert_non_null(mkdtemp(root));
	berth_log_set_sink(capture, NULL);
	assert_ok(berth_runtime_check_labels(&spec, root, &err), err);
	assert_int_equal(berth_strv_len(warned), 1);
	assert_non_null(strstr(warned[0], "process.apparmorProfile ignored"));
	berth_strv_free(warned);
	warned = NULL;
	_cleanup_free_ char *dir = berth_xasprintf("%s/kernel/security/apparmor", root);
	assert_int_equal(berth_mkdir_p(dir, 0755, NULL), 0);
	assert_int_equal(berth_runtime_check_labels(&spec, root, &err), -ENOTSUP);
	assert_non_null(strstr(berth_error_msg(err), "berth does not apply security labels"));
	assert_non_null(strstr(berth_error_msg(err), "AppArmor"));
	berth_error_free(&err);
	assert_null(warned);
	berth_log_set_sink(NULL, NULL);
	berth_spec_release(&spec);
	/* without labels: nothing to say */
	berth_spec_init(&spec);
	assert_ok(berth_runtime_check_labels(&spec, root, &err), err);
	berth_spec_release(&spec);
	_cleanup_free_ char *rm = berth_xasprintf("rm -rf %s", root);
	assert_int_equal(system(rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	     cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_set_in_child), cmocka_unit_test(test_in_container),
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
