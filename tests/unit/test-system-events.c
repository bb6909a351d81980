/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth events`' reader (system/events.c): a log line as Docker's message,
 * Docker's default line, the filters as Docker's daemon applies them,
 * --since/--until values, and reading (past, ranges, follow, rotation).
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "system/system.h"
#include "tmpdir-fixture.h"

#define T0 1765033445123456789LL /* 2025-12-06T15:04:05.123456789Z */

static json_t *event(const char *type, const char *action, const char *id, const char *const *kv)
{
	_cleanup_json_ json_t *attrs = json_object();
	for (size_t i = 0; kv && kv[i]; i += 2)
		json_object_set_new(attrs, kv[i], json_string(kv[i + 1]));
	_cleanup_free_ char *line = berth_event_line(type, action, id, attrs, T0);
	json_t *msg = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_event_parse(line, strlen(line), &msg, &err), err);
	return msg;
}

static void test_parse_docker_fields(void **state)
{
	(void)state;
	_cleanup_json_ json_t *c =
		event("container", "start", "abc",
		      (const char *[]){"name", "web", "image", "alpine:3", NULL});
	_cleanup_free_ char *s = berth_json_dump(c, NULL);
	/* docker 20.10's deprecated status, id, from first, then the message */
	assert_string_equal(
		s,
		"{\"status\":\"start\",\"id\":\"abc\",\"from\":\"alpine:3\",\"Type\":\"container\","
		"\"Action\":\"start\",\"Actor\":{\"ID\":\"abc\",\"Attributes\":{\"image\":"
		"\"alpine:3\",\"name\":\"web\"}},\"scope\":\"local\",\"time\":1765033445,"
		"\"timeNano\":1765033445123456789}");
	_cleanup_json_ json_t *i =
		event("image", "tag", "sha256:1", (const char *[]){"name", "a:1", NULL});
	assert_string_equal(json_string_value(json_object_get(i, "status")), "tag");
	assert_string_equal(json_string_value(json_object_get(i, "id")), "sha256:1");
	assert_null(json_object_get(i, "from"));
	_cleanup_json_ json_t *n = event("network", "create", "n1", NULL);
	assert_null(json_object_get(n, "status"));
	assert_null(json_object_get(n, "id"));
}

static void test_template_data(void **state)
{
	(void)state;
	_cleanup_json_ json_t *c =
		event("container", "die", "abc", (const char *[]){"image", "bb", NULL});
	_cleanup_json_ json_t *d = berth_event_template_data(c);
	_cleanup_free_ char *s = berth_json_dump(d, NULL);
	assert_string_equal(s, "{\"Status\":\"die\",\"ID\":\"abc\",\"From\":\"bb\",\"Type\":"
			       "\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"abc\","
			       "\"Attributes\":{\"image\":\"bb\"}},\"Scope\":\"local\",\"Time\":"
			       "1765033445,\"TimeNano\":1765033445123456789}");
	/* a struct's fields are always there: empty for a volume event */
	_cleanup_json_ json_t *v = event("volume", "create", "data", NULL);
	_cleanup_json_ json_t *w = berth_event_template_data(v);
	assert_string_equal(json_string_value(json_object_get(w, "Status")), "");
	assert_string_equal(json_string_value(json_object_get(w, "From")), "");
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"x\"}}",
		"{\"Type\":1,\"Action\":\"start\",\"Actor\":{\"ID\":\"x\"},\"timeNano\":1}",
		"{\"Type\":\"c\",\"Action\":\"start\",\"Actor\":{},\"timeNano\":1}",
		"{\"Type\":\"c\",\"Action\":\"start\",\"Actor\":{\"ID\":\"x\"},\"timeNano\":-5}",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		json_t *msg = NULL;
		struct berth_error *err = NULL;
		assert_true(berth_event_parse(bad[i], strlen(bad[i]), &msg, &err) < 0);
		assert_null(msg);
		berth_error_free(&err);
	}
	/* attributes that are not strings are left out */
	const char *odd = "{\"Type\":\"c\",\"Action\":\"a\",\"Actor\":{\"ID\":\"x\",\"Attributes\":"
			  "{\"n\":1,\"s\":\"v\"}},\"timeNano\":7}";
	_cleanup_json_ json_t *msg = NULL;
	assert_int_equal(berth_event_parse(odd, strlen(odd), &msg, NULL), 0);
	json_t *a = json_object_get(json_object_get(msg, "Actor"), "Attributes");
	assert_int_equal(json_object_size(a), 1);
}

static void test_format_line(void **state)
{
	(void)state;
	_cleanup_json_ json_t *c =
		event("container", "die", "abc",
		      (const char *[]){"name", "web", "exitCode", "3", "image", "alpine", NULL});
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	berth_event_format_line(c, &b);
	assert_string_equal(b.buf, "2025-12-06T15:04:05.123456789Z container die abc "
				   "(exitCode=3, image=alpine, name=web)\n");
	_cleanup_json_ json_t *n = event("network", "destroy", "n1", NULL);
	berth_buf_reset(&b);
	berth_event_format_line(n, &b);
	assert_string_equal(b.buf, "2025-12-06T15:04:05.123456789Z network destroy n1\n");
}

static bool passes(const char *const *filters, const json_t *msg)
{
	_cleanup_(berth_events_filter_release) struct berth_events_filter f = {0};
	for (size_t i = 0; filters[i]; i++)
		assert_int_equal(berth_events_filter_add(&f, filters[i], NULL), 0);
	return berth_events_filter_match(&f, msg);
}

static void test_filters(void **state)
{
	(void)state;
	_cleanup_json_ json_t *c =
		event("container", "start", "abcdef",
		      (const char *[]){"name", "web", "image", "docker.io/library/alpine:3", "tier",
				       "front", NULL});
	_cleanup_json_ json_t *h = event("container", "health_status: healthy", "abcdef",
					 (const char *[]){"name", "web", NULL});
	_cleanup_json_ json_t *i =
		event("image", "tag", "sha256:11", (const char *[]){"name", "app:1", NULL});
	_cleanup_json_ json_t *v = event("volume", "create", "data", NULL);
	_cleanup_json_ json_t *n =
		event("network", "connect", "n1",
		      (const char *[]){"name", "front", "container", "abcdef", NULL});

	assert_true(passes((const char *[]){NULL}, c));
	assert_true(passes((const char *[]){"type=container", NULL}, c));
	assert_false(passes((const char *[]){"type=image", NULL}, c));
	/* values of one key: or; keys: and */
	assert_true(passes((const char *[]){"type=image", "type=container", NULL}, c));
	assert_false(passes((const char *[]){"type=container", "event=die", NULL}, c));
	assert_true(passes((const char *[]){"event=start", NULL}, c));
	/* health_status alone matches its "health_status: ..." forms (moby #25798) */
	assert_true(passes((const char *[]){"event=health_status", NULL}, h));
	assert_false(passes((const char *[]){"event=health", NULL}, h));
	/* container: the name or an ID prefix, container events only */
	assert_true(passes((const char *[]){"container=web", NULL}, c));
	assert_true(passes((const char *[]){"container=abc", NULL}, c));
	assert_false(passes((const char *[]){"container=db", NULL}, c));
	assert_false(passes((const char *[]){"container=abc", NULL}, n));
	/* label: the key, or key=value, all of them */
	assert_true(passes((const char *[]){"label=tier", NULL}, c));
	assert_true(passes((const char *[]){"label=tier=front", NULL}, c));
	assert_false(passes((const char *[]){"label=tier=back", NULL}, c));
	assert_false(passes((const char *[]){"label=tier", "label=other", NULL}, c));
	/* image: the name of image events, the image of the others; tag stripped */
	assert_true(passes((const char *[]){"image=app:1", NULL}, i));
	assert_true(passes((const char *[]){"image=app", NULL}, i));
	assert_true(passes((const char *[]){"image=sha256:11", NULL}, i));
	assert_true(passes((const char *[]){"image=docker.io/library/alpine", NULL}, c));
	assert_false(passes((const char *[]){"image=app", NULL}, c));
	assert_true(passes((const char *[]){"volume=data", NULL}, v));
	assert_false(passes((const char *[]){"volume=data", NULL}, c));
	assert_true(passes((const char *[]){"network=front", NULL}, n));
	assert_true(passes((const char *[]){"network=n1", NULL}, n));
	assert_false(passes((const char *[]){"network=back", NULL}, n));

	struct berth_events_filter f = {0};
	struct berth_error *err = NULL;
	assert_int_equal(berth_events_filter_add(&f, "colour=red", &err), -EINVAL);
	assert_string_equal(berth_error_msg(err), "invalid filter 'colour'");
	berth_error_free(&err);
	assert_int_equal(berth_events_filter_add(&f, "type", &err), -EINVAL);
	berth_error_free(&err);
	berth_events_filter_release(&f);
}

static void test_parse_time(void **state)
{
	(void)state;
	long long now = 2000000000LL * 1000000000LL, t = 0;
	struct berth_error *err = NULL;
	assert_ok(berth_events_parse_time("10m", now, &t, &err), err);
	assert_true(t == now - 600LL * 1000000000LL);
	assert_ok(berth_events_parse_time("1h30m", now, &t, &err), err);
	assert_true(t == now - 5400LL * 1000000000LL);
	assert_ok(berth_events_parse_time("0", now, &t, &err), err);
	assert_true(t == 0);
	assert_ok(berth_events_parse_time("1765033445", now, &t, &err), err);
	assert_true(t == 1765033445LL * 1000000000LL);
	assert_ok(berth_events_parse_time("1765033445.5", now, &t, &err), err);
	assert_true(t == 1765033445500000000LL);
	assert_ok(berth_events_parse_time("2025-12-06T15:04:05Z", now, &t, &err), err);
	assert_true(t == 1765033445LL * 1000000000LL);
	assert_ok(berth_events_parse_time("2025-12-06T15:04:05.123456789Z", now, &t, &err), err);
	assert_true(t == T0);
	assert_ok(berth_events_parse_time("2025-12-06T16:04:05+01:00", now, &t, &err), err);
	assert_true(t == 1765033445LL * 1000000000LL);
	assert_ok(berth_events_parse_time("2025-12-06T15:04", now, &t, &err), err);
	assert_true(t == 1765033440LL * 1000000000LL);
	assert_ok(berth_events_parse_time("2025-12-06", now, &t, &err), err);
	assert_true(t == 1764979200LL * 1000000000LL);
	static const char *const bad[] = {"",
					  "yesterday",
					  "10x",
					  "2025-13-01",
					  "2025-12-06T25:00",
					  "12.",
					  "2025-12-06T15:04:05+0100",
					  "-"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(berth_events_parse_time(bad[i], now, &t, &err), -EINVAL);
		berth_error_free(&err);
	}
}

struct collected {
	char **actions;
	volatile sig_atomic_t *stop;
	const char *stop_at;
};

static int collect(const json_t *msg, void *userdata)
{
	struct collected *c = userdata;
	const char *a = json_string_value(json_object_get(msg, "Action"));
	berth_strv_push(&c->actions, a);
	if (c->stop_at && strcmp(a, c->stop_at) == 0)
		*c->stop = 1;
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void test_read_past_and_ranges(void **state)
{
	const char *root = *state;
	struct berth_error *err = NULL;
	/* an older, rotated log and the current one, read in that order */
	_cleanup_free_ char *old = berth_xasprintf("%s/%s", root, BERTH_EVENTS_LOG_OLD);
	_cleanup_free_ char *l1 = berth_event_line("volume", "create", "v1", NULL, 1000);
	_cleanup_free_ char *l2 = berth_event_line("volume", "destroy", "v1", NULL, 2000);
	_cleanup_free_ char *text = berth_xasprintf("%s\ngarbage\n%s\n", l1, l2);
	assert_ok(berth_write_file_atomic(AT_FDCWD, old, text, strlen(text), 0600, &err), err);
	long long before = now_ns();
	berth_event_emit(root, "container", "create", "c1", NULL);
	berth_event_emit(root, "container", "start", "c1", NULL);
	long long after = now_ns();

	struct collected c = {0};
	struct berth_events_read_options o = {.past = true};
	assert_ok(berth_system_events_read(root, &o, collect, &c, &err), err);
	assert_int_equal(berth_strv_len(c.actions), 4);
	assert_string_equal(c.actions[0], "create");
	assert_string_equal(c.actions[1], "destroy");
	assert_string_equal(c.actions[3], "start");
	berth_strv_free(TAKE_PTR(c.actions));

	/* since and until bound the range, inclusive */
	o.since_ns = 2000;
	o.until_ns = before - 1;
	assert_ok(berth_system_events_read(root, &o, collect, &c, &err), err);
	assert_int_equal(berth_strv_len(c.actions), 1);
	assert_string_equal(c.actions[0], "destroy");
	berth_strv_free(TAKE_PTR(c.actions));

	struct berth_events_filter f = {0};
	assert_int_equal(berth_events_filter_add(&f, "type=container", NULL), 0);
	o = (struct berth_events_read_options){.past = true, .until_ns = after, .filter = &f};
	assert_ok(berth_system_events_read(root, &o, collect, &c, &err), err);
	assert_int_equal(berth_strv_len(c.actions), 2);
	berth_strv_free(TAKE_PTR(c.actions));
	berth_events_filter_release(&f);

	/* without a range: only what comes next (nothing, not following) */
	o = (struct berth_events_read_options){0};
	assert_ok(berth_system_events_read(root, &o, collect, &c, &err), err);
	assert_null(c.actions);
}

static void test_follow_sees_new_events_and_rotation(void **state)
{
	const char *root = *state;
	struct berth_error *err = NULL;
	berth_event_emit(root, "container", "create", "old", NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
		berth_event_emit(root, "container", "start", "c", NULL);
		/* a rotation while the reader follows: it moves on to the new file */
		char path[4096], path1[4096];
		snprintf(path, sizeof(path), "%s/%s", root, BERTH_EVENTS_LOG);
		snprintf(path1, sizeof(path1), "%s/%s", root, BERTH_EVENTS_LOG_OLD);
		rename(path, path1);
		nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
		berth_event_emit(root, "container", "die", "c", NULL);
		_exit(0);
	}
	volatile sig_atomic_t stop = 0;
	struct collected c = {.stop = &stop, .stop_at = "die"};
	struct berth_events_read_options o = {
		.follow = true, .stop = &stop, .until_ns = now_ns() + 20LL * 1000000000LL};
	assert_ok(berth_system_events_read(root, &o, collect, &c, &err), err);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(berth_strv_len(c.actions), 2);
	assert_string_equal(c.actions[0], "start");
	assert_string_equal(c.actions[1], "die");
	berth_strv_free(c.actions);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_docker_fields),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_template_data),
		cmocka_unit_test(test_format_line),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test_setup_teardown(test_read_past_and_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_sees_new_events_and_rotation, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
