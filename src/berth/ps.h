/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * `berth ps` as Docker's: which containers (filters, -a, -n, -l), in which
 * order (newest first) and with which fields (Docker's container formatter).
 */

#include <stdbool.h>

#include <jansson.h>

#include "core/error.h"

struct ps_options {
	bool all;
	bool quiet;
	bool no_trunc;
	bool size;	/* -s, or a --format that uses .Size (as Docker's) */
	long last;	/* -n: the last N created, whatever their state; -1 for all */
	char **filters; /* --filter KEY=VALUE, each as typed */
	const char *format;
	bool pod;	    /* --pod: POD ID and PODNAME columns (podman's) */
	const json_t *pods; /* the pods (berth_pod_list) for pod= and PodName; NULL: none */
};

/* Whether o needs the pods: --pod, a pod= filter, a --format using .Pod or .PodName. */
bool ps_needs_pods(const struct ps_options *o);

/*
 * The containers of list (container records, borrowed) that o selects,
 * newest first: a new array of borrowed records.
 */
json_t *ps_select(const json_t *list, const struct ps_options *o);

/*
 * A record as Docker's formatter names its fields; trunc shortens ID,
 * Command and Mounts; size is the SIZE column (NULL: "0B", not computed).
 */
json_t *ps_row(const json_t *c, bool trunc, const char *size);
/*
 * podman's `ps --pod` fields into row: Pod (the pod's id, 12 characters
 * with trunc) and PodName (its name in pods, berth_pod_list's); "" for a
 * container of no pod.
 */
void ps_row_add_pod(json_t *row, const json_t *c, bool trunc, const json_t *pods);
/* Docker's column titles of those fields (and of ps_row_add_pod's). */
json_t *ps_titles(void);
