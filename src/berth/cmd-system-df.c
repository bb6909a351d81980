/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `system df [-v] [--format]`: the library counts (system/df.c), this file
 * prints as Docker's formatter (cli/command/formatter/disk_usage.go).
 */
#include "berth/cli.h"

#include <getopt.h>
#include <string.h>

#include "berth/format.h"
#include "berth/ps.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "image/image.h"
#include "store/store.h"
#include "system/system.h"

/* Docker's units.HumanSize: four significant digits. */
static json_t *human(uint64_t bytes)
{
	char b[32];
	return json_string(berth_format_size_prec(bytes, 4, b));
}

/* Docker's Reclaimable: "SIZE (NN%)", the percentage rounded down, when there is a size. */
static json_t *reclaimable(const struct berth_system_df_row *row, bool percent)
{
	char b[32];
	berth_format_size_prec(row->reclaimable, 4, b);
	if (!percent || row->size == 0)
		return json_string(b);
	return json_sprintf("%s (%llu%%)", b,
			    (unsigned long long)(row->reclaimable * 100 / row->size));
}

static json_t *summary_row(const char *type, const struct berth_system_df_row *row, bool percent)
{
	/* keys sorted, as Docker's MarshalJSON writes a row */
	return json_pack("{s:o, s:o, s:o, s:o, s:s}", "Active", json_sprintf("%zu", row->active),
			 "Reclaimable", reclaimable(row, percent), "Size", human(row->size),
			 "TotalCount", json_sprintf("%zu", row->total), "Type", type);
}

/* The four summary rows, in Docker's order. */
static json_t *summary_rows(const struct berth_system_df *df)
{
	json_t *a = json_array();
	json_array_append_new(a, summary_row("Images", &df->images, true));
	json_array_append_new(a, summary_row("Containers", &df->containers, true));
	json_array_append_new(a, summary_row("Local Volumes", &df->volumes, true));
	/* Docker prints the build cache's without a percentage */
	json_array_append_new(a, summary_row("Build Cache", &df->cache, false));
	return a;
}

static const char summary_table[] =
	"table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";

static int print_rows(const char *format, const json_t *rows, const json_t *titles,
		      struct berth_error **err)
{
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	int r = cli_format_init(&fmt, format, err);
	size_t i;
	json_t *row;
	json_array_foreach (rows, i, row) {
		if (r < 0)
			break;
		r = cli_format_row(&fmt, row, err);
	}
	if (r < 0)
		return r;
	return cli_format_flush(&fmt, titles, err);
}

/* Docker's image formatter fields of one `df -v` entry (sizes with three digits). */
static json_t *image_row(const struct berth_system_df_image *it, bool trunc)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	char id[BERTH_DIGEST_STRLEN + 1], since[64], size[32], shared[32], unique[32];
	if (it->name) {
		berth_image_name_split(it->name, &repo, &tag);
	} else {
		repo = berth_xstrdup("<none>");
		tag = berth_xstrdup("<none>");
	}
	berth_digest_fmt(&it->id, id);
	cli_human_since(since, sizeof(since), it->created);
	berth_format_size(it->size, size);
	berth_format_size(it->shared_size, shared);
	berth_format_size(it->size - (it->shared_size < it->size ? it->shared_size : it->size),
			  unique);
	return json_pack("{s:o, s:s, s:s%, s:s, s:s, s:s, s:s, s:s}", "Containers",
			 json_sprintf("%u", it->containers), "CreatedSince", since, "ID",
			 trunc ? id + 7 : id, trunc ? (size_t)12 : strlen(id), "Repository", repo,
			 "SharedSize", shared, "Size", size, "Tag", tag, "UniqueSize", unique);
}

static json_t *container_row(const struct berth_system_df_container *it, bool trunc)
{
	char size[32];
	json_t *row = ps_row(it->record, trunc, berth_format_size(it->size, size));
	json_object_set_new(row, "LocalVolumes", json_sprintf("%u", it->local_volumes));
	return row;
}

static json_t *volume_row(const struct berth_system_df_volume *it)
{
	return json_pack("{s:o, s:s, s:o}", "Links", json_sprintf("%u", it->links), "Name",
			 it->name, "Size", human(it->size));
}

