/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources beyond memory.limit, cpu.quota/period and pids (those are
 * berth_spec's own fields, written by cgroup.c): parsed from the spec's
 * JSON (hostile: every value range-checked) and written to the v1 or v2
 * file that holds each. A field the host's cgroups have no file for is a
 * warning naming it, never silently dropped.
 */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"

static const char *const throttle_keys[BERTH_THROTTLE_KINDS] = {
	"throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
	"throttleWriteIOPSDevice"};
static const char *const throttle_v1_files[BERTH_THROTTLE_KINDS] = {
	"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
static const char *const throttle_v2_keys[BERTH_THROTTLE_KINDS] = {"rbps", "wbps", "riops",
								   "wiops"};

void berth_cgroup_resources_free(struct berth_cgroup_resources *r)
{
	if (!r)
		return;
	free(r->cpuset_cpus);
	free(r->cpuset_mems);
	free(r->weight_devices);
	for (size_t k = 0; k < BERTH_THROTTLE_KINDS; k++)
		free(r->throttle[k]);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].pagesize);
	free(r->hugepages);
	for (size_t i = 0; i < r->n_prios; i++)
		free(r->prios[i].name);
	free(r->prios);
	free(r);
}

struct berth_cgroup_resources *berth_cgroup_resources_new(void)
{
	struct berth_cgroup_resources *r = berth_xcalloc(1, sizeof(*r));
	r->memory_reservation = -1;
	r->disable_oom_killer = -1;
	return r;
}

/* obj's key as a signed integer in min..max; -ENOENT (err untouched) when absent. */
static int get_int_in(const json_t *obj, const char *key, int64_t min, int64_t max, int64_t *ret,
		      struct berth_error **err)
{
	int64_t v = 0;
	int r = berth_json_get_int(obj, key, false, &v, err);
	if (r < 0)
		return r;
	if (v < min || v > max)
		return berth_error_set(err, EINVAL, "'%s' out of range: %" PRId64, key, v);
	*ret = v;
	return 0;
}

/* A cpuset list: digits, ',' and '-' only (it is written to a cgroup file as it is). */
static int get_cpuset(const json_t *cpu, const char *key, char **ret, struct berth_error **err)
{
	const char *s = NULL;
	int r = berth_json_get_string(cpu, key, false, &s, err);
	if (r < 0)
		return r;
	if (strlen(s) > 4096 || strspn(s, "0123456789,-") != strlen(s))
		return berth_error_set(err, EINVAL, "'%s': invalid cpu or node list '%s'", key, s);
	free(*ret);
	*ret = berth_xstrdup(s);
	return 0;
}

static int parse_memory(const json_t *mem, struct berth_cgroup_resources *r,
			struct berth_error **err)
{
	int64_t v;
	int k = get_int_in(mem, "reservation", -1, INT64_MAX, &v, err);
	if (k >= 0 && v != 0)
		r->memory_reservation = v;
	else if (k < 0 && k != -ENOENT)
		return k;
	if ((k = get_int_in(mem, "swap", -1, INT64_MAX, &v, err)) >= 0 && v != 0) {
		r->has_memory_swap = true;
		r->memory_swap = v;
	} else if (k < 0 && k != -ENOENT) {
		return k;
	}
	/* gone from kernels (5.16 ignores it, 6.x has no file): a warning, as runc's */
	if (json_object_get(mem, "kernel") || json_object_get(mem, "kernelTCP"))
		berth_warn("linux.resources.memory.kernel is not supported by the kernel: ignored");
	json_t *oom = json_object_get(mem, "disableOOMKiller");
	if (oom && !json_is_boolean(oom))
		return berth_error_set(err, EINVAL, "'disableOOMKiller' is not a boolean");
	if (oom)
		r->disable_oom_killer = json_is_true(oom);
	return 0;
}

