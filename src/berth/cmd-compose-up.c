/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The project lifecycle commands of `berth compose`: up, down, ps, ls,
 * start, stop, restart, rm, kill. The work is the library's
 * (compose/up.c, compose/down.c); these parse flags and print.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berth/cmd-compose.h"
#include "berth/format.h"
#include "berth/ps.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/runspec.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

static const char up_usage[] =
	"Usage:  berth compose up [OPTIONS] [SERVICE...]\n\n"
	"Create and start containers\n\n"
	"Options:\n"
	"  -d, --detach           Detached mode: run containers in the background\n"
	"      --build            Build images before starting containers\n"
	"      --no-build         Don't build an image, even if it's missing\n"
	"      --force-recreate   Recreate containers even if their configuration hasn't changed\n"
	"      --no-recreate      If containers already exist, don't recreate them\n"
	"      --no-deps          Don't start linked services\n"
	"      --wait             Wait for services to be running|healthy (implies -d)\n"
	"      --remove-orphans   Remove containers for services not defined in the file\n"
	"Attached (without -d):\n"
	"      --abort-on-container-exit   Stops all containers if any container was stopped\n"
	"      --exit-code-from string     Return the exit code of the selected service\n"
	"                                  container. Implies --abort-on-container-exit\n"
	"      --no-color                  Produce monochrome output\n"
	"      --no-log-prefix             Don't print prefix in logs\n"
	"      --timestamps                Show timestamps\n";

struct up_opts {
	struct berth_compose_up_options o;
	bool detach;
	struct compose_attach attach;
};

enum {
	UP_NO_COLOR = 256,
	UP_NO_PREFIX,
	UP_TIMESTAMPS,
};

static int up_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c, struct berth_error **err)
{
	struct up_opts *u = cmd->opts;
	switch (c) {
	case 'd':
		u->detach = true;
		break;
	case 'B':
		u->o.build = true;
		break;
	case 'N':
		u->o.no_build = true;
		break;
	case 'F':
		u->o.force_recreate = true;
		break;
	case 'R':
		u->o.no_recreate = true;
		break;
	case 'D':
		u->o.no_deps = true;
		break;
	case 'W':
		u->o.wait = u->detach = true;
		break;
	case 'A':
		u->attach.abort_on_exit = true;
		break;
	case 'E':
		u->attach.exit_code_from = optarg;
		u->attach.abort_on_exit = true;
		break;
	case UP_NO_COLOR:
		u->attach.no_color = true;
		break;
	case UP_NO_PREFIX:
		u->attach.no_prefix = true;
		break;
	case UP_TIMESTAMPS:
		u->attach.timestamps = true;
		break;
	default:
		u->o.remove_orphans = true;
	}
	if (u->detach && u->attach.abort_on_exit)
		return cli_usage_error(cli, err, "%s and --detach are incompatible",
				       u->attach.exit_code_from ? "--exit-code-from"
								: "--abort-on-container-exit");
	if (u->o.build && u->o.no_build)
		return cli_usage_error(cli, err, "--build and --no-build are incompatible");
	if (u->o.force_recreate && u->o.no_recreate)
		return cli_usage_error(cli, err,
				       "--force-recreate and --no-recreate are incompatible");
	return 0;
}

