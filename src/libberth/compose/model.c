/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The merged, interpolated YAML tree -> the typed project. Every value is
 * checked here; a wrong one is an error naming file:line and the key's path
 * (services.web.restart). Keys of the Compose Specification that berth does
 * not model are warnings (ignored) or errors (refused: running without them
 * would change what the service is); other keys are unknown-key warnings.
 * The ports and volumes syntaxes are in model-mounts.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "compose/compose-internal.h"
#include "compose/model.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/sort.h"
#include "core/strv.h"
#include "core/units.h"

const char *berth_compose_file_of(const struct berth_yaml_node *n)
{
	return n && n->file ? n->file : "compose file";
}

int berth_compose_fail(const struct berth_yaml_node *n, int line, const char *where,
		       struct berth_error **err, const char *fmt, ...)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return berth_error_set(err, EINVAL, "%s:%d: %s: %s", berth_compose_file_of(n), line, where,
			       b.buf);
}

int berth_compose_get_string(const struct berth_yaml_node *v, const char *where, char **ret,
			     struct berth_error **err)
{
	if (!v || v->kind != BERTH_YAML_SCALAR)
		return berth_compose_fail(v, v ? v->line : 0, where, err, "must be a string");
	*ret = berth_xstrdup(v->value);
	return 0;
}

int berth_compose_get_bool(const struct berth_yaml_node *v, const char *where, bool *ret,
			   struct berth_error **err)
{
	/* interpolated values come as strings: "true" counts as true, as compose-go converts */
	if (v && v->kind == BERTH_YAML_SCALAR) {
		if (strcasecmp(v->value, "true") == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(v->value, "false") == 0) {
			*ret = false;
			return 0;
		}
	}
	return berth_compose_fail(v, v ? v->line : 0, where, err, "must be a boolean");
}

int berth_compose_get_int(const struct berth_yaml_node *v, const char *where, int64_t min,
			  int64_t max, int64_t *ret, struct berth_error **err)
{
	if (v && v->kind == BERTH_YAML_SCALAR && *v->value) {
		char *end;
		errno = 0;
		long long n = strtoll(v->value, &end, 10);
		if (!*end && !errno && n >= min && n <= max) {
			*ret = n;
			return 0;
		}
	}
	return berth_compose_fail(v, v ? v->line : 0, where, err,
				  "must be an integer between %lld and %lld", (long long)min,
				  (long long)max);
}

