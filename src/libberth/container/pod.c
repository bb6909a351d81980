/* SPDX-License-Identifier: Apache-2.0 */
/* Pods: records in pods/<id>/, the infra container, and what a pod's containers share. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/internal.h"
#include "container/pod.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "store/store.h"

static int pods_dir(const char *store_root, struct berth_error **err)
{
	return berth_mkdir_open(store_root, "pods", err);
}

/* pods/<id>/pod.json (new reference); NULL when absent or broken. */
static json_t *pod_read(int pdir, const char *id)
{
	_cleanup_free_ char *name = berth_xasprintf("%s/pod.json", id);
	json_t *j = NULL;
	if (berth_json_read_at(pdir, name, 1 << 20, &j, NULL) < 0)
		return NULL;
	return j;
}

static int pod_write(int pdir, const char *id, const json_t *pod, struct berth_error **err)
{
	_cleanup_close_ int fd = openat(pdir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open pod '%s'", id);
	_cleanup_free_ char *s = berth_json_dump(pod, NULL);
	return berth_write_file_atomic(fd, "pod.json", s, strlen(s), 0600, err);
}

static bool is_pod_id(const char *name)
{
	return strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64;
}

/* The id of the pod named name, NULL when none is. */
static char *pod_named(int pdir, const char *name)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(pdir, ".");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!is_pod_id(de->d_name))
			continue;
		_cleanup_json_ json_t *p = pod_read(pdir, de->d_name);
		const char *n = json_string_value(json_object_get(p, "Name"));
		if (n && strcmp(n, name) == 0)
			return berth_xstrdup(de->d_name);
	}
	return NULL;
}

int berth_pod_find(struct berth_store *store, const char *what, char **ret_id,
		   struct berth_error **err)
{
	_cleanup_close_ int pdir = pods_dir(berth_store_root_path(store), err);
	if (pdir < 0)
		return pdir;
	char *named = pod_named(pdir, what);
	if (named) {
		*ret_id = named;
		return 0;
	}
	_cleanup_closedir_ DIR *d = berth_opendir_at(pdir, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read pods");
	_cleanup_free_ char *found = NULL;
	int matches = 0;
	struct dirent *de;
	while (*what && (de = readdir(d))) {
		if (!is_pod_id(de->d_name) || strncmp(de->d_name, what, strlen(what)) != 0)
			continue;
		matches++;
		free(found);
		found = berth_xstrdup(de->d_name);
	}
	if (matches > 1)
		return berth_error_set(err, EINVAL, "multiple pods match '%s'", what);
	if (matches == 0)
		return berth_error_set(err, ENOENT, "no such pod: '%s'", what);
	*ret_id = TAKE_PTR(found);
	return 0;
}

/* The pod's record by what (id, prefix or name), with its full id. */
static int pod_load(struct berth_store *store, const char *what, char **ret_id, json_t **ret,
		    struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	int r = berth_pod_find(store, what, &id, err);
	if (r < 0)
		return r;
	_cleanup_close_ int pdir = pods_dir(berth_store_root_path(store), err);
	if (pdir < 0)
		return pdir;
	json_t *p = pod_read(pdir, id);
	if (!p)
		return berth_error_set(err, EBADMSG, "pod '%s' has no readable record", id);
	*ret = p;
	if (ret_id)
		*ret_id = TAKE_PTR(id);
	return 0;
}

static const char *pod_str(const json_t *pod, const char *key)
{
	const char *s = json_string_value(json_object_get(pod, key));
	return s ? s : "";
}

/* Those of the records all that are the pod's (new reference): the infra first, then by creation. */
static json_t *pod_records_of(const json_t *all, const json_t *pod)
{
	const char *id = pod_str(pod, "Id");
	const char *infra = pod_str(pod, "InfraContainerID");
	json_t *out = json_array();
	size_t i;
	json_t *c;
	json_array_foreach (all, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "Pod")) ?: "", id) != 0)
			continue;
		/* insertion by Created (RFC 3339 UTC strings compare as times) */
		const char *created = pod_str(c, "Created");
		bool is_infra = strcmp(pod_str(c, "Id"), infra) == 0;
		size_t at = json_array_size(out);
		while (!is_infra && at > 0) {
			json_t *prev = json_array_get(out, at - 1);
			if (strcmp(pod_str(prev, "Id"), infra) == 0 ||
			    strcmp(pod_str(prev, "Created"), created) <= 0)
				break;
			at--;
		}
		json_array_insert(out, is_infra ? 0 : at, c);
	}
	return out;
}

