/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hidden helper for bench/net-ports: times N rounds of installing one
 * published port (berth_net_nat_ports_add) and removing it again
 * by its key (berth_net_nat_ports_delete, what a container's release does),
 * and prints the median and p90 of a round in
 * microseconds. Run it only inside a network namespace of its own
 * (bench/net-ports does: unshare --net).
 * Usage: nat-bench N
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/sort.h"
#include "network/network.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	if (n < 1)
		return 2;
	double *t = calloc((size_t)n, sizeof(*t));
	struct berth_port_map m = {.host_ip = "127.0.0.1",
				   .host_port = 18080,
				   .container_port = 8080,
				   .proto = IPPROTO_TCP};
	struct berth_error *err = NULL;
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (berth_net_nat_ports_add("bench", "10.88.0.2", &m, 1, false, &err) < 0 ||
		    berth_net_nat_ports_delete("bench", &m, 1, &err) < 0) {
			fprintf(stderr, "nat-bench: %s\n", berth_error_msg(err));
			return 1;
		}
		t[i] = now_us() - t0;
	}
	berth_qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("median %.0f us, p90 %.0f us (%d rounds)\n", t[n / 2], t[n * 9 / 10], n);
	free(t);
	return 0;
}
