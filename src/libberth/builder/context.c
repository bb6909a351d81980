/* SPDX-License-Identifier: Apache-2.0 */
#include "builder/context.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/sort.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strdist.h"
#include "core/strv.h"
#include "ignore/ignore.h"

#define STAT_CACHE_MAX (256u << 20)

struct stat_rec {
	char *path;
	uint64_t size;
	struct timespec mtime, ctime;
	uint64_t ino;
	struct berth_digest digest;
	bool used;
};

struct stat_cache {
	struct stat_rec *recs; /* sorted by path */
	size_t n, alloc;
};

static int rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stat_rec *)a)->path, ((const struct stat_rec *)b)->path);
}

static void stat_cache_free(struct stat_cache *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n; i++)
		free(sc->recs[i].path);
	free(sc->recs);
	free(sc);
}

static struct stat_rec *stat_cache_find(struct stat_cache *sc, const char *path)
{
	struct stat_rec key = {.path = (char *)path};
	if (!sc || sc->n == 0)
		return NULL;
	return bsearch(&key, sc->recs, sc->n, sizeof(key), rec_cmp);
}

/*
 * Lines of "hex size mtime.ns ino ctime.ns path". The file is ours, but a
 * damaged one must not break a build: a bad line ends the parse and the
 * rest of the cache is simply recomputed.
 */
static struct stat_cache *stat_cache_parse(char *data)
{
	struct stat_cache *sc = berth_xcalloc(1, sizeof(*sc));
	char *line = data;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		char hex[65];
		unsigned long long size, ino;
		long long ms, mns, cs, cns;
		int off = 0;
		if (sscanf(line, "%64s %llu %lld.%lld %llu %lld.%lld %n", hex, &size, &ms, &mns,
			   &ino, &cs, &cns, &off) != 7 ||
		    off <= 0 || line[off] == '\0')
			break;
		struct stat_rec r = {
			.size = size,
			.mtime = {.tv_sec = ms, .tv_nsec = mns},
			.ctime = {.tv_sec = cs, .tv_nsec = cns},
			.ino = ino,
		};
		if (berth_digest_parse_hex(hex, &r.digest, NULL) < 0)
			break;
		r.path = berth_xstrdup(line + off);
		if (sc->n == sc->alloc) {
			sc->alloc = sc->alloc ? sc->alloc * 2 : 256;
			sc->recs = berth_xreallocarray(sc->recs, sc->alloc, sizeof(*sc->recs));
		}
		sc->recs[sc->n++] = r;
		line = nl + 1;
	}
	berth_qsort(sc->recs, sc->n, sizeof(*sc->recs), rec_cmp);
	return sc;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bctx_entry *)a)->path, ((const struct bctx_entry *)b)->path);
}

struct walker {
	struct bctx *c;
	bctx_ignore_fn ignore;
	void *matcher;
	size_t alloc;
};

static void add_entry(struct walker *w, char *path, const struct stat *st, char *link)
{
	struct bctx *c = w->c;
	if (c->n_entries == w->alloc) {
		w->alloc = w->alloc ? w->alloc * 2 : 256;
		c->entries = berth_xreallocarray(c->entries, w->alloc, sizeof(*c->entries));
	}
	c->entries[c->n_entries++] = (struct bctx_entry){
		.path = path,
		.mode = st->st_mode,
		.uid = st->st_uid,
		.gid = st->st_gid,
		.size = (uint64_t)st->st_size,
		.mtime = st->st_mtim,
		.ctime = st->st_ctim,
		.ino = st->st_ino,
		.link = link,
	};
}

/*
 * Walks dir_fd (a directory of the context opened with O_NOFOLLOW below
 * the root, so it can only be inside it) recording every non-excluded entry.
 * Symlinks are recorded, never followed. An excluded directory is entered
 * only when the matcher says an exception may apply below it; the excluded
 * directory itself is then not recorded.
 */
