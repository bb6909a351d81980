/* SPDX-License-Identifier: Apache-2.0 */
#include "store/internal.h"

#include <stdarg.h>

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

/* ---- marks: the live set the image level computes ---- */

void berth_store_marks_release(struct berth_store_marks *m)
{
	free(m->d);
	m->d = NULL;
	m->n = m->alloc = 0;
}

/* The index of d, or -1 (then *ins, when not NULL, is where it would go). */
static ssize_t marks_find(const struct berth_store_marks *m, const struct berth_digest *d,
			  size_t *ins)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(m->d[mid].bytes, d->bytes, sizeof(d->bytes));
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

bool berth_store_marked(const struct berth_store_marks *m, const struct berth_digest *d)
{
	return marks_find(m, d, NULL) >= 0;
}

bool berth_store_mark(struct berth_store_marks *m, const struct berth_digest *d)
{
	size_t at = 0;
	if (marks_find(m, d, &at) >= 0)
		return false;
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? 2 * m->alloc : 64;
		m->d = berth_xreallocarray(m->d, m->alloc, sizeof(*m->d));
	}
	memmove(&m->d[at + 1], &m->d[at], (m->n - at) * sizeof(*m->d));
	m->d[at] = *d;
	m->n++;
	return true;
}

void berth_store_mark_problem(struct berth_store_marks *m, const char *fmt, ...)
{
	m->problems++;
	if (!m->cb || !m->cb->problem)
		return;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	m->cb->problem(m->cb->ctx, b.buf);
}

/*
 * index.json is the store's own file: an entry berth_store_ref_list skips
 * (no digest, no size) is a problem the image level never sees.
 */
void store_mark_index_problems(struct berth_store *s, struct berth_store_marks *m)
{
	_cleanup_json_ json_t *j = NULL;
	struct berth_error *e = NULL;
	if (store_index_load(s, &j, &e) < 0) {
		berth_store_mark_problem(m, "%s", berth_error_msg(e));
		berth_error_free(&e);
		return;
	}
	size_t i;
	json_t *x;
	json_array_foreach (json_object_get(j, "manifests"), i, x) {
		struct berth_store_ref ref;
		if (store_entry_parse(x, &ref, &e) < 0) {
			const char *n = store_entry_name(x);
			berth_store_mark_problem(m, "index.json entry '%s': %s", n ? n : "<none>",
						 berth_error_msg(e));
			berth_error_free(&e);
			continue;
		}
		berth_store_ref_release(&ref);
	}
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
	berth_remove_dead_atomic_temps(dfd);
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

/* Adds the roots of one owner's file (lines "<digest> <media type>") to refs. */
static void roots_file_read(int dfd, const char *owner, struct berth_store_refs *refs)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (berth_read_file_at(dfd, owner, 1u << 20, &data, &len, NULL) < 0)
		return;
	for (char *line = data, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *sp = strchr(line, ' ');
		if (sp)
			*sp++ = '\0';
		struct berth_digest d;
		if (berth_digest_parse(line, &d, NULL) < 0)
			continue;
		refs->items = berth_xreallocarray(refs->items, refs->n + 1, sizeof(*refs->items));
		refs->items[refs->n++] = (struct berth_store_ref){
			.name = berth_xstrdup(owner),
			.media_type = berth_xstrdup(sp ? sp : "application/octet-stream"),
			.digest = d,
		};
	}
}

int berth_store_gc_root_list(struct berth_store *s, struct berth_store_refs **ret,
			     struct berth_error **err)
{
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs =
		berth_xcalloc(1, sizeof(*refs));
	_cleanup_close_ int dfd = roots_dir(s, false, NULL);
	if (dfd >= 0) {
		/* held while the roots are read: a root set is seen old or new, whole */
		_cleanup_close_ int lock = store_lock_file(s, "roots.lock", LOCK_SH, err);
		if (lock < 0)
			return lock;
		_cleanup_closedir_ DIR *dir = berth_opendir_at(dfd, ".");
		if (!dir)
			return berth_error_syscall(err, errno, "open '%s/cache/gc-roots'", s->root);
		struct dirent *de;
		while ((de = readdir(dir)))
			if (de->d_name[0] != '.')
				roots_file_read(dfd, de->d_name, refs);
	}
	*ret = TAKE_PTR(refs);
	return 0;
}
