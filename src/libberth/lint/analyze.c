/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth analyze: dive's efficiency algorithm (docs/analyze.md), learnt from
 * wagoodman/dive's filetree package and reimplemented. Layer tars are hostile
 * input: names are only split into components and kept in memory, nothing
 * is written to disk, and sizes come from tar headers without trusting them
 * for allocation.
 */
#include "lint/lint.h"

#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/digest.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "layer/layer.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh."
#define MAX_DEPTH 4096 /* path components; a deeper tar name is cut here */

struct node {
	char *name;
	int64_t size;
	bool is_dir;
	bool explicit_; /* had its own tar entry (not only implied by a child's path) */
	size_t layer;
	struct node *parent;
	struct node **kids; /* sorted by name, byte order (Go's sort.Strings) */
	size_t n_kids, cap_kids;
};

struct tree {
	struct node *root;
};

struct analysis {
	struct tree *trees;
	size_t n_trees;
};

static struct node *node_new(struct node *parent, const char *name)
{
	struct node *n = berth_xcalloc(1, sizeof(*n));
	n->name = berth_xstrdup(name);
	n->parent = parent;
	return n;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_kids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n);
}

/* The index of the first kid whose name is not before name (kids are sorted). */
static size_t kid_lower_bound(const struct node *n, const char *name)
{
	size_t lo = 0, hi = n->n_kids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(n->kids[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct node *kid_find(const struct node *n, const char *name)
{
	size_t i = kid_lower_bound(n, name);
	return i < n->n_kids && strcmp(n->kids[i]->name, name) == 0 ? n->kids[i] : NULL;
}

static struct node *kid_add(struct node *n, const char *name)
{
	size_t i = kid_lower_bound(n, name);
	if (i < n->n_kids && strcmp(n->kids[i]->name, name) == 0)
		return n->kids[i];
	if (n->n_kids == n->cap_kids) {
		n->cap_kids = n->cap_kids ? n->cap_kids * 2 : 4;
		n->kids = berth_xreallocarray(n->kids, n->cap_kids, sizeof(*n->kids));
	}
	memmove(n->kids + i + 1, n->kids + i, (n->n_kids - i) * sizeof(*n->kids));
	n->kids[i] = node_new(n, name);
	n->n_kids++;
	return n->kids[i];
}

static void kid_remove(struct node *n, struct node *k)
{
	for (size_t i = 0; i < n->n_kids; i++)
		if (n->kids[i] == k) {
			memmove(n->kids + i, n->kids + i + 1,
				(n->n_kids - i - 1) * sizeof(*n->kids));
			n->n_kids--;
			node_free(k);
			return;
		}
}

static struct node *node_copy(const struct node *src, struct node *parent)
{
	struct node *n = node_new(parent, src->name);
	n->size = src->size;
	n->is_dir = src->is_dir;
	n->explicit_ = src->explicit_;
	n->layer = src->layer;
	n->n_kids = n->cap_kids = src->n_kids;
	n->kids = src->n_kids ? berth_xcalloc(src->n_kids, sizeof(*n->kids)) : NULL;
	for (size_t i = 0; i < src->n_kids; i++)
		n->kids[i] = node_copy(src->kids[i], n);
	return n;
}

/*
 * Splits a tar name as Go's path.Clean followed by a split on "/" would:
 * "." components vanish, ".." removes the previous component (or stays at
 * the start of a relative name, or vanishes at the root of an absolute one).
 * Returns the number of components (0 for "."), pointing into buf.
 */
static size_t split_clean(char *buf, char **parts, size_t max)
{
	bool rooted = buf[0] == '/';
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (n > 0 && strcmp(parts[n - 1], "..") != 0) {
				n--;
				continue;
			}
			if (rooted)
				continue;
		}
		if (n < max)
			parts[n++] = t;
	}
	return n;
}

struct data {
	int64_t size;
	bool is_dir, explicit_;
	size_t layer;
};

/* dive's AddPath: creates missing parents with empty data, sets data on the last one. */
static struct node *tree_add(struct tree *t, char **parts, size_t n, const struct data *d)
{
	struct node *cur = t->root;
	for (size_t i = 0; i < n; i++) {
		struct node *k = kid_find(cur, parts[i]);
		if (!k) {
			if (strncmp(parts[i], WH_OPAQUE, strlen(WH_OPAQUE)) == 0)
				return NULL;
			k = kid_add(cur, parts[i]);
		}
		cur = k;
		if (i == n - 1) {
			cur->size = d->size;
			cur->is_dir = d->is_dir;
			cur->explicit_ = d->explicit_;
			cur->layer = d->layer;
		}
	}
	return cur;
}

static struct node *tree_get(const struct tree *t, char **parts, size_t n)
{
	struct node *cur = t->root;
	for (size_t i = 0; i < n && cur; i++)
		cur = kid_find(cur, parts[i]);
	return cur;
}

static bool is_whiteout(const struct node *n)
{
	return strncmp(n->name, WH_PREFIX, strlen(WH_PREFIX)) == 0;
}

/* The components of n's path, the whiteout prefix dropped from n itself (dive's Path()). */
static size_t node_parts(const struct node *n, char **parts, size_t max)
{
	size_t depth = 0;
	for (const struct node *p = n; p->parent; p = p->parent)
		depth++;
	if (depth > max)
		depth = max;
	size_t i = depth;
	for (const struct node *p = n; p->parent && i > 0; p = p->parent) {
		char *name = p->name;
		if (p == n && is_whiteout(p))
			name += strlen(WH_PREFIX);
		parts[--i] = name;
	}
	return depth;
}

static char *join_parts(char **parts, size_t n)
{
	struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		berth_buf_addch(&b, '/');
		berth_buf_addstr(&b, parts[i]);
	}
	if (n == 0)
		berth_buf_addch(&b, '/');
	return berth_buf_detach(&b, NULL);
}

