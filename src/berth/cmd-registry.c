/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/progress.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "image/image.h"
#include "registry/registry.h"
#include "store/store.h"

/* Flags every registry command shares, applied through berth_registry_configure(). */
struct registry_flags {
	char **insecure;
	unsigned parallel;
	enum cli_progress_mode progress;
	bool quiet;
};

static void registry_flags_release(struct registry_flags *f)
{
	berth_strv_free(f->insecure);
	f->insecure = NULL;
}

/* A non-empty variable of the environment, or NULL. */
static const char *env_value(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

void cli_registry_env(struct berth_registry_settings *s)
{
	/* computed once: the library borrows them for the life of the process */
	static char *auth_file, *docker_config;
	const char *home = env_value("HOME");
	if (!home)
		home = "/root";
	if (!auth_file) {
		const char *v = env_value("BERTH_CONFIG");
		auth_file =
			v ? berth_xstrdup(v) : berth_xasprintf("%s/.config/berth/auth.json", home);
		v = env_value("DOCKER_CONFIG");
		docker_config = v ? berth_xasprintf("%s/config.json", v)
				  : berth_xasprintf("%s/.docker/config.json", home);
	}
	s->auth_file = auth_file;
	s->docker_config = docker_config;
	s->certs_d = env_value("BERTH_CERTS_D");
	/* tests make small blobs go up in chunks */
	const char *chunk = env_value("BERTH_REGISTRY_CHUNK_SIZE");
	s->chunk_size = chunk ? strtoull(chunk, NULL, 10) : 0;
}

/* BERTH_INSECURE_REGISTRIES="a:5000,b" adds to --insecure-registry. */
static void apply_flags(struct registry_flags *f)
{
	const char *env = getenv("BERTH_INSECURE_REGISTRIES");
	if (env && *env) {
		_cleanup_free_ char *copy = berth_xstrdup(env);
		for (char *p = copy, *save = NULL, *tok; (tok = strtok_r(p, ",", &save)); p = NULL)
			berth_strv_push(&f->insecure, tok);
	}
	struct berth_registry_settings s = {
		.insecure_registries = f->insecure,
		.parallel = f->parallel,
	};
	cli_registry_env(&s);
	berth_registry_configure(&s);
}

enum {
	OPT_INSECURE = 0x100,
	OPT_PLATFORM,
	OPT_PARALLEL,
	OPT_PROGRESS,
	OPT_PASSWORD_STDIN,
	OPT_COMPRESSION_FORMAT,
	OPT_WITH_SBOM,
};

/* Handles a shared flag; false when c is not one of them. */
static bool shared_flag(int c, struct registry_flags *f, struct berth_cli *cli, int *r,
			struct berth_error **err)
{
	switch (c) {
	case OPT_INSECURE:
		berth_strv_push(&f->insecure, optarg);
		return true;
	case OPT_PARALLEL: {
		char *end = NULL;
		long n = strtol(optarg, &end, 10);
		if (!*optarg || *end || n < 1 || n > 64)
			*r = cli_usage_error(cli, err, "invalid --parallel '%s' (1-64)", optarg);
		else
			f->parallel = (unsigned)n;
		return true;
	}
	case OPT_PROGRESS:
		if (cli_progress_mode_parse(optarg, &f->progress) < 0)
			*r = cli_usage_error(cli, err, "invalid --progress '%s'", optarg);
		return true;
	case 'q':
		f->quiet = true;
		return true;
	}
	return false;
}

static const char pull_usage[] =
	"Usage: berth pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
	"Download an image from a registry\n\n"
	"Options:\n"
	"      --platform OS/ARCH[/VARIANT]  pick this platform from a multi-arch image\n"
	"                                    (default: the host's)\n"
	"      --insecure-registry HOST      allow plain HTTP to HOST (repeatable)\n"
	"      --parallel N                  concurrent layer downloads (default 4)\n"
	"      --progress MODE               auto, tty, plain or quiet\n"
	"  -q, --quiet                       print only the image reference\n"
	"      --with-sbom                   also fetch the image's SBOM (its OCI referrers\n"
	"                                    of SPDX or CycloneDX type): berth sbom --stored\n";

int cmd_pull(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"platform", required_argument, NULL, OPT_PLATFORM},
		{"insecure-registry", required_argument, NULL, OPT_INSECURE},
		{"parallel", required_argument, NULL, OPT_PARALLEL},
		{"progress", required_argument, NULL, OPT_PROGRESS},
		{"quiet", no_argument, NULL, 'q'},
		{"with-sbom", no_argument, NULL, OPT_WITH_SBOM},
		{0},
	};
	_cleanup_(registry_flags_release) struct registry_flags f = {.progress = CLI_PROGRESS_AUTO};
	struct berth_registry_pull_options po = {0};
	static const char *const unsupported[] = {"-a", "--all-tags", "--disable-content-trust",
						  NULL};
	struct cli_flags fl = {.usage = pull_usage,
			       .shortopts = "+q",
			       .longopts = opts,
			       .unsupported = unsupported};
	const char *platform = NULL;
	int c, r = 0;
	while ((c = cli_flag_next(cli, &fl, argc, argv, err)) > 0) {
		if (c == OPT_WITH_SBOM)
			po.with_sbom = true;
		else if (!shared_flag(c, &f, cli, &r, err))
			platform = optarg; /* --platform */
		if (r < 0)
			return r;
	}
	if (c < 0 || fl.help)
		return c;
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "requires exactly 1 argument");
	apply_flags(&f);
	struct berth_store *store = NULL;
	r = cli_store_open(cli, &store, err);
	if (r < 0)
		return r;
	struct berth_progress *p =
		cli_progress_new(stderr, f.quiet ? CLI_PROGRESS_QUIET : f.progress);
	struct berth_digest d;
	r = berth_registry_pull_with(store, argv[optind], platform, &po, p, &d, err);
	berth_progress_free(p);
	if (r < 0)
		return r;
	struct berth_image_ref ref;
	if (berth_image_ref_parse(argv[optind], &ref, NULL) < 0)
		return 0;
	/* Docker's last line: the full name, with the tag and the digest asked for */
	char hex[BERTH_DIGEST_STRLEN + 1];
	_cleanup_free_ char *repo = berth_image_ref_repository(&ref);
	_cleanup_free_ char *name =
		berth_xasprintf("%s%s%s%s%s", repo, ref.tag ? ":" : "", ref.tag ? ref.tag : "",
				ref.has_digest ? "@" : "",
				ref.has_digest ? berth_digest_fmt(&ref.digest, hex) : "");
	berth_image_ref_release(&ref);
	if (!f.quiet)
		printf("Digest: %s\n", berth_digest_fmt(&d, hex));
	printf("%s\n", name);
	return 0;
}

