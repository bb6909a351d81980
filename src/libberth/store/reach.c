/* SPDX-License-Identifier: Apache-2.0 */
#include "store/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"

/* ---- reachability, gc, check ---- */

void store_set_release(struct digest_set *s)
{
	free(s->d);
	s->d = NULL;
	s->n = s->alloc = 0;
}

ssize_t store_set_find(const struct digest_set *s, const struct berth_digest *d, size_t *ins)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->d[mid].bytes, d->bytes, sizeof(d->bytes));
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ins)
		*ins = lo;
	return -1;
}

/* Adds d; false when it was there already. */
bool store_set_add(struct digest_set *s, const struct berth_digest *d)
{
	size_t at = 0;
	if (store_set_find(s, d, &at) >= 0)
		return false;
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->d = berth_xreallocarray(s->d, s->alloc, sizeof(*s->d));
	}
	memmove(&s->d[at + 1], &s->d[at], (s->n - at) * sizeof(*s->d));
	s->d[at] = *d;
	s->n++;
	return true;
}

void store_problem(struct walk *w, const char *fmt, ...)
{
	w->problems++;
	if (!w->cb || !w->cb->problem)
		return;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	w->cb->problem(w->cb->ctx, b.buf);
}

static void walk_descriptor(struct walk *w, json_t *desc, const char *from, bool required,
			    int depth);

/* Marks the blobs a manifest or index refers to. */
static void walk_document(struct walk *w, const struct berth_digest *d, const char *name, int depth)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	_cleanup_json_ json_t *j = NULL;
	struct berth_error *e = NULL;
	if (berth_store_blob_read(w->s, d, MAX_MANIFEST_SIZE, &data, &len, &e) < 0 ||
	    berth_json_parse(data, len, name, &j, &e) < 0) {
		store_problem(w, "%s", berth_error_msg(e));
		berth_error_free(&e);
		return;
	}
	json_t *c = json_object_get(j, "config");
	if (c)
		walk_descriptor(w, c, name, true, depth + 1);
	size_t i;
	json_t *x;
	json_array_foreach (json_object_get(j, "layers"), i, x)
		walk_descriptor(w, x, name, true, depth + 1);
	/* an index's children may be absent: a pull fetches one platform */
	json_array_foreach (json_object_get(j, "manifests"), i, x)
		walk_descriptor(w, x, name, false, depth + 1);
}

static bool is_document_type(const char *mt)
{
	return mt && (strstr(mt, "manifest") || strstr(mt, "image.index"));
}

static void walk_descriptor(struct walk *w, json_t *desc, const char *from, bool required,
			    int depth)
{
	struct berth_digest d;
	struct berth_error *e = NULL;
	const char *dg = json_string_value(json_object_get(desc, "digest"));
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	json_t *sz = json_object_get(desc, "size");
	json_t *urls = json_object_get(desc, "urls");
	char name[BERTH_DIGEST_STRLEN + 1];
	if (depth > 8) {
		store_problem(w, "%s: manifests nested too deep", from);
		return;
	}
	if (!dg || berth_digest_parse(dg, &d, &e) < 0) {
		store_problem(w, "%s: a descriptor has no valid digest", from);
		berth_error_free(&e);
		return;
	}
	berth_digest_fmt(&d, name);
	if (!store_set_add(&w->seen, &d))
		return;
	if (!berth_store_blob_exists(w->s, &d)) {
		/* foreign layers (with urls) are fetched elsewhere */
		if (required && !json_is_array(urls))
			store_problem(w, "%s: blob '%s' is missing", from, name);
		return;
	}
	uint64_t size = 0;
	if (berth_store_blob_size(w->s, &d, &size, &e) == 0 && json_is_integer(sz) &&
	    (uint64_t)json_integer_value(sz) != size)
		store_problem(w, "%s: blob '%s' has %llu bytes, its descriptor says %lld", from,
			      name, (unsigned long long)size, (long long)json_integer_value(sz));
	berth_error_free(&e);
	if (is_document_type(mt))
		walk_document(w, &d, name, depth);
}

