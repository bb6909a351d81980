/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-runc's state record (ROOT/ID/state.json, runtime/oci-state.c) and
 * update's --resources: JSON from outside. What parses must name only
 * cgroup directories and absolute paths, and read back the same once
 * written. Input: the JSON, up to 64 KiB; the first byte picks the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

static void check_record(const json_t *j)
{
	struct berth_oci_state st = {0}, again = {0};
	struct berth_error *err = NULL;
	if (berth_oci_state_from_record(j, &st, &err) < 0) {
		if (!err || !berth_error_msg(err)[0])
			__builtin_trap();
		berth_error_free(&err);
		return;
	}
	if (st.bundle[0] != '/' || st.rootfs[0] != '/' || berth_oci_check_id(st.id, NULL) < 0)
		__builtin_trap();
	BERTH_STRV_FOREACH (d, st.cgroup.dirs)
		if (strncmp(*d, "/sys/fs/cgroup/", 15) != 0 || strstr(*d, "/../"))
			__builtin_trap();
	_cleanup_json_ json_t *back = berth_oci_state_to_record(&st);
	if (berth_oci_state_from_record(back, &again, NULL) < 0 || again.pid != st.pid ||
	    again.start_time != st.start_time || strcmp(again.bundle, st.bundle) != 0)
		__builtin_trap();
	json_decref(berth_oci_state_to_json(&st));
	berth_oci_state_release(&st);
	berth_oci_state_release(&again);
}

static void check_resources(const json_t *j)
{
	struct berth_spec l;
	struct berth_error *err = NULL;
	berth_spec_init(&l);
	if (berth_oci_resources_from_json(j, &l, &err) < 0) {
		if (!err || !berth_error_msg(err)[0])
			__builtin_trap();
		berth_error_free(&err);
	} else if (l.cpu_period == 0 || l.memory_limit < -1 || l.pids_limit < -1) {
		__builtin_trap();
	}
	berth_spec_release(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	_cleanup_json_ json_t *j = NULL;
	if (berth_json_parse((const char *)data + 1, size - 1, "fuzz", &j, NULL) < 0)
		return 0;
	if (data[0] & 1)
		check_resources(j);
	else
		check_record(j);
	return 0;
}
