/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image commands: images, tag, rmi, inspect, history, save, load, import,
 * image prune. Each parses its flags, makes one libberth call and prints
 * the result the way Docker does.
 */
#include "berth/cli.h"
#include "berth/format.h"
#include "berth/inspect.h"
#include "berth/prune.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/bool.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"
#include "builder/builder.h"
#include "container/container.h"
#include "image/image.h"
#include "store/store.h"
#include "system/system.h"

/* ---- a table like Go's tabwriter with padding 3 ---- */

struct table {
	size_t cols;
	char **cells; /* rows * cols */
	size_t rows;
};

static void table_add(struct table *t, char *const *row)
{
	t->cells = berth_xreallocarray(t->cells, (t->rows + 1) * t->cols, sizeof(char *));
	for (size_t i = 0; i < t->cols; i++)
		t->cells[t->rows * t->cols + i] = berth_xstrdup(row[i]);
	t->rows++;
}

/* Characters, not bytes, as Go's tabwriter counts a cell (utf8.RuneCount): "…" is one. */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void table_print(struct table *t)
{
	size_t *w = berth_xcalloc(t->cols, sizeof(size_t));
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++) {
			size_t l = text_width(t->cells[r * t->cols + c]);
			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			const char *cell = t->cells[r * t->cols + c];
			if (c + 1 == t->cols)
				printf("%s\n", cell);
			else
				printf("%s%*s   ", cell, (int)(w[c] - text_width(cell)), "");
		}
	}
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
}

/* ---- images ---- */

static const char images_usage[] =
	"Usage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n\n"
	"List images\n\n"
	"Options:\n"
	"  -a, --all             Show all images\n"
	"      --digests         Show digests\n"
	"      --format string   Format output: table (default), json, a Go template, or\n"
	"                        'table TEMPLATE' (see docs/cli.md)\n"
	"      --no-trunc        Don't truncate output\n"
	"  -q, --quiet           Only show image IDs\n";

/* Docker's column titles of the image formatter's fields, for `table` templates. */
static json_t *images_titles(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers",
			 "CONTAINERS", "CreatedAt", "CREATED AT", "CreatedSince", "CREATED",
			 "Digest", "DIGEST", "ID", "IMAGE ID", "Repository", "REPOSITORY",
			 "SharedSize", "SHARED SIZE", "Size", "SIZE", "Tag", "TAG", "UniqueSize",
			 "UNIQUE SIZE", "VirtualSize", "VIRTUAL SIZE");
}

