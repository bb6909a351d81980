/* SPDX-License-Identifier: Apache-2.0 */
/* `kube generate`: the records and images of the store -> the pod's objects -> YAML. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"
#include "container/container.h"
#include "container/pod.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/sort.h"
#include "core/strv.h"
#include "image/image.h"
#include "kube/internal.h"

int berth_kube_kind_parse(const char *s, enum berth_kube_kind *ret, struct berth_error **err)
{
	if (strcmp(s, "pod") == 0)
		*ret = BERTH_KUBE_POD;
	else if (strcmp(s, "deployment") == 0)
		*ret = BERTH_KUBE_DEPLOYMENT;
	else
		return berth_error_set(err, EINVAL,
				       "invalid type '%s': 'pod' or 'deployment' are supported", s);
	return 0;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * The store name the container's image goes by: the one it was made from
 * when the image still has it, else the image's first; NULL when it has
 * none (the cluster could not pull it).
 */
static const char *image_name(const struct berth_image *img, const char *made_from)
{
	struct berth_image_ref ref = {0};
	if (made_from && berth_image_ref_parse(made_from, &ref, NULL) >= 0) {
		_cleanup_free_ char *name = berth_image_ref_name(&ref);
		berth_image_ref_release(&ref);
		BERTH_STRV_FOREACH (n, img->names)
			if (strcmp(*n, name) == 0)
				return *n;
	}
	return img->names ? img->names[0] : NULL;
}

