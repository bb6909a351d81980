/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs: writes verified and atomic (one at a time or in a batch), reads
 * verified, compressed streams written straight into the store.
 */
#include "unit.h"

#include <pthread.h>
#include <sys/file.h>

#include "core/compress.h"

#include "store-fixture.h"

static void test_blob_put_read(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest d, want;
	berth_digest_of("hello", 5, &want);
	assert_ok(berth_store_blob_put(f->s, "hello", 5, &d, &err), err);
	assert_true(berth_digest_eq(&d, &want));
	assert_true(berth_store_blob_exists(f->s, &d));
	_cleanup_free_ char *data = NULL;
	size_t len;
	assert_ok(berth_store_blob_read(f->s, &d, 100, &data, &len, &err), err);
	assert_int_equal(len, 5);
	assert_string_equal(data, "hello");
	free(TAKE_PTR(data));
	assert_int_equal(berth_store_blob_read(f->s, &d, 3, &data, &len, &err), -E2BIG);
	berth_error_free(&err);
	uint64_t size;
	int fd = -1;
	assert_ok(berth_store_blob_open(f->s, &d, &fd, &size, &err), err);
	assert_int_equal(size, 5);
	close(fd);
	struct berth_digest missing;
	berth_digest_of("nope", 4, &missing);
	assert_false(berth_store_blob_exists(f->s, &missing));
	assert_int_equal(berth_store_blob_open(f->s, &missing, &fd, &size, &err), -ENOENT);
	berth_error_free(&err);
	assert_int_equal(count_files(f, "tmp"), 0);
}

static void test_blob_writer_mismatch(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_blob_writer *w = NULL;
	struct berth_digest wrong;
	berth_digest_of("other", 5, &wrong);
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	assert_ok(berth_blob_writer_write(w, "data", 4, &err), err);
	assert_int_equal(berth_blob_writer_commit(w, &wrong, NULL, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	berth_error_free(&err);
	assert_int_equal(count_files(f, "tmp"), 0);
	assert_int_equal(count_files(f, "blobs/sha256"), 0);

	/* abort leaves nothing either */
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	assert_ok(berth_blob_writer_write(w, "data", 4, &err), err);
	berth_blob_writer_abort(w);
	assert_int_equal(count_files(f, "tmp"), 0);
}

/*
 * A read fd of a blob being written sees what is written, and after the
 * commit; its digest is known before the commit.
 */
static void test_blob_writer_open_read(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_blob_writer *w = NULL;
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	_cleanup_close_ int fd = berth_blob_writer_open_read(w, &err);
	assert_true(fd >= 0);
	char buf[16] = {0};
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 0);
	assert_ok(berth_blob_writer_write(w, "grow", 4, &err), err);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 4);
	assert_ok(berth_blob_writer_write(w, "ing", 3, &err), err);
	/* the digest before the commit: the commit's, and the end of the writes */
	struct berth_digest early, d, want;
	berth_blob_writer_digest(w, &early);
	berth_digest_of("growing", 7, &want);
	assert_true(berth_digest_eq(&early, &want));
	assert_int_equal(berth_blob_writer_write(w, "x", 1, &err), -EINVAL);
	berth_error_free(&err);
	assert_ok(berth_blob_writer_commit(w, NULL, &d, NULL, &err), err);
	assert_true(berth_digest_eq(&d, &want));
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 7);
	assert_memory_equal(buf, "growing", 7);
	assert_true(berth_store_blob_exists(f->s, &d));
	assert_int_equal(count_files(f, "tmp"), 0);
}

