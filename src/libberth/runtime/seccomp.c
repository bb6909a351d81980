/* SPDX-License-Identifier: Apache-2.0 */
/* OCI/Docker seccomp profiles compiled with libseccomp. */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"

/*
 * What Docker's default profile refuses to a container without extra
 * capabilities (moby profiles/seccomp/default.json): kernel modules, kexec,
 * reboot, clock setting, swap, quotas, accounting, BPF, perf, keyrings, the
 * mount API, pivot_root, namespace creation and joining, cross-process memory
 * access, NUMA policy, userfaultfd, io_uring and old ABIs. Written as a deny
 * list over an allowing default, so new harmless syscalls keep working.
 */
static const char *const blocked[] = {
	"acct",
	"add_key",
	"bpf",
	"clock_adjtime",
	"clock_settime",
	"create_module",
	"delete_module",
	"finit_module",
	"fsconfig",
	"fsmount",
	"fsopen",
	"fspick",
	"get_kernel_syms",
	"get_mempolicy",
	"init_module",
	"io_uring_enter",
	"io_uring_register",
	"io_uring_setup",
	"ioperm",
	"iopl",
	"kcmp",
	"kexec_file_load",
	"kexec_load",
	"keyctl",
	"lookup_dcookie",
	"mbind",
	"mount",
	"mount_setattr",
	"move_mount",
	"move_pages",
	"name_to_handle_at",
	"nfsservctl",
	"open_by_handle_at",
	"open_tree",
	"perf_event_open",
	"pivot_root",
	"process_vm_readv",
	"process_vm_writev",
	"query_module",
	"quotactl",
	"quotactl_fd",
	"reboot",
	"request_key",
	"set_mempolicy",
	"setns",
	"settimeofday",
	"stime",
	"swapoff",
	"swapon",
	"_sysctl",
	"sysfs",
	"syslog",
	"umount",
	"umount2",
	"unshare",
	"uselib",
	"userfaultfd",
	"ustat",
	"vm86",
	"vm86old",
};

static json_t *rule(const char *name, const char *action, int errno_ret)
{
	json_t *r = json_object();
	json_t *names = json_array();
	json_array_append_new(names, json_string(name));
	json_object_set_new(r, "names", names);
	json_object_set_new(r, "action", json_string(action));
	if (errno_ret)
		json_object_set_new(r, "errnoRet", json_integer(errno_ret));
	return r;
}

json_t *berth_seccomp_default_profile(void)
{
	json_t *p = json_object();
	json_object_set_new(p, "defaultAction", json_string("SCMP_ACT_ALLOW"));
	json_t *sys = json_array();
	json_t *r = json_object();
	json_t *names = json_array();
	for (size_t i = 0; i < ELEMENTSOF(blocked); i++)
		json_array_append_new(names, json_string(blocked[i]));
	json_object_set_new(r, "names", names);
	json_object_set_new(r, "action", json_string("SCMP_ACT_ERRNO"));
	json_object_set_new(r, "errnoRet", json_integer(EPERM));
	json_array_append_new(sys, r);
	/* clone with a namespace flag, one rule per flag (a masked compare each) */
	static const long ns_flags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,   CLONE_NEWUSER,
					CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};
	for (size_t i = 0; i < ELEMENTSOF(ns_flags); i++) {
		json_t *c = rule("clone", "SCMP_ACT_ERRNO", EPERM);
		json_t *args = json_array();
		json_array_append_new(args, json_pack("{s:i, s:I, s:I, s:s}", "index", 0, "value",
						      (json_int_t)ns_flags[i], "valueTwo",
						      (json_int_t)ns_flags[i], "op",
						      "SCMP_CMP_MASKED_EQ"));
		json_object_set_new(c, "args", args);
		json_array_append_new(sys, c);
	}
	/* clone3's flags are behind a pointer: ENOSYS makes libc fall back to clone */
	json_array_append_new(sys, rule("clone3", "SCMP_ACT_ERRNO", ENOSYS));
	json_object_set_new(p, "syscalls", sys);
	return p;
}

int berth_seccomp_load_profile(const char *path, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, 4 << 20, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "seccomp profile '%s'", path);
	json_t *j = NULL;
	r = berth_json_parse(data, len, path, &j, err);
	if (r < 0)
		return r;
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "defaultAction"))) {
		json_decref(j);
		return berth_error_set(err, EINVAL, "seccomp profile '%s' has no defaultAction",
				       path);
	}
	*ret = j;
	return 0;
}

