/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A config.json comes from a bundle berth did not write (berth oci /
 * berth-runc under podman, containerd, dockerd): berth_spec_from_json with
 * its namespaces, mappings, capability sets and hooks, each mount's options
 * read as the executor reads them, then what it parsed written back and
 * parsed again.
 */
#include <stdint.h>
#include <string.h>

#include "core/json.h"
#include "runtime/internal.h"
#include "runtime/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	json_t *j = NULL;
	if (berth_json_parse((const char *)data, size, "config.json", &j, NULL) < 0)
		return 0;
	struct berth_spec spec;
	berth_spec_init(&spec);
	if (berth_spec_from_json(j, &spec, NULL) == 0) {
		for (size_t i = 0; i < spec.n_mounts; i++) {
			struct berth_mount_opts o = BERTH_MOUNT_OPTS_INIT;
			(void)berth_runtime_mount_opts_parse(spec.mounts[i].options, &o, NULL);
			berth_runtime_mount_opts_release(&o);
		}
		json_t *back = berth_spec_to_json(&spec);
		struct berth_spec again;
		berth_spec_init(&again);
		(void)berth_spec_from_json(back, &again, NULL);
		berth_spec_release(&again);
		json_decref(back);
	}
	berth_spec_release(&spec);
	json_decref(j);
	return 0;
}
