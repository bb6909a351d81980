/* SPDX-License-Identifier: Apache-2.0 */
/* berth pod create|ls|inspect|start|stop|rm|ps|prune, as podman's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "berth/inspect.h"
#include "berth/net-opts.h"
#include "berth/prune.h"
#include "berth/ps.h"
#include "container/container.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static const char create_usage[] =
	"Usage:  berth pod create [OPTIONS] [NAME]\n\n"
	"Create a new empty pod (its infra container runs berth's own init)\n\n"
	"Options:\n"
	"      --hostname string   Set the pod's hostname (default: its name)\n"
	"  -l, --label list        Set metadata on the pod\n"
	"  -n, --name string       Assign a name to the pod\n"
	"      --network string    bridge (default), host, none or a network of\n"
	"                          `berth network create`\n"
	"  -p, --publish list      Publish a container's port(s) to the host\n";

enum {
	OPT_HOSTNAME = 256,
	OPT_NETWORK,
	OPT_FORMAT,
	OPT_NO_TRUNC,
};

int cmd_pod_create(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"hostname", required_argument, NULL, OPT_HOSTNAME},
		{"label", required_argument, NULL, 'l'},
		{"name", required_argument, NULL, 'n'},
		{"network", required_argument, NULL, OPT_NETWORK},
		{"publish", required_argument, NULL, 'p'},
		{0},
	};
	static const char *const unsupported[] = {"--add-host",
						  "--cgroup-parent",
						  "--cpus",
						  "--device",
						  "--dns",
						  "--dns-option",
						  "--dns-search",
						  "--exit-policy",
						  "--gidmap",
						  "--infra",
						  "--infra-command",
						  "--infra-image",
						  "--infra-name",
						  "--ip",
						  "--label-file",
						  "--mac-address",
						  "--memory",
						  "-m",
						  "--network-alias",
						  "--no-hosts",
						  "--pid",
						  "--pod-id-file",
						  "--replace",
						  "--security-opt",
						  "--share",
						  "--shm-size",
						  "--sysctl",
						  "--uidmap",
						  "--userns",
						  "-v",
						  "--volume",
						  "--volumes-from",
						  NULL};
	struct cli_flags f = {.usage = create_usage,
			      .shortopts = "l:n:p:",
			      .longopts = opts,
			      .unsupported = unsupported};
	struct berth_pod_create_options o = {0};
	_cleanup_(net_opts_release) struct net_opts net = {0};
	_cleanup_strv_free_ char **labels = NULL;
	int c, r = 0;
	while (r >= 0 && (c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case OPT_HOSTNAME:
			o.hostname = optarg;
			break;
		case 'l':
			berth_strv_push(&labels, optarg);
			break;
		case 'n':
			o.name = optarg;
			break;
		case OPT_NETWORK:
			o.network = optarg;
			break;
		case 'p':
			r = net_opts_publish(&net, optarg, err);
			break;
		}
	}
	if (r < 0)
		return r;
	if (c < 0 || f.help)
		return c;
	if (argc - optind > 1)
		return cli_usage_error(cli, err, "accepts at most 1 argument");
	if (optind < argc && o.name)
		return cli_usage_error(cli, err, "cannot give both --name and a NAME");
	if (optind < argc)
		o.name = argv[optind];
	o.labels = labels;
	o.ports = net.ports;
	o.n_ports = net.n_ports;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *id = NULL;
	r = berth_pod_create(cli->store, &o, &id, err);
	if (r < 0)
		return r;
	printf("%s\n", id);
	return 0;
}

/* One row of `pod ls`, with podman's field names. */
static json_t *pod_row(const json_t *p, bool trunc)
{
	char created[64];
	cli_human_since(created, sizeof(created), str(p, "Created"));
	int w = trunc ? 12 : 64;
	char id[65], infra[65];
	snprintf(id, sizeof(id), "%.*s", w, str(p, "Id"));
	snprintf(infra, sizeof(infra), "%.*s", w, str(p, "InfraContainerID"));
	json_t *nets = json_object_get(json_object_get(p, "InfraConfig"), "Networks");
	_cleanup_buf_ struct berth_buf networks = BERTH_BUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach (nets, i, v)
		berth_buf_addf(&networks, "%s%s", i ? "," : "", json_string_value(v));
	json_t *labels = json_object_get(p, "Labels");
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:O}", "ID", id, "Name",
			 str(p, "Name"), "Status", str(p, "State"), "Created", created, "InfraID",
			 infra, "NumberOfContainers",
			 (json_int_t)json_integer_value(json_object_get(p, "NumContainers")),
			 "Networks", networks.buf, "Labels", labels ? labels : json_null());
}

