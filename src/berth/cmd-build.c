/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/prune.h"
#include "berth/lint-check.h"
#include "builder/builder.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"
#include "image/image.h"
#include "lint/lint.h"
#include "scan/scan.h"

static const char build_usage[] =
	"Usage: berth build [OPTIONS] PATH | -\n\n"
	"Build an image from a Dockerfile\n\n"
	"Options:\n"
	"      --attest type=sbom    as --sbom (other attestation types: not yet)\n"
	"      --build-arg K[=V]     set a build-time variable\n"
	"      --cache-from REF      use an image as a cache source\n"
	"      --check               lint the Dockerfile first (as berth lint); build\n"
	"                            nothing when a finding is at or above the error level\n"
	"  -f, --file FILE           name of the Dockerfile (default: PATH/Dockerfile; - for "
	"stdin)\n"
	"      --iidfile FILE        write the image ID to the file\n"
	"      --label K=V           set metadata for the image\n"
	"      --network MODE        networking mode of the RUN instructions (host, none)\n"
	"      --no-cache            do not use the cache when building the image\n"
	"      --progress TYPE       auto, plain, tty or quiet (default auto)\n"
	"      --pull                always attempt to pull a newer version of the image\n"
	"  -q, --quiet               suppress the build output and print the image ID\n"
	"      --sbom[=true|false]   store the image's SBOM (SPDX 2.3) with it; push sends\n"
	"                            it as an OCI referrer\n"
	"      --secret id=X,src=F   secret file to expose to RUN --mount=type=secret\n"
	"  -t, --tag NAME[:TAG]      name and optionally a tag (may be repeated)\n"
	"      --target STAGE        set the target build stage to build\n";

struct printer {
	FILE *out;
	bool tty;
	bool quiet;
};

static void on_event(const struct berth_build_event *ev, void *userdata)
{
	struct printer *p = userdata;
	if (p->quiet && ev->kind != BERTH_BUILD_EVENT_WARNING)
		return;
	switch (ev->kind) {
	case BERTH_BUILD_EVENT_STEP:
		fprintf(p->out, p->tty ? "\033[1m#%d %s\033[0m\n" : "#%d %s\n", ev->step, ev->text);
		break;
	case BERTH_BUILD_EVENT_CACHED:
		fprintf(p->out, p->tty ? "#%d \033[34mCACHED\033[0m\n" : "#%d CACHED\n", ev->step);
		break;
	case BERTH_BUILD_EVENT_DONE:
		fprintf(p->out, "#%d DONE %.1fs\n", ev->step, ev->seconds);
		break;
	case BERTH_BUILD_EVENT_OUTPUT:
		fprintf(p->out, "#%d %.3f %s\n", ev->step, ev->seconds, ev->text);
		break;
	case BERTH_BUILD_EVENT_WARNING:
		fprintf(stderr, "WARNING: %s\n", ev->text);
		break;
	case BERTH_BUILD_EVENT_ERROR:
		fprintf(p->out, p->tty ? "#%d \033[31mERROR\033[0m\n" : "#%d ERROR\n", ev->step);
		break;
	case BERTH_BUILD_EVENT_INFO:
		if (ev->step)
			fprintf(p->out, "#%d %s\n", ev->step, ev->text);
		else
			fprintf(p->out, "%s\n", ev->text);
		break;
	}
	fflush(p->out);
}

/*
 * --check: the Dockerfile as the build will read it, linted before anything
 * is built. What comes from stdin is read here and handed on to the build in
 * a memfd (*ret_stdin_fd).
 */
static int build_check(struct berth_build_options *o, bool quiet, int *ret_stdin_fd,
		       struct berth_error **err)
{
	_cleanup_free_ char *data = NULL, *path = NULL;
	_cleanup_close_ int ctx_fd = -EBADF;
	size_t len = 0;
	bool from_stdin = false;
	int r;