int cmd_images(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},	  {"quiet", no_argument, NULL, 'q'},
		{"digests", no_argument, NULL, 'd'},	  {"no-trunc", no_argument, NULL, 'n'},
		{"format", required_argument, NULL, 'f'}, {0},
	};
	static const char *const unsupported[] = {"-f", "--filter", "--tree", NULL};
	struct cli_flags f = {.usage = images_usage,
			      .shortopts = "aq",
			      .longopts = opts,
			      .unsupported = unsupported};
	bool quiet = false, digests = false, no_trunc = false;
	const char *format = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'a':
			break; /* berth keeps no intermediate images: all are shown */
		case 'q':
			quiet = true;
			break;
		case 'd':
			digests = true;
			break;
		case 'n':
			no_trunc = true;
			break;
		case 'f':
			format = optarg;
			break;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "at most one REPOSITORY[:TAG] argument");
	const char *filter = optind < argc ? argv[optind] : NULL;

	struct berth_store *s = NULL;
	_cleanup_(berth_image_list_freep) struct berth_image_list *l = NULL;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	int r = cli_format_init(&fmt, format, err);
	if (r < 0)
		return r;
	bool custom = fmt.kind != CLI_FORMAT_DEFAULT;
	r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	r = berth_image_list(s, &l, err);
	if (r < 0)
		return r;
	struct table t = {.cols = digests ? 6 : 5};
	if (!quiet && !custom) {
		char *h5[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
		char *h6[] = {"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"};
		table_add(&t, digests ? h6 : h5);
	}
	_cleanup_strv_free_ char **seen = NULL;
	for (size_t i = 0; i < l->n; i++) {
		struct berth_image_list_item *it = &l->items[i];
		_cleanup_free_ char *repo = NULL, *tag = NULL;
		char id[BERTH_DIGEST_STRLEN + 1], dg[BERTH_DIGEST_STRLEN + 1];
		char since[64], size[32], at[64];
		if (it->name) {
			berth_image_name_split(it->name, &repo, &tag);
		} else {
			repo = berth_xstrdup("<none>");
			tag = berth_xstrdup("<none>");
		}
		if (!berth_image_name_matches(repo, tag, filter))
			continue;
		berth_digest_fmt(&it->id, id);
		/* Docker: the digest of a RepoDigests entry (pulled or pushed), else <none> */
		if (it->has_repo_digest)
			berth_digest_fmt(&it->repo_digest, dg);
		else
			snprintf(dg, sizeof(dg), "<none>");
		_cleanup_free_ char *shortid =
			no_trunc ? berth_xstrdup(id) : berth_xstrndup(id + 7, 12);
		/* as Docker's NewImageFormat, a custom format wins over -q */
		if (quiet && !custom) {
			if (!berth_strv_contains(seen, shortid)) {
				printf("%s\n", shortid);
				berth_strv_push(&seen, shortid);
			}
			continue;
		}
		cli_human_since(since, sizeof(since), it->created);
		berth_format_size(it->size, size);
		if (custom) {
			_cleanup_json_ json_t *o = json_object();
			cli_created_at(at, sizeof(at), it->created);
			json_object_set_new(o, "Containers", json_string("N/A"));
			json_object_set_new(o, "CreatedAt", json_string(at));
			json_object_set_new(o, "CreatedSince", json_string(since));
			json_object_set_new(o, "Digest", json_string(dg));
			json_object_set_new(o, "ID", json_string(shortid));
			json_object_set_new(o, "Repository", json_string(repo));
			json_object_set_new(o, "SharedSize", json_string("N/A"));
			json_object_set_new(o, "Size", json_string(size));
			json_object_set_new(o, "Tag", json_string(tag));
			json_object_set_new(o, "UniqueSize", json_string("N/A"));
			json_object_set_new(o, "VirtualSize", json_string(size));
			r = cli_format_row(&fmt, o, err);
			if (r < 0)
				return r;
			continue;
		}
		char *r5[] = {repo, tag, shortid, since, size};
		char *r6[] = {repo, tag, dg, shortid, since, size};
		table_add(&t, digests ? r6 : r5);
	}
	if (custom) {
		_cleanup_json_ json_t *titles = images_titles();
		return cli_format_flush(&fmt, titles, err);
	}
	if (t.rows)
		table_print(&t);
	return 0;
}

/* ---- tag ---- */

static const char tag_usage[] = "Usage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
				"Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n";

int cmd_tag(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool help;
	int r = cli_no_flags(cli, tag_usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (argc - optind != 2)
		return cli_usage_error(cli, err, "requires exactly 2 arguments");
	struct berth_store *s = NULL;
	r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	return berth_image_tag(s, argv[optind], argv[optind + 1], err);
}

/* ---- rmi ---- */

static const char rmi_usage[] = "Usage:  berth rmi [OPTIONS] IMAGE [IMAGE...]\n\n"
				"Remove one or more images\n\n"
				"Options:\n"
				"  -f, --force      Force removal of the image\n"
				"      --no-prune   Accepted for compatibility\n";

int cmd_rmi(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"no-prune", no_argument, NULL, 'n'},
		{0},
	};
	struct cli_flags f = {.usage = rmi_usage, .shortopts = "f", .longopts = opts};
	bool force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		force |= c == 'f';
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	struct berth_store *s = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	/* as Docker: each name that fails is reported on its own line, the rest still go */
	bool failed = false;
	for (int i = optind; i < argc; i++) {
		_cleanup_strv_free_ char **lines = NULL;
		struct berth_error *e = NULL;
		r = berth_system_image_remove(s, argv[i], force, &lines, &e);
		if (r < 0) {
			fflush(stdout);
			fprintf(stderr, "berth: %s\n", berth_error_msg(e));
			berth_error_free(&e);
			failed = true;
			continue;
		}
		for (char **l = lines; l && *l; l++)
			printf("%s\n", *l);
	}
	return failed ? 1 : 0;
}

/* ---- inspect ---- */

