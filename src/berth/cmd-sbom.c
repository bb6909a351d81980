/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth sbom: the packages of an image's final filesystem, read from its
 * layers in the store (docs/sbom.md), as a table, SPDX 2.3 JSON or
 * CycloneDX 1.5 JSON.
 */
#include "berth/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "image/image.h"
#include "scan/scan.h"

static const char sbom_usage[] =
	"Usage: berth sbom [OPTIONS] IMAGE\n"
	"\n"
	"List the packages in an image's final filesystem (dpkg, apk, Python, npm), with\n"
	"the layer that brought each one, read from its layers in the store (docs/sbom.md).\n"
	"\n"
	"Options:\n"
	"      --format FORMAT   table (default), spdx-json (SPDX 2.3) or\n"
	"                        cyclonedx-json (CycloneDX 1.5)\n"
	"  -o, --output FILE     write the document to FILE instead of stdout\n"
	"      --stored          print the SBOM stored with the image (build --sbom,\n"
	"                        pull --with-sbom) as it is, instead of reading the layers\n";

enum sbom_format {
	SBOM_TABLE,
	SBOM_SPDX,
	SBOM_CYCLONEDX
};

/* syft's table: NAME VERSION TYPE, columns as wide as their longest cell. */
static char *sbom_table(const struct berth_sbom *s)
{
	size_t wn = strlen("NAME"), wv = strlen("VERSION");
	for (size_t i = 0; i < s->n; i++) {
		size_t n = strlen(s->pkgs[i].pkg.name), v = strlen(s->pkgs[i].pkg.version);
		wn = n > wn ? n : wn;
		wv = v > wv ? v : wv;
	}
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	berth_buf_addf(&b, "%-*s  %-*s  %s\n", (int)wn, "NAME", (int)wv, "VERSION", "TYPE");
	for (size_t i = 0; i < s->n; i++) {
		const struct berth_package *p = &s->pkgs[i].pkg;
		berth_buf_addf(&b, "%-*s  %-*s  %s\n", (int)wn, p->name, (int)wv, p->version,
			       berth_package_type_name(p->type));
	}
	return berth_buf_detach(&b, NULL);
}

static int write_output(const char *path, const char *data, struct berth_error **err)
{
	if (!path) {
		fputs(data, stdout);
		return 0;
	}
	_cleanup_fclose_ FILE *f = fopen(path, "we");
	if (!f)
		return berth_error_syscall(err, errno, "open '%s'", path);
	if (fputs(data, f) < 0 || fflush(f) != 0)
		return berth_error_syscall(err, errno, "write '%s'", path);
	int r = fclose(TAKE_PTR(f));
	if (r != 0)
		return berth_error_syscall(err, errno, "write '%s'", path);
	return 0;
}

/* --stored: the document attached to the image, byte for byte (docs/sbom.md). */
static int print_stored(struct berth_store *s, const char *what, enum sbom_format format,
			const char *output, struct berth_error **err)
{
	if (format == SBOM_TABLE)
		return berth_error_set(err, EINVAL,
				       "sbom --stored prints the stored document: spdx-json or "
				       "cyclonedx-json");
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_free_ char *doc = NULL;
	size_t len = 0;
	int r = berth_image_resolve(s, what, &img, err);
	if (r >= 0)
		r = berth_image_attached(
			s, img, format == SBOM_SPDX ? BERTH_MT_SPDX_JSON : BERTH_MT_CYCLONEDX_JSON,
			&doc, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "sbom '%s'", what);
	if (memchr(doc, '\0', len))
		return berth_error_set(err, EBADMSG, "sbom '%s': the stored document is not text",
				       what);
	return write_output(output, doc, err);
}

int cmd_sbom(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	enum {
		OPT_FORMAT = 256,
		OPT_STORED,
	};
	static const struct option opts[] = {
		{"format", required_argument, NULL, OPT_FORMAT},
		{"output", required_argument, NULL, 'o'},
		{"stored", no_argument, NULL, OPT_STORED},
		{},
	};
	struct cli_flags f = {.usage = sbom_usage, .shortopts = "+o:", .longopts = opts};
	enum sbom_format format = SBOM_TABLE;
	const char *output = NULL;
	bool stored = false, format_set = false;
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case OPT_STORED:
			stored = true;
			break;
		case OPT_FORMAT:
			format_set = true;
			if (strcmp(optarg, "table") == 0)
				format = SBOM_TABLE;
			else if (strcmp(optarg, "spdx-json") == 0)
				format = SBOM_SPDX;
			else if (strcmp(optarg, "cyclonedx-json") == 0)
				format = SBOM_CYCLONEDX;
			else
				return cli_usage_error(
					cli, err,
					"invalid format '%s' (table, spdx-json or cyclonedx-json)",
					optarg);
			break;
		case 'o':
			output = optarg;
			break;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "exactly one IMAGE expected");
	const char *what = argv[optind];
	bool fixed = false;
	int64_t created = 0;
	r = cli_source_date_epoch(&fixed, &created, err);
	if (r < 0)
		return r;
	if (!fixed)
		created = (int64_t)time(NULL);

	struct berth_store *s = NULL;
	r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	if (stored)
		return print_stored(s, what, format_set ? format : SBOM_SPDX, output, err);
	_cleanup_(berth_sbom_release) struct berth_sbom sb = {0};
	r = berth_sbom_of_image(s, what, &sb, err);
	if (r < 0)
		return berth_error_prefix(err, "sbom '%s'", what);
	_cleanup_free_ char *out = NULL;
	if (format == SBOM_TABLE) {
		out = sbom_table(&sb);
	} else {
		json_t *doc = format == SBOM_SPDX
				      ? berth_sbom_spdx_json(&sb, created, BERTH_VERSION)
				      : berth_sbom_cyclonedx_json(&sb, created, BERTH_VERSION);
		if (!doc)
			return berth_error_set(err, EINVAL, "sbom '%s': cannot write the document",
					       what);
		char *j = berth_json_dump_pretty(doc);
		json_decref(doc);
		out = berth_xasprintf("%s\n", j);
		free(j);
	}
	return write_output(output, out, err);
}
