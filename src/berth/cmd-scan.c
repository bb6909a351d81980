/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth scan: the known vulnerabilities of an image in the store, from an
 * advisory database on disk (OSV feeds imported with --db-import). Nothing
 * is fetched at scan time.
 */
#include "berth/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "scan/scan.h"
#include "store/store.h"

static const char scan_usage[] =
	"Usage: berth scan [OPTIONS] IMAGE\n"
	"       berth scan --db-import FILE.zip [--db PATH]\n"
	"\n"
	"List the known vulnerabilities of an image's packages, offline (docs/scan.md).\n"
	"\n"
	"Options:\n"
	"      --db PATH          the advisory database: an imported one, a directory of\n"
	"                         OSV records or a zip of them (default ROOT/scan/db)\n"
	"      --db-import FILE   check every record of an OSV zip (osv.dev's per-ecosystem\n"
	"                         all.zip) and install it in --db, replacing that ecosystem's\n"
	"      --severity LIST    only these severities, a comma list of UNKNOWN, LOW,\n"
	"                         MEDIUM, HIGH, CRITICAL (default all)\n"
	"      --exit-code N      exit N when anything is found (default 0)\n"
	"      --ignore-unfixed   leave out what has no fixed version yet\n"
	"      --format FORMAT    table, json or sarif (default table)\n"
	"  -o, --output FILE      write the report to FILE instead of stdout\n";

struct scan_opts {
	const char *db, *import, *output, *image;
	enum berth_scan_format format;
	struct berth_scan_filter filter;
	int exit_code;
};

static int import_feed(const char *db, const char *file, struct berth_error **err)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s': %m", file);
	struct berth_scan_db_count *c = NULL;
	size_t n = 0;
	size_t total = 0;
	int r = berth_scan_db_import(db, fd, file, &c, &n, &total, err);
	if (r < 0)
		return r;
	printf("imported %s into %s: %zu records\n", file, db, total);
	for (size_t i = 0; i < n; i++)
		printf("  %-24s %zu records\n", c[i].ecosystem, c[i].records);
	berth_scan_db_counts_free(c, n);
	return 0;
}

static int open_db(const char *path, bool is_default, struct berth_scan_db **ret,
		   struct berth_error **err)
{
	int r = berth_scan_db_open(path, ret, err);
	if (r == -ENOENT && is_default) {
		berth_error_free(err);
		return berth_error_set(err, ENOENT,
				       "no advisory database in %s: import a feed with "
				       "'berth scan --db-import FILE.zip' (docs/scan.md)",
				       path);
	}
	return r;
}

static int write_report(const char *output, const char *text, struct berth_error **err)
{
	if (!output) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write: %m");
	}
	_cleanup_close_ int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s': %m", output);
	int r = berth_write_all(fd, text, strlen(text), err);
	return r < 0 ? berth_error_prefix(err, "write '%s'", output) : 0;
}

static int scan_image(struct berth_cli *cli, const struct scan_opts *o, bool default_db,
		      struct berth_error **err)
{
	struct berth_scan_db *db = NULL;
	int r = open_db(o->db, default_db, &db, err);
	if (r < 0)
		return r;
	struct berth_store *store = NULL;
	struct berth_sbom sbom = {0};
	r = cli_store_open(cli, &store, err);
	if (r >= 0)
		r = berth_sbom_of_image(store, o->image, &sbom, err);
	struct berth_finding *f = NULL;
	size_t n = 0;
	if (r >= 0) {
		const struct berth_package **pkgs =
			berth_xcalloc(sbom.n ? sbom.n : 1, sizeof(*pkgs));
		for (size_t i = 0; i < sbom.n; i++)
			pkgs[i] = &sbom.pkgs[i].pkg;
		r = berth_scan_match(db, &sbom.os, pkgs, sbom.n, &o->filter, &f, &n, err);
		free(pkgs);
	}
	if (r >= 0) {
		struct berth_scan_report rep = {.image = o->image,
						.version = BERTH_VERSION,
						.sbom = &sbom,
						.findings = f,
						.n = n};
		_cleanup_free_ char *text = berth_scan_report_format(&rep, o->format);
		r = write_report(o->output, text, err);
	}
	berth_findings_free(f, n);
	berth_sbom_release(&sbom);
	berth_scan_db_free(db);
	if (r < 0)
		return r;
	return n > 0 ? o->exit_code : 0;
}

static int parse_exit_code(struct berth_cli *cli, const char *s, int *ret, struct berth_error **err)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 255)
		return cli_usage_error(cli, err, "invalid --exit-code '%s' (0 to 255)", s);
	*ret = (int)v;
	return 0;
}

int cmd_scan(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	enum {
		OPT_DB = 256,
		OPT_IMPORT,
		OPT_SEVERITY,
		OPT_EXIT,
		OPT_UNFIXED,
		OPT_FORMAT
	};
	static const struct option opts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"db-import", required_argument, NULL, OPT_IMPORT},
		{"severity", required_argument, NULL, OPT_SEVERITY},
		{"exit-code", required_argument, NULL, OPT_EXIT},
		{"ignore-unfixed", no_argument, NULL, OPT_UNFIXED},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"output", required_argument, NULL, 'o'},
		{},
	};
	struct cli_flags f = {.usage = scan_usage, .shortopts = "+o:", .longopts = opts};
	struct scan_opts o = {.format = BERTH_SCAN_FORMAT_TABLE};
	int c, r = 0;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == OPT_DB)
			o.db = optarg;
		else if (c == OPT_IMPORT)
			o.import = optarg;
		else if (c == OPT_SEVERITY)
			r = berth_scan_parse_severities(optarg, &o.filter.severities, err);
		else if (c == OPT_EXIT)
			r = parse_exit_code(cli, optarg, &o.exit_code, err);
		else if (c == OPT_UNFIXED)
			o.filter.ignore_unfixed = true;
		else if (c == OPT_FORMAT)
			r = berth_scan_parse_format(optarg, &o.format, err);
		else if (c == 'o')
			o.output = optarg;
		if (r < 0)
			return cli_usage_error(cli, err, "%s", berth_error_msg(*err));
	}
	if (c < 0 || f.help)
		return c;
	_cleanup_free_ char *default_db = berth_xasprintf("%s/scan/db", cli->root);
	bool is_default = !o.db;
	if (!o.db)
		o.db = default_db;
	if (o.import) {
		if (argc - optind != 0)
			return cli_usage_error(cli, err, "--db-import takes no IMAGE");
		return import_feed(o.db, o.import, err);
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "exactly one IMAGE expected");
	o.image = argv[optind];
	return scan_image(cli, &o, is_default, err);
}
