/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parallel gzip (see core/pgzip.h). The reader (the calling thread) fills a
 * ring of threads + 2 slots (about 2 MiB each) with consecutive blocks, the
 * workers compress whichever ready slot comes first, and the reader hands
 * the slots to the sink in block order. With one thread the reader compresses each block
 * itself. What a block becomes depends only on its bytes, never on which
 * thread compressed it or when.
 */
#include "core/pgzip.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/cleanup.h"

#define MAX_THREADS 8u
#define STORED_MAX  65535u

/* mtime 0, no name, XFL 4 (fastest), OS 3 (Unix): what zlib writes at level 1 */
static const uint8_t gzip_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};

enum slot_state {
	SLOT_FREE,
	SLOT_READY,
	SLOT_BUSY,
	SLOT_DONE
};

struct slot {
	enum slot_state state;
	uint8_t *in; /* BERTH_PGZIP_BLOCK bytes */
	size_t n;
	uint8_t *out;
	size_t out_n, out_cap;
	bool stored;
	int failed; /* errno */
};

/* What a thread compresses with: libdeflate, and zlib's inflate to find the last block. */
struct codec {
	struct libdeflate_compressor *ld;
	z_stream inf;
	bool inf_init;
	uint8_t *scratch; /* BERTH_PGZIP_BLOCK bytes: inflate's output, thrown away */
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct slot *slots;
	size_t nslots;
	uint64_t next_write; /* workers take the oldest ready block first */
	bool quit;
	pthread_t *threads;
	struct codec *codecs; /* one per thread; [0] is the reader's when it works alone */
	size_t nthreads, started;
};

static void out_reserve(struct slot *s, size_t more)
{
	if (s->out_cap - s->out_n >= more)
		return;
	size_t cap = s->out_cap ? s->out_cap : 64u << 10;
	while (cap - s->out_n < more)
		cap *= 2;
	s->out = berth_xrealloc(s->out, cap);
	s->out_cap = cap;
}

/*
 * libdeflate ends its stream with a final block (BFINAL set), after which
 * a reader stops, so the block's stream is made a non-final one ending on
 * a byte boundary, as zlib's sync flush ends (the way zlib's gzjoin joins
 * streams): inflate with Z_BLOCK finds where the last block's header is
 * and where the stream ends; the BFINAL bit is cleared and an empty stored
 * block appended. The inflate also checks the block decompresses whole.
 */
static int unfinal(struct codec *k, struct slot *s)
{
	z_stream *z = &k->inf;
	if (inflateReset(z) != Z_OK)
		return EIO;
	z->next_in = s->out;
	z->avail_in = (uInt)s->out_n;
	size_t last = 0; /* bit offset of the last block header seen */
	unsigned pad = 0;
	for (;;) {
		z->next_out = k->scratch;
		z->avail_out = BERTH_PGZIP_BLOCK;
		int zr = inflate(z, Z_BLOCK);
		if (zr != Z_OK)
			return EIO; /* Z_STREAM_END too: it stops after the final block first */
		/*
		 * 128: stopped after a block's end code; 64: that block was the final
		 * one, and the unused high bits of the byte it ends in are padding.
		 * Otherwise the next bits are the next block's header.
		 */
		if ((z->data_type & 128) && (z->data_type & 64)) {
			pad = (unsigned)(z->data_type & 7);
			break;
		}
		if (z->data_type & 128)
			last = (size_t)(z->next_in - s->out) * 8 - (size_t)(z->data_type & 7);
	}
	if (z->total_out != s->n || z->avail_in != 0)
		return EIO;
	s->out[last / 8] &= (uint8_t) ~(1u << (last % 8));
	s->out[s->out_n - 1] &= (uint8_t)((1u << (8 - pad)) - 1);
	/* an empty stored block: 3 header bits of 0, padding to the byte, 00 00 ff ff */
	out_reserve(s, 5);
	if (pad < 3)
		s->out[s->out_n++] = 0;
	static const uint8_t empty[4] = {0, 0, 0xff, 0xff};
	memcpy(s->out + s->out_n, empty, sizeof(empty));
	s->out_n += sizeof(empty);
	return 0;
}

