/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compose service as `run` options, as docker compose v2 creates its
 * containers: the project's labels, the service's networks with its name
 * and aliases as network aliases, ports, environment, mounts (named volumes
 * as PROJECT_KEY), health check, limits.
 */
#include "compose/run-options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/runspec.h"
#include "core/strv.h"

void berth_compose_run_release(struct berth_compose_run *run)
{
	berth_container_image_release(&run->image);
	berth_health_config_release(&run->health);
	free(run->ports);
	free(run->name);
	free(run->entrypoint);
	free(run->cpus);
	berth_strv_free(run->cmd);
	berth_strv_free(run->env);
	berth_mount_reqs_free(run->mounts, run->n_mounts);
	free(run->ulimits);
	berth_strv_free(run->labels);
	berth_strv_free(run->aliases);
	berth_strv_free(run->more_networks);
	memset(run, 0, sizeof(*run));
}

static const struct berth_compose_network *find_network(const struct berth_compose_project *p,
							const char *key)
{
	for (size_t i = 0; i < p->n_networks; i++)
		if (strcmp(p->networks[i].key, key) == 0)
			return &p->networks[i];
	return NULL;
}

static const struct berth_compose_volume *find_volume(const struct berth_compose_project *p,
						      const char *key)
{
	for (size_t i = 0; i < p->n_volumes; i++)
		if (strcmp(p->volumes[i].key, key) == 0)
			return &p->volumes[i];
	return NULL;
}

/* The labels docker compose v2 puts on a service's container, then the service's own. */
static void add_labels(struct berth_compose_run *run, const struct berth_compose_project *p,
		       const struct berth_compose_service *s, unsigned index, const char *image,
		       const char *hash)
{
	_cleanup_(berth_buf_release) struct berth_buf files = {0};
	BERTH_STRV_FOREACH (f, p->files)
		berth_buf_addf(&files, "%s%s", files.len ? "," : "", *f);
	berth_strv_consume(&run->labels,
			   berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_PROJECT, p->name));
	berth_strv_consume(&run->labels,
			   berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_SERVICE, s->name));
	berth_strv_consume(&run->labels,
			   berth_xasprintf("%s=%u", BERTH_COMPOSE_LABEL_NUMBER, index));
	berth_strv_consume(&run->labels,
			   berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_CONFIG_HASH, hash));
	berth_strv_consume(&run->labels, berth_xasprintf("%s=False", BERTH_COMPOSE_LABEL_ONEOFF));
	berth_strv_consume(&run->labels, berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_WORKING_DIR,
							 p->working_dir));
	berth_strv_consume(&run->labels, berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_CONFIG_FILES,
							 files.len ? files.buf : ""));
	berth_strv_consume(&run->labels,
			   berth_xasprintf("%s=%s", BERTH_COMPOSE_LABEL_IMAGE, image));
	BERTH_STRV_FOREACH (l, s->labels)
		berth_strv_push(&run->labels, *l);
}

/* The first network is the container's at create; the others are connected before start. */
static int add_networks(struct berth_compose_run *run, const struct berth_compose_project *p,
			const struct berth_compose_service *s, struct berth_error **err)
{
	berth_strv_push(&run->aliases, s->name);
	if (s->n_networks == 0) {
		const struct berth_compose_network *n = find_network(p, "default");
		if (!n)
			return berth_error_set(err, EINVAL, "service '%s': no default network",
					       s->name);
		run->o.network = n->name;
		return 0;
	}
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct berth_compose_network *n = find_network(p, s->networks[i].name);
		if (!n)
			return berth_error_set(err, EINVAL,
					       "service '%s' refers to undefined network %s",
					       s->name, s->networks[i].name);
		BERTH_STRV_FOREACH (a, s->networks[i].aliases)
			if (!berth_strv_contains(run->aliases, *a))
				berth_strv_push(&run->aliases, *a);
		if (i == 0)
			run->o.network = n->name;
		else
			berth_strv_push(&run->more_networks, n->name);
	}
	if (s->networks[0].ipv4_address)
		run->o.ip = s->networks[0].ipv4_address;
	return 0;
}

