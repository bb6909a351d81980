/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unpacked-layer gc: chains of images stay, a shared chain stays while
 * one image needs it, chains in keep stay, a chain another process holds
 * (a running container) stays, crash leftovers go, and the lower-dir parser.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "image/image.h"
#include "layer/layer.h"
#include "store/store.h"

struct ctx {
	char top[64];
	int top_fd;
	struct berth_store *s;
	struct berth_descriptor layers[3]; /* base, a's top, b's top */
	struct berth_digest diff_ids[3];
	struct berth_digest chains[3]; /* base, base+a, base+b */
};

/* A one-file layer written straight into the store. */
static void make_layer(struct ctx *c, int i, const char *file)
{
	struct berth_error *err = NULL;
	char dir[16];
	snprintf(dir, sizeof(dir), "src%d", i);
	assert_int_equal(mkdirat(c->top_fd, dir, 0755), 0);
	_cleanup_close_ int d = openat(c->top_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int f = openat(d, file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(write(f, file, strlen(file)), (ssize_t)strlen(file));
	struct berth_layer_write_options o = {.compression = BERTH_LAYER_GZIP};
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	assert_ok(berth_layer_writer_new_store(c->s, &o, &w, &err), err);
	assert_ok(berth_layer_writer_add_tree(w, d, "", &err), err);
	assert_ok(berth_layer_writer_finish(w, &info, &err), err);
	c->layers[i] = (struct berth_descriptor){
		.media_type = (char *)info.media_type, .digest = info.digest, .size = info.size};
	c->diff_ids[i] = info.diff_id;
}

static void write_image(struct ctx *c, int top, const char *name)
{
	struct berth_error *err = NULL;
	_cleanup_(berth_image_config_freep) struct berth_image_config *cfg =
		berth_image_config_new("linux", "amd64");
	berth_image_config_add_layer(cfg, &c->diff_ids[0], NULL);
	berth_image_config_add_layer(cfg, &c->diff_ids[top], NULL);
	struct berth_descriptor l[2] = {c->layers[0], c->layers[top]};
	assert_ok(berth_image_write(c->s, cfg, l, 2, name, NULL, NULL, &err), err);
}

/* Unpacks the image's chain into the cache (as `run` and `image mount` do). */
static void unpack(struct ctx *c, int top)
{
	struct berth_error *err = NULL;
	struct berth_digest ids[2] = {c->diff_ids[0], c->diff_ids[top]};
	struct berth_digest blobs[2] = {c->layers[0].digest, c->layers[top].digest};
	_cleanup_strv_free_ char **lower = NULL;
	assert_ok(berth_layer_store_stack(c->s, ids, blobs, 2, 0, &lower, &err), err);
	assert_int_equal(berth_strv_len(lower), 2);
}

static bool cached(struct ctx *c, int i)
{
	return berth_layer_cache_has(berth_store_root_fd(c->s), &c->chains[i]);
}

static int setup(void **state)
{
	struct berth_error *err = NULL;
	struct ctx *c = berth_xcalloc(1, sizeof(*c));
	snprintf(c->top, sizeof(c->top), "/tmp/berth-lgc-XXXXXX");
	assert_non_null(mkdtemp(c->top));
	c->top_fd = open(c->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *root = berth_xasprintf("%s/store", c->top);
	assert_ok(berth_store_open(root, &c->s, &err), err);
	make_layer(c, 0, "base");
	make_layer(c, 1, "a");
	make_layer(c, 2, "b");
	berth_layer_chain_id(NULL, &c->diff_ids[0], &c->chains[0]);
	berth_layer_chain_id(&c->chains[0], &c->diff_ids[1], &c->chains[1]);
	berth_layer_chain_id(&c->chains[0], &c->diff_ids[2], &c->chains[2]);
	write_image(c, 1, "docker.io/library/a:1");
	write_image(c, 2, "docker.io/library/b:1");
	unpack(c, 1);
	unpack(c, 2);
	/* this process holds what it unpacked; the tests decide who holds what */
	berth_layer_cache_release_all();
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	berth_layer_cache_release_all();
	berth_store_free(c->s);
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(berth_rm_rf_at(dfd, c->top + 5, NULL), 0);
	close(dfd);
	close(c->top_fd);
	free(c);
	return 0;
}

static void test_lowerdir_parse(void **state)
{
	(void)state;
	struct berth_digest d, want;
	const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	_cleanup_free_ char *p = berth_xasprintf("/var/lib/berth/layers/%s/diff", hex);
	assert_int_equal(berth_layer_chain_of_lowerdir(p, &d), 0);
	assert_int_equal(berth_digest_parse_hex(hex, &want, NULL), 0);
	assert_true(berth_digest_eq(&d, &want));
	assert_int_equal(berth_layer_chain_of_lowerdir("/x/rootfs", &d), -EINVAL);
	_cleanup_free_ char *nodiff = berth_xasprintf("/layers/%s", hex);
	assert_int_equal(berth_layer_chain_of_lowerdir(nodiff, &d), -EINVAL);
	_cleanup_free_ char *upper = berth_xasprintf("/layers/%.63sX/diff", hex);
	assert_int_equal(berth_layer_chain_of_lowerdir(upper, &d), -EINVAL);
	_cleanup_free_ char *glued = berth_xasprintf("/layersx%s/diff", hex);
	assert_int_equal(berth_layer_chain_of_lowerdir(glued + 7, &d), -EINVAL);
}

static void test_images_keep_chains(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	struct berth_layer_gc_result res;
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.removed, 0);
	assert_int_equal(res.kept, 3);
	for (int i = 0; i < 3; i++)
		assert_true(cached(c, i));

	/* b goes: its top chain goes, the base a still needs stays */
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/b:1", false, &err), err);
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.removed, 1);
	assert_true(res.bytes > 0);
	assert_true(cached(c, 0));
	assert_true(cached(c, 1));
	assert_false(cached(c, 2));
	int lfd = berth_store_dir_fd(c->s, "layers");
	char hex[65];
	berth_digest_hex(&c->chains[2], hex);
	_cleanup_free_ char *lock = berth_xasprintf("%s.lock", hex);
	assert_int_equal(faccessat(lfd, hex, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(lfd, lock, F_OK, AT_SYMLINK_NOFOLLOW), -1);

	/* a goes too: everything goes */
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/a:1", false, &err), err);
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.removed, 2);
	assert_false(cached(c, 0));
	assert_false(cached(c, 1));
}

static void test_keep_list(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	struct berth_layer_gc_result res;
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/b:1", false, &err), err);
	/* a container record names base+b */
	assert_ok(berth_layer_store_gc(c->s, &c->chains[2], 1, &res, &err), err);
	assert_int_equal(res.removed, 0);
	assert_true(cached(c, 2));
}

/* A process holding a layer (a running container's monitor) keeps it. */
static void test_held_by_another_process(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	int ready[2], done[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child prepares b's stack (as `run` does) and waits */
		struct berth_digest ids[2] = {c->diff_ids[0], c->diff_ids[2]};
		struct berth_digest blobs[2] = {c->layers[0].digest, c->layers[2].digest};
		char **lower = NULL;
		if (berth_layer_store_stack(c->s, ids, blobs, 2, 0, &lower, NULL) < 0)
			_exit(1);
		char x = 1, y;
		if (write(ready[1], &x, 1) != 1 || read(done[0], &y, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	char x;
	assert_int_equal(read(ready[0], &x, 1), 1);

	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/b:1", false, &err), err);
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/a:1", false, &err), err);
	struct berth_layer_gc_result res;
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	/* a's top goes; base and b's top are in use */
	assert_int_equal(res.removed, 1);
	assert_int_equal(res.in_use, 2);
	assert_true(cached(c, 0));
	assert_false(cached(c, 1));
	assert_true(cached(c, 2));

	/* the holder exits: now they go */
	assert_int_equal(write(done[1], &x, 1), 1);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.removed, 2);
	assert_false(cached(c, 0));
	assert_false(cached(c, 2));
	close(ready[0]);
	close(done[1]);
}

/* This process's own holds count too, and the public remove drops them first. */
static void test_held_here_and_remove(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	unpack(c, 2);
	assert_true(berth_layer_cache_held(&c->chains[2]));
	assert_false(berth_layer_cache_held(&c->chains[1]));
	assert_ok(berth_store_ref_remove(c->s, "docker.io/library/b:1", false, &err), err);
	struct berth_layer_gc_result res;
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	assert_int_equal(res.removed, 0);
	assert_int_equal(res.in_use, 1);
	assert_ok(berth_layer_cache_remove(berth_store_root_fd(c->s), &c->chains[2], &err), err);
	assert_false(berth_layer_cache_held(&c->chains[2]));
	assert_false(cached(c, 2));
	/* unpacking it again works (a fresh lock file) */
	write_image(c, 2, "docker.io/library/b:2");
	unpack(c, 2);
	assert_true(cached(c, 2));
}

/* A half unpack: left by a crash it goes; being written (locked) it stays. */
static void test_leftovers(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	int lfd = berth_store_dir_fd(c->s, "layers");
	const char *hex = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *busy = "2222222222222222222222222222222222222222222222222222222222222222";
	_cleanup_free_ char *tmp = berth_xasprintf(".tmp-%s", hex);
	_cleanup_free_ char *btmp = berth_xasprintf(".tmp-%s", busy);
	_cleanup_free_ char *block = berth_xasprintf("%s.lock", busy);
	assert_int_equal(mkdirat(lfd, tmp, 0700), 0);
	assert_int_equal(mkdirat(lfd, btmp, 0700), 0);
	/* an unpacker of another process holds busy's lock exclusively */
	int ready[2], done[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = openat(lfd, block, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		char x = 1, y;
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(ready[1], &x, 1) != 1 ||
		    read(done[0], &y, 1) != 1)
			_exit(1);
		_exit(0);
	}
	char x;
	assert_int_equal(read(ready[0], &x, 1), 1);
	struct berth_layer_gc_result res;
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	assert_int_equal(faccessat(lfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(lfd, btmp, F_OK, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(res.removed, 0); /* leftovers are not layers */
	assert_int_equal(write(done[1], &x, 1), 1);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_ok(berth_layer_store_gc(c->s, NULL, 0, &res, &err), err);
	assert_int_equal(faccessat(lfd, btmp, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(lfd, block, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	for (int i = 0; i < 3; i++)
		assert_true(cached(c, i));
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(done[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lowerdir_parse),
		cmocka_unit_test_setup_teardown(test_images_keep_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_by_another_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_here_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftovers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
