/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A service of a project as `run` options (run-options.c): the one place a
 * compose service becomes a container's options, so a change of the run
 * options touches only it.
 */

#include "compose/compose.h"
#include "container/container.h"

/* The run options and everything they point to (owned). */
struct berth_compose_run {
	struct berth_run_options o;
	struct berth_container_image image;
	struct berth_health_config health;
	struct berth_port_map *ports;
	char *name, *entrypoint, *cpus;
	char **cmd, **env, **labels, **aliases;
	struct berth_mount_req *mounts; /* the service's volumes, in order */
	size_t n_mounts;
	struct berth_ulimit *ulimits;
	size_t n_ulimits;
	/* the networks after the first (o.network), their aliases are `aliases` */
	char **more_networks;
};

void berth_compose_run_release(struct berth_compose_run *run);

/*
 * The options of container number index of service s (created only: the
 * caller starts it), with the image image (loaded here from store_root;
 * not loaded when store_root is NULL, for tests), the compose
 * labels and hash as its config hash. -EINVAL naming the service for a
 * value `run` cannot take.
 */
int berth_compose_run_options(struct berth_store *store, const struct berth_compose_project *p,
			      const struct berth_compose_service *s, unsigned index,
			      const char *image, const char *hash, struct berth_compose_run *ret,
			      struct berth_error **err);
