/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kube play`: the model of play-model.c run through the library's pod,
 * volume and container functions (the calls of `pod create` and
 * `run --pod`). Everything made carries io.berth.kube.file (the YAML's
 * absolute path) and io.berth.kube.object ("Kind/name"), which is all
 * `--down` needs; a failure removes what this run made.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose/compose.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/chase.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/runspec.h"
#include "core/strv.h"
#include "kube/kube.h"
#include "kube/play.h"

#define LABEL_FILE   "io.berth.kube.file"
#define LABEL_OBJECT "io.berth.kube.object"
#define CLAIM_PREFIX "PersistentVolumeClaim/"
#define MAX_YAML     (16u << 20)

struct play {
	struct berth_store *store;
	const struct berth_kube_play_options *o;
	const struct kube_manifest *m;
	const char *file;    /* absolute: the label */
	const char *display; /* as given: messages */
	char **pods;	     /* ids made by this run */
	char **volumes;	     /* made by this run */
	char ***ret_pods;    /* names, for the caller */
};

static char **labels_for(const char *file, const char *object)
{
	char **l = NULL;
	_cleanup_free_ char *f = NULL, *o = NULL;
	f = berth_xasprintf(LABEL_FILE "=%s", file);
	o = berth_xasprintf(LABEL_OBJECT "=%s", object);
	berth_strv_push(&l, f);
	berth_strv_push(&l, o);
	return l;
}

/* A volume this run makes; an existing one is an error unless keep (a claim's data). */
static int make_volume(struct play *pl, const char *name, const char *object, bool keep,
		       struct berth_volume *ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **labels = labels_for(pl->file, object);
	bool created = false;
	int r = berth_volume_create_labelled(pl->store, name, labels, ret, &created, err);
	if (r < 0)
		return r;
	if (created)
		berth_strv_push(&pl->volumes, name);
	else if (!keep)
		return berth_error_set(err, EEXIST,
				       "volume \"%s\" already exists (kube play --replace, or "
				       "--down first)",
				       name);
	return 0;
}

/* The files of a ConfigMap or Secret volume: its items, or every key. */
static int fill_data_volume(struct play *pl, const struct kube_volume *v, const struct kube_data *d,
			    const char *dir, struct berth_error **err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open '%s'", dir);
	size_t n = v->n_items ? v->n_items : d ? d->n_blobs : 0;
	for (size_t i = 0; i < n; i++) {
		const struct kube_item *it = v->n_items ? &v->items[i] : NULL;
		const struct kube_blob *b = it ? kube_data_get(d, it->key) : &d->blobs[i];
		if (!b)
			return berth_error_set(err, ENOENT,
					       "%s:%d: volume \"%s\": no key \"%s\" in %s",
					       pl->display, v->line, v->name, it->key, v->source);
		int mode = it && it->mode >= 0 ? it->mode : v->default_mode;
		int r = berth_write_file_atomic(dfd, it ? it->path : b->key, b->data, b->len,
						(mode_t)mode, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Makes the pod's volume v (pod-made kinds) and gives the mount's source. */
static int prepare_volume(struct play *pl, const char *pod, const struct kube_volume *v,
			  char **ret_source, struct berth_error **err)
{
	_cleanup_(berth_volume_release) struct berth_volume vol = {0};
	_cleanup_free_ char *name = NULL, *object = NULL;
	int r;
	if (v->kind == KUBE_VOLUME_HOSTPATH) {
		*ret_source = berth_xstrdup(v->source);
		return 0;
	}
	if (v->kind == KUBE_VOLUME_CLAIM) {
		object = berth_xasprintf(CLAIM_PREFIX "%s", v->source);
		r = make_volume(pl, v->source, object, true, &vol, err);
		if (r < 0)
			return r;
		*ret_source = berth_xstrdup(v->source);
		return 0;
	}
	const struct kube_data *d = NULL;
	if (v->kind != KUBE_VOLUME_EMPTYDIR) {
		bool secret = v->kind == KUBE_VOLUME_SECRET;
		d = kube_manifest_data(pl->m, secret, v->source);
		if (!d && !v->optional)
			return berth_error_set(err, ENOENT, "%s:%d: volume \"%s\": no %s \"%s\"",
					       pl->display, v->line, v->name,
					       secret ? "Secret" : "ConfigMap", v->source);
	}
	name = berth_xasprintf("%s-%s", pod, v->name);
	object = berth_xasprintf("%s/%s",
				 v->kind == KUBE_VOLUME_EMPTYDIR ? "emptyDir"
				 : v->kind == KUBE_VOLUME_SECRET ? "Secret"
								 : "ConfigMap",
				 v->kind == KUBE_VOLUME_EMPTYDIR ? name : v->source);
	r = make_volume(pl, name, object, false, &vol, err);
	if (r >= 0 && v->kind != KUBE_VOLUME_EMPTYDIR)
		r = fill_data_volume(pl, v, d, vol.mountpoint, err);
	if (r < 0)
		return r;
	*ret_source = TAKE_PTR(name);
	return 0;
}

static const struct kube_volume *find_volume(const struct kube_podspec *p, const char *name)
{
	for (size_t i = 0; i < p->n_volumes; i++)
		if (strcmp(p->volumes[i].name, name) == 0)
			return &p->volumes[i];
	return NULL;
}

/* A subPath of a volume or host directory: a bind of what it names inside it, symlinks clamped. */
static int sub_path_source(struct play *pl, const struct kube_volume *v, const char *source,
			   const char *sub, char **ret, struct berth_error **err)
{
	_cleanup_free_ char *dir = NULL, *inside = NULL;
	if (v->kind == KUBE_VOLUME_HOSTPATH) {
		dir = berth_xstrdup(source);
	} else {
		_cleanup_(berth_volume_release) struct berth_volume vol = {0};
		int r = berth_volume_get(pl->store, source, &vol, err);
		if (r < 0)
			return r;
		dir = TAKE_PTR(vol.mountpoint);
	}
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open '%s'", dir);
	int r = berth_chase_in_root(dfd, sub, &inside, err);
	if (r < 0)
		return r;
	*ret = berth_xasprintf("%s%s", dir, inside);
	return 0;
}

/* The container's volumeMounts as run's mount requests (sources: the pod's, by volume). */
static int container_mounts(struct play *pl, const struct kube_podspec *p,
			    const struct kube_container *k, char *const *sources,
			    struct berth_mount_req **ret, struct berth_error **err)
{
	struct berth_mount_req *m = berth_xcalloc(k->n_mounts ? k->n_mounts : 1, sizeof(*m));
	int r = 0;
	for (size_t i = 0; i < k->n_mounts && r >= 0; i++) {
		const struct kube_vmount *vm = &k->mounts[i];
		const struct kube_volume *v = find_volume(p, vm->name);
		const char *src = sources[v - p->volumes];
		m[i].target = berth_xstrdup(vm->path);
		m[i].read_only = vm->read_only || v->kind == KUBE_VOLUME_CONFIGMAP ||
				 v->kind == KUBE_VOLUME_SECRET;
		if (v->kind == KUBE_VOLUME_EMPTYDIR && v->memory) {
			m[i].type = BERTH_MOUNT_TMPFS;
		} else if (vm->sub_path) {
			m[i].type = BERTH_MOUNT_BIND;
			r = sub_path_source(pl, v, src, vm->sub_path, &m[i].source, err);
		} else {
			m[i].type = v->kind == KUBE_VOLUME_HOSTPATH ? BERTH_MOUNT_BIND
								    : BERTH_MOUNT_VOLUME;
			m[i].source = berth_xstrdup(src);
			m[i].create_source = v->kind == KUBE_VOLUME_HOSTPATH;
		}
	}
	if (r < 0) {
		berth_mount_reqs_free(m, k->n_mounts);
		return r;
	}
	*ret = m;
	return 0;
}

static int env_value(struct play *pl, bool secret, const char *obj, const char *key, bool optional,
		     int line, const char **ret, struct berth_error **err)
{
	const struct kube_data *d = kube_manifest_data(pl->m, secret, obj);
	const struct kube_blob *b = d && key ? kube_data_get(d, key) : NULL;
	*ret = b ? b->data : NULL;
	if (!d && !optional)
		return berth_error_set(err, ENOENT, "%s:%d: env: no %s \"%s\"", pl->display, line,
				       secret ? "Secret" : "ConfigMap", obj);
	if (d && key && !b && !optional)
		return berth_error_set(err, ENOENT, "%s:%d: env: no key \"%s\" in %s", pl->display,
				       line, key, obj);
	return 0;
}

/* envFrom first, then env (a later name wins, as the kubelet orders them). */
static int container_env(struct play *pl, const struct kube_container *k, char ***ret,
			 struct berth_error **err)
{
	_cleanup_strv_free_ char **env = NULL;
	for (size_t i = 0; i < k->n_env_from; i++) {
		const struct kube_env_from *ef = &k->env_from[i];
		const char *unused;
		int r = env_value(pl, ef->secret, ef->name, NULL, ef->optional, ef->line, &unused,
				  err);
		if (r < 0)
			return r;
		const struct kube_data *d = kube_manifest_data(pl->m, ef->secret, ef->name);
		for (size_t j = 0; d && j < d->n_blobs; j++) {
			_cleanup_free_ char *kv = NULL;
			kv = berth_xasprintf("%s%s=%s", ef->prefix ? ef->prefix : "",
					     d->blobs[j].key, d->blobs[j].data);
			berth_strv_push(&env, kv);
		}
	}
	for (size_t i = 0; i < k->n_env; i++) {
		const struct kube_env *e = &k->env[i];
		const char *v = e->value;
		if (!v) {
			int r = env_value(pl, e->ref_secret, e->ref_name, e->ref_key, e->optional,
					  e->line, &v, err);
			if (r < 0)
				return r;
			if (!v)
				continue;
		}
		_cleanup_free_ char *kv = NULL;
		kv = berth_xasprintf("%s=%s", e->name, v);
		berth_strv_push(&env, kv);
	}
	*ret = TAKE_PTR(env);
	return 0;
}

/*
 * --build, podman's rule: an image whose name (its last path component,
 * without the tag) is a directory beside the YAML holding a Containerfile
 * or a Dockerfile is built from it, through compose's build of a service.
 */
static int build_image(struct play *pl, const struct kube_container *k, struct berth_error **err)
{
	const char *base = strrchr(k->image, '/');
	base = base ? base + 1 : k->image;
	_cleanup_free_ char *name = berth_xstrndup(base, strcspn(base, ":@"));
	_cleanup_free_ char *yaml_dir = berth_xstrdup(pl->file);
	*strrchr(yaml_dir, '/') = '\0';
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	_cleanup_free_ char *dir = berth_xasprintf("%s/%s", yaml_dir, name);
	_cleanup_free_ char *containerfile = berth_xasprintf("%s/Containerfile", dir);
	_cleanup_free_ char *dockerfile = berth_xasprintf("%s/Dockerfile", dir);
	bool has_containerfile = access(containerfile, F_OK) == 0;
	if (!has_containerfile && access(dockerfile, F_OK) != 0)
		return 0;
	struct berth_compose_build b = {.context = dir,
					.dockerfile = has_containerfile ? containerfile : NULL};
	struct berth_compose_service svc = {.name = k->name, .image = k->image, .build = &b};
	struct berth_compose_project proj = {.name = name, .working_dir = yaml_dir};
	struct berth_compose_build_options bo = {0};
	return berth_compose_build_service(pl->store, &proj, &svc, &bo, err);
}

/* imagePullPolicy: Always pulls, IfNotPresent pulls a missing image, Never does not. */
static int ensure_image(struct play *pl, const struct kube_container *k,
			struct berth_container_image *img, struct berth_error **err)
{
	if (pl->o->build) {
		int r = build_image(pl, k, err);
		if (r < 0)
			return r;
	}
	if (k->pull == KUBE_PULL_ALWAYS) {
		if (!pl->o->pull)
			return berth_error_set(err, ENOTSUP, "cannot pull %s", k->image);
		int r = pl->o->pull(k->image, pl->o->userdata, err);
		if (r < 0)
			return r;
	}
	struct berth_error *e = NULL;
	int r = berth_container_image_load(pl->store, k->image, img, &e);
	if (r != -ENOENT || k->pull == KUBE_PULL_NEVER || !pl->o->pull) {
		if (r < 0 && err)
			*err = TAKE_PTR(e);
		berth_error_free(&e);
		return r;
	}
	berth_error_free(&e);
	r = pl->o->pull(k->image, pl->o->userdata, err);
	if (r < 0)
		return r;
	return berth_container_image_load(pl->store, k->image, img, err);
}

struct ctr_run {
	struct berth_run_options o;
	struct berth_container_image img;
	struct berth_health_config health;
	char *name, *entrypoint;
	char **cmd, **env, **labels;
	struct berth_mount_req *mounts;
	size_t n_mounts;
};

static void ctr_run_release(struct ctr_run *c)
{
	berth_container_image_release(&c->img);
	berth_strv_free(c->health.test);
	free(c->name);
	free(c->entrypoint);
	berth_strv_free(c->cmd);
	berth_strv_free(c->env);
	berth_strv_free(c->labels);
	berth_mount_reqs_free(c->mounts, c->n_mounts);
}

/* command replaces the ENTRYPOINT (and so the CMD), args the CMD, as Kubernetes runs them. */
static void set_command(struct ctr_run *c, const struct kube_container *k)
{
	if (k->command) {
		c->entrypoint = berth_xstrdup(k->command[0] ? k->command[0] : "");
		c->o.entrypoint = c->entrypoint;
		c->cmd = berth_xcalloc(1, sizeof(char *));
		for (size_t i = 1; k->command[0] && k->command[i]; i++)
			berth_strv_push(&c->cmd, k->command[i]);
	}
	BERTH_STRV_FOREACH (a, k->args)
		berth_strv_push(&c->cmd, *a);
	c->o.cmd = c->cmd;
}

static void set_probe(struct ctr_run *c, const struct kube_probe *p)
{
	if (!p)
		return;
	berth_strv_push(&c->health.test, "CMD");
	BERTH_STRV_FOREACH (a, p->exec)
		berth_strv_push(&c->health.test, *a);
	c->health.interval = p->period_s * 1000000000LL;
	c->health.timeout = p->timeout_s * 1000000000LL;
	c->health.start_period = p->initial_delay_s * 1000000000LL;
	c->health.retries = (int)p->failure_threshold;
	c->o.health = &c->health;
	/* the kubelet restarts a container whose liveness probe fails */
	if (p->liveness)
		c->o.health_on_failure = BERTH_HEALTH_ON_FAILURE_RESTART;
}

static int create_container(struct play *pl, const struct kube_podspec *p, const char *pod,
			    const struct kube_container *k, char *const *sources,
			    struct berth_error **err)
{
	_cleanup_(ctr_run_release) struct ctr_run c = {0};
	berth_run_options_init(&c.o);
	int r = ensure_image(pl, k, &c.img, err);
	if (r >= 0)
		r = container_env(pl, k, &c.env, err);
	if (r >= 0)
		r = container_mounts(pl, p, k, sources, &c.mounts, err);
	if (r < 0)
		return berth_error_prefix(err, "container \"%s\"", k->name);
	c.n_mounts = k->n_mounts;
	c.name = berth_xasprintf("%s-%s", pod, k->name);
	c.labels = labels_for(pl->file, p->object);
	set_command(&c, k);
	set_probe(&c, k->probe);
	c.o.image = &c.img;
	c.o.name = c.name;
	c.o.env = c.env;
	c.o.labels = c.labels;
	c.o.mounts = c.mounts;
	c.o.n_mounts = c.n_mounts;
	c.o.workdir = k->workdir;
	c.o.user = k->user;
	c.o.read_only = k->read_only;
	c.o.cap_add = k->cap_add;
	c.o.cap_drop = k->cap_drop;
	c.o.memory = k->memory;
	c.o.nano_cpus = k->nano_cpus;
	c.o.pod = pod;
	c.o.detach = true;
	c.o.create_only = true;
	r = berth_runspec_parse_restart(p->restart ? p->restart : "always", &c.o.restart,
					&c.o.restart_max, err);
	struct berth_run_result res;
	if (r >= 0)
		r = berth_container_run(pl->store, &c.o, &res, err);
	if (r < 0)
		return berth_error_prefix(err, "container \"%s\"", k->name);
	return 0;
}

/* The pod's published ports: hostPorts, and the nodePorts of the Services that select it. */
static void pod_ports(const struct play *pl, const struct kube_podspec *p,
		      struct berth_port_map **ret, size_t *ret_n)
{
	struct berth_port_map *m = NULL;
	size_t n = 0;
	for (size_t i = 0; i < p->n_containers; i++)
		for (size_t j = 0; j < p->containers[i].n_ports; j++) {
			const struct kube_port *kp = &p->containers[i].ports[j];
			if (!kp->host_port)
				continue;
			m = berth_xreallocarray(m, n + 1, sizeof(*m));
			m[n++] = (struct berth_port_map){.host_port = kp->host_port,
							 .container_port = kp->container_port,
							 .proto = kp->proto};
		}
	for (size_t i = 0; i < pl->m->n_services; i++) {
		const struct kube_service *s = &pl->m->services[i];
		bool selected = s->selector != NULL;
		BERTH_STRV_FOREACH (kv, s->selector)
			selected &= berth_strv_contains(p->labels, *kv);
		for (size_t j = 0; selected && j < s->n_ports; j++) {
			if (!s->ports[j].node_port)
				continue;
			m = berth_xreallocarray(m, n + 1, sizeof(*m));
			m[n++] = (struct berth_port_map){.host_port = s->ports[j].node_port,
							 .container_port = s->ports[j].target_port,
							 .proto = s->ports[j].proto};
		}
	}
	*ret = m;
	*ret_n = n;
}

static int play_pod(struct play *pl, const struct kube_podspec *p, const char *name,
		    struct berth_error **err)
{
	_cleanup_free_ struct berth_port_map *ports = NULL;
	size_t n_ports = 0;
	pod_ports(pl, p, &ports, &n_ports);
	_cleanup_strv_free_ char **labels = labels_for(pl->file, p->object);
	BERTH_STRV_FOREACH (l, p->labels)
		berth_strv_push(&labels, *l);
	struct berth_pod_create_options po = {.name = name,
					      .hostname = p->hostname,
					      .ports = ports,
					      .n_ports = n_ports,
					      .labels = labels};
	_cleanup_free_ char *id = NULL;
	int r = berth_pod_create(pl->store, &po, &id, err);
	if (r < 0)
		return r;
	berth_strv_push(&pl->pods, id);
	char **sources = berth_xcalloc(p->n_volumes + 1, sizeof(char *));
	for (size_t i = 0; i < p->n_volumes && r >= 0; i++)
		r = prepare_volume(pl, name, &p->volumes[i], &sources[i], err);
	for (size_t i = 0; i < p->n_containers && r >= 0; i++)
		r = create_container(pl, p, name, &p->containers[i], sources, err);
	for (size_t i = 0; i < p->n_volumes; i++)
		free(sources[i]);
	free(sources);
	if (r >= 0 && pl->o->start)
		r = berth_pod_start(pl->store, id, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", p->object);
	berth_strv_push(pl->ret_pods, name);
	return 0;
}

/* A Deployment's replicas: <name>-pod as podman names its one, then <name>-pod-1, -2... */
static int play_manifest(struct play *pl, struct berth_error **err)
{
	for (size_t i = 0; i < pl->m->n_pods; i++) {
		const struct kube_podspec *p = &pl->m->pods[i];
		for (unsigned n = 0; n < p->replicas; n++) {
			_cleanup_free_ char *name = NULL;
			if (!p->deployment)
				name = berth_xstrdup(p->name);
			else if (n == 0)
				name = berth_xasprintf("%s-pod", p->name);
			else
				name = berth_xasprintf("%s-pod-%u", p->name, n);
			int r = play_pod(pl, p, name, err);
			if (r < 0)
				return r;
		}
	}
	/* a claim no pod mounts is still a volume, as podman makes it */
	BERTH_STRV_FOREACH (c, pl->m->claims) {
		_cleanup_(berth_volume_release) struct berth_volume vol = {0};
		_cleanup_free_ char *object = NULL;
		object = berth_xasprintf(CLAIM_PREFIX "%s", *c);
		int r = make_volume(pl, *c, object, true, &vol, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Removes what this run made, after a failure. */
static void roll_back(struct play *pl)
{
	BERTH_STRV_FOREACH (id, pl->pods)
		(void)berth_pod_remove(pl->store, *id, true, NULL);
	BERTH_STRV_FOREACH (v, pl->volumes)
		(void)berth_volume_remove(pl->store, *v, true, NULL);
}

static bool has_label(char *const *labels, const char *key, const char *value)
{
	size_t n = strlen(key);
	BERTH_STRV_FOREACH (l, labels)
		if (strncmp(*l, key, n) == 0 && (*l)[n] == '=' && strcmp(*l + n + 1, value) == 0)
			return true;
	return false;
}

/* --down: the pods (with their containers) and the volumes the file made; claims are kept. */
static int down_file(struct berth_store *store, const char *file, struct berth_error **err)
{
	_cleanup_json_ json_t *pods = NULL;
	int r = berth_pod_list(store, &pods, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *p;
	json_array_foreach (pods, i, p) {
		const char *f = json_string_value(
			json_object_get(json_object_get(p, "Labels"), LABEL_FILE));
		if (!f || strcmp(f, file) != 0)
			continue;
		r = berth_pod_remove(store, json_string_value(json_object_get(p, "Id")), true, err);
		if (r < 0)
			return r;
	}
	struct berth_volume *vols = NULL;
	size_t n = 0;
	r = berth_volume_list(store, &vols, &n, err);
	for (size_t j = 0; j < n; j++) {
		const struct berth_volume *v = &vols[j];
		bool mine = has_label(v->labels, LABEL_FILE, file);
		bool claim = false;
		BERTH_STRV_FOREACH (l, v->labels)
			claim |= strncmp(*l, LABEL_OBJECT "=" CLAIM_PREFIX,
					 strlen(LABEL_OBJECT "=" CLAIM_PREFIX)) == 0;
		if (r >= 0 && mine && !claim)
			r = berth_volume_remove(store, v->name, false, err);
	}
	for (size_t j = 0; j < n; j++)
		berth_volume_release(&vols[j]);
	free(vols);
	return r;
}

static int read_manifest(const char *path, struct kube_manifest *m, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, MAX_YAML, &data, &len, err);
	if (r < 0)
		return r;
	r = kube_manifest_parse(m, data, len, path, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (w, m->warnings)
		berth_warn("%s", *w);
	return 0;
}

int berth_kube_play(struct berth_store *store, const struct berth_kube_play_options *o,
		    char ***ret_pods, struct berth_error **err)
{
	size_t n = berth_strv_len(o->files);
	struct kube_manifest *ms = berth_xcalloc(n + 1, sizeof(*ms));
	char **abs = berth_xcalloc(n + 1, sizeof(char *));
	int r = 0;
	/* every file checked before anything is made */
	for (size_t i = 0; i < n && r >= 0; i++) {
		abs[i] = realpath(o->files[i], NULL);
		if (!abs[i])
			r = berth_error_syscall(err, errno, "%s", o->files[i]);
		else if (!o->down)
			r = read_manifest(o->files[i], &ms[i], err);
	}
	for (size_t i = 0; i < n && r >= 0 && (o->down || o->replace); i++)
		r = down_file(store, abs[i], err);
	/* one record of what is made, so that a failure in a later file undoes the earlier ones */
	struct play pl = {.store = store, .o = o, .ret_pods = ret_pods};
	for (size_t i = 0; i < n && r >= 0 && !o->down; i++) {
		pl.m = &ms[i];
		pl.file = abs[i];
		pl.display = o->files[i];
		r = play_manifest(&pl, err);
	}
	if (r < 0)
		roll_back(&pl);
	berth_strv_free(pl.pods);
	berth_strv_free(pl.volumes);
	for (size_t i = 0; i < n; i++) {
		kube_manifest_release(&ms[i]);
		free(abs[i]);
	}
	free(ms);
	free(abs);
	return r;
}