	if (strcmp(o->context, "-") == 0) {
		r = berth_read_fd(o->stdin_fd, 1u << 31, &data, &len, err);
		if (r < 0)
			return berth_error_prefix(err, "read the build context from stdin");
		if (len >= 262 && memcmp(data + 257, "ustar", 5) == 0)
			return berth_error_set(
				err, ENOTSUP,
				"--check with a tar context on stdin is not supported "
				"yet: give the context as a directory");
		from_stdin = true;
	} else {
		ctx_fd = open(o->context, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ctx_fd < 0)
			return berth_error_syscall(err, errno, "unable to prepare context: '%s'",
						   o->context);
		if (o->dockerfile && strcmp(o->dockerfile, "-") == 0) {
			r = berth_read_fd(o->stdin_fd, BERTH_DOCKERFILE_MAX_SIZE, &data, &len, err);
			if (r < 0)
				return berth_error_prefix(err, "read the Dockerfile from stdin");
			from_stdin = true;
		} else {
			/* the build's choice: -f as given, else Dockerfile (or dockerfile) */
			if (o->dockerfile && *o->dockerfile)
				path = berth_xstrdup(o->dockerfile);
			else {
				path = berth_xasprintf("%s/Dockerfile", o->context);
				if (access(path, F_OK) < 0) {
					char *lower = berth_xasprintf("%s/dockerfile", o->context);
					if (access(lower, F_OK) == 0) {
						free(path);
						path = lower;
					} else {
						free(lower);
					}
				}
			}
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return berth_error_syscall(err, errno,
							   "unable to read Dockerfile '%s'", path);
			r = berth_read_fd(fd, BERTH_DOCKERFILE_MAX_SIZE, &data, &len, err);
			if (r < 0)
				return berth_error_prefix(err, "read '%s'", path);
		}
	}
	if (from_stdin) {
		/* the build reads stdin again: give it what was read */
		_cleanup_close_ int mfd = memfd_create("berth-build-stdin", MFD_CLOEXEC);
		if (mfd < 0)
			return berth_error_syscall(err, errno, "memfd_create");
		r = berth_write_all(mfd, data, len, err);
		if (r < 0)
			return r;
		if (lseek(mfd, 0, SEEK_SET) < 0)
			return berth_error_syscall(err, errno, "lseek");
		o->stdin_fd = *ret_stdin_fd = TAKE_FD(mfd);
	}
	return cli_lint_check(ctx_fd, ctx_fd >= 0 ? o->context : NULL, path, data, len, quiet,
			      stderr, err);
}

/* SIGINT/SIGTERM: the build unwinds through its cleanup; exit 128+N as docker build. */
static volatile sig_atomic_t interrupt_signal;

static void on_interrupt(int sig)
{
	if (!interrupt_signal)
		interrupt_signal = sig;
	berth_build_interrupt();
}

static void catch_interrupts(void)
{
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* --build-arg K=V as given; K alone takes its value from our environment, as Docker's. */
static int push_build_arg(char ***args, const char *arg, struct berth_error **err)
{
	if (strchr(arg, '=') || !*arg) {
		berth_strv_push(args, arg);
		return 0;
	}
	const char *v = getenv(arg);
	if (!v)
		return berth_error_set(err, EINVAL,
				       "build arg '%s' has no value: give one with --build-arg "
				       "%s=VALUE or set it in the environment",
				       arg, arg);
	berth_strv_consume(args, berth_xasprintf("%s=%s", arg, v));
	return 0;
}

/* What `build` was asked: its flags, then the build's options. */
struct build_cmd {
	char **tags, **args, **cache_from, **labels, **secrets;
	const char *iidfile, *progress;
	bool check;
	bool sbom;
	struct berth_build_options o;
	struct printer pr;
};

static void build_cmd_release(struct build_cmd *b)
{
	berth_strv_free(b->tags);
	berth_strv_free(b->args);
	berth_strv_free(b->cache_from);
	berth_strv_free(b->labels);
	berth_strv_free(b->secrets);
}

static const struct option build_opts[] = {
	{"tag", required_argument, NULL, 't'},
	{"file", required_argument, NULL, 'f'},
	{"target", required_argument, NULL, 'T'},
	{"build-arg", required_argument, NULL, 'a'},
	{"no-cache", no_argument, NULL, 'n'},
	{"pull", no_argument, NULL, 'p'},
	{"cache-from", required_argument, NULL, 'c'},
	{"label", required_argument, NULL, 'l'},
	{"iidfile", required_argument, NULL, 'i'},
	{"network", required_argument, NULL, 'N'},
	{"secret", required_argument, NULL, 's'},
	{"progress", required_argument, NULL, 'P'},
	{"quiet", no_argument, NULL, 'q'},
	{"check", no_argument, NULL, 'C'},
	{"sbom", optional_argument, NULL, 'S'},
	{"attest", required_argument, NULL, 'A'},
	{0},
};
static const char *const build_unsupported[] = {
	"--platform",
	"--build-context",
	"--ssh",
	"-o",
	"--output",
	"--push",
	"--load",
	"--cache-to",
	"--add-host",
	"--shm-size",
	"--ulimit",
	"--provenance",
	"--allow",
	"--builder",
	"--metadata-file",
	"--annotation",
	"--cgroup-parent",
	"--compress",
	"--cpu-period",
	"--cpu-quota",
	"-c",
	"--cpu-shares",
	"--cpuset-cpus",
	"--cpuset-mems",
	"--disable-content-trust",
	"--force-rm",
	"--isolation",
	"-m",
	"--memory",
	"--memory-swap",
	"--rm",
	"--security-opt",
	"--squash",
	NULL,
};
/*
 * buildx's --sbom[=true|false|generator=…] and --attest type=sbom[,…]; other
 * attestations (provenance) are not made yet.
 */
static int parse_sbom_flag(struct berth_cli *cli, bool attest, const char *v, bool *ret,
			   struct berth_error **err)
{
	if (attest) {
		if (strncmp(v, "type=sbom", 9) != 0 || (v[9] && v[9] != ','))
			return cli_usage_error(cli, err,
					       "--attest '%s': only type=sbom is supported yet", v);
		*ret = !strstr(v, "disabled=true");
		return 0;
	}
	if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strncmp(v, "generator=", 10) == 0)
		*ret = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*ret = false;
	else
		return cli_usage_error(cli, err, "invalid --sbom '%s' (true or false)", v);
	return 0;
}