static const char inspect_usage[] =
	"Usage:  berth inspect [OPTIONS] NAME|ID [NAME|ID...]\n\n"
	"Return low-level information on containers, images, networks and volumes\n\n"
	"Options:\n"
	"  -f, --format string   'json' (default) or a Go template, run over each object\n"
	"      --type string     Only inspect objects of the given type: container, image,\n"
	"                        network or volume\n";

int cmd_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"type", required_argument, NULL, 't'},
		{0},
	};
	static const char *const unsupported[] = {"-s", "--size", NULL};
	struct cli_flags f = {.usage = inspect_usage,
			      .shortopts = "f:",
			      .longopts = opts,
			      .unsupported = unsupported};
	const char *format = NULL;
	/* `image inspect` is `inspect --type image` */
	const char *type = strcmp(cli->cmd, "image inspect") == 0 ? "image" : NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'f')
			format = optarg;
		else if (c == 't')
			type = optarg;
	}
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	return cli_inspect(cli, type, argv + optind, format, err);
}

/* ---- history ---- */

static const char history_usage[] =
	"Usage:  berth history [OPTIONS] IMAGE\n\n"
	"Show the history of an image\n\n"
	"Options:\n"
	"      --format string   Format output: table (default) or json\n"
	"  -H, --human           Print sizes and dates in human readable "
	"format (default true;\n"
	"                        -H=false: bytes and a CREATED AT column)\n"
	"      --no-trunc        Don't truncate output\n"
	"  -q, --quiet           Only show image IDs\n";

/* -H/--human's value: none is true; "=false" (-H=false), "false", or any Go boolean. */
static int parse_human(struct berth_cli *cli, const char *v, bool *ret, struct berth_error **err)
{
	if (v && *v == '=')
		v++;
	if (!v) {
		*ret = true;
		return 0;
	}
	if (berth_parse_bool(v, ret) < 0)
		return cli_usage_error(cli, err, "invalid argument \"%s\" for \"-H, --human\" flag",
				       v);
	return 0;
}

/* The CREATED BY column: one line; truncated as Docker's Ellipsis, 44 characters and "…". */
static char *history_created_by(const struct berth_history *h, bool truncate)
{
	char *by = berth_xstrdup(h->created_by ? h->created_by : "");
	for (char *p = by; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	if (truncate && strlen(by) > 45) {
		char *e = berth_xasprintf("%.44s…", by);
		free(by);
		by = e;
	}
	return by;
}

/* One row of --format: cols are ID, CreatedSince, CreatedBy, Size, CreatedAt. */
static int history_format_row(struct cli_format *fmt, const struct berth_history *h,
			      const char *const cols[5], struct berth_error **err)
{
	_cleanup_json_ json_t *o = json_object();
	json_object_set_new(o, "Comment", json_string(h->comment ? h->comment : ""));
	json_object_set_new(o, "CreatedAt", json_string(cols[4]));
	json_object_set_new(o, "CreatedBy", json_string(cols[2]));
	json_object_set_new(o, "CreatedSince", json_string(cols[1]));
	json_object_set_new(o, "ID", json_string(cols[0]));
	json_object_set_new(o, "Size", json_string(cols[3]));
	return cli_format_row(fmt, o, err);
}

int cmd_history(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"no-trunc", no_argument, NULL, 'n'},
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"human", optional_argument, NULL, 'H'},
		{0},
	};
	struct cli_flags f = {.usage = history_usage, .shortopts = "qH::", .longopts = opts};
	bool no_trunc = false, quiet = false, human = true;
	const char *format = NULL;
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'n':
			no_trunc = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'H':
			r = parse_human(cli, optarg, &human, err);
			if (r < 0)
				return r;
			break;
		case 'f':
			format = optarg;
			break;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
	struct berth_store *s = NULL;
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	r = cli_format_init(&fmt, format, err);
	if (r < 0)
		return r;
	bool custom = fmt.kind != CLI_FORMAT_DEFAULT, json = fmt.kind == CLI_FORMAT_JSON;
	r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	r = berth_image_resolve(s, argv[optind], &img, err);
	if (r < 0)
		return r;
	const struct berth_image_config *cfg = img->config;
	char id[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&img->id, id);
	_cleanup_free_ uint64_t *sizes = NULL;
	r = berth_image_history_sizes(s, img, &sizes, err);
	if (r < 0)
		return r;
	struct table t = {.cols = 5};
	if (!quiet && !custom) {
		/* Docker's nonHumanHistoryTableFormat shows {{.CreatedAt}} */
		char *h[] = {"IMAGE", human ? "CREATED" : "CREATED AT", "CREATED BY", "SIZE",
			     "COMMENT"};
		table_add(&t, h);
	}
	for (size_t k = cfg->n_history; k-- > 0;) {
		const struct berth_history *h = &cfg->history[k];
		uint64_t size = sizes[k];
		_cleanup_free_ char *image_col =
			k + 1 == cfg->n_history
				? (no_trunc ? berth_xstrdup(id) : berth_xstrndup(id + 7, 12))
				: berth_xstrdup("<missing>");
		if (quiet && !custom) {
			printf("%s\n", image_col);
			continue;
		}
		_cleanup_free_ char *by = history_created_by(h, !no_trunc && !json);
		/* Docker's historyContext: human or not, CreatedAt is RFC 3339 in seconds */
		char since[64], sz[32], at[64];
		cli_created_rfc3339(at, sizeof(at), h->created);
		if (human) {
			cli_human_since(since, sizeof(since), h->created);
			berth_format_size(size, sz);
		} else {
			snprintf(since, sizeof(since), "%s", at);
			snprintf(sz, sizeof(sz), "%" PRIu64, size);
		}
		if (custom) {
			const char *cols[] = {image_col, since, by, sz, at};
			r = history_format_row(&fmt, h, cols, err);
			if (r < 0)
				return r;
			continue;
		}
		char *row[] = {image_col, since, by, sz, h->comment ? h->comment : ""};
		table_add(&t, row);
	}
	if (custom) {
		_cleanup_json_ json_t *titles =
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Comment", "COMMENT",
				  "CreatedAt", "CREATED AT", "CreatedBy", "CREATED BY",
				  "CreatedSince", "CREATED", "ID", "IMAGE", "Size", "SIZE");
		return cli_format_flush(&fmt, titles, err);
	}
	if (t.rows)
		table_print(&t);
	return 0;
}