/* A blob bigger than the writeback chunk, written in odd pieces: whole and named right. */
static void test_blob_writer_big(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_blob_writer *w = NULL;
	const size_t piece = 1000003, n = 20; /* ~19 MiB: past two 8 MiB writeback starts */
	char *buf = malloc(piece);
	assert_non_null(buf);
	struct berth_sha256 *h = berth_sha256_new();
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	for (size_t i = 0; i < n; i++) {
		memset(buf, (int)('a' + i), piece);
		berth_sha256_update(h, buf, piece);
		assert_ok(berth_blob_writer_write(w, buf, piece, &err), err);
	}
	struct berth_digest want, d;
	uint64_t size;
	berth_sha256_final(h, &want);
	berth_sha256_free(h);
	assert_ok(berth_blob_writer_commit(w, &want, &d, &size, &err), err);
	assert_true(berth_digest_eq(&d, &want));
	assert_int_equal(size, piece * n);
	int fd;
	assert_ok(berth_store_blob_open(f->s, &d, &fd, &size, &err), err);
	assert_int_equal(size, piece * n);
	assert_int_equal(pread(fd, buf, piece, (off_t)(piece * (n - 1))), (ssize_t)piece);
	assert_int_equal(buf[0], 'a' + n - 1);
	close(fd);
	free(buf);
}

static void test_blob_writer_compressed(void **state)
{
	/* a compressor streams straight into the store through the sink adapter */
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_blob_writer *w = NULL;
	struct berth_compressor *k = NULL;
	struct berth_digest d;
	uint64_t size;
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	assert_ok(berth_compressor_new(BERTH_COMPRESSION_GZIP, -1, berth_blob_writer_sink, w, &k,
				       &err),
		  err);
	for (int i = 0; i < 1000; i++)
		assert_ok(berth_compressor_write(k, "layer data ", 11, &err), err);
	assert_ok(berth_compressor_finish(k, &err), err);
	berth_compressor_free(k);
	assert_ok(berth_blob_writer_commit(w, NULL, &d, &size, &err), err);
	int fd = -1;
	assert_ok(berth_store_blob_open(f->s, &d, &fd, NULL, &err), err);
	struct berth_decompress_reader *r = NULL;
	assert_ok(berth_decompress_reader_open(fd, &r, &err), err);
	assert_int_equal(berth_decompress_reader_kind(r), BERTH_COMPRESSION_GZIP);
	char buf[20000];
	size_t total = 0;
	ssize_t n;
	while ((n = berth_decompress_reader_read(r, buf, sizeof(buf), &err)) > 0)
		total += (size_t)n;
	assert_int_equal(n, 0);
	assert_int_equal(total, 11000);
	berth_decompress_reader_free(r);
	close(fd);
}

