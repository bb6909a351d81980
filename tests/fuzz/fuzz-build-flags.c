/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instruction flag values come from Dockerfiles anyone can write: RUN
 * --mount=… and COPY/ADD --chmod=… must parse or fail with a message, and
 * what parses must be in range. Input: a first byte 'm' (the rest is one
 * --mount value), 'c' (one --chmod value), anything else (the rest is a
 * Dockerfile whose RUN --mount and COPY/ADD --chmod values are parsed).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builder/flags.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "dockerfile/dockerfile.h"

static void failed_well(int r, struct berth_error **err)
{
	/* every failure is bad input, with a message */
	if (r != -EINVAL || berth_error_code(*err) != EINVAL || !berth_error_msg(*err)[0])
		__builtin_trap();
	berth_error_free(err);
}

static void check_mount(const char *value)
{
	_cleanup_(build_run_mount_release) struct build_run_mount m = {0};
	struct berth_error *err = NULL;
	int r = build_run_mount_parse(value, &m, &err);
	if (r < 0) {
		failed_well(r, &err);
		return;
	}
	if (err || !m.type || !m.target || m.target[0] != '/')
		__builtin_trap();
	if (strcmp(m.type, "bind") && strcmp(m.type, "cache") && strcmp(m.type, "tmpfs") &&
	    strcmp(m.type, "secret"))
		__builtin_trap();
	if ((m.has_mode && m.mode > 07777) || (m.has_uid && m.uid == (uid_t)-1) ||
	    (m.has_gid && m.gid == (gid_t)-1))
		__builtin_trap();
}

static void check_chmod(const char *value)
{
	struct berth_error *err = NULL;
	mode_t mode = 0;
	int r = build_parse_chmod(value, &mode, &err);
	if (r < 0)
		failed_well(r, &err);
	else if (mode > 07777 || err)
		__builtin_trap();
}

static void check_dockerfile(const char *data, size_t size)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	struct berth_error *err = NULL;
	if (berth_dockerfile_parse(data, size, "Dockerfile", &df, &err) < 0) {
		berth_error_free(&err);
		return;
	}
	for (size_t i = 0; i < df->n_instructions; i++) {
		const struct berth_dockerfile_instruction *ins = &df->instructions[i];
		for (size_t f = 0; f < ins->n_flags; f++) {
			const struct berth_dockerfile_flag *fl = &ins->flags[f];
			if (!fl->value)
				continue;
			if (ins->keyword == BERTH_DOCKERFILE_RUN && strcmp(fl->name, "mount") == 0)
				check_mount(fl->value);
			if ((ins->keyword == BERTH_DOCKERFILE_COPY ||
			     ins->keyword == BERTH_DOCKERFILE_ADD) &&
			    strcmp(fl->name, "chmod") == 0)
				check_chmod(fl->value);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 16 * 1024)
		return 0;
	_cleanup_free_ char *rest = berth_xstrndup((const char *)data + 1, size - 1);
	if (data[0] == 'm')
		check_mount(rest);
	else if (data[0] == 'c')
		check_chmod(rest);
	else
		check_dockerfile((const char *)data + 1, size - 1);
	return 0;
}