/* The lists of -v, under Docker's names (diskUsageContext) for a template over all. */
static json_t *verbose_object(const struct berth_system_df *df, bool trunc)
{
	json_t *images = json_array(), *containers = json_array(), *volumes = json_array();
	for (size_t i = 0; i < df->n_images; i++)
		json_array_append_new(images, image_row(&df->image_items[i], trunc));
	for (size_t i = 0; i < df->n_containers; i++)
		json_array_append_new(containers, container_row(&df->container_items[i], trunc));
	for (size_t i = 0; i < df->n_volumes; i++)
		json_array_append_new(volumes, volume_row(&df->volume_items[i]));
	return json_pack("{s:o, s:o, s:o, s:[]}", "Images", images, "Containers", containers,
			 "Volumes", volumes, "BuildCache");
}

/* Docker's verboseWriteTable: one titled table per kind. */
static int print_verbose_tables(const struct berth_system_df *df, struct berth_error **err)
{
	_cleanup_json_ json_t *all = verbose_object(df, true);
	_cleanup_json_ json_t *image_titles = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", "REPOSITORY", "Tag",
		"TAG", "ID", "IMAGE ID", "CreatedSince", "CREATED", "Size", "SIZE", "SharedSize",
		"SHARED SIZE", "UniqueSize", "UNIQUE SIZE", "Containers", "CONTAINERS");
	_cleanup_json_ json_t *container_titles = ps_titles();
	_cleanup_json_ json_t *volume_titles = json_pack("{s:s, s:s, s:s}", "Name", "VOLUME NAME",
							 "Links", "LINKS", "Size", "SIZE");
	_cleanup_json_ json_t *cache_titles =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "CACHE ID", "CacheType",
			  "CACHE TYPE", "Size", "SIZE", "CreatedSince", "CREATED", "LastUsedSince",
			  "LAST USED", "UsageCount", "USAGE", "Shared", "SHARED");
	printf("Images space usage:\n\n");
	int r = print_rows("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
			   "\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
			   json_object_get(all, "Images"), image_titles, err);
	if (r < 0)
		return r;
	printf("\nContainers space usage:\n\n");
	r = print_rows("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}"
		       "\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
		       json_object_get(all, "Containers"), container_titles, err);
	if (r < 0)
		return r;
	printf("\nLocal Volumes space usage:\n\n");
	r = print_rows("table {{.Name}}\t{{.Links}}\t{{.Size}}", json_object_get(all, "Volumes"),
		       volume_titles, err);
	if (r < 0)
		return r;
	char b[32];
	printf("\nBuild cache usage: %s\n\n", berth_format_size_prec(df->cache.size, 4, b));
	return print_rows("table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}"
			  "\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}",
			  json_object_get(all, "BuildCache"), cache_titles, err);
}

static int print_df(const struct berth_system_df *df, bool verbose, const char *format,
		    struct berth_error **err)
{
	bool table = !format || !*format || strcmp(format, "table") == 0;
	if (verbose && table)
		return print_verbose_tables(df, err);
	if (verbose) {
		/* Docker runs a -v template once, over every list */
		_cleanup_json_ json_t *all = json_pack("[o]", verbose_object(df, false));
		_cleanup_json_ json_t *no_titles = json_object();
		return print_rows(format, all, no_titles, err);
	}
	_cleanup_json_ json_t *rows = summary_rows(df);
	_cleanup_json_ json_t *titles =
		json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", "TYPE", "TotalCount", "TOTAL",
			  "Active", "ACTIVE", "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
	return print_rows(table ? summary_table : format, rows, titles, err);
}

static const char df_usage[] =
	"Usage:  berth system df [OPTIONS]\n\n"
	"Show berth disk usage\n\n"
	"Options:\n"
	"      --format string   Format output: table (default), json, a Go template, or\n"
	"                        'table TEMPLATE' (see docs/cli.md)\n"
	"  -v, --verbose         Show detailed information on space usage\n";

int cmd_system_df(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"format", required_argument, NULL, 'F'},
		{0},
	};
	struct cli_flags f = {.usage = df_usage, .shortopts = "v", .longopts = opts};
	struct berth_system_df_options o = {0};
	const char *format = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'v')
			o.verbose = true;
		else
			format = optarg;
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	struct berth_store *s = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	_cleanup_(berth_system_df_release) struct berth_system_df df = {0};
	r = berth_system_df(s, &o, &df, err);
	if (r < 0)
		return r;
	return print_df(&df, o.verbose, format, err);
}