int compose_up(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
	       struct berth_error **err)
{
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"build", no_argument, NULL, 'B'},
		{"no-build", no_argument, NULL, 'N'},
		{"force-recreate", no_argument, NULL, 'F'},
		{"no-recreate", no_argument, NULL, 'R'},
		{"no-deps", no_argument, NULL, 'D'},
		{"wait", no_argument, NULL, 'W'},
		{"remove-orphans", no_argument, NULL, 'O'},
		{"abort-on-container-exit", no_argument, NULL, 'A'},
		{"exit-code-from", required_argument, NULL, 'E'},
		{"no-color", no_argument, NULL, UP_NO_COLOR},
		{"no-log-prefix", no_argument, NULL, UP_NO_PREFIX},
		{"timestamps", no_argument, NULL, UP_TIMESTAMPS},
		{0},
	};
	static const char *const unsupported[] = {
		"--always-recreate-deps",
		"--attach",
		"--attach-dependencies",
		"--menu",
		"--no-attach",
		"--no-start",
		"--pull",
		"--quiet-pull",
		"--renew-anon-volumes",
		"-V",
		"--scale",
		"--timeout",
		"-t",
		"--wait-timeout",
		"--watch",
		"-w",
		"-y",
		"--yes",
		NULL,
	};
	struct up_opts u = {.o = {.on_event = compose_print_event}};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = up_usage,
			  .shortopts = "d",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = up_flag,
		.opts = &u,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	u.o.services = cmd.args;
	if (!u.detach)
		return compose_up_attached(cli, cmd.project, &u.o, &u.attach, err);
	return berth_compose_up(cli->store, cmd.project, &u.o, err);
}

static const char down_usage[] =
	"Usage:  berth compose down [OPTIONS]\n\n"
	"Stop and remove containers, networks\n\n"
	"Options:\n"
	"      --remove-orphans   Remove containers for services not defined in the file\n"
	"      --rmi string       Remove images used by services: \"local\" (those without\n"
	"                         a custom tag) or \"all\"\n"
	"  -t, --timeout int      Specify a shutdown timeout in seconds\n"
	"  -v, --volumes          Remove the named volumes declared in the volumes section\n";

static int parse_timeout(struct berth_cli *cli, const char *v, int *ret, struct berth_error **err)
{
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (end == v || *end || n < 0 || n > 86400)
		return cli_usage_error(cli, err, "invalid timeout '%s'", v);
	*ret = (int)n;
	return 0;
}

static int down_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
		     struct berth_error **err)
{
	struct berth_compose_down_options *o = cmd->opts;
	if (c == 'O')
		o->remove_orphans = true;
	else if (c == 'I')
		o->rmi = optarg;
	else if (c == 'v')
		o->volumes = true;
	else
		return parse_timeout(cli, optarg, &o->timeout_s, err);
	return 0;
}

int compose_down(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		 struct berth_error **err)
{
	static const struct option opts[] = {
		{"remove-orphans", no_argument, NULL, 'O'},
		{"rmi", required_argument, NULL, 'I'},
		{"timeout", required_argument, NULL, 't'},
		{"volumes", no_argument, NULL, 'v'},
		{0},
	};
	static const char *const unsupported[] = {"--dry-run", NULL};
	struct berth_compose_down_options o = {.timeout_s = -1, .on_event = compose_print_event};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = down_usage,
			  .shortopts = "t:v",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = down_flag,
		.opts = &o,
		.operands = COMPOSE_OPERANDS_NONE,
		.all_profiles = true,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	return berth_compose_down(cli->store, cmd.project, &o, err);
}

static const char ps_usage[] =
	"Usage:  berth compose ps [OPTIONS] [SERVICE...]\n\n"
	"List containers\n\n"
	"Options:\n"
	"  -a, --all             Show all stopped containers\n"
	"      --format string   Format output: table (default), json or a Go template\n"
	"  -q, --quiet           Only display IDs\n"
	"      --services        Display services\n";

/* docker compose v2's ps table. */
static const char compose_ps_table[] = "table {{.Name}}\\t{{.Image}}\\t{{.Command}}\\t{{.Service}}"
				       "\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}";

static int ps_print_rows(struct berth_store *store, const struct berth_compose_container *cs,
			 size_t n, const char *format, bool trunc, struct berth_error **err)
{
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	int r = cli_format_init(&fmt, format, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *st = NULL;
		if (berth_container_inspect(store, cs[i].id, &st, NULL) < 0)
			continue; /* removed meanwhile */
		_cleanup_json_ json_t *row = ps_row(st, trunc, NULL);
		json_object_set_new(row, "Name", json_string(cs[i].name));
		json_object_set_new(row, "Service", json_string(cs[i].service));
		r = cli_format_row(&fmt, row, err);
		if (r < 0)
			return r;
	}
	_cleanup_json_ json_t *titles = ps_titles();
	json_object_set_new(titles, "Name", json_string("NAME"));
	json_object_set_new(titles, "Service", json_string("SERVICE"));
	json_object_set_new(titles, "RunningFor", json_string("CREATED"));
	return cli_format_flush(&fmt, titles, err);
}

