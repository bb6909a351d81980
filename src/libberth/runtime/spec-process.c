/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process attributes of a config.json that `berth run` never sets:
 * linux.personality, process.ioPriority, process.scheduler, and the
 * security labels (process.apparmorProfile, process.selinuxLabel,
 * linux.mountLabel), which berth does not apply, and linux.rootfsPropagation. Parsed here (every value
 * hostile: names from fixed tables, numbers range-checked); applied by the
 * child (berth_runtime_set_process_attrs) before it drops its privileges
 * and loads seccomp, so the kernel checks them against the runtime's
 * capabilities and no filter of the spec's is in the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "runtime/internal.h"

/*
 * sched_setattr(2)'s argument and flags, as the kernel defines them
 * (linux/sched/types.h cannot be included beside glibc's sched.h).
 */
struct berth_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_RECLAIM	 0x02
#define SCHED_FLAG_DL_OVERRUN	 0x04
#define SCHED_FLAG_KEEP_POLICY	 0x08
#define SCHED_FLAG_KEEP_PARAMS	 0x10

struct name_value {
	const char *name;
	uint64_t value;
};

static const struct name_value domains[] = {{"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32}};
static const struct name_value io_classes[] = {
	{"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
	{"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
	{"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE},
};
/* the util-clamp flags need values the spec has no field for */
static const struct name_value sched_flags[] = {
	{"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
	{"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
	{"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
	{"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
	{"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
};
static const struct name_value policies[] = {
	{"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO},
	{"SCHED_RR", SCHED_RR},	      {"SCHED_BATCH", SCHED_BATCH},
	{"SCHED_IDLE", SCHED_IDLE},   {"SCHED_DEADLINE", SCHED_DEADLINE},
};

static int lookup(const struct name_value *table, size_t n, const char *field, const char *name,
		  uint64_t *ret, struct berth_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0) {
			*ret = table[i].value;
			return 0;
		}
	return berth_error_set(err, ENOTSUP, "%s '%s' is not supported", field, name);
}

/* linux.personality: domain LINUX or LINUX32; no flags (none is defined by the spec). */
static int parse_personality(const json_t *linux_, struct berth_spec *spec,
			     struct berth_error **err)
{
	json_t *p = NULL;
	int r = berth_json_get_object(linux_, "personality", false, &p, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	const char *domain = NULL;
	r = berth_json_get_string(p, "domain", true, &domain, err);
	if (r < 0)
		return berth_error_prefix(err, "personality");
	uint64_t v = 0;
	r = lookup(domains, ELEMENTSOF(domains), "personality domain", domain, &v, err);
	if (r < 0)
		return r;
	json_t *flags = json_object_get(p, "flags");
	if (flags && !(json_is_array(flags) && json_array_size(flags) == 0))
		return berth_error_set(err, ENOTSUP, "personality flags are not supported");
	spec->has_personality = true;
	spec->personality = (unsigned long)v;
	return 0;
}

/* process.ioPriority: class IOPRIO_CLASS_RT/BE/IDLE, priority 0..7. */
static int parse_io_priority(const json_t *proc, struct berth_spec *spec, struct berth_error **err)
{
	json_t *io = NULL;
	int r = berth_json_get_object(proc, "ioPriority", false, &io, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	const char *cls = NULL;
	r = berth_json_get_string(io, "class", true, &cls, err);
	if (r < 0)
		return berth_error_prefix(err, "ioPriority");
	uint64_t c = 0;
	r = lookup(io_classes, ELEMENTSOF(io_classes), "ioPriority class", cls, &c, err);
	if (r < 0)
		return r;
	int64_t prio = 0;
	r = berth_spec_get_uint(io, "priority", 7, &prio, err);
	if (r < 0 && r != -ENOENT)
		return berth_error_prefix(err, "ioPriority");
	spec->has_io_priority = true;
	spec->io_priority = (int)IOPRIO_PRIO_VALUE(c, prio);
	return 0;
}

static int parse_sched_flags(const json_t *s, uint64_t *ret, struct berth_error **err)
{
	json_t *list = json_object_get(s, "flags");
	if (list && !json_is_array(list))
		return berth_error_set(err, EINVAL, "scheduler flags is not a list");
	size_t i;
	json_t *f;
	json_array_foreach (list, i, f) {
		if (!json_is_string(f))
			return berth_error_set(err, EINVAL, "scheduler flags[%zu] is not a string",
					       i);
		uint64_t v = 0;
		int r = lookup(sched_flags, ELEMENTSOF(sched_flags), "scheduler flag",
			       json_string_value(f), &v, err);
		if (r < 0)
			return r;
		*ret |= v;
	}
	return 0;
}

/* process.scheduler: what sched_setattr(2) takes. */
static int parse_scheduler(const json_t *proc, struct berth_spec *spec, struct berth_error **err)
{
	json_t *s = NULL;
	int r = berth_json_get_object(proc, "scheduler", false, &s, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	struct berth_spec_scheduler *sc = &spec->scheduler;
	const char *policy = NULL;
	uint64_t v = 0;
	r = berth_json_get_string(s, "policy", true, &policy, err);
	if (r >= 0)
		r = lookup(policies, ELEMENTSOF(policies), "scheduler policy", policy, &v, err);
	if (r < 0)
		return berth_error_prefix(err, "scheduler");
	sc->policy = (uint32_t)v;
	int64_t nice = 0;
	r = berth_json_get_int(s, "nice", false, &nice, err);
	if (r < 0 && r != -ENOENT)
		return berth_error_prefix(err, "scheduler");
	if (nice < -20 || nice > 19)
		return berth_error_set(err, EINVAL, "scheduler nice %" PRId64 " out of range",
				       nice);
	sc->nice = (int32_t)nice;
	static const char *const u64_keys[] = {"priority", "runtime", "deadline", "period"};
	uint64_t *u64_fields[] = {NULL, &sc->runtime, &sc->deadline, &sc->period};
	for (size_t i = 0; i < ELEMENTSOF(u64_keys); i++) {
		int64_t n = 0;
		r = berth_spec_get_uint(s, u64_keys[i], i == 0 ? 99 : INT64_MAX, &n, err);
		if (r < 0 && r != -ENOENT)
			return berth_error_prefix(err, "scheduler");
		if (i == 0)
			sc->priority = (uint32_t)n;
		else
			*u64_fields[i] = (uint64_t)n;
	}
	r = parse_sched_flags(s, &sc->flags, err);
	if (r < 0)
		return r;
	spec->has_scheduler = true;
	return 0;
}

static int parse_label(const json_t *obj, const char *key, char **ret, struct berth_error **err)
{
	const char *s = NULL;
	int r = berth_json_get_string(obj, key, false, &s, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (s[0] != '\0')
		*ret = berth_xstrdup(s);
	return 0;
}

int berth_spec_process_attrs_from_json(const json_t *proc, struct berth_spec *spec,
				       struct berth_error **err)
{
	int r = parse_io_priority(proc, spec, err);
	if (r >= 0)
		r = parse_scheduler(proc, spec, err);
	if (r >= 0)
		r = parse_label(proc, "apparmorProfile", &spec->apparmor_profile, err);
	if (r >= 0)
		r = parse_label(proc, "selinuxLabel", &spec->selinux_label, err);
	return r;
}

/* linux.rootfsPropagation: one of the propagation options of a mount. */
static int parse_rootfs_propagation(const json_t *linux_, struct berth_spec *spec,
				    struct berth_error **err)
{
	const char *s = NULL;
	int r = berth_json_get_string(linux_, "rootfsPropagation", false, &s, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (berth_runtime_propagation_flag(s, &spec->rootfs_propagation) < 0)
		return berth_error_set(err, EINVAL, "rootfsPropagation '%s' is not a propagation",
				       s);
	return 0;
}

int berth_spec_linux_attrs_from_json(const json_t *linux_, struct berth_spec *spec,
				     struct berth_error **err)
{
	int r = parse_personality(linux_, spec, err);
	if (r >= 0)
		r = parse_rootfs_propagation(linux_, spec, err);
	if (r >= 0)
		r = parse_label(linux_, "mountLabel", &spec->mount_label, err);
	return r;
}

static const char *name_of(const struct name_value *table, size_t n, uint64_t value)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].value == value)
			return table[i].name;
	return NULL;
}

static void set_label(json_t *obj, const char *key, const char *label)
{
	if (label)
		json_object_set_new(obj, key, json_string(label));
}

void berth_spec_attrs_to_json(const struct berth_spec *spec, json_t *proc, json_t *linux_)
{
	if (spec->has_personality)
		json_object_set_new(
			linux_, "personality",
			json_pack("{s:s}", "domain",
				  name_of(domains, ELEMENTSOF(domains), spec->personality)));
	if (spec->has_io_priority)
		json_object_set_new(
			proc, "ioPriority",
			json_pack("{s:s, s:i}", "class",
				  name_of(io_classes, ELEMENTSOF(io_classes),
					  (uint64_t)IOPRIO_PRIO_CLASS(spec->io_priority)),
				  "priority", (int)IOPRIO_PRIO_DATA(spec->io_priority)));
	if (spec->has_scheduler) {
		const struct berth_spec_scheduler *sc = &spec->scheduler;
		json_t *flags = json_array();
		for (size_t i = 0; i < ELEMENTSOF(sched_flags); i++)
			if (sc->flags & sched_flags[i].value)
				json_array_append_new(flags, json_string(sched_flags[i].name));
		json_object_set_new(
			proc, "scheduler",
			json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:o}", "policy",
				  name_of(policies, ELEMENTSOF(policies), sc->policy), "nice",
				  (int)sc->nice, "priority", (json_int_t)sc->priority, "runtime",
				  (json_int_t)sc->runtime, "deadline", (json_int_t)sc->deadline,
				  "period", (json_int_t)sc->period, "flags", flags));
	}
	set_label(proc, "apparmorProfile", spec->apparmor_profile);
	set_label(proc, "selinuxLabel", spec->selinux_label);
	set_label(linux_, "mountLabel", spec->mount_label);
	const char *prop = berth_runtime_propagation_name(spec->rootfs_propagation);
	if (prop)
		json_object_set_new(linux_, "rootfsPropagation", json_string(prop));
}

void berth_spec_attrs_release(struct berth_spec *spec)
{
	free(spec->apparmor_profile);
	free(spec->selinux_label);
	free(spec->mount_label);
	spec->apparmor_profile = spec->selinux_label = spec->mount_label = NULL;
}

int berth_runtime_set_process_attrs(const struct berth_spec *spec, struct berth_error **err)
{
	if (spec->has_personality && personality(spec->personality) < 0)
		return berth_error_syscall(err, errno, "linux.personality");
	if (spec->has_io_priority &&
	    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, spec->io_priority) < 0)
		return berth_error_syscall(err, errno, "process.ioPriority");
	if (spec->has_scheduler) {
		const struct berth_spec_scheduler *sc = &spec->scheduler;
		struct berth_sched_attr attr = {
			.size = sizeof(attr),
			.sched_policy = sc->policy,
			.sched_flags = sc->flags,
			.sched_nice = sc->nice,
			.sched_priority = sc->priority,
			.sched_runtime = sc->runtime,
			.sched_deadline = sc->deadline,
			.sched_period = sc->period,
		};
		if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
			return berth_error_syscall(err, errno, "process.scheduler");
	}
	return 0;
}

/* The first label field the spec sets, for the messages. */
static const char *first_label(const struct berth_spec *spec)
{
	if (spec->apparmor_profile)
		return "process.apparmorProfile";
	if (spec->selinux_label)
		return "process.selinuxLabel";
	if (spec->mount_label)
		return "linux.mountLabel";
	return NULL;
}

int berth_runtime_check_labels(const struct berth_spec *spec, const char *sys_root,
			       struct berth_error **err)
{
	const char *field = first_label(spec);
	if (!field)
		return 0;
	static const struct {
		const char *path, *name;
	} lsms[] = {
		{"kernel/security/apparmor", "AppArmor"},
		{"fs/selinux/enforce", "SELinux"},
	};
	for (size_t i = 0; i < ELEMENTSOF(lsms); i++) {
		_cleanup_free_ char *p = berth_xasprintf("%s/%s", sys_root, lsms[i].path);
		if (access(p, F_OK) == 0)
			return berth_error_set(err, ENOTSUP,
					       "%s: berth does not apply security labels, and this "
					       "host has %s",
					       field, lsms[i].name);
	}
	berth_warn("%s ignored: the host has neither AppArmor nor SELinux", field);
	return 0;
}