static int parse_cpu(const json_t *cpu, struct berth_cgroup_resources *r, struct berth_error **err)
{
	int64_t v;
	int k = get_int_in(cpu, "shares", 0, 262144, &v, err);
	if (k >= 0)
		r->cpu_shares = (uint64_t)v;
	else if (k != -ENOENT)
		return k;
	if ((k = get_int_in(cpu, "realtimeRuntime", -1, INT64_MAX, &v, err)) >= 0 && v != 0) {
		r->has_rt_runtime = true;
		r->cpu_rt_runtime = v;
	} else if (k < 0 && k != -ENOENT) {
		return k;
	}
	if ((k = get_int_in(cpu, "realtimePeriod", 0, 1000000, &v, err)) >= 0)
		r->cpu_rt_period = (uint64_t)v;
	else if (k != -ENOENT)
		return k;
	if ((k = get_cpuset(cpu, "cpus", &r->cpuset_cpus, err)) < 0 && k != -ENOENT)
		return k;
	if ((k = get_cpuset(cpu, "mems", &r->cpuset_mems, err)) < 0 && k != -ENOENT)
		return k;
	return 0;
}

/* major and minor of a blockIO device entry (both required, >= 0). */
static int get_dev(const json_t *e, int64_t *maj, int64_t *min, struct berth_error **err)
{
	int r = get_int_in(e, "major", 0, UINT32_MAX, maj, err);
	if (r == -ENOENT)
		return berth_error_set(err, EINVAL, "no major");
	if (r >= 0)
		r = get_int_in(e, "minor", 0, UINT32_MAX, min, err);
	if (r == -ENOENT)
		return berth_error_set(err, EINVAL, "no minor");
	return r;
}

static int parse_throttle(const json_t *bio, size_t kind, struct berth_cgroup_resources *r,
			  struct berth_error **err)
{
	json_t *a = json_object_get(bio, throttle_keys[kind]);
	if (!a)
		return 0;
	if (!json_is_array(a))
		return berth_error_set(err, EINVAL, "'%s' is not an array", throttle_keys[kind]);
	size_t i;
	json_t *e;
	json_array_foreach (a, i, e) {
		struct berth_cgroup_throttle t = {0};
		int64_t rate = 0;
		int k = get_dev(e, &t.major, &t.minor, err);
		if (k >= 0 && (k = get_int_in(e, "rate", 0, INT64_MAX, &rate, err)) == -ENOENT)
			k = berth_error_set(err, EINVAL, "no rate");
		if (k < 0)
			return berth_error_prefix(err, "%s[%zu]", throttle_keys[kind], i);
		t.rate = (uint64_t)rate;
		r->throttle[kind] =
			berth_xreallocarray(r->throttle[kind], r->n_throttle[kind] + 1, sizeof(t));
		r->throttle[kind][r->n_throttle[kind]++] = t;
	}
	return 0;
}

/* A blkio weight: 10..1000, or 0 for "not set" (what dockerd passes) */
static int get_weight(const json_t *obj, const char *key, int64_t *ret, struct berth_error **err)
{
	int k = get_int_in(obj, key, 0, 1000, ret, err);
	if (k >= 0 && *ret != 0 && *ret < 10)
		return berth_error_set(err, EINVAL, "'%s' out of range: %" PRId64, key, *ret);
	if (k >= 0 && *ret == 0)
		return -ENOENT;
	return k;
}

static int parse_block_io(const json_t *bio, struct berth_cgroup_resources *r,
			  struct berth_error **err)
{
	int64_t v;
	int k = get_weight(bio, "weight", &v, err);
	if (k >= 0)
		r->blkio_weight = (uint16_t)v;
	else if (k != -ENOENT)
		return k;
	json_t *a = json_object_get(bio, "weightDevice"), *e;
	if (a && !json_is_array(a))
		return berth_error_set(err, EINVAL, "'weightDevice' is not an array");
	size_t i;
	json_array_foreach (a, i, e) {
		struct berth_cgroup_weight_device w = {0};
		k = get_dev(e, &w.major, &w.minor, err);
		if (k >= 0 && (k = get_weight(e, "weight", &v, err)) == -ENOENT)
			k = 0, v = 0; /* leafWeight only: nothing berth writes */
		if (k < 0)
			return berth_error_prefix(err, "weightDevice[%zu]", i);
		if (v == 0)
			continue;
		w.weight = (uint16_t)v;
		r->weight_devices =
			berth_xreallocarray(r->weight_devices, r->n_weight_devices + 1, sizeof(w));
		r->weight_devices[r->n_weight_devices++] = w;
	}
	for (size_t kind = 0; kind < BERTH_THROTTLE_KINDS; kind++)
		if ((k = parse_throttle(bio, kind, r, err)) < 0)
			return k;
	return 0;
}

