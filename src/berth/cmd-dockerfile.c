/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/cli.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "dockerfile/dockerfile.h"

static const char dump_usage[] =
	"Usage: berth dockerfile dump [OPTIONS]\n"
	"\n"
	"Print the parsed Dockerfile in the format of BuildKit's parser tests:\n"
	"one (instruction flags arguments) line per instruction.\n"
	"\n"
	"Options:\n"
	"  -f, --file FILE   the Dockerfile to read ('-' for stdin; default ./Dockerfile)\n"
	"      --validate    also reject unknown instructions and flags, as a build would\n";

int cmd_dockerfile_dump(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{"file", required_argument, NULL, 'f'},
		{"validate", no_argument, NULL, 'V'},
		{},
	};
	struct cli_flags f = {.usage = dump_usage, .shortopts = "+f:", .longopts = opts};
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	_cleanup_free_ char *data = NULL;
	_cleanup_free_ char *out = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *file = "Dockerfile";
	bool validate = false;
	size_t len;
	int c, r;

	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'f')
			file = optarg;
		else
			validate = true;
	}
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "unexpected argument '%s'", argv[optind]);

	if (strcmp(file, "-") == 0) {
		r = berth_read_fd(STDIN_FILENO, BERTH_DOCKERFILE_MAX_SIZE, &data, &len, err);
	} else {
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return berth_error_syscall(err, errno, "open '%s'", file);
		r = berth_read_fd(fd, BERTH_DOCKERFILE_MAX_SIZE, &data, &len, err);
	}
	if (r < 0)
		return berth_error_prefix(err, "read '%s'", file);

	r = berth_dockerfile_parse(data, len, strcmp(file, "-") == 0 ? "Dockerfile" : file, &df,
				   err);
	if (r < 0)
		return r;
	if (validate) {
		r = berth_dockerfile_validate(df, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < df->n_warnings; i++)
		fprintf(stderr, "[WARNING]: %s:%d: %s\n", df->filename, df->warnings[i].line,
			df->warnings[i].msg);

	out = berth_dockerfile_dump(df);
	fputs(out, stdout);
	fputc('\n', stdout);
	if (fflush(stdout) != 0)
		return berth_error_syscall(err, errno, "write the dump");
	return 0;
}
