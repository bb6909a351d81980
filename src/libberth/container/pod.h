/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Pods, as podman's: containers that share the network, IPC and UTS
 * namespaces of the pod's infra container, and so reach each other on
 * localhost, as in Kubernetes. The infra runs berth's own init alone
 * (struct berth_runtime_config's pause), on an empty root filesystem: no
 * pause image is pulled. A pod's record is pods/<id>/pod.json in the store
 * (Id, Name, Created, Hostname, Labels, InfraContainerID, Network); its
 * containers' records name it ("Pod": its id), the infra's also has
 * "IsInfra": true. Published ports and the network are the infra's.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"
#include "network/network.h"

struct berth_store;

struct berth_pod_create_options {
	const char *name;     /* NULL: a random name */
	const char *hostname; /* the pod's UTS hostname; NULL: its name */
	/* as run's --network: "bridge" (NULL), "host", "none" or a user network */
	const char *network;
	const struct berth_port_map *ports; /* -p, published on the infra */
	size_t n_ports;
	char **labels; /* K=V (K alone: an empty value) */
};

/* Creates the pod and its infra container (not started, as podman's); *ret_id owned. */
int berth_pod_create(struct berth_store *store, const struct berth_pod_create_options *o,
		     char **ret_id, struct berth_error **err);
/* A full id, a unique id prefix or a name; ENOENT "no such pod", EINVAL when ambiguous. */
int berth_pod_find(struct berth_store *store, const char *what, char **ret_id,
		   struct berth_error **err);
/*
 * The ids of the pod's containers (owned strv): the infra first, then the
 * others by creation time. This is the list kube generate maps to a Pod.
 */
int berth_pod_containers(struct berth_store *store, const char *what, char ***ret_ids,
			 struct berth_error **err);
/*
 * podman's `pod inspect` object (new reference): Id, Name, Created, State
 * (Created, Running, Degraded or Exited from its containers'), Hostname,
 * Labels, CreateInfra, InfraContainerID, InfraConfig (PortBindings,
 * Networks, NetworkMode), SharedNamespaces, NumContainers and Containers
 * ([{Id, Name, State}]).
 */
int berth_pod_inspect(struct berth_store *store, const char *what, json_t **ret,
		      struct berth_error **err);
/* Every pod as berth_pod_inspect gives it, oldest first (new reference). */
int berth_pod_list(struct berth_store *store, json_t **ret, struct berth_error **err);
/* The infra first, then the others; started ones are left as they are. */
int berth_pod_start(struct berth_store *store, const char *what, struct berth_error **err);
/* The others first, then the infra (as berth_container_stop, timeout_s each). */
int berth_pod_stop(struct berth_store *store, const char *what, int timeout_s,
		   struct berth_error **err);
/*
 * Removes the pod, its containers and its infra; a pod with running
 * containers needs force (they are killed), EBUSY otherwise.
 */
int berth_pod_remove(struct berth_store *store, const char *what, bool force,
		     struct berth_error **err);
/* Removes every pod none of whose containers runs; ret_removed lists their ids (owned). */
int berth_pod_prune(struct berth_store *store, char ***ret_removed, struct berth_error **err);