static int walk(struct walker *w, int dir_fd, const char *prefix, unsigned depth,
		struct berth_error **err)
{
	if (depth > 256)
		return berth_error_set(err, ELOOP, "context directory '%s' is nested too deeply",
				       prefix);
	_cleanup_closedir_ DIR *d = berth_opendir_at(dir_fd, ".");
	if (!d)
		return berth_error_syscall(err, errno, "open context directory '%s'",
					   *prefix ? prefix : ".");
	if (builder_check_interrupt(err) < 0)
		return -EINTR;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				return berth_error_syscall(err, errno,
							   "read context directory '%s'", prefix);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *path = *prefix ? berth_xasprintf("%s/%s", prefix, de->d_name)
						    : berth_xstrdup(de->d_name);
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* removed while we walk */
			return berth_error_syscall(err, errno, "stat '%s' in the context", path);
		}
		bool is_dir = S_ISDIR(st.st_mode);
		bool excluded = false, descend = false;
		if (w->ignore) {
			int r = w->ignore(w->matcher, path, is_dir, &excluded, &descend, err);
			if (r < 0)
				return r;
		}
		if (excluded && !(is_dir && descend))
			continue;
		char *link = NULL;
		if (S_ISLNK(st.st_mode)) {
			char buf[PATH_MAX];
			ssize_t n = readlinkat(dirfd(d), de->d_name, buf, sizeof(buf) - 1);
			if (n < 0)
				return berth_error_syscall(
					err, errno, "read symlink '%s' in the context", path);
			buf[n] = '\0';
			link = berth_xstrdup(buf);
		}
		if (!excluded)
			add_entry(w, berth_xstrdup(path), &st, link);
		if (is_dir) {
			_cleanup_close_ int sub =
				openat(dirfd(d), de->d_name,
				       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return berth_error_syscall(err, errno,
							   "open context directory '%s'", path);
			int r = walk(w, sub, path, depth + 1, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static char *cache_name_of(const char *key)
{
	struct berth_digest d;
	char hex[65];
	berth_digest_of(key, strlen(key), &d);
	return berth_xasprintf("statcache-%.16s", berth_digest_hex(&d, hex));
}

struct bctx *bctx_new_empty(void)
{
	struct bctx *c = berth_xcalloc(1, sizeof(*c));
	c->dir_fd = -EBADF;
	c->cache_dir_fd = -EBADF;
	c->path = berth_xstrdup("-");
	return c;
}

int bctx_load(int dir_fd, const char *path, bctx_ignore_fn ignore, void *matcher, int cache_dir_fd,
	      const char *key, struct bctx **ret, struct berth_error **err)
{
	_cleanup_(bctx_freep) struct bctx *c = bctx_new_empty();
	struct walker w = {.c = c, .ignore = ignore, .matcher = matcher};
	int r;

	c->dir_fd = dir_fd;
	free(c->path);
	c->path = berth_xstrdup(path);
	r = walk(&w, c->dir_fd, "", 0, err);
	if (r < 0)
		return berth_error_prefix(err, "load build context '%s'", path);
	berth_qsort(c->entries, c->n_entries, sizeof(*c->entries), entry_cmp);

	if (cache_dir_fd >= 0 && key) {
		c->cache_dir_fd = fcntl(cache_dir_fd, F_DUPFD_CLOEXEC, 3);
		if (c->cache_dir_fd < 0)
			return berth_error_syscall(err, errno, "dup cache directory");
		c->cache_name = cache_name_of(key);
		_cleanup_free_ char *data = NULL;
		size_t len;
		r = berth_read_file_at(c->cache_dir_fd, c->cache_name, STAT_CACHE_MAX, &data, &len,
				       NULL);
		if (r >= 0)
			c->stat_cache = stat_cache_parse(data);
	}
	*ret = TAKE_PTR(c);
	return 0;
}

void bctx_free(struct bctx *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_entries; i++) {
		free(c->entries[i].path);
		free(c->entries[i].link);
	}
	free(c->entries);
	if (c->dir_fd >= 0)
		close(c->dir_fd);
	if (c->cache_dir_fd >= 0)
		close(c->cache_dir_fd);
	free(c->cache_name);
	free(c->path);
	stat_cache_free(c->stat_cache);
	free(c);
}

void bctx_save_stat_cache(struct bctx *c)
{
	struct berth_buf b = BERTH_BUF_INIT;
	char hex[65];

	if (!c->stat_cache_dirty || c->cache_dir_fd < 0 || !c->cache_name)
		return;
	/* only what this context still holds, so deleted files drop out */
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct bctx_entry *e = &c->entries[i];
		if (!e->have_digest || strchr(e->path, '\n'))
			continue;
		berth_buf_addf(&b, "%s %" PRIu64 " %lld.%ld %llu %lld.%ld %s\n",
			       berth_digest_hex(&e->digest, hex), e->size,
			       (long long)e->mtime.tv_sec, e->mtime.tv_nsec,
			       (unsigned long long)e->ino, (long long)e->ctime.tv_sec,
			       e->ctime.tv_nsec, e->path);
	}
	(void)berth_write_file_atomic(c->cache_dir_fd, c->cache_name, b.buf, b.len, 0600, NULL);
	berth_buf_release(&b);
	c->stat_cache_dirty = false;
}

static int find_index(const struct bctx *c, const char *path, size_t *ret)
{
	size_t lo = 0, hi = c->n_entries;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->entries[mid].path, path);
		if (cmp == 0) {
			*ret = mid;
			return 0;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ret = lo;
	return -ENOENT;
}

const struct bctx_entry *bctx_find(const struct bctx *c, const char *path)
{
	size_t i;
	if (find_index(c, path, &i) < 0)
		return NULL;
	return &c->entries[i];
}

int bctx_clean_path(const char *src, char **ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **parts = NULL;
	struct berth_buf out = BERTH_BUF_INIT;
	const char *p = src;

	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (!berth_strv_pop(parts)) {
				berth_buf_release(&out);
				return berth_error_set(err, EXDEV,
						       "forbidden path outside the build context: "
						       "'%s'",
						       src);
			}
		} else {
			berth_strv_consume(&parts, berth_xstrndup(p, n));
		}
		p = e;
	}
	BERTH_STRV_FOREACH (s, parts) {
		if (out.len)
			berth_buf_addch(&out, '/');
		berth_buf_addstr(&out, *s);
	}
	*ret = berth_buf_detach(&out, NULL);
	return 0;
}

