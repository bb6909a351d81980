/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose run` as docker compose v2 runs it: the project's networks and
 * volumes, the service's image and (unless no_deps) its dependencies
 * started through `up`, then a one-off container of the service,
 * PROJECT-SERVICE-run-<12 hex>, labelled oneoff=True, without the
 * service's ports unless asked for.
 */
#include <errno.h>
#include <string.h>

#include "compose/compose.h"
#include "compose/run-options.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"

#define LABEL_SLUG "com.docker.compose.slug"

/* The service's dependencies (and the project's networks, volumes, the service's image). */
static int prepare(struct berth_store *store, const struct berth_compose_project *p,
		   const struct berth_compose_run_oneoff_options *o, struct berth_error **err)
{
	char *services[] = {(char *)o->service, NULL};
	struct berth_compose_up_options up = {
		.services = services,
		.dependencies_only = true,
		.no_deps = o->no_deps,
		.on_event = o->on_event,
		.userdata = o->userdata,
	};
	return berth_compose_up(store, p, &up, err);
}

/* The service's run options turned one-off: name, labels, command and the overrides of o. */
static void make_oneoff(struct berth_compose_run *run, const struct berth_compose_project *p,
			const struct berth_compose_service *s,
			const struct berth_compose_run_oneoff_options *o)
{
	char slug[65];
	berth_random_hex(slug, 32);
	free(run->name);
	run->name = o->name ? berth_xstrdup(o->name)
			    : berth_xasprintf("%s-%s-run-%.12s", p->name, s->name, slug);
	run->o.name = run->name;
	for (char **l = run->labels; l && *l; l++)
		if (strncmp(*l, BERTH_COMPOSE_LABEL_ONEOFF "=",
			    strlen(BERTH_COMPOSE_LABEL_ONEOFF) + 1) == 0) {
			free(*l);
			*l = berth_xasprintf("%s=True", BERTH_COMPOSE_LABEL_ONEOFF);
		}
	berth_strv_consume(&run->labels, berth_xasprintf("%s=%s", LABEL_SLUG, slug));
	BERTH_STRV_FOREACH (l, o->labels)
		berth_strv_push(&run->labels, *l);
	run->o.labels = run->labels;
	BERTH_STRV_FOREACH (e, o->env)
		berth_strv_push(&run->env, *e);
	run->o.env = run->env;
	if (o->entrypoint) {
		free(run->entrypoint);
		run->entrypoint = berth_xstrdup(o->entrypoint);
		run->o.entrypoint = run->entrypoint;
	}
	if (o->cmd && *o->cmd) {
		/* the entrypoint's own arguments (entrypoint: [a, b]) stay before the command */
		berth_strv_free(run->cmd);
		run->cmd = NULL;
		for (size_t i = 1;
		     !o->entrypoint && s->entrypoint && s->entrypoint[0] && s->entrypoint[i]; i++)
			berth_strv_push(&run->cmd, s->entrypoint[i]);
		BERTH_STRV_FOREACH (c, o->cmd)
			berth_strv_push(&run->cmd, *c);
	}
	run->o.cmd = run->cmd;
	if (o->user)
		run->o.user = o->user;
	if (o->workdir)
		run->o.workdir = o->workdir;
	if (!o->service_ports) {
		run->o.ports = NULL;
		run->o.n_ports = 0;
	}
	run->o.rm = o->rm;
	run->o.tty = o->tty;
	run->o.interactive = o->interactive;
	run->o.restart = BERTH_RESTART_NO; /* as v2: a one-off is never restarted */
}

int berth_compose_run(struct berth_store *store, const struct berth_compose_project *p,
		      const struct berth_compose_run_oneoff_options *o,
		      struct berth_run_result *ret, struct berth_error **err)
{
	const struct berth_compose_service *s = berth_compose_find_service(p, o->service);
	if (!s)
		return berth_error_set(err, ENOENT, "no such service: %s", o->service);
	int r = prepare(store, p, o, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *image = berth_compose_image_name(p, s);
	char hash[65];
	berth_compose_service_hash(s, hash);
	_cleanup_(berth_compose_run_release) struct berth_compose_run run = {0};
	r = berth_compose_run_options(store, p, s, 1, image, hash, &run, err);
	if (r < 0)
		return r;
	if (run.more_networks)
		return berth_error_set(err, ENOTSUP,
				       "service \"%s\" is on several networks: not supported by "
				       "run yet",
				       s->name);
	make_oneoff(&run, p, s, o);
	run.o.create_only = o->detach;
	run.o.detach = o->detach;
	memset(ret, 0, sizeof(*ret));
	r = berth_container_run(store, &run.o, ret, err);
	if (r < 0)
		return berth_error_prefix(err, "service \"%s\"", s->name);
	if (o->detach)
		return berth_container_start(store, ret->id, err);
	return 0;
}