/* A list of strings, or with single a lone string as a list of one. */
int berth_compose_get_strv(const struct berth_yaml_node *v, const char *where, bool single,
			   char ***ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **out = berth_xcalloc(1, sizeof(char *));
	if (single && v && v->kind == BERTH_YAML_SCALAR) {
		berth_strv_push(&out, v->value);
	} else if (v && v->kind == BERTH_YAML_SEQ) {
		for (size_t i = 0; i < v->n; i++) {
			if (v->items[i]->kind != BERTH_YAML_SCALAR)
				return berth_compose_fail(v->items[i], v->items[i]->line, where,
							  err, "must be a list of strings");
			berth_strv_push(&out, v->items[i]->value);
		}
	} else if (!v || v->kind != BERTH_YAML_NULL) {
		return berth_compose_fail(v, v ? v->line : 0, where, err,
					  single ? "must be a string or a list of strings"
						 : "must be a list of strings");
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/*
 * A mapping (KEY: value; a null value gives a bare "KEY") or a list of
 * "KEY=VALUE"/"KEY", as "KEY=VALUE" strings; a later key replaces an earlier.
 */
int berth_compose_get_mapping(const struct berth_yaml_node *v, const char *where, char ***ret,
			      struct berth_error **err)
{
	_cleanup_strv_free_ char **out = berth_xcalloc(1, sizeof(char *));
	if (v && v->kind == BERTH_YAML_MAP) {
		for (size_t i = 0; i < v->n; i++) {
			const struct berth_yaml_node *x = v->entries[i].value;
			if (x->kind == BERTH_YAML_NULL) {
				berth_strv_push(&out, v->entries[i].key);
				continue;
			}
			if (x->kind != BERTH_YAML_SCALAR)
				return berth_compose_fail(v, v->entries[i].line, where, err,
							  "value of '%s' must be a string",
							  v->entries[i].key);
			berth_strv_consume(&out,
					   berth_xasprintf("%s=%s", v->entries[i].key, x->value));
		}
	} else if (v && v->kind == BERTH_YAML_SEQ) {
		for (size_t i = 0; i < v->n; i++) {
			const struct berth_yaml_node *x = v->items[i];
			if (x->kind != BERTH_YAML_SCALAR || !*x->value || x->value[0] == '=')
				return berth_compose_fail(x, x->line, where, err,
							  "entries must be 'KEY=VALUE' or 'KEY'");
			berth_env_set(&out, x->value);
		}
	} else if (!v || v->kind != BERTH_YAML_NULL) {
		return berth_compose_fail(v, v ? v->line : 0, where, err,
					  "must be a mapping or a list of 'KEY=VALUE'");
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int get_duration(const struct berth_yaml_node *v, const char *where, int64_t *ret,
			struct berth_error **err)
{
	if (!v || v->kind != BERTH_YAML_SCALAR || berth_compose_parse_duration(v->value, ret) < 0)
		return berth_compose_fail(v, v ? v->line : 0, where, err,
					  "invalid duration '%s' (e.g. 30s, 1m30s)",
					  v && v->value ? v->value : "");
	return 0;
}

static int cmp_kv(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
	int c = strncmp(x, y, lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}

void berth_compose_sort_kv(char **v)
{
	berth_qsort(v, berth_strv_len(v), sizeof(char *), cmp_kv);
}

/* command/entrypoint: a string is split as the shell would; a list is taken as is. */
static int get_command(const struct berth_yaml_node *v, const char *where, char ***ret,
		       struct berth_error **err)
{
	if (v && v->kind == BERTH_YAML_SCALAR) {
		if (berth_compose_shell_split(v->value, ret) < 0)
			return berth_compose_fail(v, v->line, where, err,
						  "unterminated quote in '%s'", v->value);
		return 0;
	}
	return berth_compose_get_strv(v, where, false, ret, err);
}

static const char *const restart_values[] = {"no", "always", "on-failure", "unless-stopped", NULL};

static int check_restart(const struct berth_yaml_node *v, const char *where, const char *s,
			 struct berth_error **err)
{
	size_t n = strcspn(s, ":");
	for (const char *const *r = restart_values; *r; r++)
		if (strlen(*r) == n && strncmp(s, *r, n) == 0) {
			if (!s[n])
				return 0;
			if (strcmp(*r, "on-failure") == 0 && s[n + 1] &&
			    strspn(s + n + 1, "0123456789") == strlen(s + n + 1))
				return 0;
		}
	return berth_compose_fail(v, v->line, where, err,
				  "invalid restart policy '%s' (no, always, on-failure[:N] or "
				  "unless-stopped)",
				  s);
}

static int parse_build(const struct berth_compose_model_ctx *ctx, const struct berth_yaml_node *v,
		       const char *where, struct berth_compose_build **ret,
		       struct berth_error **err)
{
	_cleanup_(berth_compose_build_freep) struct berth_compose_build *b =
		berth_xcalloc(1, sizeof(*b));
	_cleanup_free_ char *context = NULL;
	int r = 0;
	if (v->kind == BERTH_YAML_SCALAR) {
		context = berth_xstrdup(v->value);
	} else if (v->kind == BERTH_YAML_MAP) {
		for (size_t i = 0; i < v->n && r >= 0; i++) {
			const struct berth_yaml_entry *e = &v->entries[i];
			_cleanup_free_ char *w = berth_xasprintf("%s.%s", where, e->key);
			if (strcmp(e->key, "context") == 0)
				r = berth_compose_get_string(e->value, w, &context, err);
			else if (strcmp(e->key, "dockerfile") == 0)
				r = berth_compose_get_string(e->value, w, &b->dockerfile, err);
			else if (strcmp(e->key, "target") == 0)
				r = berth_compose_get_string(e->value, w, &b->target, err);
			else if (strcmp(e->key, "args") == 0)
				r = berth_compose_get_mapping(e->value, w, &b->args, err);
			else if (strcmp(e->key, "labels") == 0)
				r = berth_compose_get_mapping(e->value, w, &b->labels, err);
			else if (strcmp(e->key, "cache_from") == 0)
				r = berth_compose_get_strv(e->value, w, false, &b->cache_from, err);
			else if (strncmp(e->key, "x-", 2) != 0)
				berth_compose_warn(ctx->warnings,
						   "%s:%d: %s is not supported, ignored",
						   berth_compose_file_of(v), e->line, w);
		}
		if (r < 0)
			return r;
	} else {
		return berth_compose_fail(v, v->line, where, err, "must be a path or a mapping");
	}
	if (!context)
		context = berth_xstrdup(".");
	/* a Git or HTTP context stays as written; a path is made absolute */
	if (strstr(context, "://") || strncmp(context, "git@", 4) == 0)
		b->context = TAKE_PTR(context);
	else
		b->context = berth_compose_abs_path(ctx->dir, context);
	if (!b->dockerfile)
		b->dockerfile = berth_xstrdup("Dockerfile");
	if (b->labels)
		berth_compose_sort_kv(b->labels);
	*ret = TAKE_PTR(b);
	return 0;
}

static int parse_depends_on(const struct berth_yaml_node *v, const char *where,
			    struct berth_compose_service *s, struct berth_error **err)
{
	size_t n = v->kind == BERTH_YAML_SEQ || v->kind == BERTH_YAML_MAP ? v->n : 0;
	if (v->kind != BERTH_YAML_SEQ && v->kind != BERTH_YAML_MAP)
		return berth_compose_fail(v, v->line, where, err,
					  "must be a list of services or a mapping");
	s->depends_on = berth_xcalloc(n ? n : 1, sizeof(*s->depends_on));
	for (size_t i = 0; i < n; i++) {
		struct berth_compose_dependency *d = &s->depends_on[s->n_depends_on++];
		d->required = true;
		if (v->kind == BERTH_YAML_SEQ) {
			int r = berth_compose_get_string(v->items[i], where, &d->service, err);
			if (r < 0)
				return r;
			continue;
		}
		const struct berth_yaml_entry *e = &v->entries[i];
		d->service = berth_xstrdup(e->key);
		if (e->value->kind == BERTH_YAML_NULL)
			continue;
		if (e->value->kind != BERTH_YAML_MAP)
			return berth_compose_fail(v, e->line, where, err,
						  "'%s' must be a mapping (condition, restart, "
						  "required)",
						  e->key);
		for (size_t j = 0; j < e->value->n; j++) {
			const struct berth_yaml_entry *c = &e->value->entries[j];
			_cleanup_free_ char *w = berth_xasprintf("%s.%s.%s", where, e->key, c->key);
			int r = 0;
			if (strcmp(c->key, "condition") == 0) {
				const char *cv = c->value->value ? c->value->value : "";
				if (strcmp(cv, "service_started") == 0)
					d->condition = BERTH_COMPOSE_SERVICE_STARTED;
				else if (strcmp(cv, "service_healthy") == 0)
					d->condition = BERTH_COMPOSE_SERVICE_HEALTHY;
				else if (strcmp(cv, "service_completed_successfully") == 0)
					d->condition = BERTH_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY;
				else
					r = berth_compose_fail(
						c->value, c->line, w, err,
						"invalid condition '%s' (service_started, "
						"service_healthy or "
						"service_completed_successfully)",
						cv);
			} else if (strcmp(c->key, "restart") == 0) {
				r = berth_compose_get_bool(c->value, w, &d->restart, err);
			} else if (strcmp(c->key, "required") == 0) {
				r = berth_compose_get_bool(c->value, w, &d->required, err);
			} else {
				r = berth_compose_fail(c->value, c->line, w, err, "unknown key");
			}
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_healthcheck(const struct berth_yaml_node *v, const char *where,
			     struct berth_compose_healthcheck **ret, struct berth_error **err)
{
	if (v->kind != BERTH_YAML_MAP)
		return berth_compose_fail(v, v->line, where, err, "must be a mapping");
	_cleanup_(berth_compose_healthcheck_freep) struct berth_compose_healthcheck *h =
		berth_xcalloc(1, sizeof(*h));
	h->interval = h->timeout = h->start_period = h->start_interval = h->retries = -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_entry *e = &v->entries[i];
		_cleanup_free_ char *w = berth_xasprintf("%s.%s", where, e->key);
		int r;
		if (strcmp(e->key, "test") == 0) {
			if (e->value->kind == BERTH_YAML_SCALAR) {
				h->test = berth_xcalloc(3, sizeof(char *));
				h->test[0] = berth_xstrdup("CMD-SHELL");
				h->test[1] = berth_xstrdup(e->value->value);
				r = 0;
			} else {
				r = berth_compose_get_strv(e->value, w, false, &h->test, err);
				if (r >= 0 &&
				    (!h->test[0] || (strcmp(h->test[0], "CMD") != 0 &&
						     strcmp(h->test[0], "CMD-SHELL") != 0 &&
						     strcmp(h->test[0], "NONE") != 0)))
					r = berth_compose_fail(e->value, e->line, w, err,
							       "a list must start with CMD, "
							       "CMD-SHELL or NONE");
			}
		} else if (strcmp(e->key, "interval") == 0) {
			r = get_duration(e->value, w, &h->interval, err);
		} else if (strcmp(e->key, "timeout") == 0) {
			r = get_duration(e->value, w, &h->timeout, err);
		} else if (strcmp(e->key, "start_period") == 0) {
			r = get_duration(e->value, w, &h->start_period, err);
		} else if (strcmp(e->key, "start_interval") == 0) {
			r = get_duration(e->value, w, &h->start_interval, err);
		} else if (strcmp(e->key, "retries") == 0) {
			r = berth_compose_get_int(e->value, w, 0, INT32_MAX, &h->retries, err);
		} else if (strcmp(e->key, "disable") == 0) {
			r = berth_compose_get_bool(e->value, w, &h->disable, err);
		} else {
			r = berth_compose_fail(e->value, e->line, w, err, "unknown key");
		}
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(h);
	return 0;
}

static int parse_ulimits(const struct berth_yaml_node *v, const char *where,
			 struct berth_compose_service *s, struct berth_error **err)
{
	if (v->kind != BERTH_YAML_MAP)
		return berth_compose_fail(v, v->line, where, err, "must be a mapping");
	s->ulimits = berth_xcalloc(v->n ? v->n : 1, sizeof(*s->ulimits));
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_entry *e = &v->entries[i];
		struct berth_compose_ulimit *u = &s->ulimits[s->n_ulimits++];
		_cleanup_free_ char *w = berth_xasprintf("%s.%s", where, e->key);
		u->name = berth_xstrdup(e->key);
		int r;
		if (e->value->kind == BERTH_YAML_SCALAR) {
			u->single = true;
			r = berth_compose_get_int(e->value, w, -1, INT64_MAX, &u->soft, err);
			u->hard = u->soft;
		} else {
			_cleanup_free_ char *ws = berth_xasprintf("%s.soft", w);
			_cleanup_free_ char *wh = berth_xasprintf("%s.hard", w);
			r = berth_compose_get_int(berth_yaml_get(e->value, "soft"), ws, -1,
						  INT64_MAX, &u->soft, err);
			if (r >= 0)
				r = berth_compose_get_int(berth_yaml_get(e->value, "hard"), wh, -1,
							  INT64_MAX, &u->hard, err);
			if (r >= 0 && u->hard >= 0 && (u->soft < 0 || u->soft > u->hard))
				r = berth_compose_fail(e->value, e->line, w, err,
						       "soft limit %lld is above the hard limit "
						       "%lld",
						       (long long)u->soft, (long long)u->hard);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_deploy(const struct berth_compose_model_ctx *ctx, const struct berth_yaml_node *v,
			const char *where, struct berth_compose_service *s,
			struct berth_error **err)
{
	if (v->kind != BERTH_YAML_MAP)
		return berth_compose_fail(v, v->line, where, err, "must be a mapping");
	for (size_t i = 0; i < v->n; i++) {
		const struct berth_yaml_entry *e = &v->entries[i];
		const struct berth_yaml_node *limits = berth_yaml_get(e->value, "limits");
		if (strcmp(e->key, "resources") != 0 || !limits) {
			berth_compose_warn(ctx->warnings, "%s:%d: %s.%s is not supported, ignored",
					   berth_compose_file_of(v), e->line, where, e->key);
			continue;
		}
		for (size_t j = 0; j < e->value->n; j++)
			if (strcmp(e->value->entries[j].key, "limits") != 0)
				berth_compose_warn(
					ctx->warnings,
					"%s:%d: %s.resources.%s is not supported, ignored",
					berth_compose_file_of(v), e->value->entries[j].line, where,
					e->value->entries[j].key);
		if (limits->kind != BERTH_YAML_MAP)
			return berth_compose_fail(limits, limits->line, where, err,
						  "resources.limits must be a mapping");
		for (size_t j = 0; j < limits->n; j++) {
			const struct berth_yaml_entry *l = &limits->entries[j];
			_cleanup_free_ char *w =
				berth_xasprintf("%s.resources.limits.%s", where, l->key);
			int r = 0;
			if (strcmp(l->key, "cpus") == 0) {
				char *end = NULL;
				double d = l->value->value ? strtod(l->value->value, &end) : -1;
				if (!end || *end || d <= 0 || !*l->value->value)
					return berth_compose_fail(l->value, l->line, w, err,
								  "must be a positive number");
				s->cpus = berth_xstrdup(l->value->value);
			} else if (strcmp(l->key, "memory") == 0) {
				if (l->value->kind != BERTH_YAML_SCALAR ||
				    berth_parse_bytes(l->value->value, &s->memory_limit, NULL) < 0)
					return berth_compose_fail(l->value, l->line, w, err,
								  "invalid size (e.g. 512m, 1g)");
			} else if (strcmp(l->key, "pids") == 0) {
				r = berth_compose_get_int(l->value, w, 1, INT64_MAX, &s->pids_limit,
							  err);
			} else {
				berth_compose_warn(ctx->warnings,
						   "%s:%d: %s is not supported, ignored",
						   berth_compose_file_of(v), l->line, w);
			}
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_service_networks(const struct berth_yaml_node *v, const char *where,
				  struct berth_compose_service *s, struct berth_error **err)
{
	if (v->kind != BERTH_YAML_SEQ && v->kind != BERTH_YAML_MAP)
		return berth_compose_fail(v, v->line, where, err, "must be a list or a mapping");
	s->networks = berth_xcalloc(v->n ? v->n : 1, sizeof(*s->networks));
	for (size_t i = 0; i < v->n; i++) {
		struct berth_compose_service_network *n = &s->networks[s->n_networks++];
		if (v->kind == BERTH_YAML_SEQ) {
			int r = berth_compose_get_string(v->items[i], where, &n->name, err);
			if (r < 0)
				return r;
			continue;
		}
		const struct berth_yaml_entry *e = &v->entries[i];
		n->name = berth_xstrdup(e->key);
		if (e->value->kind == BERTH_YAML_NULL)
			continue;
		if (e->value->kind != BERTH_YAML_MAP)
			return berth_compose_fail(v, e->line, where, err, "'%s' must be a mapping",
						  e->key);
		for (size_t j = 0; j < e->value->n; j++) {
			const struct berth_yaml_entry *c = &e->value->entries[j];
			_cleanup_free_ char *w = berth_xasprintf("%s.%s.%s", where, e->key, c->key);
			int r;
			if (strcmp(c->key, "aliases") == 0)
				r = berth_compose_get_strv(c->value, w, false, &n->aliases, err);
			else if (strcmp(c->key, "ipv4_address") == 0)
				r = berth_compose_get_string(c->value, w, &n->ipv4_address, err);
			else if (strcmp(c->key, "ipv6_address") == 0)
				r = berth_compose_get_string(c->value, w, &n->ipv6_address, err);
			else
				r = berth_compose_fail(c->value, c->line, w, err,
						       "not supported by berth");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Keys of the specification berth reads but does not act on: a warning. */
static const char *const ignored_service_keys[] = {
	"annotations",
	"attach",
	"blkio_config",
	"cgroup",
	"cgroup_parent",
	"cpu_count",
	"cpu_percent",
	"cpu_period",
	"cpu_quota",
	"cpu_rt_period",
	"cpu_rt_runtime",
	"cpu_shares",
	"cpus",
	"cpuset",
	"credential_spec",
	"develop",
	"device_cgroup_rules",
	"dns",
	"dns_opt",
	"dns_search",
	"domainname",
	"external_links",
	"extra_hosts",
	"gpus",
	"group_add",
	"isolation",
	"label_file",
	"links",
	"logging",
	"mac_address",
	"mem_limit",
	"mem_reservation",
	"mem_swappiness",
	"memswap_limit",
	"oom_kill_disable",
	"oom_score_adj",
	"pids_limit",
	"platform",
	"post_start",
	"pre_stop",
	"pull_policy",
	"runtime",
	"scale",
	"shm_size",
	"stdin_open",
	"storage_opt",
	"tmpfs",
	"tty",
	"use_api_socket",
	"models",
	"provider",
	NULL,
};

/* Keys whose absence would change the service's isolation or its data: refused. */
static const char *const refused_service_keys[] = {
	"configs",    "devices",      "ipc",	      "network_mode", "pid",
	"privileged", "secrets",      "security_opt", "sysctls",      "userns_mode",
	"uts",	      "volumes_from", NULL,
};

static int parse_service_key(const struct berth_compose_model_ctx *ctx,
			     struct berth_compose_service *s, const struct berth_yaml_node *svc,
			     const struct berth_yaml_entry *e, const char *w,
			     struct berth_error **err)
{
	const struct berth_yaml_node *v = e->value;
	const char *k = e->key;
	int r;
	if (strcmp(k, "image") == 0)
		return berth_compose_get_string(v, w, &s->image, err);
	if (strcmp(k, "container_name") == 0)
		return berth_compose_get_string(v, w, &s->container_name, err);
	if (strcmp(k, "hostname") == 0)
		return berth_compose_get_string(v, w, &s->hostname, err);
	if (strcmp(k, "user") == 0)
		return berth_compose_get_string(v, w, &s->user, err);
	if (strcmp(k, "working_dir") == 0)
		return berth_compose_get_string(v, w, &s->working_dir, err);
	if (strcmp(k, "stop_signal") == 0)
		return berth_compose_get_string(v, w, &s->stop_signal, err);
	if (strcmp(k, "restart") == 0) {
		r = berth_compose_get_string(v, w, &s->restart, err);
		return r < 0 ? r : check_restart(v, w, s->restart, err);
	}
	if (strcmp(k, "stop_grace_period") == 0)
		return get_duration(v, w, &s->stop_grace_period, err);
	if (strcmp(k, "read_only") == 0)
		return berth_compose_get_bool(v, w, &s->read_only, err);
	if (strcmp(k, "init") == 0) {
		bool b = false;
		r = berth_compose_get_bool(v, w, &b, err);
		if (r >= 0)
			s->init = b;
		return r;
	}
	if (strcmp(k, "profiles") == 0)
		return berth_compose_get_strv(v, w, false, &s->profiles, err);
	if (strcmp(k, "cap_add") == 0)
		return berth_compose_get_strv(v, w, false, &s->cap_add, err);
	if (strcmp(k, "cap_drop") == 0)
		return berth_compose_get_strv(v, w, false, &s->cap_drop, err);
	if (strcmp(k, "expose") == 0)
		return berth_compose_get_strv(v, w, false, &s->expose, err);
	if (strcmp(k, "command") == 0)
		return get_command(v, w, &s->command, err);
	if (strcmp(k, "entrypoint") == 0)
		return get_command(v, w, &s->entrypoint, err);
	if (strcmp(k, "environment") == 0)
		return berth_compose_get_mapping(v, w, &s->environment, err);
	if (strcmp(k, "labels") == 0)
		return berth_compose_get_mapping(v, w, &s->labels, err);
	if (strcmp(k, "env_file") == 0)
		return berth_compose_parse_env_files(ctx, v, w, s, err);
	if (strcmp(k, "build") == 0)
		return parse_build(ctx, v, w, &s->build, err);
	if (strcmp(k, "depends_on") == 0)
		return parse_depends_on(v, w, s, err);
	if (strcmp(k, "healthcheck") == 0)
		return parse_healthcheck(v, w, &s->healthcheck, err);
	if (strcmp(k, "ulimits") == 0)
		return parse_ulimits(v, w, s, err);
	if (strcmp(k, "deploy") == 0)
		return parse_deploy(ctx, v, w, s, err);
	if (strcmp(k, "networks") == 0)
		return parse_service_networks(v, w, s, err);
	if (strcmp(k, "ports") == 0)
		return berth_compose_parse_ports(v, w, s, err);
	if (strcmp(k, "volumes") == 0)
		return berth_compose_parse_volumes(ctx, v, w, s, err);
	if (strncmp(k, "x-", 2) == 0)
		return 0;
	if (berth_strv_contains((char **)refused_service_keys, k))
		return berth_compose_fail(svc, e->line, w, err,
					  "not supported by berth (refused: running without it "
					  "would change the service)");
	if (berth_strv_contains((char **)ignored_service_keys, k))
		berth_compose_warn(ctx->warnings, "%s:%d: %s is not supported by berth, ignored",
				   berth_compose_file_of(svc), e->line, w);
	else
		berth_compose_warn(ctx->warnings, "%s:%d: unknown key %s, ignored",
				   berth_compose_file_of(svc), e->line, w);
	return 0;
}

static int parse_service(const struct berth_compose_model_ctx *ctx, const char *name,
			 const struct berth_yaml_node *svc, int line,
			 struct berth_compose_service *s, struct berth_error **err)
{
	_cleanup_free_ char *where = berth_xasprintf("services.%s", name);
	s->name = berth_xstrdup(name);
	s->init = -1;
	s->stop_grace_period = -1;
	if (!berth_compose_name_is_valid(name))
		return berth_compose_fail(svc, line, where, err,
					  "invalid service name (letters, digits, '.', '_', '-')");
	if (svc->kind != BERTH_YAML_MAP)
		return berth_compose_fail(svc, line, where, err, "must be a mapping");
	for (size_t i = 0; i < svc->n; i++) {
		_cleanup_free_ char *w =
			berth_xasprintf("services.%s.%s", name, svc->entries[i].key);
		int r = parse_service_key(ctx, s, svc, &svc->entries[i], w, err);
		if (r < 0)
			return r;
	}
	if (!s->image && !s->build)
		return berth_compose_fail(svc, line, where, err,
					  "neither an image nor a build context");
	if (s->labels)
		berth_compose_sort_kv(s->labels);
	return berth_compose_resolve_environment(ctx, s, err);
}

static int cmp_service(const void *a, const void *b)
{
	return strcmp(((const struct berth_compose_service *)a)->name,
		      ((const struct berth_compose_service *)b)->name);
}

static int parse_services(const struct berth_compose_model_ctx *ctx,
			  const struct berth_yaml_node *doc, struct berth_compose_project *p,
			  struct berth_error **err)
{
	const struct berth_yaml_entry *e = berth_yaml_entry(doc, "services");
	if (!e || e->value->kind == BERTH_YAML_NULL)
		return berth_error_set(err, EINVAL,
				       "%s: no service defined (a 'services' key is "
				       "needed)",
				       ctx->file);
	const struct berth_yaml_node *svcs = e->value;
	if (svcs->kind != BERTH_YAML_MAP)
		return berth_compose_fail(svcs, e->line, "services", err, "must be a mapping");
	p->services = berth_xcalloc(svcs->n ? svcs->n : 1, sizeof(*p->services));
	for (size_t i = 0; i < svcs->n; i++) {
		int r = parse_service(ctx, svcs->entries[i].key, svcs->entries[i].value,
				      svcs->entries[i].line, &p->services[p->n_services++], err);
		if (r < 0)
			return r;
	}
	berth_qsort(p->services, p->n_services, sizeof(*p->services), cmp_service);
	return 0;
}

int berth_compose_model_build(const struct berth_compose_model_ctx *ctx,
			      const struct berth_yaml_node *doc, struct berth_compose_project **ret,
			      struct berth_error **err)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p =
		berth_xcalloc(1, sizeof(*p));
	p->name = berth_xstrdup(ctx->project_name);
	p->working_dir = berth_xstrdup(ctx->dir);
	if (!doc || doc->kind != BERTH_YAML_MAP)
		return berth_error_set(err, EINVAL, "%s: the top level must be a mapping",
				       ctx->file);
	for (size_t i = 0; i < doc->n; i++) {
		const char *k = doc->entries[i].key;
		if (strcmp(k, "version") == 0)
			berth_compose_warn(ctx->warnings,
					   "%s:%d: the attribute 'version' is obsolete, ignored",
					   berth_compose_file_of(doc), doc->entries[i].line);
		else if (strcmp(k, "configs") == 0 || strcmp(k, "secrets") == 0 ||
			 strcmp(k, "include") == 0 || strcmp(k, "models") == 0)
			return berth_compose_fail(doc, doc->entries[i].line, k, err,
						  "not supported by berth (refused)");
		else if (strcmp(k, "services") != 0 && strcmp(k, "networks") != 0 &&
			 strcmp(k, "volumes") != 0 && strcmp(k, "name") != 0 &&
			 strncmp(k, "x-", 2) != 0)
			berth_compose_warn(ctx->warnings, "%s:%d: unknown key %s, ignored",
					   berth_compose_file_of(doc), doc->entries[i].line, k);
	}
	int r = parse_services(ctx, doc, p, err);
	if (r < 0)
		return r;
	r = berth_compose_parse_top_level(ctx, doc, p, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}