/* hugepageLimits: [{"pageSize": "2MB", "limit": N}] */
static int parse_hugepages(const json_t *a, struct berth_cgroup_resources *r,
			   struct berth_error **err)
{
	if (!json_is_array(a))
		return berth_error_set(err, EINVAL, "'hugepageLimits' is not an array");
	size_t i;
	json_t *e;
	json_array_foreach (a, i, e) {
		const char *size = NULL;
		int64_t limit = 0;
		int k = berth_json_get_string(e, "pageSize", true, &size, err);
		if (k >= 0 && (strlen(size) > 16 || strspn(size, "0123456789KMGB") != strlen(size)))
			k = berth_error_set(err, EINVAL, "invalid pageSize '%s'", size);
		if (k >= 0 && (k = get_int_in(e, "limit", 0, INT64_MAX, &limit, err)) == -ENOENT)
			k = berth_error_set(err, EINVAL, "no limit");
		if (k < 0)
			return berth_error_prefix(err, "hugepageLimits[%zu]", i);
		r->hugepages = berth_xreallocarray(r->hugepages, r->n_hugepages + 1,
						   sizeof(*r->hugepages));
		r->hugepages[r->n_hugepages++] = (struct berth_cgroup_hugepage){
			.pagesize = berth_xstrdup(size), .limit = (uint64_t)limit};
	}
	return 0;
}

/* network: {"classID": N, "priorities": [{"name": "eth0", "priority": N}]} */
static int parse_network(const json_t *net, struct berth_cgroup_resources *r,
			 struct berth_error **err)
{
	int64_t v;
	int k = get_int_in(net, "classID", 0, UINT32_MAX, &v, err);
	if (k >= 0 && v != 0) {
		r->has_class_id = true;
		r->class_id = (uint32_t)v;
	} else if (k < 0 && k != -ENOENT) {
		return k;
	}
	json_t *a = json_object_get(net, "priorities"), *e;
	if (a && !json_is_array(a))
		return berth_error_set(err, EINVAL, "'priorities' is not an array");
	size_t i;
	json_array_foreach (a, i, e) {
		const char *name = NULL;
		k = berth_json_get_string(e, "name", true, &name, err);
		if (k >= 0 && (name[0] == '\0' || strlen(name) >= 16 || strpbrk(name, " \n/")))
			k = berth_error_set(err, EINVAL, "invalid interface name '%s'", name);
		if (k >= 0 && (k = get_int_in(e, "priority", 0, UINT32_MAX, &v, err)) == -ENOENT)
			k = berth_error_set(err, EINVAL, "no priority");
		if (k < 0)
			return berth_error_prefix(err, "priorities[%zu]", i);
		r->prios = berth_xreallocarray(r->prios, r->n_prios + 1, sizeof(*r->prios));
		r->prios[r->n_prios++] = (struct berth_cgroup_net_prio){.name = berth_xstrdup(name),
									.priority = (uint32_t)v};
	}
	return 0;
}

int berth_cgroup_resources_from_json(const json_t *res, struct berth_cgroup_resources **ret,
				     struct berth_error **err)
{
	if (!*ret)
		*ret = berth_cgroup_resources_new();
	struct berth_cgroup_resources *r = *ret;
	static const char *const keys[] = {"memory", "cpu", "blockIO", "network"};
	int (*const parse[])(const json_t *, struct berth_cgroup_resources *,
			     struct berth_error **) = {parse_memory, parse_cpu, parse_block_io,
						       parse_network};
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		json_t *o = json_object_get(res, keys[i]);
		if (!o)
			continue;
		if (!json_is_object(o))
			return berth_error_set(err, EINVAL, "resources.%s is not an object",
					       keys[i]);
		int k = parse[i](o, r, err);
		if (k < 0)
			return berth_error_prefix(err, "resources.%s", keys[i]);
	}
	json_t *huge = json_object_get(res, "hugepageLimits");
	if (huge && parse_hugepages(huge, r, err) < 0)
		return berth_error_prefix(err, "resources");
	return 0;
}

