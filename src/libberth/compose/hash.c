/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config hash as docker compose v2 computes it (pkg/compose/hash.go,
 * ServiceHash): the sha256 of Go's encoding/json Marshal of compose-go's
 * ServiceConfig, with build, pull_policy, scale, deploy.replicas,
 * depends_on and profiles cleared. Marshal writes struct fields in their
 * declaration order and skips "omitempty" zero values, except command and
 * entrypoint (no omitempty: null when unset); maps sorted by key; strings
 * with <, >, & and U+2028/U+2029 escaped; float32 in its shortest form.
 *
 * The document starts from the one `config` prints (emit.c, same field
 * order) and differs where compose-go's JSON does: no profiles and
 * depends_on, null command/entrypoint, deploy.placement always present
 * (a struct, never omitted), bind.create_host_path (an OptOut: omitted when
 * true, written when false) and tmpfs.size as a string (UnitBytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose-internal.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json.h"

/* The ServiceConfig fields berth models, in compose-go's declaration order (types/types.go). */
static const char *const go_service_fields[] = {
	"cap_add",     "cap_drop", "command",  "container_name", "deploy",	"entrypoint",
	"environment", "expose",   "hostname", "healthcheck",	 "image",	"init",
	"labels",      "networks", "ports",    "read_only",	 "restart",	"stop_grace_period",
	"stop_signal", "ulimits",  "user",     "volumes",	 "working_dir", NULL,
};

static void hash_deploy(json_t *deploy)
{
	/* Placement is a struct field: encoding/json never omits it */
	json_object_set_new(deploy, "placement", json_object());
}

static void hash_mount(json_t *m)
{
	json_t *bind = json_object_get(m, "bind");
	if (bind) {
		if (json_object_get(bind, "create_host_path"))
			json_object_del(bind, "create_host_path"); /* OptOut true: omitted */
		else
			json_object_set_new(bind, "create_host_path", json_false());
	}
	json_t *tmpfs = json_object_get(m, "tmpfs");
	json_t *size = tmpfs ? json_object_get(tmpfs, "size") : NULL;
	if (size) {
		json_t *mode = json_incref(json_object_get(tmpfs, "mode"));
		json_object_set_new(tmpfs, "size",
				    json_sprintf("%lld", (long long)json_integer_value(size)));
		if (mode) { /* keep size before mode */
			json_object_del(tmpfs, "mode");
			json_object_set_new(tmpfs, "mode", mode);
		}
	}
}

/* The JSON compose-go would marshal for s, fields in Go's order. */
static json_t *hash_document(const struct berth_compose_service *s)
{
	_cleanup_json_ json_t *src = berth_compose_service_json(s, false);
	json_t *o = json_object();
	for (const char *const *f = go_service_fields; *f; f++) {
		json_t *v = json_object_get(src, *f);
		if (!v && (strcmp(*f, "command") == 0 || strcmp(*f, "entrypoint") == 0))
			json_object_set_new(o, *f, json_null());
		else if (v)
			json_object_set(o, *f, v);
	}
	json_t *deploy = json_object_get(o, "deploy");
	if (deploy)
		hash_deploy(deploy);
	size_t i;
	json_t *m;
	json_array_foreach (json_object_get(o, "volumes"), i, m)
		hash_mount(m);
	return o;
}

/* The letter of Go's two-character escapes (\n, \r, \t, \b, \f). */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	case '\b':
		return 'b';
	default:
		return 'f';
	}
}

/* A string as encoding/json writes it (HTML-safe escaping, the default of json.Marshal). */
static void go_string(struct berth_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	berth_buf_addch(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			berth_buf_addch(b, '\\');
			berth_buf_addch(b, (char)c);
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
			berth_buf_addch(b, '\\');
			berth_buf_addch(b, short_escape(c));
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			berth_buf_addf(b, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		} else if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			berth_buf_addstr(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
			p += 2;
		} else {
			berth_buf_addch(b, (char)c);
		}
	}
	berth_buf_addch(b, '"');
}

/* A float32 as strconv.AppendFloat(f, 'f', -1, 32): the fewest decimals that read back. */
static void go_float32(struct berth_buf *b, double v)
{
	float f = (float)v;
	char text[64];
	for (int d = 0; d < 46; d++) {
		snprintf(text, sizeof(text), "%.*f", d, (double)f);
		if ((float)strtod(text, NULL) == f)
			break;
	}
	berth_buf_addstr(b, text);
}

static void go_json(struct berth_buf *b, json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	bool first = true;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		berth_buf_addch(b, '{');
		json_object_foreach (j, k, v) {
			if (!first)
				berth_buf_addch(b, ',');
			first = false;
			go_string(b, k);
			berth_buf_addch(b, ':');
			go_json(b, v);
		}
		berth_buf_addch(b, '}');
		return;
	case JSON_ARRAY:
		berth_buf_addch(b, '[');
		json_array_foreach (j, i, v) {
			if (i)
				berth_buf_addch(b, ',');
			go_json(b, v);
		}
		berth_buf_addch(b, ']');
		return;
	case JSON_STRING:
		go_string(b, json_string_value(j));
		return;
	case JSON_INTEGER:
		berth_buf_addf(b, "%lld", (long long)json_integer_value(j));
		return;
	case JSON_REAL: /* only deploy.resources.limits.cpus, a float32 (NanoCPUs) */
		go_float32(b, json_real_value(j));
		return;
	case JSON_TRUE:
		berth_buf_addstr(b, "true");
		return;
	case JSON_FALSE:
		berth_buf_addstr(b, "false");
		return;
	case JSON_NULL:
		berth_buf_addstr(b, "null");
		return;
	}
}

char *berth_compose_service_hash_input(const struct berth_compose_service *s)
{
	_cleanup_json_ json_t *doc = hash_document(s);
	struct berth_buf b = BERTH_BUF_INIT;
	go_json(&b, doc);
	return berth_buf_detach(&b, NULL);
}

void berth_compose_service_hash(const struct berth_compose_service *s, char ret[65])
{
	_cleanup_free_ char *text = berth_compose_service_hash_input(s);
	struct berth_digest d;
	berth_digest_of(text, strlen(text), &d);
	berth_digest_hex(&d, ret);
}
