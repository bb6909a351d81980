/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The catalog of layer tars written here: the top layer wins, whiteouts and
 * opaque directories hide the databases below, a package keeps the layer that
 * brought it in its final form, hostile names are never followed, and a
 * damaged database is refused naming its file and layer.
 */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/log.h"
#include "scan/scan.h"

/*
 * One tar entry: "path" with content (a regular file; 'x': an executable one),
 * or type 'd' / 'l' (symlink to content). len: content's length when it holds
 * NUL bytes (0: strlen).
 */
struct ent {
	const char *path;
	const char *content;
	char type;
	size_t len;
};

static int tar_of(const struct ent *e, size_t n)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(fd >= 0);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].path);
		const char *c = e[i].content ? e[i].content : "";
		if (e[i].type == 'd') {
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
		} else if (e[i].type == 'l') {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, c);
			archive_entry_set_perm(ae, 0777);
		} else {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, e[i].type == 'x' ? 0755 : 0644);
			archive_entry_set_size(ae, (la_int64_t)(e[i].len ? e[i].len : strlen(c)));
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e[i].type == 0 || e[i].type == 'x')
			archive_write_data(a, c, e[i].len ? e[i].len : strlen(c));
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void add_layer(struct berth_catalog *c, const struct ent *e, size_t n, const char *cmd)
{
	struct berth_error *err = NULL;
	int fd = tar_of(e, n);
	int r = berth_catalog_add_layer(c, fd, "sha256:test", cmd, &err);
	if (r < 0)
		fail_msg("%s", berth_error_msg(err));
	close(fd);
}

/* "name version layer location" lines of the catalog, in its order. */
static char *lines_of(const struct berth_sbom *s)
{
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < s->n; i++)
		berth_buf_addf(&b, "%s %s %zu %s\n", s->pkgs[i].pkg.name, s->pkgs[i].pkg.version,
			       s->pkgs[i].layer, s->pkgs[i].location);
	return berth_buf_detach(&b, NULL);
}

#define DPKG(name, version)                                                                        \
	"Package: " name "\nStatus: install ok installed\nArchitecture: amd64\nVersion: " version  \
	"\n\n"

static void test_layers_and_whiteouts(void **state)
{
	(void)state;
	struct berth_catalog *c = berth_catalog_new();
	const struct ent l0[] = {
		{"./etc", NULL, 'd'},
		{"./etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n", 0},
		{"./var/lib/dpkg/status", DPKG("base", "1") DPKG("old", "1"), 0},
		{"lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\n\n", 0},
	};
	const struct ent l1[] = {
		/* the status rewritten: base unchanged, old upgraded, new added */
		{"var//lib/dpkg/status", DPKG("base", "1") DPKG("old", "2") DPKG("new", "7"), 0},
		/* an opaque lib/apk/db hides the database below */
		{"lib/apk/db/.wh..wh..opq", "", 0},
	};
	const struct ent l2[] = {
		{"var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a\n", 0},
		{"var/lib/dpkg/status.d/tzdata.md5sums", "0123  usr/share/x\n", 0},
		/* names that climb out are never followed */
		{"../var/lib/dpkg/status", DPKG("evil", "6"), 0},
		{"var/lib/dpkg/../dpkg/status", DPKG("evil", "6"), 0},
	};
	add_layer(c, l0, 4, "ADD rootfs.tar /");
	add_layer(c, l1, 2, "apt-get install new");
	add_layer(c, l2, 4, "COPY tzdata /");
	struct berth_sbom s;
	berth_catalog_finish(c, &s);
	berth_catalog_free(c);
	_cleanup_free_ char *l = lines_of(&s);
	assert_string_equal(l, "base 1 0 var/lib/dpkg/status\n"
			       "new 7 1 var/lib/dpkg/status\n"
			       "old 2 1 var/lib/dpkg/status\n"
			       "tzdata 2024a 2 var/lib/dpkg/status.d/tzdata\n");
	assert_string_equal(s.os.id, "debian");
	assert_string_equal(s.os.version_id, "12");
	assert_int_equal(s.n_layers, 3);
	assert_string_equal(s.layers[1].created_by, "apt-get install new");
	assert_string_equal(s.pkgs[1].created_by, "apt-get install new"); /* new */
	assert_string_equal(s.pkgs[1].layer_digest, "sha256:test");
	assert_string_equal(s.pkgs[0].created_by, "ADD rootfs.tar /"); /* base */
	berth_sbom_release(&s);

	/* a whiteout of the status file and of etc/os-release, a usr/lib one under it */
	c = berth_catalog_new();
	const struct ent w1[] = {
		{"var/lib/dpkg/.wh.status", "", 0},
		{"etc/os-release", "../usr/lib/os-release", 'l'},
		{"usr/lib/os-release", "ID=alpine\nVERSION_ID=3.19.1\n", 0},
	};
	add_layer(c, l0, 4, NULL);
	add_layer(c, w1, 3, NULL);
	berth_catalog_finish(c, &s);
	berth_catalog_free(c);
	_cleanup_free_ char *l2s = lines_of(&s);
	assert_string_equal(l2s, "musl 1.2.4-r2 0 lib/apk/db/installed\n");
	assert_string_equal(s.os.id, "alpine");
	berth_sbom_release(&s);

	/* a package removed then installed again counts from its new layer */
	c = berth_catalog_new();
	const struct ent r1[] = {{"var/.wh.lib", "", 0}};
	const struct ent r2[] = {{"var/lib/dpkg/status", DPKG("base", "1"), 0}};
	add_layer(c, l0, 4, NULL);
	add_layer(c, r1, 1, NULL);
	add_layer(c, r2, 1, NULL);
	berth_catalog_finish(c, &s);
	berth_catalog_free(c);
	_cleanup_free_ char *l3 = lines_of(&s);
	assert_string_equal(l3,
			    "base 1 2 var/lib/dpkg/status\nmusl 1.2.4-r2 0 lib/apk/db/installed\n");
	berth_sbom_release(&s);
}

