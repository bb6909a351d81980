/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * The fixture of the unpacked-layer gc tests (layer/ and system/): a store
 * with three one-file layers, images a (base+a) and b (base+b), both
 * unpacked in the cache and held by no process.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
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
