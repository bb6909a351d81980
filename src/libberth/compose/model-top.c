/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The project-wide part of the model: top-level networks and volumes with
 * the names docker compose gives them (PROJECT_KEY unless external), the
 * implicit default network, the services' references to both, the
 * services' environments (env_file + environment) and freeing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "compose/model.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/sort.h"
#include "core/strv.h"

int berth_compose_parse_env_files(const struct berth_compose_model_ctx *ctx,
				  const struct berth_yaml_node *v, const char *where,
				  struct berth_compose_service *s, struct berth_error **err)
{
	if (!ctx->read_files)
		return berth_compose_fail(v, v->line, where, err, "env files are not read here");
	const struct berth_yaml_node *one[1] = {v};
	const struct berth_yaml_node *const *items = one;
	size_t n = 1;
	if (v->kind == BERTH_YAML_SEQ) {
		items = (const struct berth_yaml_node *const *)v->items;
		n = v->n;
	}
	for (size_t i = 0; i < n; i++) {
		const struct berth_yaml_node *x = items[i];
		_cleanup_free_ char *path = NULL;
		bool required = true;
		int r;
		if (x->kind == BERTH_YAML_MAP) {
			_cleanup_free_ char *wp = berth_xasprintf("%s.path", where);
			_cleanup_free_ char *wr = berth_xasprintf("%s.required", where);
			const struct berth_yaml_node *req = berth_yaml_get(x, "required");
			r = berth_compose_get_string(berth_yaml_get(x, "path"), wp, &path, err);
			if (r >= 0 && req)
				r = berth_compose_get_bool(req, wr, &required, err);
		} else {
			r = berth_compose_get_string(x, where, &path, err);
		}
		if (r < 0)
			return r;
		_cleanup_free_ char *abs = berth_compose_abs_path(ctx->dir, path);
		_cleanup_strv_free_ char **kv = NULL;
		r = berth_compose_read_env_file(abs, &kv, err);
		if (r == -ENOENT && !required) {
			berth_error_free(err);
			continue;
		}
		if (r < 0)
			return berth_error_prefix(err, "%s:%d: %s", berth_compose_file_of(x),
						  x->line, where);
		berth_strv_push(&s->env_files, abs);
		BERTH_STRV_FOREACH (e, kv)
			berth_env_set(&s->environment_from_files, *e);
	}
	return 0;
}

int berth_compose_resolve_environment(const struct berth_compose_model_ctx *ctx,
				      struct berth_compose_service *s, struct berth_error **err)
{
	_cleanup_strv_free_ char **env = TAKE_PTR(s->environment_from_files);
	BERTH_STRV_FOREACH (e, s->environment) {
		/* a bare KEY takes the value the environment has, else stays without one */
		const char *value =
			!strchr(*e, '=') && ctx->lookup ? ctx->lookup(*e, ctx->userdata) : NULL;
		if (value) {
			_cleanup_free_ char *kv = berth_xasprintf("%s=%s", *e, value);
			berth_env_set(&env, kv);
		} else {
			berth_env_set(&env, *e);
		}
	}
	berth_strv_free(s->environment);
	s->environment = TAKE_PTR(env);
	if (s->environment)
		berth_compose_sort_kv(s->environment);
	return 0;
}

static int parse_object(const struct berth_compose_model_ctx *ctx, const char *kind,
			const struct berth_yaml_entry *e, char **ret_name, char **ret_driver,
			bool *ret_external, bool *ret_internal, char ***ret_labels,
			struct berth_error **err)
{
	const struct berth_yaml_node *v = e->value;
	_cleanup_free_ char *name = NULL;
	if (!berth_compose_name_is_valid(e->key))
		return berth_compose_fail(v, e->line, kind, err, "invalid name '%s'", e->key);
	if (v->kind != BERTH_YAML_NULL && v->kind != BERTH_YAML_MAP)
		return berth_compose_fail(v, e->line, kind, err, "'%s' must be a mapping", e->key);
	for (size_t i = 0; v->kind == BERTH_YAML_MAP && i < v->n; i++) {
		const struct berth_yaml_entry *o = &v->entries[i];
		_cleanup_free_ char *w = berth_xasprintf("%s.%s.%s", kind, e->key, o->key);
		int r = 0;
		if (strcmp(o->key, "name") == 0)
			r = berth_compose_get_string(o->value, w, &name, err);
		else if (strcmp(o->key, "driver") == 0)
			r = berth_compose_get_string(o->value, w, ret_driver, err);
		else if (strcmp(o->key, "external") == 0)
			r = berth_compose_get_bool(o->value, w, ret_external, err);
		else if (strcmp(o->key, "internal") == 0 && ret_internal)
			r = berth_compose_get_bool(o->value, w, ret_internal, err);
		else if (strcmp(o->key, "labels") == 0)
			r = berth_compose_get_mapping(o->value, w, ret_labels, err);
		else if (strncmp(o->key, "x-", 2) != 0)
			berth_compose_warn(ctx->warnings,
					   "%s:%d: %s is not supported by berth, ignored",
					   berth_compose_file_of(v), o->line, w);
		if (r < 0)
			return r;
	}
	if (*ret_labels)
		berth_compose_sort_kv(*ret_labels);
	/* an external object is named as written; a project's own gets the project's prefix */
	if (name)
		*ret_name = TAKE_PTR(name);
	else if (*ret_external)
		*ret_name = berth_xstrdup(e->key);
	else
		*ret_name = berth_xasprintf("%s_%s", ctx->project_name, e->key);
	return 0;
}

