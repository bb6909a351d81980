/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a layer's tar entry by entry without unpacking it: what `berth
 * analyze` (sizes per path) and `berth sbom` (a few package databases) need.
 * The entries are handed over as the tar names them; the callers treat every
 * byte as hostile (names with "..", sizes, contents).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "layer/layer.h"

struct berth_layer_walk {
	struct archive *ar;
	const char *what;
};

static void archive_freep(struct archive **ar)
{
	if (*ar)
		archive_read_free(*ar);
	*ar = NULL;
}

int berth_layer_walk_fd(int fd, const char *what, berth_layer_entry_fn fn, void *ctx,
			struct berth_error **err)
{
	_cleanup_(archive_freep) struct archive *ar = archive_read_new();
	if (!ar)
		berth_oom();
	archive_read_support_filter_all(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_format_empty(ar);
	if (archive_read_open_fd(ar, fd, 64 * 1024) != ARCHIVE_OK)
		return berth_error_set(err, EBADMSG, "read layer %s: %s", what,
				       archive_error_string(ar));
	struct berth_layer_walk w = {ar, what};
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(e);
		if (!name)
			continue;
		const char *link = archive_entry_hardlink(e);
		struct berth_layer_tar_entry le = {
			.path = name,
			.type = link ? 0 : archive_entry_filetype(e),
			.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0,
			.hardlink = link,
			.mode = archive_entry_perm(e),
		};
		int k = fn(ctx, &le, &w, err);
		if (k < 0)
			return k;
	}
	if (r != ARCHIVE_EOF)
		return berth_error_set(err, EBADMSG, "read layer %s: %s", what,
				       archive_error_string(ar));
	return 0;
}

ssize_t berth_layer_walk_read(struct berth_layer_walk *w, void *buf, size_t len,
			      struct berth_error **err)
{
	la_ssize_t n = archive_read_data(w->ar, buf, len);
	if (n < 0)
		return berth_error_set(err, EBADMSG, "read layer %s: %s", w->what,
				       archive_error_string(w->ar));
	return n;
}

int berth_layer_walk_read_all(struct berth_layer_walk *w, size_t max, char **ret, size_t *ret_len,
			      struct berth_error **err)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	for (;;) {
		berth_buf_grow(&b, 64 * 1024);
		ssize_t n = berth_layer_walk_read(w, b.buf + b.len, 64 * 1024, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (b.len + (size_t)n > max)
			return berth_error_set(err, EFBIG, "read layer %s: a file over %zu bytes",
					       w->what, max);
		berth_buf_setlen(&b, b.len + (size_t)n);
	}
	*ret = berth_buf_detach(&b, ret_len);
	return 0;
}
