/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth events` (also `system events`): berth's event log (system/events.c)
 * printed as Docker's CLI prints the daemon's event stream.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/template.h"
#include "system/system.h"

static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char events_usage[] =
	"Usage:  berth events [OPTIONS]\n\n"
	"Get real time events from berth's event log\n\n"
	"Options:\n"
	"  -f, --filter filter   Filter output based on conditions provided\n"
	"      --format string   Format output: json or a Go template ({{.Type}} {{.Action}})\n"
	"      --since string    Show all events created since timestamp\n"
	"      --until string    Stream events until this timestamp\n";

struct printer {
	struct cli_format *format; /* NULL: Docker's default line */
	struct berth_buf line;
	struct berth_error **err;
};

static int print_event(const json_t *msg, void *userdata)
{
	struct printer *p = userdata;
	berth_buf_reset(&p->line);
	if (!p->format) {
		berth_event_format_line(msg, &p->line);
	} else if (p->format->kind == CLI_FORMAT_JSON) {
		_cleanup_free_ char *s = berth_json_dump(msg, NULL);
		berth_buf_addstr(&p->line, s);
		berth_buf_addch(&p->line, '\n');
	} else {
		/* Docker's template runs over the events.Message struct, whose
		 * Attributes are a map: a missing attribute is <no value>, not an error */
		_cleanup_json_ json_t *data = berth_event_template_data(msg);
		int r = berth_template_execute(p->format->tmpl, data, 0, &p->line, p->err);
		if (r < 0)
			return berth_error_prefix(p->err, "template parsing error");
		berth_buf_addch(&p->line, '\n');
	}
	fwrite(p->line.buf, 1, p->line.len, stdout);
	/* a follower piped into another program sees each event as it comes */
	fflush(stdout);
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int cmd_events(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	enum {
		OPT_FORMAT = 256,
		OPT_SINCE,
		OPT_UNTIL,
	};
	static const struct option opts[] = {
		{"filter", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"since", required_argument, NULL, OPT_SINCE},
		{"until", required_argument, NULL, OPT_UNTIL},
		{0},
	};
	struct cli_flags f = {.usage = events_usage, .shortopts = "f:", .longopts = opts};
	_cleanup_(berth_events_filter_release) struct berth_events_filter filter = {0};
	struct berth_events_read_options o = {.filter = &filter, .stop = &interrupted};
	const char *format = NULL, *since = NULL, *until = NULL;
	int c, r = 0;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0 && r >= 0) {
		if (c == 'f')
			r = berth_events_filter_add(&filter, optarg, err);
		else if (c == OPT_FORMAT)
			format = optarg;
		else if (c == OPT_SINCE)
			since = optarg;
		else
			until = optarg;
	}
	if (r < 0)
		return r;
	if (c < 0 || f.help)
		return c;
	if (optind < argc)
		return cli_usage_error(cli, err, "accepts no arguments");
	long long now = now_ns();
	if (since && (r = berth_events_parse_time(since, now, &o.since_ns, err)) < 0)
		return r;
	if (until && (r = berth_events_parse_time(until, now, &o.until_ns, err)) < 0)
		return r;
	/* as Docker's daemon: past events only when asked for a time range, and a
	 * stream until --until, which a past --until ends at once */
	o.past = since || until;
	o.follow = !until || o.until_ns > now;
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	struct printer p = {.line = BERTH_BUF_INIT, .err = err};
	/* {{json .}} marshals the struct by its JSON names, as --format json */
	if (format && strcmp(format, "{{json .}}") == 0)
		format = "json";
	if (format && *format) {
		r = cli_format_init(&fmt, format, err);
		if (r < 0)
			return r;
		if (fmt.kind != CLI_FORMAT_JSON && fmt.kind != CLI_FORMAT_TEMPLATE)
			return cli_usage_error(cli, err,
					       "--format '%s' is not supported: use "
					       "json or a Go template",
					       format);
		p.format = &fmt;
	}
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	r = berth_system_events_read(cli->root, &o, print_event, &p, err);
	berth_buf_release(&p.line);
	return r < 0 ? r : 0;
}