/* The flags into b; > 0 when they asked for --help (printed). */
static int parse_build_flags(struct berth_cli *cli, int argc, char **argv, struct build_cmd *b,
			     struct berth_error **err)
{
	struct cli_flags flags = {.usage = build_usage,
				  .shortopts = "t:f:q",
				  .longopts = build_opts,
				  .unsupported = build_unsupported};
	int c, r;

	while ((c = cli_flag_next(cli, &flags, argc, argv, err)) > 0) {
		switch (c) {
		case 't':
			berth_strv_push(&b->tags, optarg);
			break;
		case 'f':
			b->o.dockerfile = optarg;
			break;
		case 'T':
			b->o.target = optarg;
			break;
		case 'a':
			r = push_build_arg(&b->args, optarg, err);
			if (r < 0)
				return r;
			break;
		case 'n':
			b->o.no_cache = true;
			break;
		case 'p':
			b->o.pull = true;
			break;
		case 'c':
			berth_strv_push(&b->cache_from, optarg);
			break;
		case 'l':
			berth_strv_push(&b->labels, optarg);
			break;
		case 'i':
			b->iidfile = optarg;
			break;
		case 'N':
			b->o.network = optarg;
			break;
		case 's':
			berth_strv_push(&b->secrets, optarg);
			break;
		case 'P':
			b->progress = optarg;
			break;
		case 'q':
			b->pr.quiet = true;
			break;
		case 'C':
			b->check = true;
			break;
		case 'S':
		case 'A':
			r = parse_sbom_flag(cli, c == 'A', optarg, &b->sbom, err);
			if (r < 0)
				return r;
			break;
		}
	}
	if (c < 0)
		return c;
	return flags.help ? 1 : 0;
}

/* The build's options from the flags and the one argument, the context. */
static int build_options(struct berth_cli *cli, int argc, char **argv, struct build_cmd *b,
			 struct berth_error **err)
{
	struct berth_build_options *o = &b->o;

	if (optind + 1 != argc)
		return BERTH_ERROR_NEGATIVE(
			cli_usage_error(cli, err, "requires exactly 1 argument (PATH or -)"));
	int r = cli_source_date_epoch(&o->has_source_date_epoch, &o->source_date_epoch, err);
	if (r < 0)
		return r;
	o->context = argv[optind];
	o->tags = b->tags;
	o->build_args = b->args;
	o->serial = getenv("BERTH_BUILD_SERIAL") != NULL;
	o->cache_from = b->cache_from;
	o->labels = b->labels;
	o->secrets = b->secrets;
	if (strcmp(b->progress, "quiet") == 0)
		b->pr.quiet = true;
	else if (strcmp(b->progress, "tty") == 0)
		b->pr.tty = true;
	else if (strcmp(b->progress, "auto") == 0)
		b->pr.tty = isatty(STDERR_FILENO);
	else if (strcmp(b->progress, "plain") != 0)
		return cli_usage_error(
			cli, err, "invalid --progress '%s' (auto, plain, tty, quiet)", b->progress);
	o->on_event = on_event;
	o->userdata = &b->pr;
	return 0;
}

/* --sbom: the built image's SBOM, at the build's SOURCE_DATE_EPOCH, attached to it in the store. */
static int attach_sbom(struct berth_store *s, const struct build_cmd *b,
		       const struct berth_build_result *res, struct berth_error **err)
{
	char id[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&res->image_id, id);
	int64_t created = b->o.has_source_date_epoch ? b->o.source_date_epoch : (int64_t)time(NULL);
	return berth_sbom_attach(s, id, b->tags && *b->tags ? b->tags[0] : id, created, err);
}