static const struct berth_yaml_entry *top_entries(const struct berth_yaml_node *doc,
						  const char *key, size_t *n,
						  struct berth_error **err, int *r)
{
	const struct berth_yaml_entry *e = berth_yaml_entry(doc, key);
	*n = 0;
	*r = 0;
	if (!e || e->value->kind == BERTH_YAML_NULL)
		return NULL;
	if (e->value->kind != BERTH_YAML_MAP) {
		*r = berth_compose_fail(e->value, e->line, key, err, "must be a mapping");
		return NULL;
	}
	*n = e->value->n;
	return e->value->entries;
}

/* Without networks a service joins the default network; it may also name it. */
static bool service_uses_default_network(const struct berth_compose_service *s)
{
	for (size_t i = 0; i < s->n_networks; i++)
		if (strcmp(s->networks[i].name, "default") == 0)
			return true;
	return s->n_networks == 0;
}

static int add_networks(const struct berth_compose_model_ctx *ctx,
			const struct berth_yaml_node *doc, struct berth_compose_project *p,
			struct berth_error **err)
{
	size_t n;
	int r;
	const struct berth_yaml_entry *es = top_entries(doc, "networks", &n, err, &r);
	if (r < 0)
		return r;
	p->networks = berth_xcalloc(n + 1, sizeof(*p->networks));
	for (size_t i = 0; i < n; i++) {
		struct berth_compose_network *net = &p->networks[p->n_networks++];
		net->key = berth_xstrdup(es[i].key);
		r = parse_object(ctx, "networks", &es[i], &net->name, &net->driver, &net->external,
				 &net->internal, &net->labels, err);
		if (r < 0)
			return r;
	}
	bool need_default = false;
	for (size_t i = 0; i < p->n_services; i++)
		need_default |= service_uses_default_network(&p->services[i]);
	bool have_default = false;
	for (size_t i = 0; i < p->n_networks; i++)
		have_default |= strcmp(p->networks[i].key, "default") == 0;
	if (need_default && !have_default) {
		struct berth_compose_network *net = &p->networks[p->n_networks++];
		net->key = berth_xstrdup("default");
		net->name = berth_xasprintf("%s_default", ctx->project_name);
	}
	return 0;
}

