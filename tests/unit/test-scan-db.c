/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The advisory database: a zip of OSV records imported (records counted per
 * ecosystem, looked up by package), a second import of the ecosystem
 * replacing the first, and bad feeds (a malformed record, a truncated zip,
 * a zip without records) refused naming the file and the member with the
 * previous database kept; a directory of records read as a feed.
 */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "scan/scan.h"

#define REC_A                                                                                      \
	"{\"id\":\"DSA-5587-1\",\"aliases\":[\"CVE-2023-46218\"],\"affected\":[{\"package\":"      \
	"{\"ecosystem\":\"Debian:12\",\"name\":\"curl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","     \
	"\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"7.88.1-10+deb12u5\"}]}]},{\"package\":"   \
	"{\"ecosystem\":\"Debian:11\",\"name\":\"curl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","     \
	"\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"7.74.0-1.3+deb11u11\"}]}]}]}"
#define REC_B                                                                                      \
	"{\"id\":\"DSA-5600-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","          \
	"\"name\":\"openssl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"   \
	"\"0\"},{\"fixed\":\"3.0.13-1~deb12u1\"}]}]}]}"
#define REC_GO                                                                                     \
	"{\"id\":\"GO-2024-2611\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":"      \
	"\"golang.org/x/"                                                                          \
	"net\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},"              \
	"{\"fixed\":\"0.23.0\"}]}]}]}"

static char tmpdir[] = "/tmp/test-scan-db-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	berth_rm_rf_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

struct member {
	const char *name, *data;
};

/* A zip of the members at dir/name (libarchive's writer, deflated as osv.dev's are). */
static char *write_zip(const char *name, const struct member *m, size_t n)
{
	char *path = berth_xasprintf("%s/%s", tmpdir, name);
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(m[i].data));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, m[i].data, strlen(m[i].data)),
				 (la_ssize_t)strlen(m[i].data));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

static int import(const char *db, const char *zip, struct berth_scan_db_count **c, size_t *n,
		  struct berth_error **err)
{
	_cleanup_close_ int fd = open(zip, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	size_t records = 0;
	int r = berth_scan_db_import(db, fd, zip, c, n, &records, err);
	assert_true(r < 0 || records > 0);
	return r;
}

/* The ids of the records naming name in eco, space-separated, in lookup order. */
static char *ids(const char *db_path, const char *eco, const char *name)
{
	struct berth_error *err = NULL;
	struct berth_scan_db *db = NULL;
	assert_ok(berth_scan_db_open(db_path, &db, &err), err);
	struct berth_osv *recs = NULL;
	size_t n = 0;
	assert_ok(berth_scan_db_lookup(db, eco, name, &recs, &n, &err), err);
	struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		berth_buf_addf(&b, "%s%s", i ? " " : "", recs[i].id);
		berth_osv_release(&recs[i]);
	}
	free(recs);
	berth_scan_db_free(db);
	return berth_buf_detach(&b, NULL);
}

static void assert_ids(const char *db, const char *eco, const char *name, const char *want)
{
	_cleanup_free_ char *got = ids(db, eco, name);
	assert_string_equal(got, want);
}

static void test_import_and_lookup(void **state)
{
	(void)state;
	_cleanup_free_ char *db = berth_xasprintf("%s/db1", tmpdir);
	const struct member m[] = {
		{"DSA-5587-1.json", REC_A}, {"DSA-5600-1.json", REC_B}, {"README", "not a record"}};
	_cleanup_free_ char *zip = write_zip("debian.zip", m, 3);
	struct berth_error *err = NULL;
	struct berth_scan_db_count *c = NULL;
	size_t n = 0;
	assert_ok(import(db, zip, &c, &n, &err), err);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].ecosystem, "Debian:11");
	assert_int_equal(c[0].records, 1);
	assert_string_equal(c[1].ecosystem, "Debian:12");
	assert_int_equal(c[1].records, 2);
	berth_scan_db_counts_free(c, n);

	assert_ids(db, "Debian:12", "curl", "DSA-5587-1");
	assert_ids(db, "Debian:11", "curl", "DSA-5587-1");
	assert_ids(db, "Debian:12", "openssl", "DSA-5600-1");
	assert_ids(db, "Debian:11", "openssl", "");
	/* the set is named after the ecosystem, nothing else is left in the database */
	_cleanup_close_ int dfd = open(db, O_RDONLY | O_DIRECTORY);
	assert_int_equal(faccessat(dfd, "Debian/index.json", F_OK, 0), 0);
	DIR *d = fdopendir(TAKE_FD(dfd));
	struct dirent *de;
	size_t entries = 0;
	while ((de = readdir(d)))
		entries += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(entries, 1);

	/* another ecosystem's feed is a set beside it */
	const struct member go[] = {{"GO-2024-2611.json", REC_GO}};
	_cleanup_free_ char *gozip = write_zip("go.zip", go, 1);
	assert_ok(import(db, gozip, &c, &n, &err), err);
	berth_scan_db_counts_free(c, n);
	assert_ids(db, "Go", "golang.org/x/net", "GO-2024-2611");
	assert_ids(db, "Debian:12", "curl", "DSA-5587-1");

	/* a new Debian feed replaces the old one */
	const struct member only_b[] = {{"DSA-5600-1.json", REC_B}};
	_cleanup_free_ char *zip2 = write_zip("debian2.zip", only_b, 1);
	assert_ok(import(db, zip2, &c, &n, &err), err);
	berth_scan_db_counts_free(c, n);
	assert_ids(db, "Debian:12", "curl", "");
	assert_ids(db, "Debian:12", "openssl", "DSA-5600-1");
	assert_ids(db, "Go", "golang.org/x/net", "GO-2024-2611");
}