/* Each ports entry as the `-p` value run parses. */
static int add_ports(struct berth_compose_run *run, const struct berth_compose_service *s,
		     struct berth_error **err)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct berth_compose_port *pt = &s->ports[i];
		_cleanup_free_ char *spec = berth_xasprintf(
			"%s%s%s%s%u/%s", pt->host_ip ? pt->host_ip : "", pt->host_ip ? ":" : "",
			pt->host_port ? pt->host_port : "", pt->host_port || pt->host_ip ? ":" : "",
			pt->container_port, pt->proto ? pt->proto : "tcp");
		if (pt->host_ip && strchr(pt->host_ip, ':')) /* IPv6: [addr] */
			return berth_error_set(
				err, ENOTSUP, "service '%s': IPv6 host addresses are not supported",
				s->name);
		int r = berth_port_spec_parse(spec, &run->ports, &n, err);
		if (r < 0)
			return berth_error_prefix(err, "service '%s': ports", s->name);
	}
	run->o.ports = run->ports;
	run->o.n_ports = n;
	return 0;
}

/* One more mount request, zeroed, at the end of run->mounts. */
static struct berth_mount_req *push_mount(struct berth_compose_run *run)
{
	run->mounts = berth_xreallocarray(run->mounts, run->n_mounts + 1, sizeof(*run->mounts));
	struct berth_mount_req *m = &run->mounts[run->n_mounts++];
	memset(m, 0, sizeof(*m));
	return m;
}

/* The service's volumes as typed mounts; named volumes are the project's (PROJECT_KEY). */
static int add_mounts(struct berth_compose_run *run, const struct berth_compose_project *p,
		      const struct berth_compose_service *s, struct berth_error **err)
{
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct berth_compose_mount *m = &s->volumes[i];
		const struct berth_compose_volume *v = NULL;
		if (m->type == BERTH_COMPOSE_MOUNT_VOLUME && m->source &&
		    !(v = find_volume(p, m->source)))
			return berth_error_set(err, EINVAL,
					       "service '%s' refers to undefined volume %s",
					       s->name, m->source);
		if (m->type == BERTH_COMPOSE_MOUNT_BIND && m->create_host_path &&
		    berth_mkdir_p(m->source, 0755, err) < 0)
			return berth_error_prefix(err, "service '%s'", s->name);
		struct berth_mount_req *r = push_mount(run);
		r->target = berth_xstrdup(m->target);
		r->read_only = m->read_only;
		if (m->type == BERTH_COMPOSE_MOUNT_TMPFS) {
			r->type = BERTH_MOUNT_TMPFS;
			r->read_only = false;
			if (m->tmpfs_size > 0)
				r->tmpfs_opts =
					berth_xasprintf("size=%lld", (long long)m->tmpfs_size);
		} else if (m->type == BERTH_COMPOSE_MOUNT_BIND) {
			r->type = BERTH_MOUNT_BIND;
			r->source = berth_xstrdup(m->source);
		} else {
			r->type = BERTH_MOUNT_VOLUME; /* v NULL: anonymous */
			r->source = v ? berth_xstrdup(v->name) : NULL;
		}
	}
	run->o.mounts = run->mounts;
	run->o.n_mounts = run->n_mounts;
	return 0;
}

static void add_health(struct berth_compose_run *run, const struct berth_compose_healthcheck *h)
{
	if (!h)
		return;
	if (h->disable) {
		berth_strv_push(&run->health.test, "NONE");
	} else {
		run->health.test = berth_strv_copy(h->test);
		run->health.interval = h->interval > 0 ? h->interval : 0;
		run->health.timeout = h->timeout > 0 ? h->timeout : 0;
		run->health.start_period = h->start_period > 0 ? h->start_period : 0;
		run->health.start_interval = h->start_interval > 0 ? h->start_interval : 0;
		run->health.retries = h->retries > 0 ? (int)h->retries : 0;
	}
	run->o.health = &run->health;
}

/* entrypoint [e0, e1...] is --entrypoint e0 with e1... before the command, as the list runs. */
static void add_command(struct berth_compose_run *run, const struct berth_compose_service *s)
{
	if (s->entrypoint) {
		run->entrypoint = berth_xstrdup(s->entrypoint[0] ? s->entrypoint[0] : "");
		run->o.entrypoint = run->entrypoint;
		for (size_t i = 1; s->entrypoint[0] && s->entrypoint[i]; i++)
			berth_strv_push(&run->cmd, s->entrypoint[i]);
	}
	BERTH_STRV_FOREACH (c, s->command)
		berth_strv_push(&run->cmd, *c);
	run->o.cmd = run->cmd;
}

