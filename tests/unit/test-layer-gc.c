/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unpacked-layer gc of layer/: chains in keep (the roots system/ names)
 * stay, a chain another process holds (a running container) stays, crash
 * leftovers go, and the lower-dir parser. test-system-gc.c has the roots.
 */
#include "gc-fixture.h"

#include <sys/file.h>
#include <sys/wait.h>

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

static void test_keep_list(void **state)
{
	struct ctx *c = *state;
	struct berth_error *err = NULL;
	struct berth_layer_gc_result res;
	/* the roots are base and base+b (a container's lower dirs): a's top goes */
	struct berth_digest keep[2] = {c->chains[0], c->chains[2]};
	assert_ok(berth_layer_store_gc(c->s, keep, 2, &res, &err), err);
	assert_int_equal(res.removed, 1);
	assert_int_equal(res.kept, 2);
	assert_true(cached(c, 0));
	assert_false(cached(c, 1));
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
	/* the roots are a's chains; b's top is held here */
	struct berth_layer_gc_result res;
	assert_ok(berth_layer_store_gc(c->s, c->chains, 2, &res, &err), err);
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
	assert_ok(berth_layer_store_gc(c->s, c->chains, 3, &res, &err), err);
	assert_int_equal(faccessat(lfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(faccessat(lfd, btmp, F_OK, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(res.removed, 0); /* leftovers are not layers */
	assert_int_equal(write(done[1], &x, 1), 1);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_ok(berth_layer_store_gc(c->s, c->chains, 3, &res, &err), err);
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
		cmocka_unit_test_setup_teardown(test_keep_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_by_another_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_here_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftovers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
