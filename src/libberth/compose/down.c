/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose down` as docker compose v2 runs it: the project's containers
 * stopped and removed, then its networks (by their project label; external
 * ones are not the project's), its named volumes with -v and its images
 * with --rmi.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "image/image.h"
#include "network/network.h"
#include "store/store.h"

int berth_compose_stop_timeout(const struct berth_compose_project *p, const char *service)
{
	const struct berth_compose_service *s = berth_compose_find_service(p, service);
	if (!s || s->stop_grace_period < 0)
		return 10;
	return (int)((s->stop_grace_period + 999999999) / 1000000000);
}

static void emit(const struct berth_compose_down_options *o, const char *kind, const char *name,
		 const char *status)
{
	if (o->on_event)
		o->on_event(kind, name, status, o->userdata);
}

static int remove_containers(struct berth_store *store, const struct berth_compose_project *p,
			     const struct berth_compose_down_options *o, struct berth_error **err)
{
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	int r = berth_compose_project_containers(store, p->name, NULL, &cs, &n, err);
	if (r < 0)
		return r;
	/* dependents first, as docker compose v2 stops them */
	r = berth_compose_order_containers(p, cs, n, true, err);
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!o->remove_orphans && !cs[i].oneoff &&
		    !berth_compose_find_service(p, cs[i].service))
			continue;
		int t = o->timeout_s >= 0 ? o->timeout_s
					  : berth_compose_stop_timeout(p, cs[i].service);
		if (strcmp(cs[i].state, "running") == 0 || strcmp(cs[i].state, "paused") == 0) {
			emit(o, "Container", cs[i].name, "Stopping");
			(void)berth_container_stop(store, cs[i].id, t, NULL);
			emit(o, "Container", cs[i].name, "Stopped");
		}
		r = berth_container_remove(store, cs[i].id, true, err);
		if (r >= 0)
			emit(o, "Container", cs[i].name, "Removed");
	}
	berth_compose_containers_free(cs, n);
	return r;
}

static bool has_label(char *const *labels, const char *key, const char *value)
{
	size_t kl = strlen(key);
	BERTH_STRV_FOREACH (l, labels)
		if (strncmp(*l, key, kl) == 0 && (*l)[kl] == '=' && strcmp(*l + kl + 1, value) == 0)
			return true;
	return false;
}

static int remove_networks(const char *root, const struct berth_compose_project *p,
			   const struct berth_compose_down_options *o, struct berth_error **err)
{
	struct berth_network *nets = NULL;
	size_t n = 0;
	int r = berth_network_list(root, &nets, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!has_label(nets[i].labels, BERTH_COMPOSE_LABEL_PROJECT, p->name))
			continue;
		emit(o, "Network", nets[i].name, "Removing");
		r = berth_network_remove(root, nets[i].id, err);
		if (r >= 0)
			emit(o, "Network", nets[i].name, "Removed");
	}
	for (size_t i = 0; i < n; i++)
		berth_network_release(&nets[i]);
	free(nets);
	return r;
}

/* A volume `up` made for the project (its label says so); not one of the same name made otherwise. */
static bool is_project_volume(struct berth_store *store, const struct berth_compose_project *p,
			      const char *name)
{
	struct berth_volume v = {0};
	bool mine = berth_volume_get(store, name, &v, NULL) >= 0 &&
		    has_label(v.labels, BERTH_COMPOSE_LABEL_PROJECT, p->name);
	berth_volume_release(&v);
	return mine;
}

static int remove_volumes(struct berth_store *store, const struct berth_compose_project *p,
			  const struct berth_compose_down_options *o, struct berth_error **err)
{
	for (size_t i = 0; i < p->n_volumes; i++) {
		if (p->volumes[i].external || !is_project_volume(store, p, p->volumes[i].name))
			continue;
		int r = berth_volume_remove(store, p->volumes[i].name, false, err);
		if (r == -ENOENT) {
			berth_error_free(err);
			continue;
		}
		if (r < 0)
			return r;
		emit(o, "Volume", p->volumes[i].name, "Removed");
	}
	return 0;
}

/* --rmi local: the images compose named (services without image:); all: every service's. */
static int remove_images(struct berth_store *store, const struct berth_compose_project *p,
			 const struct berth_compose_down_options *o, struct berth_error **err)
{
	int r;
	bool all = strcmp(o->rmi, "all") == 0;
	for (size_t i = 0; i < p->n_services; i++) {
		if (!all && p->services[i].image)
			continue;
		_cleanup_free_ char *image = berth_compose_image_name(p, &p->services[i]);
		_cleanup_strv_free_ char **lines = NULL;
		r = berth_image_remove(store, image, false, &lines, err);
		if (r == -ENOENT) {
			berth_error_free(err);
			continue;
		}
		if (r < 0)
			return r;
		emit(o, "Image", image, "Removed");
	}
	return 0;
}

int berth_compose_down(struct berth_store *store, const struct berth_compose_project *p,
		       const struct berth_compose_down_options *o, struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	if (o->rmi && strcmp(o->rmi, "local") != 0 && strcmp(o->rmi, "all") != 0)
		return berth_error_set(err, EINVAL, "invalid --rmi '%s' (local or all)", o->rmi);
	int r = remove_containers(store, p, o, err);
	if (r >= 0)
		r = remove_networks(store_root, p, o, err);
	if (r >= 0 && o->volumes)
		r = remove_volumes(store, p, o, err);
	if (r >= 0 && o->rmi)
		r = remove_images(store, p, o, err);
	return r;
}