static int add_limits(struct berth_compose_run *run, const struct berth_compose_service *s,
		      struct berth_error **err)
{
	if (s->memory_limit > 0)
		run->o.memory = s->memory_limit;
	if (s->pids_limit > 0)
		run->o.pids_limit = s->pids_limit;
	if (s->cpus) {
		char *end = NULL;
		double d = strtod(s->cpus, &end);
		if (end == s->cpus || *end || !(d > 0) || d > 4096)
			return berth_error_set(err, EINVAL, "service '%s': invalid cpus '%s'",
					       s->name, s->cpus);
		run->o.nano_cpus = (int64_t)(d * 1e9 + 0.5);
	}
	/* run's --ulimit names; the model checked the values (-1 is unlimited) */
	run->ulimits = berth_xcalloc(s->n_ulimits + 1, sizeof(*run->ulimits));
	for (size_t i = 0; i < s->n_ulimits; i++) {
		const struct berth_compose_ulimit *u = &s->ulimits[i];
		int resource = berth_runspec_ulimit_resource(u->name);
		if (resource < 0)
			return berth_error_set(err, EINVAL,
					       "service '%s': invalid ulimit '%s': unknown name",
					       s->name, u->name);
		run->ulimits[i] = (struct berth_ulimit){
			.resource = resource,
			.soft = u->soft < 0 ? UINT64_MAX : (uint64_t)u->soft,
			.hard = u->hard < 0 ? UINT64_MAX : (uint64_t)u->hard,
		};
		run->n_ulimits++;
	}
	run->o.ulimits = run->ulimits;
	run->o.n_ulimits = run->n_ulimits;
	return 0;
}

/* restart and stop_signal in run's grammar (--restart, --stop-signal). */
static int add_policies(struct berth_compose_run *run, const struct berth_compose_service *s,
			struct berth_error **err)
{
	if (s->restart &&
	    berth_runspec_parse_restart(s->restart, &run->o.restart, &run->o.restart_max, err) < 0)
		return berth_error_prefix(err, "service '%s'", s->name);
	if (s->stop_signal) {
		int sig = berth_runspec_parse_signal(s->stop_signal);
		if (sig < 0)
			return berth_error_set(err, EINVAL,
					       "service '%s': invalid stop_signal '%s'", s->name,
					       s->stop_signal);
		run->o.stop_signal = sig;
	}
	return 0;
}

int berth_compose_run_options(struct berth_store *store, const struct berth_compose_project *p,
			      const struct berth_compose_service *s, unsigned index,
			      const char *image, const char *hash, struct berth_compose_run *ret,
			      struct berth_error **err)
{
	struct berth_compose_run *run = ret;
	memset(run, 0, sizeof(*run));
	berth_run_options_init(&run->o);
	int r = 0;
	if (store) {
		r = berth_container_image_load(store, image, &run->image, err);
		if (r < 0)
			goto fail;
		run->o.image = &run->image;
	}
	run->name = berth_compose_container_name(p, s, index);
	run->o.name = run->name;
	run->o.create_only = true;
	run->o.detach = true;
	/* a bare KEY has no value: docker compose leaves it out */
	BERTH_STRV_FOREACH (e, s->environment)
		if (strchr(*e, '='))
			berth_strv_push(&run->env, *e);
	run->o.env = run->env;
	run->o.user = s->user;
	run->o.workdir = s->working_dir;
	run->o.hostname = s->hostname;
	run->o.init = s->init == 1;
	run->o.read_only = s->read_only;
	run->o.cap_add = s->cap_add;
	run->o.cap_drop = s->cap_drop;
	add_labels(run, p, s, index, image, hash);
	run->o.labels = run->labels;
	add_command(run, s);
	add_health(run, s->healthcheck);
	if ((r = add_networks(run, p, s, err)) < 0 || (r = add_ports(run, s, err)) < 0 ||
	    (r = add_mounts(run, p, s, err)) < 0 || (r = add_limits(run, s, err)) < 0 ||
	    (r = add_policies(run, s, err)) < 0)
		goto fail;
	run->o.network_aliases = run->aliases;
	return 0;
fail:
	berth_compose_run_release(run);
	return r;
}
