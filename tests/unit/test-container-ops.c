/* SPDX-License-Identifier: Apache-2.0 */
/* ops.c: /proc parsing, the CPU quota, rename and update of a stopped record. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "container/container.h"
#include "store/store.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static char store[64];
static struct berth_store *hstore; /* the store at store */
static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char id2[] = "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* A stopped record as run leaves it: state.json and config.json. */
static void make_record(const char *cid, const char *name)
{
	struct berth_error *err = NULL;
	char p[256];
	snprintf(p, sizeof(p), "%s/containers/%s", store, cid);
	assert_ok(berth_mkdir_p(p, 0700, &err), err);
	int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	json_t *st = json_pack("{s:s, s:s, s:{s:s, s:b}, s:{}}", "Id", cid, "Name", name, "State",
			       "Status", "exited", "Running", 0, "HostConfig");
	char *s = berth_json_dump(st, NULL);
	assert_ok(berth_write_file_atomic(dfd, "state.json", s, strlen(s), 0600, &err), err);
	free(s);
	json_decref(st);
	struct berth_spec spec;
	berth_spec_init(&spec);
	berth_strv_push(&spec.args, "sh");
	json_t *sj = berth_spec_to_json(&spec);
	s = berth_json_dump(sj, NULL);
	assert_ok(berth_write_file_atomic(dfd, "config.json", s, strlen(s), 0600, &err), err);
	free(s);
	json_decref(sj);
	berth_spec_release(&spec);
	close(dfd);
}

static int setup(void **state)
{
	snprintf(store, sizeof(store), "/tmp/berth-ops-XXXXXX");
	assert_non_null(mkdtemp(store));
	assert_int_equal(berth_store_open(store, &hstore, NULL), 0);
	make_record(id, "first");
	make_record(id2, "second");
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

static void test_parse_stat(void **state)
{
	/* a comm with ") (" inside: only the last ')' ends it */
	const char *line = "4242 (a) (b c) S 17 4242 4242 34817 4242 4194560 100 0 0 0 "
			   "150 50 0 0 20 0 1 0 98765 1000 10 18446744073709551615\n";
	struct berth_process p = {0};
	assert_int_equal(berth_proc_parse_stat(line, &p), 0);
	assert_int_equal(p.pid, 4242);
	assert_int_equal(p.ppid, 17);
	assert_int_equal(p.tty_nr, 34817);
	assert_int_equal(p.cpu_ticks, 200);
	assert_int_equal(p.start_ticks, 98765);
	assert_string_equal(p.comm, "a) (b c");
	berth_process_release(&p);
	assert_int_equal(berth_proc_parse_stat("4242 no comm", &p), -EBADMSG);
	assert_int_equal(berth_proc_parse_stat("1 (x) S 1 2", &p), -EBADMSG);
	berth_process_release(&p);
}

static void test_net_dev(void **state)
{
	const char *dev =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		"packets errs drop fifo colls carrier compressed\n"
		"    lo:  900   9    0    0    0     0          0         0      900   9    0    "
		"0    0     0       0          0\n"
		"  eth0: 1000  10    0    0    0     0          0         0      2000  20   0    "
		"0    0     0       0          0\n"
		"  eth1:   24   1    0    0    0     0          0         0        6   1   0    "
		"0    0     0       0          0\n";
	uint64_t rx = 7, tx = 7;
	berth_net_dev_sum(dev, &rx, &tx);
	assert_int_equal(rx, 1024);
	assert_int_equal(tx, 2006);
	berth_net_dev_sum("", &rx, &tx);
	assert_int_equal(rx, 0);
	assert_int_equal(tx, 0);
}

static void test_cpu_quota(void **state)
{
	assert_int_equal(berth_container_cpu_quota(500000000, 100000), 50000);
	assert_int_equal(berth_container_cpu_quota(2000000000, 100000), 200000);
	/* below the kernel's 1 ms minimum */
	assert_int_equal(berth_container_cpu_quota(1000000, 100000), 1000);
}

static void test_rename(void **state)
{
	struct berth_error *err = NULL;
	assert_int_equal(berth_container_rename(hstore, "first", "bad/name", &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_container_rename(hstore, "first", "first", &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_container_rename(hstore, "first", "second", &err), -EEXIST);
	assert_non_null(strstr(berth_error_msg(err), "already in use"));
	berth_error_free(&err);
	assert_int_equal(berth_container_rename(hstore, "nothing", "x1", &err), -ENOENT);
	berth_error_free(&err);
	assert_ok(berth_container_rename(hstore, "first", "/renamed", &err), err);
	char *found = NULL;
	assert_ok(berth_container_find(hstore, "renamed", &found, &err), err);
	assert_string_equal(found, id);
	free(found);
	assert_int_equal(berth_container_find(hstore, "first", &found, &err), -ENOENT);
	berth_error_free(&err);
}

static void test_update_stopped(void **state)
{
	struct berth_error *err = NULL;
	struct berth_container_limits l = {
		.memory = 64 << 20, .nano_cpus = 1500000000, .pids_limit = -1};
	assert_ok(berth_container_update(hstore, "second", &l, &err), err);
	json_t *st = NULL;
	assert_ok(berth_container_inspect(hstore, "second", &st, &err), err);
	json_t *hc = json_object_get(st, "HostConfig");
	assert_int_equal(json_integer_value(json_object_get(hc, "Memory")), 64 << 20);
	assert_int_equal(json_integer_value(json_object_get(hc, "NanoCpus")), 1500000000);
	assert_null(json_object_get(hc, "PidsLimit"));
	json_decref(st);
	/* the spec a later start uses has them */
	char p[256];
	snprintf(p, sizeof(p), "%s/containers/%s/config.json", store, id2);
	char *data = NULL;
	size_t len = 0;
	assert_ok(berth_read_file_at(AT_FDCWD, p, 1 << 20, &data, &len, &err), err);
	json_t *j = NULL;
	assert_ok(berth_json_parse(data, len, p, &j, &err), err);
	struct berth_spec spec;
	berth_spec_init(&spec);
	assert_ok(berth_spec_from_json(j, &spec, &err), err);
	assert_int_equal(spec.memory_limit, 64 << 20);
	assert_int_equal(spec.cpu_quota, 150000);
	assert_int_equal(spec.pids_limit, -1);
	berth_spec_release(&spec);
	json_decref(j);
	free(data);
}

static void test_not_running(void **state)
{
	struct berth_error *err = NULL;
	assert_int_equal(berth_container_pause(hstore, "second", &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "is not running"));
	berth_error_free(&err);
	struct berth_process *p = NULL;
	size_t n = 0;
	assert_int_equal(berth_container_processes(hstore, "second", &p, &n, &err), -EINVAL);
	berth_error_free(&err);
	struct berth_container_stats s = {0};
	assert_ok(berth_container_stats(hstore, "second", &s, &err), err);
	assert_false(s.running);
	assert_string_equal(s.name, "second");
	assert_string_equal(s.id, id2);
	berth_container_stats_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_net_dev),
		cmocka_unit_test(test_cpu_quota),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_running, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
