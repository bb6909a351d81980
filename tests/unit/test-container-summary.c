/* SPDX-License-Identifier: Apache-2.0 */
/*
 * summary.json: what a record write leaves beside state.json, what a reader
 * takes from it (the stamp checked, the "Thawed" claim handed out, never
 * shown), and every way a summary gives way to the record: stamped for
 * another state.json, damaged, cut short, forgotten (pause).
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "store/store.h"

static char dir[] = "/tmp/berth-test-summary-XXXXXX";
static struct berth_store *store;
static int cdir = -1; /* <store>/containers */
static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static int setup(void **state)
{
	struct berth_error *err = NULL;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(berth_store_open(dir, &store, &err), 0);
	cdir = berth_container_dir_open(store, &err);
	assert_true(cdir >= 0);
	assert_int_equal(mkdirat(cdir, id, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	struct berth_error *err = NULL;
	close(cdir);
	berth_store_free(store);
	assert_int_equal(berth_rm_rf_at(AT_FDCWD, dir, &err), 0);
	return 0;
}

static json_t *record(const char *name)
{
	return json_pack("{s:s, s:s, s:s, s:[s], s:{s:s, s:b, s:i}, s:{s:{s:s}, s:[s], s:s}, "
			 "s:{s:s, s:b, s:s}, s:[s, s], s:s}",
			 "Id", id, "Name", name, "Path", "sleep", "Args", "1d", "State", "Status",
			 "running", "Running", 1, "Pid", 42, "Config", "Labels", "k", "v\"\\\n",
			 "Env", "A=1", "User", "root", "HostConfig", "NetworkMode", "none",
			 "AutoRemove", 0, "Memory", "1g", "CgroupPaths",
			 "/sys/fs/cgroup/pids/berth-x", "/sys/fs/cgroup/freezer/berth-x",
			 "Lowerdirs", "/l");
}

static json_t *read_back(bool *thawed)
{
	json_t *sum = berth_container_summary_read(cdir, id, thawed);
	assert_non_null(sum);
	return sum;
}

static void rewrite_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", id, name);
	_cleanup_close_ int fd = openat(cdir, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/* the fields ps needs, the one freezer path, no stamp, the Id from the directory */
static void test_round_trip(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *rec = record("one");
	assert_int_equal(berth_container_state_write(cdir, id, rec, &err), 0);
	bool thawed = true;
	_cleanup_json_ json_t *sum = read_back(&thawed);
	assert_false(thawed);
	_cleanup_json_ json_t *want = berth_container_summary_of(rec);
	assert_true(json_equal(sum, want));
	assert_string_equal(json_string_value(json_object_get(sum, "Id")), id);
	assert_null(json_object_get(sum, "Lowerdirs"));
	assert_null(json_object_get(sum, "RecordStamp"));
	assert_null(json_object_get(json_object_get(sum, "HostConfig"), "Memory"));
	assert_null(json_object_get(json_object_get(sum, "Config"), "Env"));
	json_t *paths = json_object_get(sum, "CgroupPaths");
	assert_int_equal(json_array_size(paths), 1);
	assert_string_equal(json_string_value(json_array_get(paths, 0)),
			    "/sys/fs/cgroup/freezer/berth-x");
	/* the file itself has no Id (the directory's name) and the stamp */
	char path[256];
	snprintf(path, sizeof(path), "%s/containers/%s/summary.json", dir, id);
	_cleanup_json_ json_t *file = json_load_file(path, 0, NULL);
	assert_null(json_object_get(file, "Id"));
	assert_true(json_is_string(json_object_get(file, "RecordStamp")));
}

/* a summary larger than the stack's read (long labels) is read whole from the heap */
static void test_large(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *rec = record("large");
	_cleanup_free_ char *big = berth_xmalloc(20000);
	memset(big, 'x', 19999);
	big[19999] = '\0';
	json_object_set_new(json_object_get(json_object_get(rec, "Config"), "Labels"), "big",
			    json_string(big));
	assert_int_equal(berth_container_state_write_started(cdir, id, rec, &err), 0);
	bool thawed = false;
	_cleanup_json_ json_t *sum = read_back(&thawed);
	assert_true(thawed); /* from the summary itself, not the record */
	json_t *l = json_object_get(json_object_get(sum, "Config"), "Labels");
	assert_string_equal(json_string_value(json_object_get(l, "big")), big);
}

/* a run's start claims "Thawed"; any later write drops the claim; forget removes it */
static void test_thawed_claim(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *rec = record("two");
	assert_int_equal(berth_container_state_write_started(cdir, id, rec, &err), 0);
	bool thawed = false;
	json_t *sum = read_back(&thawed);
	assert_true(thawed);
	assert_null(json_object_get(sum, "Thawed"));
	json_decref(sum);
	assert_int_equal(berth_container_state_write(cdir, id, rec, &err), 0);
	sum = read_back(&thawed);
	assert_false(thawed);
	json_decref(sum);
	assert_int_equal(berth_container_state_write_started(cdir, id, rec, &err), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/summary.json", id);
	assert_int_equal(faccessat(cdir, path, F_OK, 0), 0);
	/* pause's forget: the summary goes, the record answers, without the claim */
	berth_container_summary_forget(store, rec);
	assert_int_equal(faccessat(cdir, path, F_OK, 0), -1);
	sum = read_back(&thawed);
	assert_false(thawed);
	assert_string_equal(json_string_value(json_object_get(sum, "Name")), "two");
	json_decref(sum);
}

/* a record changed behind its summary, a damaged or cut summary: the record answers */
static void test_gives_way(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_json_ json_t *rec = record("three");
	assert_int_equal(berth_container_state_write_started(cdir, id, rec, &err), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/containers/%s/state.json", dir, id);
	json_object_set_new(rec, "Name", json_string("changed-behind"));
	assert_int_equal(json_dump_file(rec, path, 0), 0);
	bool thawed = true;
	json_t *sum = read_back(&thawed);
	assert_false(thawed);
	assert_string_equal(json_string_value(json_object_get(sum, "Name")), "changed-behind");
	json_decref(sum);

	static const char *const damaged[] = {
		"", "{", "not json", "[]", "{\"Name\":\"x\"}", "{\"RecordStamp\":{\"Ino\":1}}"};
	for (size_t i = 0; i < sizeof(damaged) / sizeof(*damaged); i++) {
		json_object_set_new(rec, "Name", json_string("fresh"));
		assert_int_equal(berth_container_state_write_started(cdir, id, rec, &err), 0);
		rewrite_file("summary.json", damaged[i]);
		sum = read_back(&thawed);
		assert_false(thawed);
		assert_string_equal(json_string_value(json_object_get(sum, "Name")), "fresh");
		json_decref(sum);
	}
	/* no state.json: nothing, whatever the summary says */
	snprintf(path, sizeof(path), "%s/state.json", id);
	assert_int_equal(unlinkat(cdir, path, 0), 0);
	assert_null(berth_container_summary_read(cdir, id, &thawed));
}

/* parse: invalid text is EBADMSG, another stamp ESTALE */
static void test_parse(void **state)
{
	struct stat st = {.st_ino = 7, .st_size = 100};
	st.st_mtim.tv_sec = 5;
	st.st_mtim.tv_nsec = 6;
	json_t *sum = NULL;
	bool thawed = false;
	const char *ok = "{\"Name\":\"n\",\"Thawed\":true,\"RecordStamp\":\"7 100 5.000000006\"}";
	assert_int_equal(berth_container_summary_parse(ok, strlen(ok), &st, &sum, &thawed), 0);
	assert_true(thawed);
	assert_int_equal(json_object_size(sum), 1);
	json_decref(sum);
	st.st_mtim.tv_nsec = 7;
	assert_int_equal(berth_container_summary_parse(ok, strlen(ok), &st, &sum, &thawed),
			 -ESTALE);
	assert_int_equal(berth_container_summary_parse(ok, strlen(ok) - 1, &st, &sum, &thawed),
			 -EBADMSG);
	const char *dup = "{\"Name\":\"n\",\"Name\":\"m\"}";
	assert_int_equal(berth_container_summary_parse(dup, strlen(dup), &st, &sum, &thawed),
			 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_large),
		cmocka_unit_test(test_thawed_claim), cmocka_unit_test(test_gives_way),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
