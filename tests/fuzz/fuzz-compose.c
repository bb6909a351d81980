/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compose files come from projects one did not write: load the input as a
 * compose document (YAML, interpolation, extends, the model, the graph);
 * a failure must carry a message, a success must emit YAML and JSON that
 * load again to the same YAML (the emitter's output is a fixed point).
 */
#include <stdint.h>
#include <string.h>

#include "compose/compose.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/strv.h"

static char *env[] = {"TAG=1", "EMPTY=", "HOME=/h", NULL};

static const char *lookup(const char *name, void *userdata)
{
	(void)userdata;
	return berth_env_get(env, name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	if (size > 64 * 1024)
		return 0;
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	_cleanup_strv_free_ char **warnings = NULL;
	if (berth_compose_load_data((const char *)data, size, "f.yaml", "/proj", "fz", lookup, NULL,
				    &p, &warnings, &err) < 0) {
		if (!err || !*berth_error_msg(err))
			__builtin_trap();
		berth_error_free(&err);
		return 0;
	}
	_cleanup_free_ char *yaml = NULL, *json = NULL;
	if (berth_compose_emit(p, BERTH_COMPOSE_FORMAT_YAML, &yaml, &err) < 0 ||
	    berth_compose_emit(p, BERTH_COMPOSE_FORMAT_JSON, &json, &err) < 0)
		__builtin_trap();
	for (size_t i = 0; i < p->n_services; i++) {
		char hash[65];
		berth_compose_service_hash(&p->services[i], hash);
		if (strlen(hash) != 64)
			__builtin_trap();
	}
	/* "$" in values was interpolated once: the emitted text is read without variables */
	if (strchr(yaml, '$'))
		return 0;
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *again = NULL;
	_cleanup_free_ char *yaml2 = NULL;
	if (berth_compose_load_data(yaml, strlen(yaml), "f.yaml", "/proj", "fz", lookup, NULL,
				    &again, NULL, &err) < 0 ||
	    berth_compose_emit(again, BERTH_COMPOSE_FORMAT_YAML, &yaml2, &err) < 0 ||
	    strcmp(yaml, yaml2) != 0)
		__builtin_trap();
	return 0;
}