/* Stored deflate blocks of len bytes (a copy); final marks the stream's last block. */
static void put_stored(struct slot *s, const uint8_t *in, size_t len, bool final)
{
	out_reserve(s, len + 5 * (len / STORED_MAX + 1));
	do {
		size_t k = len < STORED_MAX ? len : STORED_MAX;
		uint8_t *o = s->out + s->out_n;
		o[0] = final && k == len ? 1 : 0; /* BFINAL, BTYPE 00; the rest of the byte pads */
		o[1] = (uint8_t)(k & 0xff);
		o[2] = (uint8_t)(k >> 8);
		o[3] = (uint8_t)(~k & 0xff);
		o[4] = (uint8_t)((~k >> 8) & 0xff);
		if (k)
			memcpy(o + 5, in, k);
		s->out_n += 5 + k;
		in += k;
		len -= k;
	} while (len > 0);
}

static void compress_block(struct codec *k, struct slot *s)
{
	s->out_n = 0;
	s->stored = false;
	s->failed = 0;
	size_t sample = s->n < BERTH_PGZIP_SAMPLE ? s->n : BERTH_PGZIP_SAMPLE;
	/* level 1 never needs more room than this; 0 back (no room) stores the block */
	out_reserve(s, s->n + s->n / 8 + 1024);
	size_t got = libdeflate_deflate_compress(k->ld, s->in, sample, s->out, s->out_cap);
	if (got > 0 && got + sample / 32 < sample && s->n > sample)
		got = libdeflate_deflate_compress(k->ld, s->in, s->n, s->out, s->out_cap);
	else if (got > 0 && got + sample / 32 >= sample)
		got = 0; /* level 1 gains under 1/32 on the sample: the block is copied */
	if (got == 0) {
		s->stored = true;
		put_stored(s, s->in, s->n, false);
		return;
	}
	s->out_n = got;
	s->failed = unfinal(k, s);
}

/* The oldest ready slot, or NULL. Called with the lock held. */
static struct slot *next_ready(struct pool *p)
{
	for (size_t k = 0; k < p->nslots; k++) {
		struct slot *s = &p->slots[(p->next_write + k) % p->nslots];
		if (s->state == SLOT_READY)
			return s;
	}
	return NULL;
}

struct worker_arg {
	struct pool *p;
	struct codec *k;
};

static void *worker(void *arg)
{
	struct pool *p = ((struct worker_arg *)arg)->p;
	struct codec *k = ((struct worker_arg *)arg)->k;
	free(arg);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct slot *s = p->quit ? NULL : next_ready(p);
		if (p->quit)
			break;
		if (!s) {
			pthread_cond_wait(&p->work, &p->lock);
			continue;
		}
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&p->lock);
		compress_block(k, s);
		pthread_mutex_lock(&p->lock);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int codec_init(struct codec *k)
{
	k->ld = libdeflate_alloc_compressor(1);
	/* raw inflate (-15): what libdeflate_deflate_compress writes */
	k->inf_init = k->ld && inflateInit2(&k->inf, -15) == Z_OK;
	k->scratch = berth_xmalloc(BERTH_PGZIP_BLOCK);
	return k->inf_init ? 0 : -ENOMEM;
}

static void codec_release(struct codec *k)
{
	if (k->ld)
		libdeflate_free_compressor(k->ld);
	if (k->inf_init)
		inflateEnd(&k->inf);
	free(k->scratch);
}

static void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (size_t t = 0; t < p->started; t++)
		pthread_join(p->threads[t], NULL);
	for (size_t t = 0; t < p->nthreads; t++)
		codec_release(&p->codecs[t]);
	for (size_t i = 0; i < p->nslots; i++) {
		free(p->slots[i].in);
		free(p->slots[i].out);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->slots);
	free(p->threads);
	free(p->codecs);
	free(p);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct pool *, pool_free);

static unsigned thread_count(unsigned threads)
{
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	return threads < MAX_THREADS ? threads : MAX_THREADS;
}

static int pool_new(unsigned threads, struct pool **ret, struct berth_error **err)
{
	_cleanup_(pool_freep) struct pool *p = berth_xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->nslots = (size_t)threads + 2;
	p->slots = berth_xcalloc(p->nslots, sizeof(*p->slots));
	for (size_t i = 0; i < p->nslots; i++)
		p->slots[i].in = berth_xmalloc(BERTH_PGZIP_BLOCK);
	p->codecs = berth_xcalloc(threads, sizeof(*p->codecs));
	while (p->nthreads < threads)
		if (codec_init(&p->codecs[p->nthreads++]) < 0)
			return berth_error_set(err, ENOMEM, "initialise gzip compressor");
	p->threads = berth_xcalloc(threads, sizeof(*p->threads));
	for (; threads > 1 && p->started < threads; p->started++) {
		struct worker_arg *a = berth_xmalloc(sizeof(*a));
		*a = (struct worker_arg){p, &p->codecs[p->started]};
		int e = pthread_create(&p->threads[p->started], NULL, worker, a);
		if (e != 0) {
			free(a);
			return berth_error_syscall(err, e, "start a gzip thread");
		}
	}
	*ret = TAKE_PTR(p);
	return 0;
}

