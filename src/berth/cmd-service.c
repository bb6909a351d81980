/* SPDX-License-Identifier: Apache-2.0 */
/* `system service`: the Docker Engine API on a socket (src/libberth/api, docs/api.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "api/api.h"
#include "berth/cli.h"
#include "core/cleanup.h"

#define SERVICE_DEFAULT_SOCKET	"unix:///run/berth/docker.sock"
#define SERVICE_DEFAULT_TIMEOUT 0

static const char service_usage[] =
	"Usage:  berth system service [OPTIONS]\n\n"
	"Serve the Docker Engine API (v1.41) for docker, docker-compose and the Docker SDKs\n\n"
	"Options:\n"
	"      --socket string   Listen on unix:///PATH or tcp://HOST:PORT (no TLS, no\n"
	"                        authentication: TCP is refused unless given here)\n"
	"                        (default \"" SERVICE_DEFAULT_SOCKET "\")\n"
	"  -t, --timeout uint    Exit after this many seconds with no request and no\n"
	"                        connection; 0 serves until stopped (default 0)\n";

/* systemd's socket activation: fd 3, when LISTEN_PID is this process. */
static int activated_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid() || strtol(fds, NULL, 10) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 3;
}

static int parse_timeout(struct berth_cli *cli, const char *s, unsigned *ret,
			 struct berth_error **err)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > 100000000)
		return cli_usage_error(cli, err, "invalid argument \"%s\" for \"--timeout\"", s);
	*ret = (unsigned)v;
	return 0;
}

int cmd_system_service(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{0},
	};
	struct cli_flags f = {.usage = service_usage, .shortopts = "t:", .longopts = opts};
	const char *url = NULL;
	struct berth_api_serve_options o = {.timeout_s = SERVICE_DEFAULT_TIMEOUT};
	_cleanup_close_ int own_fd = -EBADF, sfd = -EBADF;
	sigset_t mask;
	int c, r;

	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 's')
			url = optarg;
		else if (c == 't' && (r = parse_timeout(cli, optarg, &o.timeout_s, err)) < 0)
			return r;
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	r = cli_store_open(cli, &o.store, err);
	if (r < 0)
		return r;
	o.root = cli->root;
	o.listen_fd = url ? -1 : activated_fd();
	if (o.listen_fd < 0) {
		bool tcp = false;
		r = berth_api_listen(url ? url : SERVICE_DEFAULT_SOCKET, &own_fd, &tcp, err);
		if (r < 0)
			return r;
		if (tcp)
			fprintf(stderr,
				"berth: warning: serving the API on %s: anyone who can connect "
				"to it is root on this machine (no TLS, no authentication)\n",
				url);
		o.listen_fd = own_fd;
	}
	/* Blocked before any thread starts, so that only the signalfd sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	o.stop_fd = sfd;
	return berth_api_serve(&o, err);
}