/*
 * Post-order walk (children first, by name), as dive's VisitDepthChildFirst.
 * Iterative, so a hostile tar with very deep names cannot exhaust the stack.
 */
typedef void (*visit_fn)(struct node *n, void *ud);

static void walk(struct node *root, bool include_root, visit_fn fn, void *ud)
{
	size_t cap = 64, sp = 0;
	struct {
		struct node *n;
		size_t next;
	} *st = berth_xcalloc(cap, sizeof(*st));
	st[sp].n = root;
	st[sp++].next = 0;
	while (sp > 0) {
		struct node *n = st[sp - 1].n;
		if (st[sp - 1].next < n->n_kids) {
			struct node *k = n->kids[st[sp - 1].next++];
			if (sp == cap) {
				cap *= 2;
				st = berth_xreallocarray(st, cap, sizeof(*st));
			}
			st[sp].n = k;
			st[sp++].next = 0;
			continue;
		}
		sp--;
		if (n != root || include_root)
			fn(n, ud);
	}
	free(st);
}

/* Collects the nodes of a walk first, so the visitor may change another tree. */
struct node_list {
	struct node **v;
	size_t n, cap;
};

static void collect(struct node *n, void *ud)
{
	struct node_list *l = ud;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = berth_xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = n;
}

static void sum_size(struct node *n, void *ud)
{
	*(int64_t *)ud += n->size;
}

/* dive's Stack: whiteouts remove their path, every other node (implicit ones too) is added over. */
static void tree_stack(struct tree *lower, const struct tree *upper)
{
	struct node_list l = {0};
	walk(upper->root, false, collect, &l);
	char **parts = berth_xcalloc(MAX_DEPTH, sizeof(char *));
	for (size_t i = 0; i < l.n; i++) {
		struct node *u = l.v[i];
		size_t np = node_parts(u, parts, MAX_DEPTH);
		if (is_whiteout(u)) {
			struct node *gone = tree_get(lower, parts, np);
			if (gone && gone->parent)
				kid_remove(gone->parent, gone);
			continue;
		}
		struct data d = {u->size, u->is_dir, u->explicit_, u->layer};
		tree_add(lower, parts, np, &d);
	}
	free(parts);
	free(l.v);
}

/* ---- per-path records --------------------------------------------------------- */

struct record {
	char *path;
	int64_t cumulative, min;
	size_t count, last_layer;
};

