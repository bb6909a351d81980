/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The advisory database. A feed (osv.dev's per-ecosystem all.zip, or a
 * directory of OSV records) is read whole and every record checked with
 * berth_osv_parse before anything is kept; the kept form is one record set:
 * the records, one compact JSON document a line, and an index from
 * "ecosystem\nname" to the [offset, length] of the records that name that
 * package, so a scan parses only the records of the packages it has.
 *
 * On disk (`--db`, <store root>/scan/db by default), each set is a
 * directory named after its ecosystem ("Debian", "Go") holding
 * records.jsonl and index.json. An import builds the set in a temporary
 * directory beside it and renames it into place (RENAME_EXCHANGE over the
 * previous one), so a bad or truncated feed never touches the database.
 *
 * Every byte of a feed is hostile: member names are used only in messages
 * (made printable there), never as paths; member count, record size and the
 * feed's total size are bounded; zips are read through their central
 * directory only, so a truncated one is refused as a whole, and libarchive
 * checks each member's CRC.
 */
#include "scan/scan.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/lazylib.h"
#include "core/sort.h"

#define INDEX_MAX   (1u << 30)
#define FLUSH_AT    (1u << 20)
#define NAME_IN_MSG 200

struct set {
	char *name;
	const char *data; /* records, one a line */
	size_t len;
	bool mapped;
	json_t *index;	/* "ecosystem\nname" -> [[offset, length], ...] */
	json_t *counts; /* ecosystem -> records */
};

struct berth_scan_db {
	struct set *sets;
	size_t n;
};

struct builder {
	int fd; /* the records file being written; -1: kept in data */
	struct berth_buf data;
	uint64_t total;
	size_t members;
	json_t *index, *counts, *prefixes;
};

static void builder_init(struct builder *b, int fd)
{
	*b = (struct builder){.fd = fd, .data = BERTH_BUF_INIT};
	b->index = json_object();
	b->counts = json_object();
	b->prefixes = json_object();
	if (!b->index || !b->counts || !b->prefixes)
		berth_oom();
}

static void builder_release(struct builder *b)
{
	berth_buf_release(&b->data);
	berth_json_decrefp(&b->index);
	berth_json_decrefp(&b->counts);
	berth_json_decrefp(&b->prefixes);
}

static int builder_flush(struct builder *b, struct berth_error **err)
{
	if (b->fd < 0 || b->data.len == 0)
		return 0;
	int r = berth_write_all(b->fd, b->data.buf, b->data.len, err);
	if (r < 0)
		return berth_error_prefix(err, "write the records");
	berth_buf_reset(&b->data);
	return 0;
}

static void count_up(json_t *obj, const char *key)
{
	json_int_t n = json_integer_value(json_object_get(obj, key));
	if (json_object_set_new(obj, key, json_integer(n + 1)) < 0)
		berth_oom();
}

/* The record's affected packages into the index, each once; its ecosystems counted once. */
static void index_record(struct builder *b, const json_t *record, uint64_t off, size_t len)
{
	_cleanup_json_ json_t *seen = json_object();
	if (!seen)
		berth_oom();
	size_t i;
	const json_t *a;
	json_array_foreach (json_object_get(record, "affected"), i, a) {
		const json_t *pkg = json_object_get(a, "package");
		const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *name = json_string_value(json_object_get(pkg, "name"));
		if (!eco || !name) /* berth_osv_parse refused such records */
			continue;
		_cleanup_free_ char *key = berth_xasprintf("%s\n%s", eco, name);
		if (json_object_get(seen, key))
			continue;
		json_object_set_new(seen, key, json_true());
		json_t *list = json_object_get(b->index, key);
		if (!list) {
			list = json_array();
			if (!list || json_object_set_new(b->index, key, list) < 0)
				berth_oom();
		}
		json_array_append_new(list, json_pack("[II]", (json_int_t)off, (json_int_t)len));
		if (!json_object_get(seen, eco)) {
			json_object_set_new(seen, eco, json_true());
			count_up(b->counts, eco);
			_cleanup_free_ char *prefix = berth_xstrndup(eco, strcspn(eco, ":"));
			count_up(b->prefixes, prefix);
		}
	}
}