static const char push_usage[] =
	"Usage: berth push [OPTIONS] NAME[:TAG] [NEWREF]\n\n"
	"Upload an image to a registry (to NEWREF when given)\n\n"
	"Options:\n"
	"      --compression-format FMT  gzip (default) or zstd: how layers stored\n"
	"                                uncompressed (built ones) are sent\n"
	"      --insecure-registry HOST  allow plain HTTP to HOST (repeatable)\n"
	"      --parallel N              concurrent layer uploads (default 4)\n"
	"      --progress MODE           auto, tty, plain or quiet\n"
	"  -q, --quiet                   print only the pushed digest\n";

/* podman's --compression-format: gzip or zstd (a layer is never pushed uncompressed). */
static int parse_push_compression(struct berth_cli *cli, const char *s, enum berth_compression *ret,
				  struct berth_error **err)
{
	if (strcmp(s, "gzip") == 0)
		*ret = BERTH_COMPRESSION_GZIP;
	else if (strcmp(s, "zstd") == 0)
		*ret = BERTH_COMPRESSION_ZSTD;
	else
		return cli_usage_error(cli, err, "invalid --compression-format '%s' (gzip or zstd)",
				       s);
	return 0;
}

int cmd_push(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"compression-format", required_argument, NULL, OPT_COMPRESSION_FORMAT},
		{"insecure-registry", required_argument, NULL, OPT_INSECURE},
		{"parallel", required_argument, NULL, OPT_PARALLEL},
		{"progress", required_argument, NULL, OPT_PROGRESS},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	_cleanup_(registry_flags_release) struct registry_flags f = {.progress = CLI_PROGRESS_AUTO};
	struct berth_registry_push_options po = {.compression = BERTH_COMPRESSION_GZIP};
	static const char *const unsupported[] = {"-a", "--all-tags", "--disable-content-trust",
						  "--platform", NULL};
	struct cli_flags fl = {.usage = push_usage,
			       .shortopts = "+q",
			       .longopts = opts,
			       .unsupported = unsupported};
	int c, r = 0;
	while ((c = cli_flag_next(cli, &fl, argc, argv, err)) > 0) {
		if (c == OPT_COMPRESSION_FORMAT)
			r = parse_push_compression(cli, optarg, &po.compression, err);
		else
			shared_flag(c, &f, cli, &r, err);
		if (r < 0)
			return r;
	}
	if (c < 0 || fl.help)
		return c;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, err, "requires 1 or 2 arguments");
	apply_flags(&f);
	struct berth_store *store = NULL;
	r = cli_store_open(cli, &store, err);
	if (r < 0)
		return r;
	const char *src = argv[optind];
	const char *dest = argc - optind == 2 ? argv[optind + 1] : NULL;
	struct berth_progress *p =
		cli_progress_new(stderr, f.quiet ? CLI_PROGRESS_QUIET : f.progress);
	struct berth_digest d;
	r = berth_registry_push_with(store, src, dest, &po, p, &d, err);
	berth_progress_free(p);
	if (r < 0)
		return r;
	char hex[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(&d, hex);
	if (f.quiet) {
		printf("%s\n", hex);
		return 0;
	}
	struct berth_image_ref ref;
	if (berth_image_ref_parse(dest ? dest : src, &ref, NULL) < 0)
		return 0;
	printf("%s: digest: %s\n", ref.tag ? ref.tag : "latest", hex);
	berth_image_ref_release(&ref);
	return 0;
}