int bctx_open(const struct bctx *c, const char *path, struct berth_error **err)
{
	if (c->dir_fd < 0)
		return berth_error_set(err, ENOENT, "'%s': there is no build context", path);
	int fd = berth_open_beneath(c->dir_fd, path, O_RDONLY | O_NOFOLLOW, 0, err);
	if (fd < 0)
		return berth_error_prefix(err, "open '%s' in the build context", path);
	return fd;
}

int bctx_entry_digest(struct bctx *c, struct bctx_entry *e, struct berth_error **err)
{
	struct stat_rec *rec;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	uint64_t size;
	int r;

	if (e->have_digest || !S_ISREG(e->mode))
		return 0;
	rec = stat_cache_find(c->stat_cache, e->path);
	if (rec && rec->size == e->size && rec->ino == e->ino &&
	    rec->mtime.tv_sec == e->mtime.tv_sec && rec->mtime.tv_nsec == e->mtime.tv_nsec &&
	    rec->ctime.tv_sec == e->ctime.tv_sec && rec->ctime.tv_nsec == e->ctime.tv_nsec) {
		e->digest = rec->digest;
		e->have_digest = true;
		return 0;
	}
	r = builder_check_interrupt(err);
	if (r < 0)
		return r;
	fd = bctx_open(c, e->path, err);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return berth_error_syscall(err, errno, "stat '%s' in the build context", e->path);
	if (!S_ISREG(st.st_mode) || st.st_ino != e->ino)
		return berth_error_set(err, EAGAIN, "'%s' changed while the build context was read",
				       e->path);
	r = berth_digest_fd(fd, &e->digest, &size, err);
	if (r < 0)
		return berth_error_prefix(err, "read '%s' in the build context", e->path);
	c->hashed_bytes += size;
	e->size = size;
	e->have_digest = true;
	c->stat_cache_dirty = true;
	return 0;
}

