/* SPDX-License-Identifier: Apache-2.0 */
/* stats: Docker's columns from the containers' cgroups (v1 or v2), CPU % over two samples. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "berth/cli.h"
#include "berth/format.h"
#include "container/container.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strv.h"

/* Docker's defaultStatsTableFormat */
static const char stats_table[] = "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t"
				  "{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";

struct sample {
	struct berth_container_stats s;
	struct timespec at;
	bool ok;
};

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static uint64_t host_memory(void)
{
	struct sysinfo si;
	return sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
}

/*
 * One row of Docker's stats formatter. CPU %: the CPU time used between the
 * two samples over the wall time between them (Docker's
 * cpuDelta / systemDelta * onlineCPUs, systemDelta being the wall time on
 * every CPU); a container that is not running shows "--" as Docker's.
 */
static json_t *stats_row(const char *as_named, const struct sample *prev, const struct sample *cur,
			 bool no_trunc)
{
	const struct berth_container_stats *s = &cur->s;
	char id[65];
	snprintf(id, sizeof(id), "%.*s", no_trunc ? 64 : 12, s->id);
	if (!s->running)
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "BlockIO",
				 "-- / --", "CPUPerc", "--", "Container", as_named, "ID", id,
				 "MemPerc", "--", "MemUsage", "-- / --", "Name", s->name, "NetIO",
				 "-- / --", "PIDs", "--");
	double cpu = 0;
	if (prev && prev->ok) {
		double wall = seconds_between(&prev->at, &cur->at);
		if (wall > 0 && s->usage.cpu_ns >= prev->s.usage.cpu_ns)
			cpu = (double)(s->usage.cpu_ns - prev->s.usage.cpu_ns) / 1e9 / wall * 100.0;
	}
	uint64_t limit =
		s->usage.memory_limit >= 0 ? (uint64_t)s->usage.memory_limit : host_memory();
	double mem_perc = limit ? (double)s->usage.memory / (double)limit * 100.0 : 0;
	char cpu_s[32], mem_perc_s[32], used[16], lim[16], rx[16], tx[16], br[16], bw[16];
	char mem_s[40], net_s[40], blk_s[40], pids[24];
	snprintf(cpu_s, sizeof(cpu_s), "%.2f%%", cpu);
	snprintf(mem_perc_s, sizeof(mem_perc_s), "%.2f%%", mem_perc);
	snprintf(mem_s, sizeof(mem_s), "%s / %s", berth_format_size_binary(s->usage.memory, used),
		 berth_format_size_binary(limit, lim));
	snprintf(net_s, sizeof(net_s), "%s / %s", berth_format_size(s->net_rx, rx),
		 berth_format_size(s->net_tx, tx));
	snprintf(blk_s, sizeof(blk_s), "%s / %s", berth_format_size(s->usage.block_read, br),
		 berth_format_size(s->usage.block_write, bw));
	snprintf(pids, sizeof(pids), "%llu", (unsigned long long)s->usage.pids);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "BlockIO", blk_s,
			 "CPUPerc", cpu_s, "Container", as_named, "ID", id, "MemPerc", mem_perc_s,
			 "MemUsage", mem_s, "Name", s->name, "NetIO", net_s, "PIDs", pids);
}

static json_t *stats_titles(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "BlockIO", "BLOCK I/O",
			 "CPUPerc", "CPU %", "Container", "CONTAINER", "ID", "CONTAINER ID",
			 "MemPerc", "MEM %", "MemUsage", "MEM USAGE / LIMIT", "Name", "NAME",
			 "NetIO", "NET I/O", "PIDs", "PIDS");
}

static void take_samples(struct berth_cli *cli, char **names, struct sample *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		berth_container_stats_release(&v[i].s);
		clock_gettime(CLOCK_MONOTONIC, &v[i].at);
		v[i].ok = berth_container_stats(cli->store, names[i], &v[i].s, NULL) >= 0;
	}
}