/*
 * Reads one line from the terminal with echo off, so a password never shows
 * on screen or in a terminal recording.
 */
static int prompt(const char *what, bool echo, char **ret, struct berth_error **err)
{
	_cleanup_close_ int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, EINVAL,
				       "cannot prompt for the %s: no terminal (use "
				       "--password-stdin or -u)",
				       what);
	struct termios old, quiet;
	bool restore = false;
	/* Echo goes off before the prompt shows: whoever answers the prompt at
	 * once must not have the answer flushed or echoed by a later tcsetattr. */
	if (!echo && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		if (tcsetattr(fd, TCSANOW, &quiet) == 0)
			restore = true;
	}
	dprintf(fd, "%s: ", what[0] == 'u' ? "Username" : "Password");
	struct berth_buf b = BERTH_BUF_INIT;
	char ch;
	ssize_t n;
	while ((n = read(fd, &ch, 1)) == 1 && ch != '\n')
		if (ch != '\r')
			berth_buf_addch(&b, ch);
	if (restore)
		tcsetattr(fd, TCSANOW, &old);
	if (n < 0) {
		int e = errno;
		berth_buf_release(&b);
		return berth_error_syscall(err, e, "read the %s", what);
	}
	*ret = berth_buf_detach(&b, NULL);
	return 0;
}

static const char login_usage[] =
	"Usage: berth login [OPTIONS] [SERVER]\n\n"
	"Log in to a registry (docker.io when SERVER is omitted). The credentials\n"
	"go to $BERTH_CONFIG or ~/.config/berth/auth.json (mode 0600), in the\n"
	"format of ~/.docker/config.json, or to its credsStore helper\n\n"
	"Options:\n"
	"  -u, --username USER         username\n"
	"  -p, --password PASS         password (insecure: use --password-stdin)\n"
	"      --password-stdin        read the password from stdin\n"
	"      --insecure-registry HOST  allow plain HTTP to HOST (repeatable)\n";

int cmd_login(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"username", required_argument, NULL, 'u'},
		{"password", required_argument, NULL, 'p'},
		{"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
		{"insecure-registry", required_argument, NULL, OPT_INSECURE},
		{0},
	};
	struct cli_flags fl = {.usage = login_usage, .shortopts = "+u:p:", .longopts = opts};
	_cleanup_(registry_flags_release) struct registry_flags f = {0};
	_cleanup_free_ char *user = NULL, *pass = NULL;
	bool from_stdin = false;
	int c, r = 0;
	while ((c = cli_flag_next(cli, &fl, argc, argv, err)) > 0) {
		switch (c) {
		case 'u':
			free(user);
			user = berth_xstrdup(optarg);
			break;
		case 'p':
			free(pass);
			pass = berth_xstrdup(optarg);
			break;
		case OPT_PASSWORD_STDIN:
			from_stdin = true;
			break;
		case OPT_INSECURE:
			berth_strv_push(&f.insecure, optarg);
			break;
		}
	}
	if (c < 0 || fl.help)
		return c;
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "accepts at most 1 argument");
	if (pass && from_stdin)
		return cli_usage_error(cli, err, "--password and --password-stdin are exclusive");
	if (from_stdin && !user)
		return cli_usage_error(cli, err, "--password-stdin requires --username");
	apply_flags(&f);
	if (pass)
		fputs("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n",
		      stderr);
	if (!user) {
		r = prompt("username", true, &user, err);
		if (r < 0)
			return r;
	}
	if (from_stdin) {
		size_t len = 0;
		r = berth_read_fd(STDIN_FILENO, 4096, &pass, &len, err);
		if (r < 0)
			return berth_error_prefix(err, "read the password from stdin");
		while (len > 0 && (pass[len - 1] == '\n' || pass[len - 1] == '\r'))
			pass[--len] = '\0';
	} else if (!pass) {
		r = prompt("password", false, &pass, err);
		if (r < 0)
			return r;
	}
	const char *server = argc - optind == 1 ? argv[optind] : NULL;
	r = berth_registry_login(server, user, pass, err);
	explicit_bzero(pass, strlen(pass));
	if (r < 0)
		return r;
	puts("Login Succeeded");
	return 0;
}

static const char logout_usage[] = "Usage: berth logout [SERVER]\n\n"
				   "Remove the stored credentials of a registry (docker.io when "
				   "SERVER is omitted)\n";

int cmd_logout(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool help;
	int r = cli_no_flags(cli, logout_usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "accepts at most 1 argument");
	const char *server = optind < argc ? argv[optind] : NULL;
	r = berth_registry_logout(server, err);
	if (r < 0)
		return r;
	printf("Removing login credentials for %s\n",
	       server ? server : "https://index.docker.io/v1/");
	return 0;
}
