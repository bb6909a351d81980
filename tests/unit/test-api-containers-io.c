/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container endpoints that move bytes (api/containers-io.c) through
 * the transport, on a created container of a busybox rootfs: the archive
 * endpoints' X-Docker-Container-Path-Stat header (decoded: name, size,
 * Go's file mode bits, the link target in the root) and tar, their 404.
 */
#include "unit.h"

#include "api-ctr-fixture.h"
#include "core/base64.h"
#include "core/json.h"

/* The header's JSON in a raw reply. */
static json_t *path_stat(const char *reply)
{
	const char *h = strstr(reply, "X-Docker-Container-Path-Stat: ");
	assert_non_null(h);
	h += strlen("X-Docker-Container-Path-Stat: ");
	_cleanup_free_ char *b64 = berth_xstrndup(h, strcspn(h, "\r"));
	_cleanup_free_ char *js = NULL;
	assert_int_equal(
		berth_base64_decode(b64, strlen(b64), BERTH_BASE64_STRICT, &js, NULL, NULL), 0);
	json_t *j = json_loads(js, 0, NULL);
	assert_non_null(j);
	return j;
}

static void test_archive(void **state)
{
	struct service *s = *state;
	if (!make_container(s))
		skip();
	_cleanup_free_ char *f =
		request(s, "HEAD /containers/io/archive?path=/bin/busybox HTTP/1.1", NULL, 0);
	assert_non_null(strstr(f, "HTTP/1.1 200"));
	_cleanup_json_ json_t *fs = path_stat(f);
	struct stat st;
	assert_int_equal(stat("/bin/busybox", &st), 0);
	assert_string_equal(json_string_value(json_object_get(fs, "name")), "busybox");
	assert_int_equal(json_integer_value(json_object_get(fs, "size")), st.st_size);
	assert_int_equal(json_integer_value(json_object_get(fs, "mode")), st.st_mode & 0777);
	assert_string_equal(json_string_value(json_object_get(fs, "linkTarget")), "");
	/* a directory's mode has Go's ModeDir; a symlink's ModeSymlink and its target */
	_cleanup_free_ char *d =
		request(s, "HEAD /containers/io/archive?path=/bin HTTP/1.1", NULL, 0);
	_cleanup_json_ json_t *ds = path_stat(d);
	assert_true(json_integer_value(json_object_get(ds, "mode")) & (1LL << 31));
	_cleanup_free_ char *l =
		request(s, "HEAD /containers/io/archive?path=/etc/bb HTTP/1.1", NULL, 0);
	_cleanup_json_ json_t *ls = path_stat(l);
	assert_true(json_integer_value(json_object_get(ls, "mode")) & (1LL << 27));
	assert_string_equal(json_string_value(json_object_get(ls, "linkTarget")), "/bin/busybox");
	/* GET: the same header and the tar, its entries under the directory's name */
	_cleanup_free_ char *t =
		request(s, "GET /containers/io/archive?path=/bin HTTP/1.1", NULL, 0);
	assert_non_null(strstr(t, "Content-Type: application/x-tar"));
	_cleanup_json_ json_t *ts = path_stat(t);
	assert_string_equal(json_string_value(json_object_get(ts, "name")), "bin");
	assert_non_null(memmem(t, last_len, "bin/busybox", 11));
	_cleanup_free_ char *nf =
		request(s, "GET /containers/io/archive?path=/nope HTTP/1.1", NULL, 0);
	assert_non_null(strstr(nf, "HTTP/1.1 404"));
	assert_non_null(strstr(nf, "Could not find the file /nope in container io"));
	assert_null(strstr(nf, "X-Docker-Container-Path-Stat"));
	_cleanup_free_ char *np = request(s, "GET /containers/io/archive HTTP/1.1", NULL, 0);
	assert_non_null(strstr(np, "HTTP/1.1 400"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_archive, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