/* The records of the pod's containers (new reference), as pod_records_of orders them. */
static int pod_records(struct berth_store *store, const json_t *pod, json_t **ret,
		       struct berth_error **err)
{
	_cleanup_json_ json_t *all = NULL;
	int r = berth_container_list(store, &all, err);
	if (r < 0)
		return r;
	*ret = pod_records_of(all, pod);
	return 0;
}

/* The pod's record and its containers' (pod_records), by what. */
static int pod_load_records(struct berth_store *store, const char *what, char **ret_id,
			    json_t **ret_pod, json_t **ret_recs, struct berth_error **err)
{
	_cleanup_json_ json_t *pod = NULL;
	int r = pod_load(store, what, ret_id, &pod, err);
	if (r >= 0)
		r = pod_records(store, pod, ret_recs, err);
	if (r < 0)
		return r;
	*ret_pod = TAKE_PTR(pod);
	return 0;
}

int berth_pod_containers(struct berth_store *store, const char *what, char ***ret_ids,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *pod = NULL, *recs = NULL;
	int r = pod_load_records(store, what, NULL, &pod, &recs, err);
	if (r < 0)
		return r;
	char **ids = NULL;
	size_t i;
	json_t *c;
	json_array_foreach (recs, i, c)
		berth_strv_push(&ids, pod_str(c, "Id"));
	*ret_ids = ids ? ids : berth_xcalloc(1, sizeof(char *));
	return 0;
}

static const char *record_status(const json_t *c)
{
	return pod_str(json_object_get(c, "State"), "Status");
}

/* podman's pod states from its containers': Created, Running, Degraded or Exited. */
static const char *pod_state(const json_t *recs)
{
	size_t n = json_array_size(recs), running = 0, created = 0;
	size_t i;
	json_t *c;
	json_array_foreach (recs, i, c) {
		running += json_is_true(json_object_get(json_object_get(c, "State"), "Running"));
		created += strcmp(record_status(c), "created") == 0;
	}
	if (n == 0 || created == n)
		return "Created";
	if (running == n)
		return "Running";
	return running > 0 ? "Degraded" : "Exited";
}

static json_t *pod_inspect_json(const json_t *pod, const json_t *recs)
{
	const char *infra = pod_str(pod, "InfraContainerID");
	json_t *infra_rec = NULL, *list = json_array();
	size_t i;
	json_t *c;
	json_array_foreach (recs, i, c) {
		const char *name = pod_str(c, "Name");
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "Id", pod_str(c, "Id"),
						      "Name", name, "State", record_status(c)));
		if (strcmp(pod_str(c, "Id"), infra) == 0)
			infra_rec = c;
	}
	json_t *hc = json_object_get(infra_rec, "HostConfig");
	json_t *nets = json_object_get(json_object_get(infra_rec, "NetworkSettings"), "Networks");
	json_t *net_names = json_array();
	const char *key;
	json_t *v;
	json_object_foreach (nets, key, v)
		json_array_append_new(net_names, json_string(key));
	json_t *pb = json_object_get(hc, "PortBindings");
	json_t *infra_cfg =
		json_pack("{s:o, s:o, s:s}", "PortBindings", pb ? json_incref(pb) : json_object(),
			  "Networks", net_names, "NetworkMode", pod_str(pod, "Network"));
	json_t *labels = json_object_get(pod, "Labels");
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:b, s:s, s:o, s:[sss], s:I, s:o}", "Id",
			 pod_str(pod, "Id"), "Name", pod_str(pod, "Name"), "Created",
			 pod_str(pod, "Created"), "State", pod_state(recs), "Hostname",
			 pod_str(pod, "Hostname"), "Labels", labels ? labels : json_object(),
			 "CreateInfra", true, "InfraContainerID", infra, "InfraConfig", infra_cfg,
			 "SharedNamespaces", "ipc", "net", "uts", "NumContainers",
			 (json_int_t)json_array_size(recs), "Containers", list);
}

int berth_pod_inspect(struct berth_store *store, const char *what, json_t **ret,
		      struct berth_error **err)
{
	_cleanup_json_ json_t *pod = NULL, *recs = NULL;
	int r = pod_load_records(store, what, NULL, &pod, &recs, err);
	if (r < 0)
		return r;
	*ret = pod_inspect_json(pod, recs);
	return 0;
}