/* Go's filepath.Match for one name against one pattern (no '/' handling). */
static bool match_class(const char **pp, char ch, bool *ret_ok)
{
	const char *p = *pp;
	bool neg = false, found = false;
	if (*p == '^' || *p == '!') {
		neg = true;
		p++;
	}
	bool first = true;
	while (*p && (*p != ']' || first)) {
		first = false;
		char lo = *p, hi;
		if (lo == '\\' && p[1])
			lo = *++p;
		p++;
		hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = *p;
			if (hi == '\\' && p[1])
				hi = *++p;
			p++;
		}
		if (lo <= ch && ch <= hi)
			found = true;
	}
	if (*p != ']')
		return false; /* malformed: no match */
	*pp = p + 1;
	*ret_ok = found != neg;
	return true;
}

bool bctx_match(const char *pattern, const char *name)
{
	const char *p = pattern, *n = name;
	const char *star_p = NULL, *star_n = NULL;

	while (*n) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_n = n;
			continue;
		}
		if (*n == '/' && *p != '/')
			goto backtrack;
		if (*p == '?' && *n != '/') {
			p++;
			n++;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			bool ok = false;
			if (!match_class(&q, *n, &ok))
				return false;
			if (ok && *n != '/') {
				p = q;
				n++;
				continue;
			}
			goto backtrack;
		}
		{
			char pc = *p;
			if (pc == '\\' && p[1])
				pc = *++p;
			if (pc && pc == *n) {
				p++;
				n++;
				continue;
			}
		}
	backtrack:
		/* a star matches any run of non-separators */
		if (star_p && *star_n != '/') {
			star_n++;
			p = star_p;
			n = star_n;
			continue;
		}
		return false;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static bool has_wildcard(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (*s == '*' || *s == '?' || *s == '[')
			return true;
	}
	return false;
}

void bctx_selection_release(struct bctx_selection *s)
{
	for (size_t i = 0; i < s->n_items; i++)
		free(s->items[i].dest);
	free(s->items);
	*s = (struct bctx_selection){0};
}

struct selector {
	struct bctx *c;
	struct bctx_selection *sel;
	size_t alloc;
	char *const *excludes;
	const char *src_prefix; /* the directory source being expanded */
	struct berth_ignore *matcher;
};

/*
 * --exclude patterns have .dockerignore's syntax (patternmatcher, with
 * "**"); they apply to the path below a copied directory and to the
 * context path.
 */
static bool is_excluded(const struct selector *s, const char *path)
{
	size_t pl = s->src_prefix ? strlen(s->src_prefix) : 0;
	if (!s->matcher)
		return false;
	if (pl && strncmp(path, s->src_prefix, pl) == 0 && path[pl] == '/' &&
	    berth_ignore_matches(s->matcher, path + pl + 1, NULL) > 0)
		return true;
	return berth_ignore_matches(s->matcher, path, NULL) > 0;
}

static void push_item(struct selector *s, const struct bctx_entry *e, char *dest, bool is_dir,
		      bool in_dir)
{
	struct bctx_selection *sel = s->sel;
	if (sel->n_items == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 64;
		sel->items = berth_xreallocarray(sel->items, s->alloc, sizeof(*sel->items));
	}
	sel->items[sel->n_items++] =
		(struct bctx_copy_item){.src = e, .dest = dest, .is_dir = is_dir, .in_dir = in_dir};
}

static char *join(const char *a, const char *b)
{
	if (!*a)
		return berth_xstrdup(b);
	if (!*b)
		return berth_xstrdup(a);
	return berth_xasprintf("%s/%s", a, b);
}

