/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container endpoints that move bytes (api/containers-io.c) through
 * the transport, on a created container of a busybox rootfs: the archive
 * endpoints' X-Docker-Container-Path-Stat header (decoded: name, size,
 * Go's file mode bits, the link target in the root) and tar, their 404;
 * and (containers.c) wait answering a created container, resize refusing
 * a container that does not run and sizes that are not numbers.
 */
#include "unit.h"

#include "api-fixture.h"
#include "container/container.h"
#include "core/json.h"
#include "registry/registry.h"

/* A container "io" made (not started) from a busybox rootfs beside the store. */
static bool make_container(struct service *s)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return false;
	_cleanup_free_ char *rootfs = berth_xasprintf("%s/../rootfs", s->f->root);
	_cleanup_free_ char *cmd = berth_xasprintf(
		"set -e; mkdir -p %s/bin %s/etc; cp /bin/busybox %s/bin/; ln -s busybox %s/bin/sh; "
		"ln -s /bin/busybox %s/etc/bb",
		rootfs, rootfs, rootfs, rootfs, rootfs);
	assert_int_equal(system(cmd), 0);
	struct berth_run_options o;
	struct berth_run_result res;
	struct berth_error *err = NULL;
	char *argv[] = {"true", NULL};
	berth_run_options_init(&o);
	o.name = "io";
	o.rootfs = rootfs;
	o.cmd = argv;
	o.network = "none";
	o.create_only = true;
	assert_ok(berth_container_run(s->f->s, &o, &res, &err), err);
	return true;
}

/* The header's JSON in a raw reply. */
static json_t *path_stat(const char *reply)
{
	const char *h = strstr(reply, "X-Docker-Container-Path-Stat: ");
	assert_non_null(h);
	h += strlen("X-Docker-Container-Path-Stat: ");
	_cleanup_free_ char *b64 = berth_xstrndup(h, strcspn(h, "\r"));
	_cleanup_free_ char *js = NULL;
	assert_int_equal(berth_registry_base64_decode(b64, &js, NULL), 0);
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

/* A request whose reply has status and text. */
static void expect(struct service *s, const char *head, const char *status, const char *text)
{
	_cleanup_free_ char *r = request(s, head, NULL, 0);
	assert_non_null(strstr(r, status));
	assert_non_null(strstr(r, text));
}

static void test_wait_and_resize(void **state)
{
	struct service *s = *state;
	if (!make_container(s))
		skip();
	expect(s, "POST /containers/io/wait HTTP/1.1", "HTTP/1.1 200",
	       "{\"StatusCode\":0,\"Error\":null}");
	expect(s, "POST /containers/io/wait?condition=x HTTP/1.1", "HTTP/1.1 400", "condition");
	expect(s, "POST /containers/io/resize?h=10&w=20 HTTP/1.1", "HTTP/1.1 409",
	       "is not running");
	expect(s, "POST /containers/io/resize?h=ten&w=20 HTTP/1.1", "HTTP/1.1 400", "numbers");
	expect(s, "POST /containers/nope/resize?h=1&w=1 HTTP/1.1", "HTTP/1.1 404", "nope");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_archive, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_wait_and_resize, svc_setup, svc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