/* A bad feed fails naming the file (and member); the database still answers as before. */
static void assert_refused_and_kept(const char *db, const char *zip, const char *want_in_msg)
{
	struct berth_error *err = NULL;
	struct berth_scan_db_count *c = NULL;
	size_t n = 0;
	assert_true(import(db, zip, &c, &n, &err) < 0);
	assert_non_null(err);
	if (!strstr(err->msg, want_in_msg) || !strstr(err->msg, zip))
		fail_msg("message '%s' lacks '%s' or the file", err->msg, want_in_msg);
	berth_error_free(&err);
	assert_ids(db, "Debian:12", "curl", "DSA-5587-1");
	_cleanup_close_ int dfd = open(db, O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(TAKE_FD(dfd));
	struct dirent *de;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			fail_msg("import left %s behind", de->d_name);
	closedir(d);
}

static void test_bad_feeds_keep_the_database(void **state)
{
	(void)state;
	_cleanup_free_ char *db = berth_xasprintf("%s/db2", tmpdir);
	const struct member good[] = {{"DSA-5587-1.json", REC_A}};
	_cleanup_free_ char *zip = write_zip("good.zip", good, 1);
	struct berth_error *err = NULL;
	struct berth_scan_db_count *c = NULL;
	size_t n = 0;
	assert_ok(import(db, zip, &c, &n, &err), err);
	berth_scan_db_counts_free(c, n);

	const struct member bad[] = {
		{"DSA-5600-1.json", REC_B},
		{"DSA-9999-1.json", "{\"id\":\"DSA-9999-1\",\"affected\":{}}"}};
	_cleanup_free_ char *badzip = write_zip("bad.zip", bad, 2);
	assert_refused_and_kept(db, badzip, "DSA-9999-1.json");

	const struct member notjson[] = {{"x.json", "{\"id\": \"X\", "}};
	_cleanup_free_ char *nj = write_zip("notjson.zip", notjson, 1);
	assert_refused_and_kept(db, nj, "x.json");

	/* a zip cut short: its central directory is gone */
	const struct member two[] = {{"DSA-5600-1.json", REC_B}, {"DSA-5587-1.json", REC_A}};
	_cleanup_free_ char *full = write_zip("full.zip", two, 2);
	struct stat st;
	assert_int_equal(stat(full, &st), 0);
	assert_int_equal(truncate(full, st.st_size / 2), 0);
	assert_refused_and_kept(db, full, "zip");

	/* not a zip at all, and a zip without records */
	_cleanup_free_ char *text = berth_xasprintf("%s/text.zip", tmpdir);
	_cleanup_close_ int fd = open(text, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(write(fd, REC_A, strlen(REC_A)) > 0);
	assert_refused_and_kept(db, text, "not a readable zip");
	const struct member none[] = {{"README", "hello"}};
	_cleanup_free_ char *empty = write_zip("empty.zip", none, 1);
	assert_refused_and_kept(db, empty, "no OSV records");
}

static void test_directory_and_zip_feeds(void **state)
{
	(void)state;
	_cleanup_free_ char *dir = berth_xasprintf("%s/records", tmpdir);
	struct berth_error *err = NULL;
	assert_ok(berth_mkdir_p(dir, 0755, &err), err);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_ok(berth_write_file_atomic(dfd, "a.json", REC_A, strlen(REC_A), 0644, &err), err);
	assert_ok(berth_write_file_atomic(dfd, "go.json", REC_GO, strlen(REC_GO), 0644, &err), err);
	assert_ids(dir, "Debian:12", "curl", "DSA-5587-1");
	assert_ids(dir, "Go", "golang.org/x/net", "GO-2024-2611");

	struct berth_scan_db *db = NULL;
	assert_ok(berth_scan_db_open(dir, &db, &err), err);
	struct berth_scan_db_count *c = NULL;
	size_t n = 0;
	assert_int_equal(berth_scan_db_counts(db, &c, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(c[2].ecosystem, "Go");
	berth_scan_db_counts_free(c, n);
	berth_scan_db_free(db);

	/* a bad record in a directory feed is named */
	assert_ok(berth_write_file_atomic(dfd, "z.json", "[]", 2, 0644, &err), err);
	assert_true(berth_scan_db_open(dir, &db, &err) < 0);
	assert_non_null(strstr(err->msg, "z.json"));
	berth_error_free(&err);

	/* a zip opened as a feed, without import */
	const struct member m[] = {{"a.json", REC_A}};
	_cleanup_free_ char *zip = write_zip("feed.zip", m, 1);
	assert_ids(zip, "Debian:11", "curl", "DSA-5587-1");

	_cleanup_free_ char *missing = berth_xasprintf("%s/none", tmpdir);
	assert_int_equal(berth_scan_db_open(missing, &db, &err), -ENOENT);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_and_lookup),
		cmocka_unit_test(test_bad_feeds_keep_the_database),
		cmocka_unit_test(test_directory_and_zip_feeds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
