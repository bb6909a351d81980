/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"

/*
 * The stage graph of builder_make_stages() needs only a parsed Dockerfile,
 * the options (--target) and the --build-args: no store, no mounts.
 */
struct fixture {
	struct berth_build_options o;
	struct builder b;
};

static void fixture_release(struct fixture *f)
{
	for (size_t i = 0; i < f->b.n_stages; i++) {
		struct bstage *st = &f->b.stages[i];
		free(st->name);
		free(st->label);
		free(st->base);
		free(st->deps);
		pthread_mutex_destroy(&st->lock);
	}
	free(f->b.stages);
	berth_dockerfile_free(f->b.df);
	berth_strv_free(f->b.build_args);
	berth_strv_free(f->b.global_args);
	berth_strv_free(f->b.used_args);
	*f = (struct fixture){0};
}

/* Parses text and builds its stages; returns what builder_make_stages returned. */
static int make(struct fixture *f, const char *text, const char *target, const char *const *args,
		struct berth_error **err)
{
	*f = (struct fixture){.o = {.target = target}};
	f->b.o = &f->o;
	f->b.tmp_fd = -EBADF;
	for (const char *const *a = args; a && *a; a++)
		berth_strv_push(&f->b.build_args, *a);
	assert_ok(berth_dockerfile_parse(text, strlen(text), "Dockerfile", &f->b.df, err), *err);
	return builder_make_stages(&f->b, err);
}

static bool has_dep(const struct bstage *st, int d)
{
	for (size_t i = 0; i < st->n_deps; i++)
		if (st->deps[i] == d)
			return true;
	return false;
}

/* The stage error must name the file and line, the reason, and quote the line. */
static void assert_error(struct fixture *f, const char *text, const char *target, int code,
			 const char *want)
{
	struct berth_error *err = NULL;
	int r = make(f, text, target, NULL, &err);
	assert_int_equal(r, -code);
	assert_non_null(err);
	if (!strstr(berth_error_msg(err), want))
		fail_msg("error '%s' does not contain '%s'", berth_error_msg(err), want);
	berth_error_free(&err);
	fixture_release(f);
}

static void test_single_stage(void **state)
{
	(void)state;
	struct fixture f;
	struct berth_error *err = NULL;

	assert_ok(make(&f, "FROM alpine:3.19\nRUN true\nENV A=1\n", NULL, NULL, &err), err);
	assert_int_equal(f.b.n_stages, 1);
	assert_int_equal(f.b.target, 0);
	struct bstage *st = &f.b.stages[0];
	assert_null(st->name);
	assert_string_equal(st->label, "stage-0");
	assert_string_equal(st->base, "alpine:3.19");
	assert_int_equal(st->base_stage, -1);
	assert_int_equal(st->n_deps, 0);
	assert_int_equal(st->first, 0);
	assert_int_equal(st->end, 3);
	assert_int_equal(st->n_steps, 3);
	assert_true(st->needed);
	fixture_release(&f);
}

static void test_graph_and_deps(void **state)
{
	(void)state;
	struct fixture f;
	struct berth_error *err = NULL;
	const char *df = "FROM alpine AS Base\n" /* 0 */
			 "RUN echo base\n"
			 "FROM base AS build\n" /* 1 */
			 "RUN make\n"
			 "FROM busybox AS tools\n"		       /* 2 */
			 "FROM scratch\n"			       /* 3 */
			 "COPY --from=build /out /out\n"	       /* dep 1 */
			 "COPY --from=0 /etc/os-release /\n"	       /* dep 0 */
			 "COPY --from=docker.io/library/nginx /x /x\n" /* an image */
			 "RUN --mount=type=bind,from=tools,target=/t true\n" /* dep 2 */;

	assert_ok(make(&f, df, NULL, NULL, &err), err);
	assert_int_equal(f.b.n_stages, 4);
	/* names are lower-cased; labels are the name or stage-N */
	assert_string_equal(f.b.stages[0].name, "base");
	assert_string_equal(f.b.stages[0].label, "base");
	assert_string_equal(f.b.stages[3].label, "stage-3");
	/* FROM base names the stage, case-insensitively */
	assert_int_equal(f.b.stages[1].base_stage, 0);
	assert_true(has_dep(&f.b.stages[1], 0));
	assert_int_equal(f.b.stages[2].base_stage, -1);
	assert_string_equal(f.b.stages[3].base, "scratch");
	struct bstage *last = &f.b.stages[3];
	assert_int_equal(last->n_deps, 3);
	assert_true(has_dep(last, 0));
	assert_true(has_dep(last, 1));
	assert_true(has_dep(last, 2));
	assert_int_equal(last->first, 5);
	assert_int_equal(last->end, 10);
	assert_int_equal(last->n_steps, 5);
	/* the default target is the last stage; it needs all the others */
	assert_int_equal(f.b.target, 3);
	for (size_t i = 0; i < 4; i++)
		assert_true(f.b.stages[i].needed);
	fixture_release(&f);
}

