/* SPDX-License-Identifier: Apache-2.0 */
/* `compose pull` and `compose push` (the flags; compose/images.c does the work). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "berth/cmd-compose.h"
#include "berth/progress.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/strv.h"
#include "store/store.h"

typedef int (*compose_move_fn)(struct berth_store *store, const struct berth_compose_project *p,
			       char *const *services, bool ignore_failures,
			       struct berth_progress *progress, char ***warnings,
			       struct berth_error **err);

/* Loads the project and moves the services' images with fn; the failures ignored are warnings. */
static int move_images(struct berth_cli *cli, struct compose_globals *g, char **services,
		       bool ignore_failures, bool quiet, compose_move_fn fn,
		       struct berth_error **err)
{
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	int r = compose_load_project(g, false, &p, err);
	if (r < 0)
		return r;
	_cleanup_(berth_store_freep) struct berth_store *store = NULL;
	r = berth_store_open(cli->root, &store, err);
	if (r < 0)
		return r;
	struct berth_progress *progress =
		cli_progress_new(stderr, quiet ? CLI_PROGRESS_QUIET : CLI_PROGRESS_AUTO);
	_cleanup_strv_free_ char **warnings = NULL;
	r = fn(store, p, services, ignore_failures, progress, &warnings, err);
	berth_progress_free(progress);
	BERTH_STRV_FOREACH (w, warnings)
		berth_log(BERTH_LOG_WARN, "%s: %s", cli->cmd, *w);
	return r < 0 ? berth_error_prefix(err, "%s", cli->cmd) : r;
}

/* What tells pull and push apart; their flags are alike. */
struct move_command {
	const char *usage;
	const char *ignore_flag; /* --ignore-pull-failures or --ignore-push-failures */
	const char *const *unsupported;
	compose_move_fn fn;
};

static int move_command(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
			const struct move_command *m, struct berth_error **err)
{
	const struct option opts[] = {
		{m->ignore_flag, no_argument, NULL, 'I'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct cli_flags f = {.usage = m->usage,
			      .shortopts = "q",
			      .longopts = opts,
			      .unsupported = m->unsupported};
	bool ignore = false, quiet = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'I')
			ignore = true;
		else
			quiet = true;
	}
	if (c < 0 || f.help)
		return c;
	return move_images(cli, g, argv + optind, ignore, quiet, m->fn, err);
}

int compose_pull(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	static const char *const unsupported[] = {"--ignore-buildable", "--include-deps",
						  "--policy", NULL};
	static const struct move_command m = {
		.usage = "Usage:  berth compose pull [OPTIONS] [SERVICE...]\n\n"
			 "Pull service images\n\n"
			 "Options:\n"
			 "      --ignore-pull-failures   Pull what it can and ignores images with "
			 "pull failures\n"
			 "  -q, --quiet                  Pull without printing progress "
			 "information\n",
		.ignore_flag = "ignore-pull-failures",
		.unsupported = unsupported,
		.fn = berth_compose_pull,
	};
	return move_command(cli, g, argc, argv, &m, err);
}

int compose_push(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	static const char *const unsupported[] = {"--include-deps", NULL};
	static const struct move_command m = {
		.usage = "Usage:  berth compose push [OPTIONS] [SERVICE...]\n\n"
			 "Push service images (the services with both build and image)\n\n"
			 "Options:\n"
			 "      --ignore-push-failures   Push what it can and ignores images with "
			 "push failures\n"
			 "  -q, --quiet                  Push without printing progress "
			 "information\n",
		.ignore_flag = "ignore-push-failures",
		.unsupported = unsupported,
		.fn = berth_compose_push,
	};
	return move_command(cli, g, argc, argv, &m, err);
}
