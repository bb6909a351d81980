/* SPDX-License-Identifier: Apache-2.0 */
/* --change: Dockerfile instructions applied to an image config by the builder's code. */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include "builder/builder.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "image/image.h"

static void apply_ok(struct berth_image_config *c, const char *change)
{
	struct berth_error *err = NULL;
	char *const v[] = {(char *)change, NULL};
	assert_ok(berth_builder_apply_changes(c, v, &err), err);
}

/* The change fails with EINVAL and a message containing msg; c is left as it was. */
static void apply_fails(struct berth_image_config *c, const char *change, const char *msg)
{
	struct berth_error *err = NULL;
	char *const v[] = {(char *)change, NULL};
	size_t n0 = 0, n1 = 0;
	_cleanup_free_ char *before = berth_image_config_serialize(c, &n0);
	assert_int_equal(berth_builder_apply_changes(c, v, &err), -EINVAL);
	assert_non_null(err);
	if (!strstr(berth_error_msg(err), msg))
		fail_msg("'%s': got '%s', want '%s'", change, berth_error_msg(err), msg);
	/* one line: the CLI prints it as `berth: <what>: <why>` */
	assert_null(strchr(berth_error_msg(err), '\n'));
	_cleanup_free_ char *after = berth_image_config_serialize(c, &n1);
	assert_string_equal(before, after);
	berth_error_free(&err);
}

static const char *label(const struct berth_image_config *c, const char *key)
{
	for (size_t i = 0; c->label_keys && c->label_keys[i]; i++)
		if (strcmp(c->label_keys[i], key) == 0)
			return c->label_values[i];
	return NULL;
}

/* The cases of image/import.c's former parser, with the builder's results. */
static void test_instructions(void **state)
{
	struct berth_image_config *c = berth_image_config_new(NULL, NULL);
	const char *ok[] = {"CMD echo hi",	 "ENV A B C",	     "ENV X=\"1 2\" Y=3",
			    "LABEL k=v",	 "EXPOSE 80 53/udp", "VOLUME [\"/a\", \"/b\"]",
			    "WORKDIR /srv",	 "WORKDIR app",	     "USER 1000:1000",
			    "STOPSIGNAL SIGINT", "ONBUILD RUN make"};
	for (size_t i = 0; i < ELEMENTSOF(ok); i++)
		apply_ok(c, ok[i]);
	assert_string_equal(c->cmd[0], "/bin/sh");
	assert_string_equal(c->cmd[1], "-c");
	assert_string_equal(c->cmd[2], "echo hi");
	assert_string_equal(c->env[0], "A=B C");
	assert_string_equal(c->env[1], "X=1 2");
	assert_string_equal(c->env[2], "Y=3");
	assert_true(berth_strv_contains(c->exposed_ports, "80/tcp"));
	assert_true(berth_strv_contains(c->exposed_ports, "53/udp"));
	assert_true(berth_strv_contains(c->volumes, "/a"));
	assert_true(berth_strv_contains(c->volumes, "/b"));
	assert_string_equal(c->working_dir, "/srv/app");
	assert_string_equal(c->user, "1000:1000");
	assert_string_equal(c->stop_signal, "SIGINT");
	assert_string_equal(c->onbuild[0], "RUN make");
	assert_string_equal(label(c, "k"), "v");
	/* no history entry for a change, as Docker */
	assert_int_equal(c->n_history, 0);

	apply_fails(c, "FROM x", "--change 'FROM x': 'FROM' is not supported");
	apply_fails(c, "SHELL [\"/bin/bash\", \"-c\"]", "'SHELL' is not supported");
	apply_fails(c, "EXPOSE 99999", "invalid containerPort: 99999");
	apply_fails(c, "EXPOSE x", "invalid containerPort: x");
	apply_fails(c, "ENV", "ENV requires at least one argument");
	apply_fails(c, "WORKDIR", "WORKDIR requires exactly one argument");
	apply_fails(c, "LABEL =x", "LABEL names can not be blank");
	apply_fails(c, "STOPSIGNAL SIG!", "invalid signal");
	apply_fails(c, "CMD a\nENV b=c",
		    "--change 'CMD a\\nENV b=c': one instruction per --change");
	apply_fails(c, "ENV A", "--change 'ENV A': ENV must have two arguments");
	apply_fails(c, "", "--change '': file with no instructions");
	apply_fails(c, "ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger");
	apply_fails(c, "ENV --foo A=1", "unknown flag: --foo");
	berth_image_config_free(c);
}

