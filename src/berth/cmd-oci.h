/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * `berth oci` / `berth-runc`: runc 1.1's command line over runtime/oci.h.
 * cmd-oci.c holds the dispatch, the global flags and the lifecycle verbs;
 * cmd-oci-info.c the verbs that only read or report (state, list, ps,
 * events, features, spec, update); cmd-oci-exec.c exec.
 */
#include "berth/cli.h"

/* What every verb gets: the global flags. */
struct oci_globals {
	const char *root; /* --root, default /run/berth-runc */
	const char *log;  /* --log FILE, NULL: none */
	bool log_json;	  /* --log-format json */
	bool debug;
};

typedef int (*oci_verb_fn)(struct berth_cli *cli, const struct oci_globals *g, int argc,
			   char **argv, struct berth_error **err);

int oci_state(struct berth_cli *, const struct oci_globals *, int, char **, struct berth_error **);
int oci_list(struct berth_cli *, const struct oci_globals *, int, char **, struct berth_error **);
int oci_ps(struct berth_cli *, const struct oci_globals *, int, char **, struct berth_error **);
int oci_events(struct berth_cli *, const struct oci_globals *, int, char **, struct berth_error **);
int oci_features(struct berth_cli *, const struct oci_globals *, int, char **,
		 struct berth_error **);
int oci_spec(struct berth_cli *, const struct oci_globals *, int, char **, struct berth_error **);
int oci_update(struct berth_cli *, const struct oci_globals *, int, char **, struct berth_error **);
int oci_exec(struct berth_cli *, const struct oci_globals *, int, char **, struct berth_error **);

/* A verb's flag: c its struct option's val, arg its value (NULL for none). */
typedef int (*oci_flag_fn)(struct berth_cli *cli, int c, const char *arg, void *ctx,
			   struct berth_error **err);
/*
 * The parsing of every verb: each flag of f to on_flag with ctx (stopping at
 * the first error), then the operands: with ret_id exactly one, the ID;
 * without, the caller takes them from optind. 1 when --help was printed
 * (the verb is done), 0 to go on, or -errno.
 */
/* --preserve-fds N (create, run, exec) */
int oci_parse_preserve_fds(struct berth_cli *cli, const char *v, unsigned *ret,
			   struct berth_error **err);
int oci_parse(struct berth_cli *cli, struct cli_flags *f, int argc, char **argv,
	      oci_flag_fn on_flag, void *ctx, const char **ret_id, struct berth_error **err);
/* An oci_flag_fn for verbs whose flags are all switches: ctx is the bool the flag sets. */
int oci_flag_true(struct berth_cli *cli, int c, const char *arg, void *ctx,
		  struct berth_error **err);

/* The one operand ID of a verb that takes just that; a usage error otherwise. */
int oci_one_id(struct berth_cli *cli, int argc, char **argv, const char **ret,
	       struct berth_error **err);

/* `berth-runc ARGS`, argv[0] the program: the exit code. */
int berth_runc_main(int argc, char **argv);
