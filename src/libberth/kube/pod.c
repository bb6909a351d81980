/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The objects of a pod, as the API server takes them: its claims, the Pod
 * (or a Deployment of one replica whose template is the pod) and a Service
 * of its published ports, all tied together by the label app=<pod name>.
 */
#include <string.h>

#include "core/strv.h"
#include "kube/internal.h"

static json_t *pod_spec(const struct kube_pod *p, enum berth_kube_kind kind)
{
	/* a Deployment's pods restart always: the API refuses anything else */
	const char *restart = kind == BERTH_KUBE_DEPLOYMENT ? "Always"
			      : p->restart		    ? p->restart
							    : "Never";
	json_t *spec =
		json_pack("{s:s, s:O}", "restartPolicy", restart, "containers", p->containers);
	if (json_object_size(p->volumes)) {
		json_t *vols = json_array();
		const char *k;
		json_t *v;
		json_object_foreach (p->volumes, k, v)
			json_array_append(vols, v);
		json_object_set_new(spec, "volumes", vols);
	}
	return spec;
}

static json_t *labels(const struct kube_pod *p)
{
	return json_pack("{s:s}", "app", p->name);
}

/* Pod metadata: the app label and the image tags as annotations. */
static json_t *pod_metadata(const struct kube_pod *p, bool named)
{
	json_t *m = named ? json_pack("{s:s}", "name", p->name) : json_object();
	json_object_set_new(m, "labels", labels(p));
	if (json_object_size(p->annotations))
		json_object_set(m, "annotations", p->annotations);
	return m;
}

static json_t *workload(const struct kube_pod *p, enum berth_kube_kind kind)
{
	if (kind == BERTH_KUBE_POD)
		return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Pod",
				 "metadata", pod_metadata(p, true), "spec", pod_spec(p, kind));
	json_t *template = json_pack("{s:o, s:o}", "metadata", pod_metadata(p, false), "spec",
				     pod_spec(p, kind));
	return json_pack("{s:s, s:s, s:{s:s, s:o}, s:{s:i, s:{s:o}, s:o}}", "apiVersion", "apps/v1",
			 "kind", "Deployment", "metadata", "name", p->name, "labels", labels(p),
			 "spec", "replicas", 1, "selector", "matchLabels", labels(p), "template",
			 template);
}

/* A claim of the cluster's default storage class; 1Gi, as podman asks. */
static json_t *claim(const char *name)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:[s], s:{s:{s:s}}}}", "apiVersion", "v1", "kind",
			 "PersistentVolumeClaim", "metadata", "name", name, "spec", "accessModes",
			 "ReadWriteOnce", "resources", "requests", "storage", "1Gi");
}

static json_t *service(const struct kube_pod *p)
{
	return json_pack("{s:s, s:s, s:{s:s, s:o}, s:{s:o, s:O}}", "apiVersion", "v1", "kind",
			 "Service", "metadata", "name", p->name, "labels", labels(p), "spec",
			 "selector", labels(p), "ports", p->service_ports);
}

json_t *kube_pod_documents(const struct kube_pod *p, enum berth_kube_kind kind, bool with_service)
{
	json_t *docs = json_array();
	BERTH_STRV_FOREACH (c, p->claims)
		json_array_append_new(docs, claim(*c));
	json_array_append_new(docs, workload(p, kind));
	if (with_service && json_array_size(p->service_ports))
		json_array_append_new(docs, service(p));
	return docs;
}