bool berth_cgroup_resources_need(const struct berth_cgroup_resources *r, const char *ctrl)
{
	if (!r)
		return false;
	if (strcmp(ctrl, "cpuset") == 0)
		return r->cpuset_cpus || r->cpuset_mems;
	if (strcmp(ctrl, "hugetlb") == 0)
		return r->n_hugepages > 0;
	if (strcmp(ctrl, "net_cls") == 0)
		return r->has_class_id;
	if (strcmp(ctrl, "net_prio") == 0)
		return r->n_prios > 0;
	return false;
}

void berth_cgroup_resources_warn_missing(const struct berth_cgroup_resources *r, const char *ctrl)
{
	static const struct {
		const char *ctrl, *field;
	} fields[] = {
		{"cpuset", "cpu.cpus/cpu.mems"},
		{"hugetlb", "hugepageLimits"},
		{"net_cls", "network.classID"},
		{"net_prio", "network.priorities"},
	};
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (strcmp(fields[i].ctrl, ctrl) == 0 && berth_cgroup_resources_need(r, ctrl))
			berth_warn("linux.resources.%s: the host has no '%s' cgroup controller: "
				   "ignored",
				   fields[i].field, ctrl);
}

/* Writes value; with a warning naming field instead of failing when the file does not exist. */
static int write_or_warn(const char *dir, const char *file, const char *value, const char *field,
			 struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xasprintf("%s/%s", dir, file);
	if (access(path, F_OK) < 0) {
		berth_warn("linux.resources.%s: the host's cgroup has no '%s': ignored", field,
			   file);
		return 0;
	}
	return berth_cgroup_write_file(dir, file, value, err);
}

