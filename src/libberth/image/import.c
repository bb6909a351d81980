/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `import`: a root filesystem tarball becomes a one-layer image. The input
 * is read once: decompressed (auto-detected), written uncompressed straight
 * into a blob writer (the blob's digest is the diff ID), and walked by
 * libarchive so a truncated or corrupt tar fails before anything is tagged.
 * The layer is kept uncompressed as a build's are (docs/build.md): a push
 * compresses it once and records the mapping (image/compressed.c).
 */
#include "image/image.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/compress.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/internal.h"

#define CHUNK (128 * 1024)

/* ---- import ---- */

struct tee {
	struct berth_decompress_reader *in;
	struct berth_blob_writer *out;
	uint64_t size;
	char *buf;
	struct berth_error *err; /* the first error of a callback */
	int code;
};

/* libarchive's read callback: every byte it sees goes into the layer blob too. */
static la_ssize_t tee_read(struct archive *a, void *ctx, const void **ret)
{
	struct tee *t = ctx;
	ssize_t n = berth_decompress_reader_read(t->in, t->buf, CHUNK, &t->err);
	if (n < 0) {
		t->code = (int)n;
		archive_set_error(a, EIO, "%s", berth_error_msg(t->err));
		return -1;
	}
	if (n > 0) {
		int r = berth_blob_writer_write(t->out, t->buf, (size_t)n, &t->err);
		if (r < 0) {
			t->code = r;
			archive_set_error(a, EIO, "%s", berth_error_msg(t->err));
			return -1;
		}
		t->size += (uint64_t)n;
	}
	*ret = t->buf;
	return n;
}

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
	*a = NULL;
}

/* Walks the whole tar through the tee; then drains what follows its end marker. */
static int walk_tar(struct tee *t, struct berth_error **err)
{
	_cleanup_(archive_freep) struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r;
	size_t entries = 0;
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open(a, t, NULL, tee_read, NULL) != ARCHIVE_OK)
		goto bad;
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			goto bad;
		entries++;
		const char *p = archive_entry_pathname(e);
		if (!p || !*p)
			return berth_error_set(err, EBADMSG, "tar entry %zu has no name", entries);
		if (archive_read_data_skip(a) < ARCHIVE_WARN)
			goto bad;
	}
	/* the rest (zero blocks, record padding) belongs to the layer's bytes too */
	for (;;) {
		const void *buf;
		la_ssize_t n = tee_read(a, t, &buf);
		if (n < 0)
			goto bad;
		if (n == 0)
			break;
	}
	if (t->size == 0)
		return berth_error_set(err, EBADMSG, "the input is empty, not a tar archive");
	return 0;
bad:
	if (t->code < 0) {
		int code = t->code;
		if (err) {
			berth_error_free(err);
			*err = TAKE_PTR(t->err);
		}
		return code;
	}
	return berth_error_set(err, EBADMSG, "not a valid tar archive: %s",
			       archive_error_string(a) ? archive_error_string(a) : "read failed");
}

int berth_image_import(struct berth_store *s, int fd, const struct berth_image_import_options *o,
		       struct berth_digest *ret_id, struct berth_error **err)
{
	const char *name = o->name, *message = o->message, *source = o->source;
	char *const *changes = o->changes;
	_cleanup_(berth_image_config_freep) struct berth_image_config *c =
		berth_image_config_new(NULL, NULL);
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *in = NULL;
	_cleanup_(berth_blob_writer_abortp) struct berth_blob_writer *w = NULL;
	_cleanup_free_ char *buf = berth_xmalloc(CHUNK);
	struct berth_digest diff_id;
	struct berth_descriptor layer = {0};
	int r;

	/* check the name and the changes before reading anything */
	if (name) {
		struct berth_image_ref ref;
		r = berth_image_ref_parse(name, &ref, err);
		if (r < 0)
			return r;
		berth_image_ref_release(&ref);
	}
	r = berth_image_config_apply_changes(c, changes, o->apply_changes, err);
	if (r < 0)
		return r;

	r = berth_decompress_reader_open(fd, &in, err);
	if (r < 0)
		return berth_error_prefix(err, "import '%s'", source);
	r = berth_store_blob_begin(s, &w, err);
	if (r < 0)
		return r;
	struct tee t = {.in = in, .out = w, .buf = buf};
	r = walk_tar(&t, err);
	berth_error_free(&t.err);
	if (r < 0)
		return berth_error_prefix(err, "import '%s'", source);
	r = berth_blob_writer_commit(TAKE_PTR(w), NULL, &layer.digest, &layer.size, err);
	if (r < 0)
		return r;
	layer.media_type = (char *)BERTH_MT_OCI_LAYER;
	diff_id = layer.digest;

	_cleanup_free_ char *created =
		berth_image_created_time(o->has_source_date_epoch ? &o->source_date_epoch : NULL);
	_cleanup_free_ char *comment = message && *message
					       ? berth_xstrdup(message)
					       : berth_xasprintf("Imported from %s", source);
	c->created = berth_xstrdup(created);
	struct berth_history h = {.created = created, .comment = comment};
	berth_image_config_add_layer(c, &diff_id, &h);
	struct berth_digest id;
	r = berth_image_write(s, c, &layer, 1, name, NULL, &id, err);
	if (r < 0)
		return r;
	image_event_id(s, "import", &id);
	if (ret_id)
		*ret_id = id;
	return r;
}