int berth_pod_list(struct berth_store *store, json_t **ret, struct berth_error **err)
{
	_cleanup_close_ int pdir = pods_dir(berth_store_root_path(store), err);
	if (pdir < 0)
		return pdir;
	_cleanup_closedir_ DIR *d = berth_opendir_at(pdir, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read pods");
	_cleanup_json_ json_t *all = NULL;
	int r = berth_container_list(store, &all, err);
	if (r < 0)
		return r;
	json_t *out = json_array();
	struct dirent *de;
	while ((de = readdir(d))) {
		_cleanup_json_ json_t *pod =
			is_pod_id(de->d_name) ? pod_read(pdir, de->d_name) : NULL;
		if (!pod)
			continue;
		_cleanup_json_ json_t *recs = pod_records_of(all, pod);
		json_t *p = pod_inspect_json(pod, recs);
		size_t at = json_array_size(out);
		while (at > 0 && strcmp(pod_str(json_array_get(out, at - 1), "Created"),
					pod_str(p, "Created")) > 0)
			at--;
		json_array_insert_new(out, at, p);
	}
	*ret = out;
	return 0;
}

static int check_create_options(int pdir, const struct berth_pod_create_options *o,
				struct berth_error **err)
{
	if (o->name && !berth_container_name_is_valid(o->name))
		return berth_error_set(err, EINVAL,
				       "invalid pod name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				       "allowed",
				       o->name);
	if (o->name) {
		_cleanup_free_ char *taken = pod_named(pdir, o->name);
		if (taken)
			return berth_error_set(err, EEXIST, "the pod name '%s' is already in use",
					       o->name);
	}
	if (o->network && strncmp(o->network, "container:", 10) == 0)
		return berth_error_set(err, EINVAL,
				       "--network %s: a pod's network cannot be another "
				       "container's",
				       o->network);
	return 0;
}

/* The infra: berth's init alone on the pod's empty rootfs, holding its namespaces. */
static int create_infra(struct berth_store *store, const char *id, const char *hostname,
			const struct berth_pod_create_options *o, char **ret_infra,
			struct berth_error **err)
{
	_cleanup_free_ char *rootfs =
		berth_xasprintf("%s/pods/%s/rootfs", berth_store_root_path(store), id);
	_cleanup_free_ char *name = berth_xasprintf("%.12s-infra", id);
	char *cmd[] = {"berth-init", NULL};
	struct berth_run_options io;
	berth_run_options_init(&io);
	io.rootfs = rootfs;
	io.cmd = cmd;
	io.name = name;
	io.hostname = hostname;
	if (o->network)
		io.network = o->network;
	io.ports = o->ports;
	io.n_ports = o->n_ports;
	io.init = true;
	io.detach = true;
	io.create_only = true;
	io.pod = id;
	io.pod_infra = true;
	struct berth_run_result res;
	int r = berth_container_run(store, &io, &res, err);
	if (r < 0)
		return r;
	*ret_infra = berth_xstrdup(res.id);
	return 0;
}

int berth_pod_create(struct berth_store *store, const struct berth_pod_create_options *o,
		     char **ret_id, struct berth_error **err)
{
	_cleanup_close_ int pdir = pods_dir(berth_store_root_path(store), err);
	if (pdir < 0)
		return pdir;
	int r = check_create_options(pdir, o, err);
	if (r < 0)
		return r;
	char id[65];
	berth_random_hex(id, 32);
	_cleanup_free_ char *name = NULL;
	for (int i = 0; i < 8 && !o->name && !name; i++) {
		char *n = berth_container_random_name();
		_cleanup_free_ char *taken = pod_named(pdir, n);
		if (taken)
			free(n);
		else
			name = n;
	}
	if (!name)
		name = berth_xstrdup(o->name ? o->name : id);
	const char *hostname = o->hostname ? o->hostname : name;
	if (mkdirat(pdir, id, 0700) < 0)
		return berth_error_syscall(err, errno, "create pod '%s'", id);
	_cleanup_free_ char *rootfs = berth_xasprintf("%s/rootfs", id);
	_cleanup_free_ char *created = berth_container_now();
	_cleanup_free_ char *infra = NULL;
	_cleanup_json_ json_t *pod = json_pack(
		"{s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "Id", id, "Name", name, "Created", created,
		"Hostname", hostname, "Labels", berth_container_labels_json(NULL, o->labels),
		"Network", o->network ? o->network : "bridge", "InfraContainerID", "");
	if (mkdirat(pdir, rootfs, 0755) < 0)
		r = berth_error_syscall(err, errno, "create pod '%s'", id);
	if (r >= 0)
		r = pod_write(pdir, id, pod, err);
	if (r >= 0)
		r = create_infra(store, id, hostname, o, &infra, err);
	if (r >= 0) {
		json_object_set_new(pod, "InfraContainerID", json_string(infra));
		r = pod_write(pdir, id, pod, err);
		if (r < 0)
			berth_container_remove(store, infra, true, NULL);
	}
	if (r < 0) {
		berth_rm_rf_at(pdir, id, NULL);
		return berth_error_prefix(err, "create pod '%s'", name);
	}
	*ret_id = berth_xstrdup(id);
	return 0;
}

static bool record_is_running(const json_t *c)
{
	return json_is_true(json_object_get(json_object_get(c, "State"), "Running"));
}

int berth_pod_start(struct berth_store *store, const char *what, struct berth_error **err)
{
	_cleanup_json_ json_t *pod = NULL, *recs = NULL;
	int r = pod_load_records(store, what, NULL, &pod, &recs, err);
	if (r < 0)
		return r;
	/* the infra is the first record: the others join its namespaces */
	size_t i;
	json_t *c;
	json_array_foreach (recs, i, c) {
		if (record_is_running(c))
			continue;
		r = berth_container_start(store, pod_str(c, "Id"), err);
		if (r < 0)
			return berth_error_prefix(err, "start pod '%s'", what);
	}
	return 0;
}

int berth_pod_stop(struct berth_store *store, const char *what, int timeout_s,
		   struct berth_error **err)
{
	_cleanup_json_ json_t *pod = NULL, *recs = NULL;
	int r = pod_load_records(store, what, NULL, &pod, &recs, err);
	if (r < 0)
		return r;
	/* the others first, the infra (the first record) last */
	for (size_t i = json_array_size(recs); i > 0; i--) {
		json_t *c = json_array_get(recs, i - 1);
		if (!record_is_running(c))
			continue;
		r = berth_container_stop(store, pod_str(c, "Id"), timeout_s, err);
		if (r < 0)
			return berth_error_prefix(err, "stop pod '%s'", what);
	}
	return 0;
}

int berth_pod_remove(struct berth_store *store, const char *what, bool force,
		     struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *pod = NULL, *recs = NULL;
	int r = pod_load_records(store, what, &id, &pod, &recs, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *c;
	json_array_foreach (recs, i, c)
		if (!force && record_is_running(c))
			return berth_error_set(err, EBUSY,
					       "cannot remove pod '%s': it has running containers: "
					       "stop it first or use --force",
					       what);
	/* from now on the infra may go: the pod is being removed */
	json_object_set_new(pod, "Removing", json_true());
	_cleanup_close_ int pdir = pods_dir(store_root, err);
	if (pdir < 0)
		return pdir;
	r = pod_write(pdir, id, pod, err);
	if (r < 0)
		return r;
	/* the others first, the infra (the first record) last */
	for (i = json_array_size(recs); i > 0; i--) {
		r = berth_container_remove(store, pod_str(json_array_get(recs, i - 1), "Id"), true,
					   err);
		if (r < 0 && r != -ENOENT)
			return berth_error_prefix(err, "remove pod '%s'", what);
		berth_error_free(err);
	}
	r = berth_rm_rf_at(pdir, id, err);
	if (r < 0)
		return berth_error_prefix(err, "remove pod '%s'", what);
	return 0;
}

int berth_pod_prune(struct berth_store *store, char ***ret_removed, struct berth_error **err)
{
	_cleanup_json_ json_t *pods = NULL;
	int r = berth_pod_list(store, &pods, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **removed = NULL;
	size_t i;
	json_t *p;
	json_array_foreach (pods, i, p) {
		const char *state = pod_str(p, "State");
		if (strcmp(state, "Running") == 0 || strcmp(state, "Degraded") == 0)
			continue;
		_cleanup_error_ struct berth_error *e = NULL;
		r = berth_pod_remove(store, pod_str(p, "Id"), false, &e);
		if (r == -EBUSY || r == -ENOENT)
			continue;
		if (r < 0) {
			if (err)
				*err = TAKE_PTR(e);
			return r;
		}
		berth_strv_push(&removed, pod_str(p, "Id"));
	}
	*ret_removed = removed ? TAKE_PTR(removed) : berth_xcalloc(1, sizeof(char *));
	return 0;
}

/* ---- for the other files of container/ (internal.h) ---- */

void berth_pod_member_release(struct berth_pod_member *m)
{
	free(m->pod_id);
	free(m->network);
	free(m->hostname);
	memset(m, 0, sizeof(*m));
}

int berth_pod_member_prepare(struct berth_store *store, const struct berth_run_options *o,
			     struct berth_pod_member *ret, struct berth_error **err)
{
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *pod = NULL;
	int r = pod_load(store, o->pod, &id, &pod, err);
	if (r < 0)
		return r;
	if (o->network && strcmp(o->network, "bridge") != 0)
		return berth_error_set(err, EINVAL,
				       "--network cannot be used with --pod: the container "
				       "shares the network of pod '%s'",
				       o->pod);
	if (o->n_ports > 0)
		return berth_error_set(err, EINVAL,
				       "published ports are the pod's: give -p to 'berth pod "
				       "create', not to a container of pod '%s'",
				       o->pod);
	if (o->hostname)
		return berth_error_set(err, EINVAL,
				       "--hostname cannot be used with --pod: the container "
				       "shares the hostname of pod '%s'",
				       o->pod);
	const char *infra = pod_str(pod, "InfraContainerID");
	/* run --pod of a stopped pod starts its infra, as podman's */
	if (!o->create_only) {
		r = berth_container_start(store, infra, err);
		if (r < 0)
			return berth_error_prefix(err, "start the infra of pod '%s'", o->pod);
	}
	*ret = (struct berth_pod_member){
		.o = *o,
		.pod_id = TAKE_PTR(id),
		.network = berth_xasprintf("container:%s", infra),
		.hostname = berth_xstrdup(pod_str(pod, "Hostname")),
	};
	ret->o.pod = ret->pod_id;
	ret->o.network = ret->network;
	ret->o.hostname = ret->hostname;
	return 0;
}

int berth_pod_member_start(struct berth_store *store, const json_t *st, struct berth_error **err)
{
	const char *pod_id = json_string_value(json_object_get(st, "Pod"));
	if (!pod_id || json_is_true(json_object_get(st, "IsInfra")))
		return 0;
	_cleanup_json_ json_t *pod = NULL;
	int r = pod_load(store, pod_id, NULL, &pod, err);
	if (r < 0)
		return r;
	return berth_container_start(store, pod_str(pod, "InfraContainerID"), err);
}

int berth_pod_member_join(struct berth_store *store, int cdir, const char *cid,
			  struct berth_spec *spec, struct berth_error **err)
{
	_cleanup_json_ json_t *st = berth_container_state_read(cdir, cid);
	const char *pod_id = json_string_value(json_object_get(st, "Pod"));
	if (!pod_id || json_is_true(json_object_get(st, "IsInfra")))
		return 0;
	_cleanup_json_ json_t *pod = NULL, *infra = NULL;
	int r = pod_load(store, pod_id, NULL, &pod, err);
	if (r >= 0)
		r = berth_container_inspect(store, pod_str(pod, "InfraContainerID"), &infra, err);
	if (r < 0)
		return berth_error_prefix(err, "join pod '%s'", pod_str(pod, "Name"));
	json_int_t pid =
		json_integer_value(json_object_get(json_object_get(infra, "State"), "Pid"));
	if (!berth_container_state_is_running(infra) || pid <= 0)
		return berth_error_set(err, EINVAL, "join pod '%s': its infra is not running",
				       pod_str(pod, "Name"));
	static const struct {
		unsigned flag;
		const char *name;
	} shared[] = {{BERTH_NS_IPC, "ipc"}, {BERTH_NS_UTS, "uts"}};
	for (size_t i = 0; i < ELEMENTSOF(shared); i++) {
		_cleanup_free_ char *path =
			berth_xasprintf("/proc/%lld/ns/%s", (long long)pid, shared[i].name);
		berth_spec_set_ns_path(spec, shared[i].flag, path);
	}
	return 0;
}

int berth_pod_infra_guard(struct berth_store *store, const json_t *st, const char *what,
			  struct berth_error **err)
{
	const char *pod_id = json_string_value(json_object_get(st, "Pod"));
	if (!pod_id || !json_is_true(json_object_get(st, "IsInfra")))
		return 0;
	_cleanup_close_ int pdir = pods_dir(berth_store_root_path(store), NULL);
	_cleanup_json_ json_t *pod = pdir >= 0 && is_pod_id(pod_id) ? pod_read(pdir, pod_id) : NULL;
	if (!pod || json_is_true(json_object_get(pod, "Removing")))
		return 0;
	return berth_error_set(err, EBUSY,
			       "cannot remove container '%s': it is the infra container of pod "
			       "'%s': remove the pod with 'berth pod rm'",
			       what, pod_str(pod, "Name"));
}
