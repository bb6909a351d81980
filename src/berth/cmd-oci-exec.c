/* SPDX-License-Identifier: Apache-2.0 */
/* `berth-runc exec`: flags into berth_oci_exec_options. */
#include "berth/cmd-oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static int read_process(const char *path, json_t **ret, struct berth_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (fd < 0)
		return berth_error_syscall(err, errno, "open --process '%s'", path);
	int r = berth_read_fd(fd, 4 << 20, &data, &len, err);
	if (r >= 0)
		r = berth_json_parse(data, len, path, ret, err);
	if (r < 0)
		return berth_error_prefix(err, "--process '%s'", path);
	return 0;
}

/* What exec's flags build: the options, with the process object, env and caps they own. */
struct exec_flags {
	struct berth_oci_exec_options o;
	json_t *process;
	char **env, **caps;
};

static void exec_flags_release(struct exec_flags *ef)
{
	json_decref(ef->process);
	berth_strv_free(ef->env);
	berth_strv_free(ef->caps);
}

static int exec_flag(struct berth_cli *cli, int c, const char *arg, void *ctx,
		     struct berth_error **err)
{
	struct exec_flags *ef = ctx;
	struct berth_oci_exec_options *o = &ef->o;
	switch (c) {
	case 'p': {
		json_decref(ef->process);
		ef->process = NULL;
		o->process = NULL;
		int r = read_process(arg, &ef->process, err);
		if (r < 0)
			return r;
		o->process = ef->process;
		break;
	}
	case 'd':
		o->detach = true;
		break;
	case 't':
		o->tty = true;
		break;
	case 'P':
		o->pid_file = arg;
		break;
	case 'c':
		o->console_socket = arg;
		break;
	case 'e':
		berth_strv_push(&ef->env, arg);
		o->env = ef->env;
		break;
	case 'u':
		o->user = arg;
		break;
	case 'w':
		o->cwd = arg;
		break;
	case 'C':
		berth_strv_push(&ef->caps, arg);
		o->caps = ef->caps;
		break;
	case 'f':
		return oci_parse_preserve_fds(cli, arg, &o->preserve_fds, err) < 0 ? -EINVAL : 0;
	}
	return 0;
}

int oci_exec(struct berth_cli *cli, const struct oci_globals *g, int argc, char **argv,
	     struct berth_error **err)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"detach", no_argument, NULL, 'd'},
		{"tty", no_argument, NULL, 't'},
		{"pid-file", required_argument, NULL, 'P'},
		{"console-socket", required_argument, NULL, 'c'},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"cwd", required_argument, NULL, 'w'},
		{"cap", required_argument, NULL, 'C'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{"ignore-paused", no_argument, NULL, 'I'},
		{0},
	};
	struct cli_flags f = {
		.usage = "Usage: berth-runc exec [--process FILE] [-d] [-t] "
			 "[--pid-file F] [--console-socket SOCK] [-e K=V] [-u UID[:GID]] "
			 "[--cwd DIR] [--cap CAP] [--preserve-fds N] ID [COMMAND [ARG...]]\n",
		.shortopts = "+p:dte:u:",
		.longopts = opts};
	struct exec_flags ef = {.o = {.root = g->root, .stdio = {0, 1, 2}}};
	struct berth_oci_exec_options *o = &ef.o;
	int r = oci_parse(cli, &f, argc, argv, exec_flag, &ef, NULL, err);
	if (r != 0) {
		exec_flags_release(&ef);
		return r < 0 ? r : 0;
	}
	if (optind >= argc) {
		exec_flags_release(&ef);
		return cli_usage_error(cli, err, "requires the container id");
	}
	o->id = argv[optind];
	o->args = argv + optind + 1;
	struct berth_runtime_result res = {0};
	r = berth_oci_exec(o, &res, err);
	exec_flags_release(&ef);
	return r < 0 ? r : res.exit_code;
}