/* Checks one record and adds it; what names it (the file and member). */
static int builder_add(struct builder *b, const char *what, const char *data, size_t len,
		       struct berth_error **err)
{
	if (++b->members > BERTH_SCAN_DB_MAX_MEMBERS)
		return berth_error_set(err, E2BIG, "%s: more than %u records", what,
				       (unsigned)BERTH_SCAN_DB_MAX_MEMBERS);
	struct berth_osv o;
	int r = berth_osv_parse(what, data, len, &o, err);
	if (r < 0)
		return r;
	size_t n = 0;
	_cleanup_free_ char *line = berth_json_dump(o.json, &n);
	uint64_t off = b->total;
	b->total += n + 1;
	if (b->total > BERTH_SCAN_DB_MAX_TOTAL) {
		berth_osv_release(&o);
		return berth_error_set(err, E2BIG, "%s: the feed holds more than %llu bytes", what,
				       (unsigned long long)BERTH_SCAN_DB_MAX_TOTAL);
	}
	berth_buf_add(&b->data, line, n);
	berth_buf_addch(&b->data, '\n');
	index_record(b, o.json, off, n);
	berth_osv_release(&o);
	return b->data.len >= FLUSH_AT ? builder_flush(b, err) : 0;
}

/* A name from a feed as it may appear in a one-line message. */
static char *printable(const char *s)
{
	size_t n = strnlen(s, NAME_IN_MSG);
	char *p = berth_xstrndup(s, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			p[i] = '?';
	return p;
}

static bool is_record_name(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int read_member(struct archive *ar, struct archive_entry *e, const char *member,
		       struct berth_buf *out, struct berth_error **err)
{
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > BERTH_SCAN_DB_MAX_RECORD)
		return berth_error_set(err, E2BIG, "%s: a record over %u bytes", member,
				       (unsigned)BERTH_SCAN_DB_MAX_RECORD);
	berth_buf_reset(out);
	for (;;) {
		berth_buf_grow(out, 64 * 1024);
		la_ssize_t got =
			archive_read_data(ar, out->buf + out->len, out->alloc - out->len - 1);
		if (got < 0)
			return berth_error_set(err, EBADMSG, "%s: %s", member,
					       archive_error_string(ar));
		if (got == 0)
			return 0;
		berth_buf_setlen(out, out->len + (size_t)got);
		if (out->len > BERTH_SCAN_DB_MAX_RECORD)
			return berth_error_set(err, E2BIG, "%s: a record over %u bytes", member,
					       (unsigned)BERTH_SCAN_DB_MAX_RECORD);
	}
}

static void archive_freep(struct archive **ar)
{
	if (*ar)
		archive_read_free(*ar);
	*ar = NULL;
}

static struct archive *zip_reader(void)
{
	struct archive *ar = archive_read_new();
	if (!ar)
		berth_oom();
	/* the central directory only: a zip cut short has none, and is refused whole */
	archive_read_support_format_zip_seekable(ar);
	return ar;
}

/* Every *.json member of the opened zip into b. */
static int read_zip(struct archive *ar, const char *what, struct builder *b,
		    struct berth_error **err)
{
	_cleanup_(berth_buf_releasep) struct berth_buf rec = BERTH_BUF_INIT;
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (!name || archive_entry_filetype(e) != AE_IFREG || !is_record_name(name))
			continue;
		_cleanup_free_ char *shown = printable(name);
		_cleanup_free_ char *member = berth_xasprintf("%s: %s", what, shown);
		int q = read_member(ar, e, member, &rec, err);
		if (q < 0)
			return q;
		q = builder_add(b, member, rec.buf, rec.len, err);
		if (q < 0)
			return q;
	}
	if (r != ARCHIVE_EOF)
		return berth_error_set(err, EBADMSG, "%s: not a readable zip: %s", what,
				       archive_error_string(ar));
	if (b->members == 0)
		return berth_error_set(err, EINVAL, "%s: no OSV records (*.json members)", what);
	return builder_flush(b, err);
}

static int read_zip_fd(int fd, const char *what, struct builder *b, struct berth_error **err)
{
	int r = berth_lib_load(BERTH_LIB_ARCHIVE, err);
	if (r < 0)
		return r;
	_cleanup_(archive_freep) struct archive *ar = zip_reader();
	if (archive_read_open_fd(ar, fd, 64 * 1024) != ARCHIVE_OK)
		return berth_error_set(err, EBADMSG, "%s: not a readable zip: %s", what,
				       archive_error_string(ar));
	return read_zip(ar, what, b, err);
}

