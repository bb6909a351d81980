/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unpacked-layer cache: chain ids, unpack-once, concurrent callers,
 * leftovers of a crash, a corrupt layer leaving nothing behind.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer.h"
#include "store/store.h"

struct ctx {
	char top[64];
	int top_fd;
	int store_fd;
	struct berth_digest diff_ids[2];
	int opened;
};

static void mkfile(int dfd, const char *name, const char *content)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* Writes a one-file layer top/<name>.tgz holding <file> = <content>. */
static void make_layer(struct ctx *c, const char *name, const char *file, const char *content,
		       struct berth_digest *ret_diff_id)
{
	struct berth_error *err = NULL;
	mkdirat(c->top_fd, name, 0755);
	_cleanup_close_ int d = openat(c->top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkfile(d, file, content);
	_cleanup_free_ char *out = berth_xasprintf("%s.tgz", name);
	_cleanup_close_ int ofd =
		openat(c->top_fd, out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct berth_layer_write_options o = {.compression = BERTH_LAYER_GZIP};
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	assert_ok(berth_layer_writer_new(&o, berth_layer_sink_fd, &ofd, &w, &err), err);
	assert_ok(berth_layer_writer_add_tree(w, d, "", &err), err);
	assert_ok(berth_layer_writer_finish(w, &info, &err), err);
	*ret_diff_id = info.diff_id;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	snprintf(c->top, sizeof(c->top), "/tmp/berth-lc-XXXXXX");
	assert_non_null(mkdtemp(c->top));
	c->top_fd = open(c->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(mkdirat(c->top_fd, "store", 0700), 0);
	c->store_fd = openat(c->top_fd, "store", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	make_layer(c, "l0", "base", "base layer", &c->diff_ids[0]);
	make_layer(c, "l1", "top", "top layer", &c->diff_ids[1]);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(berth_rm_rf_at(dfd, c->top + 5, NULL), 0);
	close(dfd);
	close(c->store_fd);
	close(c->top_fd);
	free(c);
	return 0;
}

static int open_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct ctx *c = ctx;
	c->opened++;
	_cleanup_free_ char *name = berth_xasprintf("l%zu.tgz", i);
	int fd = openat(c->top_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	return fd;
}

static void test_chain_id(void **state)
{
	struct berth_digest a, b, chain, want;
	struct berth_error *err = NULL;
	assert_ok(berth_digest_parse(
			  "sha256:"
			  "1111111111111111111111111111111111111111111111111111111111111111",
			  &a, &err),
		  err);
	assert_ok(berth_digest_parse(
			  "sha256:"
			  "2222222222222222222222222222222222222222222222222222222222222222",
			  &b, &err),
		  err);
	berth_layer_chain_id(NULL, &a, &chain);
	assert_true(berth_digest_eq(&chain, &a));
	berth_layer_chain_id(&a, &b, &chain);
	const char *s = "sha256:1111111111111111111111111111111111111111111111111111111111111111 "
			"sha256:2222222222222222222222222222222222222222222222222222222222222222";
	berth_digest_of(s, strlen(s), &want);
	assert_true(berth_digest_eq(&chain, &want));
}

static bool exists_at(int dfd, const char *path)
{
	struct stat st;
	return fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_ensure_once(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_free_ char *path = NULL, *again = NULL;
	assert_false(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));
	int fd = open_blob(c, 0, &err);
	assert_ok(berth_layer_cache_ensure(c->store_fd, &c->diff_ids[0], &c->diff_ids[0], fd, 0,
					   &path, &err),
		  err);
	close(fd);
	assert_true(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));
	char hex[65];
	berth_digest_hex(&c->diff_ids[0], hex);
	_cleanup_free_ char *want = berth_xasprintf("%s/store/layers/%s/diff", c->top, hex);
	assert_string_equal(path, want);
	_cleanup_free_ char *base = berth_xasprintf("layers/%s/diff/base", hex);
	assert_true(exists_at(c->store_fd, base));
	/* cached: no blob needed */
	assert_ok(berth_layer_cache_ensure(c->store_fd, &c->diff_ids[0], &c->diff_ids[0], -EBADF, 0,
					   &again, &err),
		  err);
	assert_string_equal(path, again);
	assert_ok(berth_layer_cache_remove(c->store_fd, &c->diff_ids[0], &err), err);
	assert_false(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));
	char *p = NULL;
	assert_int_equal(berth_layer_cache_ensure(c->store_fd, &c->diff_ids[0], &c->diff_ids[0],
						  -EBADF, 0, &p, &err),
			 -ENOENT);
	berth_error_free(&err);
}

static void test_concurrent(void **state)
{
	struct ctx *c = *state;
	pid_t pids[6];
	for (size_t i = 0; i < ELEMENTSOF(pids); i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct berth_error *err = NULL;
			char *path = NULL;
			int fd = open_blob(c, 1, &err);
			int r = berth_layer_cache_ensure(c->store_fd, &c->diff_ids[1],
							 &c->diff_ids[1], fd, 0, &path, &err);
			_exit(r < 0 ? 1 : 0);
		}
	}
	for (size_t i = 0; i < ELEMENTSOF(pids); i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	char hex[65];
	berth_digest_hex(&c->diff_ids[1], hex);
	_cleanup_free_ char *tmp = berth_xasprintf("layers/.tmp-%s", hex);
	_cleanup_free_ char *top = berth_xasprintf("layers/%s/diff/top", hex);
	assert_false(exists_at(c->store_fd, tmp));
	assert_true(exists_at(c->store_fd, top));
}

static void test_crash_leftovers(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	char hex[65];
	berth_digest_hex(&c->diff_ids[0], hex);
	/* a crash mid-unpack (.tmp-) and a layer dir without its marker */
	assert_int_equal(mkdirat(c->store_fd, "layers", 0700), 0);
	_cleanup_free_ char *tmp = berth_xasprintf("layers/.tmp-%s", hex);
	_cleanup_free_ char *half = berth_xasprintf("layers/%s", hex);
	_cleanup_free_ char *half_diff = berth_xasprintf("layers/%s/diff", hex);
	assert_int_equal(mkdirat(c->store_fd, tmp, 0700), 0);
	assert_int_equal(mkdirat(c->store_fd, half, 0700), 0);
	assert_int_equal(mkdirat(c->store_fd, half_diff, 0700), 0);
	assert_false(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));
	_cleanup_free_ char *path = NULL;
	int fd = open_blob(c, 0, &err);
	assert_ok(berth_layer_cache_ensure(c->store_fd, &c->diff_ids[0], &c->diff_ids[0], fd, 0,
					   &path, &err),
		  err);
	close(fd);
	assert_false(exists_at(c->store_fd, tmp));
	assert_true(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));

