/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose up` as docker compose v2 runs it: the project's networks and
 * volumes, the images (built or pulled), then one container per service in
 * dependency order, each started once the conditions of its depends_on
 * hold. Whatever this call made is undone when it fails, so a bad project
 * leaves nothing running.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "compose/compose.h"
#include "compose/run-options.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "network/network.h"
#include "registry/registry.h"
#include "store/store.h"

/* What this `up` made, removed again when it fails. */
struct up {
	struct berth_store *store;
	const char *root; /* the store's root directory, for network/ */
	const struct berth_compose_project *p;
	const struct berth_compose_up_options *o;
	char **containers, **names; /* ids, and their names for the progress lines */
	char **networks, **volumes;
};

static void emit(const struct up *u, const char *kind, const char *name, const char *status)
{
	if (u->o->on_event)
		u->o->on_event(kind, name, status, u->o->userdata);
}

static void rollback(struct up *u)
{
	for (size_t i = u->containers ? berth_strv_len(u->containers) : 0; i-- > 0;)
		if (berth_container_remove(u->store, u->containers[i], true, NULL) >= 0)
			emit(u, "Container", u->names[i], "Removed");
	BERTH_STRV_FOREACH (n, u->networks)
		if (berth_network_remove(u->root, *n, NULL) >= 0)
			emit(u, "Network", *n, "Removed");
	BERTH_STRV_FOREACH (v, u->volumes)
		if (berth_volume_remove(u->store, *v, false, NULL) >= 0)
			emit(u, "Volume", *v, "Removed");
}

static int ensure_network(struct up *u, const struct berth_compose_network *n,
			  struct berth_error **err)
{
	struct berth_network got = {0};
	int r = berth_network_get(u->root, n->name, &got, NULL);
	berth_network_release(&got);
	if (r >= 0)
		return 0;
	if (n->external)
		return berth_error_set(err, ENOENT,
				       "network %s declared as external, but could not be found",
				       n->name);
	_cleanup_strv_free_ char **labels = berth_strv_copy(n->labels);
	berth_strv_consume(&labels, berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_NETWORK, n->key));
	berth_strv_consume(&labels,
			   berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_PROJECT, u->p->name));
	struct berth_network_create_options co = {
		.name = n->name, .driver = n->driver, .internal = n->internal, .labels = labels};
	r = berth_network_create(u->root, &co, &got, err);
	berth_network_release(&got);
	if (r < 0)
		return berth_error_prefix(err, "network %s", n->name);
	berth_strv_push(&u->networks, n->name);
	emit(u, "Network", n->name, "Created");
	return 0;
}

static int ensure_volume(struct up *u, const struct berth_compose_volume *v,
			 struct berth_error **err)
{
	struct berth_volume got = {0};
	int r;
	if (v->external) {
		r = berth_volume_get(u->store, v->name, &got, NULL);
		berth_volume_release(&got);
		if (r < 0)
			return berth_error_set(err, ENOENT, "external volume \"%s\" not found",
					       v->name);
		return 0;
	}
	bool created = false;
	/* docker compose v2's labels: down -v removes only the volumes that carry them */
	_cleanup_strv_free_ char **labels = berth_strv_copy(v->labels);
	berth_strv_consume(&labels,
			   berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_PROJECT, u->p->name));
	berth_strv_consume(&labels, berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_VOLUME, v->key));
	r = berth_volume_create_labelled(u->store, v->name, labels, &got, &created, err);
	berth_volume_release(&got);
	if (r < 0)
		return berth_error_prefix(err, "volume %s", v->name);
	if (created) {
		berth_strv_push(&u->volumes, v->name);
		emit(u, "Volume", v->name, "Created");
	}
	return 0;
}

/* The image's id when the store has it (*ret_id "" when it does not). */
static int image_id(struct berth_store *s, const char *ref, char ret_id[80],
		    struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	ret_id[0] = '\0';
	int r = berth_image_resolve(s, ref, &img, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return berth_error_set(err, -r, "image '%s'", ref);
	berth_digest_fmt(&img->id, ret_id);
	return 0;
}

static int build_image(struct up *u, const struct berth_compose_service *s,
		       struct berth_error **err)
{
	struct berth_compose_build_options bo = {.on_event = u->o->on_event,
						 .userdata = u->o->userdata};
	return berth_compose_build_service(u->store, u->p, s, &bo, err);
}

static int pull_image(struct up *u, const struct berth_compose_service *s, const char *image,
		      struct berth_error **err)
{
	struct berth_digest d;
	emit(u, "Image", image, "Pulling");
	int r = berth_registry_pull(u->store, image, NULL, NULL, &d, err);
	if (r < 0)
		return berth_error_prefix(err, "service \"%s\": pull", s->name);
	emit(u, "Image", image, "Pulled");
	return 0;
}

/* Builds (build:, with --build or when missing) or pulls (when missing) the service's image. */
static int ensure_image(struct up *u, const struct berth_compose_service *s,
			struct berth_error **err)
{
	_cleanup_free_ char *image = berth_compose_image_name(u->p, s);
	char id[80];
	int r = image_id(u->store, image, id, err);
	if (r < 0)
		return r;
	if (s->build && !u->o->no_build && (u->o->build || !id[0]))
		return build_image(u, s, err);
	if (id[0])
		return 0;
	if (s->build)
		return berth_error_set(err, ENOENT,
				       "service \"%s\": image %s not found (--no-build)", s->name,
				       image);
	if (!s->image)
		return berth_error_set(
			err, EINVAL,
			"service \"%s\" has neither an image nor a build context specified",
			s->name);
	return pull_image(u, s, image, err);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Waits until container id (named name) is healthy: -EIO when it turns unhealthy or stops. */
static int wait_healthy(struct up *u, const char *id, const char *name, struct berth_error **err)
{
	for (;;) {
		_cleanup_json_ json_t *st = NULL;
		int r = berth_container_inspect(u->store, id, &st, err);
		if (r < 0)
			return r;
		json_t *state = json_object_get(st, "State");
		const char *h = json_string_value(
			json_object_get(json_object_get(state, "Health"), "Status"));
		if (!json_is_object(json_object_get(json_object_get(st, "Config"), "Healthcheck")))
			return berth_error_set(err, EINVAL,
					       "container %s has no healthcheck configured", name);
		if (h && strcmp(h, "healthy") == 0) {
			emit(u, "Container", name, "Healthy");
			return 0;
		}
		if (h && strcmp(h, "unhealthy") == 0)
			return berth_error_set(
				err, EIO, "dependency failed to start: container %s is unhealthy",
				name);
		if (!json_is_true(json_object_get(state, "Running")))
			return berth_error_set(
				err, EIO, "dependency failed to start: container %s exited (%d)",
				name, (int)json_integer_value(json_object_get(state, "ExitCode")));
		sleep_ms(200);
	}
}

static int wait_condition(struct up *u, const struct berth_compose_dependency *d,
			  struct berth_error **err)
{
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	int r = berth_compose_project_containers(u->store, u->p->name, d->service, &cs, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (cs[i].oneoff)
			continue;
		if (d->condition == BERTH_COMPOSE_SERVICE_HEALTHY) {
			emit(u, "Container", cs[i].name, "Waiting");
			r = wait_healthy(u, cs[i].id, cs[i].name, err);
		} else if (d->condition == BERTH_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY) {
			emit(u, "Container", cs[i].name, "Waiting");
			int code = 0;
			r = berth_container_wait(u->store, cs[i].id, -1, &code, err);
			if (r >= 0 && code != 0)
				r = berth_error_set(err, EIO,
						    "service \"%s\" didn't complete successfully: "
						    "exit %d",
						    d->service, code);
			if (r >= 0)
				emit(u, "Container", cs[i].name, "Exited");
		}
	}
	berth_compose_containers_free(cs, n);
	return r;
}

static int create_and_start(struct up *u, const struct berth_compose_service *s, unsigned number,
			    const char *image, const char *hash, const char *done,
			    struct berth_error **err)
{
	_cleanup_(berth_compose_run_release) struct berth_compose_run run = {0};
	int r = berth_compose_run_options(u->store, u->p, s, number, image, hash, &run, err);
	if (r < 0)
		return r;
	struct berth_run_result res;
	r = berth_container_run(u->store, &run.o, &res, err);
	if (r < 0)
		return berth_error_prefix(err, "service \"%s\"", s->name);
	berth_strv_push(&u->containers, res.id);
	berth_strv_push(&u->names, run.name);
	emit(u, "Container", run.name, done);
	BERTH_STRV_FOREACH (net, run.more_networks) {
		r = berth_container_network_connect(u->store, res.id, *net, run.aliases, NULL, err);
		if (r < 0)
			return berth_error_prefix(err, "service \"%s\"", s->name);
	}
	r = berth_container_start(u->store, res.id, err);
	if (r < 0)
		return berth_error_prefix(err, "service \"%s\"", s->name);
	emit(u, "Container", run.name, "Started");
	return 0;
}

static bool is_recreate_needed(const struct up *u, const struct berth_compose_container *c,
			       const char *hash, const char *image_id)
{
	if (u->o->force_recreate)
		return true;
	if (u->o->no_recreate)
		return false;
	return strcmp(c->config_hash, hash) != 0 || strcmp(c->image_id, image_id) != 0;
}

/* The service's container: left running, started, recreated or created. */
static int converge_service(struct up *u, const struct berth_compose_service *s,
			    struct berth_error **err)
{
	for (size_t i = 0; i < s->n_depends_on; i++) {
		int r = wait_condition(u, &s->depends_on[i], err);
		if (r < 0)
			return r;
	}
	_cleanup_free_ char *image = berth_compose_image_name(u->p, s);
	char hash[65], id[80];
	berth_compose_service_hash(s, hash);
	int r = image_id(u->store, image, id, err);
	if (r < 0)
		return r;
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	r = berth_compose_project_containers(u->store, u->p->name, s->name, &cs, &n, err);
	if (r < 0)
		return r;
	const struct berth_compose_container *c = n && !cs[0].oneoff ? &cs[0] : NULL;
	if (!c) {
		r = create_and_start(u, s, 1, image, hash, "Created", err);
	} else if (is_recreate_needed(u, c, hash, id)) {
		int t = berth_compose_stop_timeout(u->p, s->name);
		if (strcmp(c->state, "running") == 0)
			(void)berth_container_stop(u->store, c->id, t, NULL);
		r = berth_container_remove(u->store, c->id, true, err);
		if (r >= 0)
			r = create_and_start(u, s, c->number ? c->number : 1, image, hash,
					     "Recreated", err);
	} else if (strcmp(c->state, "running") == 0) {
		emit(u, "Container", c->name, "Running");
	} else {
		r = berth_container_start(u->store, c->id, err);
		if (r >= 0)
			emit(u, "Container", c->name, "Started");
	}
	berth_compose_containers_free(cs, n);
	return r;
}

/* The services up starts: the named ones and, unless no_deps, what they depend on. */
static bool *select_services(const struct berth_compose_project *p,
			     struct berth_compose_service **order, char *const *names, bool no_deps)
{
	bool *sel = berth_xcalloc(p->n_services ? p->n_services : 1, sizeof(*sel));
	for (size_t i = 0; i < p->n_services; i++)
		sel[i] = !names || !*names || berth_strv_contains(names, order[i]->name);
	if (no_deps || !names || !*names)
		return sel;
	/* dependencies come earlier in start order: walk back from the end */
	for (size_t i = p->n_services; i-- > 0;) {
		if (!sel[i])
			continue;
		for (size_t d = 0; d < order[i]->n_depends_on; d++)
			for (size_t j = 0; j < i; j++)
				if (strcmp(order[j]->name, order[i]->depends_on[d].service) == 0)
					sel[j] = true;
	}
	return sel;
}

static int remove_orphans(struct up *u, struct berth_error **err)
{
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	int r = berth_compose_project_containers(u->store, u->p->name, NULL, &cs, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (berth_compose_find_service(u->p, cs[i].service))
			continue;
		r = berth_container_remove(u->store, cs[i].id, true, err);
		if (r >= 0)
			emit(u, "Container", cs[i].name, "Removed");
	}
	berth_compose_containers_free(cs, n);
	return r;
}

/* --wait: every started service running, and healthy when it has a health check. */
static int wait_all(struct up *u, struct berth_compose_service **order, const bool *sel,
		    struct berth_error **err)
{
	for (size_t i = 0; i < u->p->n_services; i++) {
		if (!sel[i])
			continue;
		_cleanup_free_ char *name = berth_compose_container_name(u->p, order[i], 1);
		_cleanup_json_ json_t *st = NULL;
		int r = berth_container_inspect(u->store, name, &st, err);
		if (r < 0)
			return r;
		if (json_is_object(json_object_get(json_object_get(st, "Config"), "Healthcheck")))
			r = wait_healthy(u, name, name, err);
		else if (!json_is_true(json_object_get(json_object_get(st, "State"), "Running")))
			r = berth_error_set(err, EIO, "container %s exited", name);
		if (r < 0)
			return r;
	}
	return 0;
}

/* dependencies_only (run): the named services get their image, not a container. */
static bool is_left_to_caller(const struct up *u, const struct berth_compose_service *s)
{
	return u->o->dependencies_only && berth_strv_contains(u->o->services, s->name);
}

static int up_steps(struct up *u, struct berth_compose_service **order, const bool *sel,
		    struct berth_error **err)
{
	int r;
	BERTH_STRV_FOREACH (name, u->o->services)
		if (!berth_compose_find_service(u->p, *name))
			return berth_error_set(err, ENOENT, "no such service: %s", *name);
	for (size_t i = 0; i < u->p->n_networks; i++)
		if ((r = ensure_network(u, &u->p->networks[i], err)) < 0)
			return r;
	for (size_t i = 0; i < u->p->n_volumes; i++)
		if ((r = ensure_volume(u, &u->p->volumes[i], err)) < 0)
			return r;
	for (size_t i = 0; i < u->p->n_services; i++)
		if (sel[i] && (r = ensure_image(u, order[i], err)) < 0)
			return r;
	if (u->o->remove_orphans && (r = remove_orphans(u, err)) < 0)
		return r;
	for (size_t i = 0; i < u->p->n_services; i++)
		if (sel[i] && !is_left_to_caller(u, order[i]) &&
		    (r = converge_service(u, order[i], err)) < 0)
			return r;
	return u->o->wait ? wait_all(u, order, sel, err) : 0;
}

int berth_compose_up(struct berth_store *store, const struct berth_compose_project *p,
		     const struct berth_compose_up_options *o, struct berth_error **err)
{
	_cleanup_free_ struct berth_compose_service **order = NULL;
	int r = berth_compose_start_order(p, &order, err);
	if (r < 0)
		return r;
	_cleanup_free_ bool *sel = select_services(p, order, o->services, o->no_deps);
	struct up u = {.store = store, .root = berth_store_root_path(store), .p = p, .o = o};
	r = up_steps(&u, order, sel, err);
	if (r < 0)
		rollback(&u);
	berth_strv_free(u.containers);
	berth_strv_free(u.names);
	berth_strv_free(u.networks);
	berth_strv_free(u.volumes);
	return r;
}
