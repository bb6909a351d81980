/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/cleanup.h"
#include "registry/internal.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void test_parse(void **state)
{
	const char *m = "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_DOCKER_MANIFEST "\","
			"\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":12},"
			"\"layers\":[{\"mediaType\":\"l\",\"digest\":\"" D2 "\",\"size\":34}]}";
	struct manifest_info info;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_ok(manifest_info_parse(m, strlen(m), MEDIA_DOCKER_MANIFEST, &info, &err), err);
	assert_int_equal(info.config.size, 12);
	assert_int_equal(info.n_layers, 1);
	assert_int_equal(info.layers[0].size, 34);
	char hex[BERTH_DIGEST_STRLEN + 1];
	assert_string_equal(berth_digest_fmt(&info.layers[0].digest, hex), D2);
	manifest_info_release(&info);
	assert_true(media_type_is_index(MEDIA_OCI_INDEX));
	assert_true(media_type_is_index(MEDIA_DOCKER_LIST));
	assert_false(media_type_is_index(MEDIA_OCI_MANIFEST));
}

static void bad(const char *m, const char *mt, int code, const char *msg)
{
	struct manifest_info info;
	_cleanup_error_ struct berth_error *err = NULL;
	assert_int_equal(manifest_info_parse(m, strlen(m), mt, &info, &err), code);
	if (!strstr(err->msg, msg))
		fail_msg("'%s' not in '%s'", msg, err->msg);
}

static void test_bad(void **state)
{
	bad("{}", "application/vnd.docker.distribution.manifest.v1+prettyjws", -EINVAL, "schema 1");
	bad("{}", "text/plain", -EINVAL, "unknown media type 'text/plain'");
	bad("{", MEDIA_OCI_MANIFEST, -EINVAL, "");
	bad("{\"config\":{\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}", MEDIA_OCI_MANIFEST,
	    -EBADMSG, "negative size");
	bad("{\"config\":{\"digest\":\"md5:x\",\"size\":1},\"layers\":[]}", MEDIA_OCI_MANIFEST,
	    -EINVAL, "config");
	bad("{\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":{}}", MEDIA_OCI_MANIFEST,
	    -EBADMSG, "'layers' is not an array");
	bad("{\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":[{\"size\":1}]}",
	    MEDIA_OCI_MANIFEST, -ENOENT, "layer 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