static void test_target_prunes(void **state)
{
	(void)state;
	struct fixture f;
	struct berth_error *err = NULL;
	const char *df = "FROM alpine AS base\n"
			 "FROM busybox AS unused\n"
			 "FROM base AS build\n"
			 "FROM scratch AS final\n"
			 "COPY --from=build / /\n";

	/* --target build: base and build only; matched case-insensitively */
	assert_ok(make(&f, df, "BUILD", NULL, &err), err);
	assert_int_equal(f.b.target, 2);
	assert_true(f.b.stages[0].needed);
	assert_false(f.b.stages[1].needed);
	assert_true(f.b.stages[2].needed);
	assert_false(f.b.stages[3].needed);
	fixture_release(&f);

	/* the default target never needs the unused stage either */
	assert_ok(make(&f, df, NULL, NULL, &err), err);
	assert_int_equal(f.b.target, 3);
	assert_false(f.b.stages[1].needed);
	assert_true(f.b.stages[0].needed && f.b.stages[2].needed && f.b.stages[3].needed);
	fixture_release(&f);

	/* an empty --target is no target */
	assert_ok(make(&f, df, "", NULL, &err), err);
	assert_int_equal(f.b.target, 3);
	fixture_release(&f);

	/* a target that is not a stage name (an index is not a name) */
	assert_error(&f, df, "nope", EINVAL,
		     "target stage \"nope\" could not be found; stages: base, unused, build, "
		     "final");
	assert_error(&f, df, "1", EINVAL, "target stage \"1\" could not be found");
	/* only named stages can be a target: the list says when there are none */
	assert_error(&f, "FROM alpine\nFROM scratch\n", "x", EINVAL,
		     "target stage \"x\" could not be found; the Dockerfile names no stage");
}

static void test_cycles(void **state)
{
	(void)state;
	struct fixture f;

	/* COPY --from a later stage, by name and by index */
	assert_error(&f, "FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n", NULL, EINVAL,
		     "Dockerfile:2: 'COPY --from=b /x /x'");
	assert_error(&f, "FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n", NULL, EINVAL,
		     "circular dependency detected on stage: b");
	assert_error(&f, "FROM alpine\nCOPY --from=1 /x /x\nFROM alpine\n", NULL, EINVAL,
		     "circular dependency detected on stage: 1");
	/* a stage reading itself */
	assert_error(&f, "FROM alpine AS a\nCOPY --from=a /x /x\n", NULL, EINVAL,
		     "circular dependency detected on stage: a");
	assert_error(&f, "FROM alpine AS a\nRUN --mount=from=a,target=/m true\n", NULL, EINVAL,
		     "circular dependency detected on stage: a");
	/* FROM itself, or a later stage */
	assert_error(&f, "FROM loop AS loop\n", NULL, EINVAL, "Dockerfile:1: 'FROM loop AS loop'");
	assert_error(&f, "FROM later\nFROM alpine AS later\n", NULL, EINVAL,
		     "circular dependency detected on stage: later");
}

