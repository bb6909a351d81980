/* SPDX-License-Identifier: Apache-2.0 */
/* import: a tar (any compression) becomes a one-layer image; bad tars change nothing. */
#include "unit.h"

#include "builder/builder.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/compress.h"
#include "core/strv.h"
#include "image-fixture.h"

static void test_import(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	const char *files[] = {"bin/sh", "#!", "etc/passwd", "root:x:0:0::/:/bin/sh\n"};
	int fd = make_tar(files, 4);
	/* the diff ID is the sha256 of the plain tar */
	struct berth_digest want, id;
	uint64_t size;
	assert_ok(berth_digest_fd(fd, &want, &size, &err), err);
	lseek(fd, 0, SEEK_SET);
	char *const changes[] = {"CMD [\"/bin/sh\"]", "ENV A=1", "entrypoint echo hi", NULL};
	assert_ok(berth_image_import(f->s, fd,
				     &(struct berth_image_import_options){
					     .source = "rootfs.tar",
					     .name = "imp:1",
					     .changes = changes,
					     .apply_changes = berth_builder_apply_changes,
					     .message = NULL},
				     &id, &err),
		  err);
	close(fd);
	struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(f->s, "imp:1", &img, &err), err);
	assert_true(berth_digest_eq(&img->id, &id));
	assert_int_equal(img->manifest->n_layers, 1);
	assert_string_equal(img->manifest->layers[0].media_type, BERTH_MT_OCI_LAYER);
	/* kept uncompressed: the blob is the plain tar, its digest the diff ID */
	assert_true(berth_digest_eq(&img->manifest->layers[0].digest, &want));
	assert_true(berth_digest_eq(&img->config->diff_ids[0], &want));
	assert_string_equal(img->config->cmd[0], "/bin/sh");
	assert_string_equal(img->config->env[0], "A=1");
	assert_string_equal(img->config->entrypoint[2], "echo hi");
	assert_string_equal(img->config->history[0].comment, "Imported from rootfs.tar");
	assert_non_null(img->config->created);
	berth_image_free(img);
}

static int buf_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	berth_buf_add(ctx, data, len);
	return 0;
}

static void test_import_zstd(void **state)
{
	/* a zstd tar imports with the diff ID of the plain tar, stored uncompressed */
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	const char *files[] = {"a", "b"};
	int fd = make_tar(files, 2);
	_cleanup_buf_ struct berth_buf plain = BERTH_BUF_INIT;
	_cleanup_buf_ struct berth_buf z = BERTH_BUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		berth_buf_add(&plain, buf, (size_t)n);
	close(fd);
	struct berth_compressor *k = NULL;
	struct berth_digest want, id;
	berth_digest_of(plain.buf, plain.len, &want);
	assert_ok(berth_compressor_new(BERTH_COMPRESSION_ZSTD, -1, buf_sink, &z, &k, &err), err);
	assert_ok(berth_compressor_write(k, plain.buf, plain.len, &err), err);
	assert_ok(berth_compressor_finish(k, &err), err);
	berth_compressor_free(k);
	int zfd = memfd_create("z", MFD_CLOEXEC);
	assert_int_equal(write(zfd, z.buf, z.len), (ssize_t)z.len);
	lseek(zfd, 0, SEEK_SET);
	assert_ok(berth_image_import(f->s, zfd,
				     &(struct berth_image_import_options){.source = "-",
									  .name = "a:1",
									  .changes = NULL,
									  .message = "my message"},
				     &id, &err),
		  err);
	close(zfd);
	struct berth_image *img = NULL;
	assert_ok(berth_image_resolve(f->s, "a:1", &img, &err), err);
	assert_true(berth_digest_eq(&img->config->diff_ids[0], &want));
	assert_string_equal(img->manifest->layers[0].media_type, BERTH_MT_OCI_LAYER);
	assert_string_equal(img->config->history[0].comment, "my message");
	berth_image_free(img);
}

static void test_import_bad(void **state)
{
	struct fixture *f = *state;
	struct berth_error *err = NULL;
	struct berth_digest id;
	const char *files[] = {"big", "0123456789012345678901234567890123456789012345678901234567"};
	int fd = make_tar(files, 2);
	/* cut inside the file's data */
	assert_int_equal(ftruncate(fd, 530), 0);
	assert_int_equal(berth_image_import(f->s, fd,
					    &(struct berth_image_import_options){.source = "-",
										 .name = "cut:1",
										 .changes = NULL,
										 .message = NULL},
					    &id, &err),
			 -EBADMSG);
	assert_non_null(strstr(err->msg, "not a valid tar archive"));
	berth_error_free(&err);
	close(fd);

	int junk = memfd_create("j", MFD_CLOEXEC);
	assert_int_equal(write(junk, "this is not a tar archive at all, not even close......", 54),
			 54);
	lseek(junk, 0, SEEK_SET);
	assert_int_equal(berth_image_import(f->s, junk,
					    &(struct berth_image_import_options){.source = "-",
										 .name = "junk:1",
										 .changes = NULL,
										 .message = NULL},
					    &id, &err),
			 -EBADMSG);
	berth_error_free(&err);
	close(junk);

	int fd2 = make_tar(files, 2);
	assert_int_equal(berth_image_import(f->s, fd2,
					    &(struct berth_image_import_options){.source = "-",
										 .name = "Bad:1",
										 .changes = NULL,
										 .message = NULL},
					    &id, &err),
			 -EINVAL);
	assert_string_equal(err->msg,
			    "invalid reference format: repository name must be lowercase");
	berth_error_free(&err);
	char *const bad_change[] = {"RUN rm -rf /", NULL};
	assert_int_equal(berth_image_import(f->s, fd2,
					    &(struct berth_image_import_options){
						    .source = "-",
						    .name = "x:1",
						    .changes = bad_change,
						    .apply_changes = berth_builder_apply_changes,
						    .message = NULL},
					    &id, &err),
			 -EINVAL);
	berth_error_free(&err);
	close(fd2);
	assert_int_equal(count_files(f, "blobs/sha256"), 0);
	assert_int_equal(count_files(f, "tmp"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_zstd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_bad, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
