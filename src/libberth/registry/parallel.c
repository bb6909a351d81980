/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "registry/internal.h"

/*
 * Runs fn(ctx, i) for i in [0, n) on up to `parallel` threads. After the
 * first failure no new job starts; the first error is returned and the
 * others dropped.
 */

struct pool {
	pthread_mutex_t lock;
	size_t next, n;
	bool failed;
	int res;
	struct berth_error *err;
	int (*fn)(void *ctx, size_t i, struct berth_error **err);
	void *ctx;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (p->failed || p->next >= p->n) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		struct berth_error *e = NULL;
		int r = p->fn(p->ctx, i, &e);
		if (r < 0) {
			pthread_mutex_lock(&p->lock);
			if (!p->failed) {
				p->failed = true;
				p->res = r;
				p->err = e;
				e = NULL;
			}
			pthread_mutex_unlock(&p->lock);
			berth_error_free(&e);
		}
	}
}

int registry_run_parallel(size_t n, int (*fn)(void *ctx, size_t i, struct berth_error **err),
			  void *ctx, struct berth_error **err)
{
	unsigned parallel = registry_settings()->parallel;
	if (parallel == 0)
		parallel = 4;
	if (parallel > n)
		parallel = (unsigned)n;
	struct pool p = {.n = n, .fn = fn, .ctx = ctx};
	pthread_mutex_init(&p.lock, NULL);
	pthread_t *threads = berth_xcalloc(parallel ? parallel : 1, sizeof(*threads));
	unsigned started = 0;
	for (unsigned t = 1; t < parallel; t++) {
		if (pthread_create(&threads[t], NULL, worker, &p) != 0)
			break;
		started = t;
	}
	worker(&p); /* this thread works too */
	for (unsigned t = 1; t <= started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	pthread_mutex_destroy(&p.lock);
	if (p.failed) {
		if (err) {
			berth_error_free(err);
			*err = p.err;
		} else {
			berth_error_free(&p.err);
		}
		return p.res;
	}
	return 0;
}
