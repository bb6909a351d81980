/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test driver for the layer library, used by the hostile-archive suite,
 * tests/e2e/layer*.bats and bench/layer:
 *   layer-tool pack [--upper] [--compression gzip|zstd|none] [--level N] DIR OUT
 *       prints "<diffID> <digest> <size> <media type>"
 *   layer-tool unpack [--no-devices] [--no-chown] IN DIR
 *   layer-tool diffid IN             prints the diffID of a (compressed) layer
 *   layer-tool mount STORE TARGET IN...   unpacks into STORE's cache, mounts read-only
 *   layer-tool floor [--compression gzip|zstd] [--level N] TAR OUT
 *       bench/layer's floor: only what a layer write cannot avoid, on a
 *       finished tar: sha256 of it, the same compressor as the layer
 *       writer (core/compress.c: same library, default level, one thread,
 *       zstd checksum), sha256 of the output, written to OUT
 * Errors print "layer-tool: <message>" and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/strv.h"
#include "layer/layer.h"

static int fail(struct berth_error *err)
{
	fprintf(stderr, "layer-tool: %s\n", berth_error_msg(err));
	berth_error_free(&err);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: layer-tool pack|unpack|diffid|mount|floor ...\n");
	return 2;
}

static int cmd_pack(int argc, char **argv)
{
	struct berth_error *err = NULL;
	struct berth_layer_write_options o;
	bool upper = false;
	int i = 0;
	berth_layer_write_options_default(&o);
	/* the tool stands in for the CLI, which reads the environment */
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end = NULL;
		long long v = strtoll(sde, &end, 10);
		if (*end || v < 0) {
			fprintf(stderr, "layer-tool: invalid SOURCE_DATE_EPOCH '%s'\n", sde);
			return 2;
		}
		o.clamp_mtime = true;
		o.source_date_epoch = v;
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--upper") == 0)
			upper = true;
		else if (strcmp(argv[i], "--compression") == 0 && i + 1 < argc) {
			if (berth_layer_compression_parse(argv[++i], &o.compression, &err) < 0)
				return fail(err);
		} else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc)
			o.level = atoi(argv[++i]);
		else
			return usage();
	}
	if (argc - i != 2)
		return usage();
	_cleanup_close_ int dfd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return perror(argv[i]), 1;
	_cleanup_close_ int out = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return perror(argv[i + 1]), 1;
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	struct berth_layer_info info;
	if (berth_layer_writer_new(&o, berth_layer_sink_fd, &out, &w, &err) < 0 ||
	    (upper ? berth_layer_writer_add_upper(w, dfd, &err)
		   : berth_layer_writer_add_tree(w, dfd, "", &err)) < 0 ||
	    berth_layer_writer_finish(w, &info, &err) < 0)
		return fail(err);
	char a[BERTH_DIGEST_STRLEN + 1], b[BERTH_DIGEST_STRLEN + 1];
	printf("%s %s %llu %s\n", berth_digest_fmt(&info.diff_id, a),
	       berth_digest_fmt(&info.digest, b), (unsigned long long)info.size, info.media_type);
	return 0;
}

