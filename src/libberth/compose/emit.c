/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The normalised model as `docker compose config` prints it: one JSON
 * document built in compose-go's field order (maps sorted by key, as Go's
 * YAML and JSON encoders sort them), printed as YAML with libyaml's
 * emitter or as JSON. hash.c derives the config hash from the same document.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "compose/model.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json.h"
#include "core/lazylib.h"
#include "core/strv.h"

/* "KEY=VALUE" (or bare "KEY": null) strings -> an object sorted by key. */
static json_t *kv_json(char *const *v)
{
	_cleanup_strv_free_ char **sorted = berth_strv_copy(v);
	json_t *o = json_object();
	if (sorted)
		berth_compose_sort_kv(sorted);
	BERTH_STRV_FOREACH (s, sorted) {
		char *eq = strchr(*s, '=');
		_cleanup_free_ char *k =
			eq ? berth_xstrndup(*s, (size_t)(eq - *s)) : berth_xstrdup(*s);
		json_object_set_new(o, k, eq ? json_string(eq + 1) : json_null());
	}
	return o;
}

static json_t *duration_json(int64_t ns)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	berth_compose_format_duration(ns, &b);
	return json_string(b.buf);
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static void set_strv(json_t *o, const char *k, char *const *v)
{
	if (v && *v)
		json_object_set_new(o, k, berth_json_strv(v));
}

static void set_kv(json_t *o, const char *k, char *const *v)
{
	if (v && *v)
		json_object_set_new(o, k, kv_json(v));
}

static json_t *build_json(const struct berth_compose_build *b)
{
	json_t *o = json_object();
	set_str(o, "context", b->context);
	set_str(o, "dockerfile", b->dockerfile);
	set_kv(o, "args", b->args);
	set_kv(o, "labels", b->labels);
	set_strv(o, "cache_from", b->cache_from);
	set_str(o, "target", b->target);
	return o;
}

static json_t *depends_json(const struct berth_compose_service *s)
{
	json_t *o = json_object();
	for (size_t i = 0; i < s->n_depends_on; i++) {
		const struct berth_compose_dependency *d = &s->depends_on[i];
		json_t *x =
			json_pack("{s:s}", "condition", berth_compose_condition_name(d->condition));
		if (d->restart)
			json_object_set_new(x, "restart", json_true());
		json_object_set_new(x, "required", json_boolean(d->required));
		json_object_set_new(o, d->service, x);
	}
	/* Go's encoders print maps sorted by key */
	json_t *sorted = json_object();
	_cleanup_strv_free_ char **keys = NULL;
	const char *k;
	json_t *v;
	json_object_foreach (o, k, v)
		berth_strv_push(&keys, k);
	if (keys)
		berth_strv_sort(keys);
	BERTH_STRV_FOREACH (key, keys)
		json_object_set(sorted, *key, json_object_get(o, *key));
	json_decref(o);
	return sorted;
}

static json_t *deploy_json(const struct berth_compose_service *s)
{
	json_t *limits = json_object();
	if (s->cpus)
		json_object_set_new(limits, "cpus", json_real(strtod(s->cpus, NULL)));
	if (s->memory_limit)
		json_object_set_new(limits, "memory",
				    json_sprintf("%lld", (long long)s->memory_limit));
	if (s->pids_limit)
		json_object_set_new(limits, "pids", json_integer(s->pids_limit));
	return json_pack("{s:{s:o}}", "resources", "limits", limits);
}

static json_t *healthcheck_json(const struct berth_compose_healthcheck *h)
{
	json_t *o = json_object();
	set_strv(o, "test", h->test);
	if (h->timeout >= 0)
		json_object_set_new(o, "timeout", duration_json(h->timeout));
	if (h->interval >= 0)
		json_object_set_new(o, "interval", duration_json(h->interval));
	if (h->retries >= 0)
		json_object_set_new(o, "retries", json_integer(h->retries));
	if (h->start_period >= 0)
		json_object_set_new(o, "start_period", duration_json(h->start_period));
	if (h->start_interval >= 0)
		json_object_set_new(o, "start_interval", duration_json(h->start_interval));
	if (h->disable)
		json_object_set_new(o, "disable", json_true());
	return o;
}