/* A list's format: its table, "{{.ID}}" with -q, or --format's. */
static const char *list_format(const char *table, bool quiet, const char *format)
{
	if (quiet)
		return "{{.ID}}";
	if (format && *format && strcmp(format, "table") != 0)
		return format;
	return table;
}

/* The pods as `pod ls` prints them. */
static int pod_ls_print(struct berth_cli *cli, const char *format, bool quiet, bool no_trunc,
			struct berth_error **err)
{
	_cleanup_json_ json_t *pods = NULL;
	int r = berth_pod_list(cli->store, &pods, err);
	if (r < 0)
		return r;
	/* podman's default table (cmd/podman/pods/ps.go) */
	const char *table = "table {{.ID}}\\t{{.Name}}\\t{{.Status}}\\t{{.Created}}\\t"
			    "{{.InfraID}}\\t{{.NumberOfContainers}}";
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	r = cli_format_init(&fmt, list_format(table, quiet, format), err);
	size_t i;
	json_t *p;
	json_array_foreach (pods, i, p) {
		if (r < 0)
			return r;
		_cleanup_json_ json_t *row = pod_row(p, !no_trunc);
		r = cli_format_row(&fmt, row, err);
	}
	if (r < 0)
		return r;
	_cleanup_json_ json_t *titles =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "POD ID", "Name",
			  "NAME", "Status", "STATUS", "Created", "CREATED", "InfraID", "INFRA ID",
			  "NumberOfContainers", "# OF CONTAINERS", "Networks", "NETWORKS", "Labels",
			  "LABELS");
	r = cli_format_flush(&fmt, titles, err);
	return r < 0 ? r : 0;
}

static const char ls_usage[] =
	"Usage:  berth pod ls [OPTIONS]\n\n"
	"List pods\n\n"
	"Options:\n"
	"      --format string   Format output: table (default), json or a Go template\n"
	"      --no-trunc        Do not truncate the output\n"
	"  -q, --quiet           Only display pod IDs\n";

static int pod_containers_print(struct berth_cli *cli, const char *pod, const char *format,
				bool quiet, bool no_trunc, struct berth_error **err);

/* pod ls, and pod ps [POD]: max_operands 0 or 1. */
static int pod_list_cmd(struct berth_cli *cli, const char *usage, int max_operands, int argc,
			char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, OPT_FORMAT},
		{"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	static const char *const unsupported[] = {
		"--ctr-ids", "--ctr-names", "--ctr-status", "-f",     "--filter", "--latest",
		"-l",	     "--namespace", "--ns",	    "--sort", NULL};
	struct cli_flags f = {
		.usage = usage, .shortopts = "q", .longopts = opts, .unsupported = unsupported};
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'q')
			quiet = true;
		else if (c == OPT_NO_TRUNC)
			no_trunc = true;
		else
			format = optarg;
	}
	if (c < 0 || f.help)
		return c;
	if (argc - optind > max_operands)
		return max_operands ? cli_usage_error(cli, err, "accepts at most 1 argument")
				    : cli_usage_error(cli, err, "accepts no arguments");
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	/* podman's `pod ps` is `pod ls`; with a POD, berth's lists its containers */
	if (optind == argc)
		return pod_ls_print(cli, format, quiet, no_trunc, err);
	return pod_containers_print(cli, argv[optind], format, quiet, no_trunc, err);
}

int cmd_pod_ls(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return pod_list_cmd(cli, ls_usage, 0, argc, argv, err);
}

static const char inspect_usage[] =
	"Usage:  berth pod inspect [OPTIONS] POD [POD...]\n\n"
	"Display detailed information on one or more pods\n\n"
	"Options:\n"
	"  -f, --format string   Format output: json (default) or a Go template\n";

int cmd_pod_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const char *const unsupported[] = {"-l", "--latest", NULL};
	return cli_inspect_command(cli, inspect_usage, "pod", unsupported, argc, argv, err);
}

static int do_start(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	(void)ctx;
	return berth_pod_start(cli->store, what, err);
}

static const char start_usage[] = "Usage:  berth pod start POD [POD...]\n\n"
				  "Start one or more pods (the infra first)\n";

