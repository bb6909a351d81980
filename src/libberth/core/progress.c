/* SPDX-License-Identifier: Apache-2.0 */
#include "core/progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"

struct item {
	char *label;
	uint64_t total, current;
	bool done;
	char status[32];
	struct timespec started;
};

struct berth_progress {
	FILE *out;
	enum berth_progress_mode mode;
	pthread_mutex_t lock;
	struct item *items;
	size_t n, alloc;
	size_t drawn; /* lines drawn at the bottom of the terminal */
	struct timespec last_draw;
};

struct berth_progress *berth_progress_new(FILE *out, enum berth_progress_mode mode)
{
	struct berth_progress *p = berth_xcalloc(1, sizeof(*p));
	p->out = out;
	if (mode == BERTH_PROGRESS_AUTO)
		mode = isatty(fileno(out)) ? BERTH_PROGRESS_TTY : BERTH_PROGRESS_PLAIN;
	p->mode = mode;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void berth_progress_free(struct berth_progress *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i].label);
	free(p->items);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int berth_progress_mode_parse(const char *s, enum berth_progress_mode *ret)
{
	static const char *const names[] = {"auto", "tty", "plain", "quiet"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum berth_progress_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool berth_progress_is_tty(const struct berth_progress *p)
{
	return p && p->mode == BERTH_PROGRESS_TTY;
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

static double elapsed(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void draw_item(struct berth_progress *p, const struct item *it)
{
	char cur[16], tot[16];
	berth_format_size(it->current, cur);
	if (it->done) {
		fprintf(p->out, "%-40.40s %s\033[K\n", it->label, it->status);
		return;
	}
	if (it->total) {
		int width = 30;
		int fill = (int)((double)it->current / (double)it->total * width);
		if (fill > width)
			fill = width;
		fprintf(p->out, "%-40.40s [%.*s>%*s] %s/%s\033[K\n", it->label, fill,
			"==============================", width - fill, "", cur,
			berth_format_size(it->total, tot));
	} else {
		fprintf(p->out, "%-40.40s %s\033[K\n", it->label, cur);
	}
}

/* Redraws the active items below the lines already printed. Lock held. */
static void redraw(struct berth_progress *p)
{
	if (p->drawn)
		fprintf(p->out, "\033[%zuA", p->drawn);
	size_t lines = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->items[i].done && p->items[i].status[0] == '\0')
			continue;
		draw_item(p, &p->items[i]);
		lines++;
	}
	p->drawn = lines;
	fflush(p->out);
	clock_gettime(CLOCK_MONOTONIC, &p->last_draw);
}

int berth_progress_start(struct berth_progress *p, const char *label, uint64_t total)
{
	if (!p)
		return -1;
	pthread_mutex_lock(&p->lock);
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 8;
		p->items = berth_xreallocarray(p->items, p->alloc, sizeof(*p->items));
	}
	int h = (int)p->n++;
	struct item *it = &p->items[h];
	memset(it, 0, sizeof(*it));
	it->label = berth_xstrdup(label);
	it->total = total;
	clock_gettime(CLOCK_MONOTONIC, &it->started);
	if (p->mode == BERTH_PROGRESS_TTY)
		redraw(p);
	pthread_mutex_unlock(&p->lock);
	return h;
}

void berth_progress_set_total(struct berth_progress *p, int item, uint64_t total)
{
	if (!p || item < 0)
		return;
	pthread_mutex_lock(&p->lock);
	p->items[item].total = total;
	pthread_mutex_unlock(&p->lock);
}

void berth_progress_update(struct berth_progress *p, int item, uint64_t current)
{
	if (!p || item < 0)
		return;
	pthread_mutex_lock(&p->lock);
	p->items[item].current = current;
	/* at most ten redraws a second: a terminal is slower than a layer */
	if (p->mode == BERTH_PROGRESS_TTY && elapsed(&p->last_draw) > 0.1)
		redraw(p);
	pthread_mutex_unlock(&p->lock);
}

void berth_progress_done(struct berth_progress *p, int item, const char *status)
{
	if (!p || item < 0)
		return;
	pthread_mutex_lock(&p->lock);
	struct item *it = &p->items[item];
	it->done = true;
	snprintf(it->status, sizeof(it->status), "%s", status ? status : "done");
	if (p->mode == BERTH_PROGRESS_TTY) {
		redraw(p);
	} else if (p->mode == BERTH_PROGRESS_PLAIN) {
		fprintf(p->out, "%s: %s %.1fs\n", it->label, it->status, elapsed(&it->started));
		fflush(p->out);
	}
	pthread_mutex_unlock(&p->lock);
}

void berth_progress_line(struct berth_progress *p, const char *fmt, ...)
{
	if (!p || p->mode == BERTH_PROGRESS_QUIET)
		return;
	va_list ap;
	pthread_mutex_lock(&p->lock);
	if (p->mode == BERTH_PROGRESS_TTY && p->drawn) {
		fprintf(p->out, "\033[%zuA\033[J", p->drawn);
		p->drawn = 0;
	}
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	if (p->mode == BERTH_PROGRESS_TTY)
		redraw(p);
	fflush(p->out);
	pthread_mutex_unlock(&p->lock);
}