	/* the wrong blob for a chain id: refused, nothing left behind */
	char *p = NULL;
	fd = open_blob(c, 1, &err);
	assert_int_equal(berth_layer_cache_ensure(c->store_fd, &c->diff_ids[0], &c->diff_ids[1], fd,
						  0, &p, &err),
			 0);
	close(fd);
	free(p);
	struct berth_digest other;
	berth_layer_chain_id(&c->diff_ids[1], &c->diff_ids[1], &other);
	fd = open_blob(c, 0, &err);
	assert_int_equal(
		berth_layer_cache_ensure(c->store_fd, &other, &c->diff_ids[1], fd, 0, &p, &err),
		-EBADMSG);
	close(fd);
	berth_error_free(&err);
	assert_false(berth_layer_cache_has(c->store_fd, &other));
	berth_digest_hex(&other, hex);
	_cleanup_free_ char *otmp = berth_xasprintf("layers/.tmp-%s", hex);
	_cleanup_free_ char *odir = berth_xasprintf("layers/%s", hex);
	assert_false(exists_at(c->store_fd, otmp));
	assert_false(exists_at(c->store_fd, odir));
}

static void test_stack(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_strv_free_ char **dirs = NULL;
	assert_ok(berth_layer_stack_prepare(c->store_fd, c->diff_ids, 2, open_blob, c, 0, &dirs,
					    &err),
		  err);
	assert_int_equal(berth_strv_len(dirs), 2);
	assert_int_equal(c->opened, 2);
	struct berth_digest chain;
	berth_layer_chain_id(&c->diff_ids[0], &c->diff_ids[1], &chain);
	char hex[65];
	assert_non_null(strstr(dirs[1], berth_digest_hex(&chain, hex)));
	berth_strv_free(dirs);
	dirs = NULL;
	assert_ok(berth_layer_stack_prepare(c->store_fd, c->diff_ids, 2, open_blob, c, 0, &dirs,
					    &err),
		  err);
	assert_int_equal(c->opened, 2); /* all cached: no blob opened again */
}