int berth_cgroup_cpuset_inherit(const char *dir, const char *cpus, const char *mems,
				struct berth_error **err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	const char *given[] = {cpus, mems};
	_cleanup_free_ char *parent = berth_xstrdup(dir);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *inherited = NULL;
		size_t len = 0;
		const char *v = given[i];
		if (!v) {
			_cleanup_free_ char *path = berth_xasprintf("%s/%s", parent, files[i]);
			int k = berth_read_file_at(AT_FDCWD, path, 1 << 16, &inherited, &len, err);
			if (k < 0)
				return k;
			v = inherited;
		}
		int k = berth_cgroup_write_file(dir, files[i], v, err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int write_cpuset_v1(const char *dir, const struct berth_cgroup_resources *r,
			   struct berth_error **err)
{
	return berth_cgroup_cpuset_inherit(dir, r->cpuset_cpus, r->cpuset_mems, err);
}

static int write_memory_v1(const char *dir, const struct berth_cgroup_resources *r,
			   struct berth_error **err)
{
	char buf[32];
	int k = 0;
	if (r->memory_reservation >= 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, r->memory_reservation);
		k = berth_cgroup_write_file(dir, "memory.soft_limit_in_bytes", buf, err);
	}
	if (k >= 0 && r->has_memory_swap) {
		snprintf(buf, sizeof(buf), "%" PRId64, r->memory_swap);
		k = write_or_warn(dir, "memory.memsw.limit_in_bytes", buf, "memory.swap", err);
	}
	if (k >= 0 && r->disable_oom_killer >= 0)
		k = berth_cgroup_write_file(dir, "memory.oom_control",
					    r->disable_oom_killer ? "1" : "0", err);
	return k;
}

static int write_cpu_v1(const char *dir, const struct berth_cgroup_resources *r,
			struct berth_error **err)
{
	char buf[32];
	int k = 0;
	if (r->cpu_shares) {
		snprintf(buf, sizeof(buf), "%" PRIu64, r->cpu_shares);
		k = berth_cgroup_write_file(dir, "cpu.shares", buf, err);
	}
	/* the period first: the runtime must fit in it */
	if (k >= 0 && r->cpu_rt_period) {
		snprintf(buf, sizeof(buf), "%" PRIu64, r->cpu_rt_period);
		k = write_or_warn(dir, "cpu.rt_period_us", buf, "cpu.realtimePeriod", err);
	}
	if (k >= 0 && r->has_rt_runtime) {
		snprintf(buf, sizeof(buf), "%" PRId64, r->cpu_rt_runtime);
		k = write_or_warn(dir, "cpu.rt_runtime_us", buf, "cpu.realtimeRuntime", err);
	}
	return k;
}

/* "MAJ:MIN VALUE" to file, for each device. */
static int write_devices(const char *dir, const char *file, const char *field,
			 const struct berth_cgroup_throttle *t, size_t n, struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		char buf[80];
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major,
			 t[i].minor, t[i].rate);
		int k = write_or_warn(dir, file, buf, field, err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int write_blkio_v1(const char *dir, const struct berth_cgroup_resources *r,
			  struct berth_error **err)
{
	char buf[80];
	int k = 0;
	if (r->blkio_weight) {
		snprintf(buf, sizeof(buf), "%u", r->blkio_weight);
		k = write_or_warn(dir, "blkio.weight", buf, "blockIO.weight", err);
	}
	for (size_t i = 0; k >= 0 && i < r->n_weight_devices; i++) {
		const struct berth_cgroup_weight_device *w = &r->weight_devices[i];
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
			 w->weight);
		k = write_or_warn(dir, "blkio.weight_device", buf, "blockIO.weightDevice", err);
	}
	for (size_t kind = 0; k >= 0 && kind < BERTH_THROTTLE_KINDS; kind++)
		k = write_devices(dir, throttle_v1_files[kind], throttle_keys[kind],
				  r->throttle[kind], r->n_throttle[kind], err);
	return k;
}

static int write_hugetlb(const char *dir, const struct berth_cgroup_resources *r, bool v2,
			 struct berth_error **err)
{
	for (size_t i = 0; i < r->n_hugepages; i++) {
		char buf[32];
		_cleanup_free_ char *file =
			berth_xasprintf(v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
					r->hugepages[i].pagesize);
		snprintf(buf, sizeof(buf), "%" PRIu64, r->hugepages[i].limit);
		int k = write_or_warn(dir, file, buf, "hugepageLimits", err);
		if (k < 0)
			return k;
	}
	return 0;
}

static int write_net_v1(const char *ctrl, const char *dir, const struct berth_cgroup_resources *r,
			struct berth_error **err)
{
	char buf[64];
	if (strcmp(ctrl, "net_cls") == 0 && r->has_class_id) {
		snprintf(buf, sizeof(buf), "%" PRIu32, r->class_id);
		return berth_cgroup_write_file(dir, "net_cls.classid", buf, err);
	}
	for (size_t i = 0; strcmp(ctrl, "net_prio") == 0 && i < r->n_prios; i++) {
		snprintf(buf, sizeof(buf), "%s %" PRIu32, r->prios[i].name, r->prios[i].priority);
		int k = berth_cgroup_write_file(dir, "net_prio.ifpriomap", buf, err);
		if (k < 0)
			return k;
	}
	return 0;
}

int berth_cgroup_resources_write_v1(const char *ctrl, const char *dir,
				    const struct berth_cgroup_resources *r,
				    struct berth_error **err)
{
	if (!r)
		return 0;
	if (strcmp(ctrl, "memory") == 0)
		return write_memory_v1(dir, r, err);
	if (strcmp(ctrl, "cpu") == 0)
		return write_cpu_v1(dir, r, err);
	if (strcmp(ctrl, "cpuset") == 0)
		return write_cpuset_v1(dir, r, err);
	if (strcmp(ctrl, "blkio") == 0)
		return write_blkio_v1(dir, r, err);
	if (strcmp(ctrl, "hugetlb") == 0)
		return write_hugetlb(dir, r, false, err);
	return write_net_v1(ctrl, dir, r, err);
}

/* runc's conversions: cpu.shares 2..262144 to cpu.weight 1..10000, blkio 10..1000 to io 1..10000. */
uint64_t berth_cgroup_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static uint64_t blkio_to_io_weight(uint16_t w)
{
	return 1 + ((uint64_t)(w - 10) * 9999) / 990;
}

static int write_io_v2(const char *dir, const struct berth_cgroup_resources *r,
		       struct berth_error **err)
{
	char buf[128];
	int k = 0;
	if (r->blkio_weight) {
		snprintf(buf, sizeof(buf), "default %" PRIu64, blkio_to_io_weight(r->blkio_weight));
		k = write_or_warn(dir, "io.weight", buf, "blockIO.weight", err);
	}
	for (size_t i = 0; k >= 0 && i < r->n_weight_devices; i++) {
		const struct berth_cgroup_weight_device *w = &r->weight_devices[i];
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
			 blkio_to_io_weight(w->weight));
		k = write_or_warn(dir, "io.weight", buf, "blockIO.weightDevice", err);
	}
	for (size_t kind = 0; k >= 0 && kind < BERTH_THROTTLE_KINDS; kind++)
		for (size_t i = 0; k >= 0 && i < r->n_throttle[kind]; i++) {
			const struct berth_cgroup_throttle *t = &r->throttle[kind][i];
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t->major,
				 t->minor, throttle_v2_keys[kind], t->rate);
			k = write_or_warn(dir, "io.max", buf, throttle_keys[kind], err);
		}
	return k;
}

