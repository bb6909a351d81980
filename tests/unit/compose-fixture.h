/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Loading a compose document from a string for the compose unit tests,
 * with a fixed environment for interpolation.
 */
#include <string.h>

#include "compose/compose.h"
#include "core/env.h"
#include "core/error.h"
#include "core/strv.h"

static char *fixture_env[] = {"TAG=1.25", "EMPTY=", "HOME=/home/u", NULL};

static inline const char *fixture_lookup(const char *name, void *userdata)
{
	(void)userdata;
	return berth_env_get(fixture_env, name);
}

/* Loads text as project "demo" in /proj; the error message (or "") goes to *ret_msg. */
static inline int fixture_load(const char *text, struct berth_compose_project **ret,
			       char ***ret_warnings, char **ret_msg)
{
	struct berth_error *err = NULL;
	int r = berth_compose_load_data(text, strlen(text), "compose.yaml", "/proj", "demo",
					fixture_lookup, NULL, ret, ret_warnings, &err);
	if (ret_msg)
		*ret_msg = strdup(berth_error_msg(err));
	berth_error_free(&err);
	return r;
}