/* A layer written straight into a store, then unpacked from the store's blob. */
static void test_store(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	_cleanup_free_ char *root = berth_xasprintf("%s/ostore", c->top);
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	assert_ok(berth_store_open(root, &s, &err), err);
	_cleanup_close_ int src = openat(c->top_fd, "l0", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct berth_layer_write_options o = {.compression = BERTH_LAYER_ZSTD};
	struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	assert_ok(berth_layer_writer_new_store(s, &o, &w, &err), err);
	assert_ok(berth_layer_writer_add_tree(w, src, "", &err), err);
	assert_ok(berth_layer_writer_finish(w, &info, &err), err);
	berth_layer_writer_free(w);
	assert_true(berth_store_blob_exists(s, &info.digest));
	assert_true(berth_digest_eq(&info.diff_id, &c->diff_ids[0])); /* same tar as the gzip one */
	uint64_t size;
	assert_ok(berth_store_blob_size(s, &info.digest, &size, &err), err);
	assert_int_equal(size, info.size);

	/* an abandoned writer leaves no blob */
	assert_ok(berth_layer_writer_new_store(s, &o, &w, &err), err);
	assert_ok(berth_layer_writer_add_tree(w, src, "x", &err), err);
	berth_layer_writer_free(w);

	_cleanup_strv_free_ char **dirs = NULL;
	assert_ok(berth_layer_store_stack(s, &info.diff_id, &info.digest, 1, 0, &dirs, &err), err);
	assert_int_equal(berth_strv_len(dirs), 1);
	_cleanup_close_ int d = open(dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(exists_at(d, "base"));
}

struct problems {
	size_t n;
	char last[512];
};

static void on_problem(void *ctx, const char *msg)
{
	struct problems *p = ctx;
	p->n++;
	snprintf(p->last, sizeof(p->last), "%s", msg);
}

static size_t check(struct ctx *c, bool repair, struct problems *p)
{
	struct berth_error *err = NULL;
	struct berth_store_problem_cb cb = {on_problem, p};
	size_t layers = 0, n = 0;
	*p = (struct problems){0};
	assert_ok(berth_layer_cache_check(c->store_fd, repair, &cb, &layers, &n, &err), err);
	assert_int_equal(n, p->n);
	assert_int_equal(layers, 1);
	return n;
}

/* An unpacked layer changed after the unpack (content, mode) is found, and dropped by repair. */
static void test_check_changed(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	struct problems p;
	_cleanup_free_ char *path = NULL;
	int fd = open_blob(c, 0, &err);
	assert_ok(berth_layer_cache_ensure(c->store_fd, &c->diff_ids[0], &c->diff_ids[0], fd, 0,
					   &path, &err),
		  err);
	close(fd);
	assert_int_equal(check(c, false, &p), 0);

	char hex[65];
	berth_digest_hex(&c->diff_ids[0], hex);
	_cleanup_free_ char *diff = berth_xasprintf("layers/%s/diff", hex);
	_cleanup_close_ int dfd = openat(c->store_fd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	/* same size, same mtime: only the mode */
	struct stat st;
	assert_int_equal(fstatat(dfd, "base", &st, 0), 0);
	assert_int_equal(fchmodat(dfd, "base", 0600, 0), 0);
	assert_int_equal(check(c, false, &p), 1);
	_cleanup_free_ char *want =
		berth_xasprintf("unpacked layer sha256:%s was changed after it was unpacked: "
				"'./base'",
				hex);
	assert_string_equal(p.last, want);
	assert_true(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));

	/* held by this process (as by a running container): reported, kept */
	assert_int_equal(check(c, true, &p), 1);
	assert_non_null(strstr(p.last, "(in use: not removed)"));
	assert_true(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));

	berth_layer_cache_release_all();
	assert_int_equal(check(c, true, &p), 1);
	assert_non_null(strstr(p.last, "(removed: it is unpacked again when needed)"));
	assert_false(berth_layer_cache_has(c->store_fd, &c->diff_ids[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_id),
		cmocka_unit_test_setup_teardown(test_ensure_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_changed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
