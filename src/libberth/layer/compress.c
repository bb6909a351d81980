/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compression stages of layer writing and unpacking: thin adapters over
 * core/compress.h, so write.c and unpack.c name one small interface.
 */
#include <errno.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "layer/layer-internal.h"

struct layer_compressor {
	struct berth_compressor *c;
};

int layer_compressor_new(enum berth_layer_compression c, int level, berth_layer_sink_fn sink,
			 void *ctx, struct layer_compressor **ret, struct berth_error **err)
{
	enum berth_compression kind = c == BERTH_LAYER_ZSTD	      ? BERTH_COMPRESSION_ZSTD
				      : c == BERTH_LAYER_UNCOMPRESSED ? BERTH_COMPRESSION_NONE
								      : BERTH_COMPRESSION_GZIP;
	struct berth_compressor *bc = NULL;
	int r = berth_compressor_new(kind, level > 0 ? level : -1, sink, ctx, &bc, err);
	if (r < 0)
		return r;
	struct layer_compressor *lc = berth_xcalloc(1, sizeof(*lc));
	lc->c = bc;
	*ret = lc;
	return 0;
}

int layer_compressor_write(struct layer_compressor *c, const void *data, size_t len,
			   struct berth_error **err)
{
	return berth_compressor_write(c->c, data, len, err);
}

int layer_compressor_finish(struct layer_compressor *c, struct berth_error **err)
{
	return berth_compressor_finish(c->c, err);
}

void layer_compressor_free(struct layer_compressor *c)
{
	if (!c)
		return;
	berth_compressor_free(c->c);
	free(c);
}

struct layer_decompressor {
	struct berth_decompress_reader *r;
};

int layer_decompressor_new(int fd, struct layer_decompressor **ret, struct berth_error **err)
{
	struct berth_decompress_reader *r = NULL;
	int k = berth_decompress_reader_open(fd, &r, err);
	if (k < 0)
		return k;
	struct layer_decompressor *d = berth_xcalloc(1, sizeof(*d));
	d->r = r;
	*ret = d;
	return 0;
}

ssize_t layer_decompressor_read(struct layer_decompressor *d, void *buf, size_t len,
				struct berth_error **err)
{
	return berth_decompress_reader_read(d->r, buf, len, err);
}

void layer_decompressor_free(struct layer_decompressor *d)
{
	if (!d)
		return;
	berth_decompress_reader_free(d->r);
	free(d);
}