struct ps_opts {
	bool all, quiet, services;
	const char *format;
};

static int ps_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c, struct berth_error **err)
{
	struct ps_opts *o = cmd->opts;
	if (c == 'a')
		o->all = true;
	else if (c == 'q')
		o->quiet = true;
	else if (c == 'S')
		o->services = true;
	else
		o->format = optarg;
	return 0;
}

int compose_ps(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
	       struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"services", no_argument, NULL, 'S'},
		{"format", required_argument, NULL, 'F'},
		{0},
	};
	static const char *const unsupported[] = {"--filter", "--status", "--no-trunc", "--orphans",
						  NULL};
	struct ps_opts o = {0};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = ps_usage,
			  .shortopts = "aq",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = ps_flag,
		.opts = &o,
		.all_profiles = true,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	r = berth_compose_project_containers(cli->store, cmd.project->name, NULL, &cs, &n, err);
	if (r < 0)
		return r;
	/* keep what is shown: running ones (all with -a), of the named services */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool keep =
			(o.all || strcmp(cs[i].state, "running") == 0) &&
			(!cmd.args || berth_strv_contains(cmd.args, cs[i].service)) &&
			(!o.services || k == 0 || strcmp(cs[k - 1].service, cs[i].service) != 0);
		struct berth_compose_container t = cs[k];
		cs[k] = cs[i];
		cs[i] = t;
		k += keep;
	}
	const char *fmt = o.quiet      ? "{{.ID}}"
			  : o.services ? "{{.Service}}"
			  : o.format && *o.format && strcmp(o.format, "table") != 0
				  ? o.format
				  : compose_ps_table;
	r = ps_print_rows(cli->store, cs, k, fmt, !o.quiet, err);
	berth_compose_containers_free(cs, n);
	return r;
}

static const char ls_usage[] = "Usage:  berth compose ls [OPTIONS]\n\n"
			       "List running compose projects\n\n"
			       "Options:\n"
			       "  -a, --all     Show all stopped Compose projects\n"
			       "  -q, --quiet   Only display project names\n";

/* "running(2), exited(1)": each state's count, in the order first seen. */
static void ls_count_state(json_t *project, const char *state)
{
	json_t *states = json_object_get(project, "states");
	json_int_t n = json_integer_value(json_object_get(states, state));
	json_object_set_new(states, state, json_integer(n + 1));
}

static char *ls_status(const json_t *project)
{
	_cleanup_(berth_buf_release) struct berth_buf b = {0};
	const char *k;
	json_t *v;
	json_object_foreach (json_object_get(project, "states"), k, v)
		berth_buf_addf(&b, "%s%s(%lld)", b.len ? ", " : "", k,
			       (long long)json_integer_value(v));
	return berth_buf_detach(&b, NULL);
}

/* Projects by their containers' labels: {name: {"states": {...}, "files": "..."}}. */
static json_t *ls_projects(const json_t *all)
{
	json_t *projects = json_object();
	size_t i;
	json_t *st;
	json_array_foreach (all, i, st) {
		json_t *labels = json_object_get(json_object_get(st, "Config"), "Labels");
		const char *name =
			json_string_value(json_object_get(labels, BERTH_COMPOSE_LABEL_PROJECT));
		if (!name)
			continue;
		json_t *pr = json_object_get(projects, name);
		if (!pr) {
			const char *files = json_string_value(
				json_object_get(labels, BERTH_COMPOSE_LABEL_CONFIG_FILES));
			pr = json_pack("{s:{}, s:s}", "states", "files", files ? files : "");
			json_object_set_new(projects, name, pr);
		}
		const char *state =
			json_string_value(json_object_get(json_object_get(st, "State"), "Status"));
		ls_count_state(pr, state ? state : "unknown");
	}
	return projects;
}

