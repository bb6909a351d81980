/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The catalog of an image: the packages its final filesystem holds, read
 * from the layer tars without unpacking them. Layers are walked bottom
 * first; each file a cataloger wants is parsed when its layer brings it and
 * replaces the record of the same path, and whiteouts (".wh.NAME") and opaque
 * directories (".wh..wh..opq") drop the records of the layers below. A
 * package keeps the layer where it first appeared in its final form (same
 * name, version and architecture in every later copy of its database), so a
 * finding names the Dockerfile instruction that installed it, not the last
 * one that rewrote dpkg's status file.
 */
#include "scan/scan.h"

#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/sort.h"
#include "image/image.h"
#include "layer/layer.h"
#include "scan/scan-internal.h"

#define PATH_MAX_LEN 4096

void berth_sbom_release(struct berth_sbom *s)
{
	free(s->image_id);
	free(s->image_ref);
	free(s->architecture);
	free(s->os_name);
	berth_os_release_free(&s->os);
	for (size_t i = 0; i < s->n_layers; i++) {
		free(s->layers[i].digest);
		free(s->layers[i].created_by);
	}
	free(s->layers);
	for (size_t i = 0; i < s->n; i++) {
		berth_package_release(&s->pkgs[i].pkg);
		free(s->pkgs[i].location);
	}
	free(s->pkgs);
	*s = (struct berth_sbom){0};
}

/* What one file of the final filesystem contributed. */
struct record {
	char *path;
	enum scan_file_kind kind;
	size_t layer;
	struct berth_package *pkgs;
	size_t *pkg_layer;
	size_t n;
	struct berth_os_release os;
};

struct berth_catalog {
	struct record *recs;
	size_t n_recs;
	struct berth_sbom_layer *layers;
	size_t n_layers;
	size_t layer; /* the layer being walked */
};

static void record_release(struct record *r)
{
	free(r->path);
	berth_packages_free(r->pkgs, r->n);
	free(r->pkg_layer);
	berth_os_release_free(&r->os);
	*r = (struct record){0};
}

struct berth_catalog *berth_catalog_new(void)
{
	return berth_xcalloc(1, sizeof(struct berth_catalog));
}

void berth_catalog_free(struct berth_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_recs; i++)
		record_release(&c->recs[i]);
	free(c->recs);
	for (size_t i = 0; i < c->n_layers; i++) {
		free(c->layers[i].digest);
		free(c->layers[i].created_by);
	}
	free(c->layers);
	free(c);
}

static void catalog_freep(struct berth_catalog **c)
{
	berth_catalog_free(*c);
	*c = NULL;
}

/*
 * The tar's name as a clean relative path ("./usr//lib/" -> "usr/lib"), or
 * NULL for a name berth never follows: a ".." component, or too long.
 */
static char *clean_path(const char *name)
{
	if (strlen(name) > PATH_MAX_LEN)
		return NULL;
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	const char *p = name;
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 2 && strncmp(p, "..", 2) == 0)
			return NULL;
		if (!(n == 1 && *p == '.')) {
			if (b.len)
				berth_buf_addch(&b, '/');
			berth_buf_add(&b, p, n);
		}
		p += n;
	}
	return berth_buf_detach(&b, NULL);
}

static bool path_at_or_below(const char *path, const char *top)
{
	size_t n = strlen(top);
	if (n == 0)
		return true;
	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Drops the records of lower layers at top (itself too when self) and below it. */
static void hide_lower(struct berth_catalog *c, const char *top, bool self)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n_recs; i++) {
		struct record *r = &c->recs[i];
		if (r->layer < c->layer && path_at_or_below(r->path, top) &&
		    (self || strcmp(r->path, top) != 0))
			record_release(r);
		else
			c->recs[k++] = *r;
	}
	c->n_recs = k;
}

/* Takes the record of path out of the catalog (any layer); {0} when none. */
static struct record take_record(struct berth_catalog *c, const char *path)
{
	for (size_t i = 0; i < c->n_recs; i++)
		if (strcmp(c->recs[i].path, path) == 0) {
			struct record r = c->recs[i];
			c->recs[i] = c->recs[--c->n_recs];
			return r;
		}
	return (struct record){0};
}

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The layer a package of the new copy of a file keeps: the old copy's when it is the same package. */
static size_t package_layer(const struct record *old, const struct berth_package *p, size_t layer)
{
	for (size_t i = 0; i < old->n; i++) {
		const struct berth_package *o = &old->pkgs[i];
		if (o->type == p->type && strcmp(o->name, p->name) == 0 &&
		    strcmp(o->version, p->version) == 0 && streq_null(o->arch, p->arch))
			return old->pkg_layer[i];
	}
	return layer;
}

