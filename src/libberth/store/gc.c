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

typedef int (*blob_fn)(struct berth_store *s, const char *name, const struct berth_digest *d,
		       void *ctx, struct berth_error **err);

/* Calls fn for every file of blobs/sha256 (d NULL when the name is not a digest). */
static int foreach_blob(struct berth_store *s, blob_fn fn, void *ctx, struct berth_error **err)
{
	_cleanup_closedir_ DIR *dir = berth_opendir_at(s->blobs_fd, ".");
	if (!dir)
		return berth_error_syscall(err, errno, "open '%s/blobs/sha256'", s->root);
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct berth_digest d;
		struct berth_error *e = NULL;
		bool ok = berth_digest_parse_hex(de->d_name, &d, &e) >= 0;
		berth_error_free(&e);
		int r = fn(s, de->d_name, ok ? &d : NULL, ctx, err);
		if (r < 0)
			return r;
	}
	if (errno)
		return berth_error_syscall(err, errno, "read '%s/blobs/sha256'", s->root);
	return 0;
}

struct size_ctx {
	berth_store_blob_size_fn fn;
	void *ctx;
};

static int size_blob(struct berth_store *s, const char *name, const struct berth_digest *d,
		     void *ctx, struct berth_error **err)
{
	(void)err;
	struct size_ctx *c = ctx;
	struct stat st;
	if (!d || fstatat(s->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return c->fn(c->ctx, d, (uint64_t)st.st_size);
}

int berth_store_blob_foreach_size(struct berth_store *s, berth_store_blob_size_fn fn, void *ctx,
				  struct berth_error **err)
{
	struct size_ctx c = {fn, ctx};
	return foreach_blob(s, size_blob, &c, err);
}

struct gc_ctx {
	const struct berth_store_marks *live;
	struct berth_store_gc_result *res;
};

static int gc_blob(struct berth_store *s, const char *name, const struct berth_digest *d, void *ctx,
		   struct berth_error **err)
{
	struct gc_ctx *c = ctx;
	struct stat st;
	if (d && berth_store_marked(c->live, d))
		return 0;
	if (!d && name[0] != '.')
		return 0; /* not ours: leave foreign files alone */
	if (fstatat(s->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (unlinkat(s->blobs_fd, name, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove blob '%s'", name);
	if (d) {
		c->res->blobs_removed++;
		c->res->bytes_removed += (uint64_t)st.st_size;
	} else {
		c->res->temps_removed++;
	}
	return 0;
}

/* Runs mark with the index lock held too, so no tag is set to a blob we are about to remove. */
static int mark_live(struct berth_store *s, berth_store_mark_fn mark, void *ctx,
		     struct berth_store_marks *m, struct berth_error **err)
{
	_cleanup_close_ int ilock = store_lock_file(s, "index.lock", LOCK_EX, err);
	if (ilock < 0)
		return ilock;
	store_mark_index_problems(s, m);
	return mark(s, m, ctx, err);
}

int berth_store_sweep(struct berth_store *s, berth_store_mark_fn mark, void *ctx,
		      struct berth_store_gc_result *ret, struct berth_error **err)
{
	struct berth_store_gc_result res = {0};
	struct berth_store_marks m = {0};
	int r = store_gc_exclusive_begin(s, err);
	if (r < 0)
		return r;
	r = mark_live(s, mark, ctx, &m, err);
	if (r < 0)
		goto out;
	if (m.problems > 0) {
		/* an unreadable manifest hides what it refers to: do not guess */
		r = berth_error_set(err, EBADMSG,
				    "store '%s' has %zu problems; run 'berth system check'",
				    s->root, m.problems);
		goto out;
	}
	struct gc_ctx c = {&m, &res};
	r = foreach_blob(s, gc_blob, &c, err);
	if (r < 0)
		goto out;
	size_t live = 0;
	r = store_tmp_scan(s, true, &res.temps_removed, &live, err);
	if (r < 0)
		goto out;
	r = berth_fsync_dir(s->blobs_fd, err);
out:
	store_gc_exclusive_end(s);
	berth_store_marks_release(&m);
	if (r >= 0 && ret)
		*ret = res;
	return r;
}

struct check_ctx {
	struct berth_store_marks *m;
	struct berth_store_check_result *res;
	bool repair;
};

static int check_blob(struct berth_store *s, const char *name, const struct berth_digest *d,
		      void *ctx, struct berth_error **err)
{
	struct check_ctx *c = ctx;
	struct berth_digest got;
	uint64_t size = 0;
	struct berth_error *e = NULL;
	if (!d) {
		berth_store_mark_problem(c->m, "blobs/sha256/%s: not a blob name%s", name,
					 c->repair ? " (removed)" : "");
		c->res->temps++;
		if (c->repair)
			berth_rm_rf_at(s->blobs_fd, name, NULL);
		return 0;
	}
	_cleanup_close_ int fd = -EBADF;
	if (berth_store_blob_open(s, d, &fd, NULL, &e) < 0 ||
	    berth_digest_fd(fd, &got, &size, &e) < 0) {
		berth_store_mark_problem(c->m, "blobs/sha256/%s: %s", name, berth_error_msg(e));
		berth_error_free(&e);
		return 0;
	}
	c->res->blobs++;
	c->res->bytes += size;
	if (!berth_digest_eq(&got, d)) {
		berth_store_mark_problem(
			c->m, "blob 'sha256:%s' is corrupt: its bytes do not match its digest%s",
			name, c->repair ? " (removed)" : "");
		if (c->repair)
			unlinkat(s->blobs_fd, name, 0);
		return 0;
	}
	if (!berth_store_marked(c->m, d)) {
		/* orphans are not errors (gc removes them) but are counted */
		c->res->orphans++;
		if (c->repair)
			unlinkat(s->blobs_fd, name, 0);
	}
	return 0;
}

static int check_layout_file(struct berth_store *s, struct berth_store_marks *m)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	_cleanup_json_ json_t *j = NULL;
	struct berth_error *e = NULL;
	if (berth_read_file_at(s->root_fd, "oci-layout", 4096, &data, &len, &e) < 0 ||
	    berth_json_parse(data, len, "oci-layout", &j, &e) < 0) {
		berth_store_mark_problem(m, "oci-layout: %s", berth_error_msg(e));
		berth_error_free(&e);
		return 0;
	}
	const char *v = json_string_value(json_object_get(j, "imageLayoutVersion"));
	if (!v)
		berth_store_mark_problem(m, "oci-layout: no imageLayoutVersion");
	return 0;
}

static int edit_drop_missing(json_t *m, void *ctx, struct berth_error **err)
{
	struct berth_store *s = ctx;
	int n = 0;
	for (size_t i = json_array_size(m); i-- > 0;) {
		struct berth_digest d;
		struct berth_error *e = NULL;
		const char *dg = json_string_value(json_object_get(json_array_get(m, i), "digest"));
		if (!dg || berth_digest_parse(dg, &d, &e) < 0 || !berth_store_blob_exists(s, &d)) {
			json_array_remove(m, i);
			n++;
		}
		berth_error_free(&e);
	}
	return n;
}

int berth_store_check(struct berth_store *s, bool repair, berth_store_mark_fn mark, void *ctx,
		      const struct berth_store_problem_cb *cb, struct berth_store_check_result *ret,
		      struct berth_error **err)
{
	struct berth_store_check_result res = {0};
	struct berth_store_marks m = {.cb = cb};
	/* exclusive: a partial write of a running writer is not a problem */
	int r = store_gc_exclusive_begin(s, err);
	if (r < 0)
		return r;
	check_layout_file(s, &m);
	/* an unreadable index is a problem to report, not a failure of the check */
	struct berth_error *merr = NULL;
	if (mark_live(s, mark, ctx, &m, &merr) < 0) {
		berth_store_mark_problem(&m, "%s", berth_error_msg(merr));
		berth_error_free(&merr);
	}
	struct check_ctx c = {&m, &res, repair};
	r = foreach_blob(s, check_blob, &c, err);
	if (r < 0)
		goto out;
	/*
	 * A crash's partial writes are counted, not problems: nothing refers
	 * to them and the next write removes them (as gc does orphans). What a
	 * live process owns is in use.
	 */
	r = store_tmp_scan(s, repair, &res.temps, &res.temps_live, err);
	if (r < 0)
		goto out;
	if (repair) {
		r = store_index_modify(s, edit_drop_missing, s, err);
		if (r < 0)
			goto out;
	}
	res.problems = m.problems;
	r = 0;
out:
	store_gc_exclusive_end(s);
	berth_store_marks_release(&m);
	if (r >= 0 && ret)
		*ret = res;
	return r;
}

static int usage_blob(struct berth_store *s, const char *name, const struct berth_digest *d,
		      void *ctx, struct berth_error **err)
{
	uint64_t *acc = ctx;
	struct stat st;
	if (!d || fstatat(s->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	acc[0]++;
	acc[1] += (uint64_t)st.st_size;
	return 0;
}

int berth_store_blob_usage(struct berth_store *s, size_t *ret_count, uint64_t *ret_bytes,
			   struct berth_error **err)
{
	uint64_t acc[2] = {0, 0};
	int r = foreach_blob(s, usage_blob, acc, err);
	if (r < 0)
		return r;
	if (ret_count)
		*ret_count = (size_t)acc[0];
	if (ret_bytes)
		*ret_bytes = acc[1];
	return 0;
}