/* ---- save ---- */

static const char save_usage[] =
	"Usage:  berth save [OPTIONS] IMAGE [IMAGE...]\n\n"
	"Save one or more images to a tar archive (streamed to STDOUT by default)\n\n"
	"Options:\n"
	"      --format string   docker-archive (default) or oci-archive\n"
	"  -o, --output string   Write to a file, instead of STDOUT\n";

int cmd_save(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'F'},
		{0},
	};
	const char *output = NULL;
	enum berth_archive_format format = BERTH_ARCHIVE_DOCKER;
	static const char *const unsupported[] = {"--platform", NULL};
	struct cli_flags f = {.usage = save_usage,
			      .shortopts = "o:",
			      .longopts = opts,
			      .unsupported = unsupported};
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'o') {
			output = optarg;
		} else {
			r = berth_archive_format_parse(optarg, &format, err);
			if (r < 0)
				return r;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	if (!output && isatty(STDOUT_FILENO))
		return berth_error_set(err, EINVAL,
				       "cowardly refusing to save to a terminal; use the -o flag "
				       "or redirect");
	struct berth_store *s = NULL;
	r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *tmp = NULL;
	if (output) {
		/* a temp file beside the output, renamed when whole */
		tmp = berth_xasprintf("%s.tmp-%d", output, (int)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return berth_error_syscall(err, errno, "create '%s'", output);
	}
	char **whats = berth_xcalloc((size_t)(argc - optind) + 1, sizeof(char *));
	for (int i = optind; i < argc; i++)
		whats[i - optind] = argv[i];
	r = berth_image_save(s, whats, format, output ? fd : STDOUT_FILENO, err);
	free(whats);
	if (output) {
		if (r >= 0 && fsync(fd) < 0)
			r = berth_error_syscall(err, errno, "write '%s'", output);
		if (r >= 0 && rename(tmp, output) < 0)
			r = berth_error_syscall(err, errno, "rename to '%s'", output);
		if (r < 0)
			unlink(tmp);
	}
	return r < 0 ? r : 0;
}

/* ---- load ---- */

static const char load_usage[] =
	"Usage:  berth load [OPTIONS]\n\n"
	"Load images from a docker-archive or oci-archive (plain, gzip or zstd) from a file or "
	"STDIN\n\n"
	"Options:\n"
	"  -i, --input string   Read from tar archive file, instead of STDIN\n"
	"  -q, --quiet          Suppress the load output\n";

int cmd_load(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"input", required_argument, NULL, 'i'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	const char *input = NULL;
	static const char *const unsupported[] = {"--platform", NULL};
	struct cli_flags f = {.usage = load_usage,
			      .shortopts = "i:q",
			      .longopts = opts,
			      .unsupported = unsupported};
	bool quiet = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'i')
			input = optarg;
		else
			quiet = true;
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	if (!input && isatty(STDIN_FILENO))
		return berth_error_set(
			err, EINVAL, "requested load from stdin, but stdin is empty (a terminal)");
	_cleanup_close_ int fd = -EBADF;
	if (input) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", input);
	}
	struct berth_store *s = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	r = berth_image_load(s, input ? fd : STDIN_FILENO, &lines, err);
	if (r < 0)
		return r;
	for (char **l = lines; !quiet && l && *l; l++)
		printf("%s\n", *l);
	return 0;
}