int berth_cgroup_resources_write_v2(const char *dir, const struct berth_cgroup_resources *r,
				    int64_t memory_limit, struct berth_error **err)
{
	char buf[64];
	int k = 0;
	if (!r)
		return 0;
	if (r->memory_reservation >= 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, r->memory_reservation);
		k = write_or_warn(dir, "memory.low", buf, "memory.reservation", err);
	}
	/* v1's memsw counts memory and swap together, v2's swap.max swap alone */
	if (k >= 0 && r->has_memory_swap) {
		if (r->memory_swap < 0)
			snprintf(buf, sizeof(buf), "max");
		else if (memory_limit >= 0 && r->memory_swap >= memory_limit)
			snprintf(buf, sizeof(buf), "%" PRId64, r->memory_swap - memory_limit);
		else
			return berth_error_set(err, EINVAL,
					       "resources.memory.swap (%" PRId64 ") must be at "
					       "least memory.limit on cgroup v2",
					       r->memory_swap);
		k = write_or_warn(dir, "memory.swap.max", buf, "memory.swap", err);
	}
	if (r->disable_oom_killer == 1)
		berth_warn("linux.resources.memory.disableOOMKiller: cgroup v2 has no such "
			   "switch: ignored");
	if (k >= 0 && r->cpu_shares) {
		snprintf(buf, sizeof(buf), "%" PRIu64,
			 berth_cgroup_shares_to_weight(r->cpu_shares));
		k = write_or_warn(dir, "cpu.weight", buf, "cpu.shares", err);
	}
	if (r->has_rt_runtime || r->cpu_rt_period)
		berth_warn("linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no "
			   "realtime group scheduling: ignored");
	if (k >= 0 && r->cpuset_cpus)
		k = write_or_warn(dir, "cpuset.cpus", r->cpuset_cpus, "cpu.cpus", err);
	if (k >= 0 && r->cpuset_mems)
		k = write_or_warn(dir, "cpuset.mems", r->cpuset_mems, "cpu.mems", err);
	if (k >= 0)
		k = write_io_v2(dir, r, err);
	if (k >= 0)
		k = write_hugetlb(dir, r, true, err);
	if (r->has_class_id || r->n_prios)
		berth_warn("linux.resources.network: cgroup v2 has no net_cls/net_prio: ignored");
	return k;
}