static json_t *networks_json(const struct berth_compose_service *s)
{
	json_t *o = json_object();
	_cleanup_strv_free_ char **keys = NULL;
	for (size_t i = 0; i < s->n_networks; i++)
		berth_strv_push(&keys, s->networks[i].name);
	if (!keys)
		berth_strv_push(&keys, "default");
	berth_strv_sort(keys);
	BERTH_STRV_FOREACH (k, keys) {
		const struct berth_compose_service_network *n = NULL;
		for (size_t i = 0; i < s->n_networks; i++)
			if (strcmp(s->networks[i].name, *k) == 0)
				n = &s->networks[i];
		if (!n || (!n->aliases && !n->ipv4_address && !n->ipv6_address)) {
			json_object_set_new(o, *k, json_null());
			continue;
		}
		json_t *x = json_object();
		set_strv(x, "aliases", n->aliases);
		set_str(x, "ipv4_address", n->ipv4_address);
		set_str(x, "ipv6_address", n->ipv6_address);
		json_object_set_new(o, *k, x);
	}
	return o;
}

static json_t *port_json(const struct berth_compose_port *p)
{
	json_t *o = json_object();
	set_str(o, "name", p->name);
	set_str(o, "mode", p->mode);
	set_str(o, "host_ip", p->host_ip);
	json_object_set_new(o, "target", json_integer(p->container_port));
	set_str(o, "published", p->host_port);
	set_str(o, "protocol", p->proto);
	set_str(o, "app_protocol", p->app_protocol);
	return o;
}

static const char *const mount_types[] = {"bind", "volume", "tmpfs"};

static json_t *mount_json(const struct berth_compose_mount *m)
{
	json_t *o = json_pack("{s:s}", "type", mount_types[m->type]);
	set_str(o, "source", m->source);
	set_str(o, "target", m->target);
	if (m->read_only)
		json_object_set_new(o, "read_only", json_true());
	json_t *sub = json_object();
	if (m->type == BERTH_COMPOSE_MOUNT_BIND) {
		set_str(sub, "selinux", m->selinux);
		set_str(sub, "propagation", m->propagation);
		if (m->create_host_path)
			json_object_set_new(sub, "create_host_path", json_true());
		json_object_set_new(o, "bind", sub);
	} else if (m->type == BERTH_COMPOSE_MOUNT_VOLUME) {
		if (m->nocopy)
			json_object_set_new(sub, "nocopy", json_true());
		json_object_set_new(o, "volume", sub);
	} else {
		if (m->tmpfs_size)
			json_object_set_new(sub, "size", json_integer(m->tmpfs_size));
		if (m->tmpfs_mode)
			json_object_set_new(sub, "mode", json_integer(m->tmpfs_mode));
		json_object_set_new(o, "tmpfs", sub);
	}
	return o;
}

static json_t *ulimits_json(const struct berth_compose_service *s)
{
	json_t *o = json_object();
	_cleanup_strv_free_ char **keys = NULL;
	for (size_t i = 0; i < s->n_ulimits; i++)
		berth_strv_push(&keys, s->ulimits[i].name);
	berth_strv_sort(keys);
	BERTH_STRV_FOREACH (k, keys)
		for (size_t i = 0; i < s->n_ulimits; i++) {
			const struct berth_compose_ulimit *u = &s->ulimits[i];
			if (strcmp(u->name, *k) != 0)
				continue;
			json_object_set_new(o, u->name,
					    u->single ? json_integer(u->soft)
						      : json_pack("{s:I, s:I}", "soft",
								  (json_int_t)u->soft, "hard",
								  (json_int_t)u->hard));
		}
	return o;
}