/* What the former parser got wrong or did not take. */
static void test_dockerfile_forms(void **state)
{
	struct berth_image_config *c = berth_image_config_new(NULL, NULL);

	/* JSON form with escapes */
	apply_ok(c, "CMD [\"printf\", \"a \\\"q\\\" \\\\ b\\tc\", \"\\u00e9\"]");
	assert_int_equal(berth_strv_len(c->cmd), 3);
	assert_string_equal(c->cmd[1], "a \"q\" \\ b\tc");
	assert_string_equal(c->cmd[2], "\xc3\xa9");

	/* ENV with several pairs and quotes of both kinds and an escaped space */
	apply_ok(c, "ENV A=1 B=\"two words\" C='x y' D=a\\ b");
	assert_string_equal(c->env[0], "A=1");
	assert_string_equal(c->env[1], "B=two words");
	assert_string_equal(c->env[2], "C=x y");
	assert_string_equal(c->env[3], "D=a b");

	apply_ok(c, "LABEL a=\"b c\" \"d e\"=f");
	assert_string_equal(label(c, "a"), "b c");
	assert_string_equal(label(c, "d e"), "f");

	/* $VAR from an earlier ENV, in a later change and in the same list */
	struct berth_error *err = NULL;
	char *const v[] = {"ENV BASE=/opt", "WORKDIR $BASE/app", "ENV P=${BASE}/bin:$A",
			   "LABEL where=$BASE", NULL};
	assert_ok(berth_builder_apply_changes(c, v, &err), err);
	assert_string_equal(c->working_dir, "/opt/app");
	assert_true(berth_strv_contains(c->env, "P=/opt/bin:1"));
	assert_string_equal(label(c, "where"), "/opt");

	/* an instruction with a line continuation is one instruction */
	apply_ok(c, "ENV X=1 \\\n    Y=2");
	assert_true(berth_strv_contains(c->env, "X=1"));
	assert_true(berth_strv_contains(c->env, "Y=2"));

	/* a port range, as in a Dockerfile */
	apply_ok(c, "EXPOSE 8000-8001/udp");
	assert_true(berth_strv_contains(c->exposed_ports, "8000/udp"));
	assert_true(berth_strv_contains(c->exposed_ports, "8001/udp"));

	apply_fails(c, "RUN echo hi", "--change 'RUN echo hi': 'RUN' is not supported");
	apply_fails(c, "COPY a /b", "'COPY' is not supported");
	berth_image_config_free(c);
}

/* ENTRYPOINT resets the inherited CMD unless a CMD came earlier in the same changes. */
static void test_entrypoint_resets_cmd(void **state)
{
	struct berth_image_config *c = berth_image_config_new(NULL, NULL);
	struct berth_error *err = NULL;
	apply_ok(c, "CMD [\"sh\"]");
	apply_ok(c, "ENTRYPOINT [\"/e\"]");
	assert_null(c->cmd);
	assert_string_equal(c->entrypoint[0], "/e");

	char *const both[] = {"CMD [\"c\"]", "ENTRYPOINT /e2", NULL};
	assert_ok(berth_builder_apply_changes(c, both, &err), err);
	assert_string_equal(c->cmd[0], "c");
	assert_string_equal(c->entrypoint[2], "/e2");
	berth_image_config_free(c);
}

/* import takes its applier from the caller; changes without one are refused. */
static void test_no_applier(void **state)
{
	struct berth_image_config *c = berth_image_config_new(NULL, NULL);
	struct berth_error *err = NULL;
	char *const v[] = {"CMD x", NULL};
	assert_int_equal(berth_image_config_apply_changes(c, v, NULL, &err), -EINVAL);
	berth_error_free(&err);
	assert_ok(berth_image_config_apply_changes(c, NULL, NULL, &err), err);
	assert_ok(berth_image_config_apply_changes(c, v, berth_builder_apply_changes, &err), err);
	assert_string_equal(c->cmd[2], "x");
	berth_image_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instructions),
		cmocka_unit_test(test_dockerfile_forms),
		cmocka_unit_test(test_entrypoint_resets_cmd),
		cmocka_unit_test(test_no_applier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