static void test_bad_stages(void **state)
{
	(void)state;
	struct fixture f;

	assert_error(&f, "FROM alpine AS 1st\n", NULL, EINVAL,
		     "invalid name for build stage: '1st'");
	assert_error(&f, "FROM alpine AS a/b\n", NULL, EINVAL,
		     "invalid name for build stage: 'a/b'");
	assert_error(&f, "FROM alpine AS x\nFROM busybox AS X\n", NULL, EINVAL,
		     "Dockerfile:2: 'FROM busybox AS X'");
	assert_error(&f, "FROM alpine AS x\nFROM busybox AS X\n", NULL, EINVAL,
		     "duplicate stage name 'x'");
	assert_error(&f, "FROM alpine busybox\n", NULL, EINVAL,
		     "FROM requires either one or three arguments");
	assert_error(&f, "RUN true\nFROM alpine\n", NULL, EINVAL, "Dockerfile:1: 'RUN true'");
	assert_error(&f, "ARG A=1\n", NULL, EINVAL, "no build stage in the Dockerfile");
	/* FROM $UNSET expands to nothing */
	assert_error(&f, "FROM $UNSET\n", NULL, EINVAL, "base name ($UNSET) should not be blank");
}

static void test_arg_in_from(void **state)
{
	(void)state;
	struct fixture f;
	struct berth_error *err = NULL;
	const char *df = "ARG BASE=alpine\nARG TAG\nARG UNUSED=x\n"
			 "FROM ${BASE}:${TAG:-latest} AS one\n"
			 "FROM img-$TARGETARCH-$BUILDOS\n";

	/* the default, and a ${:-} fallback for an ARG without a value */
	assert_ok(make(&f, df, NULL, NULL, &err), err);
	assert_int_equal(f.b.n_stages, 2);
	assert_string_equal(f.b.stages[0].base, "alpine:latest");
	char *want = berth_xasprintf("img-%s-linux", builder_arch());
	assert_string_equal(f.b.stages[1].base, want);
	free(want);
	/* the global scope holds the declared ARGs with a value, nothing else */
	assert_true(berth_strv_contains(f.b.global_args, "BASE=alpine"));
	assert_true(berth_strv_contains(f.b.global_args, "UNUSED=x"));
	for (char **g = f.b.global_args; g && *g; g++)
		assert_false(strncmp(*g, "TAG=", 4) == 0);
	assert_null(f.b.used_args);
	fixture_release(&f);

	/* --build-arg wins over the default and is marked used */
	const char *args[] = {"BASE=debian", "TAG=12", "OTHER=1", NULL};
	assert_ok(make(&f, df, NULL, args, &err), err);
	assert_string_equal(f.b.stages[0].base, "debian:12");
	assert_true(berth_strv_contains(f.b.used_args, "BASE"));
	assert_true(berth_strv_contains(f.b.used_args, "TAG"));
	assert_false(berth_strv_contains(f.b.used_args, "OTHER"));
	fixture_release(&f);

	/* an ARG declared after the first FROM is not visible to FROM lines */
	assert_error(&f, "FROM alpine\nARG LATE=x\nFROM $LATE\n", NULL, EINVAL,
		     "base name ($LATE) should not be blank");

	/* a global ARG names the stage COPY --from reads */
	assert_ok(make(&f,
		       "ARG SRC=builder\nFROM alpine AS builder\nFROM scratch\n"
		       "COPY --from=$SRC /a /a\n",
		       NULL, NULL, &err),
		  err);
	assert_true(has_dep(&f.b.stages[1], 0));
	fixture_release(&f);
}