struct walk_reader {
	struct berth_layer_walk *w;
	bool failed; /* the layer, not the file, is bad */
};

static ssize_t walk_read(void *ctx, void *buf, size_t len, struct berth_error **err)
{
	struct walk_reader *wr = ctx;
	ssize_t k = berth_layer_walk_read(wr->w, buf, len, err);
	wr->failed = k < 0;
	return k;
}

/*
 * A Go binary's packages, reading only its headers and its writable segments up to
 * the build info: a file that lies is skipped with a warning, as a binary that is
 * not Go is skipped silently; only a layer that cannot be read fails.
 */
static int read_go_binary(struct berth_catalog *c, const char *path, struct berth_layer_walk *w,
			  struct record *rec, struct berth_error **err)
{
	struct walk_reader wr = {.w = w};
	_cleanup_error_ struct berth_error *e = NULL;
	int r = berth_scan_read_go_binary(path, walk_read, &wr, &rec->pkgs, &rec->n, &e);
	if (r < 0 && wr.failed) {
		*err = TAKE_PTR(e);
		return berth_error_prefix(err, "%s", path);
	}
	if (r < 0)
		berth_warn("layer %zu: %s: skipped", c->layer, berth_error_msg(e));
	return 0;
}

static int add_file(struct berth_catalog *c, char *path, enum scan_file_kind kind,
		    struct berth_layer_walk *w, const struct record *old, struct berth_error **err)
{
	struct record rec = {.path = path, .kind = kind, .layer = c->layer};
	int r;
	if (kind == SCAN_FILE_GO_BINARY) {
		r = read_go_binary(c, path, w, &rec, err);
	} else {
		_cleanup_free_ char *data = NULL;
		size_t len;
		r = berth_layer_walk_read_all(w, scan_file_max(kind), &data, &len, err);
		if (r < 0)
			return berth_error_prefix(err, "%s", path);
		r = scan_file_parse(kind, path, data, len, &rec.pkgs, &rec.n, &rec.os, err);
	}
	if (r < 0 || (kind == SCAN_FILE_GO_BINARY && rec.n == 0)) {
		/* an executable without build info leaves no record: there are thousands */
		if (r < 0)
			rec.path = NULL;
		record_release(&rec);
		return r;
	}
	rec.pkg_layer = berth_xreallocarray(NULL, rec.n ? rec.n : 1, sizeof(size_t));
	for (size_t i = 0; i < rec.n; i++)
		rec.pkg_layer[i] = package_layer(old, &rec.pkgs[i], c->layer);
	c->recs = berth_xreallocarray(c->recs, c->n_recs + 1, sizeof(*c->recs));
	c->recs[c->n_recs++] = rec;
	return 0;
}

static int on_entry(void *ctx, const struct berth_layer_tar_entry *e, struct berth_layer_walk *w,
		    struct berth_error **err)
{
	struct berth_catalog *c = ctx;
	_cleanup_free_ char *path = clean_path(e->path);
	if (!path || !*path)
		return 0;
	char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (strncmp(base, ".wh.", 4) == 0) {
		_cleanup_free_ char *dir = berth_xstrndup(path, slash ? (size_t)(slash - path) : 0);
		if (strcmp(base, ".wh..wh..opq") == 0) {
			hide_lower(c, dir, false);
		} else {
			_cleanup_free_ char *hidden = *dir ? berth_xasprintf("%s/%s", dir, base + 4)
							   : berth_xstrdup(base + 4);
			hide_lower(c, hidden, true);
		}
		return 0;
	}
	/* what this entry replaces: a directory merges with the one below, anything else does not */
	struct record old = take_record(c, path);
	if (e->type != AE_IFDIR)
		hide_lower(c, path, true);
	enum scan_file_kind kind =
		e->type == AE_IFREG ? scan_file_kind_of(path, e->mode) : SCAN_FILE_NONE;
	int r = 0;
	if (kind != SCAN_FILE_NONE) {
		r = add_file(c, path, kind, w, &old, err);
		if (r >= 0)
			path = NULL; /* the record owns it */
	}
	record_release(&old);
	if (r < 0)
		return berth_error_prefix(err, "layer %zu", c->layer);
	return 0;
}

int berth_catalog_add_layer(struct berth_catalog *c, int fd, const char *digest,
			    const char *created_by, struct berth_error **err)
{
	c->layer = c->n_layers;
	c->layers = berth_xreallocarray(c->layers, c->n_layers + 1, sizeof(*c->layers));
	c->layers[c->n_layers++] = (struct berth_sbom_layer){
		.digest = berth_xstrdup(digest ? digest : ""),
		.created_by = created_by ? berth_xstrdup(created_by) : NULL,
	};
	return berth_layer_walk_fd(fd, digest ? digest : "tar", on_entry, c, err);
}