static void walk_roots(struct walk *w);

int store_walk_index(struct walk *w, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = store_index_load(w->s, &j, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(j, "manifests"), i, e) {
		const char *n = store_entry_name(e);
		_cleanup_free_ char *from =
			berth_xasprintf("index.json entry '%s'", n ? n : "<none>");
		json_t *mt = json_object_get(e, "mediaType");
		/* entries are manifests or indexes even when mediaType is missing */
		if (!mt)
			json_object_set_new(
				e, "mediaType",
				json_string("application/vnd.oci.image.manifest.v1+json"));
		walk_descriptor(w, e, from, true, 0);
	}
	walk_roots(w);
	return 0;
}

/* ---- gc roots other subsystems hold (cache/gc-roots/<owner>) ---- */

static int valid_owner(const char *owner, struct berth_error **err)
{
	size_t n = strlen(owner);
	if (n == 0 || n > 64 || owner[0] == '.')
		return berth_error_set(err, EINVAL, "invalid gc root owner '%s'", owner);
	for (const char *p = owner; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return berth_error_set(err, EINVAL, "invalid gc root owner '%s'", owner);
	return 0;
}

static int roots_dir(struct berth_store *s, bool create, struct berth_error **err)
{
	int cache = berth_store_dir_fd(s, "cache");
	if (create)
		return store_open_subdir(cache, "gc-roots", err);
	int fd = openat(cache, "gc-roots", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

int berth_store_gc_root_set(struct berth_store *s, const char *owner,
			    const struct berth_store_ref *roots, size_t n, struct berth_error **err)
{
	int r = valid_owner(owner, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = roots_dir(s, true, err);
	if (dfd < 0)
		return dfd;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		char d[BERTH_DIGEST_STRLEN + 1];
		const char *mt = roots[i].media_type && *roots[i].media_type
					 ? roots[i].media_type
					 : "application/octet-stream";
		berth_buf_addf(&b, "%s %s\n", berth_digest_fmt(&roots[i].digest, d), mt);
	}
	/* under the gc lock, so a running collection sees the old or the new roots whole */
	_cleanup_close_ int lock = store_lock_file(s, "roots.lock", LOCK_EX, err);
	if (lock < 0)
		return lock;
	store_remove_dead_atomic_temps(dfd);
	return berth_write_file_atomic(dfd, owner, b.buf, b.len, 0644, err);
}

int berth_store_gc_root_remove(struct berth_store *s, const char *owner, struct berth_error **err)
{
	int r = valid_owner(owner, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = roots_dir(s, false, NULL);
	if (dfd < 0)
		return 0;
	if (unlinkat(dfd, owner, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove gc root '%s'", owner);
	return 0;
}

/* Marks what every roots file names (a manifest or index is walked). */
static void walk_roots(struct walk *w)
{
	_cleanup_close_ int dfd = roots_dir(w->s, false, NULL);
	if (dfd < 0)
		return;
	_cleanup_close_ int lock = store_lock_file(w->s, "roots.lock", LOCK_SH, NULL);
	(void)lock; /* held while the roots are read */
	_cleanup_closedir_ DIR *dir = berth_opendir_at(dfd, ".");
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *data = NULL;
		size_t len;
		if (berth_read_file_at(dfd, de->d_name, 1u << 20, &data, &len, NULL) < 0)
			continue;
		_cleanup_free_ char *from = berth_xasprintf("gc root '%s'", de->d_name);
		for (char *line = data, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			char *sp = strchr(line, ' ');
			if (sp)
				*sp++ = '\0';
			_cleanup_json_ json_t *desc = json_object();
			json_object_set_new(desc, "digest", json_string(line));
			json_object_set_new(desc, "mediaType",
					    json_string(sp ? sp : "application/octet-stream"));
			/* a root whose blob is gone is the owner's business, not a problem */
			struct berth_digest d;
			if (berth_digest_parse(line, &d, NULL) < 0 ||
			    !berth_store_blob_exists(w->s, &d))
				continue;
			walk_descriptor(w, desc, from, false, 0);
		}
	}
}
