/* SPDX-License-Identifier: Apache-2.0 */
/* `system df`, `system check` and `system prune`; the layer-cache gc of rmi and prune. */
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

/* Bytes below dfd/name, not following symlinks nor crossing mounts; counts entries at depth 0. */
static uint64_t du_at(int dfd, const char *name, dev_t dev, int depth, size_t *ret_entries)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || depth > 64)
		return 0;
	uint64_t total = depth > 0 ? (uint64_t)st.st_blocks * 512 : 0;
	if (!S_ISDIR(st.st_mode) || (depth > 0 && st.st_dev != dev))
		return total;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return total;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return total;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (depth == 0 && ret_entries)
			(*ret_entries)++;
		total += du_at(dirfd(d), de->d_name, st.st_dev, depth + 1, NULL);
	}
	closedir(d);
	return total;
}

static const char df_usage[] = "Usage:  berth system df\n\n"
			       "Show berth disk usage\n";

int cmd_system_df(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {"-v", "--verbose", "--format", NULL};
	bool help;
	int r = cli_no_flags(cli, df_usage, unsupported, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	_cleanup_(berth_image_list_freep) struct berth_image_list *l = NULL;
	r = berth_store_open(cli->root, &s, err);
	if (r < 0)
		return r;
	r = berth_image_list(s, &l, err);
	if (r < 0)
		return r;
	size_t nblobs = 0;
	uint64_t blob_bytes = 0;
	r = berth_store_blob_usage(s, &nblobs, &blob_bytes, err);
	if (r < 0)
		return r;
	/* images: distinct IDs; reclaimable: what untagged images hold */
	_cleanup_strv_free_ char **ids = NULL;
	uint64_t reclaim = 0;
	for (size_t i = 0; i < l->n; i++) {
		char id[BERTH_DIGEST_STRLEN + 1];
		berth_digest_fmt(&l->items[i].id, id);
		if (!berth_strv_contains(ids, id))
			berth_strv_push(&ids, id);
		if (!l->items[i].name)
			reclaim += l->items[i].size;
	}
	if (reclaim > blob_bytes)
		reclaim = blob_bytes;
	struct {
		const char *type, *dir;
	} rows[] = {{"Containers", "containers"},
		    {"Local Volumes", "volumes"},
		    {"Build Cache", "cache"}};
	char size[32], rec[32];
	berth_format_size(blob_bytes, size);
	berth_format_size(reclaim, rec);
	printf("%-15s %-7s %-7s %-10s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
	printf("%-15s %-7zu %-7d %-10s %s\n", "Images", berth_strv_len(ids), 0, size, rec);
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		size_t n = 0;
		int dfd = berth_store_dir_fd(s, rows[i].dir);
		uint64_t bytes = du_at(dfd, ".", 0, 0, &n);
		berth_format_size(bytes, size);
		printf("%-15s %-7zu %-7d %-10s %s\n", rows[i].type, n, 0, size, "0B");
	}
	return 0;
}

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
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	int r = berth_store_open(cli->root, &s, err);
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
	"Remove stopped containers, dangling images, unused build cache and\n"
	"unpacked layers nothing needs\n\n"
	"Options:\n"
	"  -a, --all             Remove all unused images and build cache, not just dangling ones\n"
	"      --filter filter   Not supported yet\n"
	"  -f, --force           Do not prompt for confirmation\n"
	"      --volumes         Not supported yet (use 'berth volume prune')\n";

static bool confirm(bool all)
{
	char *m =
		berth_xasprintf("WARNING! This will remove:\n"
				"  - all stopped containers\n"
				"  - %s\n"
				"  - %s\n"
				"  - unpacked layers no image or container needs\n\n"
				"Are you sure you want to continue?",
				all ? "all images without at least one container associated to them"
				    : "all dangling images",
				all ? "all build cache" : "unused build cache");
	bool yes = cli_confirm(m);
	free(m);
	return yes;
}

int cmd_system_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{"filter", required_argument, NULL, 'F'},
		{"volumes", no_argument, NULL, 'V'},
		{0},
	};
	struct cli_flags f = {.usage = prune_usage, .shortopts = "af", .longopts = opts};
	bool all = false, force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
		else if (c == 'F')
			return berth_error_set(err, ENOTSUP,
					       "system prune: '--filter %s' is not supported yet",
					       optarg);
		else if (c == 'V')
			/* Docker's --volumes removes anonymous volumes only: 'volume prune' */
			return berth_error_set(
				err, ENOTSUP,
				"system prune: '--volumes' is not supported yet ('berth "
				"volume prune' removes the anonymous volumes no container "
				"uses)");
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	if (!force && !confirm(all))
		return 0;

	uint64_t total = 0;
	/* stopped containers */
	_cleanup_json_ json_t *list = NULL;
	_cleanup_strv_free_ char **removed = NULL;
	int r = berth_container_list(cli->root, &list, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *ct;
	json_array_foreach (list, i, ct) {
		const char *id = json_string_value(json_object_get(ct, "Id"));
		if (!id || json_is_true(json_object_get(json_object_get(ct, "State"), "Running")))
			continue;
		r = berth_container_remove(cli->root, id, false, err);
		if (r < 0)
			return r;
		berth_strv_push(&removed, id);
	}
	if (removed) {
		printf("Deleted Containers:\n");
		BERTH_STRV_FOREACH (id, removed)
			printf("%s\n", *id);
		printf("\n");
	}

	/* images no container uses */
	_cleanup_(berth_store_freep) struct berth_store *s = NULL;
	r = berth_store_open(cli->root, &s, err);
	if (r < 0)
		return r;
	uint64_t bytes = 0;
	r = cli_image_prune(cli, s, all, &bytes, err);
	if (r < 0)
		return r;
	total += bytes;

	/* build cache */
	unsigned entries = 0;
	r = berth_builder_prune(cli->root, all, 0, &bytes, &entries, err);
	if (r < 0)
		return r;
	total += bytes;
	if (entries)
		printf("Deleted build cache objects: %u\n\n", entries);

	/* unpacked layers */
	struct berth_layer_gc_result gc;
	r = berth_system_layer_gc(s, &gc, err);
	if (r < 0)
		return r;
	total += gc.bytes;

	/* Docker's units.HumanSize: four significant digits ("1.843kB") */
	char sz[32];
	berth_format_size_prec(total, 4, sz);
	printf("Total reclaimed space: %s\n", sz);
	return 0;
}