/* The service in compose-go's ServiceConfig field order; with_build false for the hash. */
json_t *berth_compose_service_json(const struct berth_compose_service *s, bool with_build)
{
	json_t *o = json_object();
	set_strv(o, "profiles", s->profiles);
	if (s->build && with_build)
		json_object_set_new(o, "build", build_json(s->build));
	set_strv(o, "cap_add", s->cap_add);
	set_strv(o, "cap_drop", s->cap_drop);
	if (s->command)
		json_object_set_new(o, "command", berth_json_strv(s->command));
	set_str(o, "container_name", s->container_name);
	if (s->n_depends_on)
		json_object_set_new(o, "depends_on", depends_json(s));
	if (s->cpus || s->memory_limit || s->pids_limit)
		json_object_set_new(o, "deploy", deploy_json(s));
	if (s->entrypoint)
		json_object_set_new(o, "entrypoint", berth_json_strv(s->entrypoint));
	set_kv(o, "environment", s->environment);
	set_strv(o, "expose", s->expose);
	set_str(o, "hostname", s->hostname);
	if (s->healthcheck)
		json_object_set_new(o, "healthcheck", healthcheck_json(s->healthcheck));
	set_str(o, "image", s->image);
	if (s->init >= 0)
		json_object_set_new(o, "init", json_boolean(s->init));
	set_kv(o, "labels", s->labels);
	json_object_set_new(o, "networks", networks_json(s));
	if (s->n_ports) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->n_ports; i++)
			json_array_append_new(a, port_json(&s->ports[i]));
		json_object_set_new(o, "ports", a);
	}
	if (s->read_only)
		json_object_set_new(o, "read_only", json_true());
	set_str(o, "restart", s->restart);
	if (s->stop_grace_period >= 0)
		json_object_set_new(o, "stop_grace_period", duration_json(s->stop_grace_period));
	set_str(o, "stop_signal", s->stop_signal);
	if (s->n_ulimits)
		json_object_set_new(o, "ulimits", ulimits_json(s));
	set_str(o, "user", s->user);
	if (s->n_volumes) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->n_volumes; i++)
			json_array_append_new(a, mount_json(&s->volumes[i]));
		json_object_set_new(o, "volumes", a);
	}
	set_str(o, "working_dir", s->working_dir);
	return o;
}

static json_t *object_json(const char *name, const char *driver, bool external, bool internal,
			   char *const *labels)
{
	json_t *o = json_pack("{s:s}", "name", name);
	set_str(o, "driver", driver);
	if (external)
		json_object_set_new(o, "external", json_true());
	if (internal)
		json_object_set_new(o, "internal", json_true());
	set_kv(o, "labels", labels);
	return o;
}

static json_t *project_json(const struct berth_compose_project *p)
{
	json_t *services = json_object();
	for (size_t i = 0; i < p->n_services; i++)
		json_object_set_new(services, p->services[i].name,
				    berth_compose_service_json(&p->services[i], true));
	json_t *o = json_pack("{s:s, s:o}", "name", p->name, "services", services);
	if (p->n_networks) {
		json_t *n = json_object();
		for (size_t i = 0; i < p->n_networks; i++) {
			const struct berth_compose_network *x = &p->networks[i];
			json_object_set_new(n, x->key,
					    object_json(x->name, x->driver, x->external,
							x->internal, x->labels));
		}
		json_object_set_new(o, "networks", n);
	}
	if (p->n_volumes) {
		json_t *v = json_object();
		for (size_t i = 0; i < p->n_volumes; i++) {
			const struct berth_compose_volume *x = &p->volumes[i];
			json_object_set_new(
				v, x->key,
				object_json(x->name, x->driver, x->external, false, x->labels));
		}
		json_object_set_new(o, "volumes", v);
	}
	return o;
}

/* A string that a YAML reader would take for a number, a boolean or null is quoted. */
static bool needs_quotes(const char *s)
{
	static const char *const words[] = {"true", "false", "yes",   "no",   "on",
					    "off",  "y",     "n",     "null", "~",
					    ".inf", "-.inf", "+.inf", ".nan", NULL};
	if (!*s)
		return true;
	for (const char *const *w = words; *w; w++)
		if (strcasecmp(s, *w) == 0)
			return true;
	/* a whole number or float (strtod also reads 0x1F, inf, nan) */
	char *end = NULL;
	(void)strtod(s, &end);
	return end && !*end;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : -EIO;
}

/* A line break of YAML (\n, \r, NEL, LS, PS): such strings are double-quoted, on one line. */
static bool has_line_break(const char *s)
{
	return strpbrk(s, "\n\r") || strstr(s, "\xc2\x85") || strstr(s, "\xe2\x80\xa8") ||
	       strstr(s, "\xe2\x80\xa9");
}

static int emit_scalar(yaml_emitter_t *e, const char *s, bool quote)
{
	quote = quote || has_line_break(s);
	yaml_event_t ev;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), !quote, 1,
				     quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
					   : YAML_ANY_SCALAR_STYLE);
	return emit(e, &ev);
}