struct ls_opts {
	bool all, quiet;
};

static int ls_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c, struct berth_error **err)
{
	struct ls_opts *o = cmd->opts;
	if (c == 'a')
		o->all = true;
	else
		o->quiet = true;
	return 0;
}

int compose_ls(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
	       struct berth_error **err)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	static const char *const unsupported[] = {"--filter", "--format", NULL};
	struct ls_opts o = {0};
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = ls_usage,
			  .shortopts = "aq",
			  .longopts = opts,
			  .unsupported = unsupported},
		.on_flag = ls_flag,
		.opts = &o,
		.operands = COMPOSE_OPERANDS_NONE,
		.no_project = true,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	_cleanup_json_ json_t *list = NULL;
	r = berth_container_list(cli->store, &list, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *projects = ls_projects(list);
	_cleanup_strv_free_ char **names = NULL;
	const char *k;
	json_t *v;
	json_object_foreach (projects, k, v)
		if (o.all || json_object_get(json_object_get(v, "states"), "running"))
			berth_strv_push(&names, k);
	berth_strv_sort(names);
	if (!o.quiet)
		printf("%-20s%-20s%s\n", "NAME", "STATUS", "CONFIG FILES");
	BERTH_STRV_FOREACH (n, names) {
		json_t *pr = json_object_get(projects, *n);
		_cleanup_free_ char *status = ls_status(pr);
		if (o.quiet)
			printf("%s\n", *n);
		else
			printf("%-20s%-20s%s\n", *n, status,
			       json_string_value(json_object_get(pr, "files")));
	}
	return 0;
}

static const char lifecycle_usage[] =
	"Usage:  berth compose start|stop|restart|kill|rm|pause|unpause [OPTIONS] [SERVICE...]\n\n"
	"start: start the services' stopped containers; stop: stop them; restart: both;\n"
	"kill: signal them; rm: remove the stopped ones; pause, unpause: freeze and thaw\n"
	"the running ones\n\n"
	"Options:\n"
	"  -t, --timeout int     stop, restart: shutdown timeout in seconds\n"
	"  -s, --signal string   kill: the signal (default SIGKILL);\n"
	"      --stop            rm: stop the containers first (rm -s)\n"
	"  -f, --force           rm: don't ask to confirm removal\n"
	"  -v, --volumes         rm: remove anonymous volumes too (always done)\n";

struct lifecycle {
	const char *verb;
	int timeout_s; /* < 0: the service's */
	int sig;
	bool stop_first;
};

static bool is_running(const struct berth_compose_container *c)
{
	return strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0 ||
	       strcmp(c->state, "restarting") == 0;
}

/* One container through verb; the progress line on success. */
static int lifecycle_one(struct berth_cli *cli, const struct berth_compose_project *p,
			 const struct lifecycle *l, const struct berth_compose_container *c,
			 struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	int t = l->timeout_s >= 0 ? l->timeout_s : berth_compose_stop_timeout(p, c->service);
	r = 0;
	const char *done = NULL;
	if (strcmp(l->verb, "start") == 0) {
		if (!is_running(c) && (r = berth_container_start(cli->store, c->id, err)) >= 0)
			done = "Started";
	} else if (strcmp(l->verb, "stop") == 0) {
		if (is_running(c) && (r = berth_container_stop(cli->store, c->id, t, err)) >= 0)
			done = "Stopped";
	} else if (strcmp(l->verb, "restart") == 0) {
		if (is_running(c))
			r = berth_container_stop(cli->store, c->id, t, err);
		if (r >= 0 && (r = berth_container_start(cli->store, c->id, err)) >= 0)
			done = "Restarted";
	} else if (strcmp(l->verb, "pause") == 0) {
		if (strcmp(c->state, "running") == 0 &&
		    (r = berth_container_pause(cli->store, c->id, err)) >= 0)
			done = "Paused";
	} else if (strcmp(l->verb, "unpause") == 0) {
		if (strcmp(c->state, "paused") == 0 &&
		    (r = berth_container_unpause(cli->store, c->id, err)) >= 0)
			done = "Unpaused";
	} else if (strcmp(l->verb, "kill") == 0) {
		if (is_running(c) &&
		    (r = berth_container_kill(cli->store, c->id, l->sig, err)) >= 0)
			done = "Killed";
	} else {
		if (is_running(c) && l->stop_first)
			r = berth_container_stop(cli->store, c->id, t, err);
		else if (is_running(c))
			return 0;
		if (r >= 0 && (r = berth_container_remove(cli->store, c->id, false, err)) >= 0)
			done = "Removed";
	}
	if (done)
		compose_print_event("Container", c->name, done, NULL);
	return r;
}