/*
 * The actions, operators, architectures and filter flags berth knows: what
 * a profile is read with, and what `features` lists. KILL is KILL_THREAD;
 * ERRNO and TRACE take the rule's errnoRet. SCMP_ACT_NOTIFY is refused on
 * its own (it needs a seccomp agent berth does not have).
 */
static const struct {
	const char *name;
	uint32_t action;
	bool with_errno;
} actions[] = {
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
	{"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL, false},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
	{"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	{"SCMP_CMP_NE", SCMP_CMP_NE},
};

/* The runtime-spec's names; libseccomp's own name is the lowercase rest. */
static const char *const architectures[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",	    "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",	   "SCMP_ARCH_MIPS64",	    "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	    "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",	    "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",    "SCMP_ARCH_SH",	   "SCMP_ARCH_SHEB",
};

/*
 * "flags": the seccomp(2) filter flags libseccomp sets through its
 * attributes (TSYNC changes nothing: the process is single threaded when
 * its filter is loaded). WAIT_KILLABLE_RECV only matters to NOTIFY, which is
 * refused; it and any unknown flag are refused by name.
 */
static const struct {
	const char *name;
	enum scmp_filter_attr attr;
} filter_flags[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
};

/* libseccomp's token for an architecture of the table; 0 when it is none, or unknown here. */
static uint32_t arch_token(const char *name)
{
	size_t i;
	for (i = 0; i < ELEMENTSOF(architectures); i++)
		if (strcmp(name, architectures[i]) == 0)
			break;
	if (i == ELEMENTSOF(architectures))
		return 0;
	char lower[32];
	size_t k = 0;
	for (const char *p = name + 10; *p && k + 1 < sizeof(lower); p++)
		lower[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	lower[k] = '\0';
	return seccomp_arch_resolve_name(lower);
}

json_t *berth_seccomp_features(void)
{
	json_t *acts = json_array(), *ops = json_array(), *archs = json_array(),
	       *flags = json_array();
	for (size_t i = 0; i < ELEMENTSOF(actions); i++)
		json_array_append_new(acts, json_string(actions[i].name));
	for (size_t i = 0; i < ELEMENTSOF(operators); i++)
		json_array_append_new(ops, json_string(operators[i].name));
	/* the architectures a filter here takes (libseccomp refuses some beside the native one) */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	for (size_t i = 0; ctx && i < ELEMENTSOF(architectures); i++) {
		uint32_t token = arch_token(architectures[i]);
		int r = token ? seccomp_arch_add(ctx, token) : -EINVAL;
		if (r == 0 || r == -EEXIST)
			json_array_append_new(archs, json_string(architectures[i]));
	}
	if (ctx)
		seccomp_release(ctx);
	for (size_t i = 0; i < ELEMENTSOF(filter_flags); i++)
		json_array_append_new(flags, json_string(filter_flags[i].name));
	return json_pack("{s:b, s:o, s:o, s:o, s:O, s:o}", "enabled", 1, "actions", acts,
			 "operators", ops, "archs", archs, "knownFlags", flags, "supportedFlags",
			 flags);
}

static int parse_action(const char *s, int errno_ret, uint32_t *ret, struct berth_error **err)
{
	/*
	 * NOTIFY hands the syscall to a seccomp agent over listenerPath: berth
	 * has no agent to hand it to, and an unhandled notification would hang
	 * the process in that syscall forever.
	 */
	if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		return berth_error_set(err, ENOTSUP,
				       "seccomp action SCMP_ACT_NOTIFY is not supported (berth "
				       "has no seccomp agent)");
	for (size_t i = 0; i < ELEMENTSOF(actions); i++)
		if (strcmp(s, actions[i].name) == 0) {
			*ret = actions[i].action |
			       (actions[i].with_errno ? ((uint32_t)errno_ret & 0xffff) : 0);
			return 0;
		}
	return berth_error_set(err, EINVAL, "unknown seccomp action '%s'", s);
}

static int parse_op(const char *s, enum scmp_compare *ret, struct berth_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(operators); i++)
		if (strcmp(operators[i].name, s) == 0) {
			*ret = operators[i].op;
			return 0;
		}
	return berth_error_set(err, EINVAL, "unknown seccomp operator '%s'", s);
}

/* The rule's first syscall name, to say which rule is refused. */
static const char *rule_name(const json_t *r)
{
	const char *n = json_string_value(json_array_get(json_object_get(r, "names"), 0));
	if (!n)
		n = json_string_value(json_object_get(r, "name"));
	return n ? n : "no name";
}

/*
 * An argument's value or valueTwo: absent is 0 (Docker's zero value), and
 * anything but a non-negative integer (a string, a fraction, a negative
 * number, which Docker's uint64 refuses too) refuses the profile: read as
 * 0 it would compare the syscall's argument against the wrong number and
 * allow or deny what the profile's author did not mean.
 */
static int get_arg_value(const json_t *a, const char *key, scmp_datum_t *ret,
			 struct berth_error **err)
{
	int64_t v = 0;
	int r = berth_json_get_int(a, key, false, &v, err);
	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	if (v < 0)
		return berth_error_set(err, EINVAL, "field '%s' is negative: %" PRId64, key, v);
	*ret = (scmp_datum_t)v;
	return 0;
}

/*
 * One syscall's rule. The comparisons are ANDed, except where one argument
 * is compared more than once (libseccomp refuses that in one rule): then,
 * as runc does, each comparison is a rule of its own, so they are ORed.
 */
static int add_syscall_rule(scmp_filter_ctx ctx, uint32_t action, int nr,
			    const struct scmp_arg_cmp *cmps, unsigned n_cmps, bool same_arg_twice)
{
	if (!same_arg_twice)
		return seccomp_rule_add_array(ctx, action, nr, n_cmps, cmps);
	for (unsigned i = 0; i < n_cmps; i++) {
		int r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t def, const json_t *r, size_t idx,
		    struct berth_error **err)
{
	/* Docker's conditional entries (by capability or kernel) are not granted */
	json_t *inc = json_object_get(r, "includes");
	if (json_is_object(inc) &&
	    (json_object_get(inc, "caps") || json_object_get(inc, "minKernel")))
		return 0;
	const char *act = NULL;
	int rc = berth_json_get_string(r, "action", true, &act, err);
	if (rc < 0)
		return berth_error_prefix(err, "seccomp syscalls[%zu]", idx);
	int64_t eret = EPERM;
	json_t *ej = json_object_get(r, "errnoRet");
	if (json_is_integer(ej))
		eret = json_integer_value(ej);
	if (eret < 0 || eret > 4095)
		return berth_error_set(err, EINVAL, "seccomp syscalls[%zu]: invalid errnoRet", idx);
	uint32_t action;
	rc = parse_action(act, (int)eret, &action, err);
	if (rc < 0)
		return rc;
	struct scmp_arg_cmp cmps[6];
	unsigned n_cmps = 0;
	json_t *args = json_object_get(r, "args");
	size_t i;
	json_t *a;
	json_array_foreach (args, i, a) {
		if (n_cmps >= ELEMENTSOF(cmps))
			return berth_error_set(err, EINVAL, "seccomp syscalls[%zu]: too many args",
					       idx);
		int64_t index = 0;
		scmp_datum_t value = 0, value2 = 0;
		const char *op = NULL;
		if (berth_json_get_int(a, "index", true, &index, err) < 0 ||
		    berth_json_get_string(a, "op", true, &op, err) < 0)
			return berth_error_prefix(err, "seccomp syscalls[%zu] args", idx);
		rc = get_arg_value(a, "value", &value, err);
		if (rc >= 0)
			rc = get_arg_value(a, "valueTwo", &value2, err);
		if (rc < 0)
			return berth_error_prefix(err, "seccomp syscalls[%zu] (%s) args[%zu]", idx,
						  rule_name(r), i);
		if (index < 0 || index > 5)
			return berth_error_set(err, EINVAL, "seccomp syscalls[%zu]: bad arg index",
					       idx);
		enum scmp_compare c = SCMP_CMP_EQ;
		rc = parse_op(op, &c, err);
		if (rc < 0)
			return rc;
		cmps[n_cmps++] = (struct scmp_arg_cmp){
			.arg = (unsigned)index, .op = c, .datum_a = value, .datum_b = value2};
	}
	bool same_arg_twice = false;
	for (unsigned x = 0; x < n_cmps; x++)
		for (unsigned y = x + 1; y < n_cmps; y++)
			same_arg_twice |= cmps[x].arg == cmps[y].arg;
	json_t *names = json_object_get(r, "names");
	json_t *n;
	json_array_foreach (names, i, n) {
		if (!json_is_string(n))
			continue;
		int nr = seccomp_syscall_resolve_name(json_string_value(n));
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall of this architecture */
		if (action == def)
			continue;
		rc = add_syscall_rule(ctx, action, nr, cmps, n_cmps, same_arg_twice);
		if (rc < 0)
			return berth_error_syscall(err, -rc, "seccomp rule for '%s'",
						   json_string_value(n));
	}
	return 0;
}

/*
 * "architectures": SCMP_ARCH_X86_64, SCMP_ARCH_X86, ... Each is added to the
 * filter beside the native one, so a process switching ABI (int 0x80, an
 * x32 binary) meets the same rules instead of the bad-architecture action.
 */
static int add_architectures(scmp_filter_ctx ctx, const json_t *profile, struct berth_error **err)
{
	json_t *archs = json_object_get(profile, "architectures");
	if (archs && !json_is_array(archs))
		return berth_error_set(err, EINVAL, "seccomp architectures is not a list");
	size_t i;
	json_t *a;
	json_array_foreach (archs, i, a) {
		const char *name = json_string_value(a);
		if (!name || strncmp(name, "SCMP_ARCH_", 10) != 0)
			return berth_error_set(err, EINVAL, "seccomp architectures[%zu] is invalid",
					       i);
		uint32_t token = arch_token(name);
		if (token == 0)
			return berth_error_set(err, EINVAL, "unknown seccomp architecture '%s'",
					       name);
		int r = seccomp_arch_add(ctx, token);
		if (r < 0 && r != -EEXIST)
			return berth_error_syscall(err, -r, "seccomp architecture '%s'", name);
	}
	return 0;
}

/* "flags": each of filter_flags set as its libseccomp attribute. */
static int set_flags(scmp_filter_ctx ctx, const json_t *profile, struct berth_error **err)
{
	json_t *list = json_object_get(profile, "flags");
	if (list && !json_is_array(list))
		return berth_error_set(err, EINVAL, "seccomp flags is not a list");
	size_t i;
	json_t *f;
	json_array_foreach (list, i, f) {
		const char *name = json_string_value(f);
		size_t k;
		for (k = 0; name && k < ELEMENTSOF(filter_flags); k++)
			if (strcmp(filter_flags[k].name, name) == 0)
				break;
		if (!name || k == ELEMENTSOF(filter_flags))
			return berth_error_set(err, ENOTSUP, "seccomp flag '%s' is not supported",
					       name ? name : "(not a string)");
		int r = seccomp_attr_set(ctx, filter_flags[k].attr, 1);
		if (r < 0)
			return berth_error_syscall(err, -r, "seccomp flag '%s'", name);
	}
	return 0;
}

int berth_seccomp_check(const json_t *profile, struct berth_error **err)
{
	if (json_object_get(profile, "listenerPath"))
		return berth_error_set(err, ENOTSUP,
				       "seccomp listenerPath is not supported (berth has no "
				       "seccomp agent, SCMP_ACT_NOTIFY is refused)");
	const char *def = json_string_value(json_object_get(profile, "defaultAction"));
	if (def && strcmp(def, "SCMP_ACT_NOTIFY") == 0)
		return parse_action(def, 0, &(uint32_t){0}, err);
	json_t *sys = json_object_get(profile, "syscalls");
	size_t i;
	json_t *e;
	json_array_foreach (sys, i, e) {
		const char *act = json_string_value(json_object_get(e, "action"));
		if (act && strcmp(act, "SCMP_ACT_NOTIFY") == 0)
			return berth_error_set(
				err, ENOTSUP,
				"seccomp syscalls[%zu] (%s): action SCMP_ACT_NOTIFY is "
				"not supported (berth has no seccomp agent)",
				i, rule_name(e));
	}
	return 0;
}

int berth_seccomp_apply(const json_t *profile, struct berth_error **err)
{
	const char *def_s = NULL;
	int r = berth_json_get_string(profile, "defaultAction", true, &def_s, err);
	if (r < 0)
		return berth_error_prefix(err, "seccomp profile");
	int64_t def_errno = EPERM;
	json_t *dj = json_object_get(profile, "defaultErrnoRet");
	if (json_is_integer(dj))
		def_errno = json_integer_value(dj);
	if (def_errno < 0 || def_errno > 4095)
		return berth_error_set(err, EINVAL, "seccomp profile: invalid defaultErrnoRet");
	uint32_t def;
	r = parse_action(def_s, (int)def_errno, &def, err);
	if (r < 0)
		return r;
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return berth_error_set(err, ENOMEM, "seccomp_init failed");
	/* the loader sets no_new_privs itself when the spec asks for it */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	r = add_architectures(ctx, profile, err);
	if (r >= 0)
		r = set_flags(ctx, profile, err);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	json_t *sys = json_object_get(profile, "syscalls");
	size_t i;
	json_t *e;
	json_array_foreach (sys, i, e) {
		r = add_rule(ctx, def, e, i, err);
		if (r < 0) {
			seccomp_release(ctx);
			return r;
		}
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return berth_error_syscall(err, -r, "load seccomp filter");
	return 0;
}