int berth_scan_db_check_zip(const void *data, size_t len, const char *what,
			    struct berth_error **err)
{
	int r = berth_lib_load(BERTH_LIB_ARCHIVE, err);
	if (r < 0)
		return r;
	_cleanup_(archive_freep) struct archive *ar = zip_reader();
	if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK)
		return berth_error_set(err, EBADMSG, "%s: not a readable zip: %s", what,
				       archive_error_string(ar));
	struct builder b;
	builder_init(&b, -1);
	r = read_zip(ar, what, &b, err);
	builder_release(&b);
	return r;
}

/* One *.json file of a record directory into b (other kinds of file are not records). */
static int read_record_file(int dfd, const char *name, const char *what, struct builder *b,
			    struct berth_error **err)
{
	_cleanup_free_ char *shown = printable(name);
	_cleanup_free_ char *member = berth_xasprintf("%s/%s", what, shown);
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "open %s: %m", member);
	if (!S_ISREG(st.st_mode))
		return 0;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_fd(fd, BERTH_SCAN_DB_MAX_RECORD, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", member);
	return builder_add(b, member, data, len, err);
}

/* Every *.json regular file of a directory (not below it) into b. */
static int read_record_dir(int dfd, const char *what, struct builder *b, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(dfd, ".");
	if (!d)
		return berth_error_set(err, errno, "read directory %s: %m", what);
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && is_record_name(de->d_name)) {
			int r = read_record_file(dfd, de->d_name, what, b, err);
			if (r < 0)
				return r;
		}
	if (b->members == 0)
		return berth_error_set(err, ENOENT, "%s: no OSV records (*.json files)", what);
	return 0;
}

/* ---- the database: sets ---- */

static void set_release(struct set *s)
{
	if (s->mapped && s->len > 0)
		munmap((void *)s->data, s->len);
	else if (!s->mapped)
		free((char *)s->data);
	free(s->name);
	berth_json_decrefp(&s->index);
	berth_json_decrefp(&s->counts);
	*s = (struct set){0};
}

void berth_scan_db_free(struct berth_scan_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++)
		set_release(&db->sets[i]);
	free(db->sets);
	free(db);
}

static struct set *db_add_set(struct berth_scan_db *db)
{
	db->sets = berth_xreallocarray(db->sets, db->n + 1, sizeof(*db->sets));
	db->sets[db->n] = (struct set){0};
	return &db->sets[db->n++];
}

/* A set from a feed read whole into memory. */
static void set_from_builder(struct set *s, const char *name, struct builder *b)
{
	size_t len = 0;
	s->name = berth_xstrdup(name);
	s->data = berth_buf_detach(&b->data, &len);
	s->len = len;
	s->index = TAKE_PTR(b->index);
	s->counts = TAKE_PTR(b->counts);
}

/* A set an import installed: its index, its records mapped. */
static int set_load(struct set *s, int dfd, const char *name, struct berth_error **err)
{
	s->name = berth_xstrdup(name);
	s->mapped = true;
	_cleanup_close_ int sfd =
		openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return berth_error_set(err, errno, "open record set %s: %m", name);
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_read_at(sfd, "index.json", INDEX_MAX, &j, err);
	if (r < 0)
		return berth_error_prefix(err, "record set %s", name);
	s->index = json_incref(json_object_get(j, "index"));
	s->counts = json_incref(json_object_get(j, "counts"));
	if (!json_is_object(s->index) || !json_is_object(s->counts))
		return berth_error_set(err, EBADMSG, "record set %s: index.json is not berth's",
				       name);
	_cleanup_close_ int fd = openat(sfd, "records.jsonl", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "record set %s: records.jsonl: %m", name);
	s->len = (size_t)st.st_size;
	if (s->len == 0)
		return 0;
	void *p = mmap(NULL, s->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		s->len = 0;
		return berth_error_set(err, errno, "record set %s: map records.jsonl: %m", name);
	}
	s->data = p;
	return 0;
}

