/* SPDX-License-Identifier: Apache-2.0 */
#include "core/progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/cleanup.h"

struct berth_progress {
	const struct berth_progress_ops *ops;
	void *data;
	/* one report at a time: the receiver keeps no lock of its own */
	pthread_mutex_t lock;
	int n; /* items started */
};

struct berth_progress *berth_progress_new(const struct berth_progress_ops *ops, void *data)
{
	struct berth_progress *p = berth_xcalloc(1, sizeof(*p));
	p->ops = ops;
	p->data = data;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void berth_progress_free(struct berth_progress *p)
{
	if (!p)
		return;
	if (p->ops->free)
		p->ops->free(p->data);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

char *berth_format_size_prec(uint64_t bytes, int prec, char *out)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	snprintf(out, 16, "%.*g%s", prec, v, units[u]);
	return out;
}

char *berth_format_size_binary(uint64_t bytes, char *out)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	snprintf(out, 16, "%.4g%s", v, units[u]);
	return out;
}

char *berth_format_size(uint64_t bytes, char *out)
{
	return berth_format_size_prec(bytes, 3, out);
}

int berth_progress_start(struct berth_progress *p, const char *label, uint64_t total)
{
	if (!p)
		return -1;
	pthread_mutex_lock(&p->lock);
	int item = p->n++;
	if (p->ops->start)
		p->ops->start(p->data, item, label, total);
	pthread_mutex_unlock(&p->lock);
	return item;
}

void berth_progress_set_total(struct berth_progress *p, int item, uint64_t total)
{
	if (!p || item < 0 || !p->ops->set_total)
		return;
	pthread_mutex_lock(&p->lock);
	p->ops->set_total(p->data, item, total);
	pthread_mutex_unlock(&p->lock);
}

void berth_progress_update(struct berth_progress *p, int item, uint64_t current)
{
	if (!p || item < 0 || !p->ops->update)
		return;
	pthread_mutex_lock(&p->lock);
	p->ops->update(p->data, item, current);
	pthread_mutex_unlock(&p->lock);
}

void berth_progress_done(struct berth_progress *p, int item, const char *status)
{
	if (!p || item < 0 || !p->ops->done)
		return;
	pthread_mutex_lock(&p->lock);
	p->ops->done(p->data, item, status ? status : "done");
	pthread_mutex_unlock(&p->lock);
}

void berth_progress_line(struct berth_progress *p, const char *fmt, ...)
{
	if (!p || !p->ops->line)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *text = NULL;
	int r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0)
		berth_oom();
	pthread_mutex_lock(&p->lock);
	p->ops->line(p->data, text);
	pthread_mutex_unlock(&p->lock);
}
