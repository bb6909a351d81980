/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The depends_on graph: every dependency names a service of the project,
 * there is no cycle, and the start order puts every service after the
 * services it depends on (ties by name, so the order is stable).
 */
#include <errno.h>
#include <string.h>

#include "compose/compose.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"

enum mark {
	UNSEEN,
	ACTIVE,
	DONE
};

struct walk {
	const struct berth_compose_project *p;
	enum mark *marks;
	size_t *stack; /* the services being visited, for naming a cycle */
	size_t depth;
	struct berth_compose_service **order;
	size_t n;
};

static long index_of(const struct berth_compose_project *p, const char *name)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i].name, name) == 0)
			return (long)i;
	return -1;
}

struct berth_compose_service *berth_compose_find_service(const struct berth_compose_project *p,
							 const char *name)
{
	long i = index_of(p, name);
	return i < 0 ? NULL : &p->services[i];
}

static int cycle_error(struct walk *w, size_t again, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	size_t from = 0;
	while (w->stack[from] != again)
		from++;
	for (size_t i = from; i < w->depth; i++)
		berth_buf_addf(&b, "%s -> ", w->p->services[w->stack[i]].name);
	berth_buf_addstr(&b, w->p->services[again].name);
	return berth_error_set(err, EINVAL, "dependency cycle between services: %s", b.buf);
}

static int visit(struct walk *w, size_t i, struct berth_error **err)
{
	if (w->marks[i] == DONE)
		return 0;
	if (w->marks[i] == ACTIVE)
		return cycle_error(w, i, err);
	w->marks[i] = ACTIVE;
	w->stack[w->depth++] = i;
	const struct berth_compose_service *s = &w->p->services[i];
	/* dependencies in name order, for a stable order */
	_cleanup_strv_free_ char **deps = NULL;
	for (size_t d = 0; d < s->n_depends_on; d++)
		berth_strv_push(&deps, s->depends_on[d].service);
	if (deps)
		berth_strv_sort(deps);
	BERTH_STRV_FOREACH (d, deps) {
		long j = index_of(w->p, *d);
		if (j < 0 && berth_strv_contains(w->p->disabled_profiles_services, *d))
			return berth_error_set(err, EINVAL,
					       "service '%s' depends on service '%s', which no "
					       "active profile enables (use --profile)",
					       s->name, *d);
		if (j < 0)
			return berth_error_set(err, EINVAL,
					       "service '%s' depends on undefined service '%s'",
					       s->name, *d);
		int r = visit(w, (size_t)j, err);
		if (r < 0)
			return r;
	}
	w->depth--;
	w->marks[i] = DONE;
	w->order[w->n++] = &w->p->services[i];
	return 0;
}

int berth_compose_start_order(const struct berth_compose_project *p,
			      struct berth_compose_service ***ret, struct berth_error **err)
{
	size_t n = p->n_services ? p->n_services : 1;
	_cleanup_free_ enum mark *marks = berth_xcalloc(n, sizeof(*marks));
	_cleanup_free_ size_t *stack = berth_xcalloc(n, sizeof(*stack));
	_cleanup_free_ struct berth_compose_service **order = berth_xcalloc(n, sizeof(*order));
	struct walk w = {.p = p, .marks = marks, .stack = stack, .order = order};
	for (size_t i = 0; i < p->n_services; i++) {
		int r = visit(&w, i, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(order);
	return 0;
}

/* The service's place in start order; orphans (no longer in p) after every service. */
static size_t start_rank(const struct berth_compose_project *p,
			 struct berth_compose_service *const *order, const char *service)
{
	for (size_t i = 0; i < p->n_services; i++)
		if (strcmp(order[i]->name, service) == 0)
			return i;
	return p->n_services;
}

int berth_compose_order_containers(const struct berth_compose_project *p,
				   struct berth_compose_container *cs, size_t n, bool reverse,
				   struct berth_error **err)
{
	_cleanup_free_ struct berth_compose_service **order = NULL;
	int r = berth_compose_start_order(p, &order, err);
	if (r < 0)
		return r;
	_cleanup_free_ size_t *rank = berth_xcalloc(n ? n : 1, sizeof(*rank));
	for (size_t i = 0; i < n; i++) {
		size_t k = start_rank(p, order, cs[i].service);
		rank[i] = reverse ? p->n_services - k : k;
	}
	/* insertion sort: stable, so a service's containers keep their order */
	for (size_t i = 1; i < n; i++) {
		struct berth_compose_container c = cs[i];
		size_t k = rank[i], j = i;
		for (; j > 0 && rank[j - 1] > k; j--) {
			cs[j] = cs[j - 1];
			rank[j] = rank[j - 1];
		}
		cs[j] = c;
		rank[j] = k;
	}
	return 0;
}