static int print_rows(const char *format, char **names, const struct sample *prev,
		      const struct sample *cur, size_t n, bool no_trunc, struct berth_error **err)
{
	_cleanup_(cli_format_release) struct cli_format fmt = {0};
	int r = cli_format_init(&fmt, format, err);
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!cur[i].ok)
			continue; /* removed meanwhile */
		_cleanup_json_ json_t *row = stats_row(names[i], &prev[i], &cur[i], no_trunc);
		r = cli_format_row(&fmt, row, err);
	}
	if (r < 0)
		return r;
	_cleanup_json_ json_t *titles = stats_titles();
	return cli_format_flush(&fmt, titles, err);
}

/* The containers to show: those named (each must exist), or every running one (-a: all). */
static int stats_targets(struct berth_cli *cli, int argc, char **argv, bool all, char ***ret,
			 struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **names = NULL;
	if (optind < argc) {
		for (int i = optind; i < argc; i++) {
			_cleanup_free_ char *id = NULL;
			r = berth_container_find(cli->store, argv[i], &id, err);
			if (r < 0)
				return r;
			berth_strv_push(&names, argv[i]);
		}
		*ret = TAKE_PTR(names);
		return 0;
	}
	_cleanup_json_ json_t *list = NULL;
	r = berth_container_list(cli->store, &list, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		bool running =
			json_is_true(json_object_get(json_object_get(c, "State"), "Running"));
		const char *id = json_string_value(json_object_get(c, "Id"));
		if (id && (all || running))
			berth_strv_consume(&names, berth_xstrndup(id, 12));
	}
	*ret = names ? TAKE_PTR(names) : berth_xcalloc(1, sizeof(char *));
	return 0;
}

static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char stats_usage[] =
	"Usage:  berth stats [OPTIONS] [CONTAINER...]\n\n"
	"Display a live stream of container(s) resource usage statistics\n\n"
	"Options:\n"
	"  -a, --all             Show all containers (default shows just running)\n"
	"      --format string   Format output: table (default), json or a Go template\n"
	"      --no-stream       Disable streaming stats and only pull the first result\n"
	"      --no-trunc        Do not truncate output\n";

int cmd_stats(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	enum {
		OPT_FORMAT = 256,
		OPT_NO_STREAM,
		OPT_NO_TRUNC
	};
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"no-stream", no_argument, NULL, OPT_NO_STREAM},
		{"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
		{0},
	};
	struct cli_flags f = {.usage = stats_usage, .shortopts = "a", .longopts = opts};
	bool all = false, no_stream = false, no_trunc = false;
	const char *format = NULL;
	int c;
	while ((c = cli_flag_next(cli, &f, argc, argv, err)) > 0) {
		if (c == 'a')
			all = true;
		else if (c == OPT_FORMAT)
			format = optarg;
		else if (c == OPT_NO_STREAM)
			no_stream = true;
		else
			no_trunc = true;
	}
	if (c < 0 || f.help)
		return c;
	if (!format || !*format || strcmp(format, "table") == 0)
		format = stats_table;
	_cleanup_strv_free_ char **names = NULL;
	int r = stats_targets(cli, argc, argv, all, &names, err);
	if (r < 0)
		return r;
	size_t n = berth_strv_len(names);
	struct sample *prev = berth_xcalloc(n + 1, sizeof(*prev));
	struct sample *cur = berth_xcalloc(n + 1, sizeof(*cur));
	take_samples(cli, names, prev, n);
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	while (!interrupted) {
		/* the first figure needs two samples a second apart, as Docker's --no-stream */
		nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
		if (interrupted)
			break;
		take_samples(cli, names, cur, n);
		if (!no_stream)
			fputs("\033[2J\033[H", stdout);
		r = print_rows(format, names, prev, cur, n, no_trunc, err);
		fflush(stdout);
		if (r < 0 || no_stream)
			break;
		struct sample *t = prev;
		prev = cur;
		cur = t;
	}
	for (size_t i = 0; i < n; i++) {
		berth_container_stats_release(&prev[i].s);
		berth_container_stats_release(&cur[i].s);
	}
	free(prev);
	free(cur);
	return r < 0 ? r : 0;
}
