/* SPDX-License-Identifier: Apache-2.0 */
/* berth kube generate | play */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/progress.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "kube/kube.h"
#include "registry/registry.h"

static const char generate_usage[] =
	"Usage:  berth kube generate [OPTIONS] CONTAINER [CONTAINER...]\n"
	"        berth kube generate [OPTIONS] POD\n"
	"        berth kube generate [OPTIONS] --compose-project NAME\n"
	"\n"
	"Generate Kubernetes YAML (a Pod or a Deployment) from containers or a pod\n"
	"\n"
	"Options:\n"
	"      --compose-project string   Every container of this Compose project\n"
	"  -f, --filename string          Write the YAML to this file, instead of STDOUT\n"
	"  -s, --service                  Also a Service for the published ports\n"
	"  -t, --type string              pod (default) or deployment\n";

/* The YAML to path, atomically: a reader never finds half of it. */
static int write_output(const char *path, const char *yaml, struct berth_error **err)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir =
		!slash ? berth_xstrdup(".")
		       : berth_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open '%s'", dir);
	return berth_write_file_atomic(dfd, slash ? slash + 1 : path, yaml, strlen(yaml), 0644,
				       err);
}

int cmd_kube_generate(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"service", no_argument, NULL, 's'},
		{"filename", required_argument, NULL, 'f'},
		{"compose-project", required_argument, NULL, 'P'},
		{0},
	};
	static const char *const unsupported[] = {"--podman-only", "--replicas", "-r", NULL};
	struct berth_kube_generate_options o = {.kind = BERTH_KUBE_POD};
	const char *output = NULL;
	struct cli_flags f = {.usage = generate_usage,
			      .shortopts = "t:sf:",
			      .longopts = opts,
			      .unsupported = unsupported};
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 't') {
			r = berth_kube_kind_parse(optarg, &o.kind, err);
			if (r < 0)
				return r;
		} else if (c == 's') {
			o.service = true;
		} else if (c == 'f') {
			output = optarg;
		} else {
			o.compose_project = optarg;
		}
	}
	if (c < 0 || f.help)
		return c;
	if (o.compose_project && optind < argc)
		return cli_usage_error(cli, err, "--compose-project takes no CONTAINER or POD");
	if (!o.compose_project && optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	o.containers = argv + optind;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *yaml = NULL;
	_cleanup_strv_free_ char **warnings = NULL;
	r = berth_kube_generate(cli->store, &o, &yaml, &warnings, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (w, warnings)
		fprintf(stderr, "berth: warning: %s\n", *w);
	if (output)
		return write_output(output, yaml, err);
	fputs(yaml, stdout);
	return 0;
}

static const char play_usage[] =
	"Usage:  berth kube play [OPTIONS] FILE [FILE...]\n"
	"\n"
	"Run the Pods and Deployments of Kubernetes YAML (with their ConfigMaps,\n"
	"Secrets, PersistentVolumeClaims and Services)\n"
	"\n"
	"Options:\n"
	"      --build            Build an image whose name is a directory beside the YAML\n"
	"      --down             Remove what the files made (PersistentVolumeClaims kept)\n"
	"      --replace          Remove what the files made first, then run them\n"
	"      --start            Start the pods (default true)\n";

static int pull_image(const char *image, void *userdata, struct berth_error **err)
{
	struct berth_store *store = userdata;
	struct berth_digest d;
	struct berth_progress *p = cli_progress_new(stderr, CLI_PROGRESS_AUTO);
	int r = berth_registry_pull(store, image, NULL, p, &d, err);
	berth_progress_free(p);
	return r;
}

int cmd_kube_play(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"down", no_argument, NULL, 'd'},
		{"replace", no_argument, NULL, 'r'},
		{"start", optional_argument, NULL, 's'},
		{"build", no_argument, NULL, 'b'},
		{0},
	};
	static const char *const unsupported[] = {
		"--build", "--configmap", "--network", "--publish", "--userns", "--wait", NULL};
	struct berth_kube_play_options o = {.start = true};
	struct cli_flags f = {
		.usage = play_usage, .shortopts = "", .longopts = opts, .unsupported = unsupported};
	int c, r;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'd') {
			o.down = true;
		} else if (c == 'r') {
			o.replace = true;
		} else if (c == 'b') {
			o.build = true;
		} else if (!optarg || strcmp(optarg, "true") == 0) {
			o.start = true;
		} else if (strcmp(optarg, "false") == 0) {
			o.start = false;
		} else {
			return cli_usage_error(cli, err, "--start: true or false, not \"%s\"",
					       optarg);
		}
	}
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	if (o.down && o.replace)
		return cli_usage_error(cli, err, "--down and --replace cannot be used together");
	o.files = argv + optind;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	o.pull = pull_image;
	o.userdata = cli->store;
	_cleanup_strv_free_ char **pods = NULL;
	r = berth_kube_play(cli->store, &o, &pods, err);
	if (r < 0)
		return r;
	if (pods)
		puts("Pods:");
	BERTH_STRV_FOREACH (p, pods)
		puts(*p);
	return 0;
}