/* ---- import ---- */

static const char import_usage[] =
	"Usage:  berth import [OPTIONS] file|- [REPOSITORY[:TAG]]\n\n"
	"Import the contents from a tarball (plain, gzip or zstd) to create a filesystem image\n\n"
	"Options:\n"
	"  -c, --change list      Apply Dockerfile instruction to the created image\n"
	"  -m, --message string   Set commit message for imported image\n";

int cmd_import(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"change", required_argument, NULL, 'c'},
		{"message", required_argument, NULL, 'm'},
		{0},
	};
	static const char *const unsupported[] = {"--platform", NULL};
	struct cli_flags f = {.usage = import_usage,
			      .shortopts = "c:m:",
			      .longopts = opts,
			      .unsupported = unsupported};
	_cleanup_strv_free_ char **changes = NULL;
	const char *message = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'c')
			berth_strv_push(&changes, optarg);
		else
			message = optarg;
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err, "requires at least 1 and at most 2 arguments");
	const char *file = argv[optind];
	const char *name = argc - optind == 2 ? argv[optind + 1] : NULL;
	_cleanup_close_ int fd = -EBADF;
	if (strcmp(file, "-") != 0) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", file);
	}
	struct berth_store *s = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	struct berth_digest id;
	char d[BERTH_DIGEST_STRLEN + 1];
	struct berth_image_import_options o = {.source = file,
					       .name = name,
					       .changes = changes,
					       .apply_changes = berth_builder_apply_changes,
					       .message = message};
	r = cli_source_date_epoch(&o.has_source_date_epoch, &o.source_date_epoch, err);
	if (r < 0)
		return r;
	r = berth_image_import(s, fd >= 0 ? fd : STDIN_FILENO, &o, &id, err);
	if (r < 0)
		return r;
	printf("%s\n", berth_digest_fmt(&id, d));
	return 0;
}

/* ---- image prune ---- */

static const char prune_usage[] =
	"Usage:  berth image prune [OPTIONS]\n\n"
	"Remove unused images\n\n"
	"Options:\n"
	"  -a, --all     Remove all unused images, not just dangling ones\n"
	"  -f, --force   Do not prompt for confirmation\n";

/* Docker's texts (cli/command/image/prune.go) */
static const char *image_prune_warning(bool all)
{
	return all ? "WARNING! This will remove all images without at least one container "
		     "associated to them.\nAre you sure you want to continue?"
		   : "WARNING! This will remove all dangling images.\n"
		     "Are you sure you want to continue?";
}

int cmd_image_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool all;
	int r = cli_prune_flags(cli, prune_usage, true, image_prune_warning, argc, argv, &all, err);
	if (r != 0)
		return r < 0 ? r : 0;
	struct berth_store *s = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	uint64_t reclaimed = 0;
	r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	r = berth_system_image_prune(s, all, &lines, &reclaimed, err);
	if (r < 0)
		return r;
	cli_print_pruned("Images", lines, reclaimed);
	return 0;
}