static int cmd_unpack(int argc, char **argv)
{
	struct berth_error *err = NULL;
	unsigned flags = 0;
	int i = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--no-devices") == 0)
			flags |= BERTH_LAYER_UNPACK_NO_DEVICES;
		else if (strcmp(argv[i], "--no-chown") == 0)
			flags |= BERTH_LAYER_UNPACK_NO_CHOWN;
		else
			return usage();
	}
	if (argc - i != 2)
		return usage();
	_cleanup_close_ int in = open(argv[i], O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return perror(argv[i]), 1;
	_cleanup_close_ int root = open(argv[i + 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return perror(argv[i + 1]), 1;
	struct berth_layer_unpack_stats st;
	if (berth_layer_unpack(in, root, flags, NULL, &st, &err) < 0)
		return fail(err);
	char a[BERTH_DIGEST_STRLEN + 1];
	printf("%s %llu entries\n", berth_digest_fmt(&st.diff_id, a),
	       (unsigned long long)st.entries);
	return 0;
}

static int diff_id_of(const char *path, struct berth_digest *ret, struct berth_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", path);
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *r = NULL;
	int k = berth_decompress_reader_open(fd, &r, err);
	if (k < 0)
		return k;
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	static char buf[1 << 16];
	ssize_t n;
	while ((n = berth_decompress_reader_read(r, buf, sizeof(buf), err)) > 0)
		berth_sha256_update(h, buf, (size_t)n);
	if (n < 0)
		return (int)n;
	berth_sha256_final(h, ret);
	return 0;
}

static int cmd_diffid(int argc, char **argv)
{
	struct berth_error *err = NULL;
	struct berth_digest d;
	if (argc != 1)
		return usage();
	if (diff_id_of(argv[0], &d, &err) < 0)
		return fail(err);
	char a[BERTH_DIGEST_STRLEN + 1];
	printf("%s\n", berth_digest_fmt(&d, a));
	return 0;
}

struct blobs {
	char **paths;
};

static int open_blob(void *ctx, size_t i, struct berth_error **err)
{
	struct blobs *b = ctx;
	int fd = open(b->paths[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", b->paths[i]);
	return fd;
}

static int cmd_mount(int argc, char **argv)
{
	struct berth_error *err = NULL;
	if (argc < 3)
		return usage();
	_cleanup_close_ int store = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (store < 0)
		return perror(argv[0]), 1;
	size_t n = (size_t)argc - 2;
	_cleanup_free_ struct berth_digest *ids = berth_xcalloc(n, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		if (diff_id_of(argv[2 + i], &ids[i], &err) < 0)
			return fail(err);
	struct blobs b = {.paths = argv + 2};
	_cleanup_strv_free_ char **lowers = NULL;
	if (berth_layer_stack_prepare(store, ids, n, open_blob, &b, 0, &lowers, &err) < 0 ||
	    berth_overlay_mount(lowers, NULL, NULL, argv[1], BERTH_OVERLAY_RDONLY, &err) < 0)
		return fail(err);
	return 0;
}

struct floor_out {
	struct berth_sha256 *hash;
	int fd;
};

static int floor_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	struct floor_out *o = ctx;
	berth_sha256_update(o->hash, data, len);
	return berth_layer_sink_fd(&o->fd, data, len, err);
}

static int cmd_floor(int argc, char **argv)
{
	struct berth_error *err = NULL;
	enum berth_compression kind = BERTH_COMPRESSION_GZIP;
	int level = -1, i = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--compression") == 0 && i + 1 < argc) {
			if (berth_compression_from_name(argv[++i], &kind, &err) < 0)
				return fail(err);
		} else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc)
			level = atoi(argv[++i]);
		else
			return usage();
	}
	if (argc - i != 2)
		return usage();
	_cleanup_close_ int in = open(argv[i], O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return perror(argv[i]), 1;
	struct floor_out o = {berth_sha256_new(), -1};
	o.fd = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o.fd < 0)
		return perror(argv[i + 1]), 1;
	struct berth_sha256 *tar_hash = berth_sha256_new();
	struct berth_compressor *c = NULL;
	if (berth_compressor_new(kind, level, floor_sink, &o, &c, &err) < 0)
		return fail(err);
	_cleanup_free_ char *buf = berth_xmalloc(1 << 20);
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror(argv[i]);
			rc = 1;
			break;
		}
		if (n == 0)
			break;
		berth_sha256_update(tar_hash, buf, (size_t)n);
		if (berth_compressor_write(c, buf, (size_t)n, &err) < 0) {
			rc = fail(err);
			break;
		}
	}
	if (rc == 0 && berth_compressor_finish(c, &err) < 0)
		rc = fail(err);
	struct berth_digest d1, d2;
	berth_sha256_final(tar_hash, &d1);
	berth_sha256_final(o.hash, &d2);
	if (rc == 0) {
		char a[BERTH_DIGEST_STRLEN + 1], b[BERTH_DIGEST_STRLEN + 1];
		printf("%s %s\n", berth_digest_fmt(&d1, a), berth_digest_fmt(&d2, b));
	}
	berth_compressor_free(c);
	berth_sha256_free(tar_hash);
	berth_sha256_free(o.hash);
	close(o.fd);
	return rc;
}

int main(int argc, char **argv)
{
	/* as berth's main: the e2e suite's second run, with openat2 refused */
	const char *no_openat2 = getenv("BERTH_NO_OPENAT2");
	if (no_openat2 && *no_openat2 && strcmp(no_openat2, "0") != 0)
		berth_fs_force_fallback(true);
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "pack") == 0)
		return cmd_pack(argc - 2, argv + 2);
	if (strcmp(argv[1], "unpack") == 0)
		return cmd_unpack(argc - 2, argv + 2);
	if (strcmp(argv[1], "diffid") == 0)
		return cmd_diffid(argc - 2, argv + 2);
	if (strcmp(argv[1], "mount") == 0)
		return cmd_mount(argc - 2, argv + 2);
	if (strcmp(argv[1], "floor") == 0)
		return cmd_floor(argc - 2, argv + 2);
	return usage();
}
