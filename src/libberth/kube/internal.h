/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Between the files of kube/: the pod being built from container records. */

#include <jansson.h>

#include "core/error.h"
#include "kube/kube.h"

/* What the mapping needs of a container's image (strings owned). */
struct kube_image {
	char *reference; /* "repo@sha256:<manifest>": what the pod names */
	char *tag;	 /* "repo:tag" the container was made from, NULL: none */
	char **env, **entrypoint, **cmd;
	char *workdir;
	char *user; /* the image's USER, NULL: none */
};
void kube_image_release(struct kube_image *img);

/* One pod's worth of Kubernetes objects, filled container by container. */
struct kube_pod {
	char *name;	       /* DNS-1123 label */
	json_t *containers;    /* [container spec] */
	json_t *volumes;       /* {pod volume name: {name, source...}} */
	json_t *annotations;   /* {key: value} */
	json_t *service_ports; /* [service port] of the published ports */
	char **claims;	       /* named volumes: a PersistentVolumeClaim each */
	const char *restart;   /* Always, OnFailure or Never: the first container's */
	/* a berth pod's published ports (its infra's PortBindings); NULL: each container's own */
	const json_t *pod_bindings;
	char **warnings;
};
void kube_pod_init(struct kube_pod *p, const char *name);
void kube_pod_release(struct kube_pod *p);

/*
 * Adds the container of record (a container record as
 * berth_container_inspect gives it) made from img to p: its container spec,
 * its volumes, its published ports and its warnings.
 */
int kube_pod_add_container(struct kube_pod *p, const json_t *record, const struct kube_image *img,
			   struct berth_error **err);

/*
 * The pod's published ports no container exposes (a berth pod publishes
 * them for all its containers): on the first container, as podman does.
 */
void kube_pod_add_unexposed_ports(struct kube_pod *p);

/* Its mounts (record's Mounts) as c's volumeMounts and p's volumes and claims (mounts.c). */
int kube_pod_add_mounts(struct kube_pod *p, json_t *c, const json_t *record, const char *cname,
			struct berth_error **err);
void kube_pod_warn(struct kube_pod *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The documents of p (new reference: an array of objects, in the order they are printed). */
json_t *kube_pod_documents(const struct kube_pod *p, enum berth_kube_kind kind, bool service);

/*
 * s made a DNS-1123 label (owned): lowercase, [a-z0-9-], at most 63
 * characters, starting and ending with a letter or digit; "berth" when
 * nothing of s is left.
 */
char *kube_dns_label(const char *s);