static int image_of(struct berth_store *store, const json_t *record, struct kube_image *ret,
		    struct berth_error **err)
{
	const char *id = str(record, "Image"), *cname = str(record, "Name");
	if (!id || !*id)
		return berth_error_set(err, EINVAL,
				       "container '%s' runs a root filesystem, not an image: "
				       "Kubernetes needs an image",
				       cname);
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(store, id, &img, err);
	if (r < 0)
		return berth_error_prefix(err, "container '%s'", cname);
	const char *name = image_name(img, str(record, "ImageRef"));
	if (!name)
		return berth_error_set(err, EINVAL,
				       "container '%s': its image %.19s has no name a cluster can "
				       "pull: tag it (berth tag) and push it first",
				       cname, id);
	struct berth_image_ref ref = {0};
	r = berth_image_ref_parse(name, &ref, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *repo = berth_image_ref_repository(&ref);
	char digest[BERTH_DIGEST_STRLEN + 1];
	struct kube_image out = {
		.reference =
			berth_xasprintf("%s@%s", repo, berth_digest_fmt(&img->top_digest, digest)),
		.tag = ref.tag ? berth_xasprintf("%s:%s", repo, ref.tag) : NULL,
		.env = berth_strv_copy(img->config->env),
		.entrypoint = berth_strv_copy(img->config->entrypoint),
		.cmd = berth_strv_copy(img->config->cmd),
		.workdir =
			img->config->working_dir ? berth_xstrdup(img->config->working_dir) : NULL,
	};
	berth_image_ref_release(&ref);
	*ret = out;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const char *x = str(*(json_t *const *)a, "Name"), *y = str(*(json_t *const *)b, "Name");
	return strcmp(x ? x : "", y ? y : "");
}

/* The records of the Compose project's containers (new reference), sorted by name. */
static int project_records(struct berth_store *store, const char *project, json_t **ret,
			   struct berth_error **err)
{
	_cleanup_json_ json_t *all = NULL;
	int r = berth_container_list(store, &all, err);
	if (r < 0)
		return r;
	size_t n = 0, i;
	json_t *rec;
	_cleanup_free_ json_t **v = berth_xcalloc(json_array_size(all) + 1, sizeof(*v));
	json_array_foreach (all, i, rec) {
		const char *p = str(json_object_get(json_object_get(rec, "Config"), "Labels"),
				    BERTH_COMPOSE_LABEL_PROJECT);
		if (p && strcmp(p, project) == 0)
			v[n++] = rec;
	}
	if (!n)
		return berth_error_set(err, ENOENT, "no containers of the Compose project '%s'",
				       project);
	berth_qsort(v, n, sizeof(*v), by_name);
	json_t *out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	*ret = out;
	return 0;
}

/* One operand: a container (containers first, as podman looks them up) or a pod. */
struct operand {
	json_t *record; /* the container's, NULL: a pod */
	char *pod_id;	/* the pod's id */
};

static int find_operand(struct berth_store *store, const char *what, struct operand *ret,
			struct berth_error **err)
{
	*ret = (struct operand){0};
	int r = berth_container_inspect(store, what, &ret->record, err);
	if (r != -ENOENT)
		return r;
	struct berth_error *pod_err = NULL;
	if (berth_pod_find(store, what, &ret->pod_id, &pod_err) >= 0) {
		berth_error_free(err);
		return 0;
	}
	berth_error_free(&pod_err);
	berth_error_free(err);
	return berth_error_set(err, ENOENT, "no such container or pod: '%s'", what);
}

/* A pod's containers but its infra, in the order the pod lists them. */
static int pod_members(struct berth_store *store, const char *pod_id, json_t *out,
		       struct berth_error **err)
{
	_cleanup_strv_free_ char **ids = NULL;
	int r = berth_pod_containers(store, pod_id, &ids, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (id, ids) {
		json_t *rec = NULL;
		r = berth_container_inspect(store, *id, &rec, err);
		if (r < 0)
			return r;
		if (json_is_true(json_object_get(rec, "IsInfra")))
			json_decref(rec);
		else
			json_array_append_new(out, rec);
	}
	return 0;
}

/*
 * The records the operands name: containers none of which is in a pod
 * (podman's rule: generate the pod itself), or one pod alone, whose name
 * and published ports (*ret_pod, its `pod inspect` object) the YAML takes.
 */
static int named_records(struct berth_store *store, char *const *whats, json_t **ret,
			 json_t **ret_pod, struct berth_error **err)
{
	_cleanup_json_ json_t *out = json_array();
	size_t n = berth_strv_len(whats);
	for (size_t i = 0; i < n; i++) {
		struct operand op;
		int r = find_operand(store, whats[i], &op, err);
		if (r < 0)
			return r;
		if (op.pod_id) {
			_cleanup_free_ char *id = op.pod_id;
			if (n > 1)
				return berth_error_set(err, EINVAL,
						       "'%s' is a pod: name one pod, or containers "
						       "of no pod, not both nor several pods",
						       whats[i]);
			r = berth_pod_inspect(store, id, ret_pod, err);
			if (r >= 0)
				r = pod_members(store, id, out, err);
			if (r >= 0 && !json_array_size(out))
				r = berth_error_set(err, EINVAL,
						    "pod '%s' has no containers but its infra",
						    whats[i]);
			if (r < 0)
				return r;
			break;
		}
		const char *pod = str(op.record, "Pod");
		if (pod && *pod) {
			r = berth_error_set(
				err, EINVAL,
				"container '%s' is in pod %.12s: generate the pod itself", whats[i],
				pod);
			json_decref(op.record);
			return r;
		}
		json_array_append_new(out, op.record);
	}
	if (!json_array_size(out))
		return berth_error_set(err, EINVAL, "no container named");
	*ret = TAKE_PTR(out);
	return 0;
}

/* The infra's port bindings, the pod's published ports (borrowed from pod's record). */
static int pod_bindings(struct berth_store *store, const json_t *pod, json_t **ret_infra,
			struct berth_error **err)
{
	const char *infra = str(pod, "InfraContainerID");
	int r = berth_container_inspect(store, infra ? infra : "", ret_infra, err);
	if (r < 0)
		return berth_error_prefix(err, "the infra of pod '%s'", str(pod, "Name"));
	return 0;
}

static int fill_pod(struct berth_store *store, const json_t *records, struct kube_pod *pod,
		    struct berth_error **err)
{
	size_t i;
	json_t *rec;
	json_array_foreach (records, i, rec) {
		struct kube_image img = {0};
		int r = image_of(store, rec, &img, err);
		if (r >= 0)
			r = kube_pod_add_container(pod, rec, &img, err);
		kube_image_release(&img);
		if (r < 0)
			return r;
	}
	return 0;
}

static int documents_yaml(json_t *docs, char **ret, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	size_t i;
	json_t *d;
	json_array_foreach (docs, i, d) {
		_cleanup_free_ char *text = NULL;
		int r = berth_compose_yaml_from_json(d, &text, err);
		if (r < 0)
			return r;
		if (i)
			berth_buf_addstr(&out, "---\n");
		berth_buf_addstr(&out, text);
	}
	*ret = berth_buf_detach(&out, NULL);
	return 0;
}

int berth_kube_generate(struct berth_store *store, const struct berth_kube_generate_options *o,
			char **ret_yaml, char ***ret_warnings, struct berth_error **err)
{
	_cleanup_json_ json_t *records = NULL, *bpod = NULL, *infra = NULL;
	int r = o->compose_project ? project_records(store, o->compose_project, &records, err)
				   : named_records(store, o->containers, &records, &bpod, err);
	if (r >= 0 && bpod)
		r = pod_bindings(store, bpod, &infra, err);
	if (r < 0)
		return r;
	const char *first = str(json_array_get(records, 0), "Name");
	const char *name = o->compose_project ? o->compose_project
			   : bpod	      ? str(bpod, "Name")
			   : first	      ? first
					      : "";
	struct kube_pod pod;
	kube_pod_init(&pod, name ? name : "");
	pod.pod_bindings = json_object_get(json_object_get(infra, "HostConfig"), "PortBindings");
	r = fill_pod(store, records, &pod, err);
	if (r >= 0)
		kube_pod_add_unexposed_ports(&pod);
	if (r >= 0 && o->kind == BERTH_KUBE_DEPLOYMENT && pod.restart &&
	    strcmp(pod.restart, "Always") != 0)
		kube_pod_warn(&pod,
			      "restart policy %s: a Deployment's pods always restart (Always)",
			      pod.restart);
	if (r >= 0 && o->service && !json_array_size(pod.service_ports))
		kube_pod_warn(&pod, "--service: no published ports, no Service written");
	if (r >= 0) {
		_cleanup_json_ json_t *docs = kube_pod_documents(&pod, o->kind, o->service);
		r = documents_yaml(docs, ret_yaml, err);
	}
	if (r >= 0 && ret_warnings)
		*ret_warnings = TAKE_PTR(pod.warnings);
	kube_pod_release(&pod);
	return r;
}
