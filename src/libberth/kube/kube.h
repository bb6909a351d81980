/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Kubernetes: `kube generate` writes the YAML of a v1 Pod or an apps/v1
 * Deployment (plus a v1 Service for the published ports and a v1
 * PersistentVolumeClaim per named volume) from container records and their
 * images, as podman's `kube generate` does; docs/kube.md has the mapping.
 */

#include <stdbool.h>

#include "core/error.h"

struct berth_store;

enum berth_kube_kind {
	BERTH_KUBE_POD,
	BERTH_KUBE_DEPLOYMENT,
};

/* "pod" or "deployment" (podman's --type); EINVAL for anything else. */
int berth_kube_kind_parse(const char *s, enum berth_kube_kind *ret, struct berth_error **err);

struct berth_kube_generate_options {
	enum berth_kube_kind kind;
	bool service; /* a Service for the published ports */
	/*
	 * names, ids or id prefixes of containers of no pod, or of one pod
	 * (berth pod create: its containers but the infra, its name and
	 * published ports); or
	 */
	char *const *containers;
	const char *compose_project; /* every container of this Compose project */
};

/*
 * The YAML documents (owned, "---" between them) of the containers, all in
 * one pod named after the first container (or the project). Whatever does
 * not carry over to Kubernetes (a bind mount, an on-failure retry count, a
 * user name) is a line of *ret_warnings (owned strv, NULL: none).
 * ENOENT: no such container or pod (or none in the project); EINVAL: a
 * container made from a root filesystem rather than an image, a container
 * of a pod named alone, a pod named beside anything else.
 */
int berth_kube_generate(struct berth_store *store, const struct berth_kube_generate_options *o,
			char **ret_yaml, char ***ret_warnings, struct berth_error **err);

/* Pulls an image (the CLI's registry client): kube stays off the registry. */
typedef int (*berth_kube_pull_fn)(const char *image, void *userdata, struct berth_error **err);

struct berth_kube_play_options {
	char *const *files; /* the YAML files */
	bool down;	    /* remove what the files made instead (PersistentVolumeClaims kept) */
	bool replace;	    /* remove what the files made first */
	bool start;	    /* start the pods (podman's --start, default true) */
	/* build an image whose name is a directory beside the YAML with a Containerfile/Dockerfile */
	bool build;
	berth_kube_pull_fn pull; /* NULL: images must be present */
	void *userdata;
};

/*
 * `kube play` (docs/kube.md has the mapping): the Pods, Deployments,
 * ConfigMaps, Secrets, PersistentVolumeClaims and Services of the files as
 * pods, containers and volumes, labelled io.berth.kube.file and
 * io.berth.kube.object. Every file is parsed before anything is made; a
 * failure removes what was made. Fields not mapped are berth_warn lines
 * "FILE:LINE: FIELD: ...". *ret_pods gets the names of the pods made.
 */
int berth_kube_play(struct berth_store *store, const struct berth_kube_play_options *o,
		    char ***ret_pods, struct berth_error **err);
