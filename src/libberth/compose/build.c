/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `compose build`, and the builds of `compose up --build`: a service's
 * build section (context, dockerfile, args, target, labels, cache_from)
 * handed to the builder, the image named as docker compose v2 names it.
 */
#include <errno.h>
#include <string.h>

#include "builder/builder.h"
#include "compose/compose.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"

static void emit(const struct berth_compose_build_options *o, const char *name, const char *status)
{
	if (o->on_event)
		o->on_event("Image", name, status, o->userdata);
}

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* The service's args with the command line's over them (a same key replaced). */
static char **merge_args(char *const *service, char *const *cli)
{
	char **v = NULL;
	BERTH_STRV_FOREACH (a, service) {
		bool overridden = false;
		BERTH_STRV_FOREACH (c, cli)
			overridden = overridden || (key_len(*a) == key_len(*c) &&
						    strncmp(*a, *c, key_len(*a)) == 0);
		if (!overridden)
			berth_strv_push(&v, *a);
	}
	BERTH_STRV_FOREACH (c, cli)
		berth_strv_push(&v, *c);
	return v;
}

int berth_compose_build_service(struct berth_store *store, const struct berth_compose_project *p,
				const struct berth_compose_service *s,
				const struct berth_compose_build_options *o,
				struct berth_error **err)
{
	const struct berth_compose_build *b = s->build;
	if (!b)
		return berth_error_set(err, EINVAL, "service \"%s\" has no build section", s->name);
	_cleanup_free_ char *image = berth_compose_image_name(p, s);
	char *tags[] = {image, NULL};
	/* the builder reads a relative -f from the current directory: compose's is the context's */
	_cleanup_free_ char *dockerfile =
		b->dockerfile && b->dockerfile[0] != '/'
			? berth_xasprintf("%s/%s", b->context, b->dockerfile)
			: NULL;
	_cleanup_strv_free_ char **args = merge_args(b->args, o->build_args);
	struct berth_build_options bo = {
		.context = b->context,
		.dockerfile = dockerfile ? dockerfile : b->dockerfile,
		.tags = tags,
		.target = b->target,
		.build_args = args,
		.labels = b->labels,
		.cache_from = b->cache_from,
		.no_cache = o->no_cache,
		.pull = o->pull,
		.stdin_fd = -1,
	};
	struct berth_build_result res;
	emit(o, image, "Building");
	int r = berth_build(store, &bo, &res, err);
	if (r < 0)
		return berth_error_prefix(err, "service \"%s\" failed to build", s->name);
	emit(o, image, "Built");
	return 0;
}

int berth_compose_build(struct berth_store *store, const struct berth_compose_project *p,
			const struct berth_compose_build_options *o, struct berth_error **err)
{
	_cleanup_free_ struct berth_compose_service **list = NULL;
	size_t n = 0;
	int r = berth_compose_select_services(p, o->services, &list, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!list[i]->build)
			continue; /* as docker compose: nothing to build, not an error */
		r = berth_compose_build_service(store, p, list[i], o, err);
		if (r < 0)
			return r;
	}
	return 0;
}