/* A batch publishes nothing before its commit, and a mismatch or a freed batch leaves nothing. */
static void test_blob_batch(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_blob_batch *b = berth_blob_batch_new(f->s);
	struct berth_blob_writer *w = NULL;
	struct berth_digest one, two, wrong, got;
	berth_digest_of("one", 3, &one);
	berth_digest_of("two", 3, &two);
	berth_digest_of("other", 5, &wrong);

	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	assert_ok(berth_blob_writer_write(w, "one", 3, &err), err);
	uint64_t size = 0;
	assert_ok(berth_blob_batch_add(b, w, &one, &got, &size, &err), err);
	assert_true(berth_digest_eq(&got, &one));
	assert_int_equal(size, 3);
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	assert_ok(berth_blob_writer_write(w, "two", 3, &err), err);
	assert_ok(berth_blob_batch_add(b, w, NULL, NULL, NULL, &err), err);
	/* a mismatch is refused and its temp file removed at once */
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	assert_ok(berth_blob_writer_write(w, "bad", 3, &err), err);
	assert_int_equal(berth_blob_batch_add(b, w, &wrong, NULL, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	berth_error_free(&err);

	/* pending: in tmp/, not yet under their digests */
	assert_false(berth_store_blob_exists(f->s, &one));
	assert_false(berth_store_blob_exists(f->s, &two));
	assert_int_equal(count_files(f, "tmp"), 2);
	assert_ok(berth_blob_batch_commit(b, &err), err);
	assert_true(berth_store_blob_exists(f->s, &one));
	assert_true(berth_store_blob_exists(f->s, &two));
	assert_int_equal(count_files(f, "tmp"), 0);
	assert_int_equal(count_files(f, "blobs/sha256"), 2);
	/* a second commit of the now empty batch is harmless */
	assert_ok(berth_blob_batch_commit(b, &err), err);
	berth_blob_batch_free(b);

	/* freed without a commit: nothing published, nothing left in tmp/ */
	b = berth_blob_batch_new(f->s);
	struct berth_digest three;
	berth_digest_of("three", 5, &three);
	assert_ok(berth_store_blob_begin(f->s, &w, &err), err);
	assert_ok(berth_blob_writer_write(w, "three", 5, &err), err);
	assert_ok(berth_blob_batch_add(b, w, &three, NULL, NULL, &err), err);
	berth_blob_batch_free(b);
	assert_false(berth_store_blob_exists(f->s, &three));
	assert_int_equal(count_files(f, "tmp"), 0);
	assert_int_equal(count_files(f, "blobs/sha256"), 2);
}

static void test_blob_read_verifies(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest d;
	assert_ok(berth_store_blob_put(f->s, "abc", 3, &d, &err), err);
	corrupt_blob(f, &d);
	_cleanup_free_ char *data = NULL;
	size_t len;
	assert_int_equal(berth_store_blob_read(f->s, &d, 100, &data, &len, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "corrupt"));
	berth_error_free(&err);
}

/* Whether locks/gc.lock is held shared by someone: an exclusive try from another open file fails. */
static bool gc_lock_held(struct fixture *f)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/locks/gc.lock", f->root);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return false; /* nobody wrote yet */
	assert_true(fd >= 0);
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return false;
	assert_int_equal(errno, EWOULDBLOCK);
	return true;
}

struct holder {
	struct fixture *f;
	pthread_barrier_t *step;
	bool first; /* ends its hold while the other still holds */
};

/* One service handler: a hold, a blob written under it, then its end. */
static void *hold_thread(void *arg)
{
	struct holder *h = arg;
	struct berth_error *err = NULL;
	struct berth_digest d;
	assert_ok(berth_store_writes_begin(h->f->s, &err), err);
	assert_ok(berth_store_blob_put(h->f->s, h->first ? "a" : "b", 1, &d, &err), err);
	pthread_barrier_wait(h->step); /* 1: both hold */
	if (h->first)
		berth_store_writes_done(h->f->s);
	pthread_barrier_wait(h->step); /* 2: the first ended its hold */
	pthread_barrier_wait(h->step); /* 3: main checked */
	if (!h->first)
		berth_store_writes_done(h->f->s);
	pthread_barrier_wait(h->step); /* 4: both ended */
	return NULL;
}

static void test_writes_hold_counted(void **state)
{
	struct fixture *f = *state;
	pthread_barrier_t step;
	pthread_barrier_init(&step, NULL, 3);
	struct holder h[2] = {{f, &step, true}, {f, &step, false}};
	pthread_t t[2];
	assert_false(gc_lock_held(f));
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hold_thread, &h[i]), 0);
	pthread_barrier_wait(&step);
	pthread_barrier_wait(&step);
	/* one hold ended: the other's still keeps gc out */
	assert_true(gc_lock_held(f));
	pthread_barrier_wait(&step);
	pthread_barrier_wait(&step);
	/* the last one ended: released */
	assert_false(gc_lock_held(f));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&step);

	/* a writer without _begin (a CLI process) holds until _done */
	struct berth_error *err = NULL;
	struct berth_digest d;
	assert_ok(berth_store_blob_put(f->s, "c", 1, &d, &err), err);
	assert_true(gc_lock_held(f));
	berth_store_writes_done(f->s);
	assert_false(gc_lock_held(f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blob_put_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_writer_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_writer_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_writer_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_writer_open_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_read_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_hold_counted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