struct records {
	struct record *v;
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1, 0 = empty */
	size_t n_slots;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct record *record_get(struct records *r, const char *path)
{
	if ((r->n + 1) * 2 > r->n_slots) {
		size_t ns = r->n_slots ? r->n_slots * 2 : 1024;
		size_t *slots = berth_xcalloc(ns, sizeof(*slots));
		for (size_t i = 0; i < r->n; i++) {
			size_t h = hash_str(r->v[i].path) & (ns - 1);
			while (slots[h])
				h = (h + 1) & (ns - 1);
			slots[h] = i + 1;
		}
		free(r->slots);
		r->slots = slots;
		r->n_slots = ns;
	}
	size_t h = hash_str(path) & (r->n_slots - 1);
	while (r->slots[h]) {
		struct record *rec = &r->v[r->slots[h] - 1];
		if (strcmp(rec->path, path) == 0)
			return rec;
		h = (h + 1) & (r->n_slots - 1);
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->v = berth_xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	r->v[r->n] = (struct record){.path = berth_xstrdup(path), .min = -1};
	r->slots[h] = ++r->n;
	return &r->v[r->n - 1];
}

/* ---- the public API ---------------------------------------------------------- */

struct berth_analyze_result *berth_analyze_new(void)
{
	struct berth_analyze_result *a = berth_xcalloc(1, sizeof(*a));
	a->priv = berth_xcalloc(1, sizeof(struct analysis));
	return a;
}

static void analysis_free(struct analysis *an)
{
	if (!an)
		return;
	for (size_t i = 0; i < an->n_trees; i++)
		node_free(an->trees[i].root);
	free(an->trees);
	free(an);
}

void berth_analyze_result_free(struct berth_analyze_result *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_layers; i++) {
		free(a->layers[i].digest);
		free(a->layers[i].command);
	}
	free(a->layers);
	for (size_t i = 0; i < a->n_waste; i++)
		free(a->waste[i].path);
	free(a->waste);
	for (size_t i = 0; i < a->n_largest; i++)
		free(a->largest[i].path);
	free(a->largest);
	analysis_free(a->priv);
	free(a);
}

static struct tree *layer_begin(struct berth_analyze_result *a, const char *digest,
				const char *command)
{
	struct analysis *an = a->priv;
	a->layers = berth_xreallocarray(a->layers, a->n_layers + 1, sizeof(*a->layers));
	a->layers[a->n_layers] = (struct berth_analyze_layer){
		.digest = digest ? berth_xstrdup(digest) : NULL,
		.command = command ? berth_xstrdup(command) : NULL,
	};
	a->n_layers++;
	an->trees = berth_xreallocarray(an->trees, an->n_trees + 1, sizeof(*an->trees));
	an->trees[an->n_trees].root = node_new(NULL, "");
	return &an->trees[an->n_trees++];
}

static void layer_entry(struct berth_analyze_result *a, struct tree *t, const char *path,
			int64_t size, bool is_dir)
{
	struct berth_analyze_layer *l = &a->layers[a->n_layers - 1];
	_cleanup_free_ char *buf = berth_xstrdup(path);
	char **parts = berth_xcalloc(MAX_DEPTH, sizeof(char *));
	size_t np = split_clean(buf, parts, MAX_DEPTH);
	if (np > 0) {
		if (size < 0)
			size = 0;
		l->size += size;
		l->n_entries++;
		struct data d = {size, is_dir, true, a->n_layers - 1};
		tree_add(t, parts, np, &d);
	}
	free(parts);
}

void berth_analyze_add_layer(struct berth_analyze_result *a, const struct berth_analyze_entry *e,
			     size_t n, const char *digest, const char *command)
{
	struct tree *t = layer_begin(a, digest, command);
	for (size_t i = 0; i < n; i++)
		layer_entry(a, t, e[i].path, e[i].size, e[i].is_dir);
}

struct add_layer_ctx {
	struct berth_analyze_result *a;
	struct tree *t;
};

static int add_layer_entry(void *ctx, const struct berth_layer_tar_entry *e,
			   struct berth_layer_walk *w, struct berth_error **err)
{
	(void)w;
	(void)err;
	struct add_layer_ctx *c = ctx;
	layer_entry(c->a, c->t, e->path, e->size, e->type == AE_IFDIR);
	return 0;
}

int berth_analyze_add_layer_tar(struct berth_analyze_result *a, int fd, const char *digest,
				const char *command, struct berth_error **err)
{
	struct add_layer_ctx c = {a, layer_begin(a, digest, command)};
	return berth_layer_walk_fd(fd, digest ? digest : "tar", add_layer_entry, &c, err);
}

struct visit_ctx {
	struct records *rec;
	struct tree *view; /* layers 0..i-1 stacked */
	size_t layer;
	size_t *order; /* record indexes in the order they reached 2 visits */
	size_t n_order;
	char **parts;
};

static void visit_leaf(struct node *n, void *ud)
{
	struct visit_ctx *v = ud;
	if (n->n_kids > 0)
		return;
	size_t np = node_parts(n, v->parts, MAX_DEPTH);
	_cleanup_free_ char *path = join_parts(v->parts, np);
	int64_t s = 0;
	if (is_whiteout(n)) {
		/*
		 * dive stops the layer's walk when the hidden path is missing in
		 * the view below (and counts -1 for it); berth counts 0 and goes on.
		 */
		struct node *prev = tree_get(v->view, v->parts, np);
		if (prev && prev->is_dir)
			walk(prev, true, sum_size, &s);
	} else {
		s = n->size;
	}
	struct record *r = record_get(v->rec, path);
	r->cumulative += s;
	if (r->min < 0 || s < r->min)
		r->min = s;
	r->count++;
	r->last_layer = v->layer;
	if (r->count == 2) {
		v->order = berth_xreallocarray(v->order, v->n_order + 1, sizeof(*v->order));
		v->order[v->n_order++] = (size_t)(r - v->rec->v);
	}
}

struct count_ctx {
	struct berth_analyze_layer *l;
	struct tree *view;
	char **parts;
	bool first;
};

static void count_change(struct node *n, void *ud)
{
	struct count_ctx *c = ud;
	if (!n->explicit_ || n->is_dir)
		return;
	if (is_whiteout(n)) {
		c->l->n_removed++;
		return;
	}
	size_t np = node_parts(n, c->parts, MAX_DEPTH);
	if (!c->first && tree_get(c->view, c->parts, np))
		c->l->n_modified++;
	else
		c->l->n_added++;
}

struct hidden_ctx {
	struct tree *final;
	char **parts;
	size_t layer;
	struct berth_analyze_layer *l;
};

static void count_hidden(struct node *n, void *ud)
{
	struct hidden_ctx *c = ud;
	if (!n->explicit_ || n->is_dir || is_whiteout(n) || n->size <= 0)
		return;
	size_t np = node_parts(n, c->parts, MAX_DEPTH);
	struct node *f = tree_get(c->final, c->parts, np);
	if (!f || !f->explicit_ || f->layer != c->layer)
		c->l->hidden += n->size;
}

struct largest_ctx {
	struct berth_analyze_file *v;
	size_t n;
	char **parts;
};

static void collect_file(struct node *n, void *ud)
{
	struct largest_ctx *c = ud;
	if (!n->explicit_ || n->is_dir || n->size <= 0)
		return;
	size_t np = node_parts(n, c->parts, MAX_DEPTH);
	c->v = berth_xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->v[c->n++] = (struct berth_analyze_file){
		.path = join_parts(c->parts, np), .size = n->size, .layer = n->layer};
}

static int file_cmp(const void *x, const void *y)
{
	const struct berth_analyze_file *a = x, *b = y;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return strcmp(a->path, b->path);
}

void berth_analyze_finish(struct berth_analyze_result *a, size_t top_n)
{
	struct analysis *an = a->priv;
	if (!an)
		return;
	struct records rec = {0};
	struct visit_ctx v = {.rec = &rec, .parts = berth_xcalloc(MAX_DEPTH, sizeof(char *))};
	struct tree view = {NULL};

	if (an->n_trees > 0) {
		/* StackTreeRange(trees, 0, i-1) starts from a copy of tree 0 */
		view.root = node_copy(an->trees[0].root, NULL);
		tree_stack(&view, &an->trees[0]);
	}
	for (size_t i = 0; i < an->n_trees; i++) {
		if (i >= 2)
			tree_stack(&view, &an->trees[i - 1]);
		v.view = &view;
		v.layer = i;
		walk(an->trees[i].root, false, visit_leaf, &v);
		struct count_ctx c = {&a->layers[i], &view, v.parts, i == 0};
		walk(an->trees[i].root, false, count_change, &c);
	}
	if (an->n_trees >= 2)
		tree_stack(&view, &an->trees[an->n_trees - 1]);

	/* totals */
	for (size_t i = 0; i < a->n_layers; i++) {
		a->size_bytes += a->layers[i].size;
		if (i > 0)
			a->user_size_bytes += a->layers[i].size;
	}
	for (size_t i = 0; i < rec.n; i++) {
		a->efficiency_num += rec.v[i].min;
		a->efficiency_den += rec.v[i].cumulative;
	}
	a->efficiency = a->efficiency_den == 0
				? 1.0
				: (double)a->efficiency_num / (double)a->efficiency_den;

	/*
	 * The waste list as dive orders it: ascending by cumulative size with a
	 * stable sort (Go's sort.Sort is an insertion sort for short lists),
	 * then reversed; so ties come out in reverse discovery order.
	 */
	size_t *ord = v.order;
	for (size_t i = 1; i < v.n_order; i++)
		for (size_t k = i; k > 0 && rec.v[ord[k]].cumulative < rec.v[ord[k - 1]].cumulative;
		     k--) {
			size_t t = ord[k];
			ord[k] = ord[k - 1];
			ord[k - 1] = t;
		}
	a->waste = v.n_order ? berth_xcalloc(v.n_order, sizeof(*a->waste)) : NULL;
	for (size_t i = 0; i < v.n_order; i++) {
		const struct record *r = &rec.v[ord[v.n_order - 1 - i]];
		a->waste[i] = (struct berth_analyze_waste){
			.path = berth_xstrdup(r->path),
			.count = r->count,
			.cumulative = r->cumulative,
			.min = r->min,
			.last_layer = r->last_layer,
		};
		a->wasted_bytes += r->cumulative;
	}
	a->n_waste = v.n_order;
	a->wasted_user_percent =
		a->user_size_bytes > 0 ? (double)a->wasted_bytes / (double)a->user_size_bytes : 0;

	/* the largest files of the final view */
	if (view.root && top_n > 0) {
		struct largest_ctx lc = {.parts = v.parts};
		walk(view.root, false, collect_file, &lc);
		berth_qsort(lc.v, lc.n, sizeof(*lc.v), file_cmp);
		for (size_t i = top_n; i < lc.n; i++)
			free(lc.v[i].path);
		a->largest = lc.v;
		a->n_largest = lc.n < top_n ? lc.n : top_n;
	}

	/* hidden bytes: files of layer i that the final view does not show from layer i */
	for (size_t i = 0; view.root && i < an->n_trees; i++) {
		struct hidden_ctx hc = {&view, v.parts, i, &a->layers[i]};
		walk(an->trees[i].root, false, count_hidden, &hc);
		a->hidden_bytes += a->layers[i].hidden;
	}

	node_free(view.root);
	for (size_t i = 0; i < rec.n; i++)
		free(rec.v[i].path);
	free(rec.v);
	free(rec.slots);
	free(v.order);
	free(v.parts);
	analysis_free(an);
	a->priv = NULL;
}

int berth_analyze_image(struct berth_store *s, const struct berth_image *img, size_t top_n,
			struct berth_analyze_result **ret, struct berth_error **err)
{
	_cleanup_analyze_result_ struct berth_analyze_result *a = berth_analyze_new();
	const struct berth_image_config *c = img->config;
	size_t h = 0;
	for (size_t i = 0; i < img->manifest->n_layers; i++) {
		const struct berth_descriptor *d = &img->manifest->layers[i];
		char dg[BERTH_DIGEST_STRLEN + 1];
		berth_digest_fmt(&d->digest, dg);

		/* the history entry of this layer: the next one that is not empty_layer */
		const char *cmd = "(missing)";
		while (h < c->n_history && c->history[h].empty_layer)
			h++;
		if (h < c->n_history) {
			cmd = c->history[h].created_by ? c->history[h].created_by : "";
			h++;
		}
		if (strncmp(cmd, "/bin/sh -c ", 11) == 0)
			cmd += 11;

		_cleanup_close_ int fd = -EBADF;
		int r = berth_image_layer_open(s, img, i, &fd, err);
		if (r < 0)
			return berth_error_prefix(err, "layer %zu", i);
		r = berth_analyze_add_layer_tar(a, fd, dg, cmd, err);
		if (r < 0)
			return r;
	}
	berth_analyze_finish(a, top_n);
	*ret = TAKE_PTR(a);
	return 0;
}
