/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/prune.h"
#include "core/alloc.h"
#include "core/cleanup.h"

static const struct berth_command commands[] = {
	/* images (issue #2) */
	{"images", cmd_images, "List images"},
	{"image ls", cmd_images, "List images"},
	{"image list", cmd_images, NULL},
	{"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
	{"image tag", cmd_tag, NULL},
	{"rmi", cmd_rmi, "Remove one or more images"},
	{"image rm", cmd_rmi, NULL},
	{"inspect", cmd_inspect, "Return low-level information on containers, images and volumes"},
	{"image inspect", cmd_inspect, NULL},
	{"history", cmd_history, "Show the history of an image"},
	{"image history", cmd_history, NULL},
	{"save", cmd_save, "Save one or more images to a tar archive"},
	{"image save", cmd_save, NULL},
	{"load", cmd_load, "Load an image from a tar archive or STDIN"},
	{"image load", cmd_load, NULL},
	{"import", cmd_import, "Import the contents from a tarball to create an image"},
	{"image import", cmd_import, NULL},
	{"image prune", cmd_image_prune, "Remove unused images"},
	{"system df", cmd_system_df, "Show disk usage"},
	{"system check", cmd_system_check, "Verify every blob and reference of the store"},
	{"system prune", cmd_system_prune, "Remove unused data"},
	/* layers (issue #3) */
	{"image mount", cmd_image_mount, "Mount an image's root filesystem read-only"},
	{"image umount", cmd_image_umount, "Unmount an image mounted by 'image mount'"},
	/* Dockerfile front end (issue #4) */
	{"dockerfile dump", cmd_dockerfile_dump, "Print the parsed Dockerfile (BuildKit's format)"},
	/* runtime (issue #5) */
	{"run", cmd_run, "Create and run a new container from an image"},
	{"container run", cmd_run, NULL},
	{"ps", cmd_ps, "List containers"},
	{"container ls", cmd_ps, NULL},
	{"logs", cmd_logs, "Fetch the logs of a container"},
	{"stop", cmd_stop, "Stop one or more running containers"},
	{"kill", cmd_kill, "Kill one or more running containers"},
	{"wait", cmd_wait, "Block until containers stop, then print their exit codes"},
	{"rm", cmd_rm, "Remove one or more containers"},
	{"container rm", cmd_rm, NULL},
	{"start", cmd_start, "Start one or more stopped containers"},
	{"restart", cmd_restart, "Restart one or more containers"},
	{"exec", cmd_exec, "Execute a command in a running container"},
	{"container inspect", cmd_container_inspect, NULL},
	{"container prune", cmd_container_prune, "Remove all stopped containers"},
	{"volume", cmd_volume, "Manage volumes"},
	/* builder (issue #6) */
	{"build", cmd_build, "Build an image from a Dockerfile"},
	{"image build", cmd_build, NULL},
	{"builder prune", cmd_builder_prune, "Remove build cache"},
	/* registry (issue #7) */
	{"pull", cmd_pull, "Download an image from a registry"},
	{"image pull", cmd_pull, NULL},
	{"push", cmd_push, "Upload an image to a registry"},
	{"image push", cmd_push, NULL},
	{"login", cmd_login, "Log in to a registry"},
	{"logout", cmd_logout, "Log out from a registry"},
	/* lint and analyze (issue #8) */
	{"lint", cmd_lint, "Check a Dockerfile against the image guidelines"},
	{"analyze", cmd_analyze, "Show wasted bytes and efficiency of an image's layers"},
};

static void usage(FILE *out)
{
	fputs("Usage: berth [OPTIONS] COMMAND\n\n"
	      "A daemonless, Docker-compatible container engine\n\n"
	      "Options:\n"
	      "      --root DIR         store root (default /var/lib/berth for root,\n"
	      "                         $XDG_DATA_HOME/berth otherwise; env BERTH_ROOT)\n"
	      "      --log-level LEVEL  error, warn, info or debug (default warn)\n"
	      "  -D, --debug            same as --log-level debug\n"
	      "  -v, --version          print the version and exit\n"
	      "  -h, --help             print this help and exit\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (commands[i].summary)
			fprintf(out, "  %-18s %s\n", commands[i].name, commands[i].summary);
	}
	fputs("\nRun 'berth COMMAND --help' for more information on a command.\n", out);
}

static void log_to_stderr(enum berth_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "berth: %s: %s\n", berth_log_level_name(level), msg);
}

static char *default_root(void)
{
	const char *env = getenv("BERTH_ROOT");
	if (env && *env)
		return berth_xstrdup(env);
	if (geteuid() == 0)
		return berth_xstrdup("/var/lib/berth");
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg)
		return berth_xasprintf("%s/berth", xdg);
	const char *home = getenv("HOME");
	return berth_xasprintf("%s/.local/share/berth", home && *home ? home : "/tmp");
}

/* Finds the command named by argv[0] (and argv[1] for two-word commands). */
static const struct berth_command *find_command(int argc, char **argv, int *ret_words)
{
	if (argc >= 2) {
		for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
			const char *sp = strchr(commands[i].name, ' ');
			if (!sp)
				continue;
			size_t n = (size_t)(sp - commands[i].name);
			if (strlen(argv[0]) == n && strncmp(argv[0], commands[i].name, n) == 0 &&
			    strcmp(argv[1], sp + 1) == 0) {
				*ret_words = 2;
				return &commands[i];
			}
		}
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			*ret_words = 1;
			return &commands[i];
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'}, {"log-level", required_argument, NULL, 'l'},
		{"debug", no_argument, NULL, 'D'},	{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},	{0},
	};
	_cleanup_free_ char *root = NULL;
	struct berth_cli cli = {.log_level = BERTH_LOG_WARN};
	_cleanup_error_ struct berth_error *err = NULL;
	int c;

	/* "+" stops at the command: its flags are its own */
	while ((c = getopt_long(argc, argv, "+Dvh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			free(root);
			root = berth_xstrdup(optarg);
			break;
		case 'l':
			if (berth_log_level_parse(optarg, &cli.log_level) < 0) {
				fprintf(stderr, "berth: invalid log level '%s'\n", optarg);
				return 1;
			}
			break;
		case 'D':
			cli.log_level = BERTH_LOG_DEBUG;
			break;
		case 'v':
			printf("berth version %s\n", BERTH_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (!root)
		root = default_root();
	cli.root = root;
	berth_log_set_level(cli.log_level);
	berth_log_set_sink(log_to_stderr, NULL);

	int words = 0;
	const struct berth_command *cmd = find_command(argc - optind, argv + optind, &words);
	if (!cmd) {
		fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n",
			argv[optind]);
		return 1;
	}
	cli.cmd = cmd->name;
	/* the command sees its own name as argv[0], as getopt expects */
	int cargc = argc - optind - words + 1;
	char **cargv = argv + optind + words - 1;
	optind = 0; /* glibc: full getopt re-initialisation for the command */
	int r = cmd->fn(&cli, cargc, cargv, &err);
	fflush(stdout);
	if (r >= 0)
		return r;
	fprintf(stderr, "berth: %s\n", err ? err->msg : strerror(-r));
	return berth_error_is_user(-r) ? 1 : 125;
}