/* Adds src (a file, or a directory whose contents go to dest) to the selection. */
static void add_source(struct selector *s, size_t idx, const char *dest, bool root)
{
	struct bctx *c = s->c;
	const struct bctx_entry *e = root ? NULL : &c->entries[idx];
	const char *prefix = root ? "" : e->path;

	if (!root && !S_ISDIR(e->mode)) {
		if (!is_excluded(s, e->path))
			push_item(s, e, berth_xstrdup(dest), false, false);
		return;
	}
	/* a directory: its contents are copied, the directory itself is dest */
	s->src_prefix = prefix;
	if (*dest)
		push_item(s, e, berth_xstrdup(dest), true, false);
	size_t plen = strlen(prefix);
	size_t i = root ? 0 : idx + 1;
	for (; i < c->n_entries; i++) {
		const struct bctx_entry *x = &c->entries[i];
		if (plen) {
			if (strncmp(x->path, prefix, plen) != 0)
				break;
			if (x->path[plen] != '/')
				continue; /* "a-b" sorts between "a" and "a/..." */
		}
		if (is_excluded(s, x->path))
			continue;
		const char *rel = plen ? x->path + plen + 1 : x->path;
		push_item(s, x, join(dest, rel), S_ISDIR(x->mode), true);
	}
}

/* Names in the context close to want, for "not found" messages. */
static char *close_names(const struct bctx *c, const char *want)
{
	struct berth_buf b = BERTH_BUF_INIT;
	const char *base = strrchr(want, '/');
	base = base ? base + 1 : want;
	unsigned shown = 0;
	for (size_t i = 0; i < c->n_entries && shown < 5; i++) {
		const char *p = c->entries[i].path;
		const char *eb = strrchr(p, '/');
		eb = eb ? eb + 1 : p;
		size_t lb = strlen(base), le = strlen(eb);
		size_t common = 0;
		while (common < lb && common < le && base[common] == eb[common])
			common++;
		bool close = strcasecmp(base, eb) == 0 || (lb >= 3 && common * 2 >= lb) ||
			     berth_strdist(base, eb) <= (lb > 6 ? 2 : 1) ||
			     (lb >= 3 && strstr(eb, base)) || (le >= 3 && strstr(base, eb));
		if (!close)
			continue;
		berth_buf_addf(&b, "%s'%s'", shown ? ", " : "", p);
		shown++;
	}
	return berth_buf_detach(&b, NULL);
}

