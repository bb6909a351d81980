/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared by the store unit tests: a temp store (opened below a path that does not exist yet) and small images. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "store/store.h"

struct fixture {
	char root[64];
	struct berth_store *s;
};

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
	struct fixture *f = *state;
	berth_store_free(f->s);
	char *top = strndup(f->root, strlen(f->root) - 4);
	berth_rm_rf_at(AT_FDCWD, top, NULL);
	free(top);
	free(f);
	return 0;
}

static inline size_t count_files(struct fixture *f, const char *dir)
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

static inline void corrupt_blob(struct fixture *f, const struct berth_digest *d)
{
	char hex[65];
	_cleanup_free_ char *p =
		berth_xasprintf("%s/blobs/sha256/%s", f->root, berth_digest_hex(d, hex));
	int fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "!", 1), 1);
	close(fd);
}

static inline void put_image(struct fixture *f, const char *tag, const char *layer_text,
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

/* The digests a test says are live. */
struct live {
	const struct berth_digest *d;
	size_t n;
};

/* A berth_store_mark_fn standing for the image level: marks what ctx (a struct live, or NULL) lists. */
static inline int mark_listed(struct berth_store *s, struct berth_store_marks *m, void *ctx,
			      struct berth_error **err)
{
	const struct live *l = ctx;
	for (size_t i = 0; l && i < l->n; i++)
		berth_store_mark(m, &l->d[i]);
	return 0;
}
