/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A project's containers, found as docker compose v2 finds them: by the
 * com.docker.compose.* labels of the container records (nothing else
 * records what belongs to a project).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compose/compose.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/sort.h"

void berth_compose_containers_free(struct berth_compose_container *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].id);
		free(c[i].name);
		free(c[i].service);
		free(c[i].config_hash);
		free(c[i].state);
		free(c[i].health);
		free(c[i].image);
		free(c[i].image_id);
	}
	free(c);
}

static const char *label(const json_t *st, const char *key)
{
	json_t *labels = json_object_get(json_object_get(st, "Config"), "Labels");
	return json_string_value(json_object_get(labels, key));
}

static char *xstrdup_or(const char *s, const char *fallback)
{
	return berth_xstrdup(s ? s : fallback);
}

/* An unsigned decimal label ("1"); 0 when missing or malformed. */
static unsigned label_number(const char *v)
{
	if (!v || !*v)
		return 0;
	char *end = NULL;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || n > 1000000 || *v == '-')
		return 0;
	return (unsigned)n;
}

static void container_from_record(const json_t *st, struct berth_compose_container *c)
{
	const json_t *state = json_object_get(st, "State");
	const char *health =
		json_string_value(json_object_get(json_object_get(state, "Health"), "Status"));
	const char *oneoff = label(st, BERTH_COMPOSE_LABEL_ONEOFF);
	c->id = xstrdup_or(json_string_value(json_object_get(st, "Id")), "");
	c->name = xstrdup_or(json_string_value(json_object_get(st, "Name")), "");
	c->service = xstrdup_or(label(st, BERTH_COMPOSE_LABEL_SERVICE), "");
	c->number = label_number(label(st, BERTH_COMPOSE_LABEL_NUMBER));
	c->config_hash = xstrdup_or(label(st, BERTH_COMPOSE_LABEL_CONFIG_HASH), "");
	c->state = xstrdup_or(json_string_value(json_object_get(state, "Status")), "");
	c->health = health && *health ? berth_xstrdup(health) : NULL;
	c->exit_code = (int)json_integer_value(json_object_get(state, "ExitCode"));
	c->oneoff = oneoff && strcasecmp(oneoff, "true") == 0;
	c->image = xstrdup_or(json_string_value(json_object_get(st, "ImageRef")), "");
	c->image_id = xstrdup_or(json_string_value(json_object_get(st, "Image")), "");
}

static int container_cmp(const void *a, const void *b)
{
	const struct berth_compose_container *x = a, *y = b;
	int r = strcmp(x->service, y->service);
	if (r)
		return r;
	if (x->oneoff != y->oneoff)
		return x->oneoff ? 1 : -1;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return strcmp(x->name, y->name);
}

int berth_compose_project_containers(struct berth_store *store, const char *project,
				     const char *service, struct berth_compose_container **ret,
				     size_t *ret_n, struct berth_error **err)
{
	_cleanup_json_ json_t *all = NULL;
	int r = berth_container_list(store, &all, err);
	if (r < 0)
		return r;
	struct berth_compose_container *out = NULL;
	size_t n = 0;
	size_t i;
	json_t *st;
	json_array_foreach (all, i, st) {
		const char *p = label(st, BERTH_COMPOSE_LABEL_PROJECT);
		const char *s = label(st, BERTH_COMPOSE_LABEL_SERVICE);
		if (!p || strcmp(p, project) != 0 || (service && (!s || strcmp(s, service) != 0)))
			continue;
		out = berth_xreallocarray(out, n + 1, sizeof(*out));
		container_from_record(st, &out[n++]);
	}
	berth_qsort(out, n, sizeof(*out), container_cmp);
	*ret = out;
	*ret_n = n;
	return 0;
}