static bool is_imported_set(int dfd, const char *name)
{
	_cleanup_free_ char *index = berth_xasprintf("%s/index.json", name);
	struct stat st;
	return name[0] != '.' && fstatat(dfd, index, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

/* The sets of an imported database; 0 sets when dfd is not one. */
static int load_sets(struct berth_scan_db *db, int dfd, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(dfd, ".");
	if (!d)
		return berth_error_set(err, errno, "read the database: %m");
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_imported_set(dfd, de->d_name))
			continue;
		int r = set_load(db_add_set(db), dfd, de->d_name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int open_feed(struct berth_scan_db *db, const char *path, struct berth_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "advisory database %s: %m", path);
	struct builder b;
	builder_init(&b, -1);
	int r = 0;
	if (S_ISDIR(st.st_mode)) {
		r = load_sets(db, fd, err);
		if (r == 0 && db->n == 0)
			r = read_record_dir(fd, path, &b, err);
	} else if (S_ISREG(st.st_mode))
		r = read_zip_fd(fd, path, &b, err);
	else
		r = berth_error_set(err, EINVAL, "advisory database %s: not a directory or a zip",
				    path);
	if (r == 0 && db->n == 0)
		set_from_builder(db_add_set(db), path, &b);
	builder_release(&b);
	return r;
}

int berth_scan_db_open(const char *path, struct berth_scan_db **ret, struct berth_error **err)
{
	struct berth_scan_db *db = berth_xcalloc(1, sizeof(*db));
	int r = open_feed(db, path, err);
	if (r < 0) {
		berth_scan_db_free(db);
		return r;
	}
	*ret = db;
	return 0;
}

void berth_scan_db_counts_free(struct berth_scan_db_count *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		free(c[i].ecosystem);
	free(c);
}

static int compare_counts(const void *a, const void *b)
{
	return strcmp(((const struct berth_scan_db_count *)a)->ecosystem,
		      ((const struct berth_scan_db_count *)b)->ecosystem);
}

/* counts (ecosystem -> n), merged, as a sorted array. */
static void counts_of(json_t *const *objs, size_t n_objs, struct berth_scan_db_count **ret,
		      size_t *ret_n)
{
	_cleanup_json_ json_t *all = json_object();
	if (!all)
		berth_oom();
	for (size_t i = 0; i < n_objs; i++) {
		const char *k;
		json_t *v;
		json_object_foreach (objs[i], k, v) {
			json_int_t n = json_integer_value(json_object_get(all, k));
			json_object_set_new(all, k, json_integer(n + json_integer_value(v)));
		}
	}
	size_t n = json_object_size(all), i = 0;
	struct berth_scan_db_count *c = berth_xcalloc(n ? n : 1, sizeof(*c));
	const char *k;
	json_t *v;
	json_object_foreach (all, k, v) {
		c[i].ecosystem = berth_xstrdup(k);
		c[i++].records = (size_t)json_integer_value(v);
	}
	berth_qsort(c, n, sizeof(*c), compare_counts);
	*ret = c;
	*ret_n = n;
}

int berth_scan_db_counts(const struct berth_scan_db *db, struct berth_scan_db_count **ret,
			 size_t *ret_n)
{
	_cleanup_free_ json_t **objs = berth_xcalloc(db->n ? db->n : 1, sizeof(*objs));
	for (size_t i = 0; i < db->n; i++)
		objs[i] = db->sets[i].counts;
	counts_of(objs, db->n, ret, ret_n);
	return 0;
}

static bool have_id(const struct berth_osv *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0)
			return true;
	return false;
}

static int set_lookup(const struct set *s, const char *key, struct berth_osv **list, size_t *n,
		      struct berth_error **err)
{
	_cleanup_free_ char *what = berth_xasprintf("record set %s", s->name);
	size_t i;
	const json_t *ref;
	json_array_foreach (json_object_get(s->index, key), i, ref) {
		json_int_t off = json_integer_value(json_array_get(ref, 0));
		json_int_t len = json_integer_value(json_array_get(ref, 1));
		if (off < 0 || len <= 0 || (uint64_t)off > s->len || (uint64_t)len > s->len - off)
			return berth_error_set(err, EBADMSG,
					       "%s: the index points outside the records", what);
		struct berth_osv o;
		int r = berth_osv_parse(what, s->data + off, (size_t)len, &o, err);
		if (r < 0)
			return r;
		if (have_id(*list, *n, o.id)) {
			berth_osv_release(&o);
			continue;
		}
		*list = berth_xreallocarray(*list, *n + 1, sizeof(**list));
		(*list)[(*n)++] = o;
	}
	return 0;
}

int berth_scan_db_lookup(const struct berth_scan_db *db, const char *ecosystem, const char *name,
			 struct berth_osv **ret, size_t *ret_n, struct berth_error **err)
{
	_cleanup_free_ char *key = berth_xasprintf("%s\n%s", ecosystem, name);
	struct berth_osv *list = NULL;
	size_t n = 0;
	for (size_t i = 0; i < db->n; i++) {
		int r = set_lookup(&db->sets[i], key, &list, &n, err);
		if (r < 0) {
			for (size_t k = 0; k < n; k++)
				berth_osv_release(&list[k]);
			free(list);
			return r;
		}
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

/* ---- import ---- */

/* The ecosystem most records name, as a directory name ("Debian"). */
static char *set_name(const json_t *prefixes)
{
	const char *best = NULL, *k;
	json_int_t most = 0;
	json_t *v;
	json_object_foreach ((json_t *)prefixes, k, v)
		if (json_integer_value(v) > most ||
		    (json_integer_value(v) == most && best && strcmp(k, best) < 0)) {
			best = k;
			most = json_integer_value(v);
		}
	bool ok = best && *best && *best != '.' && strlen(best) < 64;
	for (const char *p = best; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.';
	return berth_xstrdup(ok ? best : "other");
}

/* The feed into the new set directory tfd: records.jsonl and index.json. */
static int build_set(int tfd, int zip_fd, const char *what, struct builder *b,
		     struct berth_error **err)
{
	_cleanup_close_ int fd =
		openat(tfd, "records.jsonl", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return berth_error_set(err, errno, "create records.jsonl: %m");
	b->fd = fd;
	int r = read_zip_fd(zip_fd, what, b, err);
	if (r < 0)
		return r;
	if (fsync(fd) < 0)
		return berth_error_set(err, errno, "sync records.jsonl: %m");
	b->fd = -1;
	_cleanup_json_ json_t *idx =
		json_pack("{s:i,s:O,s:O}", "version", 1, "counts", b->counts, "index", b->index);
	if (!idx)
		berth_oom();
	size_t len = 0;
	_cleanup_free_ char *text = berth_json_dump(idx, &len);
	r = berth_write_file_atomic(tfd, "index.json", text, len, 0644, err);
	if (r < 0)
		return r;
	return berth_fsync_dir(tfd, err);
}

/* Puts the set built in dfd/tmp in place of dfd/name (the previous one removed). */
static int install_set(int dfd, const char *tmp, const char *name, struct berth_error **err)
{
	if (renameat2(dfd, tmp, dfd, name, RENAME_EXCHANGE) == 0) {
		int r = berth_rm_rf_at(dfd, tmp, err); /* now the previous set */
		if (r < 0)
			return r;
	} else if (errno != ENOENT || renameat(dfd, tmp, dfd, name) < 0)
		return berth_error_set(err, errno, "install record set %s: %m", name);
	return berth_fsync_dir(dfd, err);
}

/* Removes what a killed import left (under the lock, so no import is running). */
static void remove_dead_temps(int dfd)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(dfd, ".");
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			berth_rm_rf_at(dfd, de->d_name, NULL);
}

static int lock_db(int dfd, struct berth_error **err)
{
	while (flock(dfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return berth_error_set(err, errno, "lock the advisory database: %m");
	return 0;
}

int berth_scan_db_import(const char *db_path, int zip_fd, const char *what,
			 struct berth_scan_db_count **ret, size_t *ret_n, size_t *ret_records,
			 struct berth_error **err)
{
	int r = berth_mkdir_p(db_path, 0755, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = open(db_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_set(err, errno, "open the advisory database %s: %m", db_path);
	r = lock_db(dfd, err);
	if (r < 0)
		return r;
	remove_dead_temps(dfd);
	char hex[17], tmp[32];
	berth_random_hex(hex, 8);
	snprintf(tmp, sizeof(tmp), ".tmp-%s", hex);
	if (mkdirat(dfd, tmp, 0755) < 0)
		return berth_error_set(err, errno, "create %s in %s: %m", tmp, db_path);
	_cleanup_close_ int tfd = openat(dfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct builder b;
	builder_init(&b, -1);
	r = tfd < 0 ? berth_error_set(err, errno, "open %s: %m", tmp)
		    : build_set(tfd, zip_fd, what, &b, err);
	_cleanup_free_ char *name = r < 0 ? NULL : set_name(b.prefixes);
	if (r >= 0)
		r = install_set(dfd, tmp, name, err);
	if (r >= 0) {
		counts_of(&b.counts, 1, ret, ret_n);
		*ret_records = b.members;
	} else
		berth_rm_rf_at(dfd, tmp, NULL);
	builder_release(&b);
	return r < 0 ? r : 0;
}
