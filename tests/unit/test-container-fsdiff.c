/* SPDX-License-Identifier: Apache-2.0 */
/* fsdiff.c: diff reads an upper dir against the lower layers as Docker's overlay2 driver. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>

#include "container/container.h"
#include "store/store.h"
#include "core/fs.h"
#include "core/json.h"

static char store[64];
static struct berth_store *hstore; /* the store at store */
static const char id[] = "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void mk(const char *rel, bool dir)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", store, rel);
	if (dir) {
		assert_int_equal(mkdir(p, 0755), 0);
	} else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
}

/*
 * Sets the mtime of a directory of the layer (a) and of the upper dir (b):
 * the same for an unchanged copy-up, a later one for a changed directory.
 */
static void set_mtimes(const char *a, const char *b, bool same)
{
	char pa[512], pb[512];
	snprintf(pa, sizeof(pa), "%s/%s", store, a);
	snprintf(pb, sizeof(pb), "%s/%s", store, b);
	struct timespec t[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
	assert_int_equal(utimensat(AT_FDCWD, pa, t, 0), 0);
	t[1].tv_sec += same ? 0 : 60;
	assert_int_equal(utimensat(AT_FDCWD, pb, t, 0), 0);
}

static int setup(void **state)
{
	struct berth_error *err = NULL;
	snprintf(store, sizeof(store), "/tmp/berth-fsdiff-XXXXXX");
	assert_non_null(mkdtemp(store));
	assert_int_equal(berth_store_open(store, &hstore, NULL), 0);
	/* the image: one layer */
	const char *layer[] = {"layer",	    "layer/bin",     "layer/etc",
			       "layer/usr", "layer/usr/lib", "layer/var"};
	for (size_t i = 0; i < 6; i++)
		mk(layer[i], true);
	mk("layer/bin/ls", false);
	mk("layer/bin/sh", false);
	mk("layer/etc/passwd", false);
	mk("layer/usr/lib/x", false);
	mk("layer/var/old", false);
	/* the container's upper dir */
	char cdir[256];
	snprintf(cdir, sizeof(cdir), "%s/containers/%s", store, id);
	assert_ok(berth_mkdir_p(cdir, 0700, &err), err);
	char rel[512];
	const char *upper[] = {"upper",		"upper/bin", "upper/etc", "upper/usr",
			       "upper/usr/lib", "upper/tmp", "upper/var"};
	for (size_t i = 0; i < 7; i++) {
		snprintf(rel, sizeof(rel), "containers/%s/%s", id, upper[i]);
		mk(rel, true);
	}
	snprintf(rel, sizeof(rel), "containers/%s/upper/etc/passwd", id);
	mk(rel, false); /* changed */
	snprintf(rel, sizeof(rel), "containers/%s/upper/tmp/new", id);
	mk(rel, false); /* added, in an added directory */
	snprintf(rel, sizeof(rel), "containers/%s/upper/etc/hosts", id);
	mk(rel, false); /* a runtime mount point: never shown */
	char p[512];
	snprintf(p, sizeof(p), "%s/containers/%s/upper/bin/ls", store, id);
	if (mknod(p, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return 0; /* not root: the whiteout test skips */
	/* an opaque directory over one the image has: D, then its entries anew */
	snprintf(p, sizeof(p), "%s/containers/%s/upper/var", store, id);
	if (setxattr(p, "trusted.overlay.opaque", "y", 1, 0) < 0)
		return 0;
	snprintf(rel, sizeof(rel), "containers/%s/upper/var/fresh", id);
	mk(rel, false);
	/* usr/lib copied up unchanged: no C for it, nor for usr */
	snprintf(rel, sizeof(rel), "containers/%s/upper/usr/lib", id);
	set_mtimes("layer/usr/lib", rel, true);
	snprintf(rel, sizeof(rel), "containers/%s/upper/usr", id);
	set_mtimes("layer/usr", rel, true);
	/* /etc and /bin changed (a file written, a file removed) */
	snprintf(rel, sizeof(rel), "containers/%s/upper/etc", id);
	set_mtimes("layer/etc", rel, false);
	snprintf(rel, sizeof(rel), "containers/%s/upper/bin", id);
	set_mtimes("layer/bin", rel, false);
	/* the record: its lower dirs, top first */
	char lower[256];
	snprintf(lower, sizeof(lower), "%s/layer", store);
	json_t *st = json_pack("{s:s, s:s, s:{s:s, s:b}, s:[s]}", "Id", id, "Name", "d1", "State",
			       "Status", "exited", "Running", 0, "Lowerdirs", lower);
	char *s = berth_json_dump(st, NULL);
	int dfd = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_ok(berth_write_file_atomic(dfd, "state.json", s, strlen(s), 0600, &err), err);
	close(dfd);
	free(s);
	json_decref(st);
	*state = (void *)1;
	return 0;
}

static int teardown(void **state)
{
	int dfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	berth_store_freep(&hstore);
	berth_rm_rf_at(dfd, store + 5, NULL);
	close(dfd);
	return 0;
}

static void test_diff(void **state)
{
	if (!*state)
		skip();
	struct berth_error *err = NULL;
	struct berth_change *v = NULL;
	size_t n = 0;
	assert_ok(berth_container_diff(hstore, "d1", &v, &n, &err), err);
	char out[1024] = "";
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(out);
		snprintf(out + l, sizeof(out) - l, "%c %s\n", v[i].kind, v[i].path);
	}
	/*
	 * Docker's walk order: /bin and /etc are C for their mtimes (/bin would
	 * be anyway, as the parent of a deletion), /usr is an unchanged
	 * copy-up, /tmp is new, /etc/hosts a runtime mount point.
	 */
	assert_string_equal(out, "C /bin\n"
				 "D /bin/ls\n"
				 "C /etc\n"
				 "C /etc/passwd\n"
				 "A /tmp\n"
				 "A /tmp/new\n"
				 "D /var\n"
				 "A /var/fresh\n");
	berth_changes_free(v, n);
}

static void test_no_such_container(void **state)
{
	struct berth_error *err = NULL;
	struct berth_change *v = NULL;
	size_t n = 0;
	assert_int_equal(berth_container_diff(hstore, "nope", &v, &n, &err), -ENOENT);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_such_container, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