int bctx_select(struct bctx *c, char *const *srcs, const char *dest, char *const *excludes,
		bool parents, struct bctx_selection *ret, struct berth_error **err)
{
	struct bctx_selection sel = {0};
	struct selector s = {.c = c, .sel = &sel, .excludes = excludes};
	size_t nsrc = berth_strv_len(srcs);
	bool dest_dir;
	_cleanup_free_ char *d = NULL;
	int r;

	r = bctx_clean_path(dest, &d, err);
	if (r < 0)
		return r;
	if (excludes && *excludes) {
		r = berth_ignore_new(excludes, &s.matcher, err);
		if (r < 0)
			return berth_error_prefix(err, "--exclude");
	}
	dest_dir = nsrc > 1 || (*dest && dest[strlen(dest) - 1] == '/') || !*d ||
		   (strlen(dest) >= 2 && strcmp(dest + strlen(dest) - 2, "/.") == 0) ||
		   strcmp(dest, ".") == 0;
	BERTH_STRV_FOREACH (src, srcs) {
		_cleanup_free_ char *p = NULL;
		r = bctx_clean_path(*src, &p, err);
		if (r < 0)
			goto fail;
		if (has_wildcard(p)) {
			bool any = false;
			for (size_t i = 0; i < c->n_entries; i++) {
				if (!bctx_match(p, c->entries[i].path))
					continue;
				any = true;
				const struct bctx_entry *e = &c->entries[i];
				const char *b = strrchr(e->path, '/');
				b = b ? b + 1 : e->path;
				_cleanup_free_ char *to = NULL;
				if (parents)
					to = join(d, e->path);
				else if (S_ISDIR(e->mode))
					to = berth_xstrdup(d);
				else
					to = join(d, b);
				add_source(&s, i, to, false);
			}
			if (!any) {
				r = berth_error_set(err, ENOENT, "no source files were specified");
				goto fail;
			}
			dest_dir = true;
			continue;
		}
		if (!*p) {
			add_source(&s, 0, d, true);
			continue;
		}
		size_t idx;
		if (find_index(c, p, &idx) < 0) {
			_cleanup_free_ char *near = close_names(c, p);
			if (*near)
				r = berth_error_set(
					err, ENOENT,
					"'%s' not found in the build context (close: %s)", *src,
					near);
			else
				r = berth_error_set(err, ENOENT,
						    "'%s' not found in the build context", *src);
			goto fail;
		}
		const struct bctx_entry *e = &c->entries[idx];
		if (S_ISLNK(e->mode)) {
			/* a named source is followed; it must stay inside the context */
			int fd2 = berth_open_beneath(c->dir_fd, p, O_RDONLY, 0, err);
			if (fd2 < 0) {
				r = berth_error_prefix(err, "source '%s'", *src);
				goto fail;
			}
			struct stat st;
			int se = fstat(fd2, &st);
			close(fd2);
			if (se < 0 || !S_ISREG(st.st_mode)) {
				r = berth_error_set(
					err, ENOTSUP,
					"source '%s' is a symlink to a directory, which "
					"berth does not copy yet",
					*src);
				goto fail;
			}
		}
		const char *b = strrchr(p, '/');
		b = b ? b + 1 : p;
		_cleanup_free_ char *to = NULL;
		if (S_ISDIR(e->mode))
			to = parents ? join(d, p) : berth_xstrdup(d);
		else if (parents)
			to = join(d, p);
		else
			to = dest_dir ? join(d, b) : berth_xstrdup(d);
		if (!*to && !S_ISDIR(e->mode)) {
			r = berth_error_set(err, EINVAL, "cannot copy file '%s' onto '/'", *src);
			goto fail;
		}
		add_source(&s, idx, to, false);
	}
	berth_ignore_free(s.matcher);
	*ret = sel;
	return 0;
fail:
	berth_ignore_free(s.matcher);
	bctx_selection_release(&sel);
	return r;
}

int bctx_selection_digest(struct bctx *c, struct bctx_selection *s, struct berth_digest *ret,
			  struct berth_error **err)
{
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	char hex[65];
	int r;

	for (size_t i = 0; i < s->n_items; i++) {
		struct bctx_copy_item *it = &s->items[i];
		struct bctx_entry *e = (struct bctx_entry *)it->src;
		struct berth_buf b = BERTH_BUF_INIT;
		if (!e) {
			berth_buf_addf(&b, "dir %s", it->dest);
		} else if (S_ISREG(e->mode)) {
			r = bctx_entry_digest(c, e, err);
			if (r < 0) {
				berth_buf_release(&b);
				return r;
			}
			berth_buf_addf(&b, "file %s %o %s", it->dest, (unsigned)(e->mode & 07777),
				       berth_digest_hex(&e->digest, hex));
		} else if (S_ISLNK(e->mode)) {
			berth_buf_addf(&b, "link %s %s", it->dest, e->link ? e->link : "");
		} else if (S_ISDIR(e->mode)) {
			berth_buf_addf(&b, "dir %s %o", it->dest, (unsigned)(e->mode & 07777));
		} else {
			berth_buf_addf(&b, "special %s %o", it->dest, (unsigned)e->mode);
		}
		/* NUL separates records: names may hold anything but NUL */
		berth_sha256_update(h, b.buf, b.len + 1);
		berth_buf_release(&b);
	}
	berth_sha256_final(h, ret);
	return 0;
}
