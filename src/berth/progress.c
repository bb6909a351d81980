/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/progress.h"

#include <errno.h>
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

/* The library calls one callback at a time (core/progress.h): no lock here. */
struct drawing {
	FILE *out;
	enum cli_progress_mode mode;
	struct item *items;
	size_t n, alloc;
	size_t drawn; /* lines drawn at the bottom of the terminal */
	struct timespec last_draw;
};

int cli_progress_mode_parse(const char *s, enum cli_progress_mode *ret)
{
	static const char *const names[] = {"auto", "tty", "plain", "quiet"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum cli_progress_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

static double elapsed(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void draw_item(struct drawing *d, const struct item *it)
{
	char cur[16], tot[16];
	berth_format_size(it->current, cur);
	if (it->done) {
		fprintf(d->out, "%-40.40s %s\033[K\n", it->label, it->status);
		return;
	}
	if (it->total) {
		int width = 30;
		int fill = (int)((double)it->current / (double)it->total * width);
		if (fill > width)
			fill = width;
		fprintf(d->out, "%-40.40s [%.*s>%*s] %s/%s\033[K\n", it->label, fill,
			"==============================", width - fill, "", cur,
			berth_format_size(it->total, tot));
	} else {
		fprintf(d->out, "%-40.40s %s\033[K\n", it->label, cur);
	}
}

/* Redraws the active items below the lines already printed. */
static void redraw(struct drawing *d)
{
	if (d->drawn)
		fprintf(d->out, "\033[%zuA", d->drawn);
	size_t lines = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].done && d->items[i].status[0] == '\0')
			continue;
		draw_item(d, &d->items[i]);
		lines++;
	}
	d->drawn = lines;
	fflush(d->out);
	clock_gettime(CLOCK_MONOTONIC, &d->last_draw);
}

/* The item the library numbered item (they start in order), NULL if unknown. */
static struct item *item_at(struct drawing *d, int item)
{
	return item >= 0 && (size_t)item < d->n ? &d->items[item] : NULL;
}

static void on_start(void *data, int item, const char *label, uint64_t total)
{
	struct drawing *d = data;
	if ((size_t)item != d->n)
		return;
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 8;
		d->items = berth_xreallocarray(d->items, d->alloc, sizeof(*d->items));
	}
	struct item *it = &d->items[d->n++];
	memset(it, 0, sizeof(*it));
	it->label = berth_xstrdup(label);
	it->total = total;
	clock_gettime(CLOCK_MONOTONIC, &it->started);
	if (d->mode == CLI_PROGRESS_TTY)
		redraw(d);
}

static void on_set_total(void *data, int item, uint64_t total)
{
	struct item *it = item_at(data, item);
	if (it)
		it->total = total;
}

static void on_update(void *data, int item, uint64_t current)
{
	struct drawing *d = data;
	struct item *it = item_at(d, item);
	if (!it)
		return;
	it->current = current;
	/* at most ten redraws a second: a terminal is slower than a layer */
	if (d->mode == CLI_PROGRESS_TTY && elapsed(&d->last_draw) > 0.1)
		redraw(d);
}

static void on_done(void *data, int item, const char *status)
{
	struct drawing *d = data;
	struct item *it = item_at(d, item);
	if (!it)
		return;
	it->done = true;
	snprintf(it->status, sizeof(it->status), "%s", status);
	if (d->mode == CLI_PROGRESS_TTY) {
		redraw(d);
	} else if (d->mode == CLI_PROGRESS_PLAIN) {
		fprintf(d->out, "%s: %s %.1fs\n", it->label, it->status, elapsed(&it->started));
		fflush(d->out);
	}
}

static void on_line(void *data, const char *text)
{
	struct drawing *d = data;
	if (d->mode == CLI_PROGRESS_QUIET)
		return;
	if (d->mode == CLI_PROGRESS_TTY && d->drawn) {
		fprintf(d->out, "\033[%zuA\033[J", d->drawn);
		d->drawn = 0;
	}
	fputs(text, d->out);
	fputc('\n', d->out);
	if (d->mode == CLI_PROGRESS_TTY)
		redraw(d);
	fflush(d->out);
}

static void on_free(void *data)
{
	struct drawing *d = data;
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].label);
	free(d->items);
	free(d);
}

static const struct berth_progress_ops drawing_ops = {
	.start = on_start,
	.set_total = on_set_total,
	.update = on_update,
	.done = on_done,
	.line = on_line,
	.free = on_free,
};

struct berth_progress *cli_progress_new(FILE *out, enum cli_progress_mode mode)
{
	struct drawing *d = berth_xcalloc(1, sizeof(*d));
	d->out = out;
	if (mode == CLI_PROGRESS_AUTO)
		mode = isatty(fileno(out)) ? CLI_PROGRESS_TTY : CLI_PROGRESS_PLAIN;
	d->mode = mode;
	return berth_progress_new(&drawing_ops, d);
}
