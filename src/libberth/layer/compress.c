/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compression stages of layer writing and unpacking, as adapters: the
 * writer pushes tar bytes through a compressor, the unpacker pulls tar
 * bytes out of a decompressor so it can hash them (the diffID) before
 * libarchive parses them.
 */
#include <archive.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "layer/layer-internal.h"

struct layer_compressor {
	enum berth_layer_compression kind;
	berth_layer_sink_fn sink;
	void *ctx;
};

int layer_compressor_new(enum berth_layer_compression c, int level, berth_layer_sink_fn sink,
			 void *ctx, struct layer_compressor **ret, struct berth_error **err)
{
	if (c != BERTH_LAYER_UNCOMPRESSED)
		return berth_error_set(err, ENOTSUP, "layer compression '%s' is not available yet",
				       c == BERTH_LAYER_ZSTD ? "zstd" : "gzip");
	struct layer_compressor *lc = berth_xcalloc(1, sizeof(*lc));
	lc->kind = c;
	lc->sink = sink;
	lc->ctx = ctx;
	*ret = lc;
	return 0;
}

int layer_compressor_write(struct layer_compressor *c, const void *data, size_t len,
			   struct berth_error **err)
{
	return c->sink(c->ctx, data, len, err);
}

int layer_compressor_finish(struct layer_compressor *c, struct berth_error **err)
{
	return 0;
}

void layer_compressor_free(struct layer_compressor *c)
{
	free(c);
}

/*
 * libarchive's "raw" format over its filters gives the decompressed stream
 * of gzip, zstd or plain input; tar parsing happens in a second archive
 * object fed from here.
 */
struct layer_decompressor {
	struct archive *a;
	bool eof;
};

int layer_decompressor_new(int fd, struct layer_decompressor **ret, struct berth_error **err)
{
	struct layer_decompressor *d = berth_xcalloc(1, sizeof(*d));
	d->a = archive_read_new();
	if (!d->a)
		berth_oom();
	if (archive_read_support_filter_gzip(d->a) < ARCHIVE_WARN ||
	    archive_read_support_filter_zstd(d->a) < ARCHIVE_WARN ||
	    archive_read_support_format_raw(d->a) != ARCHIVE_OK ||
	    archive_read_open_fd(d->a, fd, 128 * 1024) != ARCHIVE_OK) {
		int r = berth_error_set(err, EBADMSG, "open layer stream: %s",
					archive_error_string(d->a) ? archive_error_string(d->a)
								   : "unknown error");
		layer_decompressor_free(d);
		return r;
	}
	struct archive_entry *e;
	int r = archive_read_next_header(d->a, &e);
	if (r == ARCHIVE_EOF) {
		d->eof = true;
	} else if (r < ARCHIVE_WARN) {
		r = berth_error_set(err, EBADMSG, "read layer stream: %s",
				    archive_error_string(d->a));
		layer_decompressor_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

ssize_t layer_decompressor_read(struct layer_decompressor *d, void *buf, size_t len,
				struct berth_error **err)
{
	if (d->eof)
		return 0;
	la_ssize_t n = archive_read_data(d->a, buf, len);
	if (n < 0)
		return berth_error_set(err, EBADMSG, "decompress layer: %s",
				       archive_error_string(d->a) ? archive_error_string(d->a)
								  : "corrupt stream");
	if (n == 0)
		d->eof = true;
	return n;
}

void layer_decompressor_free(struct layer_decompressor *d)
{
	if (!d)
		return;
	archive_read_free(d->a);
	free(d);
}