/* After the build: the tag hint, --iidfile, and the image id with -q. */
static int report_build(const struct build_cmd *b, const struct berth_build_result *res,
			struct berth_error **err)
{
	if (b->tags && *b->tags) {
		/* -t name or only :latest: the image has no immutable version */
		_cleanup_free_ char *hint = berth_lint_tag_hint(b->tags);
		if (hint)
			fprintf(stderr, "hint: %s\n", hint);
	}
	char id[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&res->image_id, id);
	if (b->iidfile) {
		FILE *f = fopen(b->iidfile, "we");
		if (!f || fputs(id, f) < 0 || fclose(f) != 0)
			return berth_error_syscall(err, errno, "write --iidfile '%s'", b->iidfile);
	}
	if (b->pr.quiet)
		printf("%s\n", id);
	return 0;
}

int cmd_build(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	__attribute__((cleanup(build_cmd_release))) struct build_cmd b = {
		.progress = "auto",
		.o = {.stdin_fd = STDIN_FILENO},
		.pr = {.out = stderr},
	};
	_cleanup_close_ int check_stdin = -EBADF;
	struct berth_build_result res = {0};

	int r = parse_build_flags(cli, argc, argv, &b, err);
	if (r != 0)
		return r < 0 ? r : 0;
	r = build_options(cli, argc, argv, &b, err);
	if (r < 0)
		return r;
	if (b.check) {
		r = build_check(&b.o, b.pr.quiet, &check_stdin, err);
		if (r < 0)
			return r;
	}
	catch_interrupts();
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_build(cli->store, &b.o, &res, err);
	if (r < 0 && berth_build_interrupted()) {
		/* whatever failed on the way out, the cause is the signal */
		fprintf(stderr, "berth: build interrupted\n");
		return 128 + (interrupt_signal ? interrupt_signal : SIGINT);
	}
	if (r < 0)
		return r;
	if (b.sbom) {
		r = attach_sbom(cli->store, &b, &res, err);
		if (r < 0)
			return r;
	}
	return report_build(&b, &res, err);
}

static const char prune_usage[] =
	"Usage: berth builder prune [OPTIONS]\n\n"
	"Remove build cache\n\n"
	"Options:\n"
	"  -a, --all                 remove all build cache, not just dangling entries\n"
	"      --keep-storage SIZE   keep the most recently used cache up to SIZE (e.g. 1GB)\n"
	"  -f, --force               do not prompt for confirmation\n";

static int parse_size(const char *s, uint64_t *ret)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -EINVAL;
	double mult = 1;
	if (*end) {
		char u = (char)(*end | 0x20);
		const char *rest = end + 1;
		if (u == 'b' && !*rest)
			mult = 1;
		else if (u == 'k')
			mult = 1e3;
		else if (u == 'm')
			mult = 1e6;
		else if (u == 'g')
			mult = 1e9;
		else if (u == 't')
			mult = 1e12;
		else
			return -EINVAL;
		if (u != 'b' && *rest) {
			if ((*rest | 0x20) == 'i' && (rest[1] | 0x20) == 'b' && !rest[2])
				mult = mult == 1e3   ? 1024.0
				       : mult == 1e6 ? 1048576.0
				       : mult == 1e9 ? 1073741824.0
						     : 1099511627776.0;
			else if ((*rest | 0x20) != 'b' || rest[1])
				return -EINVAL;
		}
	}
	*ret = (uint64_t)(v * mult);
	return 0;
}

int cmd_builder_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"keep-storage", required_argument, NULL, 'k'},
		{"force", no_argument, NULL, 'f'},
		{0},
	};
	static const char *const unsupported[] = {"--filter", "--max-used-space",
						  "--reserved-space", "--min-free-space", NULL};
	struct cli_flags f = {.usage = prune_usage,
			      .shortopts = "af",
			      .longopts = opts,
			      .unsupported = unsupported};
	bool all = false, force = false;
	uint64_t keep = 0, freed = 0;
	unsigned entries = 0;
	char size[16];
	int c, r;

	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'k':
			if (parse_size(optarg, &keep) < 0)
				return cli_usage_error(cli, err, "invalid --keep-storage '%s'",
						       optarg);
			break;
		case 'f':
			force = true;
			break;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (optind != argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	/* Docker's texts (cli/command/builder/prune.go), on one line */
	if (!force && !cli_confirm(all ? "WARNING! This will remove all build cache. Are you sure "
					 "you want to continue?"
				       : "WARNING! This will remove all dangling build cache. Are "
					 "you sure you want to continue?"))
		return 0;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	r = berth_builder_prune(cli->store, all, keep, &freed, &entries, err);
	if (r < 0)
		return r;
	printf("Deleted build cache objects: %u\n", entries);
	/* units.HumanSize, as every prune: four digits */
	printf("Total reclaimed space: %s\n", berth_format_size_prec(freed, 4, size));
	return 0;
}
