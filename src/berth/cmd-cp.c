/* SPDX-License-Identifier: Apache-2.0 */
/* berth cp, as Docker's `docker cp` (cli/command/container/cp.go). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "berth/cli.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"

static const char cp_usage[] =
	"Usage:  berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
	"\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n\n"
	"Copy files/folders between a container and the local filesystem\n\n"
	"Use '-' as the source to read a tar archive from stdin\n"
	"and extract it to a directory destination in a container.\n"
	"Use '-' as the destination to stream a tar archive of a\n"
	"container source to stdout.\n\n"
	"Options:\n"
	"  -a, --archive       Archive mode (copy all uid/gid information)\n"
	"  -L, --follow-link   Always follow symbol link in SRC_PATH\n"
	"  -q, --quiet         Suppress progress output during copy (berth prints none)\n";

/*
 * Docker's splitCpArg: an absolute path (or "-") is local, else what comes
 * before the first ':' names a container; "./a:b" is how to name a local
 * path with a colon.
 */
static void split_cp_arg(const char *arg, char **ret_container, const char **ret_path)
{
	const char *colon = strchr(arg, ':');
	*ret_container = NULL;
	*ret_path = arg;
	if (arg[0] == '/' || arg[0] == '.' || !colon)
		return;
	*ret_container = berth_xstrndup(arg, (size_t)(colon - arg));
	*ret_path = colon + 1;
}

int cmd_cp(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"archive", no_argument, NULL, 'a'},
		{"follow-link", no_argument, NULL, 'L'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct cli_flags f = {.usage = cp_usage, .shortopts = "aLq", .longopts = opts};
	struct berth_cp_options o = {0};
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'a')
			o.archive = true;
		else if (c == 'L')
			o.follow_link = true;
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "requires 2 arguments");
	_cleanup_free_ char *src_ctr = NULL, *dst_ctr = NULL;
	const char *src, *dst;
	split_cp_arg(argv[optind], &src_ctr, &src);
	split_cp_arg(argv[optind + 1], &dst_ctr, &dst);
	if (!*src)
		return berth_error_set(err, EINVAL, "source can not be empty");
	if (!*dst)
		return berth_error_set(err, EINVAL, "destination can not be empty");
	if (src_ctr && dst_ctr)
		return berth_error_set(err, EINVAL, "copying between containers is not supported");
	if (!src_ctr && !dst_ctr)
		return berth_error_set(err, EINVAL, "must specify at least one container source");
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	if (src_ctr && strcmp(dst, "-") == 0)
		r = berth_container_cp_tar_out(cli->store, src_ctr, src, &o, STDOUT_FILENO, err);
	else if (src_ctr)
		r = berth_container_cp_from(cli->store, src_ctr, src, dst, &o, err);
	else if (strcmp(src, "-") == 0)
		r = berth_container_cp_tar_in(cli->store, dst_ctr, STDIN_FILENO, dst, &o, err);
	else
		r = berth_container_cp_to(cli->store, dst_ctr, src, dst, &o, err);
	return r < 0 ? r : 0;
}
