/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Between the files of `kube play`: the model of the YAML's objects
 * (play-model.c parses it from the compose subsystem's YAML tree, every
 * value checked, lines kept for the messages) and the run of it (play.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum kube_pull {
	KUBE_PULL_IF_NOT_PRESENT,
	KUBE_PULL_ALWAYS,
	KUBE_PULL_NEVER,
};

/* env[]: a value, or valueFrom a ConfigMap's or a Secret's key. */
struct kube_env {
	char *name, *value; /* value NULL: from ref_name's ref_key */
	bool ref_secret;
	char *ref_name, *ref_key;
	bool optional;
	int line;
};

/* envFrom[]: every key of a ConfigMap or a Secret, prefixed. */
struct kube_env_from {
	bool secret;
	char *name, *prefix;
	bool optional;
	int line;
};

struct kube_vmount {
	char *name, *path, *sub_path;
	bool read_only;
	int line;
};

struct kube_port {
	uint16_t container_port, host_port;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* The one exec probe that becomes the container's health check. */
struct kube_probe {
	char **exec;
	int64_t period_s, timeout_s, initial_delay_s, failure_threshold;
	bool liveness; /* its failure restarts the container */
};

struct kube_container {
	char *name, *image;
	enum kube_pull pull;
	char **command, **args; /* NULL: the image's */
	char *workdir;
	struct kube_env *env;
	size_t n_env;
	struct kube_env_from *env_from;
	size_t n_env_from;
	struct kube_port *ports;
	size_t n_ports;
	struct kube_vmount *mounts;
	size_t n_mounts;
	int64_t memory, nano_cpus; /* -1: none */
	char *user;		   /* "UID[:GID]", NULL: the image's */
	bool read_only;
	char **cap_add, **cap_drop;
	struct kube_probe *probe; /* NULL: none */
	int line;
};

enum kube_volume_kind {
	KUBE_VOLUME_CONFIGMAP,
	KUBE_VOLUME_SECRET,
	KUBE_VOLUME_EMPTYDIR,
	KUBE_VOLUME_HOSTPATH,
	KUBE_VOLUME_CLAIM,
};

struct kube_item {
	char *key, *path;
	int mode; /* -1: the volume's default mode */
};

struct kube_volume {
	char *name;
	enum kube_volume_kind kind;
	char *source; /* the ConfigMap, Secret or claim; hostPath's path */
	bool memory;  /* emptyDir medium Memory */
	struct kube_item *items;
	size_t n_items;
	int default_mode;
	bool optional;
	int line;
};

/* A Pod, or a Deployment's pod template (replicas of it). */
struct kube_podspec {
	char *name;   /* the Pod's or the Deployment's */
	char *object; /* "Pod/NAME" or "Deployment/NAME": the label of what is made */
	unsigned replicas;
	bool deployment;
	char *restart; /* "always", "on-failure" or "no" (berth's names) */
	char *hostname;
	char **labels; /* the pod template's metadata.labels, "K=V" */
	struct kube_container *containers;
	size_t n_containers;
	struct kube_volume *volumes;
	size_t n_volumes;
	int line;
};

struct kube_blob {
	char *key;
	char *data;
	size_t len;
};

/* A ConfigMap or a Secret: its keys, decoded. */
struct kube_data {
	char *name;
	bool secret;
	struct kube_blob *blobs;
	size_t n_blobs;
	int line;
};

struct kube_service_port {
	uint16_t port, target_port, node_port;
	int proto;
};

struct kube_service {
	char *name;
	char **selector; /* "K=V" */
	struct kube_service_port *ports;
	size_t n_ports;
	int line;
};

struct kube_manifest {
	struct kube_podspec *pods;
	size_t n_pods;
	struct kube_data *data;
	size_t n_data;
	struct kube_service *services;
	size_t n_services;
	char **claims;	 /* PersistentVolumeClaims' names */
	char **warnings; /* "FILE:LINE: FIELD: ..." of what is not mapped */
};

void kube_manifest_release(struct kube_manifest *m);

/*
 * Adds the objects of the (possibly multi-document) YAML text data, named
 * file in messages, to m. Invalid YAML, a missing required field or a value
 * of the wrong form: -EINVAL "FILE:LINE: FIELD: why". Fields that are not
 * mapped are warnings in m->warnings.
 */
int kube_manifest_parse(struct kube_manifest *m, const char *data, size_t len, const char *file,
			struct berth_error **err);

/* The ConfigMap (secret false) or Secret named name in m, NULL: none. */
const struct kube_data *kube_manifest_data(const struct kube_manifest *m, bool secret,
					   const char *name);
/* The value of key in d, NULL: none. */
const struct kube_blob *kube_data_get(const struct kube_data *d, const char *key);
