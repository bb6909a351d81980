/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/cmd-oci.h"
#include "berth/prune.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/lazylib.h"
#include "registry/registry.h"
#include "store/store.h"

static const struct berth_command commands[] = {
	/* images */
	{"images", cmd_images, "List images"},
	{"image ls", cmd_images, "List images"},
	{"image list", cmd_images, NULL},
	{"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
	{"image tag", cmd_tag, NULL},
	{"rmi", cmd_rmi, "Remove one or more images"},
	{"image rm", cmd_rmi, NULL},
	{"inspect", cmd_inspect,
	 "Return low-level information on containers, images, networks and volumes"},
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
	{"system service", cmd_system_service, "Serve the Docker Engine API on a socket"},
	{"system info", cmd_info, NULL},
	{"events", cmd_events, "Get real time events from berth's event log"},
	{"system events", cmd_events, NULL},
	{"info", cmd_info, "Display system-wide information"},
	{"version", cmd_version, "Show the berth version information"},
	/* layers */
	{"image mount", cmd_image_mount, "Mount an image's root filesystem read-only"},
	{"image umount", cmd_image_umount, "Unmount an image mounted by 'image mount'"},
	/* Dockerfile front end */
	{"dockerfile dump", cmd_dockerfile_dump, "Print the parsed Dockerfile (BuildKit's format)"},
	/* runtime */
	{"run", cmd_run, "Create and run a new container from an image"},
	{"container run", cmd_run, NULL},
	{"create", cmd_create, "Create a new container"},
	{"container create", cmd_create, NULL},
	{"ps", cmd_ps, "List containers"},
	{"container ls", cmd_ps, NULL},
	{"container list", cmd_ps, NULL},
	{"logs", cmd_logs, "Fetch the logs of a container"},
	{"container logs", cmd_logs, NULL},
	{"stop", cmd_stop, "Stop one or more running containers"},
	{"container stop", cmd_stop, NULL},
	{"kill", cmd_kill, "Kill one or more running containers"},
	{"container kill", cmd_kill, NULL},
	{"wait", cmd_wait, "Block until containers stop, then print their exit codes"},
	{"container wait", cmd_wait, NULL},
	{"rm", cmd_rm, "Remove one or more containers"},
	{"container rm", cmd_rm, NULL},
	{"start", cmd_start, "Start one or more stopped containers"},
	{"container start", cmd_start, NULL},
	{"restart", cmd_restart, "Restart one or more containers"},
	{"container restart", cmd_restart, NULL},
	{"exec", cmd_exec, "Execute a command in a running container"},
	{"container exec", cmd_exec, NULL},
	{"container inspect", cmd_container_inspect, "Display detailed information on containers"},
	{"pause", cmd_pause, "Pause all processes within one or more containers"},
	{"container pause", cmd_pause, NULL},
	{"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
	{"container unpause", cmd_unpause, NULL},
	{"rename", cmd_rename, "Rename a container"},
	{"container rename", cmd_rename, NULL},
	{"update", cmd_update, "Update configuration of one or more containers"},
	{"container update", cmd_update, NULL},
	{"top", cmd_top, "Display the running processes of a container"},
	{"container top", cmd_top, NULL},
	{"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
	{"container stats", cmd_stats, NULL},
	{"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
	{"container diff", cmd_diff, NULL},
	{"export", cmd_export, "Export a container's filesystem as a tar archive"},
	{"container export", cmd_export, NULL},
	{"attach", cmd_attach,
	 "Attach local standard input, output, and error streams to a running container"},
	{"container attach", cmd_attach, NULL},
	{"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
	{"container cp", cmd_cp, NULL},
	{"commit", cmd_commit, "Create a new image from a container's changes"},
	{"container commit", cmd_commit, NULL},
	{"network create", cmd_network_create, "Create a network"},
	{"network ls", cmd_network_ls, "List networks"},
	{"network list", cmd_network_ls, NULL},
	{"network inspect", cmd_network_inspect, "Display detailed information on networks"},
	{"network rm", cmd_network_rm, "Remove one or more networks"},
	{"network remove", cmd_network_rm, NULL},
	{"network prune", cmd_network_prune, "Remove all unused networks"},
	{"network connect", cmd_network_connect, "Connect a container to a network"},
	{"network disconnect", cmd_network_disconnect, "Disconnect a container from a network"},
	{"pod create", cmd_pod_create, "Create a new empty pod"},
	{"pod ls", cmd_pod_ls, "List pods"},
	{"pod list", cmd_pod_ls, NULL},
	{"pod ps", cmd_pod_ps, "List pods, or the containers of a pod"},
	{"pod inspect", cmd_pod_inspect, "Display detailed information on pods"},
	{"pod start", cmd_pod_start, "Start one or more pods"},
	{"pod stop", cmd_pod_stop, "Stop one or more pods"},
	{"pod rm", cmd_pod_rm, "Remove one or more pods and their containers"},
	{"pod prune", cmd_pod_prune, "Remove all stopped pods"},
	{"port", cmd_port, "List port mappings or a specific mapping for the container"},
	{"container port", cmd_port, NULL},
	{"volume create", cmd_volume_create, "Create a volume"},
	{"volume ls", cmd_volume_ls, "List volumes"},
	{"volume list", cmd_volume_ls, NULL},
	{"volume inspect", cmd_volume_inspect, "Display detailed information on volumes"},
	{"volume rm", cmd_volume_rm, "Remove one or more volumes"},
	{"volume remove", cmd_volume_rm, NULL},
	{"volume prune", cmd_volume_prune, "Remove volumes no container uses"},
	{"container prune", cmd_container_prune, "Remove all stopped containers"},
	/* kube */
	{"kube generate", cmd_kube_generate, "Generate Kubernetes YAML from containers"},
	{"kube play", cmd_kube_play, "Run Kubernetes YAML (not supported yet)"},
	/* builder */
	{"build", cmd_build, "Build an image from a Dockerfile"},
	{"image build", cmd_build, NULL},
	{"builder prune", cmd_builder_prune, "Remove build cache"},
	/* registry */
	{"pull", cmd_pull, "Download an image from a registry"},
	{"image pull", cmd_pull, NULL},
	{"push", cmd_push, "Upload an image to a registry"},
	{"image push", cmd_push, NULL},
	{"login", cmd_login, "Log in to a registry"},
	{"logout", cmd_logout, "Log out from a registry"},
	/* lint and analyze */
	{"lint", cmd_lint, "Check a Dockerfile against the image guidelines"},
	{"analyze", cmd_analyze, "Show wasted bytes and efficiency of an image's layers"},
	{"sbom", cmd_sbom, "List the packages of an image (table, SPDX, CycloneDX)"},
	{"scan", cmd_scan, "List the known vulnerabilities of an image, offline"},
	/* the OCI runtime command line (also as berth-runc) */
	{"oci", cmd_oci, "Run OCI bundles with runc's command line (berth-runc)"},
	/* compose */
	{"compose", cmd_compose, "Define and run multi-container applications"},
};

/* The management commands: the first word of the two-word commands above. */
static const struct {
	const char *name, *summary;
} groups[] = {
	{"builder", "Manage builds"},
	{"container", "Manage containers"},
	{"dockerfile", "Parse Dockerfiles"},
	{"image", "Manage images"},
	{"system", "Manage berth's store"},
	{"volume", "Manage volumes"},
	{"network", "Manage networks"},
	{"kube", "Generate Kubernetes YAML"},
	{"pod", "Manage pods"},
};

/* The summary of cmd, or of the command it is an alias of (same function). */
static const char *summary_of(const struct berth_command *cmd)
{
	for (size_t i = 0; !cmd->summary && i < ELEMENTSOF(commands); i++)
		if (commands[i].fn == cmd->fn && commands[i].summary)
			return commands[i].summary;
	return cmd->summary ? cmd->summary : "";
}

/* Is word the group of the two-word command name ("image" of "image ls")? */
static bool in_group(const char *name, const char *word)
{
	size_t n = strlen(word);
	return strncmp(name, word, n) == 0 && name[n] == ' ';
}

static int group_index(const char *word)
{
	for (size_t i = 0; i < ELEMENTSOF(groups); i++)
		if (strcmp(groups[i].name, word) == 0)
			return (int)i;
	return -1;
}

/* `berth GROUP --help`: every subcommand, aliases too, as Docker lists them. */
static void group_usage(FILE *out, int g)
{
	fprintf(out, "Usage:  berth %s COMMAND\n\n%s\n\nCommands:\n", groups[g].name,
		groups[g].summary);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (in_group(commands[i].name, groups[g].name))
			fprintf(out, "  %-10s %s\n", commands[i].name + strlen(groups[g].name) + 1,
				summary_of(&commands[i]));
	fprintf(out, "\nRun 'berth %s COMMAND --help' for more information on a command.\n",
		groups[g].name);
}

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
	      "Management Commands:\n",
	      out);
	for (size_t i = 0; i < ELEMENTSOF(groups); i++)
		fprintf(out, "  %-18s %s\n", groups[i].name, groups[i].summary);
	fputs("\nCommands:\n", out);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (commands[i].summary && !strchr(commands[i].name, ' '))
			fprintf(out, "  %-18s %s\n", commands[i].name, commands[i].summary);
	}
	fputs("\nRun 'berth COMMAND --help' for more information on a command.\n", out);
}

static void log_to_stderr(enum berth_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "berth: %s: %s\n", berth_log_level_name(level), msg);
}

/* A lazily loaded library (core/lazylib.h) that cannot be loaded when one of
 * its functions is first called: one line and 127, as the dynamic loader
 * does at start for a missing library. */
static void lib_unavailable(const struct berth_error *e)
{
	fflush(stdout);
	fprintf(stderr, "berth: %s\n", berth_error_msg(e));
	_exit(127);
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

/*
 * argv[0] (and argv[1]) named no command: a group alone or with --help
 * prints its subcommands, anything else is one error line.
 */
static int no_such_command(int argc, char **argv)
{
	int g = group_index(argv[0]);
	if (g >= 0 && argc == 1) {
		group_usage(stderr, g);
		return 1;
	}
	if (g >= 0 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		group_usage(stdout, g);
		return 0;
	}
	if (g >= 0)
		fprintf(stderr, "berth: '%s %s' is not a berth command (see 'berth %s --help')\n",
			argv[0], argv[1], argv[0]);
	else
		fprintf(stderr, "berth: '%s' is not a berth command (see 'berth --help')\n",
			argv[0]);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"log-level", required_argument, NULL, 'l'},
		{"debug", no_argument, NULL, 'D'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	_cleanup_free_ char *root = NULL;
	struct berth_cli cli = {.log_level = BERTH_LOG_WARN};
	_cleanup_error_ struct berth_error *err = NULL;
	int c;

	/* invoked through the berth-runc link: runc's command line */
	const char *prog = strrchr(argv[0], '/');
	if (strcmp(prog ? prog + 1 : argv[0], "berth-runc") == 0) {
		berth_lib_set_unavailable_handler(lib_unavailable);
		return berth_runc_main(argc, argv);
	}

	/* "+" stops at the command: its flags are its own. The usage is printed
	 * below when --help was given, not written out at every start. */
	struct cli_flags f = {.usage = "", .shortopts = "+Dv", .longopts = opts};
	while ((c = cli_flag_next(&cli, &f, argc, argv, &err)) > 0) {
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
		}
	}
	if (c < 0) {
		fprintf(stderr, "berth: %s\n", err->msg);
		return 1;
	}
	if (f.help) {
		usage(stdout);
		return 0;
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
	berth_lib_set_unavailable_handler(lib_unavailable);
	struct berth_registry_settings registry = {0};
	cli_registry_env(&registry);
	berth_registry_configure(&registry);
	/* the library reads no environment: the switch of `make check`'s second
	 * e2e run (and of hosts that refuse openat2) is passed down from here */
	const char *no_openat2 = getenv("BERTH_NO_OPENAT2");
	if (no_openat2 && *no_openat2 && strcmp(no_openat2, "0") != 0) {
		berth_fs_force_fallback(true);
		berth_debug("BERTH_NO_OPENAT2: paths resolve by the component walk, not openat2");
	}

	int words = 0;
	const struct berth_command *cmd = find_command(argc - optind, argv + optind, &words);
	if (!cmd)
		return no_such_command(argc - optind, argv + optind);
	cli.cmd = cmd->name;
	/* the command sees its own name as argv[0], as getopt expects */
	int cargc = argc - optind - words + 1;
	char **cargv = argv + optind + words - 1;
	optind = 0; /* glibc: full getopt re-initialisation for the command */
	int r = cmd->fn(&cli, cargc, cargv, &err);
	berth_store_free(cli.store);
	fflush(stdout);
	if (r >= 0)
		return r;
	fprintf(stderr, "berth: %s\n", err ? err->msg : strerror(-r));
	return berth_error_is_user(-r) ? 1 : 125;
}
