/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks from a config.json: createRuntime, createContainer and
 * startContainer run by berth_runtime_start at their points with the state
 * on stdin and their env, a failing or timed-out hook fails the start with
 * its name, and berth_hooks_run (the caller's poststart/poststop) alone.
 */
#include "runtime-fixture.h"

#include <sys/stat.h>

#include "core/json.h"

static int setup(void **state)
{
	if (busybox_tree("hooks", "rootfs"))
		assert_int_equal(chmod(top, 0755), 0);
	return 0;
}

/* Moves the hooks of a config.json's "hooks" object (TOP stands for top) into spec. */
static void add_hooks(struct berth_spec *spec, const char *hooks_text)
{
	struct berth_error *err = NULL;
	char hooks[2048] = "", text[4096];
	for (const char *p = hooks_text; *p;) {
		const char *t = strstr(p, "TOP");
		size_t n = t ? (size_t)(t - p) : strlen(p);
		snprintf(hooks + strlen(hooks), sizeof(hooks) - strlen(hooks), "%.*s%s", (int)n, p,
			 t ? top : "");
		p += n + (t ? 3 : 0);
	}
	snprintf(text, sizeof(text),
		 "{\"process\":{\"args\":[\"a\"]},\"root\":{\"path\":\"r\"},\"hooks\":%s}", hooks);
	json_t *j = NULL;
	assert_ok(berth_json_parse(text, strlen(text), "t", &j, &err), err);
	struct berth_spec parsed;
	berth_spec_init(&parsed);
	assert_ok(berth_spec_from_json(j, &parsed, &err), err);
	json_decref(j);
	for (int p = 0; p < BERTH_HOOK_POINTS; p++) {
		spec->hooks[p] = TAKE_PTR(parsed.hooks[p]);
		spec->n_hooks[p] = parsed.n_hooks[p];
		parsed.n_hooks[p] = 0;
	}
	berth_spec_release(&parsed);
}

static char *read_top_file(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", top, name);
	char *data = NULL;
	size_t len = 0;
	struct berth_error *err = NULL;
	assert_ok(berth_read_file_at(AT_FDCWD, path, 1 << 16, &data, &len, &err), err);
	return data;
}

static void test_create_points(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	char out[2048];
	int code;
	make_spec(&spec, "cat /started");
	add_hooks(&spec, "{\"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			 "\"echo $WHO > TOP/who; cat\"],\"env\":[\"WHO=runtime\"]}],"
			 "\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			 "\"cat > TOP/prestart.json\"]}],"
			 "\"createContainer\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			 "\"readlink /proc/self/ns/mnt > TOP/rootfs/cc-ns\"]}],"
			 "\"startContainer\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			 "\"cat > /started\"],\"timeout\":5}]}");
	int r = run_spec(&spec, out, sizeof(out), &code, &err);
	berth_spec_release(&spec);
	assert_ok(r, err);
	assert_int_equal(code, 0);
	/* startContainer ran inside the container (its / is the rootfs) with the state */
	json_t *st = NULL;
	assert_ok(berth_json_parse(out, strlen(out), "state", &st, &err), err);
	assert_string_equal(json_string_value(json_object_get(st, "status")), "creating");
	assert_true(json_integer_value(json_object_get(st, "pid")) > 0);
	json_decref(st);
	_cleanup_free_ char *who = read_top_file("who");
	assert_string_equal(who, "runtime\n");
	_cleanup_free_ char *pre = read_top_file("prestart.json");
	assert_non_null(strstr(pre, "\"ociVersion\""));
	/* createContainer ran in the container's mount namespace, not ours */
	_cleanup_free_ char *ns = read_top_file("rootfs/cc-ns");
	char mine[128];
	ssize_t n = readlink("/proc/self/ns/mnt", mine, sizeof(mine) - 1);
	assert_true(n > 0);
	mine[n] = '\0';
	assert_non_null(strstr(ns, "mnt:["));
	assert_null(strstr(ns, mine));
}

static void expect_start_failure(const char *hooks, int code, const char *msg)
{
	struct berth_spec spec;
	make_spec(&spec, "true");
	add_hooks(&spec, hooks);
	expect_run_failure(&spec, code, msg);
}

static void test_failures(void **state)
{
	if (!top[0])
		skip();
	expect_start_failure("{\"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			     "\"echo bad thing >&2; exit 3\"]}]}",
			     EIO, "createRuntime hook '/bin/sh' exited with status 3: bad thing");
	expect_start_failure("{\"createContainer\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			     "\"sleep 20\"],\"timeout\":1}]}",
			     ETIME, "createContainer hook '/bin/sh' timed out after 1 s");
	expect_start_failure("{\"startContainer\":[{\"path\":\"/nonexistent\"}]}", EIO,
			     "startContainer hook '/nonexistent' exited with status 127");
}

/* The caller's points: berth_hooks_run alone, in order, the first failure stops it. */
static void test_hooks_run(void **state)
{
	if (!top[0])
		skip();
	struct berth_spec spec;
	struct berth_error *err = NULL;
	berth_spec_init(&spec);
	add_hooks(&spec, "{\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			 "\"cat > TOP/poststop\"]},{\"path\":\"/bin/false\"},"
			 "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch TOP/never\"]}]}");
	assert_int_equal(
		berth_hooks_run(&spec, BERTH_HOOK_POSTSTOP, "{\"status\":\"stopped\"}", &err),
		-EIO);
	assert_non_null(strstr(err->msg, "poststop hook '/bin/false' exited with status 1"));
	berth_error_free(&err);
	_cleanup_free_ char *got = read_top_file("poststop");
	assert_string_equal(got, "{\"status\":\"stopped\"}");
	char never[256];
	snprintf(never, sizeof(never), "%s/never", top);
	assert_int_equal(access(never, F_OK), -1);
	assert_ok(berth_hooks_run(&spec, BERTH_HOOK_POSTSTART, "{}", &err), err);
	berth_spec_release(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_points),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_hooks_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