static int add_volumes(const struct berth_compose_model_ctx *ctx, const struct berth_yaml_node *doc,
		       struct berth_compose_project *p, struct berth_error **err)
{
	size_t n;
	int r;
	const struct berth_yaml_entry *es = top_entries(doc, "volumes", &n, err, &r);
	if (r < 0)
		return r;
	p->volumes = berth_xcalloc(n + 1, sizeof(*p->volumes));
	for (size_t i = 0; i < n; i++) {
		struct berth_compose_volume *vol = &p->volumes[p->n_volumes++];
		vol->key = berth_xstrdup(es[i].key);
		r = parse_object(ctx, "volumes", &es[i], &vol->name, &vol->driver, &vol->external,
				 NULL, &vol->labels, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_network(const void *a, const void *b)
{
	return strcmp(((const struct berth_compose_network *)a)->key,
		      ((const struct berth_compose_network *)b)->key);
}

static int cmp_volume(const void *a, const void *b)
{
	return strcmp(((const struct berth_compose_volume *)a)->key,
		      ((const struct berth_compose_volume *)b)->key);
}

static int check_references(const struct berth_compose_model_ctx *ctx,
			    const struct berth_compose_project *p, struct berth_error **err)
{
	for (size_t i = 0; i < p->n_services; i++) {
		const struct berth_compose_service *s = &p->services[i];
		for (size_t j = 0; j < s->n_networks; j++) {
			bool found = false;
			for (size_t k = 0; k < p->n_networks && !found; k++)
				found = strcmp(p->networks[k].key, s->networks[j].name) == 0;
			if (!found)
				return berth_error_set(
					err, EINVAL,
					"%s: service '%s' refers to undefined network "
					"'%s'",
					ctx->file, s->name, s->networks[j].name);
		}
		for (size_t j = 0; j < s->n_volumes; j++) {
			const struct berth_compose_mount *m = &s->volumes[j];
			if (m->type != BERTH_COMPOSE_MOUNT_VOLUME || !m->source)
				continue;
			bool found = false;
			for (size_t k = 0; k < p->n_volumes && !found; k++)
				found = strcmp(p->volumes[k].key, m->source) == 0;
			if (!found)
				return berth_error_set(
					err, EINVAL,
					"%s: service '%s' refers to undefined volume "
					"'%s' (declare it under the top-level "
					"'volumes')",
					ctx->file, s->name, m->source);
		}
	}
	return 0;
}

int berth_compose_parse_top_level(const struct berth_compose_model_ctx *ctx,
				  const struct berth_yaml_node *doc,
				  struct berth_compose_project *p, struct berth_error **err)
{
	int r = add_networks(ctx, doc, p, err);
	if (r < 0)
		return r;
	r = add_volumes(ctx, doc, p, err);
	if (r < 0)
		return r;
	berth_qsort(p->networks, p->n_networks, sizeof(*p->networks), cmp_network);
	berth_qsort(p->volumes, p->n_volumes, sizeof(*p->volumes), cmp_volume);
	return check_references(ctx, p, err);
}

void berth_compose_build_free(struct berth_compose_build *b)
{
	if (!b)
		return;
	free(b->context);
	free(b->dockerfile);
	berth_strv_free(b->args);
	free(b->target);
	berth_strv_free(b->cache_from);
	berth_strv_free(b->labels);
	free(b);
}

void berth_compose_healthcheck_free(struct berth_compose_healthcheck *h)
{
	if (!h)
		return;
	berth_strv_free(h->test);
	free(h);
}

static void service_release(struct berth_compose_service *s)
{
	free(s->name);
	berth_strv_free(s->profiles);
	berth_compose_build_free(s->build);
	berth_strv_free(s->cap_add);
	berth_strv_free(s->cap_drop);
	berth_strv_free(s->command);
	free(s->container_name);
	for (size_t i = 0; i < s->n_depends_on; i++)
		free(s->depends_on[i].service);
	free(s->depends_on);
	free(s->cpus);
	berth_strv_free(s->entrypoint);
	berth_strv_free(s->environment);
	berth_strv_free(s->environment_from_files);
	berth_strv_free(s->env_files);
	berth_strv_free(s->expose);
	free(s->hostname);
	berth_compose_healthcheck_free(s->healthcheck);
	free(s->image);
	berth_strv_free(s->labels);
	for (size_t i = 0; i < s->n_networks; i++) {
		free(s->networks[i].name);
		berth_strv_free(s->networks[i].aliases);
		free(s->networks[i].ipv4_address);
		free(s->networks[i].ipv6_address);
	}
	free(s->networks);
	for (size_t i = 0; i < s->n_ports; i++) {
		struct berth_compose_port *p = &s->ports[i];
		free(p->host_ip);
		free(p->host_port);
		free(p->proto);
		free(p->mode);
		free(p->name);
		free(p->app_protocol);
	}
	free(s->ports);
	free(s->restart);
	free(s->stop_signal);
	for (size_t i = 0; i < s->n_ulimits; i++)
		free(s->ulimits[i].name);
	free(s->ulimits);
	free(s->user);
	for (size_t i = 0; i < s->n_volumes; i++) {
		struct berth_compose_mount *m = &s->volumes[i];
		free(m->source);
		free(m->target);
		free(m->propagation);
		free(m->selinux);
	}
	free(s->volumes);
	free(s->working_dir);
}

void berth_compose_project_free(struct berth_compose_project *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->working_dir);
	berth_strv_free(p->files);
	for (size_t i = 0; i < p->n_services; i++)
		service_release(&p->services[i]);
	free(p->services);
	for (size_t i = 0; i < p->n_networks; i++) {
		free(p->networks[i].key);
		free(p->networks[i].name);
		free(p->networks[i].driver);
		berth_strv_free(p->networks[i].labels);
	}
	free(p->networks);
	for (size_t i = 0; i < p->n_volumes; i++) {
		free(p->volumes[i].key);
		free(p->volumes[i].name);
		free(p->volumes[i].driver);
		berth_strv_free(p->volumes[i].labels);
	}
	free(p->volumes);
	berth_strv_free(p->disabled_profiles_services);
	free(p);
}
