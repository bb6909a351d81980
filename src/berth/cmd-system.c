/* SPDX-License-Identifier: Apache-2.0 */
/* `system check` and `system prune` (`system df`: cmd-system-df.c). */
#include "berth/cli.h"
#include "berth/prune.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/du.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "builder/builder.h"
#include "container/container.h"
#include "image/image.h"
#include "network/network.h"
#include "store/store.h"
#include "system/system.h"

static void print_problem(void *ctx, const char *msg)
{
	printf("%s\n", msg);
}

/*
 * What containers that died without their monitor left on networks
 * (endpoints with their address and veth, namespace files): the next
 * network operation reclaims them anyway; check says so, --repair does it.
 */
static int check_networks(const char *root, bool repair, size_t *ret_n, struct berth_error **err)
{
	_cleanup_free_ char *dir = berth_xasprintf("%s/networks", root);
	if (access(dir, F_OK) < 0)
		return 0;
	int r = berth_network_reclaim(root, !repair, ret_n, err);
	if (r < 0)
		return r;
	if (*ret_n > 0)
		printf("network: %zu leftovers of dead containers (addresses, veths, "
		       "namespaces)%s\n",
		       *ret_n, repair ? " (repaired)" : "");
	return 0;
}

static const char check_usage[] =
	"Usage:  berth system check [OPTIONS]\n\n"
	"Verify every blob's digest, every reference of the store and every unpacked layer\n\n"
	"Options:\n"
	"      --repair   Remove orphans, partial writes, corrupt blobs and changed unpacked "
	"layers\n";

int cmd_system_check(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"repair", no_argument, NULL, 'r'},
		{0},
	};
	struct cli_flags f = {.usage = check_usage, .longopts = opts};
	bool repair = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		repair = true;
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	struct berth_store *s = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	struct berth_store_problem_cb cb = {print_problem, NULL};
	struct berth_store_check_result res;
	r = berth_image_store_check(s, repair, &cb, &res, err);
	if (r < 0)
		return r;
	size_t layer_problems = 0;
	r = berth_layer_cache_check(berth_store_root_fd(s), repair, &cb, NULL, &layer_problems,
				    err);
	if (r < 0)
		return r;
	res.problems += layer_problems;
	size_t net_leaks = 0;
	r = check_networks(cli->root, repair, &net_leaks, err);
	if (r < 0)
		return r;
	res.problems += net_leaks;
	char size[32];
	berth_format_size(res.bytes, size);
	printf("checked %zu blobs (%s): %zu problems, %zu orphans, %zu partial writes%s\n",
	       res.blobs, size, res.problems, res.orphans, res.temps,
	       repair && (res.problems || res.orphans || res.temps) ? " (repaired)" : "");
	if (res.temps_live > 0)
		printf("%zu entries of tmp/ in use by running berth processes\n", res.temps_live);
	if (res.problems > 0 && !repair)
		return berth_error_set(err, EBADMSG,
				       "store '%s' has %zu problems (run 'berth system check "
				       "--repair')",
				       cli->root, res.problems);
	return 0;
}

static const char prune_usage[] =
	"Usage:  berth system prune [OPTIONS]\n\n"
	"Remove unused data\n\n"
	"Options:\n"
	"  -a, --all             Remove all unused images not just dangling ones\n"
	"      --filter filter   Not supported yet\n"
	"  -f, --force           Do not prompt for confirmation\n"
	"      --volumes         Prune anonymous volumes\n";

/* Docker's confirmationMessage (cli/command/system/prune.go), and berth's unpacked layers. */
static bool confirm(const struct berth_system_prune_options *o)
{
	_cleanup_free_ char *m = berth_xasprintf(
		"WARNING! This will remove:\n"
		"  - all stopped containers\n"
		"  - all networks not used by at least one container\n"
		"%s"
		"  - %s\n"
		"  - %s\n"
		"  - unpacked layers no image or container needs\n\n"
		"Are you sure you want to continue?",
		o->volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
		o->all ? "all images without at least one container associated to them"
		       : "all dangling images",
		o->all ? "all build cache" : "unused build cache");
	return cli_confirm(m);
}

int cmd_system_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{"volumes", no_argument, NULL, 'V'},
		{0},
	};
	static const char *const unsupported[] = {"--filter", NULL};
	struct cli_flags f = {.usage = prune_usage,
			      .shortopts = "af",
			      .longopts = opts,
			      .unsupported = unsupported};
	struct berth_system_prune_options o = {0};
	bool force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'a')
			o.all = true;
		else if (c == 'f')
			force = true;
		else
			o.volumes = true;
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	if (!force && !confirm(&o))
		return 0;

	struct berth_store *s = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	_cleanup_(berth_system_prune_result_release) struct berth_system_prune_result res = {0};
	r = berth_system_prune(s, &o, &res, err);
	if (r < 0)
		return r;
	cli_print_deleted("Containers", res.containers);
	cli_print_deleted("Networks", res.networks);
	cli_print_deleted("Volumes", res.volumes);
	cli_print_deleted("Images", res.images);
	if (res.cache_entries)
		printf("Deleted build cache objects: %u\n\n", res.cache_entries);
	cli_print_pruned("", NULL, res.bytes);
	return 0;
}