static int emit_json(yaml_emitter_t *e, json_t *j)
{
	yaml_event_t ev;
	int r = 0;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						    json_object_size(j) ? YAML_BLOCK_MAPPING_STYLE
									: YAML_FLOW_MAPPING_STYLE);
		r = emit(e, &ev);
		json_object_foreach (j, k, v) {
			if (r >= 0)
				r = emit_scalar(e, k, needs_quotes(k));
			if (r >= 0)
				r = emit_json(e, v);
		}
		yaml_mapping_end_event_initialize(&ev);
		return r < 0 ? r : emit(e, &ev);
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     json_array_size(j) ? YAML_BLOCK_SEQUENCE_STYLE
									: YAML_FLOW_SEQUENCE_STYLE);
		r = emit(e, &ev);
		json_array_foreach (j, i, v)
			if (r >= 0)
				r = emit_json(e, v);
		yaml_sequence_end_event_initialize(&ev);
		return r < 0 ? r : emit(e, &ev);
	}
	case JSON_STRING:
		return emit_scalar(e, json_string_value(j), needs_quotes(json_string_value(j)));
	case JSON_NULL:
		return emit_scalar(e, "null", false);
	default: {
		_cleanup_free_ char *text = json_dumps(j, JSON_ENCODE_ANY);
		return emit_scalar(e, text, false);
	}
	}
}

/* The column of a line's first key: after its indentation and any "- " of sequence items. */
static size_t key_column(const char *line, size_t indent)
{
	size_t col = indent;
	while (line[col] == '-' && line[col + 1] == ' ')
		col += 2;
	return col;
}

/*
 * libyaml writes a block sequence under a mapping key at the key's own
 * indentation ("ports:\n- a"); Go's yaml (docker compose) indents it by two
 * more ("ports:\n  - a"), and everything inside it with it. Each line is
 * one node (strings with line breaks are double-quoted), so a sequence
 * started right after a "key:" line at the key's column is shifted, until a
 * line less indented, or as indented but not an item, ends it.
 */
static char *indent_sequences(const char *text)
{
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	size_t open[64], depth = 0; /* the original indentation of each shifted sequence */
	size_t prev_key_col = SIZE_MAX;
	bool prev_is_key = false;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t indent = strspn(line, " ");
		bool item = line[indent] == '-' && (line[indent + 1] == ' ' || indent + 1 == len);
		while (depth && (open[depth - 1] > indent || (open[depth - 1] == indent && !item)))
			depth--;
		if (item && prev_is_key && prev_key_col == indent && depth < 64)
			open[depth++] = indent;
		for (size_t i = 0; i < 2 * depth; i++)
			berth_buf_addch(&out, ' ');
		berth_buf_add(&out, line, len);
		berth_buf_addch(&out, '\n');
		prev_is_key = len && line[len - 1] == ':';
		prev_key_col = key_column(line, indent);
		line += nl ? len + 1 : len;
	}
	return berth_buf_detach(&out, NULL);
}

static int write_buf(void *data, unsigned char *buffer, size_t size)
{
	berth_buf_add(data, buffer, size);
	return 1;
}

int berth_compose_yaml_from_json(json_t *doc, char **ret, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	yaml_emitter_t e;
	yaml_event_t ev;
	int r = berth_lib_load(BERTH_LIB_YAML, err);
	if (r < 0)
		return r;
	if (!yaml_emitter_initialize(&e))
		return berth_error_set(err, ENOMEM, "yaml: cannot initialise the emitter");
	yaml_emitter_set_output(&e, write_buf, &out);
	yaml_emitter_set_indent(&e, 2);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_unicode(&e, 1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	r = emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (r >= 0)
		r = emit(&e, &ev);
	if (r >= 0)
		r = emit_json(&e, doc);
	yaml_document_end_event_initialize(&ev, 1);
	if (r >= 0)
		r = emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	if (r >= 0)
		r = emit(&e, &ev);
	if (r < 0) {
		r = berth_error_set(err, EIO, "yaml: %s", e.problem ? e.problem : "emitter failed");
		yaml_emitter_delete(&e);
		return r;
	}
	yaml_emitter_delete(&e);
	*ret = indent_sequences(out.buf);
	return 0;
}

int berth_compose_emit(const struct berth_compose_project *p, enum berth_compose_format format,
		       char **ret, struct berth_error **err)
{
	_cleanup_json_ json_t *doc = project_json(p);
	if (format == BERTH_COMPOSE_FORMAT_JSON) {
		_cleanup_free_ char *text = berth_json_dump_pretty(doc);
		*ret = berth_xasprintf("%s\n", text);
		return 0;
	}
	return berth_compose_yaml_from_json(doc, ret, err);
}