static int sbom_package_cmp(const void *x, const void *y)
{
	const struct berth_sbom_package *a = x, *b = y;
	if (a->pkg.type != b->pkg.type)
		return a->pkg.type < b->pkg.type ? -1 : 1;
	int k = strcmp(a->pkg.name, b->pkg.name);
	if (k == 0)
		k = strcmp(a->pkg.version, b->pkg.version);
	if (k == 0)
		k = strcmp(a->pkg.arch ? a->pkg.arch : "", b->pkg.arch ? b->pkg.arch : "");
	if (k == 0)
		k = strcmp(a->location, b->location);
	return k;
}

/* The os-release of the final filesystem: etc/os-release, else usr/lib/os-release. */
static struct record *os_record(struct berth_catalog *c)
{
	struct record *usr = NULL;
	for (size_t i = 0; i < c->n_recs; i++) {
		struct record *r = &c->recs[i];
		if (r->kind == SCAN_FILE_OS_RELEASE && r->os.id) {
			if (strcmp(r->path, "etc/os-release") == 0)
				return r;
			usr = r;
		}
	}
	return usr;
}

void berth_catalog_finish(struct berth_catalog *c, struct berth_sbom *ret)
{
	*ret = (struct berth_sbom){0};
	struct record *os = os_record(c);
	if (os) {
		ret->os = os->os;
		os->os = (struct berth_os_release){0};
	}
	size_t n = 0;
	for (size_t i = 0; i < c->n_recs; i++)
		n += c->recs[i].n;
	ret->pkgs = berth_xreallocarray(NULL, n ? n : 1, sizeof(*ret->pkgs));
	for (size_t i = 0; i < c->n_recs; i++) {
		struct record *r = &c->recs[i];
		for (size_t j = 0; j < r->n; j++) {
			ret->pkgs[ret->n++] = (struct berth_sbom_package){
				.pkg = r->pkgs[j],
				.location = berth_xstrdup(r->path),
				.layer = r->pkg_layer[j],
			};
			r->pkgs[j] = (struct berth_package){0};
		}
	}
	berth_qsort(ret->pkgs, ret->n, sizeof(*ret->pkgs), sbom_package_cmp);
	ret->layers = TAKE_PTR(c->layers);
	ret->n_layers = c->n_layers;
	c->n_layers = 0;
	for (size_t i = 0; i < ret->n; i++) {
		struct berth_sbom_package *p = &ret->pkgs[i];
		if (p->layer < ret->n_layers) {
			p->layer_digest = ret->layers[p->layer].digest;
			p->created_by = ret->layers[p->layer].created_by;
		}
	}
	for (size_t i = 0; i < c->n_recs; i++)
		record_release(&c->recs[i]);
	c->n_recs = 0;
}

/* The command of layer i's history entry (the i-th that is not empty_layer), or NULL. */
static const char *layer_created_by(const struct berth_image_config *cfg, size_t i)
{
	for (size_t h = 0; h < cfg->n_history; h++) {
		if (cfg->history[h].empty_layer)
			continue;
		if (i-- == 0) {
			const char *cmd = cfg->history[h].created_by;
			if (cmd && strncmp(cmd, "/bin/sh -c ", 11) == 0)
				cmd += 11;
			return cmd;
		}
	}
	return NULL;
}

int berth_sbom_of_image(struct berth_store *s, const char *image_ref, struct berth_sbom *ret,
			struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(s, image_ref, &img, err);
	if (r < 0)
		return r;
	_cleanup_(catalog_freep) struct berth_catalog *c = berth_catalog_new();
	for (size_t i = 0; i < img->manifest->n_layers; i++) {
		char dg[BERTH_DIGEST_STRLEN + 1];
		berth_digest_fmt(&img->manifest->layers[i].digest, dg);
		_cleanup_close_ int fd = -EBADF;
		r = berth_image_layer_open(s, img, i, &fd, err);
		if (r < 0)
			return berth_error_prefix(err, "layer %zu", i);
		r = berth_catalog_add_layer(c, fd, dg, layer_created_by(img->config, i), err);
		if (r < 0)
			return r;
	}
	berth_catalog_finish(c, ret);
	char id[BERTH_DIGEST_STRLEN + 1];
	ret->image_id = berth_xstrdup(berth_digest_fmt(&img->id, id));
	ret->image_ref = berth_xstrdup(image_ref);
	ret->architecture =
		img->config->architecture ? berth_xstrdup(img->config->architecture) : NULL;
	ret->os_name = img->config->os ? berth_xstrdup(img->config->os) : NULL;
	return 0;
}
