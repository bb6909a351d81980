/* SPDX-License-Identifier: Apache-2.0 */
/* Blobs (registry/blob.c): a cut download resumed, an upload without a Location refused. */
#include "registry-client-test.h"

static void test_blob_resume(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	struct berth_digest d;
	berth_digest_of(r.blob, sizeof(r.blob), &d);
	struct berth_buf b = BERTH_BUF_INIT;
	struct blob_target t = {.write = collect, .reset = reset, .ctx = &b};
	r.cut_first = true;
	r.ranges = 0;
	assert_ok(registry_get_blob(reg, &d, sizeof(r.blob), &t, &err), err);
	assert_int_equal(b.len, sizeof(r.blob));
	assert_memory_equal(b.buf, r.blob, sizeof(r.blob));
	assert_int_equal(r.ranges, 1);
	/* a descriptor that says fewer bytes than served is refused */
	berth_buf_reset(&b);
	assert_int_equal(registry_get_blob(reg, &d, 100, &t, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "larger than its descriptor"));
	berth_buf_release(&b);
}

/* an upload session answered 201 without a Location is refused, not followed to NULL */
static void test_upload_without_location(void **state)
{
	_cleanup_free_ char *domain = berth_xasprintf("127.0.0.1:%d", f.port);
	_cleanup_(registry_freep) struct registry *reg = NULL;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(registry_open(domain, "a/b", &reg, &err), err);
	struct berth_digest d;
	berth_digest_of(r.blob, sizeof(r.blob), &d);
	_cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(registry_upload_blob(reg, &d, fd, 0, NULL, 0, &err), -EBADMSG);
	assert_non_null(strstr(err->msg, "without a Location"));
	assert_int_equal(r.posts, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blob_resume),
		cmocka_unit_test(test_upload_without_location),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