/* Reads up to BLOCK bytes (short only at the end of the file). */
static ssize_t read_block(int fd, uint8_t *buf, struct berth_error **err)
{
	size_t got = 0;
	while (got < BERTH_PGZIP_BLOCK) {
		ssize_t n = read(fd, buf + got, BERTH_PGZIP_BLOCK - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_syscall(err, errno, "read the data to compress");
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Fills slot i with the next block; 0 at the end of the input. */
static ssize_t fill(struct pool *p, int fd, uint64_t i, struct berth_error **err)
{
	struct slot *s = &p->slots[i % p->nslots];
	ssize_t n = read_block(fd, s->in, err);
	if (n <= 0)
		return n;
	s->n = (size_t)n;
	if (p->started == 0) {
		compress_block(&p->codecs[0], s);
		s->state = SLOT_DONE;
		return n;
	}
	pthread_mutex_lock(&p->lock);
	s->state = SLOT_READY;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* Waits for slot i, hands its bytes to the sink and frees it. */
static int drain(struct pool *p, uint64_t i, berth_sink_fn sink, void *ctx,
		 struct berth_pgzip_stats *st, uint32_t *crc, struct berth_error **err)
{
	struct slot *s = &p->slots[i % p->nslots];
	pthread_mutex_lock(&p->lock);
	while (s->state != SLOT_DONE)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (s->failed)
		return berth_error_set(err, s->failed, "gzip compression failed");
	int r = sink(ctx, s->out, s->out_n, err);
	if (r < 0)
		return r;
	/*
	 * The CRC-32 here, in order, rather than per block and combined: zlib's
	 * crc32_combine is crc32_combine64 under _FILE_OFFSET_BITS=64, a name
	 * the lazy shim cannot forward without calling itself through libz.
	 */
	*crc = (uint32_t)crc32(*crc, s->in, (uInt)s->n);
	st->bytes_in += s->n;
	st->bytes_out += s->out_n;
	st->blocks++;
	st->stored_blocks += s->stored;
	pthread_mutex_lock(&p->lock);
	s->state = SLOT_FREE;
	p->next_write = i + 1;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* The end: an empty final stored block, the CRC-32 and the length mod 2^32. */
static int finish(berth_sink_fn sink, void *ctx, struct berth_pgzip_stats *st, uint32_t crc,
		  struct berth_error **err)
{
	uint32_t len = (uint32_t)st->bytes_in;
	uint8_t t[13] = {1, 0, 0, 0xff, 0xff};
	for (int k = 0; k < 4; k++) {
		t[5 + k] = (uint8_t)(crc >> (8 * k));
		t[9 + k] = (uint8_t)(len >> (8 * k));
	}
	st->bytes_out += sizeof(t);
	return sink(ctx, t, sizeof(t), err);
}

int berth_pgzip_fd(int fd, unsigned threads, berth_sink_fn sink, void *ctx,
		   struct berth_pgzip_stats *ret_stats, struct berth_error **err)
{
	_cleanup_(pool_freep) struct pool *p = NULL;
	int r = pool_new(thread_count(threads), &p, err);
	if (r < 0)
		return r;
	struct berth_pgzip_stats st = {.bytes_out = sizeof(gzip_header)};
	r = sink(ctx, gzip_header, sizeof(gzip_header), err);
	if (r < 0)
		return r;
	uint32_t crc = 0;
	uint64_t next_read = 0, next_write = 0;
	bool eof = false;
	for (;;) {
		while (!eof && next_read - next_write < p->nslots) {
			ssize_t n = fill(p, fd, next_read, err);
			if (n < 0)
				return (int)n;
			if (n > 0)
				next_read++;
			eof = n < (ssize_t)BERTH_PGZIP_BLOCK;
		}
		if (next_write == next_read)
			break;
		r = drain(p, next_write++, sink, ctx, &st, &crc, err);
		if (r < 0)
			return r;
	}
	r = finish(sink, ctx, &st, crc, err);
	if (r < 0)
		return r;
	if (ret_stats)
		*ret_stats = st;
	return 0;
}
