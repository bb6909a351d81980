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
			 "[--cwd DIR] [--cap CAP] ID [COMMAND [ARG...]]\n",
		.shortopts = "+p:dte:u:",
		.longopts = opts};
	_cleanup_strv_free_ char **env = NULL, **caps = NULL;
	_cleanup_json_ json_t *process = NULL;
	struct berth_oci_exec_options o = {.root = g->root, .stdio = {0, 1, 2}};
	int c, r = 0;
	while (r >= 0 && (c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		switch (c) {
		case 'p':
			if (process)
				json_decref(process);
			process = NULL;
			r = read_process(optarg, &process, err);
			break;
		case 'd':
			o.detach = true;
			break;
		case 't':
			o.tty = true;
			break;
		case 'P':
			o.pid_file = optarg;
			break;
		case 'c':
			o.console_socket = optarg;
			break;
		case 'e':
			berth_strv_push(&env, optarg);
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'w':
			o.cwd = optarg;
			break;
		case 'C':
			berth_strv_push(&caps, optarg);
			break;
		case 'f':
			if (strcmp(optarg, "0") != 0)
				r = cli_usage_error(cli, err, "--preserve-fds is not supported");
			break;
		}
	}
	if (r < 0)
		return r;
	if (c < 0 || f.help)
		return c;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires the container id");
	o.id = argv[optind];
	o.args = argv + optind + 1;
	o.process = process;
	o.env = env;
	o.caps = caps;
	struct berth_runtime_result res = {0};
	r = berth_oci_exec(&o, &res, err);
	return r < 0 ? r : res.exit_code;
}