int cmd_pod_start(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool help = false;
	static const char *const unsupported[] = {"-a", "--all", "-l", "--latest", NULL};
	int r = cli_no_flags(cli, start_usage, unsupported, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return cli_for_each(cli, optind, argc, argv, do_start, NULL, err);
}

static int do_stop(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	return berth_pod_stop(cli->store, what, *(int *)ctx, err);
}

static const char stop_usage[] =
	"Usage:  berth pod stop [OPTIONS] POD [POD...]\n\n"
	"Stop one or more pods (the infra last)\n\n"
	"Options:\n"
	"  -t, --time int   Seconds to wait before killing each container\n"
	"                   (default 10)\n";

int cmd_pod_stop(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"time", required_argument, NULL, 't'},
		{0},
	};
	static const char *const unsupported[] = {"-a", "--all", "-l", "--latest", NULL};
	struct cli_flags f = {.usage = stop_usage,
			      .shortopts = "t:",
			      .longopts = opts,
			      .unsupported = unsupported};
	int timeout = 10, c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		char *end = NULL;
		long t = strtol(optarg, &end, 10);
		if (!*optarg || *end || t < 0 || t > 86400)
			return cli_usage_error(cli, err, "invalid argument '%s' for '--time'",
					       optarg);
		timeout = (int)t;
	}
	if (c < 0 || f.help)
		return c;
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return cli_for_each(cli, optind, argc, argv, do_stop, &timeout, err);
}

static int do_rm(struct berth_cli *cli, const char *what, void *ctx, struct berth_error **err)
{
	return berth_pod_remove(cli->store, what, *(bool *)ctx, err);
}

static const char rm_usage[] = "Usage:  berth pod rm [OPTIONS] POD [POD...]\n\n"
			       "Remove one or more pods with their containers\n\n"
			       "Options:\n"
			       "  -f, --force   Stop and remove running pods\n";

int cmd_pod_rm(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{0},
	};
	static const char *const unsupported[] = {
		"-a",	    "--all",	     "-i", "--ignore", "-l",
		"--latest", "--pod-id-file", "-t", "--time",   NULL};
	struct cli_flags f = {
		.usage = rm_usage, .shortopts = "f", .longopts = opts, .unsupported = unsupported};
	bool force = false;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0)
		force = true;
	if (c < 0 || f.help)
		return c;
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return cli_for_each(cli, optind, argc, argv, do_rm, &force, err);
}

static const char ps_usage[] =
	"Usage:  berth pod ps [OPTIONS] [POD]\n\n"
	"Without POD, list pods (as `pod ls`); with POD, list the pod's containers,\n"
	"the infra first\n\n"
	"Options:\n"
	"      --format string   Format output: table (default), json or a Go template\n"
	"      --no-trunc        Do not truncate the output\n"
	"  -q, --quiet           Only display IDs\n";

/* `pod ps POD`: the pod's containers as `ps -a` shows them. */
static int pod_containers_print(struct berth_cli *cli, const char *pod, const char *format,
				bool quiet, bool no_trunc, struct berth_error **err)
{
	_cleanup_strv_free_ char **ids = NULL;
	int r = berth_pod_containers(cli->store, pod, &ids, err);
	if (r < 0)
		return r;
	const char *table = "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t"
			    "{{.Status}}\\t{{.Names}}";
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	r = cli_format_init(&fmt, list_format(table, quiet, format), err);
	BERTH_STRV_FOREACH (id, ids) {
		_cleanup_json_ json_t *st = NULL;
		if (r < 0)
			return r;
		if (berth_container_inspect(cli->store, *id, &st, NULL) < 0)
			continue;
		_cleanup_json_ json_t *row = ps_row(st, !no_trunc, NULL);
		r = cli_format_row(&fmt, row, err);
	}
	if (r < 0)
		return r;
	_cleanup_json_ json_t *titles = ps_titles();
	r = cli_format_flush(&fmt, titles, err);
	return r < 0 ? r : 0;
}

int cmd_pod_ps(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return pod_list_cmd(cli, ps_usage, 1, argc, argv, err);
}

static const char prune_usage[] = "Usage:  berth pod prune [OPTIONS]\n\n"
				  "Remove all stopped pods and their containers\n\n"
				  "Options:\n"
				  "  -f, --force   Do not prompt for confirmation\n";

static const char *pod_prune_warning(bool all)
{
	(void)all;
	return "WARNING! This will remove all stopped/exited pods.\n"
	       "Are you sure you want to continue?";
}

int cmd_pod_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	bool all;
	int r = cli_prune_flags(cli, prune_usage, false, pod_prune_warning, argc, argv, &all, err);
	if (r != 0)
		return r < 0 ? r : 0;
	r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **removed = NULL;
	r = berth_pod_prune(cli->store, &removed, err);
	if (r < 0)
		return r;
	/* podman prints the ids of the pods it removed, one a line */
	BERTH_STRV_FOREACH (id, removed)
		printf("%s\n", *id);
	return 0;
}