static void test_find_stage(void **state)
{
	(void)state;
	struct fixture f;
	struct berth_error *err = NULL;

	assert_ok(make(&f, "FROM a AS one\nFROM b AS two\nFROM c\n", NULL, NULL, &err), err);
	assert_int_equal(builder_find_stage(&f.b, "one", 3), 0);
	assert_int_equal(builder_find_stage(&f.b, "TWO", 3), 1);
	assert_int_equal(builder_find_stage(&f.b, "2", 3), 2);
	/* only stages before `before` count */
	assert_int_equal(builder_find_stage(&f.b, "two", 1), -1);
	assert_int_equal(builder_find_stage(&f.b, "1", 1), -1);
	assert_int_equal(builder_find_stage(&f.b, "-1", 3), -1);
	assert_int_equal(builder_find_stage(&f.b, "1x", 3), -1);
	assert_int_equal(builder_find_stage(&f.b, "alpine", 3), -1);
	assert_int_equal(builder_find_stage(&f.b, "", 3), -1);
	assert_int_equal(builder_find_stage(&f.b, NULL, 3), -1);
	fixture_release(&f);
}

static void test_declare_arg(void **state)
{
	(void)state;
	struct fixture f;
	struct berth_error *err = NULL;
	char **scope = NULL;
	char *env[] = {"HOME=/root", NULL};
	char *globals[] = {"G=global", "H=gh", NULL};
	const char *args[] = {"B=from-cli", "B=last-wins", NULL};

	assert_ok(make(&f, "FROM a\n", NULL, args, &err), err);
	/* a default is expanded in the environment given */
	assert_ok(builder_declare_arg(&f.b, "A=${HOME}/x", &scope, env, globals, &err), err);
	assert_ok(builder_declare_arg(&f.b, "B=default", &scope, env, globals, &err), err);
	assert_ok(builder_declare_arg(&f.b, "G", &scope, env, globals, &err), err);
	assert_ok(builder_declare_arg(&f.b, "H=own", &scope, env, globals, &err), err);
	assert_ok(builder_declare_arg(&f.b, "NONE", &scope, env, globals, &err), err);
	assert_ok(builder_declare_arg(&f.b, "EMPTY=", &scope, env, globals, &err), err);
	assert_true(berth_strv_contains(scope, "A=/root/x"));
	assert_true(berth_strv_contains(scope, "B=last-wins"));
	assert_true(berth_strv_contains(scope, "G=global"));
	assert_true(berth_strv_contains(scope, "H=own"));
	assert_true(berth_strv_contains(scope, "EMPTY="));
	assert_int_equal(berth_strv_len(scope), 5);
	assert_true(berth_strv_contains(f.b.used_args, "B"));
	/* redeclaring replaces, it does not append */
	assert_ok(builder_declare_arg(&f.b, "A=again", &scope, env, NULL, &err), err);
	assert_true(berth_strv_contains(scope, "A=again"));
	assert_int_equal(berth_strv_len(scope), 5);

	assert_int_equal(builder_declare_arg(&f.b, "=v", &scope, env, NULL, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "ARG requires a name"));
	berth_error_free(&err);
	assert_int_equal(builder_declare_arg(&f.b, "X=${", &scope, env, NULL, &err), -EINVAL);
	berth_error_free(&err);
	berth_strv_free(scope);
	fixture_release(&f);
}

static void test_env_set_and_platform(void **state)
{
	(void)state;
	char **env = NULL;

	env_set(&env, "A", "1");
	env_set(&env, "AB", "2");
	env_set(&env, "A", "3");
	assert_int_equal(berth_strv_len(env), 2);
	assert_string_equal(env[0], "A=3");
	assert_string_equal(env[1], "AB=2");
	berth_strv_free(env);

	env = NULL;
	builder_platform_args(&env);
	char *tp = berth_xasprintf("TARGETPLATFORM=linux/%s", builder_arch());
	assert_true(berth_strv_contains(env, tp));
	assert_true(berth_strv_contains(env, "TARGETOS=linux"));
	assert_true(berth_strv_contains(env, "BUILDVARIANT="));
	assert_int_equal(berth_strv_len(env), 8);
	free(tp);
	berth_strv_free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_stage),	     cmocka_unit_test(test_graph_and_deps),
		cmocka_unit_test(test_target_prunes),	     cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_bad_stages),	     cmocka_unit_test(test_arg_in_from),
		cmocka_unit_test(test_find_stage),	     cmocka_unit_test(test_declare_arg),
		cmocka_unit_test(test_env_set_and_platform),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
