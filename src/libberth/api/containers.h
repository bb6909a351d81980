/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The container and exec endpoints of the Engine API (containers*.c,
 * exec.c): what their files share. Handlers reply through internal.h and
 * call the container library as the CLI does.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/internal.h"
#include "container/container.h"
#include "core/error.h"
#include "core/runspec.h"
#include "network/hosts.h"
#include "network/ports.h"

/*
 * Docker's create body (Config with HostConfig and NetworkingConfig) as
 * the typed options `berth create` builds: o points into the struct's own
 * allocations (released by api_create_release) and into body's strings
 * (body must outlive c). Unknown fields are ignored,
 * as Docker ignores them; a known field of the wrong type is EINVAL.
 */
struct api_create {
	struct berth_run_options o;
	struct berth_container_image img;
	bool have_img;
	char *name;
	char *entrypoint;
	char **cmd, **env, **labels, **cap_add, **cap_drop, **extra_hosts, **expose, **aliases;
	struct berth_mount_req *mounts;
	size_t n_mounts;
	struct berth_port_map *ports;
	size_t n_ports;
	struct berth_resolv_options dns;
	struct berth_security_opts sec;
	char **security_opts; /* the strings sec points into */
};

/*
 * Fills c from body without touching the store (the image is named in
 * *ret_image, borrowed from body); name is the ?name= argument (NULL: a
 * generated one; Docker's leading '/' is dropped).
 */
int api_create_parse(const json_t *body, const char *name, struct api_create *c,
		     const char **ret_image, struct berth_error **err);
void api_create_release(struct api_create *c);

/* The handlers of another file that containers.c's table names. */
int api_container_logs(struct api_req *req);
int api_container_attach(struct api_req *req);
int api_container_export(struct api_req *req);
int api_container_archive_get(struct api_req *req);
int api_container_archive_head(struct api_req *req);
int api_container_archive_put(struct api_req *req);
int api_container_list(struct api_req *req);
int api_container_inspect(struct api_req *req);
int api_container_top(struct api_req *req);
int api_container_stats(struct api_req *req);
int api_container_changes(struct api_req *req);

/* The container {} of the route as its full id: 1, or replied 404 and 0. */
int api_container_id(struct api_req *req, char **ret_id);
