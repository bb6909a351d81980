/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store: layout created on first open, blob writes verified and atomic,
 * refs in index.json (tags, dangling images), concurrent tagging by many
 * processes, garbage collection and the consistency check.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/fs.h"
#include "core/json.h"
#include "store/store.h"

struct fixture {
	char root[64];
	struct berth_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct berth_error *err = NULL;
	snprintf(f->root, sizeof(f->root), "/tmp/berth-store-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	/* a path below the temp dir: open creates the parents */
	strncat(f->root, "/a/b", sizeof(f->root) - strlen(f->root) - 1);
	assert_ok(berth_store_open(f->root, &f->s, &err), err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	berth_store_free(f->s);
	char *top = strndup(f->root, strlen(f->root) - 4);
	berth_rm_rf_at(AT_FDCWD, top, NULL);
	free(top);
	free(f);
	return 0;
}

static size_t count_files(struct fixture *f, const char *dir)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/%s", f->root, dir);
	DIR *d = opendir(p);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_layout(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len;
	assert_ok(berth_read_file_at(berth_store_root_fd(f->s), "oci-layout", 4096, &data, &len,
				     &err),
		  err);
	assert_non_null(strstr(data, "\"imageLayoutVersion\":\"1.0.0\""));
	const char *dirs[] = {"layers", "containers", "volumes", "cache", "tmp", "locks"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
		assert_true(berth_store_dir_fd(f->s, dirs[i]) >= 0);
	assert_int_equal(berth_store_dir_fd(f->s, "blobs"), -1);
	assert_string_equal(berth_store_root_path(f->s), f->root);
	/* reopening an existing store keeps it */
	struct berth_store *s2 = NULL;
	struct berth_digest d;
	assert_ok(berth_store_blob_put(f->s, "x", 1, &d, &err), err);
	assert_ok(berth_store_ref_set(f->s, "keep", "application/json", &d, 1, &err), err);
	assert_ok(berth_store_open(f->root, &s2, &err), err);
	assert_ok(berth_store_ref_resolve(s2, "keep", NULL, &err), err);
	berth_store_free(s2);
}

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

static void corrupt_blob(struct fixture *f, const struct berth_digest *d)
{
	char hex[65];
	_cleanup_free_ char *p =
		berth_xasprintf("%s/blobs/sha256/%s", f->root, berth_digest_hex(d, hex));
	int fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "!", 1), 1);
	close(fd);
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

static void put_image(struct fixture *f, const char *tag, const char *layer_text,
		      struct berth_digest *ret_manifest, size_t *ret_len)
{
	struct berth_error *err = NULL;
	struct berth_digest layer, config, manifest;
	char l[BERTH_DIGEST_STRLEN + 1], c[BERTH_DIGEST_STRLEN + 1];
	assert_ok(berth_store_blob_put(f->s, layer_text, strlen(layer_text), &layer, &err), err);
	_cleanup_free_ char *cfg = berth_xasprintf("{\"layer\":\"%s\"}", layer_text);
	assert_ok(berth_store_blob_put(f->s, cfg, strlen(cfg), &config, &err), err);
	_cleanup_free_ char *m = berth_xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"%s\",\"size\":%zu},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":\"%s\",\"size\":%zu}]}",
		berth_digest_fmt(&config, c), strlen(cfg), berth_digest_fmt(&layer, l),
		strlen(layer_text));
	assert_ok(berth_store_blob_put(f->s, m, strlen(m), &manifest, &err), err);
	if (tag)
		assert_ok(berth_store_ref_set(f->s, tag,
					      "application/vnd.oci.image.manifest.v1+json",
					      &manifest, strlen(m), &err),
			  err);
	*ret_manifest = manifest;
	if (ret_len)
		*ret_len = strlen(m);
}

static size_t count_refs(struct fixture *f, size_t *ret_untagged)
{
	struct berth_error *err = NULL;
	struct berth_store_refs *refs = NULL;
	assert_ok(berth_store_ref_list(f->s, &refs, &err), err);
	size_t n = refs->n, u = 0;
	for (size_t i = 0; i < refs->n; i++)
		if (!refs->items[i].name)
			u++;
	berth_store_refs_free(refs);
	if (ret_untagged)
		*ret_untagged = u;
	return n;
}

static void test_refs(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m1, m2;
	struct berth_store_ref ref;
	size_t untagged;
	put_image(f, "docker.io/library/a:1", "one", &m1, NULL);
	put_image(f, NULL, "two", &m2, NULL);

	assert_ok(berth_store_ref_resolve(f->s, "docker.io/library/a:1", &ref, &err), err);
	assert_true(berth_digest_eq(&ref.digest, &m1));
	assert_string_equal(ref.media_type, "application/vnd.oci.image.manifest.v1+json");
	berth_store_ref_release(&ref);
	assert_int_equal(berth_store_ref_resolve(f->s, "docker.io/library/a:2", NULL, &err),
			 -ENOENT);
	berth_error_free(&err);

	/* a second tag of the same image, then moving the first tag away */
	assert_ok(berth_store_ref_set(f->s, "b:1", "application/vnd.oci.image.manifest.v1+json",
				      &m1, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_ok(berth_store_ref_set(f->s, "docker.io/library/a:1",
				      "application/vnd.oci.image.manifest.v1+json", &m2, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_int_equal(untagged, 0);
	/* moving b:1 too leaves m1 dangling, listed untagged */
	assert_ok(berth_store_ref_set(f->s, "b:1", "application/vnd.oci.image.manifest.v1+json",
				      &m2, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 3);
	assert_int_equal(untagged, 1);
	/* tagging the dangling image replaces its untagged entry */
	assert_ok(berth_store_ref_set(f->s, "c:1", "application/vnd.oci.image.manifest.v1+json",
				      &m1, 10, &err),
		  err);
	assert_int_equal(count_refs(f, &untagged), 3);
	assert_int_equal(untagged, 0);

	/* rmi-style removal drops the entry; keep_untagged keeps the last one */
	assert_ok(berth_store_ref_remove(f->s, "b:1", false, &err), err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_ok(berth_store_ref_remove(f->s, "c:1", true, &err), err);
	assert_int_equal(count_refs(f, &untagged), 2);
	assert_int_equal(untagged, 1);
	assert_int_equal(berth_store_remove_untagged(f->s, &err), 1);
	assert_int_equal(count_refs(f, &untagged), 1);
	assert_int_equal(berth_store_ref_remove(f->s, "c:1", false, &err), -ENOENT);
	berth_error_free(&err);
	assert_ok(berth_store_image_remove(f->s, &m2, &err), err);
	assert_int_equal(count_refs(f, NULL), 0);

	/* a tag must name a manifest that is in the store */
	struct berth_digest missing;
	berth_digest_of("missing", 7, &missing);
	assert_int_equal(berth_store_ref_set(f->s, "x:1", "application/json", &missing, 1, &err),
			 -ENOENT);
	berth_error_free(&err);
	assert_int_equal(berth_store_ref_set(f->s, "x\n1", "application/json", &m1, 1, &err),
			 -EINVAL);
	berth_error_free(&err);
	assert_ok(berth_store_image_add(f->s, "application/json", &m1, 1, &err), err);
	assert_ok(berth_store_image_add(f->s, "application/json", &m1, 1, &err), err);
	assert_int_equal(count_refs(f, &untagged), 1);
}

static void test_concurrent_tags(void **state)
{
	/* 8 processes, each its own store handle, 25 tags each: none is lost */
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m;
	size_t mlen;
	put_image(f, NULL, "base", &m, &mlen);
	pid_t pids[8];
	for (int p = 0; p < 8; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			struct berth_store *s = NULL;
			if (berth_store_open(f->root, &s, NULL) < 0)
				_exit(2);
			for (int i = 0; i < 25; i++) {
				char name[64];
				snprintf(name, sizeof(name), "p%d:t%d", p, i);
				if (berth_store_ref_set(s, name, "application/json", &m, mlen,
							NULL) < 0)
					_exit(1);
			}
			berth_store_free(s);
			_exit(0);
		}
	}
	for (int p = 0; p < 8; p++) {
		int status;
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	size_t untagged;
	assert_int_equal(count_refs(f, &untagged), 200);
	assert_int_equal(untagged, 0);
	for (int p = 0; p < 8; p++)
		for (int i = 0; i < 25; i++) {
			char name[64];
			snprintf(name, sizeof(name), "p%d:t%d", p, i);
			assert_ok(berth_store_ref_resolve(f->s, name, NULL, &err), err);
		}
}

static void test_gc(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m1, m2, stray, kept;
	put_image(f, "a:1", "one", &m1, NULL);
	put_image(f, "b:1", "two", &m2, NULL);
	assert_ok(berth_store_blob_put(f->s, "stray", 5, &stray, &err), err);
	assert_ok(berth_store_blob_put(f->s, "cache", 5, &kept, &err), err);
	/* a partial write left by a crash */
	int fd = openat(berth_store_dir_fd(f->s, "tmp"), "blob-deadbeef",
			O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(count_files(f, "blobs/sha256"), 8);

	struct berth_store_gc_result res;
	/* releasing the writer lock early is harmless; gc works either way */
	berth_store_writes_done(f->s);
	assert_ok(berth_store_gc(f->s, &kept, 1, &res, &err), err);
	assert_int_equal(res.blobs_removed, 1);
	assert_int_equal(res.bytes_removed, 5);
	assert_int_equal(res.temps_removed, 1);
	assert_false(berth_store_blob_exists(f->s, &stray));
	assert_true(berth_store_blob_exists(f->s, &kept));

	assert_ok(berth_store_ref_remove(f->s, "a:1", false, &err), err);
	assert_ok(berth_store_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 4); /* manifest, config, layer, cache */
	assert_false(berth_store_blob_exists(f->s, &m1));
	assert_true(berth_store_blob_exists(f->s, &m2));
	assert_int_equal(count_files(f, "blobs/sha256"), 3);
}

static bool tmp_has(struct fixture *f, const char *name)
{
	struct stat st;
	return fstatat(berth_store_dir_fd(f->s, "tmp"), name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * tmp/ after a crash: what no live process holds goes with the next write
 * (and gc), what a live one holds stays and is no problem for the check.
 * Another handle stands for another process: flocks belong to open files.
 */
static void test_tmp_ownership(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	int tfd = berth_store_dir_fd(f->s, "tmp");
	/* what a kill -9 leaves: a temp blob and a build dir nobody holds */
	int fd = openat(tfd, "blob-0123", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mkdirat(tfd, "build-0123", 0700), 0);
	assert_int_equal(mkdirat(tfd, "build-0123/upper", 0700), 0);

	struct berth_store *other = NULL;
	assert_ok(berth_store_open(f->root, &other, &err), err);
	struct berth_blob_writer *w = NULL;
	assert_ok(berth_store_blob_begin(other, &w, &err), err);
	/* the first temp file of a handle swept the dead entries, not its own */
	assert_false(tmp_has(f, "blob-0123"));
	assert_false(tmp_has(f, "build-0123"));
	assert_int_equal(count_files(f, "tmp"), 1);
	_cleanup_free_ char *name = NULL;
	int dfd = -EBADF;
	assert_ok(berth_store_tmp_dir_create(other, "build-", &name, &dfd, &err), err);
	assert_true(tmp_has(f, name));
	berth_blob_writer_abort(w);
	berth_store_writes_done(other);

	/* in use: neither a problem nor removed by a gc */
	struct berth_store_check_result res;
	assert_ok(berth_store_check(f->s, false, NULL, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.temps, 0);
	assert_int_equal(res.temps_live, 1);
	struct berth_store_gc_result gres;
	assert_ok(berth_store_gc(f->s, NULL, 0, &gres, &err), err);
	assert_int_equal(gres.temps_removed, 0);
	assert_true(tmp_has(f, name));

	/* its owner gone (the fd closed as by a crash): a leftover, counted and removed */
	close(dfd);
	assert_ok(berth_store_check(f->s, false, NULL, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.temps, 1);
	assert_int_equal(res.temps_live, 0);
	assert_ok(berth_store_gc(f->s, NULL, 0, &gres, &err), err);
	assert_int_equal(gres.temps_removed, 1);
	assert_int_equal(count_files(f, "tmp"), 0);
	berth_store_free(other);
}

/* A killed index.json or gc-roots rewrite leaves a .tmp-* file: the next writer removes it. */
static void test_dead_atomic_temps(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_store_ref root = {0};
	assert_ok(berth_store_blob_put(f->s, "kept", 4, &root.digest, &err), err);
	assert_ok(berth_store_gc_root_set(f->s, "test", &root, 1, &err), err);
	_cleanup_free_ char *a = berth_xasprintf("%s/.tmp-0123", f->root);
	_cleanup_free_ char *b = berth_xasprintf("%s/cache/gc-roots/.tmp-4567", f->root);
	for (int i = 0; i < 2; i++) {
		int fd = open(i ? b : a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	struct berth_store *other = NULL;
	assert_ok(berth_store_open(f->root, &other, &err), err);
	struct berth_digest m;
	put_image(f, "a:1", "one", &m, NULL);
	assert_ok(berth_store_gc_root_set(other, "test", &root, 1, &err), err);
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	berth_store_free(other);
}

static void test_gc_roots(void **state)
{
	/* a manifest held by a gc root keeps its config and layer; dropping the root frees them */
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m, plain;
	struct berth_store_gc_result res;
	put_image(f, NULL, "cached", &m, NULL);
	assert_ok(berth_store_blob_put(f->s, "plain", 5, &plain, &err), err);
	struct berth_store_ref roots[] = {
		{NULL, "application/vnd.oci.image.manifest.v1+json", m, 0},
		{NULL, NULL, plain, 5},
	};
	assert_int_equal(berth_store_gc_root_set(f->s, "../x", roots, 2, &err), -EINVAL);
	berth_error_free(&err);
	assert_ok(berth_store_gc_root_set(f->s, "build-cache", roots, 2, &err), err);
	assert_ok(berth_store_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 0);
	assert_int_equal(count_files(f, "blobs/sha256"), 4);
	assert_ok(berth_store_gc_root_remove(f->s, "build-cache", &err), err);
	assert_ok(berth_store_gc_root_remove(f->s, "build-cache", &err), err);
	assert_ok(berth_store_gc(f->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.blobs_removed, 4);
}

static void problem_cb(void *ctx, const char *msg)
{
	berth_buf_addf(ctx, "%s\n", msg);
}

static void test_check(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest m1, m2, stray;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	struct berth_store_problem_cb cb = {problem_cb, &out};
	struct berth_store_check_result res;
	put_image(f, "a:1", "one", &m1, NULL);
	put_image(f, "b:1", "two", &m2, NULL);
	assert_ok(berth_store_check(f->s, false, &cb, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.blobs, 6);
	assert_int_equal(res.orphans, 0);
	assert_string_equal(out.buf, "");

	assert_ok(berth_store_blob_put(f->s, "stray", 5, &stray, &err), err);
	assert_ok(berth_store_check(f->s, false, &cb, &res, &err), err);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.orphans, 1);

	/* a corrupt layer and a missing config are both reported */
	char hex[65];
	_cleanup_free_ char *mdata = NULL;
	size_t mlen;
	assert_ok(berth_store_blob_read(f->s, &m1, 1 << 20, &mdata, &mlen, &err), err);
	_cleanup_json_ json_t *j = NULL;
	assert_ok(berth_json_parse(mdata, mlen, "manifest", &j, &err), err);
	struct berth_digest layer, config;
	assert_ok(berth_digest_parse(
			  json_string_value(json_object_get(
				  json_array_get(json_object_get(j, "layers"), 0), "digest")),
			  &layer, &err),
		  err);
	assert_ok(berth_digest_parse(json_string_value(json_object_get(json_object_get(j, "config"),
								       "digest")),
				     &config, &err),
		  err);
	corrupt_blob(f, &layer);
	_cleanup_free_ char *cpath =
		berth_xasprintf("%s/blobs/sha256/%s", f->root, berth_digest_hex(&config, hex));
	assert_int_equal(unlink(cpath), 0);
	berth_buf_reset(&out);
	assert_ok(berth_store_check(f->s, false, &cb, &res, &err), err);
	assert_true(res.problems >= 3); /* missing config, size mismatch, corrupt bytes */
	assert_non_null(strstr(out.buf, "is missing"));
	assert_non_null(strstr(out.buf, "corrupt"));
	/* gc refuses to guess while the store has problems */
	assert_int_equal(berth_store_gc(f->s, NULL, 0, NULL, &err), -EBADMSG);
	berth_error_free(&err);

	/* repair removes the corrupt blob and the orphan; b:1 stays whole */
	assert_ok(berth_store_check(f->s, true, &cb, &res, &err), err);
	assert_false(berth_store_blob_exists(f->s, &layer));
	assert_false(berth_store_blob_exists(f->s, &stray));
	assert_ok(berth_store_ref_resolve(f->s, "b:1", NULL, &err), err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_put_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_writer_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_writer_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_read_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_ownership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_atomic_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
