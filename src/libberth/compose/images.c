/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose pull` and `compose push`: the services' images through the
 * registry library, as `berth pull` and `berth push` move them. The image
 * names come from the compose file, so they are parsed by the registry
 * library like any name typed on the command line.
 */
#include <errno.h>
#include <string.h>

#include "compose/compose-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "registry/registry.h"

int berth_compose_select_services(const struct berth_compose_project *p, char *const *names,
				  struct berth_compose_service ***ret, size_t *ret_n,
				  struct berth_error **err)
{
	BERTH_STRV_FOREACH (n, names)
		if (!berth_compose_find_service(p, *n))
			return berth_error_set(err, ENOENT, "no such service: %s", *n);
	_cleanup_free_ struct berth_compose_service **order = NULL;
	int r = berth_compose_start_order(p, &order, err);
	if (r < 0)
		return r;
	size_t n = 0;
	for (size_t i = 0; i < p->n_services; i++)
		if (!names || !*names || berth_strv_contains((char **)names, order[i]->name))
			order[n++] = order[i];
	*ret = TAKE_PTR(order);
	*ret_n = n;
	return 0;
}

/*
 * Pulls (push false) or pushes the selected services' images, each image
 * once. A pull takes every service with an image; a push only those with
 * build too, as docker compose pushes what it builds. A failure that may
 * be ignored (ignore_failures, or a pull for a service that can be built)
 * is a warning naming the service.
 */
static int move_images(struct berth_store *store, const struct berth_compose_project *p,
		       char *const *services, bool push, bool ignore_failures,
		       struct berth_progress *progress, char ***warnings, struct berth_error **err)
{
	_cleanup_free_ struct berth_compose_service **list = NULL;
	size_t n = 0;
	int r = berth_compose_select_services(p, services, &list, &n, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **done = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct berth_compose_service *s = list[i];
		if (!s->image || (push && !s->build) || berth_strv_contains(done, s->image))
			continue;
		berth_strv_push(&done, s->image);
		bool may_fail = ignore_failures || (!push && s->build);
		struct berth_error *e = NULL;
		struct berth_error **to = may_fail ? &e : err;
		struct berth_digest d;
		r = push ? berth_registry_push(store, s->image, NULL, progress, &d, to)
			 : berth_registry_pull(store, s->image, NULL, progress, &d, to);
		if (r >= 0)
			continue;
		if (!may_fail)
			return berth_error_prefix(err, "%s", s->name);
		berth_compose_warn(warnings, "%s: %s", s->name, berth_error_msg(e));
		berth_error_free(&e);
	}
	return 0;
}

int berth_compose_pull(struct berth_store *store, const struct berth_compose_project *p,
		       char *const *services, bool ignore_failures, struct berth_progress *progress,
		       char ***warnings, struct berth_error **err)
{
	return move_images(store, p, services, false, ignore_failures, progress, warnings, err);
}

int berth_compose_push(struct berth_store *store, const struct berth_compose_project *p,
		       char *const *services, bool ignore_failures, struct berth_progress *progress,
		       char ***warnings, struct berth_error **err)
{
	return move_images(store, p, services, true, ignore_failures, progress, warnings, err);
}