static void test_language_packages(void **state)
{
	(void)state;
	struct berth_catalog *c = berth_catalog_new();
	const struct ent l0[] = {
		{"usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
		 "Name: six\nVersion: 1.16.0\nLicense: MIT\n", 0},
		{"usr/lib/python3/dist-packages/old.egg-info/PKG-INFO", "Name: old\nVersion: 0.1\n",
		 0},
		{"app/package-lock.json",
		 "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/ms\": {\"version\": "
		 "\"2.1.3\"}}}",
		 0},
		{"app/node_modules/@types/qs/package.json",
		 "{\"name\": \"@types/qs\", \"version\": \"6.9.11\"}", 0},
		/* not a package of node_modules: a file inside one */
		{"app/node_modules/ms/test/fixture/package.json",
		 "{\"name\": \"fx\", \"version\": \"9\"}", 0},
		{"x/METADATA", "Name: nodist\nVersion: 1\n", 0},
	};
	const struct ent l1[] = {{"usr/lib/python3/dist-packages/.wh.old.egg-info", "", 0}};
	add_layer(c, l0, 6, NULL);
	add_layer(c, l1, 1, NULL);
	struct berth_sbom s;
	berth_catalog_finish(c, &s);
	berth_catalog_free(c);
	_cleanup_free_ char *l = lines_of(&s);
	assert_string_equal(
		l, "@types/qs 6.9.11 0 app/node_modules/@types/qs/package.json\n"
		   "ms 2.1.3 0 app/package-lock.json\n"
		   "six 1.16.0 0 usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n");
	berth_sbom_release(&s);
}

static void test_damaged_database_named(void **state)
{
	(void)state;
	struct berth_catalog *c = berth_catalog_new();
	const struct ent l0[] = {{"var/lib/dpkg/status.d/x", "Package: x\n", 0}};
	int fd = tar_of(l0, 1);
	struct berth_error *err = NULL;
	assert_true(berth_catalog_add_layer(c, fd, "sha256:t", NULL, &err) < 0);
	assert_non_null(strstr(berth_error_msg(err), "layer 0"));
	assert_non_null(strstr(berth_error_msg(err), "var/lib/dpkg/status.d/x"));
	berth_error_free(&err);
	close(fd);
	berth_catalog_free(c);

	/* not a tar */
	c = berth_catalog_new();
	fd = memfd_create("junk", MFD_CLOEXEC);
	assert_int_equal(write(fd, "\x1f\x8bjunkjunk", 10), 10);
	lseek(fd, 0, SEEK_SET);
	assert_true(berth_catalog_add_layer(c, fd, "sha256:t", NULL, &err) < 0);
	assert_non_null(strstr(berth_error_msg(err), "read layer sha256:t"));
	berth_error_free(&err);
	close(fd);
	berth_catalog_free(c);
}

static char warned[512];

static void warn_sink(enum berth_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	if (level == BERTH_LOG_WARN)
		snprintf(warned, sizeof(warned), "%s", msg);
}

/* A file of the fuzz corpus: an ELF file around a real Go 1.19 .go.buildinfo section. */
static char *corpus_file(const char *name, size_t *len)
{
	const char *src = getenv("BERTH_TEST_SRCDIR");
	assert_non_null(src);
	_cleanup_free_ char *path =
		berth_xasprintf("%s/tests/fuzz/corpus/scan-gobuildinfo/%s", src, name);
	char *data = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_read_file_at(AT_FDCWD, path, 1u << 20, &data, len, &err), err);
	return data;
}

static void test_go_binaries(void **state)
{
	(void)state;
	size_t len, cut_len;
	_cleanup_free_ char *go = corpus_file("elf64", &len);
	_cleanup_free_ char *cut = corpus_file("elf64-truncated", &cut_len);
	struct berth_catalog *c = berth_catalog_new();
	/* only executables are read; a script and a file that is not Go list nothing */
	const struct ent l0[] = {
		{"usr/bin/app", go, 'x', len},
		{"usr/share/app.copy", go, 0, len},
		{"usr/bin/script", "#!/bin/sh\n", 'x', 0},
		{"usr/bin/cut", cut, 'x', cut_len},
	};
	berth_log_set_sink(warn_sink, NULL);
	add_layer(c, l0, ELEMENTSOF(l0), "COPY app");
	berth_log_set_sink(NULL, NULL);
	/* the lying one is skipped with a warning naming it */
	assert_string_equal(warned, "layer 0: usr/bin/cut: Go build info: truncated: skipped");
	/* an upper layer removes the binary and brings another */
	const struct ent l1[] = {{"usr/bin/.wh.app", "", 0, 0}, {"opt/app2", go, 'x', len}};
	add_layer(c, l1, ELEMENTSOF(l1), "COPY app2");
	struct berth_sbom s;
	berth_catalog_finish(c, &s);
	_cleanup_free_ char *got = lines_of(&s);
	assert_string_equal(got, "example.com/app (devel) 1 opt/app2\n"
				 "example.com/lib v1.2.3 1 opt/app2\n"
				 "stdlib 1.19.8 1 opt/app2\n");
	assert_string_equal(s.pkgs[1].pkg.source, "example.com/lib v1.2.3 => ../lib (devel)");
	assert_string_equal(s.pkgs[2].pkg.arch, "amd64");
	berth_sbom_release(&s);
	berth_catalog_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers_and_whiteouts),
		cmocka_unit_test(test_language_packages),
		cmocka_unit_test(test_damaged_database_named),
		cmocka_unit_test(test_go_binaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