/* res's object at key, made when missing. */
static json_t *sub_object(json_t *res, const char *key)
{
	json_t *o = json_object_get(res, key);
	if (!o) {
		o = json_object();
		json_object_set_new(res, key, o);
	}
	return o;
}

static json_t *dev_entry(int64_t major, int64_t minor, const char *key, json_int_t v)
{
	return json_pack("{s:I, s:I, s:I}", "major", (json_int_t)major, "minor", (json_int_t)minor,
			 key, v);
}

static void block_io_to_json(const struct berth_cgroup_resources *r, json_t *res)
{
	bool any = r->blkio_weight || r->n_weight_devices;
	for (size_t k = 0; k < BERTH_THROTTLE_KINDS; k++)
		any = any || r->n_throttle[k];
	if (!any)
		return;
	json_t *bio = sub_object(res, "blockIO");
	if (r->blkio_weight)
		json_object_set_new(bio, "weight", json_integer(r->blkio_weight));
	if (r->n_weight_devices) {
		json_t *a = json_array();
		for (size_t i = 0; i < r->n_weight_devices; i++)
			json_array_append_new(a, dev_entry(r->weight_devices[i].major,
							   r->weight_devices[i].minor, "weight",
							   r->weight_devices[i].weight));
		json_object_set_new(bio, "weightDevice", a);
	}
	for (size_t k = 0; k < BERTH_THROTTLE_KINDS; k++) {
		if (!r->n_throttle[k])
			continue;
		json_t *a = json_array();
		for (size_t i = 0; i < r->n_throttle[k]; i++)
			json_array_append_new(a, dev_entry(r->throttle[k][i].major,
							   r->throttle[k][i].minor, "rate",
							   (json_int_t)r->throttle[k][i].rate));
		json_object_set_new(bio, throttle_keys[k], a);
	}
}

void berth_cgroup_resources_to_json(const struct berth_cgroup_resources *r, json_t *res)
{
	if (!r)
		return;
	if (r->memory_reservation >= 0)
		json_object_set_new(sub_object(res, "memory"), "reservation",
				    json_integer(r->memory_reservation));
	if (r->has_memory_swap)
		json_object_set_new(sub_object(res, "memory"), "swap",
				    json_integer(r->memory_swap));
	if (r->disable_oom_killer >= 0)
		json_object_set_new(sub_object(res, "memory"), "disableOOMKiller",
				    json_boolean(r->disable_oom_killer));
	if (r->cpu_shares)
		json_object_set_new(sub_object(res, "cpu"), "shares", json_integer(r->cpu_shares));
	if (r->has_rt_runtime)
		json_object_set_new(sub_object(res, "cpu"), "realtimeRuntime",
				    json_integer(r->cpu_rt_runtime));
	if (r->cpu_rt_period)
		json_object_set_new(sub_object(res, "cpu"), "realtimePeriod",
				    json_integer((json_int_t)r->cpu_rt_period));
	if (r->cpuset_cpus)
		json_object_set_new(sub_object(res, "cpu"), "cpus", json_string(r->cpuset_cpus));
	if (r->cpuset_mems)
		json_object_set_new(sub_object(res, "cpu"), "mems", json_string(r->cpuset_mems));
	block_io_to_json(r, res);
	if (r->n_hugepages) {
		json_t *a = json_array();
		for (size_t i = 0; i < r->n_hugepages; i++)
			json_array_append_new(a, json_pack("{s:s, s:I}", "pageSize",
							   r->hugepages[i].pagesize, "limit",
							   (json_int_t)r->hugepages[i].limit));
		json_object_set_new(res, "hugepageLimits", a);
	}
	if (r->has_class_id)
		json_object_set_new(sub_object(res, "network"), "classID",
				    json_integer(r->class_id));
	if (r->n_prios) {
		json_t *a = json_array();
		for (size_t i = 0; i < r->n_prios; i++)
			json_array_append_new(a, json_pack("{s:s, s:I}", "name", r->prios[i].name,
							   "priority",
							   (json_int_t)r->prios[i].priority));
		json_object_set_new(sub_object(res, "network"), "priorities", a);
	}
}