static int lifecycle_flag(struct berth_cli *cli, struct compose_cmd *cmd, int c,
			  struct berth_error **err)
{
	struct lifecycle *l = cmd->opts;
	bool is_rm = strcmp(l->verb, "rm") == 0, is_kill = strcmp(l->verb, "kill") == 0;
	bool is_freeze = strcmp(l->verb, "pause") == 0 || strcmp(l->verb, "unpause") == 0;
	if (c == 't' && !is_rm && !is_kill && !is_freeze)
		return parse_timeout(cli, optarg, &l->timeout_s, err);
	if (!((c == 's' && (is_kill || is_rm)) || (c == 'S' && is_rm) ||
	      ((c == 'f' || c == 'v') && is_rm)))
		return cli_usage_error(cli, err, "unknown flag for %s", l->verb);
	if (c == 'S' || (c == 's' && is_rm))
		l->stop_first = true;
	else if (c == 's' && (l->sig = berth_runspec_parse_signal(optarg)) < 0)
		return cli_usage_error(cli, err, "invalid signal '%s'", optarg);
	return 0;
}

int compose_lifecycle(struct berth_cli *cli, struct compose_globals *g, int argc, char **argv,
		      struct berth_error **err)
{
	static const struct option opts[] = {
		{"timeout", required_argument, NULL, 't'}, {"signal", required_argument, NULL, 's'},
		{"stop", no_argument, NULL, 'S'},	   {"force", no_argument, NULL, 'f'},
		{"volumes", no_argument, NULL, 'v'},	   {0},
	};
	struct lifecycle l = {.verb = argv[0], .timeout_s = -1, .sig = SIGKILL};
	bool is_rm = strcmp(l.verb, "rm") == 0, is_kill = strcmp(l.verb, "kill") == 0;
	bool is_freeze = strcmp(l.verb, "pause") == 0 || strcmp(l.verb, "unpause") == 0;
	_cleanup_(compose_cmd_release) struct compose_cmd cmd = {
		.flags = {.usage = lifecycle_usage,
			  .shortopts = is_rm	   ? "fsv"
				       : is_kill   ? "s:"
				       : is_freeze ? ""
						   : "t:",
			  .longopts = opts},
		.on_flag = lifecycle_flag,
		.opts = &l,
		.all_profiles = true,
	};
	int r = compose_cmd_parse(cli, g, argc, argv, &cmd, err);
	if (r <= 0)
		return r;
	struct berth_compose_container *cs = NULL;
	size_t n = 0;
	r = berth_compose_project_containers(cli->store, cmd.project->name, NULL, &cs, &n, err);
	if (r < 0)
		return r;
	/* start, restart and unpause dependencies first; the others dependents first */
	bool forward = strcmp(l.verb, "start") == 0 || strcmp(l.verb, "restart") == 0 ||
		       strcmp(l.verb, "unpause") == 0;
	r = berth_compose_order_containers(cmd.project, cs, n, !forward, err);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (!cmd.args || berth_strv_contains(cmd.args, cs[i].service))
			r = lifecycle_one(cli, cmd.project, &l, &cs[i], err);
	berth_compose_containers_free(cs, n);
	return r;
}
